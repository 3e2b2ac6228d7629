/* SPDX-License-Identifier: Apache-2.0 */
/* REST for analysts: GET /api/v1/insights and GET /api/v1/export/{contacts,events,ratings}.{csv,jsonl}. */
#pragma once

#include "config/config.h"
#include "gateway/api-auth.h"
#include "gateway/store.h"
#include "signaling/server.h"

G_BEGIN_DECLS

/**
 * gw_insights_api_mount:
 * @store, @auth: (transfer none): must outlive @server
 */
void gw_insights_api_mount(GwServer *server, GwStore *store, GwApiAuth *auth,
                           const GwConfig *config);

G_END_DECLS
