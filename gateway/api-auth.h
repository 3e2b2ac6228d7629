/* SPDX-License-Identifier: Apache-2.0 */
/* Who may read the insights and exports: a supervisor's login, or the bearer token in DATA_DIR/secrets/api.token. */
#pragma once

#include <glib.h>
#include <libsoup/soup.h>

#include "signaling/server.h"

G_BEGIN_DECLS

typedef struct _GwApiAuth GwApiAuth;

/**
 * gw_api_auth_new:
 * Reads @token_path, or creates it (mode 0600, in a 0700 folder) with a
 * random token (for scripts and collectors).
 * @server: (nullable) (transfer none): where login sessions are looked up;
 *   must outlive the auth
 * Returns: (transfer full) (nullable)
 */
GwApiAuth *gw_api_auth_new(const char *token_path, GwServer *server, GError **error);

/**
 * gw_api_auth_check:
 * TRUE when @msg carries "Authorization: Bearer TOKEN" or the login cookie
 * of a supervisor or admin; otherwise sets 403 (an advisor) or 401 on @msg
 * and returns FALSE.
 */
gboolean gw_api_auth_check(GwApiAuth *auth, SoupServerMessage *msg);

void gw_api_auth_free(GwApiAuth *auth);

/**
 * gw_api_reply_error:
 * Sets @status and the body {"error":{"code","message"}} that every /api/v1 error has
 * (docs/api.md). @code and @message are literals without quotes or backslashes.
 */
void gw_api_reply_error(SoupServerMessage *msg, guint status, const char *code,
                        const char *message);

G_END_DECLS
