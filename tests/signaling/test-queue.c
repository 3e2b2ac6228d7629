/* SPDX-License-Identifier: Apache-2.0 */
/* Integration tests for walk-in queues over real HTTPS and WSS on 127.0.0.1: tickets from /q/,
 * queue order and live positions, accepting the next customer into a room, abandon, a closed desk.
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "signaling/join-token.h"
#include "signaling/server.h"
#include "signaling/tls-cert.h"
#include "signaling/user-store.h"

#define WAIT_MS 20000
#define TEST_KEY "test-key-0123456789abcdef-0123456789"

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

typedef struct {
  char *dir;
  GwConfig *config;
  GwServer *server;
  SoupSession *session;
  GPtrArray *clients;
  GPtrArray *events; /* Event */
} Fixture;

typedef struct {
  GwContactEventType type;
  char *contact_id;
  char *journey;
  char *reason;
  char *ended_by;
  char *attrs;
  char *advisor_ref;
  gint64 wait_ms;
} Event;

typedef struct {
  SoupWebsocketConnection *connection;
  GPtrArray *messages; /* JsonObject */
  gboolean closed;
} Client;

static void
event_free(gpointer p)
{
  Event *event = p;

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
  Fixture *fixture = sink_data;
  Event *event = g_new0(Event, 1);

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

static Event *
find_event(Fixture *fixture, GwContactEventType type)
{
  for (guint i = 0; i < fixture->events->len; i++) {
    Event *event = g_ptr_array_index(fixture->events, i);
    if (event->type == type)
      return event;
  }
  return NULL;
}

static guint
count_events(Fixture *fixture, GwContactEventType type)
{
  guint n = 0;

  for (guint i = 0; i < fixture->events->len; i++)
    n += ((Event *)g_ptr_array_index(fixture->events, i))->type == type;
  return n;
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
fixture_set_up(Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp("balie-queue-XXXXXX", &error);
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
  config->token_key_file = g_build_filename(fixture->dir, "token.key", NULL);
  g_file_set_contents_full(config->token_key_file, TEST_KEY "\n", -1,
                           G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error);
  g_assert_no_error(error);
  g_strfreev(config->queue_names);
  config->queue_names = g_strsplit("hypotheek;zorgvraag", ";", -1);
  config->opening_hours = g_strdup(data);
  fixture->config = config;

  g_assert_true(gw_tls_cert_ensure(config->tls_cert_file, config->tls_key_file, NULL, &error));
  fixture->server = gw_server_new(config, &error);
  g_assert_no_error(error);
  fixture->events = g_ptr_array_new_with_free_func(event_free);
  GwContactSink sink = {record, fixture};
  gw_server_set_contact_sink(fixture->server, &sink);
  fixture->session = soup_session_new();
  fixture->clients = g_ptr_array_new();
}

static void
fixture_tear_down(Fixture *fixture, gconstpointer data)
{
  for (guint i = 0; i < fixture->clients->len; i++) {
    Client *client = g_ptr_array_index(fixture->clients, i);
    if (soup_websocket_connection_get_state(client->connection) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close(client->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    WAIT_FOR(client->closed);
  }
  WAIT_FOR(gw_server_get_room_count(fixture->server) == 0);
  for (guint i = 0; i < fixture->clients->len; i++) {
    Client *client = g_ptr_array_index(fixture->clients, i);
    g_signal_handlers_disconnect_matched(client->connection, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL,
                                         client);
    g_object_unref(client->connection);
    g_ptr_array_unref(client->messages);
    g_free(client);
  }
  g_ptr_array_unref(fixture->clients);
  gw_server_free(fixture->server);
  g_ptr_array_unref(fixture->events);
  soup_session_abort(fixture->session);
  g_object_unref(fixture->session);
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

static JsonObject *
parse_object(const char *data, gsize length)
{
  g_autoptr(JsonParser) parser = json_parser_new();

  g_assert_true(json_parser_load_from_data(parser, data, (gssize)length, NULL));
  return json_object_ref(json_node_get_object(json_parser_get_root(parser)));
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

/* GET without following redirects; returns the status, @location and @body (nullable outs). */
static guint
http_get(Fixture *fixture, const char *path, char **location, char **body)
{
  g_autofree char *uri = make_uri(fixture, "https", path);
  g_autoptr(SoupMessage) msg = soup_message_new("GET", uri);
  HttpResult http = {0};

  soup_message_add_flags(msg, SOUP_MESSAGE_NO_REDIRECT);
  g_signal_connect(msg, "accept-certificate", G_CALLBACK(accept_certificate), NULL);
  soup_session_send_and_read_async(fixture->session, msg, G_PRIORITY_DEFAULT, NULL, on_http_read,
                                   &http);
  WAIT_FOR(http.done);
  g_assert_no_error(http.error);
  if (location != NULL)
    *location =
        g_strdup(soup_message_headers_get_one(soup_message_get_response_headers(msg), "Location"));
  if (body != NULL)
    *body = g_strndup(g_bytes_get_data(http.body, NULL), g_bytes_get_size(http.body));
  g_bytes_unref(http.body);
  return soup_message_get_status(msg);
}

typedef struct {
  guint status;
  char *body;
  char *set_cookie;
  char *retry_after;
} Reply;

static void
reply_clear(Reply *reply)
{
  g_free(reply->body);
  g_free(reply->set_cookie);
  g_free(reply->retry_after);
  memset(reply, 0, sizeof *reply);
}

/* One API request; @cookie and @csrf (nullable) go into their headers. */
static void
api_request(Fixture *fixture, const char *method, const char *path, const char *json,
            const char *cookie, const char *csrf, Reply *reply)
{
  g_autofree char *uri = make_uri(fixture, "https", path);
  g_autoptr(SoupMessage) msg = soup_message_new(method, uri);
  HttpResult http = {0};

  g_signal_connect(msg, "accept-certificate", G_CALLBACK(accept_certificate), NULL);
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
  soup_session_send_and_read_async(fixture->session, msg, G_PRIORITY_DEFAULT, NULL, on_http_read,
                                   &http);
  WAIT_FOR(http.done);
  g_assert_no_error(http.error);
  SoupMessageHeaders *headers = soup_message_get_response_headers(msg);
  reply->status = soup_message_get_status(msg);
  reply->body = g_strndup(g_bytes_get_data(http.body, NULL), g_bytes_get_size(http.body));
  reply->set_cookie = g_strdup(soup_message_headers_get_one(headers, "Set-Cookie"));
  reply->retry_after = g_strdup(soup_message_headers_get_one(headers, "Retry-After"));
  g_bytes_unref(http.body);
}

/* The `error.code` of a JSON error reply. (transfer full) */
static char *
error_code(const Reply *reply)
{
  g_autoptr(JsonParser) parser = json_parser_new();

  g_assert_true(json_parser_load_from_data(parser, reply->body, -1, NULL));
  JsonObject *root = json_node_get_object(json_parser_get_root(parser));
  return g_strdup(
      json_object_get_string_member(json_object_get_object_member(root, "error"), "code"));
}

static void
assert_api_error(const Reply *reply, guint status, const char *code)
{
  g_autofree char *actual = error_code(reply);

  g_assert_cmpuint(reply->status, ==, status);
  g_assert_cmpstr(actual, ==, code);
}

static void
add_account(Fixture *fixture, const char *name, const char *password)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename(fixture->dir, "users.db", NULL);
  g_autoptr(GwUserStore) store = gw_user_store_open(path, &error);
  g_autoptr(GwUser) user = gw_user_store_add(store, name, GW_USER_ROLE_ADVISOR, password, &error);

  g_assert_no_error(error);
}

/* Logs in; @cookie and @csrf (out, transfer full) are the session's. */
static void
login(Fixture *fixture, const char *name, const char *password, char **cookie, char **csrf)
{
  g_autofree char *json = g_strdup_printf("{\"name\":\"%s\",\"password\":\"%s\"}", name, password);
  Reply reply = {0};

  api_request(fixture, "POST", "/api/v1/login", json, NULL, NULL, &reply);
  g_assert_cmpuint(reply.status, ==, SOUP_STATUS_OK);
  g_assert_nonnull(strstr(reply.set_cookie, "; Secure"));
  g_assert_nonnull(strstr(reply.set_cookie, "; HttpOnly"));
  g_assert_nonnull(strstr(reply.set_cookie, "; SameSite=Strict"));
  g_assert_true(g_str_has_prefix(reply.set_cookie, "balie_session="));
  *cookie = g_strndup(reply.set_cookie + strlen("balie_session="),
                      strcspn(reply.set_cookie + strlen("balie_session="), ";"));
  g_autoptr(JsonObject) object = parse_object(reply.body, strlen(reply.body));
  *csrf = g_strdup(json_object_get_string_member(object, "csrf"));
  g_assert_cmpstr(
      json_object_get_string_member(json_object_get_object_member(object, "account"), "name"), ==,
      name);
  reply_clear(&reply);
}

/* ---- WebSocket ---- */

static void
on_client_message(SoupWebsocketConnection *connection, gint type, GBytes *message,
                  gpointer user_data)
{
  Client *client = user_data;
  gsize length = 0;
  const char *data = g_bytes_get_data(message, &length);

  g_ptr_array_add(client->messages, parse_object(data, length));
}

static void
on_client_closed(SoupWebsocketConnection *connection, gpointer user_data)
{
  ((Client *)user_data)->closed = TRUE;
}

typedef struct {
  gboolean done;
  SoupWebsocketConnection *connection;
  GError *error;
} ConnectResult;

static void
on_connected(GObject *source, GAsyncResult *result, gpointer user_data)
{
  ConnectResult *connect = user_data;

  connect->connection =
      soup_session_websocket_connect_finish(SOUP_SESSION(source), result, &connect->error);
  connect->done = TRUE;
}

static Client *
client_connect_as(Fixture *fixture, const char *cookie)
{
  g_autofree char *uri = make_uri(fixture, "wss", "/ws");
  g_autoptr(SoupMessage) msg = soup_message_new("GET", uri);
  ConnectResult connect = {0};

  if (cookie != NULL) {
    g_autofree char *header = g_strdup_printf("balie_session=%s", cookie);
    soup_message_headers_replace(soup_message_get_request_headers(msg), "Cookie", header);
  }
  g_signal_connect(msg, "accept-certificate", G_CALLBACK(accept_certificate), NULL);
  soup_session_websocket_connect_async(fixture->session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                       on_connected, &connect);
  WAIT_FOR(connect.done);
  g_assert_no_error(connect.error);
  Client *client = g_new0(Client, 1);
  client->connection = connect.connection;
  client->messages = g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);
  g_signal_connect(client->connection, "message", G_CALLBACK(on_client_message), client);
  g_signal_connect(client->connection, "closed", G_CALLBACK(on_client_closed), client);
  g_ptr_array_add(fixture->clients, client);
  return client;
}

static Client *
client_connect(Fixture *fixture)
{
  return client_connect_as(fixture, NULL);
}

static void
client_close(Client *client)
{
  soup_websocket_connection_close(client->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  WAIT_FOR(client->closed);
}

/* Waits for a message of @type after the first @skip of that type; (transfer none). */
static JsonObject *
client_wait(Client *client, const char *type, guint skip)
{
  for (guint seen = 0, i = 0;; i++) {
    WAIT_FOR(i < client->messages->len);
    JsonObject *object = g_ptr_array_index(client->messages, i);
    if (g_str_equal(json_object_get_string_member(object, "type"), type) && seen++ == skip)
      return object;
  }
}

static void
client_join(Client *client, const char *room, const char *role, const char *token)
{
  g_autofree char *token_field =
      token != NULL ? g_strdup_printf(",\"token\":\"%s\"", token) : g_strdup("");
  g_autofree char *json = g_strdup_printf(
      "{\"type\":\"join\",\"v\":1,\"room\":\"%s\",\"role\":\"%s\"%s}", room, role, token_field);

  soup_websocket_connection_send_text(client->connection, json);
}

/* Takes a ticket from /q/@queue: the room and token the waiting room page gets. */
static void
take_ticket(Fixture *fixture, const char *queue, char **room, char **token)
{
  g_autofree char *path = g_strdup_printf("/q/%s", queue);
  g_autofree char *location = NULL;

  g_assert_cmpuint(http_get(fixture, path, &location, NULL), ==, SOUP_STATUS_SEE_OTHER);
  g_autofree char *prefix = g_strdup_printf("/queue.html?queue=%s&room=", queue);
  /* libsoup makes the redirect absolute. */
  const char *relative = strstr(location, "/queue.html?");
  g_assert_nonnull(relative);
  g_assert_true(g_str_has_prefix(relative, prefix));
  const char *room_start = relative + strlen(prefix);
  const char *amp = strstr(room_start, "&token=");
  g_assert_nonnull(amp);
  *room = g_strndup(room_start, (gsize)(amp - room_start));
  *token = g_strdup(amp + strlen("&token="));
  g_assert_true(g_str_has_prefix(*room, "q-"));
}

/* A customer waiting in @queue: connected and joined with a fresh ticket. */
static Client *
wait_in_queue(Fixture *fixture, const char *queue, char **room, char **token)
{
  Client *client = client_connect(fixture);

  take_ticket(fixture, queue, room, token);
  client_join(client, *room, "customer", *token);
  return client;
}

/* The latest `queue` message's position once it is @position (waits for it). */
static JsonObject *
wait_position(Client *client, gint64 position)
{
  for (;;) {
    WAIT_FOR(client->messages->len > 0);
    JsonObject *last = g_ptr_array_index(client->messages, client->messages->len - 1);
    if (g_str_equal(json_object_get_string_member(last, "type"), "queue") &&
        json_object_get_int_member(last, "position") == position)
      return last;
    guint seen = client->messages->len;
    WAIT_FOR(client->messages->len > seen);
  }
}

/* GET /api/v1/queues: the `waiting` array of @queue. (transfer full) */
static JsonArray *
list_waiting(Fixture *fixture, const char *cookie, const char *queue)
{
  Reply reply = {0};

  api_request(fixture, "GET", "/api/v1/queues", NULL, cookie, NULL, &reply);
  g_assert_cmpuint(reply.status, ==, SOUP_STATUS_OK);
  g_autoptr(JsonObject) root = parse_object(reply.body, strlen(reply.body));
  reply_clear(&reply);
  JsonArray *queues = json_object_get_array_member(root, "queues");
  for (guint i = 0; i < json_array_get_length(queues); i++) {
    JsonObject *object = json_array_get_object_element(queues, i);
    if (g_str_equal(json_object_get_string_member(object, "name"), queue)) {
      g_assert_true(json_object_get_boolean_member(object, "open"));
      return json_array_ref(json_object_get_array_member(object, "waiting"));
    }
  }
  g_assert_not_reached();
}

static void
test_order_and_accept(Fixture *fixture, gconstpointer data)
{
  g_autofree char *cookie = NULL, *csrf = NULL;
  g_autofree char *room1 = NULL, *token1 = NULL, *room2 = NULL, *token2 = NULL;
  g_autofree char *room3 = NULL, *token3 = NULL, *other_room = NULL, *other_token = NULL;
  Reply reply = {0};

  add_account(fixture, "anna", "a long enough passphrase");
  login(fixture, "anna", "a long enough passphrase", &cookie, &csrf);

  Client *first = wait_in_queue(fixture, "hypotheek", &room1, &token1);
  JsonObject *queued = wait_position(first, 1);
  g_assert_cmpstr(json_object_get_string_member(queued, "state"), ==, "waiting");
  g_assert_cmpint(json_object_get_int_member(queued, "estimated_wait_s"), >, 0);
  Client *second = wait_in_queue(fixture, "hypotheek", &room2, &token2);
  wait_position(second, 2);
  Client *third = wait_in_queue(fixture, "hypotheek", &room3, &token3);
  wait_position(third, 3);
  /* Another queue keeps its own order. */
  Client *other = wait_in_queue(fixture, "zorgvraag", &other_room, &other_token);
  wait_position(other, 1);
  WAIT_FOR(count_events(fixture, GW_CONTACT_OFFERED) == 4);
  /* A waiting customer's estimate grows with the position. */
  g_assert_cmpint(json_object_get_int_member(wait_position(third, 3), "estimated_wait_s"), >,
                  json_object_get_int_member(wait_position(second, 2), "estimated_wait_s"));

  g_autoptr(JsonArray) waiting = list_waiting(fixture, cookie, "hypotheek");
  g_assert_cmpuint(json_array_get_length(waiting), ==, 3);
  g_assert_cmpstr(
      json_object_get_string_member(json_array_get_object_element(waiting, 0), "contact"), ==,
      room1);
  g_assert_cmpstr(
      json_object_get_string_member(json_array_get_object_element(waiting, 2), "contact"), ==,
      room3);
  g_assert_cmpint(json_object_get_int_member(json_array_get_object_element(waiting, 0), "waited_s"),
                  >=, 0);

  /* Nobody walks into a waiting customer's room, nor waits twice on one ticket. */
  Client *early = client_connect_as(fixture, cookie);
  client_join(early, room1, "advisor", NULL);
  g_assert_cmpstr(json_object_get_string_member(client_wait(early, "error", 0), "code"), ==,
                  "wrong-state");
  client_close(early);
  Client *twice = client_connect(fixture);
  client_join(twice, room2, "customer", token2);
  g_assert_cmpstr(json_object_get_string_member(client_wait(twice, "error", 0), "code"), ==,
                  "wrong-state");
  client_close(twice);

  /* Accepting needs the CSRF token. */
  api_request(fixture, "POST", "/api/v1/queues/hypotheek/accept", NULL, cookie, NULL, &reply);
  assert_api_error(&reply, SOUP_STATUS_FORBIDDEN, "csrf");
  reply_clear(&reply);
  api_request(fixture, "POST", "/api/v1/queues/hypotheek/accept", NULL, cookie, csrf, &reply);
  g_assert_cmpuint(reply.status, ==, SOUP_STATUS_OK);
  g_autoptr(JsonObject) accepted = parse_object(reply.body, strlen(reply.body));
  reply_clear(&reply);
  g_assert_cmpstr(json_object_get_string_member(accepted, "room"), ==, room1);
  JsonObject *go = NULL;
  for (guint i = 0; go == NULL; i++) {
    WAIT_FOR(i < first->messages->len);
    JsonObject *object = g_ptr_array_index(first->messages, i);
    if (g_str_equal(json_object_get_string_member(object, "type"), "queue") &&
        g_str_equal(json_object_get_string_member(object, "state"), "accepted"))
      go = object;
  }
  g_assert_cmpstr(json_object_get_string_member(go, "state"), ==, "accepted");
  g_assert_cmpstr(json_object_get_string_member(go, "room"), ==, room1);
  /* The others move up. */
  wait_position(second, 1);
  wait_position(third, 2);
  JsonArray *still = list_waiting(fixture, cookie, "hypotheek");
  g_assert_cmpuint(json_array_get_length(still), ==, 2);
  json_array_unref(still);

  /* The waiting page goes (no abandon), the call page joins, the advisor answers. */
  client_close(first);
  g_assert_null(find_event(fixture, GW_CONTACT_ABANDONED));
  Client *customer = client_connect(fixture);
  client_join(customer, room1, "customer", token1);
  client_wait(customer, "welcome", 0);
  Client *advisor = client_connect_as(fixture, cookie);
  client_join(advisor, room1, "advisor", NULL);
  client_wait(advisor, "welcome", 0);
  WAIT_FOR(find_event(fixture, GW_CONTACT_ANSWERED) != NULL);
  Event *answered = find_event(fixture, GW_CONTACT_ANSWERED);
  g_assert_cmpstr(answered->contact_id, ==, room1);
  g_assert_nonnull(answered->advisor_ref);
  g_assert_cmpuint(count_events(fixture, GW_CONTACT_OFFERED), ==, 4);
  soup_websocket_connection_send_text(advisor->connection, "{\"type\":\"hangup\"}");
  WAIT_FOR(find_event(fixture, GW_CONTACT_ENDED) != NULL);
  /* The ticket is used up. */
  Client *late = client_connect(fixture);
  client_join(late, room1, "customer", token1);
  g_assert_cmpstr(json_object_get_string_member(client_wait(late, "error", 0), "code"), ==,
                  "contact-closed");
  client_close(late);
  client_close(second);
  client_close(third);
  client_close(other);
  WAIT_FOR(count_events(fixture, GW_CONTACT_ABANDONED) == 3);
}

static void
test_abandon(Fixture *fixture, gconstpointer data)
{
  g_autofree char *room1 = NULL, *token1 = NULL, *room2 = NULL, *token2 = NULL;
  g_autofree char *cookie = NULL, *csrf = NULL;
  Reply reply = {0};

  Client *first = wait_in_queue(fixture, "zorgvraag", &room1, &token1);
  wait_position(first, 1);
  Client *second = wait_in_queue(fixture, "zorgvraag", &room2, &token2);
  wait_position(second, 2);
  WAIT_FOR(gw_server_get_room_count(fixture->server) == 2);

  client_close(first);
  WAIT_FOR(find_event(fixture, GW_CONTACT_ABANDONED) != NULL);
  Event *abandoned = find_event(fixture, GW_CONTACT_ABANDONED);
  g_assert_cmpstr(abandoned->contact_id, ==, room1);
  g_assert_cmpint(abandoned->wait_ms, >=, 0);
  g_assert_null(find_event(fixture, GW_CONTACT_ANSWERED));
  wait_position(second, 1);
  WAIT_FOR(gw_server_get_room_count(fixture->server) == 1);

  add_account(fixture, "bram", "a long enough passphrase");
  login(fixture, "bram", "a long enough passphrase", &cookie, &csrf);
  client_close(second);
  WAIT_FOR(count_events(fixture, GW_CONTACT_ABANDONED) == 2);
  api_request(fixture, "POST", "/api/v1/queues/zorgvraag/accept", NULL, cookie, csrf, &reply);
  assert_api_error(&reply, SOUP_STATUS_CONFLICT, "queue-empty");
  reply_clear(&reply);
  api_request(fixture, "POST", "/api/v1/queues/nope/accept", NULL, cookie, csrf, &reply);
  assert_api_error(&reply, SOUP_STATUS_NOT_FOUND, "not-found");
  reply_clear(&reply);
  api_request(fixture, "GET", "/api/v1/queues", NULL, NULL, NULL, &reply);
  assert_api_error(&reply, SOUP_STATUS_UNAUTHORIZED, "not-logged-in");
  reply_clear(&reply);
  api_request(fixture, "GET", "/api/v1/queues/zorgvraag/accept", NULL, cookie, NULL, &reply);
  assert_api_error(&reply, SOUP_STATUS_METHOD_NOT_ALLOWED, "method-not-allowed");
  reply_clear(&reply);
  /* A ticket whose wait was abandoned can wait again, as a new contact. */
  Client *again = client_connect(fixture);
  client_join(again, room1, "customer", token1);
  wait_position(again, 1);
  client_close(again);
  WAIT_FOR(count_events(fixture, GW_CONTACT_ABANDONED) == 3);
}

static void
test_unknown_queue(Fixture *fixture, gconstpointer data)
{
  g_autofree char *body = NULL;

  g_assert_cmpuint(http_get(fixture, "/q/onbekend", NULL, &body), ==, SOUP_STATUS_NOT_FOUND);
  g_assert_nonnull(strstr(body, "bestaat niet"));
  g_assert_cmpuint(http_get(fixture, "/q/%3Cscript%3E", NULL, NULL), ==, SOUP_STATUS_NOT_FOUND);
}

/* Opening hours that are certainly closed now: only tomorrow morning. */
static char *
closed_hours(void)
{
  static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  gint tomorrow = g_date_time_get_day_of_week(now) % 7;

  return g_strdup_printf("%s 09:00-10:00", days[tomorrow]);
}

static void
test_closed_desk(Fixture *fixture, gconstpointer data)
{
  g_autofree char *body = NULL;
  g_autofree char *location = NULL;

  g_assert_cmpuint(http_get(fixture, "/q/hypotheek", &location, &body), ==, SOUP_STATUS_OK);
  g_assert_null(location);
  g_assert_nonnull(strstr(body, "gesloten"));
  g_assert_nonnull(strstr(body, "om 09:00"));
  g_assert_nonnull(strstr(body, "at 09:00"));
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 0);
}

int
main(int argc, char **argv)
{
  g_autofree char *closed = closed_hours();

  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, NULL);
#define ADD(path, hours, func)                                                                     \
  g_test_add(path, Fixture, hours, fixture_set_up, func, fixture_tear_down)
  ADD("/queue/order-and-accept", NULL, test_order_and_accept);
  ADD("/queue/abandon", "mon-sun 00:00-24:00", test_abandon);
  ADD("/queue/unknown", NULL, test_unknown_queue);
  ADD("/queue/closed-desk", closed, test_closed_desk);

  int status = g_test_run();
  gst_deinit();
  /* As in test-server.c: idle GTask threads keep gnutls' thread-local state,
   * which trips LSan's thread scan; let them exit first. */
  g_usleep(G_USEC_PER_SEC * 6 / 10);
  g_thread_pool_set_max_unused_threads(0);
  g_thread_pool_stop_unused_threads();
  g_usleep(100 * 1000);
  return status;
}
