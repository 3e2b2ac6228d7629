/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTPS and WebSocket front door: static pages, /healthz and the /ws signaling endpoint. */
#include "signaling/server.h"

#include <gio/gio.h>
#include <libsoup/soup.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "signaling/abuse-guard.h"
#include "signaling/admission.h"
#include "signaling/api.h"
#include "signaling/audit-log.h"
#include "signaling/auth.h"
#include "signaling/brand.h"
#include "signaling/connections.h"
#include "signaling/user-store.h"
#include "signaling/contact-ledger.h"
#include "signaling/join-page.h"
#include "signaling/media-check.h"
#include "signaling/oidc.h"
#include "signaling/protocol.h"
#include "signaling/queue-page.h"
#include "signaling/queue.h"
#include "signaling/rating-token.h"
#include "signaling/room-directory.h"
#include "signaling/session.h"
#include "signaling/signaling-log.h"
#include "signaling/static-files.h"
#include "signaling/token-key.h"

/* clang-format off */
G_DEFINE_QUARK(gw-server-error-quark, gw_server_error)
/* clang-format on */

/* Pings keep NATs and proxies from dropping an idle call's signaling, and give the kernel
 * something to time out on when a browser vanishes (GW_ABUSE_GUARD_TCP_USER_TIMEOUT_MS). */
#define KEEPALIVE_SECONDS 5
#define KEEPALIVE_PONG_TIMEOUT_SECONDS 30
/* Frames up to this multiple of ws_max_message get a `too-large` reply; past
 * it libsoup drops the connection before buffering more (its error says 1009,
 * but libsoup 3.2 closes without sending a close frame). */
#define HARD_FRAME_FACTOR 4
/* Connections the kernel queues until the gateway accepts them (capped by net.core.somaxconn). */
#define LISTEN_BACKLOG 1024
/* How long gw_server_free() lets close frames reach the browsers. */
#define CLOSE_GRACE_USEC (1 * G_USEC_PER_SEC)

#define CONTENT_SECURITY_POLICY                                                                    \
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "          \
  "media-src 'self' blob:; connect-src 'self' wss:; object-src 'none'; base-uri 'none'; "          \
  "form-action 'self'; frame-ancestors 'none'"
/* Camera, microphone and screen for our own pages only; the rest of the powerful features off. */
#define PERMISSIONS_POLICY                                                                         \
  "camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), "        \
  "usb=(), serial=(), hid=(), midi=()"
/* A year; without includeSubDomains: the organisation's other hosts are not ours to decide. */
#define STRICT_TRANSPORT_SECURITY "max-age=31536000"

struct _GwServer {
  GwConfig *config;
  SoupServer *soup;
  GwRoomDirectory *rooms;
  GwContactLedger *ledger;
  GwAdmission *admission;
  GwQueues *queues;
  GwAbuseGuard *guard; /* per-address limits, request deadlines (signaling/abuse-guard.h) */
  GwConnections *connections; /* TLS handshakes, kept-alive connections (signaling/connections.h) */
  GBytes *rating_key; /* signs customers' rating tokens (signaling/rating-token.h) */
  GBytes *pseudonym_key; /* DATA_DIR/secrets/pseudonym.key */
  GwMediaChecks *checks; /* the connection checks at /ws/check */
  GwUserStore *users;
  GwAuditLog *audit; /* DATA_DIR/audit.db */
  GwAuth *auth;
  GwOidc *oidc; /* NULL without [oidc] issuer */
  GwApi api;
  GHashTable *sessions; /* peer id (owned by the session) → GwSession (owned) */
  guint port;
  GwContactSink contact_sink;
  gboolean draining; /* gw_server_set_draining(): no new WebSockets */
};

/*
 * On every response, set when the request starts: pages, API, errors, redirects, static files,
 * WebSocket handshakes and their refusals, and what libsoup answers by itself (a malformed
 * request) or the abuse guard refuses (429, 413) before any handler runs. HSTS goes out when
 * browsers reach us over HTTPS: our own TLS, or a TLS proxy in front (an https public_url).
 */
static void
on_request_started(SoupServer *soup, SoupServerMessage *msg, gpointer user_data)
{
  GwServer *server = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);

  soup_message_headers_replace(headers, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace(headers, "Referrer-Policy", "no-referrer");
  soup_message_headers_replace(headers, "Content-Security-Policy", CONTENT_SECURITY_POLICY);
  soup_message_headers_replace(headers, "X-Frame-Options", "DENY");
  soup_message_headers_replace(headers, "Permissions-Policy", PERMISSIONS_POLICY);
  soup_message_headers_replace(headers, "Cross-Origin-Opener-Policy", "same-origin");
  if (server->config->tls || (server->config->public_url != NULL &&
                              g_str_has_prefix(server->config->public_url, "https://")))
    soup_message_headers_replace(headers, "Strict-Transport-Security", STRICT_TRANSPORT_SECURITY);
}

/* One line per refused HTTP request; the path is escaped and cut, the client
 * address stays at debug level (it is personal data). */
static void
log_http_error(SoupServerMessage *msg)
{
  guint status = soup_server_message_get_status(msg);

  if (status < 400)
    return;
  const char *raw_path = g_uri_get_path(soup_server_message_get_uri(msg));
  /* A join link is a credential, even an expired or mangled one: its path stays out. */
  g_autofree char *path =
      g_str_has_prefix(raw_path, "/j/") ? g_strdup("/j/(link)") : g_strescape(raw_path, NULL);
  gw_signaling_log(G_LOG_LEVEL_INFO, NULL, NULL, "http %u %s %.200s", status,
                   soup_server_message_get_method(msg), path);
  gw_signaling_log(G_LOG_LEVEL_DEBUG, NULL, NULL, "http %u from %s", status,
                   soup_server_message_get_remote_host(msg));
}

static void
handle_static(SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
              gpointer user_data)
{
  GwServer *server = user_data;

  gw_static_files_serve(msg, server->config->web_root);
  log_http_error(msg);
}

static void
handle_brand(SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
             gpointer user_data)
{
  GwServer *server = user_data;

  gw_brand_serve(msg, path, server->config);
  log_http_error(msg);
}

static void
handle_healthz(SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
               gpointer user_data)
{
  GwServer *server = user_data;
  const char *method = soup_server_message_get_method(msg);

  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Cache-Control",
                               "no-store");
  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow",
                                 "GET, HEAD");
    soup_server_message_set_status(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
    log_http_error(msg);
    return;
  }
  g_autofree char *body = g_strdup_printf(
      "{\"status\":\"ok\",\"rooms\":%u,\"participants\":%u,\"version\":\"%s\"}",
      gw_server_get_room_count(server), gw_server_get_participant_count(server), BALIE_VERSION);
  gsize length = strlen(body);
  soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_TAKE,
                                   g_steal_pointer(&body), length);
}

static void
on_session_closed(GwSession *session, gpointer user_data)
{
  GwServer *server = user_data;

  /* Frees the session (the table owns it). */
  g_hash_table_remove(server->sessions, gw_session_get_peer_id(session));
}

/* "p" and 8 hex digits, unique among this node's connections. */
static char *
new_peer_id(GwServer *server)
{
  for (;;) {
    char *peer_id = g_strdup_printf("p%08x", g_random_int());
    if (!g_hash_table_contains(server->sessions, peer_id))
      return peer_id;
    g_free(peer_id);
  }
}

/* Sets @name on @object only where this libsoup has it (added after 3.2). */
static void
set_uint_if_supported(gpointer object, const char *name, guint64 value)
{
  GParamSpec *spec = g_object_class_find_property(G_OBJECT_GET_CLASS(object), name);

  if (spec == NULL)
    return;
  if (G_PARAM_SPEC_VALUE_TYPE(spec) == G_TYPE_UINT64)
    g_object_set(object, name, value, NULL);
  else if (G_PARAM_SPEC_VALUE_TYPE(spec) == G_TYPE_UINT)
    g_object_set(object, name, (guint)value, NULL);
}

/*
 * A draining gateway (SIGTERM) takes no new calls: a new WebSocket gets one
 * `capacity` error saying so and is closed with 1001 (going away; libsoup 3.2
 * clients refuse 1013 as a protocol error). The close waits for the client's
 * first message (its join) or a second: closing at once can reach a client
 * that is still reading the handshake, which then sees only a broken
 * connection. The ref keeps the connection until it is closed.
 */
#define DRAIN_REFUSAL_CLOSE_MS 1000

static void
refusal_close(SoupWebsocketConnection *connection)
{
  if (soup_websocket_connection_get_state(connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close(connection, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "draining");
}

static void
on_refused_message(SoupWebsocketConnection *connection, gint type, GBytes *message,
                   gpointer user_data)
{
  refusal_close(connection);
}

static gboolean
on_refusal_timeout(gpointer user_data)
{
  g_object_set_data(G_OBJECT(user_data), "balie-refusal", NULL);
  refusal_close(user_data);
  return G_SOURCE_REMOVE;
}

static void
on_refused_closed(SoupWebsocketConnection *connection, gpointer user_data)
{
  guint timeout = GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(connection), "balie-refusal"));

  if (timeout != 0)
    g_source_remove(timeout);
  g_object_unref(connection);
}

static void
refuse_websocket(SoupWebsocketConnection *connection, const char *why)
{
  g_autofree char *refusal = gw_protocol_build_error(GW_PROTOCOL_ERROR_CAPACITY, why, "join");
  guint timeout = g_timeout_add(DRAIN_REFUSAL_CLOSE_MS, on_refusal_timeout, connection);

  g_object_set_data(G_OBJECT(connection), "balie-refusal", GUINT_TO_POINTER(timeout));
  g_signal_connect(g_object_ref(connection), "closed", G_CALLBACK(on_refused_closed), NULL);
  g_signal_connect(connection, "message", G_CALLBACK(on_refused_message), NULL);
  soup_websocket_connection_send_text(connection, refusal);
}

static void
refuse_websocket_draining(SoupWebsocketConnection *connection)
{
  refuse_websocket(connection,
                   "this gateway is shutting down and takes no new calls; try again in a moment");
  gw_signaling_log(G_LOG_LEVEL_INFO, NULL, NULL, "websocket refused: draining");
}

/* Out of file descriptors (or nearly): a call now would fail half-way. */
static void
refuse_websocket_busy(SoupWebsocketConnection *connection)
{
  refuse_websocket(connection, "this gateway is busy; try again in a few minutes");
  gw_signaling_log(G_LOG_LEVEL_WARNING, NULL, NULL,
                   "websocket refused: file descriptors nearly used up");
}

typedef struct {
  GwServer *server;
  char *peer_id;
} SharedLogin;

static void
on_shared_login(GwLoginSession *login, gpointer data)
{
  SharedLogin *pending = data;
  GwSession *session = g_hash_table_lookup(pending->server->sessions, pending->peer_id);

  if (session != NULL) {
    if (login != NULL)
      gw_session_set_account_id(session, login->account->id);
    gw_session_release(session);
  }
  g_free(pending->peer_id);
  g_free(pending);
}

/* Several nodes: an advisor logged in on another node; the join waits for the lookup. */
static void
find_shared_login(GwServer *server, GwSession *session, SoupServerMessage *msg)
{
  g_autofree char *id = gw_api_session_cookie(msg);
  SharedLogin *pending;

  if (id == NULL || !gw_auth_is_shared(server->auth))
    return;
  pending = g_new0(SharedLogin, 1);
  pending->server = server;
  pending->peer_id = g_strdup(gw_session_get_peer_id(session));
  gw_session_hold(session);
  gw_auth_lookup_async(server->auth, id, on_shared_login, pending);
}

static void
handle_websocket(SoupServer *soup, SoupServerMessage *msg, const char *path,
                 SoupWebsocketConnection *connection, gpointer user_data)
{
  GwServer *server = user_data;
  guint64 hard_limit = (guint64)server->config->ws_max_message * HARD_FRAME_FACTOR;

  if (server->draining) {
    refuse_websocket_draining(connection);
    return;
  }
  if (gw_abuse_guard_fds_low(server->guard)) {
    refuse_websocket_busy(connection);
    return;
  }
  g_autofree char *peer_id = new_peer_id(server);

  soup_websocket_connection_set_max_incoming_payload_size(connection, hard_limit);
  /* libsoup 3.2 limits frames only; later versions can also cap a message
   * reassembled from fragments. */
  set_uint_if_supported(connection, "max-total-message-size", hard_limit);
  soup_websocket_connection_set_keepalive_interval(connection, KEEPALIVE_SECONDS);
  set_uint_if_supported(connection, "keepalive-pong-timeout", KEEPALIVE_PONG_TIMEOUT_SECONDS);
  /* First on "message": it drops what is over the rate before the session sees it. */
  gw_abuse_guard_watch_websocket(server->guard, msg, connection);

  GwLoginSession *login = gw_api_session_from_cookie(&server->api, msg);
  GwSession *session =
      gw_session_new(server->config, server->rooms, server->admission, server->queues,
                     connection, peer_id,
                     on_session_closed, server);
  if (login != NULL)
    gw_session_set_account_id(session, login->account->id);
  g_hash_table_insert(server->sessions, (gpointer)gw_session_get_peer_id(session), session);
  if (login == NULL)
    find_shared_login(server, session, msg);
  gw_signaling_log(G_LOG_LEVEL_INFO, NULL, peer_id, "websocket opened (%u open, account %s)",
                   g_hash_table_size(server->sessions),
                   login != NULL ? login->account->id : "none");
  gw_signaling_log(G_LOG_LEVEL_DEBUG, NULL, peer_id, "websocket from %s",
                   soup_server_message_get_remote_host(msg));
}

static void
handle_check_websocket(SoupServer *soup, SoupServerMessage *msg, const char *path,
                       SoupWebsocketConnection *connection, gpointer user_data)
{
  GwServer *server = user_data;

  if (server->draining) {
    refuse_websocket_draining(connection);
    return;
  }
  if (gw_abuse_guard_fds_low(server->guard)) {
    refuse_websocket_busy(connection);
    return;
  }
  /* First on "message", like /ws: what is over the rate never reaches the check. */
  gw_abuse_guard_watch_websocket(server->guard, msg, connection);
  gw_media_checks_accept(server->checks, connection);
}

static void
handle_join_link(SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
                 gpointer user_data)
{
  GwServer *server = user_data;

  gw_join_page_serve(msg, path, server->admission);
  log_http_error(msg);
}

static void
handle_queue_link(SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
                  gpointer user_data)
{
  GwServer *server = user_data;

  gw_queue_page_serve(msg, path, server->config, server->queues, server->admission);
  log_http_error(msg);
}

static void
handle_oidc(SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
            gpointer user_data)
{
  GwServer *server = user_data;

  gw_oidc_serve(server->oidc, msg, path);
}

static void
handle_api(SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
           gpointer user_data)
{
  GwServer *server = user_data;

  gw_api_serve(&server->api, msg, path);
  log_http_error(msg);
}

/* Advisor accounts live in DATA_DIR/users.db (`balie user add`). */
static gboolean
open_users(GwServer *server, GError **error)
{
  g_autofree char *path = g_build_filename(server->config->data_dir, "users.db", NULL);
  g_autoptr(GError) store_error = NULL;

  g_autofree char *audit_path = g_build_filename(server->config->data_dir, "audit.db", NULL);

  /* Revoked and finished links stay refused across a restart. */
  g_autofree char *ledger_path =
      g_build_filename(server->config->data_dir, "contact-ledger.db", NULL);
  if (!gw_contact_ledger_persist(server->ledger, ledger_path, g_get_real_time() / G_USEC_PER_SEC,
                                 &store_error)) {
    g_set_error(error, GW_SERVER_ERROR, GW_SERVER_ERROR_SECRET, "%s", store_error->message);
    return FALSE;
  }
  server->users = gw_user_store_open(path, &store_error);
  if (server->users == NULL) {
    g_set_error(error, GW_SERVER_ERROR, GW_SERVER_ERROR_SECRET, "%s", store_error->message);
    return FALSE;
  }
  server->audit = gw_audit_log_open(audit_path, &store_error);
  if (server->audit == NULL) {
    g_set_error(error, GW_SERVER_ERROR, GW_SERVER_ERROR_SECRET, "%s", store_error->message);
    return FALSE;
  }
  server->api.audit = server->audit;
  GwAuthProvider provider = gw_auth_provider_local(server->users);
  server->auth = gw_auth_new(&provider);
  server->api.config = server->config;
  server->api.auth = server->auth;
  server->api.admission = server->admission;
  server->api.ledger = server->ledger;
  server->api.queues = server->queues;
  server->api.rooms = server->rooms;
  server->api.sink = &server->contact_sink;
  server->api.pseudonym_key = server->pseudonym_key;
  return TRUE;
}

/*
 * The key of the HMAC that turns an invite's customer id into a pseudonym:
 * DATA_DIR/secrets/pseudonym.key, generated on first start. Kept apart from
 * the join-link key so that rotating that one keeps a customer's pseudonym
 * (and `balie customer forget` finds all their contacts).
 */
static gboolean
load_pseudonym_key(GwServer *server, GError **error)
{
  g_autofree char *path =
      g_build_filename(server->config->data_dir, "secrets", "pseudonym.key", NULL);
  g_autoptr(GError) key_error = NULL;

  server->pseudonym_key = gw_token_key_load(path, &key_error);
  if (server->pseudonym_key == NULL) {
    g_set_error(error, GW_SERVER_ERROR, GW_SERVER_ERROR_SECRET, "pseudonym key: %s",
                key_error->message);
    return FALSE;
  }
  return TRUE;
}

/* The key that signs join links: config->token_key_file, else DATA_DIR/secrets/token.key. */
static gboolean
load_token_key(GwServer *server, GError **error)
{
  GwConfig *config = server->config;
  g_autofree char *path = config->token_key_file != NULL
                              ? g_strdup(config->token_key_file)
                              : g_build_filename(config->data_dir, "secrets", "token.key", NULL);
  g_autoptr(GError) key_error = NULL;
  g_autoptr(GBytes) key = gw_token_key_load(path, &key_error);

  if (key == NULL) {
    g_set_error(error, GW_SERVER_ERROR, GW_SERVER_ERROR_SECRET, "join-link key: %s",
                key_error->message);
    return FALSE;
  }
  server->admission = gw_admission_new(key, server->ledger, server->rooms);
  server->guard = gw_abuse_guard_new(server->config, server->soup, key);
  server->rating_key = gw_rating_token_derive_key(key);
  gw_room_directory_set_rating_key(server->rooms, server->rating_key);
  server->api.wrap_up_key = server->rating_key;
  return load_pseudonym_key(server, error);
}

static gboolean
load_certificate(GwServer *server, GError **error)
{
  g_autoptr(GError) tls_error = NULL;
  g_autoptr(GTlsCertificate) certificate = g_tls_certificate_new_from_files(
      server->config->tls_cert_file, server->config->tls_key_file, &tls_error);

  if (certificate == NULL) {
    g_set_error(error, GW_SERVER_ERROR, GW_SERVER_ERROR_TLS,
                "cannot load the TLS certificate %s with key %s: %s", server->config->tls_cert_file,
                server->config->tls_key_file, tls_error->message);
    return FALSE;
  }
  soup_server_set_tls_certificate(server->soup, certificate);
  return TRUE;
}

/*
 * What soup_server_listen() does, with a longer queue of connections not yet
 * accepted: GSocket's default of 10 drops further SYNs during a burst (a
 * connection flood, or many browsers reconnecting after a restart), and each
 * dropped client waits a second or more before trying again.
 */
static GSocket *
new_listening_socket(const GwConfig *config, GSocketAddress *address, GError **error)
{
  GSocketFamily family = g_socket_address_get_family(address);
  g_autoptr(GSocket) socket =
      g_socket_new(family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);

  if (socket == NULL)
    return NULL;
  if (family == G_SOCKET_FAMILY_IPV6)
    g_socket_set_option(socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, NULL);
  g_socket_set_listen_backlog(socket, LISTEN_BACKLOG);
  /* A connection is passed to the gateway (and libsoup starts its TLS handshake, which waits in
   * a GLib worker thread) only once the client has sent something, or after this long: a flood
   * of silent connections waits in the kernel instead. */
  if (config->tls)
    g_socket_set_option(socket, IPPROTO_TCP, TCP_DEFER_ACCEPT,
                        (gint)config->tls_handshake_timeout_seconds, NULL);
  if (!g_socket_bind(socket, address, TRUE, error) || !g_socket_listen(socket, error))
    return NULL;
  return g_steal_pointer(&socket);
}

static gboolean
listen_on(GwServer *server, GError **error)
{
  GwConfig *config = server->config;
  g_autoptr(GError) listen_error = NULL;
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string(config->listen_address);

  if (address == NULL) {
    g_set_error(error, GW_SERVER_ERROR, GW_SERVER_ERROR_LISTEN,
                "listen address \"%s\" is not an IP address", config->listen_address);
    return FALSE;
  }
  g_autoptr(GSocketAddress) socket_address = g_inet_socket_address_new(address, config->port);
  SoupServerListenOptions options = config->tls ? SOUP_SERVER_LISTEN_HTTPS : 0;
  g_autoptr(GSocket) socket = new_listening_socket(config, socket_address, &listen_error);
  if (socket == NULL ||
      !soup_server_listen_socket(server->soup, socket, options, &listen_error)) {
    g_set_error(error, GW_SERVER_ERROR, GW_SERVER_ERROR_LISTEN, "cannot listen on %s port %u: %s",
                config->listen_address, config->port, listen_error->message);
    return FALSE;
  }

  GSList *listeners = soup_server_get_listeners(server->soup);
  if (listeners != NULL) {
    g_autoptr(GSocketAddress) local = g_socket_get_local_address(listeners->data, NULL);
    if (local != NULL)
      server->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
  }
  g_slist_free(listeners);
  gw_signaling_log(G_LOG_LEVEL_MESSAGE, NULL, NULL, "listening on %s://%s:%u/",
                   config->tls ? "https" : "http", config->listen_address, server->port);
  return TRUE;
}

GwServer *
gw_server_new(GwConfig *config, GError **error)
{
  g_return_val_if_fail(config != NULL, NULL);

  g_autoptr(GError) files_error = NULL;
  guint64 files = 0;

  /* Before the guard reads the limit: this raises the soft limit where it can. */
  if (!gw_abuse_guard_check_open_files(config, &files, &files_error))
    gw_signaling_log(G_LOG_LEVEL_WARNING, NULL, NULL, "%s", files_error->message);
  else
    gw_signaling_log(G_LOG_LEVEL_INFO, NULL, NULL, "open-files limit %" G_GUINT64_FORMAT, files);

  GwServer *server = g_new0(GwServer, 1);
  server->config = gw_config_ref(config);
  server->ledger = gw_contact_ledger_new();
  server->rooms = gw_room_directory_new(config, &server->contact_sink, server->ledger);
  server->queues = gw_queues_new(config, server->rooms);
  server->checks = gw_media_checks_new(config);
  server->sessions =
      g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)gw_session_free);
  server->soup = soup_server_new("server-header", "balie", NULL);
  /* Signaling messages are small; permessage-deflate would only let a small
   * frame inflate past every size limit. */
  soup_server_remove_websocket_extension(server->soup, SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);
  /* First on "request-started": the others find a message's socket through it. */
  server->connections = gw_connections_new(config, server->soup);
  g_signal_connect(server->soup, "request-started", G_CALLBACK(on_request_started), server);

  if ((config->tls && !load_certificate(server, error)) || !load_token_key(server, error) ||
      !open_users(server, error)) {
    gw_server_free(server);
    return NULL;
  }
  soup_server_add_handler(server->soup, NULL, handle_static, server, NULL);
  soup_server_add_handler(server->soup, "/healthz", handle_healthz, server, NULL);
  soup_server_add_handler(server->soup, "/brand.css", handle_brand, server, NULL);
  soup_server_add_handler(server->soup, "/brand.json", handle_brand, server, NULL);
  soup_server_add_handler(server->soup, "/brand/logo", handle_brand, server, NULL);
  soup_server_add_handler(server->soup, "/j/", handle_join_link, server, NULL);
  soup_server_add_handler(server->soup, "/q/", handle_queue_link, server, NULL);
  soup_server_add_handler(server->soup, "/api/v1/", handle_api, server, NULL);
  soup_server_add_websocket_handler(server->soup, "/ws", NULL, NULL, handle_websocket, server,
                                    NULL);
  soup_server_add_websocket_handler(server->soup, "/ws/check", NULL, NULL, handle_check_websocket,
                                    server, NULL);
  if (!listen_on(server, error)) {
    gw_server_free(server);
    return NULL;
  }
  server->api.port = server->port;
  if (config->oidc_issuer != NULL) {
    g_autofree char *base = gw_config_dup_public_url(config, server->port);

    server->oidc = gw_oidc_new(config, server->auth, server->users, base, error);
    if (server->oidc == NULL) {
      gw_server_free(server);
      return NULL;
    }
    soup_server_add_handler(server->soup, "/auth/oidc/", handle_oidc, server, NULL);
  }
  return server;
}

guint
gw_server_get_port(GwServer *server)
{
  return server->port;
}

guint
gw_server_get_room_count(GwServer *server)
{
  return gw_room_directory_get_room_count(server->rooms);
}

guint
gw_server_get_participant_count(GwServer *server)
{
  return gw_room_directory_get_participant_count(server->rooms);
}

GBytes *
gw_server_get_rating_key(GwServer *server)
{
  return server->rating_key;
}

GwAuditLog *
gw_server_get_audit(GwServer *server)
{
  return server->audit;
}

GwAuth *
gw_server_get_auth(GwServer *server)
{
  return server->auth;
}

GwQueues *
gw_server_get_queues(GwServer *server)
{
  return server->queues;
}

GwLoginSession *
gw_server_get_login_session(GwServer *server, SoupServerMessage *msg)
{
  return gw_api_session_from_cookie(&server->api, msg);
}

void
gw_server_build_queue_list(GwServer *server, JsonBuilder *builder)
{
  gw_queues_build_list(server->queues, builder);
}

/* Ends every session (1001) after the rooms are gone, then lets the close
 * frames go out for a bounded time. */
static void
close_sessions(GwServer *server)
{
  GHashTableIter iter;
  gpointer session;

  g_hash_table_iter_init(&iter, server->sessions);
  while (g_hash_table_iter_next(&iter, NULL, &session))
    gw_session_end(session, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "gateway stopping");

  GMainContext *context = g_main_context_get_thread_default();
  gint64 deadline = g_get_monotonic_time() + CLOSE_GRACE_USEC;
  while (g_hash_table_size(server->sessions) > 0 && g_get_monotonic_time() < deadline) {
    if (!g_main_context_iteration(context, FALSE))
      g_usleep(1000);
  }
}

/* A handler mounted by gateway/ (insights, ratings, /metrics, an advisor's contacts). */
typedef struct {
  GwServer *server;
  SoupServerCallback callback;
  gpointer user_data;
  GDestroyNotify destroy;
} Mounted;

static void
mounted_free(gpointer data)
{
  Mounted *mounted = data;

  if (mounted->destroy != NULL)
    mounted->destroy(mounted->user_data);
  g_free(mounted);
}

/* A request that waits (paused) for a login made on another node. */
typedef struct {
  Mounted *mounted;
  SoupServer *soup;
  SoupServerMessage *msg; /* a reference */
  char *path;
  GHashTable *query; /* a reference, nullable */
} MountedPending;

static void
on_mounted_login(GwLoginSession *login, gpointer data)
{
  MountedPending *pending = data;

  /* Unpaused first: the handler may pause the message again (a pause cancels the resume). */
  soup_server_message_unpause(pending->msg);
  pending->mounted->callback(pending->soup, pending->msg, pending->path, pending->query,
                             pending->mounted->user_data);
  g_object_unref(pending->msg);
  g_clear_pointer(&pending->query, g_hash_table_unref);
  g_free(pending->path);
  g_free(pending);
}

/* Several nodes: the handler's gw_server_get_login_session() finds a login made elsewhere. */
static void
handle_mounted(SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
               gpointer data)
{
  Mounted *mounted = data;
  GwAuth *auth = mounted->server->auth;
  g_autofree char *id = gw_api_session_cookie(msg);

  if (id != NULL && gw_auth_is_shared(auth) && gw_auth_lookup(auth, id) == NULL) {
    MountedPending *pending = g_new0(MountedPending, 1);
    pending->mounted = mounted;
    pending->soup = soup;
    pending->msg = g_object_ref(msg);
    pending->path = g_strdup(path);
    pending->query = query != NULL ? g_hash_table_ref(query) : NULL;
    soup_server_message_pause(msg);
    gw_auth_lookup_async(auth, id, on_mounted_login, pending);
    return;
  }
  mounted->callback(soup, msg, path, query, mounted->user_data);
}

void
gw_server_add_handler(GwServer *server, const char *path, SoupServerCallback callback,
                      gpointer user_data, GDestroyNotify destroy)
{
  Mounted *mounted = g_new0(Mounted, 1);

  mounted->server = server;
  mounted->callback = callback;
  mounted->user_data = user_data;
  mounted->destroy = destroy;
  /* Its responses get the security headers like all others (on_request_started). */
  soup_server_add_handler(server->soup, path, handle_mounted, mounted, mounted_free);
}

void
gw_server_set_contact_sink(GwServer *server, const GwContactSink *sink)
{
  server->contact_sink = *sink;
}

const GwContactSink *
gw_server_get_contact_sink(GwServer *server)
{
  return &server->contact_sink;
}

void
gw_server_set_draining(GwServer *server, gboolean draining)
{
  server->draining = draining;
}

gboolean
gw_server_reload_tls(GwServer *server, GError **error)
{
  if (!server->config->tls)
    return TRUE;
  return load_certificate(server, error);
}

void
gw_server_free(GwServer *server)
{
  if (server == NULL)
    return;
  /* Before the disconnect: no connection is handed back to a server going away. */
  g_clear_pointer(&server->connections, gw_connections_free);
  soup_server_disconnect(server->soup);
  /* Queues, then rooms: sessions must not wait or be in a room when ended or freed. */
  g_clear_pointer(&server->checks, gw_media_checks_free);
  g_clear_pointer(&server->queues, gw_queues_free);
  g_clear_pointer(&server->rooms, gw_room_directory_free);
  g_clear_pointer(&server->rating_key, g_bytes_unref);
  g_clear_pointer(&server->pseudonym_key, g_bytes_unref);
  close_sessions(server);
  g_hash_table_destroy(server->sessions);
  g_clear_pointer(&server->oidc, gw_oidc_free);
  g_clear_pointer(&server->auth, gw_auth_free);
  g_clear_pointer(&server->users, gw_user_store_close);
  g_clear_pointer(&server->audit, gw_audit_log_close);
  g_clear_pointer(&server->admission, gw_admission_free);
  g_clear_pointer(&server->guard, gw_abuse_guard_free);
  g_clear_pointer(&server->ledger, gw_contact_ledger_free);
  g_signal_handlers_disconnect_by_data(server->soup, server);
  g_object_unref(server->soup);
  gw_config_unref(server->config);
  g_free(server);
}
