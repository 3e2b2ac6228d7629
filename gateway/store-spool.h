/* SPDX-License-Identifier: Apache-2.0 */
/* The disk queue: events accepted while PostgreSQL is away, appended and fsynced, one JSON line each. */
#pragma once

#include <glib.h>

#include "gateway/store-event.h"

G_BEGIN_DECLS

typedef struct _GwStoreSpool GwStoreSpool;

/**
 * gw_store_spool_open:
 * Opens (or creates, mode 0600) @path and counts the events already in it
 * (left by a previous run: delivered first). Returns: (transfer full) (nullable)
 */
GwStoreSpool *gw_store_spool_open(const char *path, GError **error);

/** gw_store_spool_append: writes @events and fsyncs before returning TRUE. */
gboolean gw_store_spool_append(GwStoreSpool *spool, GwStoreEvent *const *events, guint n,
                               GError **error);

/** gw_store_spool_count: events in the file. */
guint64 gw_store_spool_count(GwStoreSpool *spool);

/**
 * gw_store_spool_read:
 * Returns: (transfer full) (element-type GwStoreEvent): every event in order.
 * A torn last line (a crash mid-append: never acknowledged) is skipped.
 */
GPtrArray *gw_store_spool_read(GwStoreSpool *spool, GError **error);

/** gw_store_spool_clear: empties the file once its events are delivered. */
gboolean gw_store_spool_clear(GwStoreSpool *spool, GError **error);

void gw_store_spool_free(GwStoreSpool *spool);

G_END_DECLS
