/* SPDX-License-Identifier: Apache-2.0 */
/* 1:1 NAT: announcing the configured public address (media.public_address) in the gateway's host
 * candidates, in `ice` messages and in offers' a=candidate lines; pure. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * gw_nat_map_candidate:
 * @candidate: an ICE candidate attribute value ("candidate:1 1 UDP 2015363327 10.0.0.5 40001
 *   typ host ..."), with or without the "a=" prefix
 * @public_address: (nullable): an IP literal; NULL changes nothing
 *
 * A host candidate of the same address family as @public_address gets that address, same
 * port: with a 1:1 NAT the public address forwards to the private one port for port.
 * Other candidates (srflx, relay, the other family, anything unparseable) are copied as they are.
 *
 * Returns: (transfer full): the candidate to announce
 */
char *gw_nat_map_candidate(const char *candidate, const char *public_address);

/**
 * gw_nat_map_sdp:
 * Applies gw_nat_map_candidate() to every a=candidate line of @sdp, keeping its line endings.
 * Returns: (transfer full)
 */
char *gw_nat_map_sdp(const char *sdp, const char *public_address);

G_END_DECLS
