/* SPDX-License-Identifier: Apache-2.0 */
/* Limits per client address and per connection at the front door: request and WebSocket rates,
 * open WebSockets, forged join links, requests that never finish, and file descriptors. */
#include "signaling/abuse-guard.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/resource.h>

#include "signaling/client-address.h"
#include "signaling/connections.h"
#include "signaling/join-token.h"
#include "signaling/protocol.h"
#include "signaling/rate-limit.h"
#include "signaling/signaling-log.h"

/* libsoup 3.2 has no name for it. */
#define STATUS_TOO_MANY_REQUESTS 429
/* Bursts allowed on top of a steady rate (a page load fetches a dozen files at once). */
#define BURST_FACTOR 4
/* WebSocket opens per second allowed from one address (a reload loop, a flood). */
#define WS_OPENS_PER_SECOND 10
/* Addresses not seen for this long are forgotten (their buckets are full again anyway). */
#define FORGET_AFTER_US (10 * 60 * G_USEC_PER_SEC)
#define SWEEP_SECONDS 60
/* How often the open file descriptors are counted. */
#define FD_COUNT_INTERVAL_US (1 * G_USEC_PER_SEC)
#define DEADLINE_KEY "balie-request-deadline"
#define WATCH_KEY "balie-abuse-watch"
#define OVERFLOW_ADDRESS "(many)"

typedef struct {
  char *address; /* also the table's key */
  GwRateLimit requests;
  GwRateLimit ws_opens;
  GwRateLimit bad_links;
  guint open_ws;
  gint64 seen_us;
} AddressState;

/*
 * Reference-counted: the signal handlers on the server and on each request and
 * every watched WebSocket hold a reference, so none of them can see it freed;
 * gw_abuse_guard_free() marks it closed and drops the owner's reference.
 */
struct _GwAbuseGuard {
  gint ref_count;
  gboolean closed;
  GwConfig *config;
  SoupServer *soup; /* not owned; valid until gw_abuse_guard_free() */
  GBytes *token_key;
  GHashTable *addresses; /* address (owned) → AddressState (owned) */
  guint sweep_source;
  gulong started_handler;
  gulong read_handler;
  guint64 fd_limit;
  guint fds_open; /* as last counted */
  gint64 fds_counted_us;
};

/* One watched WebSocket; lives as long as the connection (object data). */
typedef struct {
  GwAbuseGuard *guard; /* a reference */
  char *address;
  GwRateLimit messages;
  GwRateLimit drops; /* a sender that keeps going over the rate empties this one too */
  guint dropped;
} Watch;

static void
address_state_free(gpointer data)
{
  AddressState *state = data;

  g_free(state->address);
  g_free(state);
}

static AddressState *
lookup_address(GwAbuseGuard *guard, const char *address, gint64 now_us)
{
  AddressState *state;

  if (address == NULL)
    address = OVERFLOW_ADDRESS;
  state = g_hash_table_lookup(guard->addresses, address);
  if (state == NULL && g_hash_table_size(guard->addresses) >= GW_ABUSE_GUARD_MAX_ADDRESSES)
    return lookup_address(guard, OVERFLOW_ADDRESS, now_us);
  if (state == NULL) {
    GwConfig *config = guard->config;
    state = g_new0(AddressState, 1);
    state->address = g_strdup(address);
    gw_rate_limit_init(&state->requests, config->http_requests_per_second,
                       (double)config->http_requests_per_second * BURST_FACTOR, now_us);
    gw_rate_limit_init(&state->ws_opens, WS_OPENS_PER_SECOND,
                       WS_OPENS_PER_SECOND * BURST_FACTOR, now_us);
    gw_rate_limit_init(&state->bad_links, config->bad_links_per_minute / 60.0,
                       config->bad_links_per_minute, now_us);
    g_hash_table_insert(guard->addresses, state->address, state);
  }
  state->seen_us = now_us;
  return state;
}

static GwAbuseGuard *
guard_ref(GwAbuseGuard *guard)
{
  g_atomic_int_inc(&guard->ref_count);
  return guard;
}

static void
guard_unref(gpointer data)
{
  GwAbuseGuard *guard = data;

  if (!g_atomic_int_dec_and_test(&guard->ref_count))
    return;
  g_hash_table_destroy(guard->addresses);
  g_bytes_unref(guard->token_key);
  gw_config_unref(guard->config);
  g_free(guard);
}

static gboolean
sweep(gpointer user_data)
{
  GwAbuseGuard *guard = user_data;
  gint64 now_us = g_get_monotonic_time();
  GHashTableIter iter;
  AddressState *state;

  g_hash_table_iter_init(&iter, guard->addresses);
  while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&state)) {
    if (state->open_ws == 0 && now_us - state->seen_us > FORGET_AFTER_US)
      g_hash_table_iter_remove(&iter);
  }
  return G_SOURCE_CONTINUE;
}

static void
refuse_http(SoupServerMessage *msg, guint status, guint retry_after, const char *why)
{
  g_autofree char *seconds = g_strdup_printf("%u", retry_after);
  g_autofree char *body =
      g_strdup_printf("{\"error\":{\"code\":\"rate-limited\",\"message\":\"%s\"}}", why);
  gsize length = strlen(body);

  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Retry-After",
                               seconds);
  soup_server_message_set_status(msg, status, NULL);
  soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_TAKE,
                                   g_steal_pointer(&body), length);
}

static void
on_refusal_written(GObject *source, GAsyncResult *result, gpointer user_data)
{
  GIOStream *stream = user_data;

  g_output_stream_write_all_finish(G_OUTPUT_STREAM(source), result, NULL, NULL);
  g_io_stream_close_async(stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_object_unref(stream);
}

/*
 * Answers @status_line and closes the connection without reading the body:
 * libsoup 3.2 reads a whole body into memory before it answers, even when the
 * status is already set (unless the client sent Expect: 100-continue).
 */
static void
refuse_unread(SoupServerMessage *msg, const char *status_line)
{
  GString *text = g_string_new(NULL);
  SoupMessageHeadersIter iter;
  const char *name, *value;

  g_string_append_printf(text, "HTTP/1.1 %s\r\n", status_line);
  /* The headers set so far go out too: the security headers (signaling/server.c). */
  soup_message_headers_iter_init(&iter, soup_server_message_get_response_headers(msg));
  while (soup_message_headers_iter_next(&iter, &name, &value))
    g_string_append_printf(text, "%s: %s\r\n", name, value);
  g_string_append(text, "Connection: close\r\nContent-Length: 0\r\n\r\n");
  char *response = g_string_free(text, FALSE);
  GIOStream *stream = soup_server_message_steal_connection(msg);

  gw_signaling_log(G_LOG_LEVEL_INFO, NULL, NULL, "http %.3s: request body refused unread",
                   status_line);
  if (stream == NULL) {
    g_free(response);
    return;
  }
  /* The text lives as long as the stream it is written to. */
  g_object_set_data_full(G_OBJECT(stream), "balie-refusal", response, g_free);
  g_output_stream_write_all_async(g_io_stream_get_output_stream(stream), response,
                                  strlen(response), G_PRIORITY_DEFAULT, NULL, on_refusal_written,
                                  stream);
}

/* Whether @text (a join link as it came in) is one we did not sign; an expired one is genuine. */
static gboolean
is_forged_link(GwAbuseGuard *guard, const char *text, gsize length)
{
  gsize key_length = 0;
  const guint8 *key = g_bytes_get_data(guard->token_key, &key_length);
  g_autoptr(GError) error = NULL;
  g_autoptr(GwJoinToken) token =
      gw_join_token_verify(text, length, key, key_length, g_get_real_time() / G_USEC_PER_SEC,
                           &error);

  return token == NULL && !g_error_matches(error, GW_JOIN_TOKEN_ERROR, GW_JOIN_TOKEN_ERROR_EXPIRED);
}

/* Counts a forged link against @state; FALSE when the address has no budget left for links. */
static gboolean
admit_link(GwAbuseGuard *guard, AddressState *state, const char *text, gsize length,
           gint64 now_us)
{
  /* An address out of budget gets no verdict at all (not even "expired") until it refills. */
  if (!gw_rate_limit_peek(&state->bad_links, now_us))
    return FALSE;
  if (is_forged_link(guard, text, length))
    gw_rate_limit_take(&state->bad_links, now_us);
  return TRUE;
}

/*
 * Requests that present a secret other than a join link: a bearer token (the
 * API token for insights and exports) or a customer's rating token. A refusal
 * (401, 403) takes from the same per-address budget as a forged join link;
 * while it is empty, such requests get 429 before any handler looks at the
 * secret, right or wrong (logins have their own lock-out, signaling/auth.c).
 */
static gboolean
carries_secret(SoupServerMessage *msg, const char *path)
{
  return soup_message_headers_get_one(soup_server_message_get_request_headers(msg),
                                      "Authorization") != NULL ||
         (soup_server_message_get_method(msg) == SOUP_METHOD_POST &&
          g_str_equal(path, "/api/v1/ratings"));
}

static void
on_secret_answered(SoupServerMessage *msg, gpointer user_data)
{
  GwAbuseGuard *guard = user_data;
  guint status = soup_server_message_get_status(msg);
  gint64 now_us = g_get_monotonic_time();

  if (guard->closed || (status != SOUP_STATUS_UNAUTHORIZED && status != SOUP_STATUS_FORBIDDEN))
    return;
  g_autofree char *client = gw_client_address(guard->config, msg);
  gw_rate_limit_take(&lookup_address(guard, client, now_us)->bad_links, now_us);
}

/*
 * Runs once a request's headers are in, before its body is read and before
 * any handler (early handlers only run for the path they are mounted at, so
 * one at "/" would miss /ws, /api/v1/ and the rest). A status set here skips
 * the body and the handlers.
 */
static void
on_got_headers(SoupServerMessage *msg, gpointer user_data)
{
  GwAbuseGuard *guard = user_data;
  gint64 now_us = g_get_monotonic_time();
  const char *path = g_uri_get_path(soup_server_message_get_uri(msg));
  SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);

  if (guard->closed || soup_server_message_get_status(msg) != 0)
    return;
  g_autofree char *client = gw_client_address(guard->config, msg);
  AddressState *state = lookup_address(guard, client, now_us);
  if (!gw_rate_limit_take(&state->requests, now_us)) {
    refuse_http(msg, STATUS_TOO_MANY_REQUESTS, gw_rate_limit_wait_seconds(&state->requests),
                "too many requests from this address; wait a moment");
    gw_signaling_log(G_LOG_LEVEL_INFO, NULL, NULL, "http 429: request rate");
    return;
  }
  /* Bodies are small JSON objects; a large one is refused before it is read into memory. */
  if (soup_message_headers_get_encoding(headers) == SOUP_ENCODING_CHUNKED) {
    refuse_unread(msg, "411 Length Required");
    return;
  }
  if (soup_message_headers_get_encoding(headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length(headers) > GW_ABUSE_GUARD_MAX_BODY) {
    refuse_unread(msg, "413 Payload Too Large");
    return;
  }
  if (carries_secret(msg, path)) {
    if (!gw_rate_limit_peek(&state->bad_links, now_us)) {
      refuse_http(msg, STATUS_TOO_MANY_REQUESTS, gw_rate_limit_wait_seconds(&state->bad_links),
                  "too many wrong tokens from this address; wait a minute");
      gw_signaling_log(G_LOG_LEVEL_INFO, NULL, NULL, "http 429: too many wrong tokens");
      return;
    }
    g_signal_connect_data(msg, "finished", G_CALLBACK(on_secret_answered), guard_ref(guard),
                          (GClosureNotify)guard_unref, 0);
  }
  if (g_str_has_prefix(path, "/ws")) {
    if (state->open_ws >= guard->config->ws_per_address ||
        !gw_rate_limit_take(&state->ws_opens, now_us)) {
      refuse_http(msg, STATUS_TOO_MANY_REQUESTS, 1,
                  "too many connections from this address; wait a moment");
      gw_signaling_log(G_LOG_LEVEL_INFO, NULL, NULL, "websocket refused: %u open from one address",
                       state->open_ws);
    }
    return;
  }
  if (g_str_has_prefix(path, "/j/")) {
    const char *link = path + strlen("/j/");
    if (!admit_link(guard, state, link, strlen(link), now_us)) {
      refuse_http(msg, STATUS_TOO_MANY_REQUESTS, gw_rate_limit_wait_seconds(&state->bad_links),
                  "too many invalid links from this address; wait a minute");
      gw_signaling_log(G_LOG_LEVEL_INFO, NULL, NULL, "join link refused: too many forged links");
    }
  }
}

/* ---- requests that never finish ---- */

static void
remove_source(gpointer id)
{
  g_source_remove(GPOINTER_TO_UINT(id));
}

static gboolean
on_deadline(gpointer user_data)
{
  SoupServerMessage *msg = user_data;
  GSocket *socket = gw_connections_get_socket(msg);

  /* The source ends here: take it out of the message without removing it. */
  g_object_steal_data(G_OBJECT(msg), DEADLINE_KEY);
  /* No request line yet: most often a kept-alive connection left idle, else a slow client. */
  gw_signaling_log(G_LOG_LEVEL_INFO, NULL, NULL, "%s within its deadline: connection closed",
                   soup_server_message_get_method(msg) == NULL ? "no request"
                                                               : "request not complete");
  /* Shutting the socket down lets libsoup see the end and clean up in its own order. */
  if (socket != NULL)
    g_socket_shutdown(socket, TRUE, TRUE, NULL);
  return G_SOURCE_REMOVE;
}

/* Every request on every connection: for a new TLS connection before the handshake, for a
 * kept-alive one as soon as the previous request is answered (signaling/connections.h), so the
 * deadline also bounds the idle time between requests. */
static void
on_request_started(SoupServer *soup, SoupServerMessage *msg, gpointer user_data)
{
  GwAbuseGuard *guard = user_data;

  if (guard->closed)
    return;
  guint id = g_timeout_add_seconds(guard->config->request_timeout_seconds, on_deadline, msg);

  /* Freed with the message, so the timer never outlives it. */
  g_object_set_data_full(G_OBJECT(msg), DEADLINE_KEY, GUINT_TO_POINTER(id), remove_source);
  g_signal_connect_data(msg, "got-headers", G_CALLBACK(on_got_headers), guard_ref(guard),
                        (GClosureNotify)guard_unref, 0);
}

static void
on_request_read(SoupServer *soup, SoupServerMessage *msg, gpointer user_data)
{
  g_object_set_data(G_OBJECT(msg), DEADLINE_KEY, NULL);
}

/* ---- WebSockets ---- */

static void
watch_free(gpointer data)
{
  Watch *watch = data;
  AddressState *state = g_hash_table_lookup(watch->guard->addresses, watch->address);

  if (state != NULL && state->open_ws > 0)
    state->open_ws--;
  guard_unref(watch->guard);
  g_free(watch->address);
  g_free(watch);
}

static void
send_limit(SoupWebsocketConnection *connection, const char *why, const char *ref)
{
  g_autofree char *reply = gw_protocol_build_error(GW_PROTOCOL_ERROR_LIMIT, why, ref);

  if (soup_websocket_connection_get_state(connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text(connection, reply);
}

/* A join that carries a link, checked against the address's budget for forged links. */
static gboolean
admit_join(Watch *watch, GBytes *bytes, gint64 now_us)
{
  GwAbuseGuard *guard = watch->guard;
  gsize length = 0;
  const char *data = g_bytes_get_data(bytes, &length);

  /* Most messages carry no link: skip the second parse for them. */
  if (length > guard->config->ws_max_message ||
      g_strstr_len(data, (gssize)length, "\"token\"") == NULL)
    return TRUE;
  g_autoptr(GwMessage) message = gw_message_parse(guard->config, data, length, NULL, NULL);
  if (message == NULL || message->type != GW_MESSAGE_JOIN || message->join.token == NULL)
    return TRUE;
  AddressState *state = lookup_address(guard, watch->address, now_us);
  return admit_link(guard, state, message->join.token, strlen(message->join.token), now_us);
}

static void
on_ws_message(SoupWebsocketConnection *connection, gint type, GBytes *bytes, gpointer user_data)
{
  Watch *watch = user_data;
  gint64 now_us = g_get_monotonic_time();

  if (watch->guard->closed)
    return;
  if (!gw_rate_limit_take(&watch->messages, now_us)) {
    g_signal_stop_emission_by_name(connection, "message");
    /* One reply per burst of drops, not one per dropped message. */
    if (watch->dropped++ % 100 == 0)
      send_limit(connection, "too many messages; slow down", NULL);
    if (!gw_rate_limit_take(&watch->drops, now_us) &&
        soup_websocket_connection_get_state(connection) == SOUP_WEBSOCKET_STATE_OPEN) {
      gw_signaling_log(G_LOG_LEVEL_INFO, NULL, NULL, "websocket closed: message flood");
      soup_websocket_connection_close(connection, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION,
                                      "message flood");
    }
    return;
  }
  if (type == SOUP_WEBSOCKET_DATA_TEXT && !admit_join(watch, bytes, now_us)) {
    g_signal_stop_emission_by_name(connection, "message");
    gw_signaling_log(G_LOG_LEVEL_INFO, NULL, NULL, "join refused: too many forged links");
    send_limit(connection, "too many invalid links from this address; wait a minute", "join");
  }
}

void
gw_abuse_guard_watch_websocket(GwAbuseGuard *guard, SoupServerMessage *msg,
                               SoupWebsocketConnection *connection)
{
  Watch *watch = g_new0(Watch, 1);
  gint64 now_us = g_get_monotonic_time();
  g_autofree char *address = gw_client_address(guard->config, msg);
  AddressState *state = lookup_address(guard, address, now_us);

  watch->address = g_strdup(state->address);
  watch->guard = guard_ref(guard);
  gw_rate_limit_init(&watch->messages, guard->config->ws_messages_per_second,
                     (double)guard->config->ws_messages_per_second * BURST_FACTOR, now_us);
  gw_rate_limit_init(&watch->drops, guard->config->ws_messages_per_second,
                     GW_ABUSE_GUARD_MAX_DROPPED, now_us);
  GSocket *socket = gw_connections_get_socket(msg);
  g_autoptr(GError) error = NULL;
  if (socket != NULL && g_socket_get_family(socket) != G_SOCKET_FAMILY_UNIX &&
      !g_socket_set_option(socket, IPPROTO_TCP, TCP_USER_TIMEOUT,
                           GW_ABUSE_GUARD_TCP_USER_TIMEOUT_MS, &error))
    gw_signaling_log(G_LOG_LEVEL_INFO, NULL, NULL, "TCP_USER_TIMEOUT not set: %s", error->message);
  state->open_ws++;
  g_object_set_data_full(G_OBJECT(connection), WATCH_KEY, watch, watch_free);
  g_signal_connect(connection, "message", G_CALLBACK(on_ws_message), watch);
}

/* ---- file descriptors ---- */

static guint
count_open_fds(void)
{
  g_autoptr(GDir) dir = g_dir_open("/proc/self/fd", 0, NULL);
  guint n = 0;

  if (dir == NULL)
    return 0;
  while (g_dir_read_name(dir) != NULL)
    n++;
  return n;
}

gboolean
gw_abuse_guard_fds_low(GwAbuseGuard *guard)
{
  gint64 now_us = g_get_monotonic_time();

  if (guard->fd_limit == 0)
    return FALSE;
  if (now_us - guard->fds_counted_us >= FD_COUNT_INTERVAL_US) {
    guard->fds_open = count_open_fds();
    guard->fds_counted_us = now_us;
  }
  return (guint64)guard->fds_open * 100 >= guard->fd_limit * GW_ABUSE_GUARD_FD_PERCENT;
}

gboolean
gw_abuse_guard_check_open_files(const GwConfig *config, guint64 *limit_out, GError **error)
{
  struct rlimit limit;
  guint64 needed = (guint64)config->max_rooms * config->max_participants *
                       GW_ABUSE_GUARD_FDS_PER_PARTICIPANT +
                   GW_ABUSE_GUARD_FDS_RESERVE;

  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "getrlimit: %s",
                g_strerror(errno));
    return FALSE;
  }
  if (limit.rlim_cur < limit.rlim_max) {
    struct rlimit raised = {limit.rlim_max, limit.rlim_max};
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
      limit = raised;
  }
  if (limit_out != NULL)
    *limit_out = limit.rlim_cur;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES,
                "the open-files limit is %" G_GUINT64_FORMAT " but %u rooms of %u need about %" G_GUINT64_FORMAT
                "; raise it (ulimit -n, LimitNOFILE= in the systemd unit) or lower limits.max_rooms",
                (guint64)limit.rlim_cur, config->max_rooms, config->max_participants, needed);
    return FALSE;
  }
  return TRUE;
}

/* ---- lifetime ---- */

GwAbuseGuard *
gw_abuse_guard_new(GwConfig *config, SoupServer *soup, GBytes *token_key)
{
  GwAbuseGuard *guard = g_new0(GwAbuseGuard, 1);
  struct rlimit limit;

  guard->ref_count = 1;
  guard->config = gw_config_ref(config);
  guard->soup = soup;
  guard->token_key = g_bytes_ref(token_key);
  guard->addresses = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, address_state_free);
  guard->sweep_source = g_timeout_add_seconds(SWEEP_SECONDS, sweep, guard);
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
    guard->fd_limit = limit.rlim_cur;
  guard->started_handler = g_signal_connect_data(soup, "request-started",
                                                 G_CALLBACK(on_request_started), guard_ref(guard),
                                                 (GClosureNotify)guard_unref, 0);
  guard->read_handler = g_signal_connect(soup, "request-read", G_CALLBACK(on_request_read), NULL);
  return guard;
}

void
gw_abuse_guard_free(GwAbuseGuard *guard)
{
  if (guard == NULL)
    return;
  guard->closed = TRUE;
  g_clear_signal_handler(&guard->started_handler, guard->soup);
  g_clear_signal_handler(&guard->read_handler, guard->soup);
  g_clear_handle_id(&guard->sweep_source, g_source_remove);
  guard_unref(guard);
}
