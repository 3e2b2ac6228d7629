/* SPDX-License-Identifier: Apache-2.0 */
/* After a crash: contacts a previous run of this node left open are closed as failed. */
#pragma once

#include "gateway/store.h"

G_BEGIN_DECLS

/* The end reason such a contact gets (docs/metrics.md). */
#define GW_STORE_RECOVERY_REASON "gateway-restart"
/* At most this many contacts are closed in one start (a sane node has max_rooms open at most). */
#define GW_STORE_RECOVERY_MAX 100000

/**
 * gw_store_recovery_start:
 * Finds contacts that were offered but never ended, abandoned or failed
 * (the process was killed, or the machine lost power, mid-call) and records
 * a `failed` event with reason GW_STORE_RECOVERY_REASON for each through
 * @sink, dated at the contact's last recorded activity. Runs in the
 * background (the store's writer thread reads, the control thread records).
 *
 * Only for the SQLite store, which one process owns: with PostgreSQL the
 * other nodes' contacts are in the same table and still running. @done
 * (nullable) runs once on the control thread, after the events are handed to
 * @sink, with the number of contacts closed (0 when the read failed).
 * @sink: (transfer none): must outlive the recovery
 * Returns: FALSE (and @done never runs) when there is nothing to recover for
 * this backend
 */
gboolean gw_store_recovery_start(GwStore *store, const GwContactSink *sink,
                             void (*done)(guint closed, gpointer data), gpointer done_data);

G_END_DECLS
