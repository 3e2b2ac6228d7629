/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests for gateway/store: scripted contacts written through the sink, read
 * back as figures. Runs on SQLite; with BALIE_TEST_PG_CONNINFO set (see
 * test-store-postgres.sh) the same script runs on PostgreSQL and must give
 * the same figures.
 */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "gateway/insights-query.h"
#include "gateway/store-contact.h"
#include "gateway/store-schema.h"
#include "gateway/store.h"

#define WAIT_MS 20000
#define T0 (1700000000LL * G_USEC_PER_SEC)

static char *tmp_dir;

static void
wait_for(gboolean *flag)
{
  gint64 deadline = g_get_monotonic_time() + WAIT_MS * G_TIME_SPAN_MILLISECOND;

  while (!*flag) {
    if (g_get_monotonic_time() > deadline)
      g_error("timed out");
    g_main_context_iteration(NULL, TRUE);
  }
}

static GwStore *
open_store(const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = g_build_filename(tmp_dir, name, NULL);
  g_autofree char *spool = g_strconcat(db, ".spool", NULL);
  const char *pg = g_getenv("BALIE_TEST_PG_CONNINFO");
  GwStoreOptions options = {pg != NULL ? "postgresql" : "sqlite", db, pg, spool};
  GwStore *store = gw_store_open(&options, &error);

  g_assert_no_error(error);
  return store;
}

typedef struct {
  guint acked;
  guint failed;
  GError *last_error;
} Acks;

static void
on_recorded(const GError *error, gpointer data)
{
  Acks *acks = data;

  if (error == NULL) {
    acks->acked++;
    return;
  }
  acks->failed++;
  g_clear_error(&acks->last_error);
  acks->last_error = g_error_copy(error);
}

static void
record(GwStore *store, Acks *acks, GwContactEventType type, const char *id, gint64 offset_s,
       gint64 wait_ms, gint64 handle_ms, const char *attrs)
{
  GwContactEvent e = {0};

  e.type = type;
  e.contact_id = id;
  e.time_us = T0 + offset_s * (gint64)G_USEC_PER_SEC;
  e.channel = "video";
  e.journey = g_str_has_prefix(id, "h") ? "hypotheek" : "pensioen";
  e.queue = "particulier";
  e.advisor_ref = type == GW_CONTACT_ANSWERED ? "adv-1" : NULL;
  e.customer_ref = "pseudo-1";
  e.reason = type == GW_CONTACT_ENDED ? "hangup" : NULL;
  e.ended_by = type == GW_CONTACT_ENDED ? "customer" : NULL;
  e.wait_ms = wait_ms;
  e.handle_ms = handle_ms;
  e.attrs_json = attrs;
  e.nps = e.csat = e.ces = -1;
  gw_store_record(store, &e, on_recorded, acks);
}

static void
rate(GwStore *store, Acks *acks, const char *id, gint nps, gint csat, gint ces)
{
  GwContactEvent e = {0};

  e.type = GW_CONTACT_RATED;
  e.contact_id = id;
  e.time_us = T0 + (gint64)3600 * G_USEC_PER_SEC;
  e.wait_ms = e.handle_ms = -1;
  e.nps = nps;
  e.csat = csat;
  e.ces = ces;
  e.comment = nps >= 0 ? "Prima geholpen" : NULL;
  gw_store_record(store, &e, on_recorded, acks);
}

/*
 * h1: answered after 30 s (the edge), 5 min call, 2 min screen share, rated 10/5/7.
 * h2: answered after 31 s, 3 min call, rated 6/3/4.
 * p1: abandoned after 4 s (short). p2: abandoned after 60 s. p3: failed.
 * p4: answered after 10 s, 4 min call, rating skipped.
 */
static void
script(GwStore *store, Acks *acks)
{
  record(store, acks, GW_CONTACT_OFFERED, "h1", 0, -1, -1, NULL);
  record(store, acks, GW_CONTACT_ANSWERED, "h1", 30, 30000, -1, NULL);
  record(store, acks, GW_CONTACT_SCREEN_STARTED, "h1", 40, -1, -1, "{\"by\":\"advisor\"}");
  record(store, acks, GW_CONTACT_SCREEN_STOPPED, "h1", 160, -1, -1,
         "{\"by\":\"advisor\",\"ms\":120000}");
  record(store, acks, GW_CONTACT_QUALITY, "h1", 100, -1, -1,
         "{\"rtt_ms\":40,\"loss_pct\":1.5,\"kbps\":1200,\"width\":640,\"height\":480,\"freezes\":0}");
  record(store, acks, GW_CONTACT_QUALITY, "h1", 200, -1, -1,
         "{\"rtt_ms\":60,\"loss_pct\":0.5,\"kbps\":1800,\"width\":1280,\"height\":720,\"freezes\":2}");
  record(store, acks, GW_CONTACT_ENDED, "h1", 330, -1, 300000, NULL);
  record(store, acks, GW_CONTACT_OFFERED, "h2", 10, -1, -1, NULL);
  record(store, acks, GW_CONTACT_ANSWERED, "h2", 41, 31000, -1, NULL);
  record(store, acks, GW_CONTACT_ENDED, "h2", 221, -1, 180000, NULL);
  record(store, acks, GW_CONTACT_OFFERED, "p1", 20, -1, -1, NULL);
  record(store, acks, GW_CONTACT_ABANDONED, "p1", 24, 4000, -1, NULL);
  record(store, acks, GW_CONTACT_OFFERED, "p2", 30, -1, -1, NULL);
  record(store, acks, GW_CONTACT_ABANDONED, "p2", 90, 60000, -1, NULL);
  record(store, acks, GW_CONTACT_OFFERED, "p3", 40, -1, -1, NULL);
  record(store, acks, GW_CONTACT_FAILED, "p3", 45, -1, -1, NULL);
  /* Out of order on purpose: answered arrives before offered. */
  record(store, acks, GW_CONTACT_ANSWERED, "p4", 60, 10000, -1, NULL);
  record(store, acks, GW_CONTACT_OFFERED, "p4", 50, -1, -1, NULL);
  record(store, acks, GW_CONTACT_ENDED, "p4", 300, -1, 240000, NULL);
  rate(store, acks, "h1", 10, 5, 7);
  rate(store, acks, "h2", 6, 3, 4);
  rate(store, acks, "p4", -1, -1, -1);
}

typedef struct {
  gboolean done;
  JsonNode *report;
  GError *error;
} ReportWait;

static gpointer
read_report(GwStoreBackend *backend, gpointer data, GError **error)
{
  GwInsightFilter filter = {-1, -1, NULL, NULL, NULL};
  GwInsightParams params = {30000, 5000};
  GwInsightRows *rows = gw_insights_query_contacts(backend, &filter, error);
  JsonNode *report;

  if (rows == NULL)
    return NULL;
  report = gw_insights_report((GwInsightContact *)rows->contacts->data, rows->contacts->len,
                              &params);
  gw_insight_rows_free(rows);
  return report;
}

static void
on_report(gpointer result, const GError *error, gpointer data)
{
  ReportWait *wait = data;

  wait->report = result != NULL ? json_node_copy(result) : NULL;
  wait->error = error != NULL ? g_error_copy(error) : NULL;
  wait->done = TRUE;
}

static JsonNode *
report(GwStore *store)
{
  ReportWait wait = {0};

  gw_store_read(store, read_report, &wait, NULL, (GDestroyNotify)json_node_unref, on_report);
  wait_for(&wait.done);
  g_assert_no_error(wait.error);
  return wait.report;
}

static void
assert_number(JsonObject *o, const char *name, double expected)
{
  double got = json_object_get_double_member(o, name);

  if (fabs(got - expected) > 0.006)
    g_error("%s: expected %.2f, got %.2f", name, expected, got);
}

static void
test_scripted_figures(void)
{
  g_autoptr(GwStore) store = open_store("figures.db");
  g_autoptr(JsonNode) root = NULL;
  Acks acks = {0};
  GwStoreStats stats;
  JsonObject *t;

  script(store, &acks);
  while (acks.acked + acks.failed < 22)
    g_main_context_iteration(NULL, TRUE);
  g_assert_no_error(acks.last_error);
  g_assert_cmpuint(acks.acked, ==, 22);
  /* /metrics' balie_store_events_written_total and balie_store_backlog. */
  gw_store_get_stats(store, &stats);
  g_assert_cmpuint(stats.written, ==, 22);
  g_assert_cmpuint(stats.failed, ==, 0);
  g_assert_cmpuint(stats.backlog, ==, 0);

  root = report(store);
  t = json_object_get_object_member(json_node_get_object(root), "totals");
  g_assert_cmpint(json_object_get_int_member(t, "offered"), ==, 6);
  g_assert_cmpint(json_object_get_int_member(t, "answered"), ==, 3);
  g_assert_cmpint(json_object_get_int_member(t, "abandoned"), ==, 2);
  g_assert_cmpint(json_object_get_int_member(t, "short_abandons"), ==, 1);
  g_assert_cmpint(json_object_get_int_member(t, "failed"), ==, 1);
  /* h1 (30 s, the edge) and p4 (10 s) of 6 offered */
  assert_number(t, "service_level_pct", 100.0 / 3);
  assert_number(t, "abandonment_pct", 100.0 / 3);
  assert_number(t, "wait_mean_ms", 71000.0 / 3);
  assert_number(t, "wait_p90_ms", 31000);
  assert_number(t, "handle_mean_ms", 240000);
  assert_number(t, "screen_share_pct", 100.0 / 3);
  assert_number(t, "rtt_mean_ms", 50);
  assert_number(t, "loss_mean_pct", 1);
  assert_number(t, "kbps_mean", 1500);
  g_assert_cmpint(json_object_get_int_member(t, "responses"), ==, 2);
  g_assert_cmpint(json_object_get_int_member(t, "skips"), ==, 1);
  assert_number(t, "response_rate_pct", 200.0 / 3);
  assert_number(t, "nps", 0);
  assert_number(t, "csat_pct", 50);
  assert_number(t, "ces_mean", 5.5);

  /* A second rating for h1 is refused, and changes nothing. */
  rate(store, &acks, "h1", 0, 1, 1);
  while (acks.failed < 1)
    g_main_context_iteration(NULL, TRUE);
  g_assert_error(acks.last_error, GW_STORE_ERROR, GW_STORE_ERROR_DUPLICATE);
  g_clear_error(&acks.last_error);
  g_clear_pointer(&root, json_node_unref);
  root = report(store);
  t = json_object_get_object_member(json_node_get_object(root), "totals");
  assert_number(t, "nps", 0);

  /* Invalid events are refused before they reach the writer, and not from inside record(). */
  guint before = acks.failed;
  rate(store, &acks, "h9", 11, 5, 5);
  g_assert_cmpuint(acks.failed, ==, before);
  while (acks.failed == before)
    g_main_context_iteration(NULL, TRUE);
  g_assert_error(acks.last_error, GW_STORE_ERROR, GW_STORE_ERROR_INVALID);
  g_clear_error(&acks.last_error);
}

/* A fresh SQLite store at its newest schema. */
static GwStoreBackend *
open_sqlite(const char *path)
{
  g_autoptr(GError) error = NULL;
  GwStoreBackend *backend = gw_store_sqlite_open(path, &error);
  gint64 version = 0;

  g_assert_no_error(error);
  g_assert_true(gw_store_schema_migrate(backend, &version, &error));
  g_assert_cmpint(version, ==, GW_STORE_SCHEMA_VERSION);
  return backend;
}

/* Writes @stored in its own transaction, as the store's writer does. */
static void
apply(GwStoreBackend *backend, GwStoreEvent *stored)
{
  g_autoptr(GError) error = NULL;

  g_assert_true(backend->klass->begin(backend, &error));
  g_assert_true(gw_store_contact_apply(backend, stored, &error));
  g_assert_true(backend->klass->commit(backend, &error));
}

/* A replayed event (same id: the disk queue after a crash) is written once. */
static void
test_replay_is_idempotent(void)
{
  g_autofree char *path = g_build_filename(tmp_dir, "replay.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GwStoreBackend) backend = open_sqlite(path);
  GwContactEvent e = {0};
  g_autoptr(GwStoreEvent) stored = NULL;
  gint64 version = 0;

  /* Migrating again is a no-op. */
  g_assert_true(gw_store_schema_migrate(backend, &version, &error));
  e.type = GW_CONTACT_SCREEN_STOPPED;
  e.contact_id = "c1";
  e.time_us = T0;
  e.wait_ms = e.handle_ms = -1;
  e.attrs_json = "{\"ms\":1000}";
  stored = gw_store_event_copy(&e, "fixed-id", &error);
  g_assert_no_error(error);
  for (int i = 0; i < 2; i++)
    apply(backend, stored);
  g_autofree char *sql = g_strdup_printf("sqlite3 %s 'SELECT screen_share_ms, "
                                         "(SELECT COUNT(*) FROM contact_event) FROM contact'",
                                         path);
  g_autofree char *out = NULL;
  g_assert_true(g_spawn_command_line_sync(sql, &out, NULL, NULL, &error));
  g_assert_cmpstr(out, ==, "1000|1\n");
}

/* Exported numbers are JSON whatever their value: json-glib wrote 1e+20 as "1e+20.0". */
static void
test_export_numbers(void)
{
  g_autofree char *path = g_build_filename(tmp_dir, "export.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GwStoreBackend) backend = open_sqlite(path);
  GwContactEvent e = {0};
  g_autoptr(GwStoreEvent) stored = NULL;
  GwInsightFilter filter = {T0 - 1, T0 + 1, NULL, NULL, NULL};
  gint64 changes = 0;

  e.type = GW_CONTACT_OFFERED;
  e.contact_id = "c-numbers";
  e.time_us = T0;
  e.wait_ms = e.handle_ms = -1;
  stored = gw_store_event_copy(&e, NULL, &error);
  g_assert_no_error(error);
  apply(backend, stored);
  g_assert_true(backend->klass->exec(backend,
                                     "UPDATE contact SET rtt_ms_sum = 1e20, loss_pct_sum = 1e-99, "
                                     "kbps_sum = 9e999",
                                     NULL, 0, &changes, &error));
  g_assert_no_error(error);
  g_assert_cmpint(changes, ==, 1);

  g_autoptr(GBytes) jsonl =
      gw_export_query(backend, GW_EXPORT_CONTACTS, GW_EXPORT_JSONL, &filter, &error);
  g_assert_no_error(error);
  g_autoptr(JsonParser) parser = json_parser_new();
  gsize size = 0;
  const char *text = g_bytes_get_data(jsonl, &size);
  g_assert_cmpuint(size, >, 0);
  g_assert_true(text[size - 1] == '\n');
  g_assert_null(memchr(text, '\n', size - 1)); /* one contact, one line */
  g_assert_true(json_parser_load_from_data(parser, text, (gssize)size, &error));
  g_assert_no_error(error);
  JsonObject *row = json_node_get_object(json_parser_get_root(parser));
  g_assert_cmpstr(json_object_get_string_member(row, "id"), ==, "c-numbers");
  g_assert_cmpfloat(json_object_get_double_member(row, "rtt_ms_sum"), ==, 1e20);
  g_assert_cmpfloat(json_object_get_double_member(row, "loss_pct_sum"), ==, 1e-99);
  g_assert_true(json_object_get_null_member(row, "kbps_sum")); /* infinity has no JSON */
  g_assert_true(json_object_get_null_member(row, "answered_us"));

  g_autoptr(GBytes) csv = gw_export_query(backend, GW_EXPORT_CONTACTS, GW_EXPORT_CSV, &filter, &error);
  g_assert_no_error(error);
  g_autofree char *csv_text = g_strndup(g_bytes_get_data(csv, NULL), g_bytes_get_size(csv));
  g_assert_nonnull(strstr(csv_text, ",1e+20,1e-99,,"));
}

static void
test_event_json_round_trip(void)
{
  GwContactEvent e = {0};
  g_autoptr(GError) error = NULL;
  g_autoptr(GwStoreEvent) a = NULL;
  g_autoptr(GwStoreEvent) b = NULL;
  g_autofree char *ja = NULL;
  g_autofree char *jb = NULL;

  e.type = GW_CONTACT_RATED;
  e.contact_id = "c1";
  e.time_us = T0;
  e.journey = "hypotheek";
  e.wait_ms = e.handle_ms = -1;
  e.nps = 9;
  e.csat = -1;
  e.ces = 3;
  e.comment = "\"quoted\"\nline";
  a = gw_store_event_copy(&e, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(a->event.channel, ==, "video");
  ja = gw_store_event_to_json(a);
  b = gw_store_event_from_json(ja, strlen(ja), &error);
  g_assert_no_error(error);
  jb = gw_store_event_to_json(b);
  g_assert_cmpstr(ja, ==, jb);
  g_assert_null(gw_store_event_from_json("{\"id\":\"x\",\"type\":\"nope\"}", 26, &error));
  g_assert_error(error, GW_STORE_ERROR, GW_STORE_ERROR_INVALID);
}

int
main(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init(&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp("balie-store-XXXXXX", &error);
  g_assert_no_error(error);
  g_test_add_func("/store/scripted-figures", test_scripted_figures);
  if (g_getenv("BALIE_TEST_PG_CONNINFO") == NULL) {
    g_test_add_func("/store/replay-is-idempotent", test_replay_is_idempotent);
    g_test_add_func("/store/event-json", test_event_json_round_trip);
    g_test_add_func("/store/export-numbers", test_export_numbers);
  }
  status = g_test_run();
  g_autofree char *rm = g_strdup_printf("rm -rf %s", tmp_dir);
  g_spawn_command_line_sync(rm, NULL, NULL, NULL, NULL);
  g_free(tmp_dir);
  return status;
}
