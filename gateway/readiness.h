/* SPDX-License-Identifier: Apache-2.0 */
/* /readyz: whether this node should get new calls (not draining, metrics store reachable). */
#pragma once

#include <glib.h>

#include "gateway/store.h"
#include "gateway/turn-watch.h"
#include "signaling/server.h"

G_BEGIN_DECLS

typedef struct _GwReadiness GwReadiness;

/**
 * gw_readiness_new:
 * @server: (transfer none): /readyz is mounted on it; must outlive the readiness
 * @store: (transfer none): probed every few seconds on its writer thread; must
 *   stay open until gw_readiness_free()
 *
 * Mounts GET /readyz: 200 with {"status":"ready",...} while the node takes
 * calls, 503 with {"status":"not-ready","reasons":[...]} while it drains
 * ("draining") or while the store does not answer ("store"). The first probe
 * starts at once; until it answers the store counts as not ready.
 * Returns: (transfer full)
 */
GwReadiness *gw_readiness_new(GwServer *server, GwStore *store);

/** gw_readiness_set_draining: from now on /readyz says "draining" (503). */
void gw_readiness_set_draining(GwReadiness *readiness, gboolean draining);

/**
 * gw_readiness_set_turn_watch:
 * @turn: (transfer none) (nullable): must outlive the readiness or be unset first
 *
 * /readyz then says "turn": gw_turn_state_name() in its body, but stays 200
 * while TURN is away: every node shares the same coturn, so failing readiness
 * would take all of them out of the load balancer together, also for the many
 * calls that need no relay (docs/operations.md, "Health, readiness and drain").
 */
void gw_readiness_set_turn_watch(GwReadiness *readiness, GwTurnWatch *turn);

/**
 * gw_readiness_is_ready:
 * @reasons: (out) (optional) (transfer full): why not, as a JSON array of strings
 */
gboolean gw_readiness_is_ready(GwReadiness *readiness, char **reasons);

/**
 * gw_readiness_free:
 * Stops probing. Call before closing the store; /readyz keeps answering
 * "not-ready" until the server is freed.
 */
void gw_readiness_free(GwReadiness *readiness);

G_END_DECLS
