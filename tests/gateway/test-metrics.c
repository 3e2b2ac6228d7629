/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for gateway/metrics: counting contact events, the wait histogram's cumulative
 * buckets, a bounded and escaped label set, collectors; promtool checks the text. */
#include <glib/gstdio.h>
#include <string.h>

#include "gateway/metrics.h"

static void
observe(GwMetrics *metrics, GwContactEventType type, gint64 wait_ms, const char *reason)
{
  GwContactEvent e = {.type = type, .contact_id = "c", .wait_ms = wait_ms, .handle_ms = -1,
                      .reason = reason, .nps = -1, .csat = -1, .ces = -1};

  gw_metrics_observe(metrics, &e);
}

static void
assert_line(const char *text, const char *line)
{
  g_autofree char *needle = g_strconcat("\n", line, "\n", NULL);

  if (strstr(text, needle) == NULL)
    g_error("no line \"%s\" in:\n%s", line, text);
}

static void
collect_extra(GString *out, gpointer data)
{
  g_string_append_printf(out, "# HELP balie_extra_total %s\n# TYPE balie_extra_total counter\n"
                              "balie_extra_total 7\n",
                         (const char *)data);
}

static void
promtool_check(const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp("balie-metrics-XXXXXX", &error);
  g_autofree char *file = g_build_filename(dir, "metrics.txt", NULL);
  g_autofree char *out = NULL, *err = NULL;
  const char *argv[] = {"sh", "-c", "promtool check metrics < \"$0\"", file, NULL};
  gint status = 0;

  g_assert_true(g_file_set_contents(file, text, -1, &error));
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                             &status, &error));
  g_remove(file);
  g_rmdir(dir);
  if (!g_spawn_check_wait_status(status, NULL))
    g_error("promtool (Debian package prometheus) refused the metrics:\n%s%s\n%s", out, err, text);
}

static void
test_counts(void)
{
  GwMetrics *metrics = gw_metrics_new(NULL, NULL);
  g_autofree char *text = NULL;

  observe(metrics, GW_CONTACT_OFFERED, -1, NULL);
  observe(metrics, GW_CONTACT_OFFERED, -1, NULL);
  observe(metrics, GW_CONTACT_OFFERED, -1, NULL);
  /* Waits on the bucket edges: 5 s is in le=5, 5.001 s in le=10; 700 s only in +Inf. */
  observe(metrics, GW_CONTACT_ANSWERED, 5000, NULL);
  observe(metrics, GW_CONTACT_ANSWERED, 5001, NULL);
  observe(metrics, GW_CONTACT_ANSWERED, 700000, NULL);
  observe(metrics, GW_CONTACT_ENDED, -1, NULL);
  observe(metrics, GW_CONTACT_ABANDONED, 3000, NULL);
  observe(metrics, GW_CONTACT_FAILED, -1, "media-failed");
  observe(metrics, GW_CONTACT_FAILED, -1, "media-failed");
  observe(metrics, GW_CONTACT_FAILED, -1, NULL);
  gw_metrics_add_collector(metrics, collect_extra, (gpointer) "An extra family.");
  {
    GwContactEvent rated = {.type = GW_CONTACT_RATED, .contact_id = "c", .nps = 9, .csat = -1,
                            .ces = -1, .wait_ms = -1, .handle_ms = -1};
    GwContactEvent skipped = rated;

    skipped.nps = -1;
    gw_metrics_observe(metrics, &rated);
    gw_metrics_observe(metrics, &skipped);
  }
  text = gw_metrics_render(metrics);
  assert_line(text, "balie_contacts_offered_total 3");
  assert_line(text, "balie_calls_started_total 3");
  assert_line(text, "balie_calls_ended_total 1");
  assert_line(text, "balie_contacts_abandoned_total 1");
  assert_line(text, "balie_call_failures_total{reason=\"media-failed\"} 2");
  assert_line(text, "balie_call_failures_total{reason=\"unknown\"} 1");
  assert_line(text, "balie_wait_seconds_bucket{le=\"5\"} 1");
  assert_line(text, "balie_wait_seconds_bucket{le=\"10\"} 2");
  assert_line(text, "balie_wait_seconds_bucket{le=\"600\"} 2");
  assert_line(text, "balie_wait_seconds_bucket{le=\"+Inf\"} 3");
  assert_line(text, "balie_wait_seconds_count 3");
  g_assert_nonnull(strstr(text, "\nbalie_wait_seconds_sum 710.00"));
  assert_line(text, "balie_ratings_total{kind=\"answered\"} 1");
  assert_line(text, "balie_ratings_total{kind=\"skipped\"} 1");
  assert_line(text, "balie_extra_total 7");
  /* No server, no store: their families are left out rather than made up. */
  g_assert_null(strstr(text, "balie_rooms"));
  g_assert_null(strstr(text, "balie_store_backlog"));
  promtool_check(text);
  gw_metrics_free(metrics);
}

static void
test_reasons_bounded(void)
{
  GwMetrics *metrics = gw_metrics_new(NULL, NULL);
  g_autofree char *text = NULL;
  guint labels = 0;

  /* A reason a peer could shape, with a quote, a backslash and a newline: escaped. */
  observe(metrics, GW_CONTACT_FAILED, -1, "odd \"reason\" \\ with\nnewline");
  for (guint i = 0; i < 100; i++) {
    g_autofree char *reason = g_strdup_printf("reason-%u", i);

    observe(metrics, GW_CONTACT_FAILED, -1, reason);
  }
  text = gw_metrics_render(metrics);
  assert_line(text, "balie_call_failures_total{reason=\"odd \\\"reason\\\" \\\\ with\\nnewline\"} 1");
  for (const char *p = text; (p = strstr(p, "\nbalie_call_failures_total{")) != NULL; p++)
    labels++;
  g_assert_cmpuint(labels, ==, GW_METRICS_MAX_REASONS + 1); /* and "other" */
  assert_line(text, "balie_call_failures_total{reason=\"other\"} 69");
  promtool_check(text);
  gw_metrics_free(metrics);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/metrics/counts", test_counts);
  g_test_add_func("/metrics/reasons-bounded", test_reasons_bounded);
  return g_test_run();
}
