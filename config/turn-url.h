/* SPDX-License-Identifier: Apache-2.0 */
/* TURN server URLs (RFC 7065: turn:HOST[:PORT][?transport=udp|tcp], turns:...) as browsers take
 * them in RTCIceServer.urls: checking one; pure. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* An operator lists a UDP, a TCP and a TLS URL, perhaps for two servers. */
#define GW_TURN_URL_MAX_COUNT 8
#define GW_TURN_URL_MAX_LENGTH 256

/**
 * gw_turn_url_check:
 * @url: one URL, already trimmed
 *
 * Accepts what RTCPeerConnection accepts for a TURN server: scheme turn or
 * turns, a host name, an IPv4 address or a bracketed IPv6 address, an optional
 * port 1..65535 and an optional query "transport=udp" or "transport=tcp" (turns
 * only with tcp). No user info, path or fragment: credentials come from the gateway.
 *
 * Returns: TRUE, or FALSE with @error (GW_CONFIG_ERROR_VALUE) saying what is wrong in
 * words for an operator, without the URL itself.
 */
gboolean gw_turn_url_check(const char *url, GError **error);

G_END_DECLS
