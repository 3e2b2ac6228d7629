/* SPDX-License-Identifier: Apache-2.0 */
/* Rewriting the gateway's host candidates to the public address of a 1:1 NAT. */
#include "signaling/nat-mapping.h"

#include <gio/gio.h>
#include <string.h>

/* candidate:FOUNDATION COMPONENT TRANSPORT PRIORITY ADDRESS PORT typ TYPE [...] */
#define FIELD_ADDRESS 4
#define FIELD_TYPE 7
#define MIN_FIELDS 8

static gboolean
same_family(const char *a, const char *b)
{
  g_autoptr(GInetAddress) x = g_inet_address_new_from_string(a);
  g_autoptr(GInetAddress) y = g_inet_address_new_from_string(b);

  return x != NULL && y != NULL && g_inet_address_get_family(x) == g_inet_address_get_family(y);
}

char *
gw_nat_map_candidate(const char *candidate, const char *public_address)
{
  g_auto(GStrv) fields = NULL;

  g_return_val_if_fail(candidate != NULL, NULL);

  if (public_address == NULL || strchr(candidate, '\r') != NULL || strchr(candidate, '\n') != NULL)
    return g_strdup(candidate);
  fields = g_strsplit(candidate, " ", -1);
  if (g_strv_length(fields) < MIN_FIELDS || !g_str_equal(fields[FIELD_TYPE - 1], "typ") ||
      !g_str_equal(fields[FIELD_TYPE], "host") ||
      !same_family(fields[FIELD_ADDRESS], public_address))
    return g_strdup(candidate);
  g_free(fields[FIELD_ADDRESS]);
  fields[FIELD_ADDRESS] = g_strdup(public_address);
  return g_strjoinv(" ", fields);
}

char *
gw_nat_map_sdp(const char *sdp, const char *public_address)
{
  g_autoptr(GString) out = NULL;
  const char *line = sdp;

  g_return_val_if_fail(sdp != NULL, NULL);

  if (public_address == NULL)
    return g_strdup(sdp);
  out = g_string_sized_new(strlen(sdp) + 64);
  while (*line != '\0') {
    const char *end = strchr(line, '\n');
    gsize length = end != NULL ? (gsize)(end - line) : strlen(line);
    gsize content = length > 0 && line[length - 1] == '\r' ? length - 1 : length;

    if (g_str_has_prefix(line, "a=candidate:")) {
      g_autofree char *value = g_strndup(line, content);
      g_autofree char *mapped = gw_nat_map_candidate(value, public_address);

      g_string_append(out, mapped);
      g_string_append_len(out, line + content, (gssize)(length - content));
    } else {
      g_string_append_len(out, line, (gssize)length);
    }
    if (end == NULL)
      break;
    g_string_append_c(out, '\n');
    line = end + 1;
  }
  return g_string_free(g_steal_pointer(&out), FALSE);
}
