/* SPDX-License-Identifier: Apache-2.0 */
/* Time-limited TURN credentials by the TURN REST scheme (coturn's use-auth-secret): what a
 * browser gets in `welcome` to use the configured TURN servers; pure. */
#pragma once

#include <glib.h>

#include "config/config.h"

G_BEGIN_DECLS

/* One RTCIceServer entry: every configured URL with one username and credential. */
typedef struct {
  char **urls;      /* the config's turn.urls, at least one */
  char *username;   /* "EXPIRY:ID", EXPIRY in seconds since the epoch */
  char *credential; /* base64(HMAC-SHA1(secret, username)): a secret, never logged */
  gint64 expires;   /* EXPIRY */
} GwTurnCredentials;

/**
 * gw_turn_credentials_new:
 * @config: (transfer none): turn_urls, turn_secret and turn_credential_ttl_seconds are used
 * @id: an opaque id for the user of the credential (a peer id: no personal data), at most
 *   64 characters of [A-Za-z0-9_-]; coturn logs it
 * @now: seconds since the epoch (g_get_real_time() / G_USEC_PER_SEC)
 *
 * Returns: (transfer full) (nullable): NULL when the config has no TURN server
 */
GwTurnCredentials *gw_turn_credentials_new(const GwConfig *config, const char *id, gint64 now);

/**
 * gw_turn_credentials_compute:
 * @secret: the shared secret, as in coturn's static-auth-secret
 * @username: (transfer none)
 *
 * Returns: (transfer full): base64(HMAC-SHA1(@secret, @username)), coturn's check
 */
char *gw_turn_credentials_compute(const char *secret, const char *username);

/** gw_turn_credentials_free: wipes the credential and frees; NULL is ignored. */
void gw_turn_credentials_free(GwTurnCredentials *credentials);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GwTurnCredentials, gw_turn_credentials_free)

G_END_DECLS
