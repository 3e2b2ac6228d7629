/* SPDX-License-Identifier: Apache-2.0 */
/* Which client sent a request: the peer, or behind a trusted reverse proxy the address it
 * forwarded for. No I/O apart from reading the message. */
#pragma once

#include <libsoup/soup.h>

#include "config/config.h"

G_BEGIN_DECLS

/* Longest X-Forwarded-For header looked at; a longer one is ignored (the peer counts). */
#define GW_CLIENT_ADDRESS_MAX_HEADER 1024

/**
 * gw_client_address_pick:
 * @trusted: (array zero-terminated=1): proxies whose X-Forwarded-For is believed
 * @peer: (nullable): the address the connection comes from
 * @forwarded_for: (nullable): the X-Forwarded-For header, if any
 *
 * Only when @peer is one of @trusted: the rightmost address in @forwarded_for
 * that is not itself a trusted proxy (the leftmost ones are whatever the
 * client claimed). Otherwise, and whenever the header is missing, malformed
 * or too long, @peer. Per-address limits and lock-outs use this.
 * Returns: (transfer full) (nullable)
 */
char *gw_client_address_pick(const char *const *trusted, const char *peer,
                             const char *forwarded_for);

/**
 * gw_client_address_is_trusted_proxy:
 * Whether @address (an IP address as text) is one of config->trusted_proxies.
 */
gboolean gw_client_address_is_trusted_proxy(const GwConfig *config, const char *address);

/** gw_client_address: gw_client_address_pick() for @msg with config->trusted_proxies. */
char *gw_client_address(const GwConfig *config, SoupServerMessage *msg);

G_END_DECLS
