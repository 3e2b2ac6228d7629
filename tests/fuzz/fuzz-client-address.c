/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the X-Forwarded-For header a client sends through a trusted proxy
 * (signaling/client-address.c): it decides whose per-address limits and lock-outs count. */
#include <gio/gio.h>
#include <stdint.h>
#include <string.h>

#include "signaling/client-address.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const trusted[] = {"127.0.0.1", "10.0.0.1", "::1", NULL};
/* The connection's own address: a trusted proxy, an untrusted client, or none. */
static const char *const peers[] = {"127.0.0.1", "::1", "203.0.113.7", NULL};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  const char *peer = peers[data[0] % G_N_ELEMENTS(peers)];
  /* The header as libsoup hands it over: text up to the first NUL. */
  g_autofree char *header = g_strndup((const char *)data + 1, size - 1);
  g_autofree char *client = gw_client_address_pick(trusted, peer, header);
  gboolean peer_trusted = peer != NULL && g_strv_contains(trusted, peer);

  if (peer == NULL) {
    g_assert_null(client);
    return 0;
  }
  g_assert_nonnull(client);
  if (!peer_trusted || strlen(header) > GW_CLIENT_ADDRESS_MAX_HEADER) {
    /* Only a trusted proxy's header counts, and only a bounded one. */
    g_assert_cmpstr(client, ==, peer);
    return 0;
  }
  if (g_str_equal(client, peer))
    return 0;
  /* Whatever the client wrote, what counts is an IP address in its one canonical spelling
   * (so one client cannot count as many), and never a trusted proxy. */
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string(client);
  g_assert_nonnull(address);
  g_autofree char *canonical = g_inet_address_to_string(address);
  g_assert_cmpstr(canonical, ==, client);
  for (guint i = 0; trusted[i] != NULL; i++) {
    g_autoptr(GInetAddress) proxy = g_inet_address_new_from_string(trusted[i]);
    g_assert_false(g_inet_address_equal(proxy, address));
  }
  return 0;
}
