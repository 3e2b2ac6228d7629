/* SPDX-License-Identifier: Apache-2.0 */
/* A token bucket: at most @burst at once, refilled at @per_second; no I/O, no clock of its own. */
#include "signaling/rate-limit.h"

#include <math.h>

/* Refills are fractions (1/6 of a token a second): compare with a hair of slack. */
#define EPSILON 1e-9

void
gw_rate_limit_init(GwRateLimit *limit, double per_second, double burst, gint64 now_us)
{
  limit->per_second = per_second;
  limit->burst = MAX(burst, 1.0);
  limit->level = limit->burst;
  limit->updated_us = now_us;
}

static void
refill(GwRateLimit *limit, gint64 now_us)
{
  /* A clock that went backwards (it should not: monotonic) refills nothing. */
  if (now_us > limit->updated_us) {
    double seconds = (double)(now_us - limit->updated_us) / G_USEC_PER_SEC;
    limit->level = MIN(limit->burst, limit->level + seconds * limit->per_second);
  }
  limit->updated_us = now_us;
}

gboolean
gw_rate_limit_take(GwRateLimit *limit, gint64 now_us)
{
  refill(limit, now_us);
  if (limit->level + EPSILON < 1.0)
    return FALSE;
  limit->level = MAX(0.0, limit->level - 1.0);
  return TRUE;
}

gboolean
gw_rate_limit_peek(GwRateLimit *limit, gint64 now_us)
{
  refill(limit, now_us);
  return limit->level + EPSILON >= 1.0;
}

guint
gw_rate_limit_wait_seconds(const GwRateLimit *limit)
{
  if (limit->per_second <= 0.0)
    return 60;
  return (guint)MAX(1.0, ceil((1.0 - limit->level) / limit->per_second - EPSILON));
}
