/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for gateway/turn-watch: the servers behind the URLs, and probes over real loopback
 * sockets: a STUN server that answers (libnice's STUN API), one that is silent, one that sends
 * garbage, a closed port, a TCP listener; the gauge and the log lines per change. */
#include <gio/gio.h>
#include <string.h>
#include <stun/stunagent.h>

#include "gateway/turn-watch.h"

#define INTERVAL_MS 1000
#define TIMEOUT_MS 800
/* Bounds every wait: many probe rounds. */
#define WAIT_US (10 * G_USEC_PER_SEC)

static void
test_targets(void)
{
  const char *urls[] = {"turn:turn.example.nl",
                        "turn:turn.example.nl:3478?transport=udp",
                        "turn:TURN.example.nl:3478?transport=tcp",
                        "turns:turn.example.nl:443?transport=tcp",
                        "turns:turn.example.nl",
                        "turn:[2001:db8::1]:3479",
                        "turn:10.0.0.3:80?transport=tcp",
                        NULL};
  g_autoptr(GPtrArray) targets = gw_turn_watch_targets(urls);
  const struct {
    const char *host;
    guint16 port;
    gboolean tcp;
  } want[] = {{"turn.example.nl", 3478, FALSE}, {"TURN.example.nl", 3478, TRUE},
              {"turn.example.nl", 443, TRUE},   {"turn.example.nl", 5349, TRUE},
              {"2001:db8::1", 3479, FALSE},     {"10.0.0.3", 80, TRUE}};

  g_assert_cmpuint(targets->len, ==, G_N_ELEMENTS(want));
  for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
    GwTurnTarget *target = g_ptr_array_index(targets, i);

    g_assert_cmpstr(target->host, ==, want[i].host);
    g_assert_cmpuint(target->port, ==, want[i].port);
    g_assert_cmpint(target->tcp, ==, want[i].tcp);
  }
  g_clear_pointer(&targets, g_ptr_array_unref);
  targets = gw_turn_watch_targets(NULL);
  g_assert_cmpuint(targets->len, ==, 0);
}

typedef enum { SERVER_ANSWERS, SERVER_SILENT, SERVER_GARBAGE } ServerMode;

/* A STUN server on 127.0.0.1 built with libnice's STUN API, as coturn answers a Binding. */
typedef struct {
  GSocket *socket;
  GSource *source;
  ServerMode mode;
  guint requests;
  StunAgent agent;
  guint16 port;
} StunServer;

static gboolean
on_request(GSocket *socket, GIOCondition condition, gpointer data)
{
  StunServer *server = data;
  static const uint16_t known[] = {STUN_ATTRIBUTE_FINGERPRINT, 0};
  uint8_t in[1500], out[512];
  g_autoptr(GSocketAddress) from = NULL;
  struct sockaddr_storage native;
  StunMessage request, response;
  gssize length = g_socket_receive_from(socket, &from, (char *)in, sizeof in, NULL, NULL);
  gsize out_length;

  if (length <= 0)
    return G_SOURCE_CONTINUE;
  server->requests++;
  if (server->mode == SERVER_SILENT)
    return G_SOURCE_CONTINUE;
  stun_agent_init(&server->agent, known, STUN_COMPATIBILITY_RFC5389,
                  STUN_AGENT_USAGE_USE_FINGERPRINT | STUN_AGENT_USAGE_IGNORE_CREDENTIALS);
  g_assert_cmpint(stun_agent_validate(&server->agent, &request, in, (size_t)length, NULL, NULL), ==,
                  STUN_VALIDATION_SUCCESS);
  if (server->mode == SERVER_GARBAGE) {
    /* A datagram that is no STUN, then a well-formed response to a foreign transaction. */
    g_socket_send_to(socket, from, "hello", 5, NULL, NULL);
    memset(in + 8, 0x5a, 12);
  }
  g_assert_true(stun_agent_init_response(&server->agent, &response, out, sizeof out, &request));
  g_assert_true(g_socket_address_to_native(from, &native, sizeof native, NULL));
  g_assert_cmpint(stun_message_append_xor_addr(&response, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
                                               &native, g_socket_address_get_native_size(from)),
                  ==, STUN_MESSAGE_RETURN_SUCCESS);
  out_length = stun_agent_finish_message(&server->agent, &response, NULL, 0);
  g_assert_cmpuint(out_length, >, 0);
  g_socket_send_to(socket, from, (const char *)out, out_length, NULL, NULL);
  return G_SOURCE_CONTINUE;
}

static void
stun_server_start(StunServer *server, ServerMode mode)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new(loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  server->mode = mode;
  server->socket =
      g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  g_assert_nonnull(server->socket);
  g_assert_true(g_socket_bind(server->socket, any, FALSE, NULL));
  g_socket_set_blocking(server->socket, FALSE);
  bound = g_socket_get_local_address(server->socket, NULL);
  server->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  server->source = g_socket_create_source(server->socket, G_IO_IN, NULL);
  g_source_set_callback(server->source, G_SOURCE_FUNC(on_request), server, NULL);
  g_source_attach(server->source, NULL);
}

static void
stun_server_stop(StunServer *server)
{
  g_source_destroy(server->source);
  g_clear_pointer(&server->source, g_source_unref);
  g_socket_close(server->socket, NULL);
  g_clear_object(&server->socket);
}

/* Runs the main context until @watch reaches @state (bounded). */
static void
wait_for_state(GwTurnWatch *watch, GwTurnState state)
{
  gint64 until = g_get_monotonic_time() + WAIT_US;

  while (gw_turn_watch_get_state(watch) != state && g_get_monotonic_time() < until)
    g_main_context_iteration(NULL, TRUE);
  g_assert_cmpstr(gw_turn_state_name(gw_turn_watch_get_state(watch)), ==,
                  gw_turn_state_name(state));
}

/* Lets at least @ms of probing happen. */
static void
run_for(guint ms)
{
  gint64 until = g_get_monotonic_time() + ms * 1000;

  while (g_get_monotonic_time() < until)
    g_main_context_iteration(NULL, FALSE) || (g_usleep(5000), TRUE);
}

static char *
metrics_of(GwTurnWatch *watch)
{
  GString *out = g_string_new(NULL);

  gw_turn_watch_collect_metrics(out, watch);
  return g_string_free(out, FALSE);
}

static void
test_not_configured(void)
{
  const char *none[] = {NULL};
  g_autoptr(GwTurnWatch) watch = gw_turn_watch_new(none, INTERVAL_MS, TIMEOUT_MS);
  g_autofree char *text = metrics_of(watch);

  g_assert_cmpint(gw_turn_watch_get_state(watch), ==, GW_TURN_NOT_CONFIGURED);
  g_assert_cmpstr(text, ==, "");
}

/* Answers, then stops (port closed: ICMP refused), then answers again: two log lines. */
static void
test_udp_up_down_up(void)
{
  StunServer server = {0};
  g_autofree char *url = NULL;
  g_autofree char *up = NULL, *down = NULL, *label = NULL;
  g_autoptr(GwTurnWatch) watch = NULL;
  guint16 port;

  stun_server_start(&server, SERVER_ANSWERS);
  port = server.port;
  url = g_strdup_printf("turn:127.0.0.1:%u?transport=udp", port);
  watch = gw_turn_watch_new((const char *[]){url, NULL}, INTERVAL_MS, TIMEOUT_MS);
  label = g_strdup_printf("balie_turn_up{server=\"127.0.0.1:%u\",transport=\"udp\"}", port);
  g_assert_cmpint(gw_turn_watch_get_state(watch), ==, GW_TURN_CHECKING);
  wait_for_state(watch, GW_TURN_OK);
  g_assert_cmpuint(server.requests, >=, 1);
  up = metrics_of(watch);
  g_assert_nonnull(strstr(up, "# TYPE balie_turn_up gauge\n"));
  g_assert_nonnull(strstr(up, label));
  g_assert_true(g_str_has_suffix(up, "} 1\n"));

  g_test_expect_message("balie", G_LOG_LEVEL_WARNING,
                        "TURN server 127.0.0.1:* (udp) does not answer: *refused*");
  stun_server_stop(&server);
  wait_for_state(watch, GW_TURN_UNAVAILABLE);
  g_test_assert_expected_messages();
  down = metrics_of(watch);
  g_assert_true(g_str_has_suffix(down, "} 0\n"));
  /* Still down: no second warning (an unexpected one would abort the test). */
  run_for(2 * INTERVAL_MS);

  /* The same port again, as coturn restarted. */
  {
    g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, port);

    server.mode = SERVER_ANSWERS;
    server.socket =
        g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
    g_assert_true(g_socket_bind(server.socket, address, TRUE, NULL));
    g_socket_set_blocking(server.socket, FALSE);
    server.source = g_socket_create_source(server.socket, G_IO_IN, NULL);
    g_source_set_callback(server.source, G_SOURCE_FUNC(on_request), &server, NULL);
    g_source_attach(server.source, NULL);
  }
  g_test_expect_message("balie", G_LOG_LEVEL_MESSAGE,
                        "TURN server 127.0.0.1:* (udp) answers again");
  wait_for_state(watch, GW_TURN_OK);
  g_test_assert_expected_messages();
  g_clear_pointer(&watch, gw_turn_watch_free);
  stun_server_stop(&server);
}

/* A server that takes the requests but never answers, or answers with something else, is down
 * once the timeout has passed, after three requests per probe. */
static void
check_not_answering(ServerMode mode)
{
  StunServer server = {0};
  g_autofree char *url = NULL;
  g_autoptr(GwTurnWatch) watch = NULL;

  stun_server_start(&server, mode);
  url = g_strdup_printf("turn:127.0.0.1:%u", server.port);
  g_test_expect_message("balie", G_LOG_LEVEL_WARNING,
                        "TURN server * (udp) does not answer: no STUN answer within the timeout*");
  watch = gw_turn_watch_new((const char *[]){url, NULL}, INTERVAL_MS, TIMEOUT_MS);
  wait_for_state(watch, GW_TURN_UNAVAILABLE);
  g_test_assert_expected_messages();
  g_assert_cmpuint(server.requests, >=, 3);
  g_clear_pointer(&watch, gw_turn_watch_free);
  stun_server_stop(&server);
}

static void
test_udp_silent(void)
{
  check_not_answering(SERVER_SILENT);
}

static void
test_udp_garbage(void)
{
  check_not_answering(SERVER_GARBAGE);
}

/* transport=tcp and turns: are a TCP connect: a listener is up, a closed port is down; one of
 * two down is "partial". */
static void
test_tcp_partial(void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new(loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocket) closed =
      g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GwTurnWatch) watch = NULL;
  g_autofree char *open_url = NULL, *closed_url = NULL;
  guint16 open_port, closed_port;
  GLogLevelFlags old_fatal;

  g_assert_true(g_socket_listener_add_address(listener, any, G_SOCKET_TYPE_STREAM,
                                              G_SOCKET_PROTOCOL_TCP, NULL, &bound, NULL));
  open_port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  /* A port bound but not listening: connecting is refused. */
  g_assert_true(g_socket_bind(closed, any, FALSE, NULL));
  g_clear_object(&bound);
  bound = g_socket_get_local_address(closed, NULL);
  closed_port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  open_url = g_strdup_printf("turns:127.0.0.1:%u?transport=tcp", open_port);
  closed_url = g_strdup_printf("turn:127.0.0.1:%u?transport=tcp", closed_port);
  /* The two first answers come in either order: the log lines are checked in udp-up-down-up. */
  old_fatal = g_log_set_always_fatal(G_LOG_FATAL_MASK);
  watch = gw_turn_watch_new((const char *[]){open_url, closed_url, NULL}, INTERVAL_MS, TIMEOUT_MS);
  wait_for_state(watch, GW_TURN_PARTIAL);
  {
    g_autofree char *text = metrics_of(watch);
    g_autofree char *up =
        g_strdup_printf("balie_turn_up{server=\"127.0.0.1:%u\",transport=\"tcp\"} 1\n", open_port);
    g_autofree char *down = g_strdup_printf(
        "balie_turn_up{server=\"127.0.0.1:%u\",transport=\"tcp\"} 0\n", closed_port);

    g_assert_nonnull(strstr(text, up));
    g_assert_nonnull(strstr(text, down));
  }
  g_clear_pointer(&watch, gw_turn_watch_free);
  g_log_set_always_fatal(old_fatal);
}

/* Freed with probes in flight (a silent server: each probe waits): nothing runs afterwards. */
static void
test_free_in_flight(void)
{
  StunServer server = {0};
  g_autofree char *url = NULL;
  GwTurnWatch *watch;

  stun_server_start(&server, SERVER_SILENT);
  url = g_strdup_printf("turn:127.0.0.1:%u", server.port);
  watch = gw_turn_watch_new((const char *[]){url, NULL}, INTERVAL_MS, TIMEOUT_MS);
  run_for(TIMEOUT_MS / 4);
  gw_turn_watch_free(watch);
  run_for(2 * INTERVAL_MS);
  stun_server_stop(&server);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/turn-watch/targets", test_targets);
  g_test_add_func("/turn-watch/not-configured", test_not_configured);
  g_test_add_func("/turn-watch/udp-up-down-up", test_udp_up_down_up);
  g_test_add_func("/turn-watch/udp-silent", test_udp_silent);
  g_test_add_func("/turn-watch/udp-garbage", test_udp_garbage);
  g_test_add_func("/turn-watch/tcp-partial", test_tcp_partial);
  g_test_add_func("/turn-watch/free-in-flight", test_free_in_flight);
  return g_test_run();
}
