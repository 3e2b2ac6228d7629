/* SPDX-License-Identifier: Apache-2.0 */
/* The TCP connections under the HTTP server: bounded TLS handshakes per peer address, and
 * kept-alive connections handed back to libsoup after every request (libsoup 3.2 leaks idle
 * ones the client closes). */
#include "signaling/connections.h"

#include <string.h>

#include "signaling/client-address.h"
#include "signaling/signaling-log.h"

/* On the GSocket: its Conn, freed with it. On a message: its connection's GSocket (a ref). */
#define CONN_KEY "balie-connection"
#define SOCKET_KEY "balie-connection-socket"
/* Refusals and timeouts are logged once, then every this many (a flood would fill the log). */
#define LOG_EVERY 100
/* Every this many new connections, closed ones leave the peer table (see sweep_closed()). */
#define SWEEP_EVERY 1024

/*
 * Reference-counted: each tracked connection and each pending hand-back holds
 * a reference; gw_connections_free() marks it closed. The tables are guarded
 * by a mutex because a GSocket (and with it its Conn) may be finalized in a
 * GLib worker thread that held the last reference, e.g. after a handshake.
 */
struct _GwConnections {
  gint ref_count;
  gboolean closed;
  GwConfig *config;
  SoupServer *soup; /* not owned */
  GMutex lock;
  GHashTable *handshaking; /* TCP peer address (owned) → GUINT count, > 0 */
  GHashTable *by_peer;     /* "address:port" (owned by the Conn) → Conn */
  gulong started_handler;
  gulong finished_handler;
  guint64 refused;
  guint64 timed_out;
  guint64 tracked;
};

/* One TCP connection; object data on its GSocket, so it lives exactly as long. */
typedef struct {
  GwConnections *owner; /* a reference */
  GSocket *socket;      /* not owned: this is its data */
  GSocketAddress *local;
  GSocketAddress *remote;
  char *address; /* the TCP peer, e.g. "127.0.0.1" */
  char *bucket;  /* what its handshakes count against: the address, for IPv6 its /64 */
  char *peer;    /* address and port: the key in by_peer */
  gboolean handshaking;
  guint handshake_timer;
  guint64 started; /* requests started on it so far */
} Conn;

/* A connection to hand back to libsoup once the request that finished on it is out of the way. */
typedef struct {
  GwConnections *owner; /* a reference */
  SoupServerMessage *msg;
  guint64 started;
} HandBack;

static GwConnections *
connections_ref(GwConnections *connections)
{
  g_atomic_int_inc(&connections->ref_count);
  return connections;
}

static void
connections_unref(gpointer data)
{
  GwConnections *connections = data;

  if (!g_atomic_int_dec_and_test(&connections->ref_count))
    return;
  g_hash_table_destroy(connections->handshaking);
  g_hash_table_destroy(connections->by_peer);
  g_mutex_clear(&connections->lock);
  gw_config_unref(connections->config);
  g_free(connections);
}

static char *
peer_key(GSocketAddress *address)
{
  if (!G_IS_INET_SOCKET_ADDRESS(address))
    return NULL;
  GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS(address);
  g_autofree char *ip = g_inet_address_to_string(g_inet_socket_address_get_address(inet));
  return g_strdup_printf("%s:%u", ip, (guint)g_inet_socket_address_get_port(inet));
}

/* The handshake is over (done, failed or timed out): it no longer counts against its address. */
static void
handshake_over(Conn *conn)
{
  GwConnections *connections = conn->owner;

  g_clear_handle_id(&conn->handshake_timer, g_source_remove);
  if (!conn->handshaking)
    return;
  conn->handshaking = FALSE;
  g_mutex_lock(&connections->lock);
  guint count = GPOINTER_TO_UINT(g_hash_table_lookup(connections->handshaking, conn->bucket));
  if (count <= 1)
    g_hash_table_remove(connections->handshaking, conn->bucket);
  else
    g_hash_table_insert(connections->handshaking, g_strdup(conn->bucket),
                        GUINT_TO_POINTER(count - 1));
  g_mutex_unlock(&connections->lock);
}

static void
conn_free(gpointer data)
{
  Conn *conn = data;
  GwConnections *connections = conn->owner;

  handshake_over(conn);
  g_mutex_lock(&connections->lock);
  if (g_hash_table_lookup(connections->by_peer, conn->peer) == conn)
    g_hash_table_remove(connections->by_peer, conn->peer);
  g_mutex_unlock(&connections->lock);
  g_clear_object(&conn->local);
  g_clear_object(&conn->remote);
  g_free(conn->address);
  g_free(conn->bucket);
  g_free(conn->peer);
  connections_unref(connections);
  g_free(conn);
}

static void
log_sparse(guint64 *counter, const char *what)
{
  if ((*counter)++ % LOG_EVERY == 0)
    gw_signaling_log(G_LOG_LEVEL_INFO, NULL, NULL, "%s (%" G_GUINT64_FORMAT " so far)", what,
                     *counter);
}

static gboolean
on_handshake_timeout(gpointer data)
{
  Conn *conn = data;

  conn->handshake_timer = 0;
  /* Already closed: the handshake failed, and libsoup did not say so. */
  if (g_socket_is_closed(conn->socket)) {
    handshake_over(conn);
    return G_SOURCE_REMOVE;
  }
  log_sparse(&conn->owner->timed_out, "TLS handshake not done in time: connection closed");
  /* A handshake blocked in a worker thread sees the end at once; libsoup cleans up. */
  g_socket_shutdown(conn->socket, TRUE, TRUE, NULL);
  handshake_over(conn);
  return G_SOURCE_REMOVE;
}

static Conn *
conn_of(GSocket *socket)
{
  return socket != NULL ? g_object_get_data(G_OBJECT(socket), CONN_KEY) : NULL;
}

static void
on_connected(SoupServerMessage *msg, gpointer user_data)
{
  Conn *conn = conn_of(soup_server_message_get_socket(msg));

  if (conn != NULL)
    handshake_over(conn);
}

/*
 * What a peer's handshakes count against: its address; for IPv6 its /64, which
 * one subscriber usually has whole (a flood need not come from one address).
 */
static char *
bucket_of(GInetAddress *address)
{
  if (g_inet_address_get_family(address) != G_SOCKET_FAMILY_IPV6 ||
      g_inet_address_get_is_loopback(address))
    return g_inet_address_to_string(address);
  /* An IPv4-mapped address (::ffff:a.b.c.d) is one IPv4 client. */
  if (memcmp(g_inet_address_to_bytes(address), "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
    return g_inet_address_to_string(address);
  guint8 bytes[16] = {0};
  memcpy(bytes, g_inet_address_to_bytes(address), 8);
  g_autoptr(GInetAddress) prefix = g_inet_address_new_from_bytes(bytes, G_SOCKET_FAMILY_IPV6);
  g_autofree char *text = g_inet_address_to_string(prefix);
  return g_strdup_printf("%s/64", text);
}

/* A new TLS connection, before its handshake: counted, or shut if its peer has too many. */
static void
start_handshake(GwConnections *connections, Conn *conn, SoupServerMessage *msg)
{
  GwConfig *config = connections->config;

  g_mutex_lock(&connections->lock);
  guint count = GPOINTER_TO_UINT(g_hash_table_lookup(connections->handshaking, conn->bucket));
  gboolean refuse = count >= config->handshakes_per_address &&
                    !gw_client_address_is_trusted_proxy(config, conn->address);
  if (!refuse)
    g_hash_table_insert(connections->handshaking, g_strdup(conn->bucket),
                        GUINT_TO_POINTER(count + 1));
  g_mutex_unlock(&connections->lock);
  if (refuse) {
    log_sparse(&connections->refused,
               "connection closed before TLS: too many handshakes from one address");
    g_socket_shutdown(conn->socket, TRUE, TRUE, NULL);
    return;
  }
  conn->handshaking = TRUE;
  conn->handshake_timer =
      g_timeout_add_seconds(config->tls_handshake_timeout_seconds, on_handshake_timeout, conn);
  /* "connected": libsoup has finished the handshake and starts reading the request. */
  g_signal_connect(msg, "connected", G_CALLBACK(on_connected), NULL);
}

/*
 * libsoup 3.2.3 never finalizes a connection's GSocket (and so its Conn), even
 * after a plain close: closed connections leave the peer table here instead,
 * so that it holds only open ones. Their Conn stays with libsoup's leftovers.
 */
static void
sweep_closed(GwConnections *connections)
{
  GHashTableIter iter;
  Conn *conn;

  g_mutex_lock(&connections->lock);
  g_hash_table_iter_init(&iter, connections->by_peer);
  while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&conn)) {
    if (g_socket_is_closed(conn->socket))
      g_hash_table_iter_remove(&iter);
  }
  g_mutex_unlock(&connections->lock);
}

/* A connection libsoup has just accepted from its listener. */
static Conn *
track(GwConnections *connections, GSocket *socket, SoupServerMessage *msg)
{
  g_autoptr(GSocketAddress) remote = g_socket_get_remote_address(socket, NULL);
  g_autoptr(GSocketAddress) local = g_socket_get_local_address(socket, NULL);
  g_autofree char *peer = remote != NULL ? peer_key(remote) : NULL;

  if (peer == NULL || local == NULL)
    return NULL;
  if (++connections->tracked % SWEEP_EVERY == 0)
    sweep_closed(connections);
  Conn *conn = g_new0(Conn, 1);
  conn->owner = connections_ref(connections);
  conn->socket = socket;
  conn->local = g_steal_pointer(&local);
  conn->remote = g_steal_pointer(&remote);
  conn->peer = g_steal_pointer(&peer);
  GInetAddress *address = g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(conn->remote));
  conn->address = g_inet_address_to_string(address);
  conn->bucket = bucket_of(address);
  g_object_set_data_full(G_OBJECT(socket), CONN_KEY, conn, conn_free);
  g_mutex_lock(&connections->lock);
  g_hash_table_replace(connections->by_peer, conn->peer, conn);
  g_mutex_unlock(&connections->lock);
  if (connections->config->tls)
    start_handshake(connections, conn, msg);
  return conn;
}

/*
 * Every request: on a connection from libsoup's listener (before its TLS
 * handshake, for the first), or on one handed back (its socket is found by
 * the peer's address and port).
 */
static void
on_request_started(SoupServer *soup, SoupServerMessage *msg, gpointer user_data)
{
  GwConnections *connections = user_data;
  GSocket *socket = soup_server_message_get_socket(msg);
  Conn *conn = NULL;

  if (connections->closed)
    return;
  if (socket != NULL) {
    conn = conn_of(socket);
    if (conn == NULL)
      conn = track(connections, socket, msg);
  } else {
    g_autofree char *peer = peer_key(soup_server_message_get_remote_address(msg));
    g_mutex_lock(&connections->lock);
    conn = peer != NULL ? g_hash_table_lookup(connections->by_peer, peer) : NULL;
    g_mutex_unlock(&connections->lock);
  }
  if (conn == NULL)
    return;
  conn->started++;
  g_object_set_data_full(G_OBJECT(msg), SOCKET_KEY, g_object_ref(conn->socket), g_object_unref);
}

static void
hand_back_free(gpointer data)
{
  HandBack *hand_back = data;

  g_object_unref(hand_back->msg);
  connections_unref(hand_back->owner);
  g_free(hand_back);
}

/* libsoup's stream wraps the connection it was given (SoupIOStream, "base-iostream"). */
static GIOStream *
dup_base_stream(GIOStream *stream)
{
  GParamSpec *spec = g_object_class_find_property(G_OBJECT_GET_CLASS(stream), "base-iostream");
  GIOStream *base = NULL;

  if (spec != NULL && (spec->flags & G_PARAM_READABLE) &&
      g_type_is_a(G_PARAM_SPEC_VALUE_TYPE(spec), G_TYPE_IO_STREAM))
    g_object_get(stream, "base-iostream", &base, NULL);
  return base != NULL ? base : g_object_ref(stream);
}

static gboolean
hand_back(gpointer data)
{
  HandBack *hand_back = data;
  GwConnections *connections = hand_back->owner;
  GSocket *socket = gw_connections_get_socket(hand_back->msg);
  Conn *conn = conn_of(socket);
  g_autoptr(GError) error = NULL;

  /* Closed (not kept alive), or already busy with the next request: leave it to libsoup. */
  if (connections->closed || conn == NULL || g_socket_is_closed(socket) ||
      conn->started != hand_back->started)
    return G_SOURCE_REMOVE;
  g_autoptr(GIOStream) stolen = soup_server_message_steal_connection(hand_back->msg);
  if (stolen == NULL)
    return G_SOURCE_REMOVE;
  /* A pipelined request libsoup has already read ahead stays in the stream it read it into:
   * hand that one back then (one more wrapper), else the connection under it. */
  GInputStream *input = g_io_stream_get_input_stream(stolen);
  gboolean ahead = G_IS_POLLABLE_INPUT_STREAM(input) &&
                   g_pollable_input_stream_is_readable(G_POLLABLE_INPUT_STREAM(input));
  g_autoptr(GIOStream) stream = ahead ? g_object_ref(stolen) : dup_base_stream(stolen);
  if (!soup_server_accept_iostream(connections->soup, stream, conn->local, conn->remote, &error)) {
    gw_signaling_log(G_LOG_LEVEL_WARNING, NULL, NULL, "kept-alive connection dropped: %s",
                     error->message);
    g_io_stream_close(stream, NULL, NULL);
  }
  return G_SOURCE_REMOVE;
}

/*
 * A request is answered. If libsoup keeps the connection open, it now waits for
 * the next request with a message nobody will hear from if the client closes
 * (see connections.h). Take the connection back first: at high priority, before
 * libsoup's own (default priority) reading of the connection can run.
 */
static void
on_request_finished(SoupServer *soup, SoupServerMessage *msg, gpointer user_data)
{
  GwConnections *connections = user_data;
  Conn *conn = conn_of(gw_connections_get_socket(msg));

  if (connections->closed || conn == NULL)
    return;
  HandBack *back = g_new0(HandBack, 1);
  back->owner = connections_ref(connections);
  back->msg = g_object_ref(msg);
  back->started = conn->started;
  g_idle_add_full(G_PRIORITY_HIGH, hand_back, back, hand_back_free);
}

GSocket *
gw_connections_get_socket(SoupServerMessage *msg)
{
  GSocket *socket = g_object_get_data(G_OBJECT(msg), SOCKET_KEY);

  return socket != NULL ? socket : soup_server_message_get_socket(msg);
}

guint
gw_connections_get_handshaking(GwConnections *connections, const char *bucket)
{
  g_mutex_lock(&connections->lock);
  guint count = GPOINTER_TO_UINT(g_hash_table_lookup(connections->handshaking, bucket));
  g_mutex_unlock(&connections->lock);
  return count;
}

GwConnections *
gw_connections_new(GwConfig *config, SoupServer *soup)
{
  GwConnections *connections = g_new0(GwConnections, 1);

  connections->ref_count = 1;
  connections->config = gw_config_ref(config);
  connections->soup = soup;
  g_mutex_init(&connections->lock);
  connections->handshaking = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  connections->by_peer = g_hash_table_new(g_str_hash, g_str_equal);
  connections->started_handler =
      g_signal_connect_data(soup, "request-started", G_CALLBACK(on_request_started),
                            connections_ref(connections), (GClosureNotify)connections_unref, 0);
  connections->finished_handler =
      g_signal_connect_data(soup, "request-finished", G_CALLBACK(on_request_finished),
                            connections_ref(connections), (GClosureNotify)connections_unref, 0);
  return connections;
}

void
gw_connections_free(GwConnections *connections)
{
  if (connections == NULL)
    return;
  connections->closed = TRUE;
  g_clear_signal_handler(&connections->started_handler, connections->soup);
  g_clear_signal_handler(&connections->finished_handler, connections->soup);
  connections_unref(connections);
}
