/* SPDX-License-Identifier: Apache-2.0 */
/* The right to rate one call: a signed, expiring token handed to the customer in `ended`; pure. */
#pragma once

#include <glib.h>

#include "signaling/join-token.h"

G_BEGIN_DECLS

/* How long after the call a customer may still rate it. */
#define GW_RATING_TOKEN_TTL_SECONDS (7 * 24 * 3600)

/**
 * gw_rating_token_derive_key:
 * @server_key: the join-link key (signaling/token-key.h)
 *
 * Rating tokens use the join-token format (signaling/join-token.h, kind
 * "rating") but are signed with HMAC-SHA256(server key, "balie rating token
 * v1"), so a rating token never opens a call and a join link never rates one,
 * whatever their payloads say.
 * Returns: (transfer full): 32 bytes
 */
GBytes *gw_rating_token_derive_key(GBytes *server_key);

/**
 * gw_rating_token_issue:
 * @key: from gw_rating_token_derive_key()
 * @contact_id: 1..64 of [A-Za-z0-9_-]
 * @journey: (nullable): the contact's journey; NULL or not an id becomes "none"
 * @now: seconds since the epoch
 * Returns: (transfer full) (nullable): NULL when @contact_id is not an id
 */
char *gw_rating_token_issue(GBytes *key, const char *contact_id, const char *journey, gint64 now);

/**
 * gw_rating_token_check:
 * @text: (array length=length): the token as it came in
 * Returns: (transfer full) (nullable): the token (kind GW_JOIN_TOKEN_RATING),
 * or NULL with @error in GW_JOIN_TOKEN_ERROR (malformed, forged or expired)
 */
GwJoinToken *gw_rating_token_check(GBytes *key, const char *text, gsize length, gint64 now,
                                   GError **error);

/* How long after the call an advisor may still wrap it up. */
#define GW_WRAP_UP_TOKEN_TTL_SECONDS (24 * 3600)

/**
 * gw_wrap_up_token_issue:
 * The right of advisor account @advisor to wrap up (journey, outcome) the call
 * @contact_id, handed to the advisor in `ended`; same key and format as a
 * rating token, kind "wrap-up".
 * Returns: (transfer full) (nullable): NULL when @contact_id or @advisor is not an id
 */
char *gw_wrap_up_token_issue(GBytes *key, const char *contact_id, const char *journey,
                             const char *advisor, gint64 now);

/**
 * gw_wrap_up_token_check:
 * Returns: (transfer full) (nullable): the token (kind GW_JOIN_TOKEN_WRAP_UP,
 * advisor set), or NULL with @error in GW_JOIN_TOKEN_ERROR
 */
GwJoinToken *gw_wrap_up_token_check(GBytes *key, const char *text, gsize length, gint64 now,
                                    GError **error);

G_END_DECLS
