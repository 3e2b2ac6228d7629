/* SPDX-License-Identifier: Apache-2.0 */
/* Shared harness for the signaling integration tests (see harness.h). */
#include "harness.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <string.h>

#include "signaling/tls-cert.h"
#include "signaling/user-store.h"

/* ---- process ---- */

/**
 * harness_init:
 * @argc: (inout): main()'s argument count
 * @argv: (inout): main()'s arguments
 *
 * Initialises GStreamer and the GLib test framework.
 */
void
harness_init(int *argc, char ***argv)
{
  gst_init(argc, argv);
  g_test_init(argc, argv, NULL);
}

/**
 * harness_finish:
 * @status: what g_test_run() returned
 *
 * Deinitialises GStreamer and lets idle GTask threads exit: they keep gnutls' thread-local state,
 * which trips LSan's thread scan (GCC 12 on glibc 2.36).
 *
 * Returns: @status, for main() to return
 */
int
harness_finish(int status)
{
  gst_deinit();
  g_usleep(G_USEC_PER_SEC * 6 / 10); /* a shared pool's thread idles 0.5 s before it is unused */
  g_thread_pool_set_max_unused_threads(0);
  g_thread_pool_stop_unused_threads();
  g_usleep(100 * 1000);
  return status;
}

/* ---- main loop and files ---- */

/**
 * harness_run_for:
 * @ms: how long, in milliseconds
 *
 * Lets the main loop run for @ms whatever happens (to prove something did not).
 */
void
harness_run_for(guint ms)
{
  gint64 end = g_get_monotonic_time() + ms * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time() < end) {
    if (!g_main_context_iteration(NULL, FALSE))
      g_usleep(1000);
  }
}

/**
 * harness_write_file:
 * @dir: an existing directory
 * @name: the file's name in @dir
 * @contents: a string to write
 *
 * Writes @contents to @dir/@name; asserts it worked.
 */
void
harness_write_file(const char *dir, const char *name, const char *contents)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents(path, contents, -1, &error);
  g_assert_no_error(error);
}

/**
 * harness_remove_tree:
 * @path: a file or directory
 *
 * Removes @path and, for a directory, everything under it; symlinks are not followed.
 */
void
harness_remove_tree(const char *path)
{
  if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;
    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
      g_autofree char *child = g_build_filename(path, name, NULL);
      harness_remove_tree(child);
    }
    g_rmdir(path);
  } else {
    g_unlink(path);
  }
}

/**
 * harness_parse_object:
 * @data: JSON text
 * @length: its length in bytes
 *
 * Parses @data, asserting it is a JSON object.
 *
 * Returns: (transfer full): the object
 */
JsonObject *
harness_parse_object(const char *data, gsize length)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;

  g_assert_true(json_parser_load_from_data(parser, data, (gssize)length, &error));
  g_assert_no_error(error);
  g_assert_true(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)));
  return json_object_ref(json_node_get_object(json_parser_get_root(parser)));
}

/**
 * harness_accept_certificate:
 * @msg: (nullable): the message, or whatever emitted "accept-certificate"
 * @certificate: the peer's certificate
 * @errors: what is wrong with it
 * @user_data: unused
 *
 * An "accept-certificate" handler that trusts the test server's self-signed certificate.
 *
 * Returns: %TRUE
 */
gboolean
harness_accept_certificate(SoupMessage *msg, GTlsCertificate *certificate,
                           GTlsCertificateFlags errors, gpointer user_data)
{
  return TRUE;
}

/* ---- fixture ---- */

/**
 * harness_fixture_prepare:
 * @fixture: a zeroed fixture
 * @dir_template: a g_dir_make_tmp() template
 *
 * Makes the fixture's data directory, with an empty `web` directory, and a configuration for a
 * TLS server on 127.0.0.1 and an ephemeral port that uses them. Adjust the configuration, then
 * call harness_fixture_start().
 *
 * Returns: (transfer none): the configuration, owned by @fixture
 */
GwConfig *
harness_fixture_prepare(HarnessFixture *fixture, const char *dir_template)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp(dir_template, &error);
  g_assert_no_error(error);
  g_autofree char *web = g_build_filename(fixture->dir, "web", NULL);
  g_assert_cmpint(g_mkdir_with_parents(web, 0700), ==, 0);

  GwConfig *config = gw_config_new_default();
  g_free(config->listen_address);
  config->listen_address = g_strdup("127.0.0.1");
  config->port = 0;
  g_free(config->data_dir);
  config->data_dir = g_strdup(fixture->dir);
  g_free(config->tls_cert_file);
  config->tls_cert_file = g_build_filename(fixture->dir, "tls", "cert.pem", NULL);
  g_free(config->tls_key_file);
  config->tls_key_file = g_build_filename(fixture->dir, "tls", "key.pem", NULL);
  g_free(config->web_root);
  config->web_root = g_strdup(web);
  /* Rooms close as soon as they are empty unless a test asks for a grace period. */
  config->rejoin_grace_seconds = 0;
  /* Most tests open plain rooms by name; test-link-only.c turns rooms.link_only back on. */
  config->link_only = FALSE;
  fixture->config = config;
  return config;
}

/**
 * harness_fixture_set_token_key:
 * @fixture: a prepared fixture
 *
 * Writes %HARNESS_TOKEN_KEY to `token.key` in the data directory and configures it as the
 * join-token key.
 */
void
harness_fixture_set_token_key(HarnessFixture *fixture)
{
  g_autoptr(GError) error = NULL;
  GwConfig *config = fixture->config;

  config->token_key_file = g_build_filename(fixture->dir, "token.key", NULL);
  g_file_set_contents_full(config->token_key_file, HARNESS_TOKEN_KEY "\n", -1,
                           G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error);
  g_assert_no_error(error);
}

/**
 * harness_fixture_start:
 * @fixture: a prepared fixture
 *
 * Makes the TLS certificate, starts the server and opens the client session.
 */
void
harness_fixture_start(HarnessFixture *fixture)
{
  g_autoptr(GError) error = NULL;
  GwConfig *config = fixture->config;

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
event_free(gpointer p)
{
  HarnessEvent *event = p;

  g_free(event->contact_id);
  g_free(event->journey);
  g_free(event->reason);
  g_free(event->ended_by);
  g_free(event->attrs);
  g_free(event->advisor_ref);
  g_free(event);
}

static void
record(gpointer sink_data, const GwContactEvent *in, GwContactRecorded done, gpointer done_data)
{
  HarnessFixture *fixture = sink_data;
  HarnessEvent *event = g_new0(HarnessEvent, 1);

  event->type = in->type;
  event->contact_id = g_strdup(in->contact_id);
  event->journey = g_strdup(in->journey);
  event->reason = g_strdup(in->reason);
  event->ended_by = g_strdup(in->ended_by);
  event->attrs = g_strdup(in->attrs_json);
  event->advisor_ref = g_strdup(in->advisor_ref);
  event->wait_ms = in->wait_ms;
  g_ptr_array_add(fixture->events, event);
  if (done != NULL)
    done(NULL, done_data);
}

/**
 * harness_fixture_record_events:
 * @fixture: a started fixture
 *
 * Installs a contact sink that records every event in @fixture->events.
 */
void
harness_fixture_record_events(HarnessFixture *fixture)
{
  fixture->events = g_ptr_array_new_with_free_func(event_free);
  GwContactSink sink = {record, fixture};
  gw_server_set_contact_sink(fixture->server, &sink);
}

/**
 * harness_find_event:
 * @fixture: a fixture recording events
 * @type: an event type
 *
 * Returns: (transfer none) (nullable): the first recorded event of @type
 */
HarnessEvent *
harness_find_event(HarnessFixture *fixture, GwContactEventType type)
{
  for (guint i = 0; i < fixture->events->len; i++) {
    HarnessEvent *event = g_ptr_array_index(fixture->events, i);
    if (event->type == type)
      return event;
  }
  return NULL;
}

/**
 * harness_count_events:
 * @fixture: a fixture recording events
 * @type: an event type
 *
 * Returns: how many events of @type were recorded
 */
guint
harness_count_events(HarnessFixture *fixture, GwContactEventType type)
{
  guint n = 0;

  for (guint i = 0; i < fixture->events->len; i++)
    n += ((HarnessEvent *)g_ptr_array_index(fixture->events, i))->type == type;
  return n;
}

/**
 * harness_fixture_close_clients:
 * @fixture: a started fixture
 *
 * Closes every client socket still open, waits until all are closed and until the server has no
 * room left, so nothing leaks into the next test.
 */
void
harness_fixture_close_clients(HarnessFixture *fixture)
{
  for (guint i = 0; i < fixture->clients->len; i++) {
    HarnessClient *client = g_ptr_array_index(fixture->clients, i);
    if (soup_websocket_connection_get_state(client->connection) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close(client->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  }
  for (guint i = 0; i < fixture->clients->len; i++) {
    HarnessClient *client = g_ptr_array_index(fixture->clients, i);
    HARNESS_WAIT_FOR(client->closed);
  }
  HARNESS_WAIT_FOR(gw_server_get_room_count(fixture->server) == 0);
}

static void
client_free(HarnessClient *client)
{
  g_signal_handlers_disconnect_matched(client->connection, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL,
                                       client);
  g_object_unref(client->connection);
  g_ptr_array_unref(client->messages);
  g_array_unref(client->consumed);
  g_free(client);
}

/**
 * harness_fixture_tear_down:
 * @fixture: a started fixture
 *
 * Closes the clients (harness_fixture_close_clients()), stops the server and removes the data
 * directory.
 */
void
harness_fixture_tear_down(HarnessFixture *fixture)
{
  harness_fixture_close_clients(fixture);
  for (guint i = 0; i < fixture->clients->len; i++)
    client_free(g_ptr_array_index(fixture->clients, i));
  g_ptr_array_unref(fixture->clients);
  gw_server_free(fixture->server);
  if (fixture->events != NULL)
    g_ptr_array_unref(fixture->events);
  soup_session_abort(fixture->session);
  g_object_unref(fixture->session);
  harness_run_for(50);
  gw_config_unref(fixture->config);
  harness_remove_tree(fixture->dir);
  g_free(fixture->dir);
}

/* ---- HTTPS ---- */

/**
 * harness_uri:
 * @fixture: a started fixture
 * @scheme: "https" or "wss"
 * @path: an absolute path
 *
 * Returns: (transfer full): the server's URI for @path
 */
char *
harness_uri(HarnessFixture *fixture, const char *scheme, const char *path)
{
  return g_strdup_printf("%s://127.0.0.1:%u%s", scheme, gw_server_get_port(fixture->server), path);
}

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

/* Sends @msg, trusting the test certificate; asserts no transport error. (transfer full) */
static GBytes *
send_and_read(HarnessFixture *fixture, SoupMessage *msg)
{
  HttpResult http = {0};

  g_signal_connect(msg, "accept-certificate", G_CALLBACK(harness_accept_certificate), NULL);
  soup_session_send_and_read_async(fixture->session, msg, G_PRIORITY_DEFAULT, NULL, on_http_read,
                                   &http);
  HARNESS_WAIT_FOR(http.done);
  g_assert_no_error(http.error);
  return http.body;
}

/**
 * harness_http_request:
 * @fixture: a started fixture
 * @method: an HTTP method
 * @path: an absolute path
 * @body: (out) (transfer full): the response body
 *
 * Sends one HTTPS request.
 *
 * Returns: (transfer full): the message, for its status and headers
 */
SoupMessage *
harness_http_request(HarnessFixture *fixture, const char *method, const char *path, GBytes **body)
{
  g_autofree char *uri = harness_uri(fixture, "https", path);
  SoupMessage *msg = soup_message_new(method, uri);

  g_assert_nonnull(msg);
  *body = send_and_read(fixture, msg);
  return msg;
}

/**
 * harness_http_get:
 * @fixture: a started fixture
 * @path: an absolute path
 * @location: (out) (optional) (transfer full): the Location header
 * @body: (out) (optional) (transfer full): the response body
 *
 * GETs @path without following redirects.
 *
 * Returns: the status code
 */
guint
harness_http_get(HarnessFixture *fixture, const char *path, char **location, char **body)
{
  g_autofree char *uri = harness_uri(fixture, "https", path);
  g_autoptr(SoupMessage) msg = soup_message_new("GET", uri);

  soup_message_add_flags(msg, SOUP_MESSAGE_NO_REDIRECT);
  g_autoptr(GBytes) bytes = send_and_read(fixture, msg);
  if (location != NULL)
    *location =
        g_strdup(soup_message_headers_get_one(soup_message_get_response_headers(msg), "Location"));
  if (body != NULL)
    *body = g_strndup(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
  return soup_message_get_status(msg);
}

/**
 * harness_api_request:
 * @fixture: a started fixture
 * @method: an HTTP method
 * @path: an absolute path
 * @json: (nullable): a JSON request body
 * @cookie: (nullable): the session cookie's value
 * @csrf: (nullable): the X-CSRF-Token header
 * @reply: (out caller-allocates): the reply
 *
 * Sends one API request.
 */
void
harness_api_request(HarnessFixture *fixture, const char *method, const char *path, const char *json,
                    const char *cookie, const char *csrf, HarnessReply *reply)
{
  g_autofree char *uri = harness_uri(fixture, "https", path);
  g_autoptr(SoupMessage) msg = soup_message_new(method, uri);

  if (json != NULL) {
    g_autoptr(GBytes) bytes = g_bytes_new(json, strlen(json));
    soup_message_set_request_body_from_bytes(msg, "application/json", bytes);
  }
  if (cookie != NULL) {
    g_autofree char *header = g_strdup_printf("balie_session=%s", cookie);
    soup_message_headers_replace(soup_message_get_request_headers(msg), "Cookie", header);
  }
  if (csrf != NULL)
    soup_message_headers_replace(soup_message_get_request_headers(msg), "X-CSRF-Token", csrf);
  g_autoptr(GBytes) body = send_and_read(fixture, msg);
  SoupMessageHeaders *headers = soup_message_get_response_headers(msg);
  reply->status = soup_message_get_status(msg);
  reply->body = g_strndup(g_bytes_get_data(body, NULL), g_bytes_get_size(body));
  reply->set_cookie = g_strdup(soup_message_headers_get_one(headers, "Set-Cookie"));
  reply->retry_after = g_strdup(soup_message_headers_get_one(headers, "Retry-After"));
}

/**
 * harness_reply_clear:
 * @reply: a reply
 *
 * Frees @reply's strings and zeroes it.
 */
void
harness_reply_clear(HarnessReply *reply)
{
  g_free(reply->body);
  g_free(reply->set_cookie);
  g_free(reply->retry_after);
  memset(reply, 0, sizeof *reply);
}

/**
 * harness_error_code:
 * @reply: a JSON error reply
 *
 * Returns: (transfer full): its `error.code`
 */
char *
harness_error_code(const HarnessReply *reply)
{
  g_autoptr(JsonParser) parser = json_parser_new();

  g_assert_true(json_parser_load_from_data(parser, reply->body, -1, NULL));
  JsonObject *root = json_node_get_object(json_parser_get_root(parser));
  return g_strdup(
      json_object_get_string_member(json_object_get_object_member(root, "error"), "code"));
}

/**
 * harness_assert_api_error:
 * @reply: a reply
 * @status: the expected status
 * @code: the expected `error.code`
 *
 * Asserts @reply is the JSON error @code with @status.
 */
void
harness_assert_api_error(const HarnessReply *reply, guint status, const char *code)
{
  g_autofree char *actual = harness_error_code(reply);

  g_assert_cmpuint(reply->status, ==, status);
  g_assert_cmpstr(actual, ==, code);
}

/**
 * harness_api_expect_error:
 * Sends one API request (as harness_api_request()) and asserts that it is
 * refused with @status and the JSON error @code.
 */
void
harness_api_expect_error(HarnessFixture *fixture, const char *method, const char *path,
                         const char *json, const char *cookie, const char *csrf, guint status,
                         const char *code)
{
  HarnessReply reply = {0};

  harness_api_request(fixture, method, path, json, cookie, csrf, &reply);
  harness_assert_api_error(&reply, status, code);
  harness_reply_clear(&reply);
}

/**
 * harness_add_account:
 * @fixture: a started fixture
 * @name: the account name
 * @password: its password
 *
 * Adds an advisor account to the fixture's user store.
 */
void
harness_add_account(HarnessFixture *fixture, const char *name, const char *password)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename(fixture->dir, "users.db", NULL);
  g_autoptr(GwUserStore) store = gw_user_store_open(path, &error);
  g_autoptr(GwUser) user = gw_user_store_add(store, name, GW_USER_ROLE_ADVISOR, password, &error);

  g_assert_no_error(error);
  g_assert_nonnull(user);
}

/**
 * harness_login:
 * @fixture: a started fixture
 * @name: the account name
 * @password: its password
 * @cookie: (out) (transfer full): the session cookie's value
 * @csrf: (out) (transfer full): the session's CSRF token
 *
 * Logs in and checks the session cookie's attributes and the reply.
 */
void
harness_login(HarnessFixture *fixture, const char *name, const char *password, char **cookie,
              char **csrf)
{
  g_autofree char *json = g_strdup_printf("{\"name\":\"%s\",\"password\":\"%s\"}", name, password);
  HarnessReply reply = {0};

  harness_api_request(fixture, "POST", "/api/v1/login", json, NULL, NULL, &reply);
  g_assert_cmpuint(reply.status, ==, SOUP_STATUS_OK);
  g_assert_nonnull(strstr(reply.set_cookie, "; Secure"));
  g_assert_nonnull(strstr(reply.set_cookie, "; HttpOnly"));
  g_assert_nonnull(strstr(reply.set_cookie, "; SameSite=Strict"));
  g_assert_true(g_str_has_prefix(reply.set_cookie, "balie_session="));
  *cookie = g_strndup(reply.set_cookie + strlen("balie_session="),
                      strcspn(reply.set_cookie + strlen("balie_session="), ";"));
  g_autoptr(JsonObject) object = harness_parse_object(reply.body, strlen(reply.body));
  *csrf = g_strdup(json_object_get_string_member(object, "csrf"));
  g_assert_cmpstr(
      json_object_get_string_member(json_object_get_object_member(object, "account"), "name"), ==,
      name);
  harness_reply_clear(&reply);
}

/* ---- WebSocket clients ---- */

static void
on_client_message(SoupWebsocketConnection *connection, gint type, GBytes *message,
                  gpointer user_data)
{
  HarnessClient *client = user_data;
  gsize length = 0;
  const char *data = g_bytes_get_data(message, &length);
  gboolean consumed = FALSE;

  g_assert_cmpint(type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  g_ptr_array_add(client->messages, harness_parse_object(data, length));
  g_array_append_val(client->consumed, consumed);
}

static void
on_client_closed(SoupWebsocketConnection *connection, gpointer user_data)
{
  HarnessClient *client = user_data;

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

/**
 * harness_client_connect_as:
 * @fixture: a started fixture
 * @cookie: (nullable): the session cookie's value
 *
 * Opens a WebSocket to /ws that records every message it receives; the fixture closes and frees
 * it on tear-down.
 *
 * Returns: (transfer none): the client
 */
HarnessClient *
harness_client_connect_as(HarnessFixture *fixture, const char *cookie)
{
  return harness_client_connect_path(fixture, "/ws", cookie);
}

/**
 * harness_client_connect_path:
 * @path: the WebSocket endpoint, e.g. "/ws" or "/ws/check"
 * @cookie: (nullable): a `balie_session` cookie value
 *
 * Returns: (transfer none): the connected client
 */
HarnessClient *
harness_client_connect_path(HarnessFixture *fixture, const char *path, const char *cookie)
{
  g_autofree char *uri = harness_uri(fixture, "wss", path);
  g_autoptr(SoupMessage) msg = soup_message_new("GET", uri);
  ConnectResult connect = {0};

  if (cookie != NULL) {
    g_autofree char *header = g_strdup_printf("balie_session=%s", cookie);
    soup_message_headers_replace(soup_message_get_request_headers(msg), "Cookie", header);
  }
  g_signal_connect(msg, "accept-certificate", G_CALLBACK(harness_accept_certificate), NULL);
  soup_session_websocket_connect_async(fixture->session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                       on_websocket_connected, &connect);
  HARNESS_WAIT_FOR(connect.done);
  g_assert_no_error(connect.error);

  HarnessClient *client = g_new0(HarnessClient, 1);
  client->connection = connect.connection;
  client->messages = g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);
  client->consumed = g_array_new(FALSE, TRUE, sizeof(gboolean));
  g_signal_connect(client->connection, "message", G_CALLBACK(on_client_message), client);
  g_signal_connect(client->connection, "closed", G_CALLBACK(on_client_closed), client);
  g_ptr_array_add(fixture->clients, client);
  return client;
}

/**
 * harness_client_connect:
 * @fixture: a started fixture
 *
 * harness_client_connect_as() without a session cookie.
 *
 * Returns: (transfer none): the client
 */
HarnessClient *
harness_client_connect(HarnessFixture *fixture)
{
  return harness_client_connect_as(fixture, NULL);
}

/**
 * harness_client_send:
 * @client: a client
 * @json: a text message
 *
 * Sends @json as a text message.
 */
void
harness_client_send(HarnessClient *client, const char *json)
{
  soup_websocket_connection_send_text(client->connection, json);
}

/**
 * harness_client_close:
 * @client: an open client
 *
 * Closes @client normally and waits until it is closed.
 */
void
harness_client_close(HarnessClient *client)
{
  soup_websocket_connection_close(client->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  HARNESS_WAIT_FOR(client->closed);
}

/**
 * harness_client_find:
 * @client: a client
 * @type: a message type
 *
 * Returns: the index of the first unconsumed message of @type, or -1
 */
gint
harness_client_find(HarnessClient *client, const char *type)
{
  for (guint i = 0; i < client->messages->len; i++) {
    JsonObject *object = g_ptr_array_index(client->messages, i);
    if (!g_array_index(client->consumed, gboolean, i) &&
        g_strcmp0(json_object_get_string_member_with_default(object, "type", ""), type) == 0)
      return (gint)i;
  }
  return -1;
}

/**
 * harness_client_take:
 * @client: a client
 * @type: a message type
 *
 * Waits for the next unconsumed message of @type (others stay queued) and consumes it.
 *
 * Returns: (transfer none): the message
 */
JsonObject *
harness_client_take(HarnessClient *client, const char *type)
{
  HARNESS_WAIT_FOR(harness_client_find(client, type) >= 0);
  gint index = harness_client_find(client, type);
  g_array_index(client->consumed, gboolean, index) = TRUE;
  return g_ptr_array_index(client->messages, index);
}

/**
 * harness_client_wait_nth:
 * @client: a client
 * @type: a message type
 * @skip: how many messages of @type to pass over
 *
 * Waits for a message of @type after the first @skip of that type, consumed or not.
 *
 * Returns: (transfer none): the message
 */
JsonObject *
harness_client_wait_nth(HarnessClient *client, const char *type, guint skip)
{
  for (guint seen = 0, i = 0;; i++) {
    HARNESS_WAIT_FOR(i < client->messages->len);
    JsonObject *object = g_ptr_array_index(client->messages, i);
    if (g_str_equal(json_object_get_string_member(object, "type"), type) && seen++ == skip)
      return object;
  }
}

/**
 * harness_client_send_join:
 * @client: a client
 * @room: the room
 * @role: the role
 * @token: (nullable): a join token
 *
 * Sends a `join` for @room as @role, with @token if given.
 */
void
harness_client_send_join(HarnessClient *client, const char *room, const char *role,
                         const char *token)
{
  g_autofree char *token_field =
      token != NULL ? g_strdup_printf(",\"token\":\"%s\"", token) : g_strdup("");
  g_autofree char *json = g_strdup_printf(
      "{\"type\":\"join\",\"v\":1,\"room\":\"%s\",\"role\":\"%s\"%s}", room, role, token_field);

  harness_client_send(client, json);
}
