/* SPDX-License-Identifier: Apache-2.0 */
/* Structured log lines for signaling/, each naming its room and peer (STYLE.md §12). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * gw_signaling_log:
 * @level: a GLogLevelFlags (never G_LOG_LEVEL_ERROR)
 * @room: (nullable): the room id, or NULL for "-"
 * @peer: (nullable): the peer id, or NULL for "-"
 *
 * Logs one line "room=R peer=P: text" in the signaling log domain, with ROOM
 * and PEER as structured fields for JSON output. SDP, tokens and ICE
 * credentials go to G_LOG_LEVEL_DEBUG only.
 */
#define gw_signaling_log(level, room, peer, ...)                                                   \
  gw_signaling_log_full((level), __FILE__, G_STRINGIFY(__LINE__), G_STRFUNC, (room), (peer),       \
                        __VA_ARGS__)

void gw_signaling_log_full(GLogLevelFlags level, const char *file, const char *line,
                           const char *func, const char *room, const char *peer, const char *format,
                           ...) G_GNUC_PRINTF(7, 8);

G_END_DECLS
