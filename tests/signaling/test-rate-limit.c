/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the token bucket behind the per-address and per-connection limits. */
#include "signaling/rate-limit.h"

#define S G_GINT64_CONSTANT(1000000)

static void
test_burst_then_rate(void)
{
  GwRateLimit limit;
  guint taken = 0;

  gw_rate_limit_init(&limit, 10, 40, 0);
  while (gw_rate_limit_take(&limit, 0))
    taken++;
  g_assert_cmpuint(taken, ==, 40);
  g_assert_false(gw_rate_limit_peek(&limit, 0));
  g_assert_cmpuint(gw_rate_limit_wait_seconds(&limit), ==, 1);

  /* A tenth of a second later: exactly one more. */
  g_assert_true(gw_rate_limit_take(&limit, S / 10));
  g_assert_false(gw_rate_limit_take(&limit, S / 10));

  /* An hour idle refills to the burst, not beyond. */
  taken = 0;
  while (gw_rate_limit_take(&limit, 3600 * S))
    taken++;
  g_assert_cmpuint(taken, ==, 40);
}

static void
test_slow_rate(void)
{
  GwRateLimit limit;

  /* Ten a minute: after the burst, one every six seconds. */
  gw_rate_limit_init(&limit, 10 / 60.0, 10, 0);
  for (guint i = 0; i < 10; i++)
    g_assert_true(gw_rate_limit_take(&limit, 0));
  g_assert_false(gw_rate_limit_take(&limit, 5 * S));
  g_assert_cmpuint(gw_rate_limit_wait_seconds(&limit), ==, 1);
  g_assert_true(gw_rate_limit_take(&limit, 6 * S));
  g_assert_cmpuint(gw_rate_limit_wait_seconds(&limit), ==, 6);
}

static void
test_clock_backwards(void)
{
  GwRateLimit limit;

  gw_rate_limit_init(&limit, 1, 1, 10 * S);
  g_assert_true(gw_rate_limit_take(&limit, 10 * S));
  /* An earlier time refills nothing (and does not underflow). */
  g_assert_false(gw_rate_limit_take(&limit, 0));
  g_assert_true(gw_rate_limit_take(&limit, 1 * S));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rate-limit/burst-then-rate", test_burst_then_rate);
  g_test_add_func("/rate-limit/slow-rate", test_slow_rate);
  g_test_add_func("/rate-limit/clock-backwards", test_clock_backwards);
  return g_test_run();
}
