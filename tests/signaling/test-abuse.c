/* SPDX-License-Identifier: Apache-2.0 */
/* Abuse over real sockets on loopback: oversized and malformed messages, floods of messages,
 * connections and requests from one address, slow clients, forged join links. Another address
 * (127.0.0.2, also loopback) must keep being served meanwhile. */
#include <string.h>

#include "harness.h"
#include "signaling/join-token.h"

/* The "other client": loopback, but another address than the abuser's 127.0.0.1. */
#define OTHER_ADDRESS "127.0.0.2"

static void
fixture_set_up(HarnessFixture *fixture, gconstpointer data)
{
  GwConfig *config = harness_fixture_prepare(fixture, "balie-abuse-XXXXXX");

  config->ws_max_message = 4096;
  config->ws_per_address = 5;
  config->ws_messages_per_second = 20;
  config->http_requests_per_second = 10;
  config->bad_links_per_minute = 3;
  /* Not shorter: on a loaded machine with ASan a TLS handshake alone can take seconds. */
  config->request_timeout_seconds = 10;
  /* A silent connection waits this long in the kernel (TCP_DEFER_ACCEPT), then as long again
   * for its handshake (test_silent_tcp). */
  config->tls_handshake_timeout_seconds = 5;
  /* data 1: a node with room for one call only, recording contact events;
   * data 2: behind a trusted proxy at OTHER_ADDRESS. */
  if (GPOINTER_TO_UINT(data) == 1)
    config->max_rooms = 1;
  if (GPOINTER_TO_UINT(data) == 2) {
    g_strfreev(config->trusted_proxies);
    config->trusted_proxies = g_strsplit(OTHER_ADDRESS, ";", -1);
  }
  harness_fixture_set_token_key(fixture);
  harness_fixture_start(fixture);
  if (GPOINTER_TO_UINT(data) == 1)
    harness_fixture_record_events(fixture);
}

static void
fixture_tear_down(HarnessFixture *fixture, gconstpointer data)
{
  harness_fixture_tear_down(fixture);
}

/* Runs @func with fixture->session bound to OTHER_ADDRESS, so the harness's helpers speak for
 * the other client. */
static SoupSession *
other_session(void)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string(OTHER_ADDRESS);
  g_autoptr(GSocketAddress) local = g_inet_socket_address_new(address, 0);

  return soup_session_new_with_options("local-address", local, NULL);
}

#define AS_OTHER_CLIENT(fixture, statement)                                                        \
  G_STMT_START                                                                                     \
  {                                                                                                \
    SoupSession *saved_ = (fixture)->session;                                                      \
    (fixture)->session = other_session();                                                          \
    statement;                                                                                     \
    g_object_unref((fixture)->session);                                                            \
    (fixture)->session = saved_;                                                                   \
  }                                                                                                \
  G_STMT_END

typedef struct {
  gboolean done;
  SoupWebsocketConnection *connection;
  GError *error;
  guint status;
} TryConnect;

static void
on_try_connected(GObject *source, GAsyncResult *result, gpointer user_data)
{
  TryConnect *attempt = user_data;

  attempt->connection =
      soup_session_websocket_connect_finish(SOUP_SESSION(source), result, &attempt->error);
  attempt->done = TRUE;
}

/* A WebSocket that may be refused: returns the connection, or NULL with the HTTP status. */
static SoupWebsocketConnection *
try_websocket(HarnessFixture *fixture, guint *status)
{
  g_autofree char *uri = harness_uri(fixture, "wss", "/ws");
  g_autoptr(SoupMessage) msg = soup_message_new("GET", uri);
  TryConnect attempt = {0};

  g_signal_connect(msg, "accept-certificate", G_CALLBACK(harness_accept_certificate), NULL);
  soup_session_websocket_connect_async(fixture->session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                       on_try_connected, &attempt);
  HARNESS_WAIT_FOR(attempt.done);
  *status = soup_message_get_status(msg);
  g_clear_error(&attempt.error);
  return attempt.connection;
}

static guint
healthz_status(HarnessFixture *fixture)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(SoupMessage) msg = harness_http_request(fixture, "GET", "/healthz", &body);

  return soup_message_get_status(msg);
}

/* The error codes a client received, in order, as one string "a,b,c". */
static char *
error_codes(HarnessClient *client)
{
  g_autoptr(GString) codes = g_string_new(NULL);

  for (guint i = 0; i < client->messages->len; i++) {
    JsonObject *message = client->messages->pdata[i];
    if (g_strcmp0(json_object_get_string_member_with_default(message, "type", ""), "error") == 0)
      g_string_append_printf(codes, "%s%s", codes->len > 0 ? "," : "",
                             json_object_get_string_member(message, "code"));
  }
  return g_string_free(g_steal_pointer(&codes), FALSE);
}

static guint
count_code(HarnessClient *client, const char *code)
{
  guint n = 0;

  for (guint i = 0; i < client->messages->len; i++) {
    JsonObject *message = client->messages->pdata[i];
    if (g_strcmp0(json_object_get_string_member_with_default(message, "code", ""), code) == 0)
      n++;
  }
  return n;
}

/* Malformed messages get an error each and change nothing; the connection stays usable. */
static void
test_malformed(HarnessFixture *fixture, gconstpointer data)
{
  static const char *const bad[] = {
      "",
      "not json",
      "{",
      "[]",
      "{\"type\":\"join\"}",
      "{\"type\":\"join\",\"v\":1,\"room\":\"../../etc\",\"role\":\"customer\"}",
      "{\"type\":\"join\",\"v\":99,\"room\":\"r\",\"role\":\"customer\"}",
      "{\"type\":\"answer\",\"v\":1,\"sdp\":\"v=0\"}",
      "{\"type\":\"nonsense\",\"v\":1}",
      "{\"type\":\"chat\",\"v\":1,\"text\":\"\\ud800\"}",
      "{\"type\":\"join\",\"v\":1,\"room\":\"r\",\"role\":\"customer\",\"token\":\"a.b\"}",
  };
  HarnessClient *client = harness_client_connect(fixture);

  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++)
    harness_client_send(client, bad[i]);
  /* A binary frame is not part of the protocol either. */
  soup_websocket_connection_send_binary(client->connection, "\x00\x01", 2);
  HARNESS_WAIT_FOR(client->messages->len >= G_N_ELEMENTS(bad) + 1 || client->closed);
  g_assert_false(client->closed);
  g_autofree char *codes = error_codes(client);
  g_test_message("error codes: %s", codes);
  g_assert_cmpuint(client->messages->len, ==, G_N_ELEMENTS(bad) + 1);
  g_assert_cmpuint(count_code(client, "bad-json"), >=, 4);
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 0);

  /* Still usable: a proper join is welcomed. */
  harness_client_send_join(client, "room-after-junk", "customer", NULL);
  g_assert_nonnull(harness_client_take(client, "welcome"));
}

/* Too large: an error up to 4x the limit (socket kept), closed past it; others go on. */
static void
test_oversized(HarnessFixture *fixture, gconstpointer data)
{
  HarnessClient *client = harness_client_connect(fixture);
  guint limit = fixture->config->ws_max_message;
  g_autofree char *padding = g_strnfill(limit, 'x');
  g_autofree char *big = g_strdup_printf("{\"type\":\"chat\",\"v\":1,\"text\":\"%s\"}", padding);

  harness_client_send(client, big);
  HARNESS_WAIT_FOR(count_code(client, "too-large") == 1 || client->closed);
  g_assert_false(client->closed);

  g_autofree char *huge_padding = g_strnfill(limit * 8, 'x');
  g_autofree char *huge =
      g_strdup_printf("{\"type\":\"chat\",\"v\":1,\"text\":\"%s\"}", huge_padding);
  harness_client_send(client, huge);
  HARNESS_WAIT_FOR(client->closed);
  g_test_message("closed with %u after an %u-byte frame", client->close_code,
                 (guint)strlen(huge));

  /* Nothing was kept for it, and the next client is served. */
  HarnessClient *next = harness_client_connect(fixture);
  harness_client_send_join(next, "room-after-big", "customer", NULL);
  g_assert_nonnull(harness_client_take(next, "welcome"));
  g_assert_cmpuint(healthz_status(fixture), ==, 200);
}

/* Sends up to 3000 `hangup`s as fast as it can while @flooder is open; returns how many.
 * Refused cheaply by the server (wrong state), so only the limit differs. */
static guint
flood(HarnessClient *flooder)
{
  guint sent = 0;

  for (; sent < 3000 && soup_websocket_connection_get_state(flooder->connection) ==
                           SOUP_WEBSOCKET_STATE_OPEN;
       sent++) {
    harness_client_send(flooder, "{\"type\":\"hangup\",\"v\":1}");
    if (sent % 100 == 0)
      g_main_context_iteration(NULL, FALSE);
  }
  return sent;
}

/* The flood since @start_us was limited: `limit` replies, then closed with 1008; answered at
 * least the burst (4x the rate), at most the burst and the refill meanwhile. */
static void
assert_flood_limited(HarnessFixture *fixture, HarnessClient *flooder, guint sent, gint64 start_us)
{
  HARNESS_WAIT_FOR(flooder->closed);
  g_test_message("sent %u, answered %u (limit replies %u), closed with %u", sent,
                 flooder->messages->len, count_code(flooder, "limit"), flooder->close_code);
  g_assert_cmpuint(count_code(flooder, "limit"), >=, 1);
  g_assert_cmpuint(flooder->close_code, ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  guint rate = fixture->config->ws_messages_per_second;
  gint64 elapsed_us = g_get_monotonic_time() - start_us;
  g_assert_cmpuint(count_code(flooder, "wrong-state"), >=, rate * 4);
  g_assert_cmpuint(count_code(flooder, "wrong-state"), <=,
                   rate * 4 + rate * elapsed_us / G_USEC_PER_SEC + 1);
}

/* Thousands of messages a second from one socket: dropped with `limit`, then the socket is
 * closed (1008); another client's call setup is answered meanwhile. */
static void
test_message_flood(HarnessFixture *fixture, gconstpointer data)
{
  HarnessClient *flooder = harness_client_connect(fixture);
  HarnessClient *other = NULL;

  AS_OTHER_CLIENT(fixture, other = harness_client_connect(fixture));
  gint64 start = g_get_monotonic_time();
  guint sent = flood(flooder);
  harness_client_send_join(other, "room-while-flood", "customer", NULL);
  g_assert_nonnull(harness_client_take(other, "welcome"));
  assert_flood_limited(fixture, flooder, sent, start);
  g_assert_false(other->closed);
}

/* The same flood on the connection check (/ws/check): the same per-socket limit answers, and
 * another address's check is served meanwhile. */
static void
test_check_flood(HarnessFixture *fixture, gconstpointer data)
{
  HarnessClient *flooder = harness_client_connect_path(fixture, "/ws/check", NULL);
  HarnessClient *other = NULL;

  harness_client_wait_nth(flooder, "welcome", 0);
  AS_OTHER_CLIENT(fixture, other = harness_client_connect_path(fixture, "/ws/check", NULL));
  gint64 start = g_get_monotonic_time();
  guint sent = flood(flooder);
  g_assert_nonnull(harness_client_wait_nth(other, "welcome", 0));
  g_assert_nonnull(harness_client_wait_nth(other, "offer", 0));
  assert_flood_limited(fixture, flooder, sent, start);
  g_assert_false(other->closed);
}

/* Connections and requests from one address: over its share it gets 429, another address is
 * served, and a closed connection frees its place. */
static void
test_connection_flood(HarnessFixture *fixture, gconstpointer data)
{
  GPtrArray *open = g_ptr_array_new_with_free_func(g_object_unref);
  guint status = 0;

  for (guint i = 0; i < fixture->config->ws_per_address; i++) {
    SoupWebsocketConnection *connection = try_websocket(fixture, &status);
    g_assert_nonnull(connection);
    g_ptr_array_add(open, connection);
  }
  g_assert_null(try_websocket(fixture, &status));
  g_assert_cmpuint(status, ==, 429);
  AS_OTHER_CLIENT(fixture, {
    SoupWebsocketConnection *connection = try_websocket(fixture, &status);
    g_assert_nonnull(connection);
    g_ptr_array_add(open, connection);
  });

  /* One closes: its place is free again. */
  SoupWebsocketConnection *first = open->pdata[0];
  soup_websocket_connection_close(first, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  HARNESS_WAIT_FOR(soup_websocket_connection_get_state(first) == SOUP_WEBSOCKET_STATE_CLOSED);
  harness_run_for(200);
  SoupWebsocketConnection *again = try_websocket(fixture, &status);
  g_assert_nonnull(again);
  g_ptr_array_add(open, again);

  /* Requests: a burst of 4x the rate passes, then 429 with Retry-After. */
  guint ok = 0, limited = 0;
  for (guint i = 0; i < 200 && limited == 0; i++) {
    status = healthz_status(fixture);
    ok += status == 200;
    limited += status == 429;
  }
  g_test_message("%u requests served before the first 429", ok);
  g_assert_cmpuint(limited, ==, 1);
  g_assert_cmpuint(ok, >=, fixture->config->http_requests_per_second * 4 - 1);
  AS_OTHER_CLIENT(fixture, g_assert_cmpuint(healthz_status(fixture), ==, 200));

  for (guint i = 0; i < open->len; i++) {
    if (soup_websocket_connection_get_state(open->pdata[i]) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close(open->pdata[i], SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  }
  harness_run_for(200);
  g_ptr_array_unref(open);
}

/* ---- slow clients ---- */

typedef struct {
  GIOStream *stream; /* the TLS connection, or the plain one */
  GSocketConnection *tcp;
  gboolean handshake_done;
  gboolean closed; /* a read returned end of stream or an error */
  GError *error;
  GString *received;
  GCancellable *cancellable;
  char buffer[256];
} SlowClient;

static void
on_slow_handshake(GObject *source, GAsyncResult *result, gpointer user_data)
{
  SlowClient *client = user_data;

  g_tls_connection_handshake_finish(G_TLS_CONNECTION(source), result, &client->error);
  client->handshake_done = TRUE;
}

static void read_until_closed(SlowClient *client);

static void
on_slow_read(GObject *source, GAsyncResult *result, gpointer user_data)
{
  SlowClient *client = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish(G_INPUT_STREAM(source), result, &error);

  if (n <= 0) {
    client->closed = TRUE;
  } else {
    g_string_append_len(client->received, client->buffer, n);
    read_until_closed(client);
  }
}

static void
read_until_closed(SlowClient *client)
{
  g_input_stream_read_async(g_io_stream_get_input_stream(client->stream), client->buffer,
                            sizeof client->buffer, G_PRIORITY_DEFAULT, client->cancellable,
                            on_slow_read, client);
}

static gboolean
accept_any(GTlsConnection *connection, GTlsCertificate *certificate, GTlsCertificateFlags errors,
           gpointer user_data)
{
  return TRUE;
}

/* A TCP connection to the gateway; with @tls, the TLS handshake done; then @text sent. */
static SlowClient *
slow_client_new(HarnessFixture *fixture, gboolean tls, const char *text)
{
  SlowClient *client = g_new0(SlowClient, 1);
  g_autoptr(GSocketClient) connector = g_socket_client_new();
  g_autoptr(GError) error = NULL;

  client->tcp = g_socket_client_connect_to_host(connector, "127.0.0.1",
                                                gw_server_get_port(fixture->server), NULL, &error);
  g_assert_no_error(error);
  client->stream = g_object_ref(G_IO_STREAM(client->tcp));
  client->received = g_string_new(NULL);
  client->cancellable = g_cancellable_new();
  if (tls) {
    GIOStream *tls_stream = g_tls_client_connection_new(G_IO_STREAM(client->tcp), NULL, &error);
    g_assert_no_error(error);
    g_signal_connect(tls_stream, "accept-certificate", G_CALLBACK(accept_any), NULL);
    g_object_unref(client->stream);
    client->stream = tls_stream;
    g_tls_connection_handshake_async(G_TLS_CONNECTION(tls_stream), G_PRIORITY_DEFAULT, NULL,
                                     on_slow_handshake, client);
    HARNESS_WAIT_FOR(client->handshake_done);
    g_assert_no_error(client->error);
  }
  if (text != NULL) {
    g_output_stream_write_all(g_io_stream_get_output_stream(client->stream), text, strlen(text),
                              NULL, NULL, &error);
    g_assert_no_error(error);
  }
  read_until_closed(client);
  return client;
}

static void
slow_client_free(SlowClient *client)
{
  /* The read in flight ends (cancelled) before the client goes. */
  g_cancellable_cancel(client->cancellable);
  HARNESS_WAIT_FOR(client->closed);
  g_object_unref(client->cancellable);
  g_io_stream_close(client->stream, NULL, NULL);
  g_object_unref(client->stream);
  g_object_unref(client->tcp);
  g_clear_error(&client->error);
  g_string_free(client->received, TRUE);
  g_free(client);
}

/* A half-sent request, a body that never completes and an idle kept-alive connection are
 * closed after request_timeout_seconds; meanwhile others are served at once. */
static void
test_slow_clients(HarnessFixture *fixture, gconstpointer data)
{
  SlowClient *headers = slow_client_new(fixture, TRUE, "GET /healthz HTTP/1.1\r\nHost: x\r\n");
  SlowClient *body = slow_client_new(fixture, TRUE,
                                     "POST /api/v1/login HTTP/1.1\r\nHost: x\r\n"
                                     "Content-Type: application/json\r\n"
                                     "Content-Length: 100\r\n\r\n{\"na");
  SlowClient *idle = slow_client_new(fixture, TRUE, NULL);
  gint64 start = g_get_monotonic_time();

  /* Served while they hang. */
  AS_OTHER_CLIENT(fixture, g_assert_cmpuint(healthz_status(fixture), ==, 200));
  g_assert_false(headers->closed || body->closed);

  HARNESS_WAIT_FOR(headers->closed && body->closed && idle->closed);
  gint64 waited_ms = (g_get_monotonic_time() - start) / 1000;
  /* A figure, not an assertion: the deadline runs from each connection's first byte. */
  g_test_message("slow clients closed %" G_GINT64_FORMAT " ms after they were set up (deadline %u s)",
                 waited_ms, fixture->config->request_timeout_seconds);
  slow_client_free(headers);
  slow_client_free(body);
  slow_client_free(idle);
  g_assert_cmpuint(healthz_status(fixture), ==, 200);
}

/* A TCP connection that never starts TLS: the kernel holds it back for the handshake timeout
 * (TCP_DEFER_ACCEPT), then the gateway closes it after that timeout. */
static void
test_silent_tcp(HarnessFixture *fixture, gconstpointer data)
{
  SlowClient *silent = slow_client_new(fixture, FALSE, NULL);

  HARNESS_WAIT_FOR(silent->closed);
  slow_client_free(silent);
}

/* A body announced larger than any request needs is refused before it is read; so is one
 * without a length. */
static void
test_large_body(HarnessFixture *fixture, gconstpointer data)
{
  SlowClient *big = slow_client_new(fixture, TRUE,
                                    "POST /api/v1/login HTTP/1.1\r\nHost: x\r\n"
                                    "Content-Type: application/json\r\n"
                                    "Content-Length: 100000000\r\n\r\n{\"name\":");
  SlowClient *chunked = slow_client_new(fixture, TRUE,
                                        "POST /api/v1/login HTTP/1.1\r\nHost: x\r\n"
                                        "Content-Type: application/json\r\n"
                                        "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"na\r\n");

  HARNESS_WAIT_FOR(strstr(big->received->str, "\r\n\r\n") != NULL &&
                   strstr(chunked->received->str, "\r\n\r\n") != NULL);
  g_assert_true(g_str_has_prefix(big->received->str, "HTTP/1.1 413"));
  g_assert_true(g_str_has_prefix(chunked->received->str, "HTTP/1.1 411"));
  slow_client_free(big);
  slow_client_free(chunked);
}

/* ---- forged join links ---- */

static char *
forged_link(guint i)
{
  g_autofree char *payload = g_strdup_printf("forged-%u", i);

  return g_strdup_printf("eyJ2IjoxfQ.%s", payload);
}

static char *
invite_link(const char *contact_id)
{
  GwJoinToken token = {.kind = GW_JOIN_TOKEN_INVITE,
                       .contact_id = (char *)contact_id,
                       .journey = "hypotheek",
                       .expires = g_get_real_time() / G_USEC_PER_SEC + 3600};
  return gw_join_token_sign(&token, (const guint8 *)HARNESS_TOKEN_KEY, strlen(HARNESS_TOKEN_KEY));
}

/* Guessing links: after bad_links_per_minute forged ones an address gets 429 (pages) or `limit`
 * (joins), even for a genuine link; another address is unaffected. */
static void
test_forged_links(HarnessFixture *fixture, gconstpointer data)
{
  guint budget = fixture->config->bad_links_per_minute;
  guint status = 0;

  for (guint i = 0; i < budget; i++) {
    g_autofree char *link = forged_link(i);
    g_autofree char *path = g_strdup_printf("/j/%s", link);
    status = harness_http_get(fixture, path, NULL, NULL);
    g_assert_cmpuint(status, !=, 429);
    g_assert_cmpuint(status, >=, 400);
  }
  g_autofree char *last_link = forged_link(budget);
  g_autofree char *one_more = g_strdup_printf("/j/%s", last_link);
  g_assert_cmpuint(harness_http_get(fixture, one_more, NULL, NULL), ==, 429);

  /* The same budget covers joins over the WebSocket, genuine links included. */
  g_autofree char *genuine = invite_link("c-genuine");
  HarnessClient *guesser = harness_client_connect(fixture);
  harness_client_send_join(guesser, "c-genuine", "customer", genuine);
  HARNESS_WAIT_FOR(count_code(guesser, "limit") == 1);
  g_assert_cmpint(harness_client_find(guesser, "welcome"), <, 0);

  /* Another address with the genuine link gets in. */
  HarnessClient *customer = NULL;
  AS_OTHER_CLIENT(fixture, customer = harness_client_connect(fixture));
  harness_client_send_join(customer, "c-genuine", "customer", genuine);
  g_assert_nonnull(harness_client_take(customer, "welcome"));
}

/* A full node: the next customer is told to try again (`capacity`) and the contact is recorded
 * as failed with reason capacity; the call already running is not disturbed. */
static void
test_capacity(HarnessFixture *fixture, gconstpointer data)
{
  g_autofree char *first_link = invite_link("c-first");
  g_autofree char *second_link = invite_link("c-second");
  HarnessClient *first = harness_client_connect(fixture);
  HarnessClient *second = harness_client_connect(fixture);

  harness_client_send_join(first, "c-first", "customer", first_link);
  g_assert_nonnull(harness_client_take(first, "welcome"));
  harness_client_send_join(second, "c-second", "customer", second_link);
  JsonObject *refusal = harness_client_take(second, "error");
  g_assert_cmpstr(json_object_get_string_member(refusal, "code"), ==, "capacity");

  HARNESS_WAIT_FOR(harness_find_event(fixture, GW_CONTACT_FAILED) != NULL);
  HarnessEvent *failed = harness_find_event(fixture, GW_CONTACT_FAILED);
  g_assert_cmpstr(failed->contact_id, ==, "c-second");
  g_assert_cmpstr(failed->reason, ==, "capacity");
  g_assert_cmpuint(harness_count_events(fixture, GW_CONTACT_OFFERED), ==, 2);
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 1);
  g_assert_false(first->closed);
}

typedef struct {
  gboolean done;
} Fetch;

static void
on_fetched(GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fetch *fetch = user_data;
  GBytes *body = soup_session_send_and_read_finish(SOUP_SESSION(source), result, NULL);

  g_clear_pointer(&body, g_bytes_unref);
  fetch->done = TRUE;
}

/* GET /healthz with an X-Forwarded-For header; the status. */
static guint
healthz_forwarded_for(HarnessFixture *fixture, const char *forwarded_for)
{
  g_autofree char *uri = harness_uri(fixture, "https", "/healthz");
  g_autoptr(SoupMessage) msg = soup_message_new("GET", uri);
  Fetch fetch = {0};

  soup_message_headers_replace(soup_message_get_request_headers(msg), "X-Forwarded-For",
                               forwarded_for);
  g_signal_connect(msg, "accept-certificate", G_CALLBACK(harness_accept_certificate), NULL);
  soup_session_send_and_read_async(fixture->session, msg, G_PRIORITY_DEFAULT, NULL, on_fetched,
                                   &fetch);
  HARNESS_WAIT_FOR(fetch.done);
  return soup_message_get_status(msg);
}

/* Requests served before the first 429 (at most 200 tries). */
static guint
served_until_limited(HarnessFixture *fixture, gboolean vary, const char *forwarded_for,
                     gint64 *elapsed_us)
{
  gint64 start = g_get_monotonic_time();
  guint i = 0;

  for (; i < 200; i++) {
    g_autofree char *header =
        vary ? g_strdup_printf("198.51.100.%u", i % 250 + 1) : g_strdup(forwarded_for);
    if (healthz_forwarded_for(fixture, header) == 429)
      break;
  }
  *elapsed_us = g_get_monotonic_time() - start;
  return i;
}

/* What one address may get in @elapsed_us: the burst and the refill meanwhile. */
static guint
budget(HarnessFixture *fixture, gint64 elapsed_us)
{
  guint rate = fixture->config->http_requests_per_second;

  return rate * 4 + (guint)(rate * elapsed_us / G_USEC_PER_SEC) + 1;
}

/* Behind a trusted proxy each forwarded client has its own budget; a client that is not a
 * trusted proxy cannot escape its own by writing X-Forwarded-For. */
static void
test_trusted_proxy(HarnessFixture *fixture, gconstpointer data)
{
  gint64 elapsed_us = 0;
  guint served;

  /* Not a trusted proxy: a new made-up address on every request changes nothing. */
  served = served_until_limited(fixture, TRUE, NULL, &elapsed_us);
  g_test_message("untrusted peer with varying X-Forwarded-For: %u served before 429", served);
  g_assert_cmpuint(served, <, 200);
  g_assert_cmpuint(served, <=, budget(fixture, elapsed_us));

  /* The proxy: one forwarded client runs out, the next is served, the proxy itself too. */
  AS_OTHER_CLIENT(fixture, {
    served = served_until_limited(fixture, FALSE, "198.51.100.1", &elapsed_us);
    g_assert_cmpuint(served, <, 200);
    g_assert_cmpuint(served, <=, budget(fixture, elapsed_us));
    g_assert_cmpuint(healthz_forwarded_for(fixture, "198.51.100.2"), ==, 200);
    g_assert_cmpuint(healthz_forwarded_for(fixture, "203.0.113.5, 198.51.100.3"), ==, 200);
    g_assert_cmpuint(healthz_status(fixture), ==, 200);
  });
}

int
main(int argc, char **argv)
{
  harness_init(&argc, &argv);
#define ADD(path, func) g_test_add(path, HarnessFixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD("/abuse/malformed", test_malformed);
  ADD("/abuse/oversized", test_oversized);
  ADD("/abuse/message-flood", test_message_flood);
  ADD("/abuse/check-flood", test_check_flood);
  ADD("/abuse/connection-flood", test_connection_flood);
  ADD("/abuse/slow-clients", test_slow_clients);
  ADD("/abuse/silent-tcp", test_silent_tcp);
  ADD("/abuse/large-body", test_large_body);
  ADD("/abuse/forged-links", test_forged_links);
  g_test_add("/abuse/capacity", HarnessFixture, GUINT_TO_POINTER(1), fixture_set_up, test_capacity,
             fixture_tear_down);
  g_test_add("/abuse/trusted-proxy", HarnessFixture, GUINT_TO_POINTER(2), fixture_set_up,
             test_trusted_proxy, fixture_tear_down);
#undef ADD
  return harness_finish(g_test_run());
}
