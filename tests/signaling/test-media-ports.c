/* SPDX-License-Identifier: Apache-2.0 */
/* Integration test for the media network keys: the gateway's ICE candidates use only ports of
 * media.udp_port_min..max, carry media.public_address when set, and `welcome` hands out TURN
 * credentials when [turn] is configured. A real server and webrtcbin on 127.0.0.1. */
#include <gst/gst.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "config/config.h"
#include "harness.h"
#include "signaling/turn-credentials.h"

#define PORT_MIN 41000
#define PORT_MAX 41007
/* A documentation address (RFC 5737): announced, never reached. */
#define PUBLIC_ADDRESS "192.0.2.10"
/* Each gateway peer gathers a UDP host, an ICE-TCP active and an ICE-TCP passive candidate. */
#define CANDIDATES_PER_PEER 3

typedef struct {
  const char *public_address;
} Variant;

static void
fixture_set_up(HarnessFixture *fixture, gconstpointer data)
{
  const Variant *variant = data;
  GwConfig *config = harness_fixture_prepare(fixture, "balie-media-ports-XXXXXX");

  config->max_participants = 2;
  config->udp_port_min = PORT_MIN;
  config->udp_port_max = PORT_MAX;
  config->public_address = g_strdup(variant->public_address);
  g_strfreev(config->turn_urls);
  config->turn_urls = g_strsplit("turn:127.0.0.3:3478?transport=udp;turns:127.0.0.3:443", ";", -1);
  config->turn_secret = g_strdup("a-test-secret-of-some-length");
  harness_fixture_start(fixture);
}

static void
fixture_tear_down(HarnessFixture *fixture, gconstpointer data)
{
  harness_fixture_close_clients(fixture);
  harness_fixture_tear_down(fixture);
}

/* Splits "candidate:F C TRANSPORT PRIO ADDRESS PORT typ TYPE ..." into its parts. */
static void
parse_candidate(const char *candidate, char **transport, char **address, guint *port, char **type)
{
  g_auto(GStrv) fields = g_strsplit(candidate, " ", -1);

  g_assert_cmpuint(g_strv_length(fields), >=, 8);
  g_assert_cmpstr(fields[6], ==, "typ");
  *transport = g_ascii_strup(fields[2], -1);
  *address = g_strdup(fields[4]);
  *port = (guint)g_ascii_strtoull(fields[5], NULL, 10);
  *type = g_strdup(fields[7]);
}

/* Checks @client's first CANDIDATES_PER_PEER gateway candidates; counts the ports it saw. */
static void
check_candidates(HarnessClient *client, const char *expected_address, GHashTable *ports)
{
  for (guint i = 0; i < CANDIDATES_PER_PEER; i++) {
    JsonObject *ice = harness_client_wait_nth(client, "ice", i);
    const char *candidate = json_object_get_string_member(ice, "candidate");
    g_autofree char *transport = NULL;
    g_autofree char *address = NULL;
    g_autofree char *type = NULL;
    guint port = 0;

    parse_candidate(candidate, &transport, &address, &port, &type);
    g_test_message("gateway candidate: %s", candidate);
    g_assert_cmpstr(type, ==, "host");
    g_assert_cmpstr(address, ==, expected_address);
    /* An active ICE-TCP candidate has no socket of its own: its port is the placeholder 9. */
    if (g_str_equal(transport, "TCP") && strstr(candidate, "tcptype active") != NULL) {
      g_assert_cmpuint(port, ==, 9);
      continue;
    }
    if (port < PORT_MIN || port > PORT_MAX)
      g_error("candidate port %u outside media.udp_port_min..max (%u..%u): %s", port, PORT_MIN,
              PORT_MAX, candidate);
    g_hash_table_add(ports, g_strdup_printf("%s/%u", transport, port));
  }
}

static void
test_candidates(HarnessFixture *fixture, gconstpointer data)
{
  const Variant *variant = data;
  const char *expected = variant->public_address ? variant->public_address : "127.0.0.1";
  g_autoptr(GHashTable) ports = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  HarnessClient *advisor = harness_client_connect(fixture);
  HarnessClient *customer = harness_client_connect(fixture);

  harness_client_send_join(advisor, "ports-room", "advisor", NULL);
  harness_client_wait_nth(advisor, "offer", 0);
  harness_client_send_join(customer, "ports-room", "customer", NULL);
  check_candidates(advisor, expected, ports);
  check_candidates(customer, expected, ports);
  /* Two peers, each with its own UDP and passive TCP socket: four distinct ports in range. */
  g_assert_cmpuint(g_hash_table_size(ports), ==, 4);
}

static void
test_turn_in_welcome(HarnessFixture *fixture, gconstpointer data)
{
  HarnessClient *customer = harness_client_connect(fixture);
  JsonObject *welcome;
  JsonArray *servers;
  JsonObject *server;
  g_autofree char *suffix = NULL;
  g_autofree char *expected = NULL;

  harness_client_send_join(customer, "turn-room", "customer", NULL);
  welcome = harness_client_wait_nth(customer, "welcome", 0);
  servers = json_object_get_array_member(welcome, "ice_servers");
  g_assert_nonnull(servers);
  g_assert_cmpuint(json_array_get_length(servers), ==, 1);
  server = json_array_get_object_element(servers, 0);
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(server, "urls")), ==, 2);
  suffix = g_strdup_printf(":%s", json_object_get_string_member(welcome, "peer"));
  g_assert_true(g_str_has_suffix(json_object_get_string_member(server, "username"), suffix));
  expected = gw_turn_credentials_compute("a-test-secret-of-some-length",
                                         json_object_get_string_member(server, "username"));
  g_assert_cmpstr(json_object_get_string_member(server, "credential"), ==, expected);
}

int
main(int argc, char **argv)
{
  static const Variant local = {NULL};
  static const Variant nat = {PUBLIC_ADDRESS};

  harness_init(&argc, &argv);
  g_test_add("/media-ports/candidates-in-range", HarnessFixture, &local, fixture_set_up,
             test_candidates, fixture_tear_down);
  g_test_add("/media-ports/public-address", HarnessFixture, &nat, fixture_set_up,
             test_candidates, fixture_tear_down);
  g_test_add("/media-ports/turn-in-welcome", HarnessFixture, &local, fixture_set_up,
             test_turn_in_welcome, fixture_tear_down);
  return harness_finish(g_test_run());
}
