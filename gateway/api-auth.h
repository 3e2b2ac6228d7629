/* SPDX-License-Identifier: Apache-2.0 */
/* Who may read the insights and exports: for now one bearer token from DATA_DIR/secrets/api.token. */
#pragma once

#include <glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _GwApiAuth GwApiAuth;

/**
 * gw_api_auth_new:
 * Reads @token_path, or creates it (mode 0600, in a 0700 folder) with a
 * random token. Until advisor sessions and roles exist, this one check
 * guards every analyst route; gw_api_auth_check() is the one place to swap.
 * Returns: (transfer full) (nullable)
 */
GwApiAuth *gw_api_auth_new(const char *token_path, GError **error);

/**
 * gw_api_auth_check:
 * TRUE when @msg carries "Authorization: Bearer TOKEN"; otherwise sets 401
 * on @msg and returns FALSE.
 */
gboolean gw_api_auth_check(GwApiAuth *auth, SoupServerMessage *msg);

void gw_api_auth_free(GwApiAuth *auth);

G_END_DECLS
