/* SPDX-License-Identifier: Apache-2.0 */
/* Limits per client address and per connection at the front door: request and WebSocket rates,
 * open WebSockets, forged join links, requests that never finish, and file descriptors. */
#pragma once

#include <libsoup/soup.h>

#include "config/config.h"

G_BEGIN_DECLS

/*
 * What one client (one remote address) may do, so that it cannot starve the
 * others: config [limits] http_requests_per_second, ws_per_address,
 * ws_messages_per_second, bad_links_per_minute and request_timeout_seconds.
 * Everything runs on the control thread. Memory is bounded: addresses idle
 * for a while are forgotten, and at most GW_ABUSE_GUARD_MAX_ADDRESSES are
 * tracked (past that, new addresses share one entry).
 */
#define GW_ABUSE_GUARD_MAX_ADDRESSES 65536
/* Largest request body read at all; each API checks its own, smaller limit. */
#define GW_ABUSE_GUARD_MAX_BODY (256 * 1024)
/* Messages dropped (over the rate, net of the rate itself) before the WebSocket is closed with
 * 1008: a sender that keeps sending at twice the rate is closed after about this many. */
#define GW_ABUSE_GUARD_MAX_DROPPED 1000
/*
 * A WebSocket whose peer has not acknowledged what was sent (a ping at least
 * every few seconds) for this long is dropped by the kernel (TCP_USER_TIMEOUT):
 * a browser whose network was cut is noticed within this plus one ping
 * interval, not after TCP's retransmissions give up (~15 minutes). libsoup 3.2
 * has no pong timeout of its own.
 */
#define GW_ABUSE_GUARD_TCP_USER_TIMEOUT_MS 10000
/* New WebSockets are refused with `capacity` once this share of the open-files limit is used. */
#define GW_ABUSE_GUARD_FD_PERCENT 90

typedef struct _GwAbuseGuard GwAbuseGuard;

/**
 * gw_abuse_guard_new:
 * Installs itself on @soup: once a request's headers are in, a client over
 * its request rate gets 429 and a body over GW_ABUSE_GUARD_MAX_BODY gets 413
 * (unread); a request not read completely after request_timeout_seconds has
 * its connection shut.
 * @config, @soup: (transfer none): a reference is kept
 * @token_key: (transfer none): the join-link key, to count forged links
 * Returns: (transfer full)
 */
GwAbuseGuard *gw_abuse_guard_new(GwConfig *config, SoupServer *soup, GBytes *token_key);
void gw_abuse_guard_free(GwAbuseGuard *guard);

/**
 * gw_abuse_guard_watch_websocket:
 * Counts @connection against its address until it closes, and rate-limits
 * its messages: call before anyone else connects to its "message" signal.
 * A message over the rate is dropped with an `error` (code `limit`); a join
 * with a link while the address has sent too many forged links is refused
 * the same way.
 */
void gw_abuse_guard_watch_websocket(GwAbuseGuard *guard, SoupServerMessage *msg,
                                    SoupWebsocketConnection *connection);

/**
 * gw_abuse_guard_fds_low:
 * Whether file descriptors are nearly used up (GW_ABUSE_GUARD_FD_PERCENT of
 * RLIMIT_NOFILE): new calls should be refused with `capacity`.
 */
gboolean gw_abuse_guard_fds_low(GwAbuseGuard *guard);

/**
 * gw_abuse_guard_check_open_files:
 * At start: raises the soft RLIMIT_NOFILE to the hard limit and says (FALSE,
 * @error) when even that is below what max_rooms × max_participants calls
 * need (GW_ABUSE_GUARD_FDS_PER_PARTICIPANT each, plus a reserve).
 * @limit: (out) (optional): the soft limit now in force
 */
#define GW_ABUSE_GUARD_FDS_PER_PARTICIPANT 24
#define GW_ABUSE_GUARD_FDS_RESERVE 256
gboolean gw_abuse_guard_check_open_files(const GwConfig *config, guint64 *limit, GError **error);

G_END_DECLS
