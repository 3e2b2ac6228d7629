/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Personal data in the metrics store: rating comments purged after their
 * retention (the scores stay), and one customer's contacts, events and
 * ratings deleted on request while another customer's stay. Runs on SQLite;
 * with BALIE_TEST_PG_CONNINFO set, on PostgreSQL.
 */
#include <glib/gstdio.h>
#include <string.h>

#include "gateway/store-privacy.h"
#include "gateway/store.h"

#define WAIT_MS 20000
#define DAY_US (86400LL * G_USEC_PER_SEC)

static char *tmp_dir;

typedef struct {
  guint pending;
  gboolean read_done;
  gint64 count;
} Waiter;

static void
wait_until(gboolean (*done)(Waiter *), Waiter *waiter)
{
  gint64 deadline = g_get_monotonic_time() + WAIT_MS * G_TIME_SPAN_MILLISECOND;

  while (!done(waiter)) {
    if (g_get_monotonic_time() > deadline)
      g_error("timed out");
    /* Not blocking: the deadline must be able to fire. */
    if (!g_main_context_iteration(NULL, FALSE))
      g_usleep(1000);
  }
}

static gboolean
nothing_pending(Waiter *waiter)
{
  return waiter->pending == 0;
}

static gboolean
read_finished(Waiter *waiter)
{
  return waiter->read_done;
}

static void
on_recorded(const GError *error, gpointer data)
{
  Waiter *waiter = data;

  g_assert_no_error(error);
  waiter->pending--;
}

static void
record(GwStore *store, Waiter *waiter, GwContactEventType type, const char *id, const char *ref,
       gint64 time_us, const char *comment)
{
  GwContactEvent e = {0};

  e.type = type;
  e.contact_id = id;
  e.time_us = time_us;
  e.channel = "video";
  e.customer_ref = ref;
  e.wait_ms = type == GW_CONTACT_ANSWERED ? 1000 : -1;
  e.handle_ms = type == GW_CONTACT_ENDED ? 60000 : -1;
  e.nps = type == GW_CONTACT_RATED ? 8 : -1;
  e.csat = e.ces = -1;
  e.comment = comment;
  waiter->pending++;
  gw_store_record(store, &e, on_recorded, waiter);
}

/* A whole contact: offered, answered, ended, rated with @comment at @time_us. */
static void
contact(GwStore *store, Waiter *waiter, const char *id, const char *ref, gint64 time_us,
        const char *comment)
{
  record(store, waiter, GW_CONTACT_OFFERED, id, ref, time_us, NULL);
  record(store, waiter, GW_CONTACT_ANSWERED, id, ref, time_us + G_USEC_PER_SEC, NULL);
  record(store, waiter, GW_CONTACT_ENDED, id, ref, time_us + 60 * G_USEC_PER_SEC, NULL);
  record(store, waiter, GW_CONTACT_RATED, id, ref, time_us + 120 * G_USEC_PER_SEC, comment);
}

static gboolean
count_row(const GwStoreValue *columns, guint n_columns, gpointer data)
{
  *(gint64 *)data = columns[0].i;
  return FALSE;
}

/* Every read's data starts with the waiter its read_done() signals. */
typedef struct {
  Waiter *waiter;
  const char *sql;
  const char *param;
} Count;

static gpointer
count_read(GwStoreBackend *backend, gpointer data, GError **error)
{
  Count *count = data;
  GwStoreValue param = GW_STORE_VALUE_TEXT(count->param);
  gint64 *result = g_new0(gint64, 1);

  if (!backend->klass->query(backend, count->sql, &param, 1, count_row, result, error)) {
    g_free(result);
    return NULL;
  }
  return result;
}

static void
read_done(gpointer result, const GError *error, gpointer data)
{
  Waiter *waiter = *(Waiter **)data;

  g_assert_no_error(error);
  waiter->count = *(gint64 *)result;
  waiter->read_done = TRUE;
}

/* Runs @sql (one $1 text parameter, one integer column) on the writer thread. */
static gint64
count(GwStore *store, const char *sql, const char *param)
{
  Waiter waiter = {0};
  Count query = {&waiter, sql, param};

  gw_store_read(store, count_read, &query, NULL, g_free, read_done);
  wait_until(read_finished, &waiter);
  return waiter.count;
}

typedef struct {
  Waiter *waiter;
  gint64 before_us;
  const char *customer_ref;
  GwStoreForgotten forgotten;
} Job;

static gpointer
purge_read(GwStoreBackend *backend, gpointer data, GError **error)
{
  Job *job = data;
  gint64 *purged = g_new0(gint64, 1);

  if (!gw_store_purge_comments(backend, job->before_us, purged, error)) {
    g_free(purged);
    return NULL;
  }
  return purged;
}

static gpointer
forget_read(GwStoreBackend *backend, gpointer data, GError **error)
{
  Job *job = data;

  if (!gw_store_forget_customer(backend, job->customer_ref, &job->forgotten, error))
    return NULL;
  return g_new0(gint64, 1);
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

#define COMMENTS "SELECT COUNT(*) FROM rating WHERE comment IS NOT NULL AND contact_id LIKE $1"
#define SCORES "SELECT COUNT(*) FROM rating WHERE nps = 8 AND contact_id LIKE $1"

static void
test_purge(void)
{
  g_autoptr(GwStore) store = open_store("purge.db");
  gint64 now = g_get_real_time();
  Waiter waiter = {0};
  Job job = {&waiter, now - 180 * DAY_US, NULL, {0}};

  contact(store, &waiter, "purge-old", "ref-a", now - 181 * DAY_US, "Te lang bewaard");
  /* Exactly at the limit is kept: only what is older goes. */
  contact(store, &waiter, "purge-edge", "ref-a", job.before_us - 120 * G_USEC_PER_SEC, "Net op tijd");
  contact(store, &waiter, "purge-new", "ref-b", now - 1 * DAY_US, "Recent");
  wait_until(nothing_pending, &waiter);
  g_assert_cmpint(count(store, COMMENTS, "purge-%"), ==, 3);

  gw_store_read(store, purge_read, &job, NULL, g_free, read_done);
  wait_until(read_finished, &waiter);
  g_assert_cmpint(waiter.count, ==, 1);
  g_assert_cmpint(count(store, COMMENTS, "purge-old"), ==, 0);
  g_assert_cmpint(count(store, COMMENTS, "purge-edge"), ==, 1);
  g_assert_cmpint(count(store, COMMENTS, "purge-new"), ==, 1);
  /* The scores stay. */
  g_assert_cmpint(count(store, SCORES, "purge-%"), ==, 3);
  /* A second run finds nothing more. */
  waiter.read_done = FALSE;
  gw_store_read(store, purge_read, &job, NULL, g_free, read_done);
  wait_until(read_finished, &waiter);
  g_assert_cmpint(waiter.count, ==, 0);
}

static void
test_forget(void)
{
  g_autoptr(GwStore) store = open_store("forget.db");
  gint64 now = g_get_real_time();
  Waiter waiter = {0};
  Job job = {&waiter, 0, "forget-me", {0}};

  contact(store, &waiter, "forget-1", "forget-me", now - 2 * DAY_US, "Eerste");
  contact(store, &waiter, "forget-2", "forget-me", now - 1 * DAY_US, NULL);
  contact(store, &waiter, "keep-1", "keep-me", now - 1 * DAY_US, "Blijft");
  wait_until(nothing_pending, &waiter);

  gw_store_read(store, forget_read, &job, NULL, g_free, read_done);
  wait_until(read_finished, &waiter);
  g_assert_cmpint(job.forgotten.contacts, ==, 2);
  g_assert_cmpint(job.forgotten.events, ==, 8);
  g_assert_cmpint(job.forgotten.ratings, ==, 2);
  g_assert_cmpint(count(store, "SELECT COUNT(*) FROM contact WHERE customer_ref = $1", "forget-me"),
                  ==, 0);
  g_assert_cmpint(
      count(store, "SELECT COUNT(*) FROM contact_event WHERE contact_id LIKE $1", "forget-%"), ==,
      0);
  g_assert_cmpint(count(store, "SELECT COUNT(*) FROM rating WHERE contact_id LIKE $1", "forget-%"),
                  ==, 0);
  /* The other customer is untouched. */
  g_assert_cmpint(count(store, "SELECT COUNT(*) FROM contact WHERE customer_ref = $1", "keep-me"),
                  ==, 1);
  g_assert_cmpint(
      count(store, "SELECT COUNT(*) FROM contact_event WHERE contact_id LIKE $1", "keep-%"), ==, 4);
  g_assert_cmpint(count(store, COMMENTS, "keep-1"), ==, 1);
}

int
main(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init(&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp("balie-privacy-XXXXXX", &error);
  g_assert_no_error(error);
  g_test_add_func("/privacy/purge-comments", test_purge);
  g_test_add_func("/privacy/forget-customer", test_forget);
  status = g_test_run();
  {
    g_autofree char *command = g_strdup_printf("rm -rf '%s'", tmp_dir);
    g_assert_true(g_spawn_command_line_sync(command, NULL, NULL, NULL, NULL));
  }
  g_free(tmp_dir);
  return status;
}
