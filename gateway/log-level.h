/* SPDX-License-Identifier: Apache-2.0 */
/* The configured log level (server.log_level) in front of the text or JSON log writer. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * gw_log_level_install:
 * @format: "text" or "json" (server.log_format)
 * @level: "warning", "message", "info" or "debug" (server.log_level)
 *
 * Installs the process's log writer: lines more verbose than @level are
 * dropped, the rest go to GLib's default writer (text) or
 * gw_log_json_writer(). Call once, before the first log line that matters.
 */
void gw_log_level_install(const char *format, const char *level);

/**
 * gw_log_level_set:
 * Changes the level at run time (SIGHUP); safe from any thread, since
 * GStreamer and store threads log too.
 */
void gw_log_level_set(const char *level);

/** gw_log_level_would_write: whether a line at @log_level passes the configured level. */
gboolean gw_log_level_would_write(GLogLevelFlags log_level);

G_END_DECLS
