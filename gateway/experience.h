/* SPDX-License-Identifier: Apache-2.0 */
/* Wires the experience metrics into a running server: the store as contact sink, and the analyst API. */
#pragma once

#include "config/config.h"
#include "gateway/metrics.h"
#include "gateway/store.h"
#include "gateway/webhook.h"
#include "signaling/server.h"

G_BEGIN_DECLS

typedef struct _GwExperience GwExperience;

/**
 * gw_experience_start:
 * Opens the store from @config (DATA_DIR/metrics.db or PostgreSQL), makes it
 * @server's contact sink (counted for /metrics, pushed to the webhook), and
 * mounts /api/v1/insights and /api/v1/export/ (the token in
 * DATA_DIR/secrets/api.token, or a supervisor's login), /api/v1/ratings,
 * /metrics and /vendor/uplot/; purges rating comments past their retention.
 * Returns: (transfer full) (nullable)
 */
GwExperience *gw_experience_start(GwConfig *config, GwServer *server, GError **error);

/**
 * gw_experience_open_store:
 * The store @config names (DATA_DIR/metrics.db or PostgreSQL), for the
 * gateway and for commands such as `balie customer forget`.
 * Returns: (transfer full) (nullable)
 */
GwStore *gw_experience_open_store(const GwConfig *config, GError **error);

/** gw_experience_get_metrics: Returns: (transfer none): /metrics, to add collectors to. */
GwMetrics *gw_experience_get_metrics(GwExperience *experience);

/** gw_experience_get_store: Returns: (transfer none): the open store (for /readyz). */
GwStore *gw_experience_get_store(GwExperience *experience);

/** gw_experience_stop: after gw_server_free(): writes what is queued and closes the store. */
void gw_experience_stop(GwExperience *experience);

G_END_DECLS
