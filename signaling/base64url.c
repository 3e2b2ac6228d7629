/* SPDX-License-Identifier: Apache-2.0 */
/* Unpadded base64url (RFC 4648 §5), strict on input; pure. */
#include "signaling/base64url.h"

#include <string.h>

char *
gw_base64url_encode(const guint8 *data, gsize length)
{
  char *text = g_base64_encode(data, length);
  gsize n = strlen(text);

  while (n > 0 && text[n - 1] == '=')
    text[--n] = '\0';
  for (char *p = text; *p != '\0'; p++) {
    if (*p == '+')
      *p = '-';
    else if (*p == '/')
      *p = '_';
  }
  return text;
}

GBytes *
gw_base64url_decode(const char *text, gsize length)
{
  /* One leftover character cannot encode a byte. */
  if (length % 4 == 1)
    return NULL;
  g_autofree char *standard = g_malloc(length + 3);
  gsize n = 0;

  for (gsize i = 0; i < length; i++) {
    char c = text[i];

    if (g_ascii_isalnum(c))
      standard[n++] = c;
    else if (c == '-')
      standard[n++] = '+';
    else if (c == '_')
      standard[n++] = '/';
    else
      return NULL;
  }
  while (n % 4 != 0)
    standard[n++] = '=';
  standard[n] = '\0';

  gsize out_length = 0;
  guchar *out = g_base64_decode(standard, &out_length);
  return g_bytes_new_take(out, out_length);
}
