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
#include "signaling/server.h"
#include "signaling/tls-cert.h"

/* Every wait has a deadline; webrtcbin under ASan can take a few seconds to offer. */
#define WAIT_MS 20000
/* Small enough to test both size limits cheaply. */
#define TEST_WS_MAX_MESSAGE 4096

#define WAIT_FOR(cond)                                                                             \
  G_STMT_START                                                                                     \
  {                                                                                                \
    gint64 wait_deadline_ = g_get_monotonic_time() + WAIT_MS * G_TIME_SPAN_MILLISECOND;            \
    while (!(cond)) {                                                                              \
      if (g_get_monotonic_time() > wait_deadline_)                                                 \
        g_error("%s:%d: timed out waiting for %s", __FILE__, __LINE__, #cond);                     \
      if (!g_main_context_iteration(NULL, FALSE))                                                  \
        g_usleep(1000);                                                                            \
    }                                                                                              \
  }                                                                                                \
  G_STMT_END

/* Lets the main loop run for @ms whatever happens (to prove something did not). */
static void
run_for(guint ms)
{
  gint64 end = g_get_monotonic_time() + ms * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time() < end) {
    if (!g_main_context_iteration(NULL, FALSE))
      g_usleep(1000);
  }
}

typedef struct {
  char *dir;
  GwConfig *config;
  GwServer *server;
  SoupSession *session;
  GPtrArray *clients;
} Fixture;

typedef struct {
  SoupWebsocketConnection *connection;
  GPtrArray *messages; /* JsonObject, in arrival order */
  GArray *consumed;    /* gboolean per message */
  gboolean closed;
  gushort close_code;
} Client;

static void
write_file(const char *dir, const char *name, const char *contents)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents(path, contents, -1, &error);
  g_assert_no_error(error);
}

static void
fixture_set_up(Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp("balie-server-XXXXXX", &error);
  g_assert_no_error(error);
  g_autofree char *web = g_build_filename(fixture->dir, "web", NULL);
  g_autofree char *sub = g_build_filename(web, "sub", NULL);
  g_assert_cmpint(g_mkdir_with_parents(sub, 0700), ==, 0);
  write_file(web, "index.html", "<!doctype html><title>Balie</title>");
  write_file(web, "app.js", "export const x = 1;\n");
  write_file(web, "style.css", "body { color: black; }\n");
  write_file(web, ".hidden", "hidden");
  write_file(sub, "index.html", "<!doctype html><title>sub</title>");
  write_file(fixture->dir, "secret.txt", "SECRET");
  g_autofree char *link = g_build_filename(web, "link.txt", NULL);
  g_autofree char *secret = g_build_filename(fixture->dir, "secret.txt", NULL);
  g_assert_cmpint(symlink(secret, link), ==, 0);

  GwConfig *config = gw_config_new_default();
  g_free(config->listen_address);
  config->listen_address = g_strdup("127.0.0.1");
  config->port = 0;
  config->tls = TRUE;
  g_free(config->data_dir);
  config->data_dir = g_strdup(fixture->dir);
  g_free(config->tls_cert_file);
  config->tls_cert_file = g_build_filename(fixture->dir, "tls", "cert.pem", NULL);
  g_free(config->tls_key_file);
  config->tls_key_file = g_build_filename(fixture->dir, "tls", "key.pem", NULL);
  g_free(config->web_root);
  config->web_root = g_strdup(web);
  config->ws_max_message = TEST_WS_MAX_MESSAGE;
  config->max_participants = 2;
  fixture->config = config;

  g_assert_true(gw_tls_cert_ensure(config->tls_cert_file, config->tls_key_file, NULL, &error));
  g_assert_no_error(error);
  fixture->server = gw_server_new(config, &error);
  g_assert_no_error(error);
  g_assert_nonnull(fixture->server);
  g_assert_cmpuint(gw_server_get_port(fixture->server), >, 0);

  fixture->session = soup_session_new();
  fixture->clients = g_ptr_array_new();
}

static void
client_free(Client *client)
{
  g_signal_handlers_disconnect_matched(client->connection, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL,
                                       client);
  g_object_unref(client->connection);
  g_ptr_array_unref(client->messages);
  g_array_unref(client->consumed);
  g_free(client);
}

static void
remove_tree(const char *path)
{
  if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;
    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
      g_autofree char *child = g_build_filename(path, name, NULL);
      remove_tree(child);
    }
    g_rmdir(path);
  } else {
    g_unlink(path);
  }
}

static void
fixture_tear_down(Fixture *fixture, gconstpointer data)
{
  for (guint i = 0; i < fixture->clients->len; i++) {
    Client *client = g_ptr_array_index(fixture->clients, i);
    if (soup_websocket_connection_get_state(client->connection) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close(client->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  }
  for (guint i = 0; i < fixture->clients->len; i++) {
    Client *client = g_ptr_array_index(fixture->clients, i);
    WAIT_FOR(client->closed);
  }
  /* Every room is gone once every socket is: nothing leaks into the next test. */
  WAIT_FOR(gw_server_get_room_count(fixture->server) == 0);
  g_assert_cmpuint(gw_server_get_participant_count(fixture->server), ==, 0);
  for (guint i = 0; i < fixture->clients->len; i++)
    client_free(g_ptr_array_index(fixture->clients, i));
  g_ptr_array_unref(fixture->clients);
  gw_server_free(fixture->server);
  soup_session_abort(fixture->session);
  g_object_unref(fixture->session);
  run_for(50);
  gw_config_unref(fixture->config);
  remove_tree(fixture->dir);
  g_free(fixture->dir);
}

static gboolean
accept_certificate(SoupMessage *msg, GTlsCertificate *certificate, GTlsCertificateFlags errors,
                   gpointer user_data)
{
  return TRUE;
}

static char *
make_uri(Fixture *fixture, const char *scheme, const char *path)
{
  return g_strdup_printf("%s://127.0.0.1:%u%s", scheme, gw_server_get_port(fixture->server), path);
}

/* ---- HTTP ---- */

typedef struct {
  gboolean done;
  GBytes *body;
  GError *error;
} HttpResult;

static void
on_http_read(GObject *source, GAsyncResult *result, gpointer user_data)
{
  HttpResult *http = user_data;

  http->body = soup_session_send_and_read_finish(SOUP_SESSION(source), result, &http->error);
  http->done = TRUE;
}

/* Returns the message (for status and headers); @body gets the response body. */
static SoupMessage *
http_request(Fixture *fixture, const char *method, const char *path, GBytes **body)
{
  g_autofree char *uri = make_uri(fixture, "https", path);
  SoupMessage *msg = soup_message_new(method, uri);
  HttpResult http = {0};

  g_assert_nonnull(msg);
  g_signal_connect(msg, "accept-certificate", G_CALLBACK(accept_certificate), NULL);
  soup_session_send_and_read_async(fixture->session, msg, G_PRIORITY_DEFAULT, NULL, on_http_read,
                                   &http);
  WAIT_FOR(http.done);
  g_assert_no_error(http.error);
  *body = http.body;
  return msg;
}

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

static JsonObject *
parse_object(const char *data, gsize length)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data(parser, data, (gssize)length, &error);
  g_assert_no_error(error);
  g_assert_true(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)));
  return json_object_ref(json_node_get_object(json_parser_get_root(parser)));
}

/* Fetches /healthz and checks its shape; returns the rooms count. */
static gint64
healthz_rooms(Fixture *fixture, gint64 *participants)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(SoupMessage) msg = http_request(fixture, "GET", "/healthz", &body);

  g_assert_cmpuint(soup_message_get_status(msg), ==, SOUP_STATUS_OK);
  g_assert_cmpstr(
      soup_message_headers_get_content_type(soup_message_get_response_headers(msg), NULL), ==,
      "application/json");
  gsize length = 0;
  const char *data = g_bytes_get_data(body, &length);
  g_autoptr(JsonObject) object = parse_object(data, length);
  g_assert_cmpstr(json_object_get_string_member(object, "status"), ==, "ok");
  g_assert_cmpstr(json_object_get_string_member(object, "version"), ==, BALIE_VERSION);
  if (participants != NULL)
    *participants = json_object_get_int_member(object, "participants");
  return json_object_get_int_member(object, "rooms");
}

static void
test_healthz(Fixture *fixture, gconstpointer data)
{
  gint64 participants = -1;

  g_assert_cmpint(healthz_rooms(fixture, &participants), ==, 0);
  g_assert_cmpint(participants, ==, 0);

  g_autoptr(GBytes) body = NULL;
  g_autoptr(SoupMessage) msg = http_request(fixture, "GET", "/healthz", &body);
  assert_security_headers(msg);
  g_autoptr(GBytes) body2 = NULL;
  g_autoptr(SoupMessage) post = http_request(fixture, "POST", "/healthz", &body2);
  g_assert_cmpuint(soup_message_get_status(post), ==, SOUP_STATUS_METHOD_NOT_ALLOWED);
}

static void
assert_get(Fixture *fixture, const char *path, const char *content_type, const char *contents)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(SoupMessage) msg = http_request(fixture, "GET", path, &body);
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
test_static(Fixture *fixture, gconstpointer data)
{
  assert_get(fixture, "/", "text/html; charset=utf-8", "<!doctype html><title>Balie</title>");
  assert_get(fixture, "/index.html", "text/html; charset=utf-8",
             "<!doctype html><title>Balie</title>");
  assert_get(fixture, "/app.js", "text/javascript; charset=utf-8", "export const x = 1;\n");
  assert_get(fixture, "/style.css", "text/css; charset=utf-8", "body { color: black; }\n");
  assert_get(fixture, "/sub/", "text/html; charset=utf-8", "<!doctype html><title>sub</title>");
  assert_get(fixture, "/%61pp.js", "text/javascript; charset=utf-8", "export const x = 1;\n");

  g_autoptr(GBytes) head_body = NULL;
  g_autoptr(SoupMessage) head = http_request(fixture, "HEAD", "/style.css", &head_body);
  g_assert_cmpuint(soup_message_get_status(head), ==, SOUP_STATUS_OK);
  g_assert_cmpuint(g_bytes_get_size(head_body), ==, 0);

  const char *missing[] = {"/nope.html", "/.hidden", "/link.txt", "/sub/nope"};
  for (guint i = 0; i < G_N_ELEMENTS(missing); i++) {
    g_autoptr(GBytes) body = NULL;
    g_autoptr(SoupMessage) msg = http_request(fixture, "GET", missing[i], &body);
    g_assert_cmpuint(soup_message_get_status(msg), ==, SOUP_STATUS_NOT_FOUND);
    assert_security_headers(msg);
  }

  g_autoptr(GBytes) post_body = NULL;
  g_autoptr(SoupMessage) post = http_request(fixture, "POST", "/index.html", &post_body);
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
    g_signal_connect(connection, "accept-certificate", G_CALLBACK(accept_certificate), NULL);
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
raw_get_status(Fixture *fixture, const char *path)
{
  g_autoptr(GSocketClient) client = g_socket_client_new();
  RawResult raw = {0};

  g_socket_client_set_tls(client, TRUE);
  g_signal_connect(client, "event", G_CALLBACK(on_raw_event), NULL);
  g_socket_client_connect_to_host_async(client, "127.0.0.1", gw_server_get_port(fixture->server),
                                        NULL, on_raw_connected, &raw);
  WAIT_FOR(raw.done);
  g_assert_no_error(raw.error);
  g_autoptr(GSocketConnection) connection = raw.connection;

  g_autofree char *request =
      g_strdup_printf("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
  raw.done = FALSE;
  g_output_stream_write_all_async(g_io_stream_get_output_stream(G_IO_STREAM(connection)), request,
                                  strlen(request), G_PRIORITY_DEFAULT, NULL, on_raw_written, &raw);
  WAIT_FOR(raw.done);
  g_assert_no_error(raw.error);

  char reply[512] = "";
  gsize have = 0;
  while (have < sizeof reply - 1 && strstr(reply, "\r\n") == NULL) {
    raw.done = FALSE;
    g_input_stream_read_async(g_io_stream_get_input_stream(G_IO_STREAM(connection)), reply + have,
                              sizeof reply - 1 - have, G_PRIORITY_DEFAULT, NULL, on_raw_read, &raw);
    WAIT_FOR(raw.done);
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
test_traversal(Fixture *fixture, gconstpointer data)
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

static void
on_client_message(SoupWebsocketConnection *connection, gint type, GBytes *message,
                  gpointer user_data)
{
  Client *client = user_data;
  gsize length = 0;
  const char *data = g_bytes_get_data(message, &length);
  gboolean consumed = FALSE;

  g_assert_cmpint(type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  g_ptr_array_add(client->messages, parse_object(data, length));
  g_array_append_val(client->consumed, consumed);
}

static void
on_client_closed(SoupWebsocketConnection *connection, gpointer user_data)
{
  Client *client = user_data;

  client->closed = TRUE;
  client->close_code = soup_websocket_connection_get_close_code(connection);
}

typedef struct {
  gboolean done;
  SoupWebsocketConnection *connection;
  GError *error;
} ConnectResult;

static void
on_websocket_connected(GObject *source, GAsyncResult *result, gpointer user_data)
{
  ConnectResult *connect = user_data;

  connect->connection =
      soup_session_websocket_connect_finish(SOUP_SESSION(source), result, &connect->error);
  connect->done = TRUE;
}

static Client *
client_connect(Fixture *fixture)
{
  g_autofree char *uri = make_uri(fixture, "wss", "/ws");
  g_autoptr(SoupMessage) msg = soup_message_new("GET", uri);
  ConnectResult connect = {0};

  g_signal_connect(msg, "accept-certificate", G_CALLBACK(accept_certificate), NULL);
  soup_session_websocket_connect_async(fixture->session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                       on_websocket_connected, &connect);
  WAIT_FOR(connect.done);
  g_assert_no_error(connect.error);

  Client *client = g_new0(Client, 1);
  client->connection = connect.connection;
  client->messages = g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);
  client->consumed = g_array_new(FALSE, TRUE, sizeof(gboolean));
  g_signal_connect(client->connection, "message", G_CALLBACK(on_client_message), client);
  g_signal_connect(client->connection, "closed", G_CALLBACK(on_client_closed), client);
  g_ptr_array_add(fixture->clients, client);
  return client;
}

static void
client_send(Client *client, const char *json)
{
  soup_websocket_connection_send_text(client->connection, json);
}

/* Index of the first unconsumed message of @type, or -1. */
static gint
client_find(Client *client, const char *type)
{
  for (guint i = 0; i < client->messages->len; i++) {
    JsonObject *object = g_ptr_array_index(client->messages, i);
    if (!g_array_index(client->consumed, gboolean, i) &&
        g_strcmp0(json_object_get_string_member_with_default(object, "type", ""), type) == 0)
      return (gint)i;
  }
  return -1;
}

/* Waits for the next message of @type (others stay queued) and consumes it. (transfer none) */
static JsonObject *
client_wait(Client *client, const char *type)
{
  WAIT_FOR(client_find(client, type) >= 0);
  gint index = client_find(client, type);
  g_array_index(client->consumed, gboolean, index) = TRUE;
  return g_ptr_array_index(client->messages, index);
}

/* Waits for an `error` and checks its code and ref. */
static void
client_wait_error(Client *client, const char *code, const char *ref)
{
  JsonObject *error = client_wait(client, "error");

  g_assert_cmpstr(json_object_get_string_member(error, "code"), ==, code);
  g_assert_cmpstr(json_object_get_string_member_with_default(error, "ref", NULL), ==, ref);
  g_assert_cmpuint(strlen(json_object_get_string_member(error, "message")), >, 0);
}

static void
assert_no_message(Client *client, const char *type)
{
  g_assert_cmpint(client_find(client, type), <, 0);
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
client_join(Client *client, const char *room, const char *role, const char *name,
            guint expected_others)
{
  g_autofree char *json = join_json(room, role, name);

  client_send(client, json);
  JsonObject *welcome = client_wait(client, "welcome");
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
assert_first_offer(Client *client, const char *peer)
{
  JsonObject *offer = client_wait(client, "offer");
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
test_ws_refusals(Fixture *fixture, gconstpointer data)
{
  Client *client = client_connect(fixture);

  client_send(client, "this is not json");
  client_wait_error(client, "bad-json", NULL);
  /* The connection still works after a refusal. */
  client_send(client, "{\"type\":\"nope\"}");
  client_wait_error(client, "unknown-type", "nope");
  client_send(client, "{\"type\":\"chat\",\"text\":\"hallo\"}");
  client_wait_error(client, "wrong-state", "chat");
  client_send(client, "{\"type\":\"hangup\"}");
  client_wait_error(client, "wrong-state", "hangup");
  client_send(client, "{\"type\":\"join\",\"v\":2,\"room\":\"r\",\"role\":\"customer\"}");
  client_wait_error(client, "unsupported-version", "join");
  client_send(client, "{\"type\":\"join\",\"v\":1,\"room\":\"no spaces\",\"role\":\"customer\"}");
  client_wait_error(client, "bad-field", "join");
  client_send(client, "{\"type\":\"join\",\"v\":1,\"room\":\"r\",\"role\":\"boss\"}");
  client_wait_error(client, "bad-field", "join");
  client_send(client, "[1,2,3]");
  client_wait_error(client, "bad-json", NULL);

  GBytes *binary = g_bytes_new_static("\x01\x02", 2);
  soup_websocket_connection_send_message(client->connection, SOUP_WEBSOCKET_DATA_BINARY, binary);
  g_bytes_unref(binary);
  client_wait_error(client, "bad-json", NULL);

  /* Over the limit but under 4×: refused, the socket stays. */
  g_autofree char *padding = g_strnfill(TEST_WS_MAX_MESSAGE, ' ');
  g_autofree char *large = g_strdup_printf("{\"type\":\"chat\",\"text\":\"x\"%s}", padding);
  client_send(client, large);
  client_wait_error(client, "too-large", NULL);
  client_send(client, "{\"type\":\"nope\"}");
  client_wait_error(client, "unknown-type", "nope");
  g_assert_false(client->closed);
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 0);

  /* Past 4× the limit the socket goes. libsoup 3.2 drops the connection
   * without sending its 1009 close frame, so the client may only see an
   * abnormal close. */
  g_autofree char *huge_padding = g_strnfill(TEST_WS_MAX_MESSAGE * 4 + 1, ' ');
  g_autofree char *huge = g_strdup_printf("{\"type\":\"chat\",\"text\":\"x\"%s}", huge_padding);
  client_send(client, huge);
  WAIT_FOR(client->closed);
  g_assert_true(client->close_code == SOUP_WEBSOCKET_CLOSE_TOO_BIG || client->close_code == 0 ||
                client->close_code == SOUP_WEBSOCKET_CLOSE_ABNORMAL);
  g_assert_false(client_find(client, "error") >= 0);
}

static void
test_plain_http_ws(Fixture *fixture, gconstpointer data)
{
  /* A GET on /ws without an upgrade is an HTTP error, not a crash. */
  g_autoptr(GBytes) body = NULL;
  g_autoptr(SoupMessage) msg = http_request(fixture, "GET", "/ws", &body);
  g_assert_cmpuint(soup_message_get_status(msg), >=, 400);
}

/* ---- WebSocket tests with real media rooms (webrtcbin) ---- */

static void
test_join_and_offer(Fixture *fixture, gconstpointer data)
{
  Client *a = client_connect(fixture);
  g_autofree char *peer_a = client_join(a, "kamer-1", "customer", "Anna", 0);

  assert_first_offer(a, peer_a);
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 1);
  g_assert_cmpuint(gw_server_get_participant_count(fixture->server), ==, 1);
  gint64 participants = 0;
  g_assert_cmpint(healthz_rooms(fixture, &participants), ==, 1);
  g_assert_cmpint(participants, ==, 1);

  /* join needs state `new`. */
  g_autofree char *again = join_json("kamer-2", "customer", "Anna");
  client_send(a, again);
  client_wait_error(a, "wrong-state", "join");
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 1);

  /* A garbage answer is refused by the media room; the call goes on. */
  client_send(a, "{\"type\":\"answer\",\"sdp\":\"this is no sdp\"}");
  JsonObject *error = client_wait(a, "error");
  g_assert_cmpstr(json_object_get_string_member(error, "ref"), ==, "answer");
  g_assert_cmpstr(json_object_get_string_member(error, "code"), ==, "bad-sdp");
  /* End of candidates is accepted silently. */
  client_send(a, "{\"type\":\"ice\",\"mline\":0,\"candidate\":\"\"}");
  client_send(a, "{\"type\":\"nope\"}");
  client_wait_error(a, "unknown-type", "nope");
  assert_no_message(a, "error");
}

static void
test_candidate_limit(Fixture *fixture, gconstpointer data)
{
  fixture->config->max_candidates = 2;
  Client *a = client_connect(fixture);
  g_autofree char *peer_a = client_join(a, "kandidaten", "customer", "Anna", 0);
  assert_first_offer(a, peer_a);

  for (guint i = 0; i < 3; i++) {
    g_autofree char *ice = g_strdup_printf(
        "{\"type\":\"ice\",\"mline\":0,\"candidate\":\"candidate:%u 1 UDP 2122252543 "
        "127.0.0.1 %u typ host\"}",
        i + 1, 40000 + i);
    client_send(a, ice);
  }
  client_wait_error(a, "limit", "ice");
  run_for(100);
  assert_no_message(a, "error");
}

static void
test_room_full(Fixture *fixture, gconstpointer data)
{
  Client *a = client_connect(fixture);
  Client *b = client_connect(fixture);
  Client *c = client_connect(fixture);
  g_autofree char *peer_a = client_join(a, "vol", "advisor", "Dokter Bos", 0);
  assert_first_offer(a, peer_a);
  g_autofree char *peer_b = client_join(b, "vol", "customer", "Bert", 1);

  JsonObject *joined = client_wait(a, "participant-joined");
  g_assert_cmpstr(json_object_get_string_member(joined, "peer"), ==, peer_b);
  g_assert_cmpstr(json_object_get_string_member(joined, "role"), ==, "customer");
  g_assert_cmpstr(json_object_get_string_member(joined, "name"), ==, "Bert");
  /* B's offer sends its own camera and receives A's. */
  JsonObject *offer_b = client_wait(b, "offer");
  g_assert_true(g_str_has_prefix(json_object_get_string_member(offer_b, "sdp"), "v=0"));
  g_assert_true(has_track(offer_b, "audio", "audio", "send"));
  g_assert_true(has_track(offer_b, "video", "camera", "send"));
  g_assert_cmpstr(find_track(offer_b, "video", "camera", "recv"), ==, peer_a);
  g_assert_cmpstr(find_track(offer_b, "audio", "audio", "recv"), ==, peer_a);
  /* (A's re-offer with B's tracks waits for A's answer to its first offer,
   * which needs a real browser: tests/e2e covers it.) */

  g_autofree char *join_c = join_json("vol", "customer", "Cor");
  client_send(c, join_c);
  client_wait_error(c, "room-full", "join");
  g_assert_cmpuint(gw_server_get_participant_count(fixture->server), ==, 2);
  /* C is still `new` and can join another room. */
  g_free(client_join(c, "ander", "customer", "Cor", 0));
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 2);
}

static void
test_welcome_lists_others(Fixture *fixture, gconstpointer data)
{
  Client *a = client_connect(fixture);
  Client *b = client_connect(fixture);
  g_autofree char *peer_a = client_join(a, "r", "advisor", "  Dokter Bos ", 0);

  g_autofree char *json = join_json("r", "customer", "Bert");
  client_send(b, json);
  JsonObject *welcome = client_wait(b, "welcome");
  JsonArray *participants = json_object_get_array_member(welcome, "participants");
  g_assert_cmpuint(json_array_get_length(participants), ==, 1);
  JsonObject *first = json_array_get_object_element(participants, 0);
  g_assert_cmpstr(json_object_get_string_member(first, "peer"), ==, peer_a);
  g_assert_cmpstr(json_object_get_string_member(first, "role"), ==, "advisor");
  g_assert_cmpstr(json_object_get_string_member(first, "name"), ==, "Dokter Bos");
}

static void
test_capacity(Fixture *fixture, gconstpointer data)
{
  fixture->config->max_rooms = 1;
  Client *a = client_connect(fixture);
  Client *b = client_connect(fixture);
  g_free(client_join(a, "een", "customer", "A", 0));

  g_autofree char *json = join_json("twee", "customer", "B");
  client_send(b, json);
  client_wait_error(b, "capacity", "join");
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 1);
  /* Joining the open room still works. */
  g_free(client_join(b, "een", "customer", "B", 1));
}

/* A and B in one room, each past welcome. */
static void
join_pair(Fixture *fixture, Client **a, Client **b, char **peer_a, char **peer_b)
{
  *a = client_connect(fixture);
  *b = client_connect(fixture);
  *peer_a = client_join(*a, "paar", "advisor", "Anna", 0);
  *peer_b = client_join(*b, "paar", "customer", "Bert", 1);
  client_wait(*a, "participant-joined");
}

static void
test_chat(Fixture *fixture, gconstpointer data)
{
  Client *a, *b;
  g_autofree char *peer_a = NULL;
  g_autofree char *peer_b = NULL;

  join_pair(fixture, &a, &b, &peer_a, &peer_b);
  gint64 before = g_get_real_time() / 1000;
  client_send(a, "{\"type\":\"chat\",\"text\":\"  Goedemiddag!  \"}");
  Client *both[] = {a, b};
  for (guint i = 0; i < G_N_ELEMENTS(both); i++) {
    JsonObject *chat = client_wait(both[i], "chat");
    g_assert_cmpstr(json_object_get_string_member(chat, "peer"), ==, peer_a);
    g_assert_cmpstr(json_object_get_string_member(chat, "name"), ==, "Anna");
    g_assert_cmpstr(json_object_get_string_member(chat, "text"), ==, "Goedemiddag!");
    gint64 ts = json_object_get_int_member(chat, "ts");
    g_assert_cmpint(ts, >=, before);
    g_assert_cmpint(ts, <=, g_get_real_time() / 1000);
  }

  client_send(b, "{\"type\":\"mute\",\"audio\":true,\"video\":false}");
  JsonObject *mute = client_wait(a, "mute");
  g_assert_cmpstr(json_object_get_string_member(mute, "peer"), ==, peer_b);
  g_assert_true(json_object_get_boolean_member(mute, "audio"));
  g_assert_false(json_object_get_boolean_member(mute, "video"));

  client_send(b, "{\"type\":\"chat\",\"text\":\" \\n \"}");
  client_wait_error(b, "bad-field", "chat");
}

static void
test_screen(Fixture *fixture, gconstpointer data)
{
  Client *a, *b;
  g_autofree char *peer_a = NULL;
  g_autofree char *peer_b = NULL;

  join_pair(fixture, &a, &b, &peer_a, &peer_b);
  client_send(a, "{\"type\":\"screen\",\"action\":\"start\"}");
  JsonObject *screen = client_wait(b, "screen");
  g_assert_cmpstr(json_object_get_string_member(screen, "peer"), ==, peer_a);
  g_assert_cmpstr(json_object_get_string_member(screen, "action"), ==, "start");
  /* (The offers with screen slots follow once both have answered, which needs
   * a real browser: tests/e2e covers them.) */
  client_send(a, "{\"type\":\"screen\",\"action\":\"stop\"}");
  screen = client_wait(b, "screen");
  g_assert_cmpstr(json_object_get_string_member(screen, "action"), ==, "stop");
  run_for(100);
  assert_no_message(a, "screen");
}

static void
test_hangup(Fixture *fixture, gconstpointer data)
{
  Client *a, *b;
  g_autofree char *peer_a = NULL;
  g_autofree char *peer_b = NULL;

  join_pair(fixture, &a, &b, &peer_a, &peer_b);
  g_assert_cmpint(healthz_rooms(fixture, NULL), ==, 1);
  client_send(b, "{\"type\":\"hangup\"}");
  Client *both[] = {a, b};
  for (guint i = 0; i < G_N_ELEMENTS(both); i++) {
    JsonObject *ended = client_wait(both[i], "ended");
    g_assert_cmpstr(json_object_get_string_member(ended, "reason"), ==, "hangup");
    g_assert_cmpstr(json_object_get_string_member(ended, "by"), ==, peer_b);
    WAIT_FOR(both[i]->closed);
    g_assert_cmpuint(both[i]->close_code, ==, SOUP_WEBSOCKET_CLOSE_NORMAL);
    assert_no_message(both[i], "participant-left");
  }
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 0);
  gint64 participants = -1;
  g_assert_cmpint(healthz_rooms(fixture, &participants), ==, 0);
  g_assert_cmpint(participants, ==, 0);

  /* The room id is free again. */
  Client *c = client_connect(fixture);
  g_free(client_join(c, "paar", "customer", "Cor", 0));
}

static void
test_disconnect(Fixture *fixture, gconstpointer data)
{
  Client *a, *b;
  g_autofree char *peer_a = NULL;
  g_autofree char *peer_b = NULL;

  join_pair(fixture, &a, &b, &peer_a, &peer_b);
  /* Drop A's TCP connection without a close frame. */
  g_io_stream_close(soup_websocket_connection_get_io_stream(a->connection), NULL, NULL);
  JsonObject *left = client_wait(b, "participant-left");
  g_assert_cmpstr(json_object_get_string_member(left, "peer"), ==, peer_a);
  g_assert_cmpstr(json_object_get_string_member(left, "reason"), ==, "disconnected");
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 1);
  g_assert_cmpuint(gw_server_get_participant_count(fixture->server), ==, 1);
  g_assert_false(b->closed);

  /* The room goes when its last participant does. */
  soup_websocket_connection_close(b->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  WAIT_FOR(gw_server_get_room_count(fixture->server) == 0);
  g_assert_cmpint(healthz_rooms(fixture, NULL), ==, 0);
}

static void
test_server_free_closes(Fixture *fixture, gconstpointer data)
{
  Client *a = client_connect(fixture);
  g_free(client_join(a, "stop", "customer", "A", 0));
  Client *idle = client_connect(fixture);

  gw_server_free(fixture->server);
  WAIT_FOR(a->closed && idle->closed);
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
  g_test_init(&argc, &argv, NULL);
  gst_init(&argc, &argv);

#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
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

  int status = g_test_run();
  gst_deinit();
  /* Idle GTask threads keep gnutls' thread-local state, which trips LSan's
   * thread scan (GCC 12 on glibc 2.36); let them exit first. */
  g_usleep(G_USEC_PER_SEC * 6 / 10); /* a shared pool's thread idles 0.5 s before it is unused */
  g_thread_pool_set_max_unused_threads(0);
  g_thread_pool_stop_unused_threads();
  g_usleep(100 * 1000);
  return status;
}
