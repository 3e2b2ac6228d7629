/* SPDX-License-Identifier: Apache-2.0 */
/* Several nodes, one PostgreSQL: walk-in queues and advisors' login sessions shared through
 * the store (docs/operations.md, "Scaling out"). */
#pragma once

#include <glib.h>

#include "gateway/store.h"
#include "signaling/server.h"

G_BEGIN_DECLS

/* How often a node reads the shared queues and changed sessions (one short query each). */
#define GW_CLUSTER_POLL_MS 500
/* How long an accept waits for the customer's node to tell the customer. */
#define GW_CLUSTER_ACK_TIMEOUT_US (10 * G_USEC_PER_SEC)

typedef struct _GwCluster GwCluster;

/**
 * gw_cluster_start:
 * @server: (transfer none): its queues and login sessions become shared; must
 *   outlive gw_cluster_stop()
 * @store: (transfer none): a PostgreSQL store; every statement runs on its
 *   writer thread (never on the control thread); must outlive gw_cluster_free()
 * @node: this node's name (its host name), as contacts carry it
 *
 * Forgets this node's queue entries left from an earlier run, hands @server's
 * queues and sessions their shared store, and reads the shared state every
 * GW_CLUSTER_POLL_MS.
 * Returns: (transfer full)
 */
GwCluster *gw_cluster_start(GwServer *server, GwStore *store, const char *node);

/** gw_cluster_stop: no more polls and no more calls into the server (before freeing it). */
void gw_cluster_stop(GwCluster *cluster);

/** gw_cluster_free: after the server is freed (its last queue removals still go out). */
void gw_cluster_free(GwCluster *cluster);

G_END_DECLS
