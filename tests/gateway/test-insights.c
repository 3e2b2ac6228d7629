/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for gateway/insights: every formula on a hand-computed example. */
#include <math.h>

#include "gateway/insights.h"

static const GwInsightParams params = {30000, 5000};

static GwInsightContact
contact(const char *outcome, gint64 wait_ms)
{
  GwInsightContact c = {0};

  c.offered_us = 1700000000LL * G_USEC_PER_SEC;
  c.outcome = outcome;
  c.wait_ms = wait_ms;
  c.handle_ms = -1;
  c.nps = c.csat = c.ces = -1;
  return c;
}

static GwInsightContact
rated(gint nps, gint csat, gint ces)
{
  GwInsightContact c = contact("answered", 1000);

  c.rated = TRUE;
  c.nps = nps;
  c.csat = csat;
  c.ces = ces;
  return c;
}

/* 10 answers: 9, 10, 10, 9 promoters (4); 7, 8 passives (2); 0, 3, 6, 6 detractors (4). */
static void
test_nps(void)
{
  const gint scores[] = {9, 10, 10, 9, 7, 8, 0, 3, 6, 6};
  GwInsightContact contacts[G_N_ELEMENTS(scores)];
  GwInsights s;

  for (guint i = 0; i < G_N_ELEMENTS(scores); i++)
    contacts[i] = rated(scores[i], -1, -1);
  gw_insights_compute(contacts, G_N_ELEMENTS(contacts), &params, &s);
  g_assert_cmpuint(s.promoters, ==, 4);
  g_assert_cmpuint(s.passives, ==, 2);
  g_assert_cmpuint(s.detractors, ==, 4);
  /* 40 % - 40 % */
  g_assert_cmpfloat_with_epsilon(s.nps, 0.0, 1e-9);

  /* 3 promoters, 1 passive, 0 detractors: 75 - 0 = 75. 7 and 8 are passive, 6 is not. */
  GwInsightContact more[] = {rated(10, -1, -1), rated(9, -1, -1), rated(9, -1, -1),
                             rated(8, -1, -1)};
  gw_insights_compute(more, G_N_ELEMENTS(more), &params, &s);
  g_assert_cmpfloat_with_epsilon(s.nps, 75.0, 1e-9);
  GwInsightContact worst[] = {rated(6, -1, -1), rated(0, -1, -1), rated(7, -1, -1)};
  gw_insights_compute(worst, G_N_ELEMENTS(worst), &params, &s);
  g_assert_cmpfloat_with_epsilon(s.nps, -200.0 / 3, 1e-9);
}

/* CSAT: 5, 4, 3, 2, 4 -> 3 of 5 are 4-5 = 60 %. CES: 7, 6, 2 (and one skipped) -> 5. */
static void
test_csat_ces(void)
{
  GwInsightContact c[] = {rated(-1, 5, 7), rated(-1, 4, 6), rated(-1, 3, 2), rated(-1, 2, -1),
                          rated(-1, 4, -1)};
  GwInsights s;

  gw_insights_compute(c, G_N_ELEMENTS(c), &params, &s);
  g_assert_cmpuint(s.csat_n, ==, 5);
  g_assert_cmpfloat_with_epsilon(s.csat_pct, 60.0, 1e-9);
  g_assert_cmpuint(s.ces_n, ==, 3);
  g_assert_cmpfloat_with_epsilon(s.ces_mean, 5.0, 1e-9);
  g_assert_true(isnan(s.nps));
}

/* Service level at the edge: 30000 ms is within 30 s, 30001 ms is not. */
static void
test_service_level_edge(void)
{
  GwInsightContact c[] = {contact("answered", 0), contact("answered", 30000),
                          contact("answered", 30001), contact("abandoned", 4999),
                          contact("abandoned", 5000)};
  GwInsights s;

  gw_insights_compute(c, G_N_ELEMENTS(c), &params, &s);
  g_assert_cmpuint(s.offered, ==, 5);
  g_assert_cmpuint(s.answered, ==, 3);
  /* 2 within of 5 offered */
  g_assert_cmpfloat_with_epsilon(s.service_level_pct, 40.0, 1e-9);
  g_assert_cmpuint(s.abandoned, ==, 2);
  g_assert_cmpfloat_with_epsilon(s.abandonment_pct, 40.0, 1e-9);
  /* 4999 ms is short, 5000 ms is not */
  g_assert_cmpuint(s.short_abandons, ==, 1);

  GwInsightParams strict = {29999, 5000};
  gw_insights_compute(c, G_N_ELEMENTS(c), &strict, &s);
  g_assert_cmpfloat_with_epsilon(s.service_level_pct, 20.0, 1e-9);
}

/* Waits 10..100 s in steps of 10: mean 55 s; p90 by nearest rank is the 9th = 90 s. */
static void
test_wait_handle_screen(void)
{
  GwInsightContact c[11];
  GwInsights s;

  for (guint i = 0; i < 10; i++) {
    c[i] = contact("answered", (gint64)(i + 1) * 10000);
    c[i].handle_ms = i < 4 ? (gint64)60000 * (i + 1) : -1; /* 1, 2, 3, 4 min: mean 150 s */
    c[i].screen_share_ms = i < 3 ? 1000 : 0;        /* 3 of 10 answered */
  }
  c[10] = contact("failed", -1);
  gw_insights_compute(c, G_N_ELEMENTS(c), &params, &s);
  g_assert_cmpfloat_with_epsilon(s.wait_mean_ms, 55000.0, 1e-9);
  g_assert_cmpfloat_with_epsilon(s.wait_p90_ms, 90000.0, 1e-9);
  g_assert_cmpfloat_with_epsilon(s.handle_mean_ms, 150000.0, 1e-9);
  g_assert_cmpfloat_with_epsilon(s.screen_share_pct, 30.0, 1e-9);
  g_assert_cmpuint(s.failed, ==, 1);
  /* 11 offered, 10 answered within? 10 s, 20 s, 30 s: 3 */
  g_assert_cmpfloat_with_epsilon(s.service_level_pct, 300.0 / 11, 1e-9);

  /* p90 of one wait is that wait; of none, none. */
  gw_insights_compute(c, 1, &params, &s);
  g_assert_cmpfloat_with_epsilon(s.wait_p90_ms, 10000.0, 1e-9);
  gw_insights_compute(c + 10, 1, &params, &s);
  g_assert_true(isnan(s.wait_p90_ms));
  g_assert_true(isnan(s.service_level_pct) == FALSE);
}

/* 4 answered: 2 responses, 1 skip, 1 silent -> response rate 50 %, skips counted. */
static void
test_response_rate(void)
{
  GwInsightContact c[] = {rated(10, 5, 7), rated(3, -1, -1), rated(-1, -1, -1),
                          contact("answered", 1)};
  GwInsights s;

  c[2].rating_skipped = TRUE;
  gw_insights_compute(c, G_N_ELEMENTS(c), &params, &s);
  g_assert_cmpuint(s.responses, ==, 2);
  g_assert_cmpuint(s.skips, ==, 1);
  g_assert_cmpfloat_with_epsilon(s.response_rate_pct, 50.0, 1e-9);
  /* 1 promoter, 1 detractor */
  g_assert_cmpfloat_with_epsilon(s.nps, 0.0, 1e-9);
}

static void
test_empty_and_report(void)
{
  GwInsightContact c[] = {contact("answered", 1000), contact("abandoned", 1000)};
  g_autoptr(JsonNode) empty = NULL;
  g_autoptr(JsonNode) report = NULL;
  JsonObject *totals;
  GwInsights s;

  gw_insights_compute(NULL, 0, &params, &s);
  g_assert_true(isnan(s.nps) && isnan(s.service_level_pct) && isnan(s.wait_mean_ms));
  empty = gw_insights_to_json(&s);
  g_assert_true(json_object_get_null_member(json_node_get_object(empty), "nps"));

  c[1].journey = "hypotheek";
  report = gw_insights_report(c, G_N_ELEMENTS(c), &params);
  totals = json_object_get_object_member(json_node_get_object(report), "totals");
  g_assert_cmpint(json_object_get_int_member(totals, "offered"), ==, 2);
  g_assert_cmpfloat_with_epsilon(json_object_get_double_member(totals, "service_level_pct"), 50.0,
                                 1e-9);
  JsonArray *by_journey = json_object_get_array_member(json_node_get_object(report), "by_journey");
  g_assert_cmpuint(json_array_get_length(by_journey), ==, 1);
  g_assert_cmpstr(json_object_get_string_member(json_array_get_object_element(by_journey, 0), "key"),
                  ==, "hypotheek");
  JsonArray *by_day = json_object_get_array_member(json_node_get_object(report), "by_day");
  g_assert_cmpstr(json_object_get_string_member(json_array_get_object_element(by_day, 0), "key"),
                  ==, "2023-11-14");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/insights/nps", test_nps);
  g_test_add_func("/insights/csat-ces", test_csat_ces);
  g_test_add_func("/insights/service-level-edge", test_service_level_edge);
  g_test_add_func("/insights/wait-handle-screen", test_wait_handle_screen);
  g_test_add_func("/insights/response-rate", test_response_rate);
  g_test_add_func("/insights/empty-and-report", test_empty_and_report);
  return g_test_run();
}
