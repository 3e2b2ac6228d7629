/* SPDX-License-Identifier: Apache-2.0 */
/* The configured log level (server.log_level) in front of the text or JSON log writer. */
#include "gateway/log-level.h"

#include "gateway/log-json.h"

/*
 * The most verbose GLogLevelFlags bit that passes. A plain int so that
 * writers on GStreamer and store threads read it without a lock.
 */
static gint log_level_max = G_LOG_LEVEL_MESSAGE;
static gboolean log_level_json;

static GLogLevelFlags
level_from_name(const char *level)
{
  if (g_strcmp0(level, "warning") == 0)
    return G_LOG_LEVEL_WARNING;
  if (g_strcmp0(level, "info") == 0)
    return G_LOG_LEVEL_INFO;
  if (g_strcmp0(level, "debug") == 0)
    return G_LOG_LEVEL_DEBUG;
  return G_LOG_LEVEL_MESSAGE;
}

gboolean
gw_log_level_would_write(GLogLevelFlags log_level)
{
  GLogLevelFlags level = log_level & G_LOG_LEVEL_MASK;

  /* Lower bits are more severe: ERROR 1<<2 ... DEBUG 1<<7. */
  return level != 0 && level <= (GLogLevelFlags)g_atomic_int_get(&log_level_max);
}

static GLogWriterOutput
log_level_writer(GLogLevelFlags log_level, const GLogField *fields, gsize n_fields,
                 gpointer user_data)
{
  /* "message" keeps GLib's own rule: G_MESSAGES_DEBUG can still ask for info and debug. */
  if (g_atomic_int_get(&log_level_max) != G_LOG_LEVEL_MESSAGE &&
      !gw_log_level_would_write(log_level))
    return G_LOG_WRITER_HANDLED;
  if (log_level_json)
    return gw_log_json_writer(log_level, fields, n_fields, user_data);
  return g_log_writer_default(log_level, fields, n_fields, user_data);
}

void
gw_log_level_set(const char *level)
{
  GLogLevelFlags max = level_from_name(level);

  g_atomic_int_set(&log_level_max, (gint)max);
  /* Both writers drop info and debug unless told otherwise (G_MESSAGES_DEBUG or this). */
  g_log_set_debug_enabled(max == G_LOG_LEVEL_INFO || max == G_LOG_LEVEL_DEBUG);
}

void
gw_log_level_install(const char *format, const char *level)
{
  log_level_json = g_strcmp0(format, "json") == 0;
  gw_log_level_set(level);
  g_log_set_writer_func(log_level_writer, NULL, NULL);
}
