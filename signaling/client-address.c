/* SPDX-License-Identifier: Apache-2.0 */
/* Which client sent a request: the peer, or behind a trusted reverse proxy the address it
 * forwarded for. No I/O apart from reading the message. */
#include "signaling/client-address.h"

#include <gio/gio.h>
#include <string.h>

static gboolean
is_trusted(const char *const *trusted, GInetAddress *address)
{
  for (guint i = 0; trusted != NULL && trusted[i] != NULL; i++) {
    g_autoptr(GInetAddress) proxy = g_inet_address_new_from_string(trusted[i]);
    if (proxy != NULL && g_inet_address_equal(proxy, address))
      return TRUE;
  }
  return FALSE;
}

char *
gw_client_address_pick(const char *const *trusted, const char *peer, const char *forwarded_for)
{
  g_autoptr(GInetAddress) peer_address = peer != NULL ? g_inet_address_new_from_string(peer) : NULL;

  if (peer_address == NULL || forwarded_for == NULL || !is_trusted(trusted, peer_address) ||
      strlen(forwarded_for) > GW_CLIENT_ADDRESS_MAX_HEADER)
    return g_strdup(peer);
  g_auto(GStrv) hops = g_strsplit(forwarded_for, ",", -1);
  for (gint i = (gint)g_strv_length(hops) - 1; i >= 0; i--) {
    g_autoptr(GInetAddress) hop = g_inet_address_new_from_string(g_strstrip(hops[i]));
    /* A hop that is not an address means someone on the way wrote nonsense: trust none. */
    if (hop == NULL)
      return g_strdup(peer);
    if (!is_trusted(trusted, hop))
      return g_inet_address_to_string(hop);
  }
  return g_strdup(peer);
}

gboolean
gw_client_address_is_trusted_proxy(const GwConfig *config, const char *address)
{
  g_autoptr(GInetAddress) parsed = address != NULL ? g_inet_address_new_from_string(address) : NULL;

  return parsed != NULL && is_trusted((const char *const *)config->trusted_proxies, parsed);
}

char *
gw_client_address(const GwConfig *config, SoupServerMessage *msg)
{
  return gw_client_address_pick(
      (const char *const *)config->trusted_proxies, soup_server_message_get_remote_host(msg),
      soup_message_headers_get_list(soup_server_message_get_request_headers(msg),
                                    "X-Forwarded-For"));
}
