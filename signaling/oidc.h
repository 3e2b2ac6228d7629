/* SPDX-License-Identifier: Apache-2.0 */
/* Advisor login at the organisation's identity provider: the OpenID Connect authorization
 * code flow with PKCE under /auth/oidc/ (docs/api.md, "OIDC login"). */
#pragma once

#include <glib.h>
#include <libsoup/soup.h>

#include "config/config.h"
#include "signaling/auth.h"
#include "signaling/user-store.h"

G_BEGIN_DECLS

typedef struct _GwOidc GwOidc;

/* Logins started but not finished, and how long one may take. */
#define GW_OIDC_MAX_PENDING 1000
#define GW_OIDC_PENDING_SECONDS 600
/* The cookie that ties the provider's answer to the browser that started the login. */
#define GW_OIDC_STATE_COOKIE "balie_oidc"

/**
 * gw_oidc_new:
 * @config: (transfer none): oidc_issuer must be set; a reference is kept
 * @auth: (transfer none): where sessions are opened; must outlive the GwOidc
 * @users: (transfer none): the accounts; must outlive the GwOidc
 * @public_url: the gateway's base URL; the redirect URI is PUBLIC_URL/auth/oidc/callback
 *
 * Nothing is fetched yet: the provider's metadata and keys are read at the first login, so
 * the gateway starts while the provider is away.
 * Returns: (transfer full) (nullable): NULL with @error when oidc.ca_file cannot be read
 */
GwOidc *gw_oidc_new(GwConfig *config, GwAuth *auth, GwUserStore *users, const char *public_url,
                    GError **error);

/** gw_oidc_free: cancels requests to the provider still running. */
void gw_oidc_free(GwOidc *oidc);

/**
 * gw_oidc_serve:
 * @path: /auth/oidc/login or /auth/oidc/callback (anything else: 404)
 *
 * May pause @msg while it asks the provider; it is unpaused with the answer.
 */
void gw_oidc_serve(GwOidc *oidc, SoupServerMessage *msg, const char *path);

G_END_DECLS
