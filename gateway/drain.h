/* SPDX-License-Identifier: Apache-2.0 */
/* Graceful drain on SIGTERM: no new calls, running calls go on up to server.drain_seconds. */
#pragma once

#include <glib.h>

#include "gateway/readiness.h"
#include "signaling/server.h"

G_BEGIN_DECLS

typedef struct _GwDrain GwDrain;

/**
 * gw_drain_start:
 * @server, @readiness: (transfer none): must outlive the drain
 * @seconds: the longest the running calls may go on
 * @done: called once on the control thread when the last participant has
 *   left or @seconds have passed, with a word saying which ("idle", "timeout")
 *
 * Marks the node not ready (/readyz 503) and refuses new WebSockets, then
 * watches the running calls. With @seconds 0 or no call running, @done runs
 * from the main loop within a fraction of a second.
 * Returns: (transfer full)
 */
GwDrain *gw_drain_start(GwServer *server, GwReadiness *readiness, guint seconds,
                        void (*done)(const char *why, gpointer data), gpointer data);

/** gw_drain_free: stops watching; @done will not run any more. */
void gw_drain_free(GwDrain *drain);

G_END_DECLS
