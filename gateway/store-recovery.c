/* SPDX-License-Identifier: Apache-2.0 */
/* After a crash: contacts a previous run of this node left open are closed as failed. */
#include "gateway/store-recovery.h"

typedef struct {
  char *id;
  char *journey;
  char *queue;
  char *node;
  char *advisor_ref;
  char *customer_ref;
  gint64 last_us;
} OpenContact;

typedef struct {
  const GwContactSink *sink;
  void (*done)(guint closed, gpointer data);
  gpointer done_data;
  gint64 started_us; /* contacts touched since belong to this run */
} Recovery;

static void
open_contact_free(gpointer data)
{
  OpenContact *c = data;

  g_free(c->id);
  g_free(c->journey);
  g_free(c->queue);
  g_free(c->node);
  g_free(c->advisor_ref);
  g_free(c->customer_ref);
  g_free(c);
}

static char *
dup_text(const GwStoreValue *value)
{
  return value->type == GW_STORE_TEXT ? g_strdup(value->s) : NULL;
}

static gboolean
open_row(const GwStoreValue *col, guint n_columns, gpointer data)
{
  GPtrArray *open = data;
  OpenContact *c = g_new0(OpenContact, 1);

  c->id = dup_text(&col[0]);
  c->journey = dup_text(&col[1]);
  c->queue = dup_text(&col[2]);
  c->node = dup_text(&col[3]);
  c->advisor_ref = dup_text(&col[4]);
  c->customer_ref = dup_text(&col[5]);
  c->last_us = col[6].type == GW_STORE_INT ? col[6].i : g_get_real_time();
  g_ptr_array_add(open, c);
  return open->len < GW_STORE_RECOVERY_MAX;
}

/* Writer thread: every contact without an end, last touched before this run began. */
static gpointer
find_open(GwStoreBackend *backend, gpointer data, GError **error)
{
  Recovery *recovery = data;
  g_autoptr(GPtrArray) open = g_ptr_array_new_with_free_func(open_contact_free);
  GwStoreValue before = GW_STORE_VALUE_INT(recovery->started_us);

  if (!backend->klass->query(backend,
                             "SELECT id, journey, queue, node, advisor_ref, customer_ref, "
                             "updated_us FROM contact WHERE ended_us IS NULL AND updated_us < $1 "
                             "ORDER BY updated_us",
                             &before, 1, open_row, open, error))
    return NULL;
  return g_steal_pointer(&open);
}

/* Control thread: one `failed` event each, through the same path as every other event. */
static void
close_open(gpointer result, const GError *error, gpointer data)
{
  Recovery *recovery = data;
  GPtrArray *open = result;

  if (open == NULL) {
    g_warning("metrics store: contacts left open by a previous run not closed: %s",
              error->message);
    if (recovery->done != NULL)
      recovery->done(0, recovery->done_data);
    return;
  }
  for (guint i = 0; i < open->len; i++) {
    OpenContact *c = open->pdata[i];
    GwContactEvent event = {
        .type = GW_CONTACT_FAILED,
        .contact_id = c->id,
        .time_us = c->last_us,
        .channel = "video",
        .journey = c->journey,
        .queue = c->queue,
        .node = c->node,
        .advisor_ref = c->advisor_ref,
        .customer_ref = c->customer_ref,
        .reason = GW_STORE_RECOVERY_REASON,
        .wait_ms = -1,
        .handle_ms = -1,
        .nps = -1,
        .csat = -1,
        .ces = -1,
    };
    if (recovery->sink->record != NULL)
      recovery->sink->record(recovery->sink->sink_data, &event, NULL, NULL);
  }
  if (open->len > 0)
    g_message("metrics store: %u contacts left open by a previous run closed as failed (%s)",
              open->len, GW_STORE_RECOVERY_REASON);
  else
    g_info("metrics store: no contacts left open by a previous run");
  if (recovery->done != NULL)
    recovery->done(open->len, recovery->done_data);
}

gboolean
gw_store_recovery_start(GwStore *store, const GwContactSink *sink,
                        void (*done)(guint closed, gpointer data), gpointer done_data)
{
  Recovery *recovery;

  if (!g_str_equal(gw_store_get_backend_name(store), "sqlite"))
    return FALSE;
  recovery = g_new0(Recovery, 1);
  recovery->sink = sink;
  recovery->done = done;
  recovery->done_data = done_data;
  recovery->started_us = g_get_real_time();
  gw_store_read(store, find_open, recovery, g_free, (GDestroyNotify)g_ptr_array_unref,
                close_open);
  return TRUE;
}
