/* SPDX-License-Identifier: Apache-2.0 */
/* The TCP connections under the HTTP server: bounded TLS handshakes per peer address, and
 * kept-alive connections handed back to libsoup after every request (libsoup 3.2 leaks idle
 * ones the client closes). */
#pragma once

#include <libsoup/soup.h>

#include "config/config.h"

G_BEGIN_DECLS

/*
 * libsoup 3.2 (before upstream commit d20c6601, 3.3.0) never closes a
 * kept-alive connection that the client closes between requests: after a
 * response it waits for the next request with a message that has nobody to
 * tell when reading fails, so the descriptor stays in CLOSE_WAIT until the
 * server stops. Only the first message on a connection has that completion
 * callback. So after every request that leaves the connection open, its stream
 * is taken back (soup_server_message_steal_connection) and given to libsoup
 * again as a new connection (soup_server_accept_iostream): the next request, or
 * the client's close, then meets a first message, and a close ends the
 * connection. As with a new connection, "request-started" fires at once, so
 * the request deadline (limits.request_timeout_seconds) also bounds the idle
 * time between requests.
 *
 * TLS: a new connection is counted against its TCP peer address (not
 * X-Forwarded-For: no request has been read yet) from the moment libsoup
 * accepts it until its handshake is done (IPv6 peers per /64: one subscriber
 * usually has all of it). Past limits.handshakes_per_address
 * at once (trusted proxies exempt) a connection is shut before its handshake
 * starts; a handshake not done within limits.tls_handshake_timeout_seconds has
 * its connection shut. A shut socket ends a handshake waiting in a GLib worker
 * thread at once.
 *
 * Everything runs on the control thread.
 */
typedef struct _GwConnections GwConnections;

/**
 * gw_connections_new:
 * Installs itself on @soup; create it before anything else connects to
 * @soup's "request-started" (gw_connections_get_socket() works from there on).
 * @config, @soup: (transfer none): a reference to @config is kept; @soup must
 * outlive the returned object's gw_connections_free()
 */
GwConnections *gw_connections_new(GwConfig *config, SoupServer *soup);
void gw_connections_free(GwConnections *connections);

/**
 * gw_connections_get_socket:
 * The TCP socket under @msg's connection, also after the connection was
 * handed back to libsoup (where soup_server_message_get_socket() gives NULL).
 * Returns: (transfer none) (nullable)
 */
GSocket *gw_connections_get_socket(SoupServerMessage *msg);

/**
 * gw_connections_get_handshaking:
 * TLS handshakes in progress from @bucket: a TCP peer address, for IPv6 its
 * /64 ("2001:db8:1:2::/64"; IPv4-mapped and loopback addresses count alone).
 */
guint gw_connections_get_handshaking(GwConnections *connections, const char *bucket);

G_END_DECLS
