/* SPDX-License-Identifier: Apache-2.0 */
/* Keeping personal data no longer than needed: comment retention and erasing one customer. */
#pragma once

#include <glib.h>

#include "gateway/store-backend.h"

G_BEGIN_DECLS

/**
 * gw_store_purge_comments:
 * Clears the free-text comment of every rating older than @before_us (the
 * scores stay: they carry no personal data). Runs on the store's thread
 * (gw_store_read()) or on a backend of one's own.
 * @purged: (out) (optional): comments cleared
 */
gboolean gw_store_purge_comments(GwStoreBackend *backend, gint64 before_us, gint64 *purged,
                                 GError **error);

/* What gw_store_forget_customer() deleted. */
typedef struct {
  gint64 contacts, events, ratings;
} GwStoreForgotten;

/**
 * gw_store_forget_customer:
 * Deletes, in one transaction, every contact whose customer_ref is
 * @customer_ref, with its events and rating (the right to erasure).
 */
gboolean gw_store_forget_customer(GwStoreBackend *backend, const char *customer_ref,
                                  GwStoreForgotten *forgotten, GError **error);

G_END_DECLS
