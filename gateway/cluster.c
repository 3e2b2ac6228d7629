/* SPDX-License-Identifier: Apache-2.0 */
/* Several nodes, one PostgreSQL: walk-in queues and advisors' login sessions shared through
 * the store (docs/operations.md, "Scaling out"). */
#include "gateway/cluster.h"

/*
 * Every statement runs on the store's writer thread (gw_store_read()), so the
 * control thread never waits for PostgreSQL; results come back through the
 * main context. Times are PostgreSQL's clock, so the nodes' clocks need not
 * agree. Claims are atomic across nodes: the row is locked with FOR UPDATE
 * SKIP LOCKED, so two advisors never get the same customer and neither waits
 * for the other.
 */
#define NOW_US "(extract(epoch from clock_timestamp()) * 1000000)::bigint"
/* accepted_by of a claimed row whose customer left before their node could tell them. */
#define LEFT_MARK "-left"
/* How often an accept asks whether the customer's node has told the customer. */
#define ACK_POLL_MS 100
/* Sessions changed since the last poll, with this overlap for transactions that commit late. */
#define SESSION_OVERLAP_US (5 * G_USEC_PER_SEC)
/* Every this many polls: rows nobody will read again go (claims a node never answered,
 * sessions a day past their expiry). */
#define PURGE_EVERY_POLLS 120
#define STALE_CLAIM_US (10 * G_TIME_SPAN_MINUTE)
#define STALE_SESSION_US G_TIME_SPAN_DAY
/* Rows one poll reads at most (GW_QUEUE_MAX_WAITING per queue per node keeps it far below). */
#define POLL_MAX_ROWS 5000

struct _GwCluster {
  GwServer *server; /* not owned; NULL once stopped */
  GwStore *store;   /* not owned */
  char *node;
  guint timer;
  gboolean polling;         /* a poll is in the store's queue */
  gint64 sessions_since_us; /* the store's clock: sessions changed after it are read */
  guint polls;
};

typedef struct {
  GwCluster *cluster; /* a reference */
  char *room, *queue, *chosen, *session;
  GwSessionRow *row; /* save: what to write; fetch: what was found */
  GwQueueClaimed claimed;
  GwSessionFetched fetched;
  GSourceFunc saved;
  gpointer done_data;
  gint64 waited_s;
  gint64 deadline_us; /* claim: when to give up waiting for the customer's node */
  gboolean gone;      /* ack: the claimed row is gone (the customer was told) */
  gboolean left;      /* ack: the customer left before they could be told */
  GError *claim_error;
  /* poll */
  GPtrArray *rows;     /* GwQueueRow */
  GPtrArray *sessions; /* GwSessionRow */
  gint64 now_us;
} Op;

static GwCluster *
cluster_ref(GwCluster *cluster)
{
  return g_rc_box_acquire(cluster);
}

static void
cluster_clear(gpointer data)
{
  g_free(((GwCluster *)data)->node);
}

static void
cluster_unref(GwCluster *cluster)
{
  g_rc_box_release_full(cluster, cluster_clear);
}

static Op *
op_new(GwCluster *cluster)
{
  Op *op = g_rc_box_new0(Op);

  op->cluster = cluster_ref(cluster);
  return op;
}

static Op *
op_ref(Op *op)
{
  return g_rc_box_acquire(op);
}

static void
op_clear(gpointer data)
{
  Op *op = data;

  cluster_unref(op->cluster);
  g_free(op->room);
  g_free(op->queue);
  g_free(op->chosen);
  g_free(op->session);
  gw_session_row_free(op->row);
  g_clear_error(&op->claim_error);
  g_clear_pointer(&op->rows, g_ptr_array_unref);
  g_clear_pointer(&op->sessions, g_ptr_array_unref);
}

static void
op_unref(gpointer op)
{
  g_rc_box_release_full(op, op_clear);
}

/* Queues @func with @op on the writer thread; @done gets @op back on the control thread. */
static void
run(Op *op, GwStoreReadFunc func, GwStoreReadDone done)
{
  gw_store_read(op->cluster->store, func, op_ref(op), op_unref, NULL, done);
}

static gboolean
read_int(const GwStoreValue *columns, guint n_columns, gpointer data)
{
  if (n_columns >= 1 && columns[0].type == GW_STORE_INT)
    *(gint64 *)data = columns[0].i;
  return FALSE;
}

/* The first row's first two integers. */
static gboolean
read_ints(const GwStoreValue *columns, guint n_columns, gpointer data)
{
  for (guint i = 0; i < MIN(n_columns, 2); i++) {
    if (columns[i].type == GW_STORE_INT)
      ((gint64 *)data)[i] = columns[i].i;
  }
  return FALSE;
}

/* A lost connection is only retried by the writer when events wait; retry it here too. */
static gboolean
connected(GwStoreBackend *backend, GError **error)
{
  return backend->klass->reconnect == NULL || backend->klass->reconnect(backend, error);
}

static gboolean
exec(GwStoreBackend *backend, const char *sql, const GwStoreValue *params, guint n, gint64 *changes,
     GError **error)
{
  return connected(backend, error) && backend->klass->exec(backend, sql, params, n, changes, error);
}

/* Done for statements nobody waits for: a failure is logged (the next poll shows the state). */
static void
logged(gpointer result, const GError *error, gpointer data)
{
  if (error != NULL)
    g_warning("shared queues and sessions: %s", error->message);
}

/* ---- queue entries ---- */

static gpointer
put_entry(GwStoreBackend *backend, gpointer data, GError **error)
{
  Op *op = data;
  GwStoreValue params[] = {GW_STORE_VALUE_TEXT(op->room), GW_STORE_VALUE_TEXT(op->queue),
                           GW_STORE_VALUE_TEXT(op->cluster->node)};

  if (!exec(backend,
            "INSERT INTO queue_entry (room, queue, node, enqueued_us) VALUES ($1, $2, $3, " NOW_US
            ") ON CONFLICT (room) DO NOTHING",
            params, G_N_ELEMENTS(params), NULL, error))
    return NULL;
  return op;
}

static void
share_put(gpointer data, const char *room, const char *queue)
{
  Op *op = op_new(data);

  op->room = g_strdup(room);
  op->queue = g_strdup(queue);
  run(op, put_entry, logged);
  op_unref(op);
}

/* The customer was told (or the claim is given up): the row goes. */
static gpointer
remove_entry(GwStoreBackend *backend, gpointer data, GError **error)
{
  Op *op = data;
  GwStoreValue params[] = {GW_STORE_VALUE_TEXT(op->room)};

  if (!exec(backend, "DELETE FROM queue_entry WHERE room = $1", params, 1, NULL, error))
    return NULL;
  return op;
}

/*
 * The customer left. A claimed row stays, marked, for the claiming node to
 * see that nobody was told (its advisor must not wait in an empty room).
 */
static gpointer
leave_entry(GwStoreBackend *backend, gpointer data, GError **error)
{
  Op *op = data;
  GwStoreValue params[] = {GW_STORE_VALUE_TEXT(op->room)};

  if (!exec(backend, "DELETE FROM queue_entry WHERE room = $1 AND accepted_us IS NULL", params, 1,
            NULL, error) ||
      !backend->klass->exec(backend,
                            "UPDATE queue_entry SET accepted_by = '" LEFT_MARK "' WHERE room = $1",
                            params, 1, NULL, error))
    return NULL;
  return op;
}

static void
share_remove(gpointer data, const char *room, gboolean left)
{
  Op *op = op_new(data);

  op->room = g_strdup(room);
  run(op, left ? leave_entry : remove_entry, logged);
  op_unref(op);
}

/* This node's entries from before a restart: their customers' connections are gone. */
static gpointer
forget_entries(GwStoreBackend *backend, gpointer data, GError **error)
{
  Op *op = data;
  GwStoreValue params[] = {GW_STORE_VALUE_TEXT(op->cluster->node)};

  if (!exec(backend, "DELETE FROM queue_entry WHERE node = $1", params, 1, NULL, error))
    return NULL;
  return op;
}

/* ---- claims ---- */

/* The claimed row: how long its customer waited and its room. */
static gboolean
read_claim(const GwStoreValue *columns, guint n_columns, gpointer data)
{
  Op *op = data;

  if (n_columns == 2 && columns[0].type == GW_STORE_INT && columns[1].type == GW_STORE_TEXT) {
    op->waited_s = columns[0].i;
    op->room = g_strdup(columns[1].s);
  }
  return FALSE;
}

/*
 * One transaction: the advisor's session goes from available to busy, and
 * the longest-waiting customer (or the chosen one) is marked claimed. The row
 * stays until the customer's node has told the customer (it deletes it).
 */
static gpointer
claim_entry(GwStoreBackend *backend, gpointer data, GError **error)
{
  Op *op = data;
  GwStoreValue session[] = {GW_STORE_VALUE_TEXT(op->session)};
  GwStoreValue entry[] = {GW_STORE_VALUE_TEXT(op->queue), GW_STORE_VALUE_TEXT(op->chosen),
                          GW_STORE_VALUE_TEXT(op->cluster->node)};
  gint64 changes = 0;

  if (!connected(backend, error) || !backend->klass->begin(backend, error))
    return NULL;
  if (!backend->klass->exec(backend,
                            "UPDATE advisor_session SET availability = 'busy', updated_us = " NOW_US
                            " WHERE id_hash = $1 AND ended = 0 AND availability = 'available'",
                            session, 1, &changes, error))
    goto failed;
  if (changes == 0) {
    g_set_error_literal(&op->claim_error, GW_CLUSTER_ERROR, GW_CLUSTER_ERROR_NOT_AVAILABLE,
                        "set yourself available before taking a customer");
    backend->klass->rollback(backend);
    return op;
  }
  if (!backend->klass->query(
          backend,
          "UPDATE queue_entry SET accepted_us = " NOW_US ", accepted_by = $3"
          " WHERE room = (SELECT room FROM queue_entry WHERE queue = $1 AND accepted_us IS NULL"
          " AND ($2::text IS NULL OR room = $2::text) ORDER BY enqueued_us, room LIMIT 1"
          " FOR UPDATE SKIP LOCKED)"
          " RETURNING (" NOW_US " - enqueued_us) / 1000000, room",
          entry, G_N_ELEMENTS(entry), read_claim, op, error))
    goto failed;
  if (op->room == NULL) {
    g_set_error_literal(&op->claim_error, GW_CLUSTER_ERROR, GW_CLUSTER_ERROR_EMPTY,
                        "nobody is waiting in this queue");
    backend->klass->rollback(backend);
    return op;
  }
  if (!backend->klass->commit(backend, error))
    goto failed;
  return op;

failed:
  g_clear_pointer(&op->room, g_free);
  backend->klass->rollback(backend);
  return NULL;
}

static void
claim_finish(Op *op, const GError *error)
{
  if (op->cluster->server != NULL)
    op->claimed(error == NULL ? op->room : NULL, op->waited_s, error, op->done_data);
}

static gpointer
check_ack(GwStoreBackend *backend, gpointer data, GError **error)
{
  Op *op = data;
  GwStoreValue params[] = {GW_STORE_VALUE_TEXT(op->room)};
  gint64 counts[2] = {-1, -1}; /* rows; rows whose customer left */

  if (!backend->klass->query(backend,
                             "SELECT count(*), count(*) FILTER (WHERE accepted_by = '" LEFT_MARK
                             "') FROM queue_entry WHERE room = $1",
                             params, 1, read_ints, counts, error))
    return NULL;
  op->gone = counts[0] == 0;
  op->left = counts[1] > 0;
  return op;
}

/*
 * The claim failed after all: the row goes, and the advisor is available
 * again (the claim made them busy).
 */
static gpointer
undo_claim(GwStoreBackend *backend, gpointer data, GError **error)
{
  Op *op = data;
  GwStoreValue room[] = {GW_STORE_VALUE_TEXT(op->room)};
  GwStoreValue session[] = {GW_STORE_VALUE_TEXT(op->session)};

  if (!exec(backend, "DELETE FROM queue_entry WHERE room = $1", room, 1, NULL, error) ||
      !backend->klass->exec(
          backend,
          "UPDATE advisor_session SET availability = 'available', updated_us = " NOW_US
          " WHERE id_hash = $1 AND availability = 'busy'",
          session, 1, NULL, error))
    return NULL;
  return op;
}

static void ack_wait(Op *op);

static void
ack_checked(gpointer result, const GError *error, gpointer data)
{
  Op *op = data;
  g_autoptr(GError) late = NULL;

  if (op->cluster->server == NULL)
    return;
  if (result != NULL && op->gone) {
    claim_finish(op, NULL);
    return;
  }
  if (result != NULL && op->left) {
    late = g_error_new_literal(GW_CLUSTER_ERROR, GW_CLUSTER_ERROR_EMPTY,
                               "that customer is not waiting in this queue (any more)");
    g_info("shared queues: the customer of %s left as they were taken", op->room);
  } else if (g_get_monotonic_time() < op->deadline_us) {
    ack_wait(op);
    return;
  } else {
    late = g_error_new_literal(GW_CLUSTER_ERROR, GW_CLUSTER_ERROR_UNAVAILABLE,
                               "the node where the customer waits does not answer; try again");
    g_warning("shared queues: no node told the customer of %s within %d s", op->room,
              (int)(GW_CLUSTER_ACK_TIMEOUT_US / G_USEC_PER_SEC));
  }
  /* The claim goes, so the row does not linger and the advisor is not left busy. */
  run(op, undo_claim, logged);
  claim_finish(op, late);
}

static gboolean
on_ack_timer(gpointer data)
{
  Op *op = data;

  /* Stopped: the store may be closing; nobody waits for the answer any more. */
  if (op->cluster->server != NULL)
    run(op, check_ack, ack_checked);
  return G_SOURCE_REMOVE;
}

static void
ack_wait(Op *op)
{
  g_timeout_add_full(G_PRIORITY_DEFAULT, ACK_POLL_MS, on_ack_timer, op_ref(op), op_unref);
}

static void
claimed(gpointer result, const GError *error, gpointer data)
{
  Op *op = data;
  g_autoptr(GError) away = NULL;

  if (result != NULL && op->claim_error == NULL) {
    g_info("shared queues: %s claimed from queue %s", op->room, op->queue);
    op->deadline_us = g_get_monotonic_time() + GW_CLUSTER_ACK_TIMEOUT_US;
    ack_wait(op);
    return;
  }
  if (result == NULL)
    away = g_error_new(GW_CLUSTER_ERROR, GW_CLUSTER_ERROR_UNAVAILABLE,
                       "the shared store does not answer: %s",
                       error != NULL ? error->message : "no answer");
  claim_finish(op, op->claim_error != NULL ? op->claim_error : away);
}

static void
share_claim(gpointer data, const char *queue, const char *chosen, const char *session_id,
            GwQueueClaimed done, gpointer done_data)
{
  Op *op = op_new(data);

  op->queue = g_strdup(queue);
  op->chosen = g_strdup(chosen);
  op->session = g_strdup(session_id);
  op->claimed = done;
  op->done_data = done_data;
  run(op, claim_entry, claimed);
  op_unref(op);
}

/* ---- sessions ---- */

static gpointer
save_session(GwStoreBackend *backend, gpointer data, GError **error)
{
  Op *op = data;
  GwSessionRow *row = op->row;
  GwStoreValue params[] = {
      GW_STORE_VALUE_TEXT(row->id),           GW_STORE_VALUE_TEXT(row->csrf),
      GW_STORE_VALUE_TEXT(row->account_id),   GW_STORE_VALUE_TEXT(row->account_name),
      GW_STORE_VALUE_TEXT(row->role),         GW_STORE_VALUE_TEXT(row->availability),
      GW_STORE_VALUE_INT(row->expires_in_us), GW_STORE_VALUE_INT(row->ended),
  };

  if (!exec(backend,
            "INSERT INTO advisor_session (id_hash, csrf, account_id, account_name, role,"
            " availability, expires_us, ended, updated_us)"
            " VALUES ($1, $2, $3, $4, $5, $6, " NOW_US " + $7::bigint, $8, " NOW_US ")"
            " ON CONFLICT (id_hash) DO UPDATE SET availability = EXCLUDED.availability,"
            " expires_us = GREATEST(advisor_session.expires_us, EXCLUDED.expires_us),"
            " ended = GREATEST(advisor_session.ended, EXCLUDED.ended),"
            " updated_us = EXCLUDED.updated_us",
            params, G_N_ELEMENTS(params), NULL, error))
    return NULL;
  return op;
}

static void
saved(gpointer result, const GError *error, gpointer data)
{
  Op *op = data;

  logged(result, error, data);
  if (op->saved != NULL && op->cluster->server != NULL)
    op->saved(op->done_data);
}

static GwSessionRow *
session_row_copy(const GwSessionRow *row)
{
  GwSessionRow *copy = g_new0(GwSessionRow, 1);

  copy->id = g_strdup(row->id);
  copy->csrf = g_strdup(row->csrf);
  copy->account_id = g_strdup(row->account_id);
  copy->account_name = g_strdup(row->account_name);
  copy->role = g_strdup(row->role);
  copy->availability = g_strdup(row->availability);
  copy->expires_in_us = row->expires_in_us;
  copy->ended = row->ended;
  return copy;
}

static void
share_save(gpointer data, const GwSessionRow *row, GSourceFunc done, gpointer done_data)
{
  Op *op = op_new(data);

  op->row = session_row_copy(row);
  op->saved = done;
  op->done_data = done_data;
  run(op, save_session, saved);
  op_unref(op);
}

#define SESSION_COLUMNS                                                                            \
  "id_hash, csrf, account_id, account_name, role, availability, expires_us - " NOW_US ", ended"

static gboolean
read_session(const GwStoreValue *columns, guint n_columns, gpointer data)
{
  GPtrArray *rows = data;
  GwSessionRow *row;

  if (n_columns != 8 || columns[6].type != GW_STORE_INT || columns[7].type != GW_STORE_INT)
    return TRUE;
  for (guint i = 0; i < 6; i++) {
    if (columns[i].type != GW_STORE_TEXT)
      return TRUE;
  }
  row = g_new0(GwSessionRow, 1);
  row->id = g_strdup(columns[0].s);
  row->csrf = g_strdup(columns[1].s);
  row->account_id = g_strdup(columns[2].s);
  row->account_name = g_strdup(columns[3].s);
  row->role = g_strdup(columns[4].s);
  row->availability = g_strdup(columns[5].s);
  row->expires_in_us = columns[6].i;
  row->ended = columns[7].i != 0;
  g_ptr_array_add(rows, row);
  return TRUE;
}

static gpointer
fetch_session(GwStoreBackend *backend, gpointer data, GError **error)
{
  Op *op = data;
  GwStoreValue params[] = {GW_STORE_VALUE_TEXT(op->room)};

  op->sessions = g_ptr_array_new_with_free_func((GDestroyNotify)gw_session_row_free);
  if (!connected(backend, error) ||
      !backend->klass->query(backend,
                             "SELECT " SESSION_COLUMNS " FROM advisor_session WHERE id_hash = $1"
                             " AND ended = 0 AND expires_us > " NOW_US,
                             params, 1, read_session, op->sessions, error))
    return NULL;
  return op;
}

static void
fetched(gpointer result, const GError *error, gpointer data)
{
  Op *op = data;
  GwSessionRow *row = NULL;

  logged(result, error, data);
  if (op->cluster->server == NULL)
    return;
  if (result != NULL && op->sessions->len > 0)
    row = g_ptr_array_steal_index(op->sessions, 0);
  op->fetched(row, op->done_data);
}

static void
share_fetch(gpointer data, const char *id, GwSessionFetched done, gpointer done_data)
{
  Op *op = op_new(data);

  op->room = g_strdup(id); /* the session's hash */
  op->fetched = done;
  op->done_data = done_data;
  run(op, fetch_session, fetched);
  op_unref(op);
}

/* ---- the poll ---- */

static gboolean
read_entry(const GwStoreValue *columns, guint n_columns, gpointer data)
{
  GPtrArray *rows = data;
  GwQueueRow *row;

  if (n_columns != 5 || columns[0].type != GW_STORE_TEXT || columns[1].type != GW_STORE_TEXT ||
      columns[2].type != GW_STORE_TEXT || columns[3].type != GW_STORE_INT ||
      columns[4].type != GW_STORE_INT)
    return TRUE;
  row = g_new0(GwQueueRow, 1);
  row->room = g_strdup(columns[0].s);
  row->queue = g_strdup(columns[1].s);
  row->node = g_strdup(columns[2].s);
  row->enqueued_us = columns[3].i;
  row->accepted = columns[4].i != 0;
  g_ptr_array_add(rows, row);
  return TRUE;
}

static gboolean
purge(GwStoreBackend *backend, gint64 now_us, GError **error)
{
  GwStoreValue claims[] = {GW_STORE_VALUE_INT(now_us - STALE_CLAIM_US)};
  GwStoreValue sessions[] = {GW_STORE_VALUE_INT(now_us - STALE_SESSION_US)};

  return backend->klass->exec(backend, "DELETE FROM queue_entry WHERE accepted_us < $1", claims, 1,
                              NULL, error) &&
         backend->klass->exec(backend, "DELETE FROM advisor_session WHERE expires_us < $1",
                              sessions, 1, NULL, error);
}

static gpointer
poll_shared(GwStoreBackend *backend, gpointer data, GError **error)
{
  Op *op = data;
  GwStoreValue entries[] = {GW_STORE_VALUE_TEXT(op->cluster->node),
                            GW_STORE_VALUE_INT(POLL_MAX_ROWS)};
  GwStoreValue since[] = {GW_STORE_VALUE_INT(op->cluster->sessions_since_us)};

  op->rows = g_ptr_array_new_with_free_func((GDestroyNotify)gw_queue_row_free);
  op->sessions = g_ptr_array_new_with_free_func((GDestroyNotify)gw_session_row_free);
  if (!connected(backend, error) ||
      !backend->klass->query(backend, "SELECT " NOW_US, NULL, 0, read_int, &op->now_us, error) ||
      !backend->klass->query(backend,
                             "SELECT room, queue, node, enqueued_us,"
                             " CASE WHEN accepted_us IS NULL THEN 0 ELSE 1 END"
                             " FROM queue_entry WHERE accepted_us IS NULL OR node = $1"
                             " ORDER BY enqueued_us, room LIMIT $2",
                             entries, G_N_ELEMENTS(entries), read_entry, op->rows, error) ||
      !backend->klass->query(backend,
                             "SELECT " SESSION_COLUMNS " FROM advisor_session WHERE updated_us >"
                             " CASE WHEN $1::bigint = 0 THEN " NOW_US
                             " - 10000000 ELSE $1::bigint END"
                             " ORDER BY updated_us LIMIT 10000",
                             since, 1, read_session, op->sessions, error))
    return NULL;
  if (op->cluster->polls % PURGE_EVERY_POLLS == 0 && !purge(backend, op->now_us, error))
    return NULL;
  return op;
}

static void
polled(gpointer result, const GError *error, gpointer data)
{
  Op *op = data;
  GwCluster *cluster = op->cluster;

  cluster->polling = FALSE;
  if (cluster->server == NULL)
    return;
  if (result == NULL) {
    g_debug("shared queues and sessions: poll failed: %s", error != NULL ? error->message : "?");
    return;
  }
  cluster->sessions_since_us = op->now_us - SESSION_OVERLAP_US;
  gw_queues_apply_shared(gw_server_get_queues(cluster->server), op->rows, op->now_us);
  for (guint i = 0; i < op->sessions->len; i++)
    gw_auth_apply_shared(gw_server_get_auth(cluster->server), g_ptr_array_index(op->sessions, i));
}

static gboolean
on_poll_timer(gpointer data)
{
  GwCluster *cluster = data;
  Op *op;

  /* One poll at a time: a slow store gets no pile of them. */
  if (cluster->polling)
    return G_SOURCE_CONTINUE;
  cluster->polling = TRUE;
  cluster->polls++;
  op = op_new(cluster);
  run(op, poll_shared, polled);
  op_unref(op);
  return G_SOURCE_CONTINUE;
}

GwCluster *
gw_cluster_start(GwServer *server, GwStore *store, const char *node)
{
  GwCluster *cluster = g_rc_box_new0(GwCluster);
  GwQueueShare queue_share = {share_put, share_remove, share_claim, cluster};
  GwAuthShare auth_share = {share_save, share_fetch, cluster};
  Op *op;

  cluster->server = server;
  cluster->store = store;
  cluster->node = g_strdup(node);
  op = op_new(cluster);
  run(op, forget_entries, logged);
  op_unref(op);
  gw_queues_set_share(gw_server_get_queues(server), &queue_share);
  gw_auth_set_share(gw_server_get_auth(server), &auth_share);
  cluster->timer = g_timeout_add(GW_CLUSTER_POLL_MS, on_poll_timer, cluster);
  on_poll_timer(cluster);
  g_message("walk-in queues and advisor sessions shared through PostgreSQL (node %s)", node);
  return cluster;
}

void
gw_cluster_stop(GwCluster *cluster)
{
  if (cluster == NULL)
    return;
  g_clear_handle_id(&cluster->timer, g_source_remove);
  cluster->server = NULL;
}

void
gw_cluster_free(GwCluster *cluster)
{
  if (cluster == NULL)
    return;
  gw_cluster_stop(cluster);
  cluster_unref(cluster);
}
