/* SPDX-License-Identifier: Apache-2.0 */
/* The experience figures (NPS, CSAT, CES, service level, ...) from contact rows; no I/O. */
#include "gateway/insights.h"

#include <math.h>
#include <stdlib.h>

static double
pct(guint part, guint whole)
{
  return whole > 0 ? 100.0 * part / whole : NAN;
}

static int
compare_ms(const void *a, const void *b)
{
  gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

  return (x > y) - (x < y);
}

/* Nearest rank: the smallest wait that at least 90 % of answered contacts did not exceed. */
static double
p90(GArray *waits)
{
  guint rank;

  if (waits->len == 0)
    return NAN;
  qsort(waits->data, waits->len, sizeof(gint64), compare_ms);
  rank = (guint)ceil(0.9 * waits->len);
  return (double)g_array_index(waits, gint64, MAX(rank, 1) - 1);
}

static void
count_rating(const GwInsightContact *c, GwInsights *out, double *ces_sum)
{
  if (!c->rated)
    return;
  if (c->rating_skipped) {
    out->skips++;
    return;
  }
  out->responses++;
  if (c->nps >= 9)
    out->promoters++;
  else if (c->nps >= 7)
    out->passives++;
  else if (c->nps >= 0)
    out->detractors++;
  if (c->csat >= 1) {
    out->csat_n++;
    out->csat_pct += c->csat >= 4; /* a count until the end */
  }
  if (c->ces >= 1) {
    out->ces_n++;
    *ces_sum += c->ces;
  }
}

void
gw_insights_compute(const GwInsightContact *contacts, guint n, const GwInsightParams *params,
                    GwInsights *out)
{
  g_autoptr(GArray) waits = g_array_new(FALSE, FALSE, sizeof(gint64));
  guint within = 0, handled = 0, shared = 0;
  double wait_sum = 0, handle_sum = 0, ces_sum = 0, samples = 0, rtt = 0, loss = 0, kbps = 0;
  guint nps_n;

  *out = (GwInsights){0};
  for (guint i = 0; i < n; i++) {
    const GwInsightContact *c = &contacts[i];
    gboolean answered = g_strcmp0(c->outcome, "answered") == 0;

    out->offered += c->offered_us >= 0;
    if (answered) {
      out->answered++;
      if (c->wait_ms >= 0) {
        g_array_append_val(waits, c->wait_ms);
        wait_sum += c->wait_ms;
        /* At the threshold exactly still counts as within. */
        within += c->wait_ms <= params->service_level_ms;
      }
      shared += c->screen_share_ms > 0;
    } else if (g_strcmp0(c->outcome, "abandoned") == 0) {
      out->abandoned++;
      out->short_abandons += c->wait_ms >= 0 && c->wait_ms < params->short_abandon_ms;
    } else if (g_strcmp0(c->outcome, "failed") == 0) {
      out->failed++;
    } else if (g_strcmp0(c->outcome, "no-show") == 0) {
      out->no_shows++;
    }
    if (c->handle_ms >= 0) {
      handled++;
      handle_sum += c->handle_ms;
    }
    samples += c->quality_samples;
    rtt += c->rtt_ms_sum;
    loss += c->loss_pct_sum;
    kbps += c->kbps_sum;
    count_rating(c, out, &ces_sum);
  }
  out->service_level_pct = pct(within, out->offered);
  out->abandonment_pct = pct(out->abandoned, out->offered);
  out->wait_mean_ms = waits->len > 0 ? wait_sum / waits->len : NAN;
  out->wait_p90_ms = p90(waits);
  out->handle_mean_ms = handled > 0 ? handle_sum / handled : NAN;
  out->screen_share_pct = pct(shared, out->answered);
  out->rtt_mean_ms = samples > 0 ? rtt / samples : NAN;
  out->loss_mean_pct = samples > 0 ? loss / samples : NAN;
  out->kbps_mean = samples > 0 ? kbps / samples : NAN;
  out->response_rate_pct = pct(out->responses, out->answered);
  nps_n = out->promoters + out->passives + out->detractors;
  out->nps = nps_n > 0 ? pct(out->promoters, nps_n) - pct(out->detractors, nps_n) : NAN;
  out->csat_pct = pct((guint)out->csat_pct, out->csat_n);
  out->ces_mean = out->ces_n > 0 ? ces_sum / out->ces_n : NAN;
}

static void
add_double(JsonBuilder *builder, const char *name, double value)
{
  json_builder_set_member_name(builder, name);
  if (!isfinite(value))
    json_builder_add_null_value(builder);
  else
    json_builder_add_double_value(builder, round(value * 100) / 100); /* 2 decimals is enough */
}

static void
add_uint(JsonBuilder *builder, const char *name, guint value)
{
  json_builder_set_member_name(builder, name);
  json_builder_add_int_value(builder, value);
}

static void
build_figures(JsonBuilder *builder, const GwInsights *s)
{
  add_uint(builder, "offered", s->offered);
  add_uint(builder, "answered", s->answered);
  add_uint(builder, "abandoned", s->abandoned);
  add_uint(builder, "short_abandons", s->short_abandons);
  add_uint(builder, "failed", s->failed);
  add_uint(builder, "no_shows", s->no_shows);
  add_double(builder, "service_level_pct", s->service_level_pct);
  add_double(builder, "abandonment_pct", s->abandonment_pct);
  add_double(builder, "wait_mean_ms", s->wait_mean_ms);
  add_double(builder, "wait_p90_ms", s->wait_p90_ms);
  add_double(builder, "handle_mean_ms", s->handle_mean_ms);
  add_double(builder, "screen_share_pct", s->screen_share_pct);
  add_double(builder, "rtt_mean_ms", s->rtt_mean_ms);
  add_double(builder, "loss_mean_pct", s->loss_mean_pct);
  add_double(builder, "kbps_mean", s->kbps_mean);
  add_uint(builder, "responses", s->responses);
  add_uint(builder, "skips", s->skips);
  add_double(builder, "response_rate_pct", s->response_rate_pct);
  add_uint(builder, "promoters", s->promoters);
  add_uint(builder, "passives", s->passives);
  add_uint(builder, "detractors", s->detractors);
  add_double(builder, "nps", s->nps);
  add_uint(builder, "csat_answers", s->csat_n);
  add_double(builder, "csat_pct", s->csat_pct);
  add_uint(builder, "ces_answers", s->ces_n);
  add_double(builder, "ces_mean", s->ces_mean);
}

JsonNode *
gw_insights_to_json(const GwInsights *insights)
{
  g_autoptr(JsonBuilder) builder = json_builder_new();

  json_builder_begin_object(builder);
  build_figures(builder, insights);
  json_builder_end_object(builder);
  return json_builder_get_root(builder);
}
