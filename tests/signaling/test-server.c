/* SPDX-License-Identifier: Apache-2.0 */
/* Integration tests for signaling/server: real HTTPS and WSS on 127.0.0.1, in-process. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "harness.h"
#include "signaling/server.h"
#include "signaling/tls-cert.h"

/* Small enough to test both size limits cheaply. */
#define TEST_WS_MAX_MESSAGE 4096

static void
fixture_set_up(HarnessFixture *fixture, gconstpointer data)
{
  GwConfig *config = harness_fixture_prepare(fixture, "balie-server-XXXXXX");
  const char *web = config->web_root;
  g_autofree char *sub = g_build_filename(web, "sub", NULL);

  g_assert_cmpint(g_mkdir_with_parents(sub, 0700), ==, 0);
  harness_write_file(web, "index.html", "<!doctype html><title>Balie</title>");
  harness_write_file(web, "app.js", "export const x = 1;\n");
  harness_write_file(web, "style.css", "body { color: black; }\n");
  harness_write_file(web, ".hidden", "hidden");
  harness_write_file(sub, "index.html", "<!doctype html><title>sub</title>");
  harness_write_file(fixture->dir, "secret.txt", "SECRET");
  g_autofree char *link = g_build_filename(web, "link.txt", NULL);
  g_autofree char *secret = g_build_filename(fixture->dir, "secret.txt", NULL);
  g_assert_cmpint(symlink(secret, link), ==, 0);

  config->tls = TRUE;
  config->ws_max_message = TEST_WS_MAX_MESSAGE;
  config->max_participants = 2;
  harness_fixture_start(fixture);
}

static void
fixture_tear_down(HarnessFixture *fixture, gconstpointer data)
{
  harness_fixture_close_clients(fixture);
  /* Every room is gone once every socket is: nothing leaks into the next test. */
  g_assert_cmpuint(gw_server_get_participant_count(fixture->server), ==, 0);
  harness_fixture_tear_down(fixture);
}

/* ---- HTTP ---- */

static void
assert_security_headers(SoupMessage *msg)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers(msg);

  g_assert_cmpstr(soup_message_headers_get_one(headers, "X-Content-Type-Options"), ==, "nosniff");
  g_assert_cmpstr(soup_message_headers_get_one(headers, "Referrer-Policy"), ==, "no-referrer");
  const char *csp = soup_message_headers_get_one(headers, "Content-Security-Policy");
  g_assert_nonnull(csp);
  g_assert_nonnull(strstr(csp, "default-src 'self'"));
  g_assert_nonnull(strstr(csp, "media-src 'self' blob:"));
  g_assert_nonnull(strstr(csp, "wss:"));
}

/* Fetches /healthz and checks its shape; returns the rooms count. */
static gint64
healthz_rooms(HarnessFixture *fixture, gint64 *participants)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(SoupMessage) msg = harness_http_request(fixture, "GET", "/healthz", &body);

  g_assert_cmpuint(soup_message_get_status(msg), ==, SOUP_STATUS_OK);
  g_assert_cmpstr(
      soup_message_headers_get_content_type(soup_message_get_response_headers(msg), NULL), ==,
      "application/json");
  gsize length = 0;
  const char *data = g_bytes_get_data(body, &length);
  g_autoptr(JsonObject) object = harness_parse_object(data, length);
  g_assert_cmpstr(json_object_get_string_member(object, "status"), ==, "ok");
  g_assert_cmpstr(json_object_get_string_member(object, "version"), ==, BALIE_VERSION);
  if (participants != NULL)
    *participants = json_object_get_int_member(object, "participants");
  return json_object_get_int_member(object, "rooms");
}

static void
test_healthz(HarnessFixture *fixture, gconstpointer data)
{
  gint64 participants = -1;

  g_assert_cmpint(healthz_rooms(fixture, &participants), ==, 0);
  g_assert_cmpint(participants, ==, 0);

  g_autoptr(GBytes) body = NULL;
  g_autoptr(SoupMessage) msg = harness_http_request(fixture, "GET", "/healthz", &body);
  assert_security_headers(msg);
  g_autoptr(GBytes) body2 = NULL;
  g_autoptr(SoupMessage) post = harness_http_request(fixture, "POST", "/healthz", &body2);
  g_assert_cmpuint(soup_message_get_status(post), ==, SOUP_STATUS_METHOD_NOT_ALLOWED);
}

static void
assert_get(HarnessFixture *fixture, const char *path, const char *content_type,
           const char *contents)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(SoupMessage) msg = harness_http_request(fixture, "GET", path, &body);
  SoupMessageHeaders *headers = soup_message_get_response_headers(msg);

  g_assert_cmpuint(soup_message_get_status(msg), ==, SOUP_STATUS_OK);
  g_assert_cmpstr(soup_message_headers_get_one(headers, "Content-Type"), ==, content_type);
  g_assert_cmpstr(soup_message_headers_get_one(headers, "Cache-Control"), ==, "no-cache");
  assert_security_headers(msg);
  gsize length = 0;
  const char *data = g_bytes_get_data(body, &length);
  g_assert_cmpmem(data, length, contents, strlen(contents));
}

static void
test_static(HarnessFixture *fixture, gconstpointer data)
{
  assert_get(fixture, "/", "text/html; charset=utf-8", "<!doctype html><title>Balie</title>");
  assert_get(fixture, "/index.html", "text/html; charset=utf-8",
             "<!doctype html><title>Balie</title>");
  assert_get(fixture, "/app.js", "text/javascript; charset=utf-8", "export const x = 1;\n");
  assert_get(fixture, "/style.css", "text/css; charset=utf-8", "body { color: black; }\n");
  assert_get(fixture, "/sub/", "text/html; charset=utf-8", "<!doctype html><title>sub</title>");
  assert_get(fixture, "/%61pp.js", "text/javascript; charset=utf-8", "export const x = 1;\n");

  g_autoptr(GBytes) head_body = NULL;
  g_autoptr(SoupMessage) head = harness_http_request(fixture, "HEAD", "/style.css", &head_body);
  g_assert_cmpuint(soup_message_get_status(head), ==, SOUP_STATUS_OK);
  g_assert_cmpuint(g_bytes_get_size(head_body), ==, 0);

  const char *missing[] = {"/nope.html", "/.hidden", "/link.txt", "/sub/nope"};
  for (guint i = 0; i < G_N_ELEMENTS(missing); i++) {
    g_autoptr(GBytes) body = NULL;
    g_autoptr(SoupMessage) msg = harness_http_request(fixture, "GET", missing[i], &body);
    g_assert_cmpuint(soup_message_get_status(msg), ==, SOUP_STATUS_NOT_FOUND);
    assert_security_headers(msg);
  }

  g_autoptr(GBytes) post_body = NULL;
  g_autoptr(SoupMessage) post = harness_http_request(fixture, "POST", "/index.html", &post_body);
  g_assert_cmpuint(soup_message_get_status(post), ==, SOUP_STATUS_METHOD_NOT_ALLOWED);
}

/* ---- raw HTTPS, for paths a well-behaved client would normalise away ---- */

typedef struct {
  gboolean done;
  GSocketConnection *connection;
  gssize count;
  GError *error;
} RawResult;

static void
on_raw_event(GSocketClient *client, GSocketClientEvent event, GSocketConnectable *connectable,
             GIOStream *connection, gpointer user_data)
{
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING)
    g_signal_connect(connection, "accept-certificate", G_CALLBACK(harness_accept_certificate),
                     NULL);
}

static void
on_raw_connected(GObject *source, GAsyncResult *result, gpointer user_data)
{
  RawResult *raw = user_data;

  raw->connection = g_socket_client_connect_finish(G_SOCKET_CLIENT(source), result, &raw->error);
  raw->done = TRUE;
}

static void
on_raw_written(GObject *source, GAsyncResult *result, gpointer user_data)
{
  RawResult *raw = user_data;
  gsize written = 0;

  g_output_stream_write_all_finish(G_OUTPUT_STREAM(source), result, &written, &raw->error);
  raw->count = (gssize)written;
  raw->done = TRUE;
}

static void
on_raw_read(GObject *source, GAsyncResult *result, gpointer user_data)
{
  RawResult *raw = user_data;

  raw->count = g_input_stream_read_finish(G_INPUT_STREAM(source), result, &raw->error);
  raw->done = TRUE;
}

/* Sends "GET @path" byte for byte; returns the status code of the reply. */
static guint
raw_get_status(HarnessFixture *fixture, const char *path)
{
  g_autoptr(GSocketClient) client = g_socket_client_new();
  RawResult raw = {0};

  g_socket_client_set_tls(client, TRUE);
  g_signal_connect(client, "event", G_CALLBACK(on_raw_event), NULL);
  g_socket_client_connect_to_host_async(client, "127.0.0.1", gw_server_get_port(fixture->server),
                                        NULL, on_raw_connected, &raw);
  HARNESS_WAIT_FOR(raw.done);
  g_assert_no_error(raw.error);
  g_autoptr(GSocketConnection) connection = raw.connection;

  g_autofree char *request =
      g_strdup_printf("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
  raw.done = FALSE;
  g_output_stream_write_all_async(g_io_stream_get_output_stream(G_IO_STREAM(connection)), request,
                                  strlen(request), G_PRIORITY_DEFAULT, NULL, on_raw_written, &raw);
  HARNESS_WAIT_FOR(raw.done);
  g_assert_no_error(raw.error);

  char reply[512] = "";
  gsize have = 0;
  while (have < sizeof reply - 1 && strstr(reply, "\r\n") == NULL) {
    raw.done = FALSE;
    g_input_stream_read_async(g_io_stream_get_input_stream(G_IO_STREAM(connection)), reply + have,
                              sizeof reply - 1 - have, G_PRIORITY_DEFAULT, NULL, on_raw_read, &raw);
    HARNESS_WAIT_FOR(raw.done);
    g_assert_no_error(raw.error);
    if (raw.count <= 0)
      break;
    have += (gsize)raw.count;
    reply[have] = '\0';
  }
  g_io_stream_close(G_IO_STREAM(connection), NULL, NULL);
  g_assert_true(g_str_has_prefix(reply, "HTTP/1.1 "));
  g_assert_false(strstr(reply, "SECRET") != NULL);
  return (guint)g_ascii_strtoull(reply + strlen("HTTP/1.1 "), NULL, 10);
}

static void
test_traversal(HarnessFixture *fixture, gconstpointer data)
{
  const char *paths[] = {
      "/../secret.txt",     "/sub/../../secret.txt",
      "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt",
      "/..%2fsecret.txt",   "/sub/%2e%2e/%2e%2e/secret.txt",
      "/..\\secret.txt",    "/%00index.html",
      "/index.html%00.js",  "//etc/passwd",
      "/link.txt",          "/.hidden",
  };

  for (guint i = 0; i < G_N_ELEMENTS(paths); i++) {
    guint status = raw_get_status(fixture, paths[i]);
    if (status != SOUP_STATUS_NOT_FOUND && status != SOUP_STATUS_FORBIDDEN &&
        status != SOUP_STATUS_BAD_REQUEST)
      g_error("%s answered %u", paths[i], status);
  }
  /* The raw client itself works. */
  g_assert_cmpuint(raw_get_status(fixture, "/app.js"), ==, SOUP_STATUS_OK);
}

/* ---- WebSocket clients ---- */

/* Waits for an `error` and checks its code and ref. */
static void
client_wait_error(HarnessClient *client, const char *code, const char *ref)
{
  JsonObject *error = harness_client_take(client, "error");

  g_assert_cmpstr(json_object_get_string_member(error, "code"), ==, code);
  g_assert_cmpstr(json_object_get_string_member_with_default(error, "ref", NULL), ==, ref);
  g_assert_cmpuint(strlen(json_object_get_string_member(error, "message")), >, 0);
}

static void
assert_no_message(HarnessClient *client, const char *type)
{
  g_assert_cmpint(harness_client_find(client, type), <, 0);
}

static char *
join_json(const char *room, const char *role, const char *name)
{
  return g_strdup_printf("{\"type\":\"join\",\"v\":1,\"room\":\"%s\",\"role\":\"%s\","
                         "\"name\":\"%s\"}",
                         room, role, name);
}

/* Joins and returns the peer id from `welcome`. */
static char *
client_join(HarnessClient *client, const char *room, const char *role, const char *name,
            guint expected_others)
{
  g_autofree char *json = join_json(room, role, name);

  harness_client_send(client, json);
  JsonObject *welcome = harness_client_take(client, "welcome");
  g_assert_cmpint(json_object_get_int_member(welcome, "v"), ==, 1);
  g_assert_cmpstr(json_object_get_string_member(welcome, "room"), ==, room);
  g_assert_cmpstr(json_object_get_string_member(welcome, "role"), ==, role);
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(welcome, "participants")), ==,
                   expected_others);
  const char *peer = json_object_get_string_member(welcome, "peer");
  g_assert_true(g_str_has_prefix(peer, "p"));
  g_assert_cmpuint(strlen(peer), ==, 9);
  return g_strdup(peer);
}

/* The `peer` of the offer's first track of @kind, @source and @direction, or NULL. */
static const char *
find_track(JsonObject *offer, const char *kind, const char *source, const char *direction)
{
  JsonArray *tracks = json_object_get_array_member(offer, "tracks");

  for (guint i = 0; i < json_array_get_length(tracks); i++) {
    JsonObject *track = json_array_get_object_element(tracks, i);
    if (g_strcmp0(json_object_get_string_member(track, "kind"), kind) == 0 &&
        g_strcmp0(json_object_get_string_member(track, "source"), source) == 0 &&
        g_strcmp0(json_object_get_string_member(track, "direction"), direction) == 0)
      return json_object_get_string_member(track, "peer");
  }
  return NULL;
}

static gboolean
has_track(JsonObject *offer, const char *kind, const char *source, const char *direction)
{
  return find_track(offer, kind, source, direction) != NULL;
}

/* The first offer: send slots for audio and camera, attributed to @peer itself. */
static void
assert_first_offer(HarnessClient *client, const char *peer)
{
  JsonObject *offer = harness_client_take(client, "offer");
  JsonArray *tracks = json_object_get_array_member(offer, "tracks");

  g_assert_true(g_str_has_prefix(json_object_get_string_member(offer, "sdp"), "v=0"));
  g_assert_true(has_track(offer, "audio", "audio", "send"));
  g_assert_true(has_track(offer, "video", "camera", "send"));
  for (guint i = 0; i < json_array_get_length(tracks); i++) {
    JsonObject *track = json_array_get_object_element(tracks, i);
    g_assert_cmpint(json_object_get_int_member(track, "mline"), ==, i);
    g_assert_nonnull(json_object_get_string_member(track, "mid"));
    if (g_strcmp0(json_object_get_string_member(track, "direction"), "send") == 0)
      g_assert_cmpstr(json_object_get_string_member(track, "peer"), ==, peer);
  }
}

/* ---- WebSocket tests that need no media ---- */

static void
test_ws_refusals(HarnessFixture *fixture, gconstpointer data)
{
  HarnessClient *client = harness_client_connect(fixture);

  harness_client_send(client, "this is not json");
  client_wait_error(client, "bad-json", NULL);
  /* The connection still works after a refusal. */
  harness_client_send(client, "{\"type\":\"nope\"}");
  client_wait_error(client, "unknown-type", "nope");
  harness_client_send(client, "{\"type\":\"chat\",\"text\":\"hallo\"}");
  client_wait_error(client, "wrong-state", "chat");
  harness_client_send(client, "{\"type\":\"hangup\"}");
  client_wait_error(client, "wrong-state", "hangup");
  harness_client_send(client, "{\"type\":\"join\",\"v\":2,\"room\":\"r\",\"role\":\"customer\"}");
  client_wait_error(client, "unsupported-version", "join");
  harness_client_send(client,
                      "{\"type\":\"join\",\"v\":1,\"room\":\"no spaces\",\"role\":\"customer\"}");
  client_wait_error(client, "bad-field", "join");
  harness_client_send(client, "{\"type\":\"join\",\"v\":1,\"room\":\"r\",\"role\":\"boss\"}");
  client_wait_error(client, "bad-field", "join");
  harness_client_send(client, "[1,2,3]");
  client_wait_error(client, "bad-json", NULL);

  GBytes *binary = g_bytes_new_static("\x01\x02", 2);
  soup_websocket_connection_send_message(client->connection, SOUP_WEBSOCKET_DATA_BINARY, binary);
  g_bytes_unref(binary);
  client_wait_error(client, "bad-json", NULL);

  /* Over the limit but under 4×: refused, the socket stays. */
  g_autofree char *padding = g_strnfill(TEST_WS_MAX_MESSAGE, ' ');
  g_autofree char *large = g_strdup_printf("{\"type\":\"chat\",\"text\":\"x\"%s}", padding);
  harness_client_send(client, large);
  client_wait_error(client, "too-large", NULL);
  harness_client_send(client, "{\"type\":\"nope\"}");
  client_wait_error(client, "unknown-type", "nope");
  g_assert_false(client->closed);
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 0);

  /* Past 4× the limit the socket goes. libsoup 3.2 drops the connection
   * without sending its 1009 close frame, so the client may only see an
   * abnormal close. */
  g_autofree char *huge_padding = g_strnfill(TEST_WS_MAX_MESSAGE * 4 + 1, ' ');
  g_autofree char *huge = g_strdup_printf("{\"type\":\"chat\",\"text\":\"x\"%s}", huge_padding);
  harness_client_send(client, huge);
  HARNESS_WAIT_FOR(client->closed);
  g_assert_true(client->close_code == SOUP_WEBSOCKET_CLOSE_TOO_BIG || client->close_code == 0 ||
                client->close_code == SOUP_WEBSOCKET_CLOSE_ABNORMAL);
  g_assert_false(harness_client_find(client, "error") >= 0);
}

static void
test_plain_http_ws(HarnessFixture *fixture, gconstpointer data)
{
  /* A GET on /ws without an upgrade is an HTTP error, not a crash. */
  g_autoptr(GBytes) body = NULL;
  g_autoptr(SoupMessage) msg = harness_http_request(fixture, "GET", "/ws", &body);
  g_assert_cmpuint(soup_message_get_status(msg), >=, 400);
}

/* ---- WebSocket tests with real media rooms (webrtcbin) ---- */

static void
test_join_and_offer(HarnessFixture *fixture, gconstpointer data)
{
  HarnessClient *a = harness_client_connect(fixture);
  g_autofree char *peer_a = client_join(a, "kamer-1", "customer", "Anna", 0);

  assert_first_offer(a, peer_a);
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 1);
  g_assert_cmpuint(gw_server_get_participant_count(fixture->server), ==, 1);
  gint64 participants = 0;
  g_assert_cmpint(healthz_rooms(fixture, &participants), ==, 1);
  g_assert_cmpint(participants, ==, 1);

  /* join needs state `new`. */
  g_autofree char *again = join_json("kamer-2", "customer", "Anna");
  harness_client_send(a, again);
  client_wait_error(a, "wrong-state", "join");
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 1);

  /* A garbage answer is refused by the media room; the call goes on. */
  harness_client_send(a, "{\"type\":\"answer\",\"sdp\":\"this is no sdp\"}");
  JsonObject *error = harness_client_take(a, "error");
  g_assert_cmpstr(json_object_get_string_member(error, "ref"), ==, "answer");
  g_assert_cmpstr(json_object_get_string_member(error, "code"), ==, "bad-sdp");
  /* End of candidates is accepted silently. */
  harness_client_send(a, "{\"type\":\"ice\",\"mline\":0,\"candidate\":\"\"}");
  harness_client_send(a, "{\"type\":\"nope\"}");
  client_wait_error(a, "unknown-type", "nope");
  assert_no_message(a, "error");
}

static void
test_candidate_limit(HarnessFixture *fixture, gconstpointer data)
{
  fixture->config->max_candidates = 2;
  HarnessClient *a = harness_client_connect(fixture);
  g_autofree char *peer_a = client_join(a, "kandidaten", "customer", "Anna", 0);
  assert_first_offer(a, peer_a);

  for (guint i = 0; i < 3; i++) {
    g_autofree char *ice = g_strdup_printf(
        "{\"type\":\"ice\",\"mline\":0,\"candidate\":\"candidate:%u 1 UDP 2122252543 "
        "127.0.0.1 %u typ host\"}",
        i + 1, 40000 + i);
    harness_client_send(a, ice);
  }
  client_wait_error(a, "limit", "ice");
  harness_run_for(100);
  assert_no_message(a, "error");
}

static void
test_room_full(HarnessFixture *fixture, gconstpointer data)
{
  HarnessClient *a = harness_client_connect(fixture);
  HarnessClient *b = harness_client_connect(fixture);
  HarnessClient *c = harness_client_connect(fixture);
  g_autofree char *peer_a = client_join(a, "vol", "advisor", "Dokter Bos", 0);
  assert_first_offer(a, peer_a);
  g_autofree char *peer_b = client_join(b, "vol", "customer", "Bert", 1);

  JsonObject *joined = harness_client_take(a, "participant-joined");
  g_assert_cmpstr(json_object_get_string_member(joined, "peer"), ==, peer_b);
  g_assert_cmpstr(json_object_get_string_member(joined, "role"), ==, "customer");
  g_assert_cmpstr(json_object_get_string_member(joined, "name"), ==, "Bert");
  /* B's offer sends its own camera and receives A's. */
  JsonObject *offer_b = harness_client_take(b, "offer");
  g_assert_true(g_str_has_prefix(json_object_get_string_member(offer_b, "sdp"), "v=0"));
  g_assert_true(has_track(offer_b, "audio", "audio", "send"));
  g_assert_true(has_track(offer_b, "video", "camera", "send"));
  g_assert_cmpstr(find_track(offer_b, "video", "camera", "recv"), ==, peer_a);
  g_assert_cmpstr(find_track(offer_b, "audio", "audio", "recv"), ==, peer_a);
  /* (A's re-offer with B's tracks waits for A's answer to its first offer,
   * which needs a real browser: tests/e2e covers it.) */

  g_autofree char *join_c = join_json("vol", "customer", "Cor");
  harness_client_send(c, join_c);
  client_wait_error(c, "room-full", "join");
  g_assert_cmpuint(gw_server_get_participant_count(fixture->server), ==, 2);
  /* C is still `new` and can join another room. */
  g_free(client_join(c, "ander", "customer", "Cor", 0));
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 2);
}

static void
test_welcome_lists_others(HarnessFixture *fixture, gconstpointer data)
{
  HarnessClient *a = harness_client_connect(fixture);
  HarnessClient *b = harness_client_connect(fixture);
  g_autofree char *peer_a = client_join(a, "r", "advisor", "  Dokter Bos ", 0);

  g_autofree char *json = join_json("r", "customer", "Bert");
  harness_client_send(b, json);
  JsonObject *welcome = harness_client_take(b, "welcome");
  JsonArray *participants = json_object_get_array_member(welcome, "participants");
  g_assert_cmpuint(json_array_get_length(participants), ==, 1);
  JsonObject *first = json_array_get_object_element(participants, 0);
  g_assert_cmpstr(json_object_get_string_member(first, "peer"), ==, peer_a);
  g_assert_cmpstr(json_object_get_string_member(first, "role"), ==, "advisor");
  g_assert_cmpstr(json_object_get_string_member(first, "name"), ==, "Dokter Bos");
}

static void
test_capacity(HarnessFixture *fixture, gconstpointer data)
{
  fixture->config->max_rooms = 1;
  HarnessClient *a = harness_client_connect(fixture);
  HarnessClient *b = harness_client_connect(fixture);
  g_free(client_join(a, "een", "customer", "A", 0));

  g_autofree char *json = join_json("twee", "customer", "B");
  harness_client_send(b, json);
  client_wait_error(b, "capacity", "join");
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 1);
  /* Joining the open room still works. */
  g_free(client_join(b, "een", "customer", "B", 1));
}

/* A and B in one room, each past welcome. */
static void
join_pair(HarnessFixture *fixture, HarnessClient **a, HarnessClient **b, char **peer_a,
          char **peer_b)
{
  *a = harness_client_connect(fixture);
  *b = harness_client_connect(fixture);
  *peer_a = client_join(*a, "paar", "advisor", "Anna", 0);
  *peer_b = client_join(*b, "paar", "customer", "Bert", 1);
  harness_client_take(*a, "participant-joined");
}

static void
test_chat(HarnessFixture *fixture, gconstpointer data)
{
  HarnessClient *a, *b;
  g_autofree char *peer_a = NULL;
  g_autofree char *peer_b = NULL;

  join_pair(fixture, &a, &b, &peer_a, &peer_b);
  gint64 before = g_get_real_time() / 1000;
  harness_client_send(a, "{\"type\":\"chat\",\"text\":\"  Goedemiddag!  \"}");
  HarnessClient *both[] = {a, b};
  for (guint i = 0; i < G_N_ELEMENTS(both); i++) {
    JsonObject *chat = harness_client_take(both[i], "chat");
    g_assert_cmpstr(json_object_get_string_member(chat, "peer"), ==, peer_a);
    g_assert_cmpstr(json_object_get_string_member(chat, "name"), ==, "Anna");
    g_assert_cmpstr(json_object_get_string_member(chat, "text"), ==, "Goedemiddag!");
    gint64 ts = json_object_get_int_member(chat, "ts");
    g_assert_cmpint(ts, >=, before);
    g_assert_cmpint(ts, <=, g_get_real_time() / 1000);
  }

  harness_client_send(b, "{\"type\":\"mute\",\"audio\":true,\"video\":false}");
  JsonObject *mute = harness_client_take(a, "mute");
  g_assert_cmpstr(json_object_get_string_member(mute, "peer"), ==, peer_b);
  g_assert_true(json_object_get_boolean_member(mute, "audio"));
  g_assert_false(json_object_get_boolean_member(mute, "video"));

  harness_client_send(b, "{\"type\":\"chat\",\"text\":\" \\n \"}");
  client_wait_error(b, "bad-field", "chat");
}

static void
test_screen(HarnessFixture *fixture, gconstpointer data)
{
  HarnessClient *a, *b;
  g_autofree char *peer_a = NULL;
  g_autofree char *peer_b = NULL;

  join_pair(fixture, &a, &b, &peer_a, &peer_b);
  harness_client_send(a, "{\"type\":\"screen\",\"action\":\"start\"}");
  JsonObject *screen = harness_client_take(b, "screen");
  g_assert_cmpstr(json_object_get_string_member(screen, "peer"), ==, peer_a);
  g_assert_cmpstr(json_object_get_string_member(screen, "action"), ==, "start");
  /* (The offers with screen slots follow once both have answered, which needs
   * a real browser: tests/e2e covers them.) */
  harness_client_send(a, "{\"type\":\"screen\",\"action\":\"stop\"}");
  screen = harness_client_take(b, "screen");
  g_assert_cmpstr(json_object_get_string_member(screen, "action"), ==, "stop");
  harness_run_for(100);
  assert_no_message(a, "screen");
}

static void
test_hangup(HarnessFixture *fixture, gconstpointer data)
{
  HarnessClient *a, *b;
  g_autofree char *peer_a = NULL;
  g_autofree char *peer_b = NULL;

  join_pair(fixture, &a, &b, &peer_a, &peer_b);
  g_assert_cmpint(healthz_rooms(fixture, NULL), ==, 1);
  harness_client_send(b, "{\"type\":\"hangup\"}");
  HarnessClient *both[] = {a, b};
  for (guint i = 0; i < G_N_ELEMENTS(both); i++) {
    JsonObject *ended = harness_client_take(both[i], "ended");
    g_assert_cmpstr(json_object_get_string_member(ended, "reason"), ==, "hangup");
    g_assert_cmpstr(json_object_get_string_member(ended, "by"), ==, peer_b);
    HARNESS_WAIT_FOR(both[i]->closed);
    g_assert_cmpuint(both[i]->close_code, ==, SOUP_WEBSOCKET_CLOSE_NORMAL);
    assert_no_message(both[i], "participant-left");
  }
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 0);
  gint64 participants = -1;
  g_assert_cmpint(healthz_rooms(fixture, &participants), ==, 0);
  g_assert_cmpint(participants, ==, 0);

  /* The room id is free again. */
  HarnessClient *c = harness_client_connect(fixture);
  g_free(client_join(c, "paar", "customer", "Cor", 0));
}

static void
test_disconnect(HarnessFixture *fixture, gconstpointer data)
{
  HarnessClient *a, *b;
  g_autofree char *peer_a = NULL;
  g_autofree char *peer_b = NULL;

  join_pair(fixture, &a, &b, &peer_a, &peer_b);
  /* Drop A's TCP connection without a close frame. */
  g_io_stream_close(soup_websocket_connection_get_io_stream(a->connection), NULL, NULL);
  JsonObject *left = harness_client_take(b, "participant-left");
  g_assert_cmpstr(json_object_get_string_member(left, "peer"), ==, peer_a);
  g_assert_cmpstr(json_object_get_string_member(left, "reason"), ==, "disconnected");
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 1);
  g_assert_cmpuint(gw_server_get_participant_count(fixture->server), ==, 1);
  g_assert_false(b->closed);

  /* The room goes when its last participant does. */
  soup_websocket_connection_close(b->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  HARNESS_WAIT_FOR(gw_server_get_room_count(fixture->server) == 0);
  g_assert_cmpint(healthz_rooms(fixture, NULL), ==, 0);
}

static void
test_server_free_closes(HarnessFixture *fixture, gconstpointer data)
{
  HarnessClient *a = harness_client_connect(fixture);
  g_free(client_join(a, "stop", "customer", "A", 0));
  HarnessClient *idle = harness_client_connect(fixture);

  gw_server_free(fixture->server);
  HARNESS_WAIT_FOR(a->closed && idle->closed);
  g_assert_cmpuint(a->close_code, ==, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  g_assert_cmpuint(idle->close_code, ==, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);

  /* A fresh server for the tear-down. */
  g_autoptr(GError) error = NULL;
  fixture->server = gw_server_new(fixture->config, &error);
  g_assert_no_error(error);
}

static void
test_bad_certificate(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwConfig) config = gw_config_new_default();

  g_free(config->tls_cert_file);
  config->tls_cert_file = g_strdup("/nonexistent/cert.pem");
  g_free(config->tls_key_file);
  config->tls_key_file = g_strdup("/nonexistent/key.pem");
  g_free(config->listen_address);
  config->listen_address = g_strdup("127.0.0.1");
  config->port = 0;
  g_assert_null(gw_server_new(config, &error));
  g_assert_error(error, GW_SERVER_ERROR, GW_SERVER_ERROR_TLS);
}

static void
test_plain_http(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwConfig) config = gw_config_new_default();

  config->tls = FALSE;
  g_free(config->listen_address);
  config->listen_address = g_strdup("127.0.0.1");
  config->port = 0;
  GwServer *server = gw_server_new(config, &error);
  g_assert_no_error(error);
  guint port = gw_server_get_port(server);
  g_assert_cmpuint(port, >, 0);

  /* A second server on the same port cannot listen. */
  config->port = port;
  g_autoptr(GError) listen_error = NULL;
  g_assert_null(gw_server_new(config, &listen_error));
  g_assert_error(listen_error, GW_SERVER_ERROR, GW_SERVER_ERROR_LISTEN);
  gw_server_free(server);
}

int
main(int argc, char **argv)
{
  harness_init(&argc, &argv);

#define ADD(path, func)                                                                            \
  g_test_add(path, HarnessFixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD("/server/http/healthz", test_healthz);
  ADD("/server/http/static", test_static);
  ADD("/server/http/traversal", test_traversal);
  ADD("/server/http/ws-without-upgrade", test_plain_http_ws);
  ADD("/server/ws/refusals", test_ws_refusals);
  ADD("/server/ws/join-and-offer", test_join_and_offer);
  ADD("/server/ws/welcome-lists-others", test_welcome_lists_others);
  ADD("/server/ws/candidate-limit", test_candidate_limit);
  ADD("/server/ws/room-full", test_room_full);
  ADD("/server/ws/capacity", test_capacity);
  ADD("/server/ws/chat-and-mute", test_chat);
  ADD("/server/ws/screen", test_screen);
  ADD("/server/ws/hangup", test_hangup);
  ADD("/server/ws/disconnect", test_disconnect);
  ADD("/server/ws/server-free", test_server_free_closes);
#undef ADD
  g_test_add_func("/server/bad-certificate", test_bad_certificate);
  g_test_add_func("/server/plain-http", test_plain_http);

  return harness_finish(g_test_run());
}
