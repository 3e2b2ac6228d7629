/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for picking the client's address behind trusted reverse proxies. */
#include "signaling/client-address.h"

static const char *const proxies[] = {"10.0.0.5", "10.0.0.6", "::1", NULL};

static void
check(const char *peer, const char *header, const char *expected)
{
  g_autofree char *got = gw_client_address_pick(proxies, peer, header);

  g_assert_cmpstr(got, ==, expected);
}

static void
test_pick(void)
{
  /* Not from a trusted proxy: the header is whatever the client wrote. */
  check("203.0.113.9", "198.51.100.1", "203.0.113.9");
  check("203.0.113.9", NULL, "203.0.113.9");
  /* From a proxy: the rightmost address that is not a proxy. */
  check("10.0.0.5", "198.51.100.1", "198.51.100.1");
  check("10.0.0.5", "1.2.3.4, 198.51.100.1", "198.51.100.1");
  check("10.0.0.5", "1.2.3.4, 198.51.100.1, 10.0.0.6", "198.51.100.1");
  check("::1", " 2001:db8::7 ", "2001:db8::7");
  /* Nothing usable: the proxy itself counts. */
  check("10.0.0.5", NULL, "10.0.0.5");
  check("10.0.0.5", "", "10.0.0.5");
  check("10.0.0.5", "10.0.0.6", "10.0.0.5");
  check("10.0.0.5", "1.2.3.4, not-an-address", "10.0.0.5");
  check("10.0.0.5", "unknown", "10.0.0.5");
  g_autofree char *long_header = g_strnfill(GW_CLIENT_ADDRESS_MAX_HEADER + 1, '1');
  check("10.0.0.5", long_header, "10.0.0.5");
  /* No proxies configured. */
  const char *const none[] = {NULL};
  g_autofree char *got = gw_client_address_pick(none, "10.0.0.5", "198.51.100.1");
  g_assert_cmpstr(got, ==, "10.0.0.5");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/client-address/pick", test_pick);
  return g_test_run();
}
