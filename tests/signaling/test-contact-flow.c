/* SPDX-License-Identifier: Apache-2.0 */
/* Integration tests for the contact flow over real HTTPS and WSS on 127.0.0.1: lifecycle events
 * reaching the sink, join links (valid, expired, forged, replayed), and the join refusals. */
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

  fixture->dir = g_dir_make_tmp("balie-contact-XXXXXX", &error);
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

static char *
sign(const char *contact_id, gint64 expires_in_s)
{
  GwJoinToken token = {GW_JOIN_TOKEN_INVITE, (char *)contact_id, "hypotheek", NULL,
                       g_get_real_time() / G_USEC_PER_SEC + expires_in_s};

  return gw_join_token_sign(&token, (const guint8 *)TEST_KEY, strlen(TEST_KEY));
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

static void
assert_join_refused(Fixture *fixture, const char *room, const char *role, const char *token,
                    const char *code)
{
  Client *client = client_connect(fixture);

  client_join(client, room, role, token);
  JsonObject *error = client_wait(client, "error", 0);
  g_assert_cmpstr(json_object_get_string_member(error, "code"), ==, code);
  g_assert_cmpstr(json_object_get_string_member(error, "ref"), ==, "join");
  client_close(client);
}

/* ---- tests ---- */

static void
test_lifecycle(Fixture *fixture, gconstpointer data)
{
  Client *advisor = client_connect(fixture);
  Client *customer = client_connect(fixture);

  client_join(advisor, "walk-in-1", "advisor", NULL);
  client_wait(advisor, "welcome", 0);
  /* An advisor alone offers nothing. */
  g_assert_cmpuint(fixture->events->len, ==, 0);
  client_join(customer, "walk-in-1", "customer", NULL);
  client_wait(customer, "welcome", 0);
  WAIT_FOR(find_event(fixture, GW_CONTACT_ANSWERED) != NULL);
  g_assert_cmpint(((Event *)g_ptr_array_index(fixture->events, 0))->type, ==, GW_CONTACT_OFFERED);

  soup_websocket_connection_send_text(customer->connection,
                                      "{\"type\":\"screen\",\"action\":\"start\"}");
  WAIT_FOR(find_event(fixture, GW_CONTACT_SCREEN_STARTED) != NULL);
  g_assert_cmpstr(find_event(fixture, GW_CONTACT_SCREEN_STARTED)->attrs, ==,
                  "{\"by\":\"customer\"}");
  soup_websocket_connection_send_text(advisor->connection, "{\"type\":\"hangup\"}");
  WAIT_FOR(find_event(fixture, GW_CONTACT_ENDED) != NULL);
  Event *ended = find_event(fixture, GW_CONTACT_ENDED);
  g_assert_cmpstr(ended->reason, ==, "hangup");
  g_assert_cmpstr(ended->ended_by, ==, "advisor");
  /* The running share stopped with the call, before it ended. */
  g_assert_nonnull(find_event(fixture, GW_CONTACT_SCREEN_STOPPED));
  WAIT_FOR(advisor->closed && customer->closed);
  WAIT_FOR(gw_server_get_room_count(fixture->server) == 0);
  for (guint i = 0; i < fixture->events->len; i++)
    g_assert_cmpstr(((Event *)g_ptr_array_index(fixture->events, i))->contact_id, ==,
                    ended->contact_id);
  g_assert_cmpuint(count_events(fixture, GW_CONTACT_ENDED), ==, 1);
}

static void
test_abandon(Fixture *fixture, gconstpointer data)
{
  Client *customer = client_connect(fixture);

  client_join(customer, "walk-in-2", "customer", NULL);
  client_wait(customer, "welcome", 0);
  WAIT_FOR(find_event(fixture, GW_CONTACT_OFFERED) != NULL);
  client_close(customer);
  WAIT_FOR(find_event(fixture, GW_CONTACT_ABANDONED) != NULL);
  g_assert_cmpint(find_event(fixture, GW_CONTACT_ABANDONED)->wait_ms, >=, 0);
  g_assert_null(find_event(fixture, GW_CONTACT_ENDED));
}

static void
test_rejoin(Fixture *fixture, gconstpointer data)
{
  Client *advisor = client_connect(fixture);
  Client *customer = client_connect(fixture);

  client_join(advisor, "walk-in-3", "advisor", NULL);
  client_wait(advisor, "welcome", 0);
  client_join(customer, "walk-in-3", "customer", NULL);
  WAIT_FOR(find_event(fixture, GW_CONTACT_ANSWERED) != NULL);
  client_close(customer);
  client_wait(advisor, "participant-left", 0);
  g_assert_null(find_event(fixture, GW_CONTACT_ENDED));

  Client *again = client_connect(fixture);
  client_join(again, "walk-in-3", "customer", NULL);
  client_wait(again, "welcome", 0);
  WAIT_FOR(find_event(fixture, GW_CONTACT_REJOINED) != NULL);
  g_assert_cmpstr(find_event(fixture, GW_CONTACT_REJOINED)->attrs, ==, "{\"role\":\"customer\"}");
  g_assert_cmpuint(count_events(fixture, GW_CONTACT_OFFERED), ==, 1);
  client_close(again);
  client_close(advisor);
  WAIT_FOR(find_event(fixture, GW_CONTACT_ENDED) != NULL);
  g_assert_cmpstr(find_event(fixture, GW_CONTACT_ENDED)->reason, ==, "disconnected");
  g_assert_cmpstr(find_event(fixture, GW_CONTACT_ENDED)->ended_by, ==, "customer");
}

static void
test_link_pages(Fixture *fixture, gconstpointer data)
{
  g_autofree char *valid = sign("c-page1", 600);
  g_autofree char *expired = sign("c-page2", -1);
  g_autofree char *valid_path = g_strconcat("/j/", valid, NULL);
  g_autofree char *expired_path = g_strconcat("/j/", expired, NULL);
  g_autofree char *location = NULL;
  g_autofree char *body = NULL;

  g_assert_cmpuint(http_get(fixture, valid_path, &location, NULL), ==, SOUP_STATUS_SEE_OTHER);
  g_autofree char *expected = g_strdup_printf("/customer.html?room=c-page1&token=%s", valid);
  g_assert_true(g_str_has_suffix(location, expected));

  g_assert_cmpuint(http_get(fixture, expired_path, NULL, &body), ==, SOUP_STATUS_GONE);
  g_assert_nonnull(strstr(body, "<h1>Deze link is verlopen</h1>"));
  g_assert_nonnull(strstr(body, "nieuwe"));
  g_clear_pointer(&body, g_free);

  /* Forged: the right shape, another key's signature; and plain garbage. */
  GwJoinToken token = {GW_JOIN_TOKEN_INVITE, "c-page1", "hypotheek", NULL, G_MAXINT32};
  g_autofree char *forged =
      gw_join_token_sign(&token, (const guint8 *)"x-other-key-0123456789abcdef-0123", 33);
  g_autofree char *forged_path = g_strconcat("/j/", forged, NULL);
  /* libsoup itself refuses some paths with 400 before any handler runs. */
  const char *odd[] = {"/j/%00", "/j/..%2f..%2fetc"};
  for (guint i = 0; i < G_N_ELEMENTS(odd); i++) {
    guint status = http_get(fixture, odd[i], NULL, NULL);
    g_assert_true(status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_BAD_REQUEST);
  }
  const char *bad[] = {forged_path, "/j/", "/j/abc", "/j/a.b.c"};
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_assert_cmpuint(http_get(fixture, bad[i], NULL, &body), ==, SOUP_STATUS_NOT_FOUND);
    g_assert_nonnull(strstr(body, "<h1>Deze link werkt niet</h1>"));
    /* Nothing from the request is echoed into the page. */
    g_assert_null(strstr(body, "abc"));
    g_clear_pointer(&body, g_free);
  }
}

/* A link used for a call that took place is refused afterwards (replay), on the page and the
 * socket; one whose customer only waited can be used again, as a new contact. */
static void
test_link_replay(Fixture *fixture, gconstpointer data)
{
  g_autofree char *token = sign("c-replay", 600);
  g_autofree char *path = g_strconcat("/j/", token, NULL);
  g_autofree char *body = NULL;

  Client *waiting = client_connect(fixture);
  client_join(waiting, "c-replay", "customer", token);
  client_wait(waiting, "welcome", 0);
  WAIT_FOR(find_event(fixture, GW_CONTACT_OFFERED) != NULL);
  g_assert_cmpstr(find_event(fixture, GW_CONTACT_OFFERED)->contact_id, ==, "c-replay");
  g_assert_cmpstr(find_event(fixture, GW_CONTACT_OFFERED)->journey, ==, "hypotheek");
  client_close(waiting);
  WAIT_FOR(find_event(fixture, GW_CONTACT_ABANDONED) != NULL);
  WAIT_FOR(gw_server_get_room_count(fixture->server) == 0);
  g_assert_cmpuint(http_get(fixture, path, NULL, NULL), ==, SOUP_STATUS_SEE_OTHER);

  g_autofree char *cookie = NULL;
  g_autofree char *csrf = NULL;
  add_account(fixture, "anna", "correct horse battery");
  login(fixture, "anna", "correct horse battery", &cookie, &csrf);
  Client *customer = client_connect(fixture);
  client_join(customer, "c-replay", "customer", token);
  client_wait(customer, "welcome", 0);
  /* Only a logged-in advisor takes a link's call. */
  assert_join_refused(fixture, "c-replay", "advisor", NULL, "unauthorized");
  Client *advisor = client_connect_as(fixture, cookie);
  client_join(advisor, "c-replay", "advisor", NULL);
  WAIT_FOR(find_event(fixture, GW_CONTACT_ANSWERED) != NULL);
  g_assert_true(g_str_has_prefix(find_event(fixture, GW_CONTACT_ANSWERED)->advisor_ref, "u"));
  g_assert_cmpstr(find_event(fixture, GW_CONTACT_ANSWERED)->contact_id, !=, "c-replay");
  soup_websocket_connection_send_text(customer->connection, "{\"type\":\"hangup\"}");
  WAIT_FOR(find_event(fixture, GW_CONTACT_ENDED) != NULL);
  WAIT_FOR(gw_server_get_room_count(fixture->server) == 0);

  g_assert_cmpuint(http_get(fixture, path, NULL, &body), ==, SOUP_STATUS_GONE);
  g_assert_nonnull(strstr(body, "<h1>Dit gesprek is afgelopen</h1>"));
  assert_join_refused(fixture, "c-replay", "customer", token, "contact-closed");
}

static void
test_join_refusals(Fixture *fixture, gconstpointer data)
{
  g_autofree char *valid = sign("c-join1", 600);
  g_autofree char *expired = sign("c-join1", -5);
  g_autofree char *forged = g_strdup(valid);
  char *last = forged + strlen(forged) - 2;
  *last = *last == 'A' ? 'B' : 'A';

  assert_join_refused(fixture, "c-join1", "customer", NULL, "bad-token");
  assert_join_refused(fixture, "q-walkin", "customer", NULL, "bad-token");
  assert_join_refused(fixture, "c-join1", "customer", forged, "bad-token");
  assert_join_refused(fixture, "c-join1", "customer", "not-a-token", "bad-token");
  assert_join_refused(fixture, "c-join1", "customer", "bad token!", "bad-field");
  assert_join_refused(fixture, "c-join1", "customer", expired, "token-expired");
  assert_join_refused(fixture, "c-other", "customer", valid, "bad-field");
  assert_join_refused(fixture, "c-join1", "advisor", valid, "bad-field");
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 0);
  g_assert_cmpuint(fixture->events->len, ==, 0);

  Client *customer = client_connect(fixture);
  client_join(customer, "c-join1", "customer", valid);
  client_wait(customer, "welcome", 0);
  /* A second join on the same socket is a state error and changes nothing. */
  client_join(customer, "c-join1", "customer", valid);
  JsonObject *error = client_wait(customer, "error", 0);
  g_assert_cmpstr(json_object_get_string_member(error, "code"), ==, "wrong-state");
  g_assert_cmpuint(count_events(fixture, GW_CONTACT_OFFERED), ==, 1);
}

static void
test_login(Fixture *fixture, gconstpointer data)
{
  g_autofree char *cookie = NULL;
  g_autofree char *csrf = NULL;
  Reply reply = {0};

  add_account(fixture, "bram", "a good long password");
  api_request(fixture, "GET", "/api/v1/me", NULL, NULL, NULL, &reply);
  assert_api_error(&reply, SOUP_STATUS_UNAUTHORIZED, "not-logged-in");
  reply_clear(&reply);
  api_request(fixture, "POST", "/api/v1/login", "{\"name\":\"bram\",\"password\":\"wrong\"}", NULL,
              NULL, &reply);
  assert_api_error(&reply, SOUP_STATUS_UNAUTHORIZED, "bad-credentials");
  g_assert_null(reply.set_cookie);
  reply_clear(&reply);
  /* Unknown names get the same answer as wrong passwords. */
  api_request(fixture, "POST", "/api/v1/login", "{\"name\":\"nobody\",\"password\":\"x\"}", NULL,
              NULL, &reply);
  assert_api_error(&reply, SOUP_STATUS_UNAUTHORIZED, "bad-credentials");
  reply_clear(&reply);
  const char *bad_bodies[] = {"[]", "{", "{\"name\":1,\"password\":\"x\"}", "{\"name\":\"bram\"}"};
  for (guint i = 0; i < G_N_ELEMENTS(bad_bodies); i++) {
    api_request(fixture, "POST", "/api/v1/login", bad_bodies[i], NULL, NULL, &reply);
    assert_api_error(&reply, SOUP_STATUS_BAD_REQUEST, "bad-request");
    reply_clear(&reply);
  }
  g_autofree char *huge = g_strdup_printf("{\"name\":\"%0*d\"}", 9000, 0);
  api_request(fixture, "POST", "/api/v1/login", huge, NULL, NULL, &reply);
  assert_api_error(&reply, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too-large");
  reply_clear(&reply);
  api_request(fixture, "GET", "/api/v1/login", NULL, NULL, NULL, &reply);
  assert_api_error(&reply, SOUP_STATUS_METHOD_NOT_ALLOWED, "method-not-allowed");
  reply_clear(&reply);
  api_request(fixture, "GET", "/api/v1/nope", NULL, NULL, NULL, &reply);
  assert_api_error(&reply, SOUP_STATUS_NOT_FOUND, "not-found");
  reply_clear(&reply);

  login(fixture, "bram", "a good long password", &cookie, &csrf);
  api_request(fixture, "GET", "/api/v1/me", NULL, cookie, NULL, &reply);
  g_assert_cmpuint(reply.status, ==, SOUP_STATUS_OK);
  g_assert_nonnull(strstr(reply.body, "\"availability\":\"away\""));
  reply_clear(&reply);

  /* CSRF: a state change without the header, or with another value, is refused. */
  api_request(fixture, "PUT", "/api/v1/availability", "{\"state\":\"available\"}", cookie, NULL,
              &reply);
  assert_api_error(&reply, SOUP_STATUS_FORBIDDEN, "csrf");
  reply_clear(&reply);
  api_request(fixture, "PUT", "/api/v1/availability", "{\"state\":\"available\"}", cookie,
              "forged-csrf-token", &reply);
  assert_api_error(&reply, SOUP_STATUS_FORBIDDEN, "csrf");
  reply_clear(&reply);
  api_request(fixture, "PUT", "/api/v1/availability", "{\"state\":\"sleeping\"}", cookie, csrf,
              &reply);
  assert_api_error(&reply, SOUP_STATUS_BAD_REQUEST, "bad-field");
  reply_clear(&reply);
  api_request(fixture, "PUT", "/api/v1/availability", "{\"state\":\"available\"}", cookie, csrf,
              &reply);
  g_assert_cmpuint(reply.status, ==, SOUP_STATUS_OK);
  g_assert_nonnull(strstr(reply.body, "\"availability\":\"available\""));
  reply_clear(&reply);

  api_request(fixture, "POST", "/api/v1/logout", NULL, cookie, NULL, &reply);
  assert_api_error(&reply, SOUP_STATUS_FORBIDDEN, "csrf");
  reply_clear(&reply);
  api_request(fixture, "POST", "/api/v1/logout", NULL, cookie, csrf, &reply);
  g_assert_cmpuint(reply.status, ==, SOUP_STATUS_NO_CONTENT);
  g_assert_nonnull(strstr(reply.set_cookie, "Max-Age=0"));
  reply_clear(&reply);
  api_request(fixture, "GET", "/api/v1/me", NULL, cookie, NULL, &reply);
  assert_api_error(&reply, SOUP_STATUS_UNAUTHORIZED, "not-logged-in");
  reply_clear(&reply);
}

static void
test_lockout(Fixture *fixture, gconstpointer data)
{
  Reply reply = {0};

  add_account(fixture, "cora", "a good long password");
  for (guint i = 0; i < 5; i++) {
    api_request(fixture, "POST", "/api/v1/login", "{\"name\":\"cora\",\"password\":\"guess\"}",
                NULL, NULL, &reply);
    assert_api_error(&reply, SOUP_STATUS_UNAUTHORIZED, "bad-credentials");
    reply_clear(&reply);
  }
  /* Locked now: even the right password is refused, with a time to wait. */
  api_request(fixture, "POST", "/api/v1/login",
              "{\"name\":\"cora\",\"password\":\"a good long password\"}", NULL, NULL, &reply);
  assert_api_error(&reply, 429, "locked");
  g_assert_cmpint(atoi(reply.retry_after), >, 800);
  g_assert_null(reply.set_cookie);
  reply_clear(&reply);
}

static void
test_invites(Fixture *fixture, gconstpointer data)
{
  g_autofree char *cookie = NULL;
  g_autofree char *csrf = NULL;
  Reply reply = {0};

  add_account(fixture, "dirk", "a good long password");
  login(fixture, "dirk", "a good long password", &cookie, &csrf);
  api_request(fixture, "POST", "/api/v1/invites", "{\"journey\":\"hypotheek\"}", cookie, NULL,
              &reply);
  assert_api_error(&reply, SOUP_STATUS_FORBIDDEN, "csrf");
  reply_clear(&reply);
  api_request(fixture, "POST", "/api/v1/invites", "{\"journey\":\"hypo theek\"}", cookie, csrf,
              &reply);
  assert_api_error(&reply, SOUP_STATUS_BAD_REQUEST, "bad-field");
  reply_clear(&reply);
  api_request(fixture, "POST", "/api/v1/invites",
              "{\"journey\":\"hypotheek\",\"expires_in_minutes\":999999}", cookie, csrf, &reply);
  assert_api_error(&reply, SOUP_STATUS_BAD_REQUEST, "bad-field");
  reply_clear(&reply);

  api_request(fixture, "POST", "/api/v1/invites",
              "{\"journey\":\"hypotheek\",\"expires_in_minutes\":30}", cookie, csrf, &reply);
  g_assert_cmpuint(reply.status, ==, SOUP_STATUS_CREATED);
  g_autoptr(JsonObject) invite = parse_object(reply.body, strlen(reply.body));
  reply_clear(&reply);
  const char *url = json_object_get_string_member(invite, "url");
  const char *contact = json_object_get_string_member(invite, "contact");
  g_assert_true(g_str_has_prefix(contact, "c-"));
  /* public_url is derived here: https://localhost:PORT */
  g_autofree char *prefix =
      g_strdup_printf("https://localhost:%u/j/", gw_server_get_port(fixture->server));
  g_assert_true(g_str_has_prefix(url, prefix));
  g_autofree char *path = g_strdup(url + strlen(prefix) - strlen("/j/"));
  g_autofree char *location = NULL;
  g_assert_cmpuint(http_get(fixture, path, &location, NULL), ==, SOUP_STATUS_SEE_OTHER);
  g_assert_nonnull(strstr(location, contact));

  /* Revoked: the page says so and the socket refuses it. */
  g_autofree char *revoke = g_strdup_printf("/api/v1/invites/%s", contact);
  api_request(fixture, "DELETE", revoke, NULL, cookie, csrf, &reply);
  g_assert_cmpuint(reply.status, ==, SOUP_STATUS_NO_CONTENT);
  reply_clear(&reply);
  g_autofree char *body = NULL;
  g_assert_cmpuint(http_get(fixture, path, NULL, &body), ==, SOUP_STATUS_GONE);
  g_assert_nonnull(strstr(body, "geannuleerd"));
  assert_join_refused(fixture, contact, "customer", path + strlen("/j/"), "contact-closed");

  /* The rate limit: config->invites_per_minute (10) in a minute, one used above. */
  for (guint i = 1; i < fixture->config->invites_per_minute; i++) {
    api_request(fixture, "POST", "/api/v1/invites", "{\"journey\":\"zorg\"}", cookie, csrf, &reply);
    g_assert_cmpuint(reply.status, ==, SOUP_STATUS_CREATED);
    reply_clear(&reply);
  }
  api_request(fixture, "POST", "/api/v1/invites", "{\"journey\":\"zorg\"}", cookie, csrf, &reply);
  assert_api_error(&reply, 429, "rate-limited");
  reply_clear(&reply);
}

/* The key file is generated once, private, and reused. */
static void
test_key_generated(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp("balie-key-XXXXXX", &error);
  g_autofree char *tls = g_build_filename(dir, "tls", NULL);
  GwConfig *config = gw_config_new_default();

  g_free(config->listen_address);
  config->listen_address = g_strdup("127.0.0.1");
  config->port = 0;
  config->tls = FALSE;
  g_free(config->data_dir);
  config->data_dir = g_strdup(dir);
  GwServer *server = gw_server_new(config, &error);
  g_assert_no_error(error);
  gw_server_free(server);

  g_autofree char *path = g_build_filename(dir, "secrets", "token.key", NULL);
  g_autofree char *first = NULL;
  GStatBuf st;
  g_assert_true(g_file_get_contents(path, &first, NULL, NULL));
  g_assert_cmpint(g_stat(path, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);
  g_assert_cmpuint(strlen(g_strstrip(first)), >=, 32);

  server = gw_server_new(config, &error);
  g_assert_no_error(error);
  gw_server_free(server);
  g_autofree char *second = NULL;
  g_assert_true(g_file_get_contents(path, &second, NULL, NULL));
  g_assert_cmpstr(first, ==, g_strstrip(second));

  /* A key too short to trust stops the start with a clear error. */
  g_file_set_contents_full(path, "short\n", -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL);
  g_assert_null(gw_server_new(config, &error));
  g_assert_error(error, GW_SERVER_ERROR, GW_SERVER_ERROR_SECRET);
  g_assert_null(strstr(error->message, "short"));
  gw_config_unref(config);
  remove_tree(dir);
}

int
main(int argc, char **argv)
{
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, NULL);
#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD("/contact-flow/lifecycle", test_lifecycle);
  ADD("/contact-flow/abandon", test_abandon);
  ADD("/contact-flow/rejoin", test_rejoin);
  ADD("/contact-flow/link-pages", test_link_pages);
  ADD("/contact-flow/link-replay", test_link_replay);
  ADD("/contact-flow/join-refusals", test_join_refusals);
  ADD("/contact-flow/login", test_login);
  ADD("/contact-flow/lockout", test_lockout);
  ADD("/contact-flow/invites", test_invites);
  g_test_add_func("/contact-flow/key-generated", test_key_generated);

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
