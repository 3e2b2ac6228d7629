/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for signaling/turn-credentials.c and the `ice_servers` of `welcome`. */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "signaling/protocol.h"
#include "signaling/turn-credentials.h"

#define SECRET "0123456789abcdef-shared"

/* A config with TURN, its secret in a temporary file (removed again). */
static GwConfig *
config_with_turn(const char *urls, guint ttl)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp("balie-turn-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  GwConfig *config;

  g_assert_no_error(error);
  path = g_build_filename(dir, "turn.secret", NULL);
  g_file_set_contents(path, SECRET "\n", -1, &error);
  g_assert_no_error(error);
  text = g_strdup_printf("[turn]\nurls = %s\nsecret_file = %s\ncredential_ttl_seconds = %u\n", urls,
                         path, ttl);
  config = gw_config_parse(text, strlen(text), NULL, &error);
  g_assert_no_error(error);
  g_unlink(path);
  g_rmdir(dir);
  return config;
}

/* The vector was computed independently (Python's hmac module). */
static void
test_compute(void)
{
  g_autofree char *password = gw_turn_credentials_compute(SECRET, "1700043200:p1a2b3");

  g_assert_cmpstr(password, ==, "PbLlXKzAH8Zb8X8sjDDJIRQ0EKw=");
}

static void
test_new(void)
{
  g_autoptr(GwConfig) config =
      config_with_turn("turn:127.0.0.3:3478?transport=udp;turns:127.0.0.3:443?transport=tcp", 43200);
  g_autoptr(GwTurnCredentials) turn = gw_turn_credentials_new(config, "p1a2b3", 1700000000);

  g_assert_nonnull(turn);
  g_assert_cmpint(turn->expires, ==, 1700043200);
  g_assert_cmpstr(turn->username, ==, "1700043200:p1a2b3");
  g_assert_cmpstr(turn->credential, ==, "PbLlXKzAH8Zb8X8sjDDJIRQ0EKw=");
  g_assert_cmpuint(g_strv_length(turn->urls), ==, 2);
  g_assert_cmpstr(turn->urls[1], ==, "turns:127.0.0.3:443?transport=tcp");

  /* Another participant, another moment: another credential. */
  g_autoptr(GwTurnCredentials) other = gw_turn_credentials_new(config, "p9", 1700000001);
  g_assert_cmpstr(other->username, ==, "1700043201:p9");
  g_assert_cmpstr(other->credential, !=, turn->credential);
}

static void
test_none_without_turn(void)
{
  g_autoptr(GwConfig) config = gw_config_new_default();

  g_assert_null(gw_turn_credentials_new(config, "p1", 1700000000));
  gw_turn_credentials_free(NULL);
}

static JsonObject *
parse_object(const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data(parser, json, -1, &error);
  g_assert_no_error(error);
  return json_object_ref(json_node_get_object(json_parser_get_root(parser)));
}

static void
test_welcome(void)
{
  g_autoptr(GwConfig) config = config_with_turn("turns:turn.example.nl:443?transport=tcp", 600);
  g_autoptr(GwTurnCredentials) turn = gw_turn_credentials_new(config, "p7", 1700000000);
  g_autofree char *with = gw_protocol_build_welcome("p7", "room", GW_ROLE_CUSTOMER, NULL, 0, turn);
  g_autofree char *without =
      gw_protocol_build_welcome("p7", "room", GW_ROLE_CUSTOMER, NULL, 0, NULL);
  g_autoptr(JsonObject) o = parse_object(with);
  g_autoptr(JsonObject) plain = parse_object(without);
  JsonArray *servers = json_object_get_array_member(o, "ice_servers");
  JsonObject *server;
  JsonArray *urls;

  g_assert_cmpstr(json_object_get_string_member(o, "type"), ==, "welcome");
  g_assert_cmpuint(json_array_get_length(servers), ==, 1);
  server = json_array_get_object_element(servers, 0);
  urls = json_object_get_array_member(server, "urls");
  g_assert_cmpuint(json_array_get_length(urls), ==, 1);
  g_assert_cmpstr(json_array_get_string_element(urls, 0), ==,
                  "turns:turn.example.nl:443?transport=tcp");
  g_assert_cmpstr(json_object_get_string_member(server, "username"), ==, "1700000600:p7");
  g_assert_cmpstr(json_object_get_string_member(server, "credential"), ==, turn->credential);
  g_assert_false(json_object_has_member(plain, "ice_servers"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/turn-credentials/compute", test_compute);
  g_test_add_func("/turn-credentials/new", test_new);
  g_test_add_func("/turn-credentials/none-without-turn", test_none_without_turn);
  g_test_add_func("/turn-credentials/welcome", test_welcome);
  return g_test_run();
}
