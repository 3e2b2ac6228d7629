/* SPDX-License-Identifier: Apache-2.0 */
/* The experience figures (NPS, CSAT, CES, service level, ...) from contact rows; no I/O. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* One contact with its rating, as read from the store; strings are borrowed. */
typedef struct {
  gint64 offered_us; /* -1 when never offered */
  const char *journey;
  const char *queue;
  const char *advisor_ref;
  const char *outcome; /* "answered", "abandoned", "failed", "no-show" or NULL (still open) */
  gint64 wait_ms;      /* -1 when unknown */
  gint64 handle_ms;    /* -1 when unknown */
  gint64 screen_share_ms;
  gint64 quality_samples;
  double rtt_ms_sum, loss_pct_sum, kbps_sum;
  gboolean rated;          /* a rating row exists */
  gboolean rating_skipped; /* ... and the customer skipped the questions */
  gint nps, csat, ces;     /* -1 for a question not answered */
} GwInsightContact;

typedef struct {
  gint64 service_level_ms; /* answered with wait <= this counts as within (default 30000) */
  gint64 short_abandon_ms; /* abandoned with wait < this is a short abandon (default 5000) */
} GwInsightParams;

/* A figure without data (no contacts, no ratings) is NAN and becomes JSON null. */
typedef struct {
  guint offered, answered, abandoned, short_abandons, failed, no_shows;
  double service_level_pct; /* answered within the threshold / offered */
  double abandonment_pct;   /* abandoned / offered */
  double wait_mean_ms, wait_p90_ms; /* over answered contacts */
  double handle_mean_ms;
  double screen_share_pct; /* answered contacts with any screen share / answered */
  double rtt_mean_ms, loss_mean_pct, kbps_mean; /* over every quality sample */
  guint responses, skips;
  double response_rate_pct; /* responses (not skips) / answered */
  guint promoters, passives, detractors;
  double nps; /* % promoters (9-10) - % detractors (0-6), -100..100 */
  guint csat_n;
  double csat_pct; /* share of CSAT answers that are 4 or 5 */
  guint ces_n;
  double ces_mean; /* 1..7 */
} GwInsights;

/** gw_insights_compute: fills @out from @n contacts. */
void gw_insights_compute(const GwInsightContact *contacts, guint n, const GwInsightParams *params,
                         GwInsights *out);

/** gw_insights_to_json: Returns: (transfer full): an object with every figure. */
JsonNode *gw_insights_to_json(const GwInsights *insights);

/**
 * gw_insights_report:
 * The /api/v1/insights body: "totals", the same figures "by_day" (UTC),
 * "by_journey", "by_queue" and "by_advisor", and distributions for charts
 * ("by_hour" volume, "wait_histogram", "nps_distribution", ...).
 * Returns: (transfer full)
 */
JsonNode *gw_insights_report(const GwInsightContact *contacts, guint n,
                             const GwInsightParams *params);

G_END_DECLS
