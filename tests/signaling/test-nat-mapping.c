/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for signaling/nat-mapping.c: host candidates announced at a 1:1 NAT's public address. */
#include <glib.h>

#include "signaling/nat-mapping.h"

static void
assert_mapped(const char *candidate, const char *public_address, const char *expected)
{
  g_autofree char *mapped = gw_nat_map_candidate(candidate, public_address);

  g_assert_cmpstr(mapped, ==, expected);
}

static void
test_candidate(void)
{
  assert_mapped("candidate:1 1 UDP 2015363327 10.0.0.5 40001 typ host", "203.0.113.10",
                "candidate:1 1 UDP 2015363327 203.0.113.10 40001 typ host");
  assert_mapped("candidate:3 1 TCP 1010827519 10.0.0.5 40002 typ host tcptype passive",
                "203.0.113.10",
                "candidate:3 1 TCP 1010827519 203.0.113.10 40002 typ host tcptype passive");
  assert_mapped("a=candidate:1 1 UDP 2015363327 10.0.0.5 40001 typ host", "203.0.113.10",
                "a=candidate:1 1 UDP 2015363327 203.0.113.10 40001 typ host");
  /* Not host, another family, too short, or nothing configured: unchanged. */
  assert_mapped("candidate:4 1 UDP 1677721855 198.51.100.1 40001 typ srflx raddr 10.0.0.5 rport "
                "40001",
                "203.0.113.10",
                "candidate:4 1 UDP 1677721855 198.51.100.1 40001 typ srflx raddr 10.0.0.5 rport "
                "40001");
  assert_mapped("candidate:1 1 UDP 2015363327 fd00::5 40001 typ host", "203.0.113.10",
                "candidate:1 1 UDP 2015363327 fd00::5 40001 typ host");
  assert_mapped("candidate:1 1 UDP 2015363327 fd00::5 40001 typ host", "2001:db8::10",
                "candidate:1 1 UDP 2015363327 2001:db8::10 40001 typ host");
  assert_mapped("candidate:1 1 UDP 2015363327 10.0.0.5", "203.0.113.10",
                "candidate:1 1 UDP 2015363327 10.0.0.5");
  assert_mapped("candidate:1 1 UDP 2015363327 not-an-ip 40001 typ host", "203.0.113.10",
                "candidate:1 1 UDP 2015363327 not-an-ip 40001 typ host");
  assert_mapped("", "203.0.113.10", "");
  assert_mapped("candidate:1 1 UDP 2015363327 10.0.0.5 40001 typ host", NULL,
                "candidate:1 1 UDP 2015363327 10.0.0.5 40001 typ host");
}

static void
test_sdp(void)
{
  const char *sdp = "v=0\r\n"
                    "m=audio 9 UDP/TLS/RTP/SAVPF 96\r\n"
                    "a=candidate:1 1 UDP 2015363327 10.0.0.5 40001 typ host\r\n"
                    "a=candidate:2 1 UDP 1677721855 198.51.100.1 40001 typ srflx\r\n"
                    "a=mid:audio0\r\n"
                    "a=candidate:3 1 UDP 2015363327 10.0.0.5 40003 typ host";
  const char *expected = "v=0\r\n"
                         "m=audio 9 UDP/TLS/RTP/SAVPF 96\r\n"
                         "a=candidate:1 1 UDP 2015363327 203.0.113.10 40001 typ host\r\n"
                         "a=candidate:2 1 UDP 1677721855 198.51.100.1 40001 typ srflx\r\n"
                         "a=mid:audio0\r\n"
                         "a=candidate:3 1 UDP 2015363327 203.0.113.10 40003 typ host";
  g_autofree char *mapped = gw_nat_map_sdp(sdp, "203.0.113.10");
  g_autofree char *unmapped = gw_nat_map_sdp(sdp, NULL);
  g_autofree char *lf = gw_nat_map_sdp("a=candidate:1 1 UDP 1 10.0.0.5 4 typ host\n\n",
                                       "203.0.113.10");

  g_assert_cmpstr(mapped, ==, expected);
  g_assert_cmpstr(unmapped, ==, sdp);
  g_assert_cmpstr(lf, ==, "a=candidate:1 1 UDP 1 203.0.113.10 4 typ host\n\n");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/nat-mapping/candidate", test_candidate);
  g_test_add_func("/nat-mapping/sdp", test_sdp);
  return g_test_run();
}
