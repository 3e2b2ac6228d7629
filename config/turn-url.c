/* SPDX-License-Identifier: Apache-2.0 */
/* Checking TURN server URLs (RFC 7065) the way browsers will parse them. */
#include "config/turn-url.h"

#include "config/config.h"

#include <string.h>

static gboolean
url_error(GError **error, const char *what)
{
  g_set_error_literal(error, GW_CONFIG_ERROR, GW_CONFIG_ERROR_VALUE, what);
  return FALSE;
}

/* A DNS name: labels of letters, digits and '-', separated by dots. */
static gboolean
host_name_ok(const char *host, gsize length)
{
  gsize label = 0;

  if (length == 0 || length > 253)
    return FALSE;
  for (gsize i = 0; i < length; i++) {
    char c = host[i];

    if (c == '.') {
      if (label == 0)
        return FALSE;
      label = 0;
      continue;
    }
    if (!g_ascii_isalnum(c) && c != '-')
      return FALSE;
    if (++label > 63)
      return FALSE;
  }
  return label > 0;
}

static gboolean
port_ok(const char *text, gsize length)
{
  guint value = 0;

  if (length == 0 || length > 5)
    return FALSE;
  for (gsize i = 0; i < length; i++) {
    if (!g_ascii_isdigit(text[i]))
      return FALSE;
    value = value * 10 + (guint)(text[i] - '0');
  }
  return value >= 1 && value <= 65535;
}

/* HOST[:PORT] with HOST a name, an IPv4 address or [IPv6]. */
static gboolean
check_authority(const char *text, gsize length, GError **error)
{
  const char *host = text;
  gsize host_length = length;
  const char *port = NULL;
  gsize port_length = 0;

  if (length > 0 && text[0] == '[') {
    const char *close = memchr(text, ']', length);
    g_autofree char *literal = NULL;

    if (close == NULL)
      return url_error(error, "an IPv6 address must be closed with ]");
    literal = g_strndup(text + 1, close - text - 1);
    if (!g_hostname_is_ip_address(literal) || strchr(literal, ':') == NULL)
      return url_error(error, "the address between [ ] is not an IPv6 address");
    if (close + 1 < text + length) {
      if (close[1] != ':')
        return url_error(error, "after ] only :PORT may follow");
      port = close + 2;
      port_length = text + length - port;
    }
  } else {
    const char *colon = memchr(text, ':', length);

    if (colon != NULL) {
      host_length = colon - text;
      port = colon + 1;
      port_length = text + length - port;
    }
    if (!host_name_ok(host, host_length))
      return url_error(error, "needs a host: a name or an IP address (IPv6 in [ ])");
  }
  if (port != NULL && !port_ok(port, port_length))
    return url_error(error, "the port must be a number between 1 and 65535");
  return TRUE;
}

gboolean
gw_turn_url_check(const char *url, GError **error)
{
  gsize length = strlen(url);
  gboolean secure;
  const char *rest;
  const char *query;
  gsize authority_length;

  if (length > GW_TURN_URL_MAX_LENGTH)
    return url_error(error, "is longer than 256 characters");
  if (g_ascii_strncasecmp(url, "turns:", 6) == 0) {
    secure = TRUE;
    rest = url + 6;
  } else if (g_ascii_strncasecmp(url, "turn:", 5) == 0) {
    secure = FALSE;
    rest = url + 5;
  } else {
    return url_error(error, "must start with turn: or turns: (e.g. turns:turn.example.nl:443)");
  }
  if (g_str_has_prefix(rest, "//"))
    return url_error(error, "takes no // after the scheme (turn:HOST:PORT)");
  if (strpbrk(rest, "@/#") != NULL)
    return url_error(error, "must not hold a user name, path or fragment");
  query = strchr(rest, '?');
  authority_length = query != NULL ? (gsize)(query - rest) : strlen(rest);
  if (!check_authority(rest, authority_length, error))
    return FALSE;
  if (query == NULL)
    return TRUE;
  if (g_ascii_strcasecmp(query, "?transport=tcp") == 0)
    return TRUE;
  if (g_ascii_strcasecmp(query, "?transport=udp") == 0) {
    if (secure)
      return url_error(error, "turns: runs over TLS, so its transport can only be tcp");
    return TRUE;
  }
  return url_error(error, "the only query allowed is ?transport=udp or ?transport=tcp");
}
