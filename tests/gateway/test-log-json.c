/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for gateway/log-json.c: every line is one valid JSON object with the fields operators need.
 */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "gateway/log-json.h"

/* 2024-05-01T12:34:56.789Z */
#define SOME_TIME_US (G_GINT64_CONSTANT(1714566896789123))

static JsonObject *
parse_line(const char *line)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  gsize length = strlen(line);

  g_assert_cmpuint(length, >, 0);
  g_assert_cmpint(line[length - 1], ==, '\n');
  /* Exactly one line. */
  g_assert_true(strchr(line, '\n') == line + length - 1);
  g_assert_true(json_parser_load_from_data(parser, line, -1, &error));
  g_assert_no_error(error);
  g_assert_true(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)));
  return json_object_ref(json_node_get_object(json_parser_get_root(parser)));
}

static void
test_fields(void)
{
  const GLogField fields[] = {
      {"PRIORITY", "6", -1},          {"GLIB_DOMAIN", "balie-signaling", -1},
      {"MESSAGE", "peer joined", -1}, {"CODE_FILE", "room.c", -1},
      {"ROOM", "demo-1a2b3c", -1},    {"PEER", "p2", -1},
      {"BINARY", "\x01\x02", 2},
  };
  g_autofree char *line =
      gw_log_json_format(G_LOG_LEVEL_INFO, fields, G_N_ELEMENTS(fields), SOME_TIME_US);
  g_autoptr(JsonObject) object = parse_line(line);

  g_assert_cmpstr(json_object_get_string_member(object, "timestamp"), ==,
                  "2024-05-01T12:34:56.789Z");
  g_assert_cmpstr(json_object_get_string_member(object, "level"), ==, "info");
  g_assert_cmpstr(json_object_get_string_member(object, "domain"), ==, "balie-signaling");
  g_assert_cmpstr(json_object_get_string_member(object, "message"), ==, "peer joined");
  g_assert_cmpstr(json_object_get_string_member(object, "room"), ==, "demo-1a2b3c");
  g_assert_cmpstr(json_object_get_string_member(object, "peer"), ==, "p2");
  /* GLib's own fields and binary fields stay out. */
  g_assert_false(json_object_has_member(object, "code_file"));
  g_assert_false(json_object_has_member(object, "priority"));
  g_assert_false(json_object_has_member(object, "binary"));
}

static void
test_levels(void)
{
  static const struct {
    GLogLevelFlags level;
    const char *name;
  } levels[] = {
      {G_LOG_LEVEL_ERROR, "error"},     {G_LOG_LEVEL_CRITICAL, "critical"},
      {G_LOG_LEVEL_WARNING, "warning"}, {G_LOG_LEVEL_MESSAGE, "message"},
      {G_LOG_LEVEL_INFO, "info"},       {G_LOG_LEVEL_DEBUG, "debug"},
  };
  const GLogField fields[] = {{"MESSAGE", "x", -1}};

  for (guint i = 0; i < G_N_ELEMENTS(levels); i++) {
    g_autofree char *line = gw_log_json_format(levels[i].level | G_LOG_FLAG_FATAL, fields, 1, 0);
    g_autoptr(JsonObject) object = parse_line(line);

    g_assert_cmpstr(json_object_get_string_member(object, "level"), ==, levels[i].name);
    /* No domain field at all still gives a domain member. */
    g_assert_cmpstr(json_object_get_string_member(object, "domain"), ==, "");
    g_assert_cmpstr(json_object_get_string_member(object, "timestamp"), ==,
                    "1970-01-01T00:00:00.000Z");
  }
}

static void
test_escaping(void)
{
  const GLogField fields[] = {
      {"GLIB_DOMAIN", "balie", -1},
      {"MESSAGE", "quote \" backslash \\ newline \n tab \t bell \a é \xff end", -1},
  };
  g_autofree char *line = gw_log_json_format(G_LOG_LEVEL_WARNING, fields, 2, SOME_TIME_US);
  g_autoptr(JsonObject) object = parse_line(line);

  g_assert_cmpstr(json_object_get_string_member(object, "message"), ==,
                  "quote \" backslash \\ newline \n tab \t bell \a é \xef\xbf\xbd end");
}

static void
test_long_value(void)
{
  g_autofree char *big = g_strnfill(100 * 1024, 'a');
  const GLogField fields[] = {{"MESSAGE", big, -1}};
  g_autofree char *line = gw_log_json_format(G_LOG_LEVEL_MESSAGE, fields, 1, SOME_TIME_US);
  g_autoptr(JsonObject) object = parse_line(line);

  /* Capped, so one runaway message cannot make a line a log collector refuses. */
  g_assert_cmpuint(strlen(json_object_get_string_member(object, "message")), <, 32 * 1024);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/log-json/fields", test_fields);
  g_test_add_func("/log-json/levels", test_levels);
  g_test_add_func("/log-json/escaping", test_escaping);
  g_test_add_func("/log-json/long-value", test_long_value);

  return g_test_run();
}
