/* SPDX-License-Identifier: Apache-2.0 */
/* JSON log lines for operators: one object per line, for log collectors. */
#include "gateway/log-json.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Fields GLib and journald define; everything else was added by our code (ROOM, PEER). */
static const char *const standard_fields[] = {
    "MESSAGE",    "GLIB_DOMAIN",       "PRIORITY", "CODE_FILE",        "CODE_LINE", "CODE_FUNC",
    "MESSAGE_ID", "SYSLOG_IDENTIFIER", "ERRNO",    "GLIB_OLD_LOG_API", NULL};

/* A log line must never be lost to its own size. */
#define LOG_MAX_VALUE (16 * 1024)

static const char *
level_name(GLogLevelFlags log_level)
{
  if (log_level & G_LOG_LEVEL_ERROR)
    return "error";
  if (log_level & G_LOG_LEVEL_CRITICAL)
    return "critical";
  if (log_level & G_LOG_LEVEL_WARNING)
    return "warning";
  if (log_level & G_LOG_LEVEL_MESSAGE)
    return "message";
  if (log_level & G_LOG_LEVEL_INFO)
    return "info";
  return "debug";
}

/* Appends @value as a JSON string; invalid UTF-8 becomes U+FFFD so the line stays valid JSON. */
static void
append_json_string(GString *out, const char *value, gssize length)
{
  const char *p = value;
  const char *end;

  if (length < 0)
    length = (gssize)strlen(value);
  if (length > LOG_MAX_VALUE)
    length = LOG_MAX_VALUE;
  end = value + length;

  g_string_append_c(out, '"');
  while (p < end) {
    gunichar c = g_utf8_get_char_validated(p, end - p);

    if (c == (gunichar)-1 || c == (gunichar)-2) {
      g_string_append(out, "\\ufffd");
      p++;
      continue;
    }
    switch (c) {
    case '"':
      g_string_append(out, "\\\"");
      break;
    case '\\':
      g_string_append(out, "\\\\");
      break;
    case '\n':
      g_string_append(out, "\\n");
      break;
    case '\r':
      g_string_append(out, "\\r");
      break;
    case '\t':
      g_string_append(out, "\\t");
      break;
    default:
      if (c < 0x20 || c == 0x2028 || c == 0x2029)
        g_string_append_printf(out, "\\u%04x", c);
      else
        g_string_append_unichar(out, c);
    }
    p = g_utf8_next_char(p);
  }
  g_string_append_c(out, '"');
}

static void
append_member(GString *out, const char *name, const char *value, gssize length)
{
  g_string_append_c(out, ',');
  append_json_string(out, name, -1);
  g_string_append_c(out, ':');
  append_json_string(out, value, length);
}

char *
gw_log_json_format(GLogLevelFlags log_level, const GLogField *fields, gsize n_fields,
                   gint64 time_us)
{
  g_autoptr(GString) out = g_string_new("{\"timestamp\":");
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc(time_us / G_USEC_PER_SEC);
  g_autofree char *seconds = when != NULL ? g_date_time_format(when, "%FT%T") : NULL;
  g_autofree char *stamp = NULL;
  const char *message = "";
  gssize message_length = -1;
  const char *domain = "";
  gssize domain_length = -1;

  stamp = g_strdup_printf("%s.%03dZ", seconds != NULL ? seconds : "1970-01-01T00:00:00",
                          (int)((time_us % G_USEC_PER_SEC) / 1000));
  append_json_string(out, stamp, -1);
  append_member(out, "level", level_name(log_level), -1);

  for (gsize i = 0; i < n_fields; i++) {
    if (g_str_equal(fields[i].key, "MESSAGE")) {
      message = fields[i].value;
      message_length = fields[i].length;
    } else if (g_str_equal(fields[i].key, "GLIB_DOMAIN")) {
      domain = fields[i].value;
      domain_length = fields[i].length;
    }
  }
  append_member(out, "domain", domain, domain_length);
  append_member(out, "message", message, message_length);

  for (gsize i = 0; i < n_fields; i++) {
    g_autofree char *name = NULL;

    /* length >= 0 may be binary data; only text fields (length -1) become members. */
    if (g_strv_contains(standard_fields, fields[i].key) || fields[i].length != -1 ||
        fields[i].value == NULL)
      continue;
    name = g_ascii_strdown(fields[i].key, -1);
    append_member(out, name, fields[i].value, -1);
  }
  g_string_append(out, "}\n");
  return g_string_free(g_steal_pointer(&out), FALSE);
}

GLogWriterOutput
gw_log_json_writer(GLogLevelFlags log_level, const GLogField *fields, gsize n_fields,
                   gpointer user_data)
{
  g_autofree char *line = NULL;
  const char *domain = NULL;
  gsize length;

  for (gsize i = 0; i < n_fields; i++) {
    if (g_str_equal(fields[i].key, "GLIB_DOMAIN") && fields[i].length == -1)
      domain = fields[i].value;
  }
  if (g_log_writer_default_would_drop(log_level, domain))
    return G_LOG_WRITER_HANDLED;

  line = gw_log_json_format(log_level, fields, n_fields, g_get_real_time());
  length = strlen(line);
  /* One write() per line, so lines from several threads never interleave. */
  if (write(STDERR_FILENO, line, length) != (gssize)length)
    return G_LOG_WRITER_UNHANDLED;
  return G_LOG_WRITER_HANDLED;
}
