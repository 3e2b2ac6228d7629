/* SPDX-License-Identifier: Apache-2.0 */
/* Watching the TURN servers the gateway hands to browsers: a periodic probe of each, its state
 * for /readyz, /metrics and the log. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _GwTurnWatch GwTurnWatch;

/* What /readyz says about TURN ("turn": gw_turn_state_name()). */
typedef enum {
  GW_TURN_NOT_CONFIGURED, /* no [turn] urls */
  GW_TURN_CHECKING,       /* a server has not been probed yet */
  GW_TURN_OK,             /* every server answered its last probe */
  GW_TURN_PARTIAL,        /* some answered, some did not */
  GW_TURN_UNAVAILABLE,    /* none answered */
} GwTurnState;

/* One thing to probe: a STUN Binding over UDP, or a TCP connect (transport=tcp and turns:). */
typedef struct {
  char *host; /* a name or an IP address, without [ ] */
  guint16 port;
  gboolean tcp;
} GwTurnTarget;

/**
 * gw_turn_watch_targets:
 * @urls: (nullable): URLs as gw_turn_url_check() accepts them
 *
 * The distinct servers behind @urls: turn: URLs without transport or with
 * transport=udp are probed over UDP, transport=tcp and turns: over TCP; the
 * default ports are 3478 (turn:) and 5349 (turns:). Pure; for tests.
 * Returns: (transfer full) (element-type GwTurnTarget): never NULL
 */
GPtrArray *gw_turn_watch_targets(const char *const *urls);

/**
 * gw_turn_watch_new:
 * @urls: (nullable): the configured [turn] urls; none: nothing is probed
 * @interval_ms: a probe round every so many milliseconds; each probe gives up
 *   after @timeout_ms (less than @interval_ms)
 *
 * Starts probing on the default main context, the first round at once.
 * A probe is a STUN Binding request over UDP (sent three times within
 * @timeout_ms; coturn answers it without credentials) or a TCP connect. Each
 * change of a server's state is logged once: a warning when it stops answering,
 * a message when it answers again.
 * Returns: (transfer full)
 */
GwTurnWatch *gw_turn_watch_new(const char *const *urls, guint interval_ms, guint timeout_ms);

/** gw_turn_watch_get_state: the state over all servers. */
GwTurnState gw_turn_watch_get_state(GwTurnWatch *watch);

/** gw_turn_state_name: "not-configured", "checking", "ok", "partial" or "unavailable". */
const char *gw_turn_state_name(GwTurnState state);

/**
 * gw_turn_watch_collect_metrics:
 * A GwMetricsCollector: the gauge balie_turn_up{server,transport}, 1 while a
 * server answers, 0 while it does not (no sample before its first probe).
 */
void gw_turn_watch_collect_metrics(GString *out, gpointer watch);

/** gw_turn_watch_free: stops probing; probes in flight are cancelled. */
void gw_turn_watch_free(GwTurnWatch *watch);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GwTurnWatch, gw_turn_watch_free)

G_END_DECLS
