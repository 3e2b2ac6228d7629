/* SPDX-License-Identifier: Apache-2.0 */
/* A token bucket: at most @burst at once, refilled at @per_second; no I/O, no clock of its own. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  double per_second; /* refill rate */
  double burst;      /* capacity, and the level a new bucket starts at */
  double level;
  gint64 updated_us; /* monotonic time of the last refill */
} GwRateLimit;

/** gw_rate_limit_init: a full bucket as of @now_us. */
void gw_rate_limit_init(GwRateLimit *limit, double per_second, double burst, gint64 now_us);

/** gw_rate_limit_take: takes one token; FALSE (and takes nothing) when the bucket is empty. */
gboolean gw_rate_limit_take(GwRateLimit *limit, gint64 now_us);

/** gw_rate_limit_peek: whether a token is there, without taking it. */
gboolean gw_rate_limit_peek(GwRateLimit *limit, gint64 now_us);

/** gw_rate_limit_wait_seconds: whole seconds until the next token (for Retry-After), at least 1. */
guint gw_rate_limit_wait_seconds(const GwRateLimit *limit);

G_END_DECLS
