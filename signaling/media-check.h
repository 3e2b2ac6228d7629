/* SPDX-License-Identifier: Apache-2.0 */
/* The connection check at /ws/check: a short, real media connection to the gateway, so a
 * customer learns before the call whether audio and video can reach it. */
#pragma once

#include <glib.h>
#include <libsoup/soup.h>

#include "config/config.h"

G_BEGIN_DECLS

/* At most this many checks run at once; more get error `capacity`. */
#define GW_MEDIA_CHECK_MAX 8
/* A check's socket is closed this long after it opened, whatever its state. */
#define GW_MEDIA_CHECK_SECONDS 30

typedef struct _GwMediaChecks GwMediaChecks;

/**
 * gw_media_checks_new:
 * @config: (transfer none): a reference is kept (limits and ICE settings)
 * Returns: (transfer full): no checks running
 */
GwMediaChecks *gw_media_checks_new(GwConfig *config);

/**
 * gw_media_checks_free:
 * Ends every running check (its socket is closed with 1001) and frees @checks.
 */
void gw_media_checks_free(GwMediaChecks *checks);

/**
 * gw_media_checks_accept:
 * @connection: (transfer none): a fresh /ws/check socket; a reference is kept while the check runs
 *
 * Starts a check: one webrtcbin of its own (not in any room, no contact), offered to the browser
 * with receive slots for its audio and camera, as a call would. Sends `offer`, `ice` and
 * `media` as in docs/protocol.md and takes `answer` and `ice`; every other message gets
 * `wrong-state`. Past GW_MEDIA_CHECK_MAX checks the socket gets `capacity` and is closed.
 */
void gw_media_checks_accept(GwMediaChecks *checks, SoupWebsocketConnection *connection);

/** gw_media_checks_get_count: checks running now. */
guint gw_media_checks_get_count(GwMediaChecks *checks);

G_END_DECLS
