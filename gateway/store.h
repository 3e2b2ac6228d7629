/* SPDX-License-Identifier: Apache-2.0 */
/* The experience-metrics store: one writer thread in front of SQLite or PostgreSQL. */
#pragma once

#include <glib.h>

#include "gateway/store-backend.h"
#include "signaling/contact-sink.h"

G_BEGIN_DECLS

typedef struct _GwStore GwStore;

typedef struct {
  const char *backend;           /* "sqlite" or "postgresql" */
  const char *sqlite_path;       /* sqlite: the database file */
  const char *postgres_conninfo; /* postgresql: a libpq connection string (a secret) */
  const char *spool_path;        /* postgresql: the disk queue used while the server is away */
} GwStoreOptions;

/* Write latency buckets (seconds) of gw_store_get_stats(), for the Prometheus histogram. */
#define GW_STORE_LATENCY_BUCKETS 8
extern const double gw_store_latency_bounds[GW_STORE_LATENCY_BUCKETS];

typedef struct {
  guint64 written;  /* events committed (or spooled) */
  guint64 failed;   /* events refused or lost to an error */
  guint64 backlog;  /* events accepted, not yet committed or spooled */
  guint64 spooled;  /* events waiting in the disk queue for PostgreSQL */
  guint64 latency_count[GW_STORE_LATENCY_BUCKETS + 1]; /* per bucket, last is +Inf */
  double latency_sum;                                  /* seconds */
} GwStoreStats;

/**
 * gw_store_open:
 * Opens the database and migrates its schema (synchronously: this runs at
 * start), then starts the writer thread. Completions are delivered on the
 * thread-default main context of the caller (the control thread).
 * For PostgreSQL an unreachable server is not an error: events go to the
 * spool until it comes back.
 * Returns: (transfer full) (nullable)
 */
GwStore *gw_store_open(const GwStoreOptions *options, GError **error);

/**
 * gw_store_record:
 * Copies @event and queues it for the writer; never blocks on I/O. @done
 * (nullable) runs on the control thread once the event is committed, or
 * with an error (GW_STORE_ERROR_INVALID, _DUPLICATE, _SQL, _CLOSED). It never
 * runs from inside this call.
 */
void gw_store_record(GwStore *store, const GwContactEvent *event, GwContactRecorded done,
                     gpointer done_data);

/** gw_store_sink: fills @sink so signaling's events go to gw_store_record(). */
void gw_store_sink(GwStore *store, GwContactSink *sink);

/* Runs on the writer thread with the backend; returns a result for GwStoreReadDone. */
typedef gpointer (*GwStoreReadFunc)(GwStoreBackend *backend, gpointer data, GError **error);
/* Runs on the control thread; owns neither @result nor @data (their free functions do). */
typedef void (*GwStoreReadDone)(gpointer result, const GError *error, gpointer data);

/**
 * gw_store_read:
 * Runs @func on the writer thread between write batches (reads see every
 * acknowledged event), then @done on the control thread. @data is freed
 * with @data_free after @done, @result with @result_free.
 */
void gw_store_read(GwStore *store, GwStoreReadFunc func, gpointer data, GDestroyNotify data_free,
                   GDestroyNotify result_free, GwStoreReadDone done);

/** gw_store_get_stats: a snapshot; callable from any thread. */
void gw_store_get_stats(GwStore *store, GwStoreStats *stats);

/** gw_store_get_backend_name: "sqlite" or "postgresql". */
const char *gw_store_get_backend_name(GwStore *store);

/**
 * gw_store_free:
 * Writes everything queued, stops the writer thread and closes the database.
 * Completions already due are dispatched by the caller's main context later.
 */
void gw_store_free(GwStore *store);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GwStore, gw_store_free)

G_END_DECLS
