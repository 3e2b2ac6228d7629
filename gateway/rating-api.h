/* SPDX-License-Identifier: Apache-2.0 */
/* POST /api/v1/ratings: the customer's post-call rating, authorised by the token from `ended`. */
#pragma once

#include "signaling/contact-sink.h"
#include "signaling/server.h"

G_BEGIN_DECLS

/* Ratings remembered per node to answer a replay with 409 while the store
 * cannot tell (PostgreSQL away, the rating still in the disk queue). */
#define GW_RATING_API_MAX_REMEMBERED 100000

/**
 * gw_rating_api_mount:
 * @sink: (transfer none): where the `rated` event goes (the store, through
 *   gateway/experience.c); must outlive @server
 * Mounts POST /api/v1/ratings (docs/api.md, "Ratings"). A rating is answered
 * 201 only once the store has it durably.
 */
void gw_rating_api_mount(GwServer *server, const GwContactSink *sink);

G_END_DECLS
