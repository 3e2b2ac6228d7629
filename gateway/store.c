/* SPDX-License-Identifier: Apache-2.0 */
/* The experience-metrics store: one writer thread in front of SQLite or PostgreSQL. */
#include "gateway/store.h"

#include "gateway/store-contact.h"
#include "gateway/store-event.h"
#include "gateway/store-schema.h"
#include "gateway/store-spool.h"

/* Events committed in one transaction: one fsync for many events under load. */
#define STORE_BATCH_MAX 256
/* While PostgreSQL is away, how often the writer tries to reach it again. */
#define STORE_RETRY_US (1 * G_USEC_PER_SEC)

const double gw_store_latency_bounds[GW_STORE_LATENCY_BUCKETS] = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5,
};

typedef enum {
  JOB_RECORD,
  JOB_READ,
  JOB_STOP,
} JobKind;

typedef struct {
  JobKind kind;
  GwStore *store;
  /* JOB_RECORD */
  GwStoreEvent *event;
  GwContactRecorded done;
  gpointer done_data;
  gint64 queued_us;
  /* JOB_READ */
  GwStoreReadFunc read;
  gpointer read_data;
  GDestroyNotify read_data_free;
  GDestroyNotify result_free;
  GwStoreReadDone read_done;
  gpointer result;
  /* both: the outcome, handed to the control thread */
  GError *error;
} Job;

struct _GwStore {
  GwStoreBackend *backend;
  GwStoreSpool *spool; /* PostgreSQL only */
  char *conninfo;
  GMainContext *control;
  GAsyncQueue *jobs;
  GThread *thread;
  const char *backend_name;
  gboolean migrated; /* FALSE while a PostgreSQL that was away at start has not been migrated */
  /* Statistics: written by the writer thread, read by anyone. */
  GMutex stats_lock;
  GwStoreStats stats;
};

static void
job_free(Job *job)
{
  gw_store_event_free(job->event);
  if (job->read_data_free != NULL)
    job->read_data_free(job->read_data);
  if (job->result != NULL && job->result_free != NULL)
    job->result_free(job->result);
  g_clear_error(&job->error);
  g_free(job);
}

/* On the control thread. */
static gboolean
job_complete(gpointer data)
{
  Job *job = data;

  if (job->kind == JOB_RECORD && job->done != NULL)
    job->done(job->error, job->done_data);
  else if (job->kind == JOB_READ)
    job->read_done(job->result, job->error, job->read_data);
  return G_SOURCE_REMOVE;
}

/* An idle source, not g_main_context_invoke(): that would call back at once on the control thread. */
static void
job_hand_back(GwStore *store, Job *job)
{
  g_autoptr(GSource) source = g_idle_source_new();

  g_source_set_priority(source, G_PRIORITY_DEFAULT);
  g_source_set_callback(source, job_complete, job, (GDestroyNotify)job_free);
  g_source_set_static_name(source, "balie-store-complete");
  g_source_attach(source, store->control);
}

static void
stats_add(GwStore *store, guint written, guint failed, gint64 latency_us)
{
  double seconds = latency_us / 1e6;
  guint bucket = 0;

  while (bucket < GW_STORE_LATENCY_BUCKETS && seconds > gw_store_latency_bounds[bucket])
    bucket++;
  g_mutex_lock(&store->stats_lock);
  store->stats.written += written;
  store->stats.failed += failed;
  store->stats.backlog -= MIN(store->stats.backlog, (guint64)(written + failed));
  if (written > 0) {
    store->stats.latency_count[bucket] += written;
    store->stats.latency_sum += seconds * written;
  }
  if (store->spool != NULL)
    store->stats.spooled = gw_store_spool_count(store->spool);
  g_mutex_unlock(&store->stats_lock);
}

/* Applies @events in one transaction; per-event refusals land in @errors[i]. */
static gboolean
write_transaction(GwStore *store, GwStoreEvent **events, guint n, GError **errors, GError **error)
{
  GwStoreBackend *backend = store->backend;

  if (!backend->klass->begin(backend, error))
    return FALSE;
  for (guint i = 0; i < n; i++) {
    g_autoptr(GError) local = NULL;

    if (gw_store_contact_apply(backend, events[i], &local))
      continue;
    if (g_error_matches(local, GW_STORE_ERROR, GW_STORE_ERROR_DUPLICATE)) {
      errors[i] = g_steal_pointer(&local);
      continue;
    }
    backend->klass->rollback(backend);
    g_propagate_error(error, g_steal_pointer(&local));
    return FALSE;
  }
  if (!backend->klass->commit(backend, error)) {
    backend->klass->rollback(backend);
    return FALSE;
  }
  return TRUE;
}

/* PostgreSQL back? Then deliver the spool, oldest first, before anything new. */
static gboolean
drain_spool(GwStore *store)
{
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;

  if (store->spool == NULL || (store->migrated && gw_store_spool_count(store->spool) == 0))
    return TRUE;
  if (store->backend->klass->reconnect != NULL &&
      !store->backend->klass->reconnect(store->backend, &error))
    return FALSE;
  if (!store->migrated && !gw_store_schema_migrate(store->backend, NULL, &error))
    return FALSE;
  store->migrated = TRUE;
  events = gw_store_spool_read(store->spool, &error);
  for (guint start = 0; events != NULL && start < events->len; start += STORE_BATCH_MAX) {
    guint n = MIN(STORE_BATCH_MAX, events->len - start);
    g_autofree GError **errors = g_new0(GError *, n);

    if (!write_transaction(store, (GwStoreEvent **)events->pdata + start, n, errors, &error))
      break;
    for (guint i = 0; i < n; i++) {
      if (errors[i] != NULL)
        g_warning("metrics store: spooled event dropped: %s", errors[i]->message);
      g_clear_error(&errors[i]);
    }
  }
  /* Delivered events are recognised by id, so a partial delivery is simply replayed. */
  if (error == NULL && !gw_store_spool_clear(store->spool, &error))
    g_warning("metrics store: cannot clear the disk queue: %s", error->message);
  if (error != NULL) {
    g_debug("metrics store: PostgreSQL still away: %s", error->message);
    return FALSE;
  }
  g_message("metrics store: disk queue delivered (%u events)", events->len);
  stats_add(store, 0, 0, 0);
  return TRUE;
}

static void
write_batch(GwStore *store, GPtrArray *jobs)
{
  g_autofree GwStoreEvent **events = g_new0(GwStoreEvent *, jobs->len);
  g_autofree GError **errors = g_new0(GError *, jobs->len);
  g_autoptr(GError) error = NULL;
  gboolean ok;
  guint failed = 0;
  gint64 start = g_get_monotonic_time();

  for (guint i = 0; i < jobs->len; i++)
    events[i] = ((Job *)g_ptr_array_index(jobs, i))->event;
  ok = drain_spool(store) && write_transaction(store, events, jobs->len, errors, &error);
  if (!ok && store->spool != NULL) {
    /* Away or broken: keep order by sending everything to the spool until it is delivered. */
    if (error != NULL)
      g_warning("metrics store: write failed, queueing to disk: %s", error->message);
    g_clear_error(&error);
    for (guint i = 0; i < jobs->len; i++)
      g_clear_error(&errors[i]);
    ok = gw_store_spool_append(store->spool, events, jobs->len, &error);
  }
  for (guint i = 0; i < jobs->len; i++) {
    Job *job = g_ptr_array_index(jobs, i);

    if (!ok)
      job->error = g_error_copy(error);
    else
      job->error = g_steal_pointer(&errors[i]);
    failed += job->error != NULL;
    if (!ok)
      g_warning("metrics store: event lost: %s", error->message);
  }
  /* Counted before the acknowledgements go out, so whoever sees one sees it counted. */
  stats_add(store, ok ? jobs->len - failed : 0, failed, g_get_monotonic_time() - start);
  for (guint i = 0; i < jobs->len; i++)
    job_hand_back(store, g_ptr_array_index(jobs, i));
  g_ptr_array_set_size(jobs, 0);
}

static gpointer
writer_main(gpointer data)
{
  GwStore *store = data;
  g_autoptr(GPtrArray) batch = g_ptr_array_new();
  Job *held = NULL;
  gint64 tried_us = 0; /* the last attempt to deliver the disk queue */

  for (;;) {
    Job *job = held;
    gboolean waiting = store->spool != NULL &&
                       (!store->migrated || gw_store_spool_count(store->spool) > 0);

    /* Retry the disk queue at least every STORE_RETRY_US, also while reads keep
     * the thread busy (the cluster's polls come every 0.5 s): otherwise it was
     * delivered only with the next event written. */
    if (waiting && g_get_monotonic_time() - tried_us >= STORE_RETRY_US) {
      tried_us = g_get_monotonic_time();
      drain_spool(store);
      continue;
    }
    held = NULL;
    if (job == NULL) {
      job = waiting ? g_async_queue_timeout_pop(store->jobs, STORE_RETRY_US)
                    : g_async_queue_pop(store->jobs);
      if (job == NULL)
        continue;
    }
    if (job->kind == JOB_STOP) {
      job_free(job);
      break;
    }
    if (job->kind == JOB_READ) {
      job->result = job->read(store->backend, job->read_data, &job->error);
      job_hand_back(store, job);
      continue;
    }
    g_ptr_array_add(batch, job);
    while (batch->len < STORE_BATCH_MAX && (held = g_async_queue_try_pop(store->jobs)) != NULL &&
           held->kind == JOB_RECORD) {
      g_ptr_array_add(batch, held);
      held = NULL;
    }
    write_batch(store, batch);
  }
  return NULL;
}

static void
record_refused(GwStore *store, GError *error, GwContactRecorded done, gpointer done_data)
{
  Job *job = g_new0(Job, 1);

  job->kind = JOB_RECORD;
  job->store = store;
  job->done = done;
  job->done_data = done_data;
  job->error = error;
  /* Through the main context, so done never runs inside record(). */
  job_hand_back(store, job);
  g_mutex_lock(&store->stats_lock);
  store->stats.failed++;
  g_mutex_unlock(&store->stats_lock);
}

void
gw_store_record(GwStore *store, const GwContactEvent *event, GwContactRecorded done,
                gpointer done_data)
{
  GError *error = NULL;
  GwStoreEvent *copy = gw_store_event_copy(event, NULL, &error);
  Job *job;

  if (copy == NULL) {
    g_info("metrics store: event refused: %s", error->message);
    record_refused(store, error, done, done_data);
    return;
  }
  job = g_new0(Job, 1);
  job->kind = JOB_RECORD;
  job->store = store;
  job->event = copy;
  job->done = done;
  job->done_data = done_data;
  job->queued_us = g_get_monotonic_time();
  g_mutex_lock(&store->stats_lock);
  store->stats.backlog++;
  g_mutex_unlock(&store->stats_lock);
  g_async_queue_push(store->jobs, job);
}

static void
sink_record(gpointer sink_data, const GwContactEvent *event, GwContactRecorded done,
            gpointer done_data)
{
  gw_store_record(sink_data, event, done, done_data);
}

void
gw_store_sink(GwStore *store, GwContactSink *sink)
{
  sink->record = sink_record;
  sink->sink_data = store;
}

void
gw_store_read(GwStore *store, GwStoreReadFunc func, gpointer data, GDestroyNotify data_free,
              GDestroyNotify result_free, GwStoreReadDone done)
{
  Job *job = g_new0(Job, 1);

  job->kind = JOB_READ;
  job->store = store;
  job->read = func;
  job->read_data = data;
  job->read_data_free = data_free;
  job->result_free = result_free;
  job->read_done = done;
  g_async_queue_push(store->jobs, job);
}

void
gw_store_get_stats(GwStore *store, GwStoreStats *stats)
{
  g_mutex_lock(&store->stats_lock);
  *stats = store->stats;
  g_mutex_unlock(&store->stats_lock);
}

const char *
gw_store_get_backend_name(GwStore *store)
{
  return store->backend_name;
}

static GwStoreBackend *
store_open_backend(GwStore *store, const GwStoreOptions *options, GError **error)
{
  if (g_strcmp0(options->backend, "postgresql") == 0) {
    store->spool = gw_store_spool_open(options->spool_path, error);
    if (store->spool == NULL)
      return NULL;
    return gw_store_postgres_open(options->postgres_conninfo, error);
  }
  return gw_store_sqlite_open(options->sqlite_path, error);
}

GwStore *
gw_store_open(const GwStoreOptions *options, GError **error)
{
  g_autoptr(GwStore) store = g_new0(GwStore, 1);
  gint64 version = 0;

  g_mutex_init(&store->stats_lock);
  store->control = g_main_context_ref_thread_default();
  store->jobs = g_async_queue_new();
  store->backend_name = g_strcmp0(options->backend, "postgresql") == 0 ? "postgresql" : "sqlite";
  store->backend = store_open_backend(store, options, error);
  if (store->backend == NULL)
    return NULL;
  if (!gw_store_schema_migrate(store->backend, &version, error)) {
    /* A PostgreSQL that is away at start is the spool's job, not a reason to stop. */
    if (store->spool == NULL || !g_error_matches(*error, GW_STORE_ERROR, GW_STORE_ERROR_UNAVAILABLE))
      return NULL;
    g_warning("metrics store: PostgreSQL unavailable at start, queueing to disk: %s",
              (*error)->message);
    g_clear_error(error);
  } else {
    store->migrated = TRUE;
  }
  if (store->spool != NULL)
    store->stats.spooled = gw_store_spool_count(store->spool);
  g_info("metrics store: %s, schema version %" G_GINT64_FORMAT, store->backend_name, version);
  store->thread = g_thread_new("balie-store", writer_main, store);
  return g_steal_pointer(&store);
}

void
gw_store_free(GwStore *store)
{
  if (store == NULL)
    return;
  if (store->thread != NULL) {
    Job *stop = g_new0(Job, 1);

    stop->kind = JOB_STOP;
    g_async_queue_push(store->jobs, stop);
    g_thread_join(store->thread);
  }
  gw_store_backend_close(store->backend);
  gw_store_spool_free(store->spool);
  g_async_queue_unref(store->jobs);
  g_main_context_unref(store->control);
  g_mutex_clear(&store->stats_lock);
  g_free(store);
}
