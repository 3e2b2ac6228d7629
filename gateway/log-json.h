/* SPDX-License-Identifier: Apache-2.0 */
/* JSON log lines for operators: one object per line, for log collectors. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * gw_log_json_format:
 * @time_us: wall-clock time in microseconds since the epoch (g_get_real_time())
 *
 * Formats one structured log record as a single-line JSON object with
 * "timestamp" (RFC 3339, UTC, milliseconds), "level", "domain", "message",
 * and "room" / "peer" (or any other custom field, lower-cased) when present.
 * Returns: (transfer full): the line, with a trailing newline.
 */
char *gw_log_json_format(GLogLevelFlags log_level, const GLogField *fields, gsize n_fields,
                         gint64 time_us);

/**
 * gw_log_json_writer:
 * A GLogWriterFunc for g_log_set_writer_func(): writes gw_log_json_format()
 * lines to stderr, dropping the same debug and info messages the default
 * writer would drop (G_MESSAGES_DEBUG decides).
 */
GLogWriterOutput gw_log_json_writer(GLogLevelFlags log_level, const GLogField *fields,
                                    gsize n_fields, gpointer user_data);

G_END_DECLS
