/* SPDX-License-Identifier: Apache-2.0 */
/* OpenID Connect ID tokens: the provider's keys (JWKS) and checking an ID token's RS256
 * signature and claims with OpenSSL; pure (no I/O). */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define GW_OIDC_ERROR (gw_oidc_error_quark())
GQuark gw_oidc_error_quark(void);

typedef enum {
  GW_OIDC_ERROR_MALFORMED, /* not a JWS / JWKS / JSON we accept */
  GW_OIDC_ERROR_UNKNOWN_KEY, /* no key with the token's kid: fetch the JWKS again */
  GW_OIDC_ERROR_SIGNATURE, /* the signature does not verify */
  GW_OIDC_ERROR_CLAIMS,    /* issuer, audience, expiry or nonce wrong */
  GW_OIDC_ERROR_PROVIDER,  /* the provider answered wrongly or not at all (oidc.c) */
} GwOidcError;

/* Limits on what a provider sends. */
#define GW_OIDC_MAX_TOKEN 16384
#define GW_OIDC_MAX_JWKS 65536
#define GW_OIDC_MAX_KEYS 32
/* Clock difference tolerated between Balie and the provider, in seconds. */
#define GW_OIDC_CLOCK_SKEW 120

typedef struct _GwOidcKeys GwOidcKeys;

/**
 * gw_oidc_keys_parse:
 * @json: (array length=length): a JWKS document ({"keys": [...]})
 *
 * Keeps the RSA signing keys ("kty": "RSA", "use" absent or "sig", "alg" absent or RS256);
 * other keys are skipped. At least one must be usable.
 * Returns: (transfer full) (nullable): NULL with @error (GW_OIDC_ERROR_MALFORMED)
 */
GwOidcKeys *gw_oidc_keys_parse(const char *json, gsize length, GError **error);

/** gw_oidc_keys_get_count: the usable keys. */
guint gw_oidc_keys_get_count(const GwOidcKeys *keys);

void gw_oidc_keys_free(GwOidcKeys *keys);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GwOidcKeys, gw_oidc_keys_free)

/* What a verified ID token says. */
typedef struct {
  char *subject; /* sub */
  char *username; /* the configured username claim, NULL when absent or not a string */
  gint64 expires; /* exp, seconds since the epoch */
} GwOidcIdentity;

void gw_oidc_identity_free(GwOidcIdentity *identity);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GwOidcIdentity, gw_oidc_identity_free)

/**
 * gw_oidc_id_token_verify:
 * @token: the compact JWS (header.payload.signature)
 * @keys: the provider's keys
 * @issuer: the configured issuer: `iss` must equal it (a trailing '/' on either is ignored)
 * @client_id: `aud` must be or contain it; with several audiences `azp` must be it
 * @nonce: `nonce` must equal it
 * @username_claim: the claim to return as the username
 * @now: seconds since the epoch
 *
 * Accepts only alg RS256 (never "none" or HMAC), a signature by the key with the header's
 * `kid` (or the only key when there is no kid), `exp` after @now and `iat` not after it
 * (both with GW_OIDC_CLOCK_SKEW).
 * Returns: (transfer full) (nullable): the identity, or NULL with @error in GW_OIDC_ERROR
 */
GwOidcIdentity *gw_oidc_id_token_verify(const char *token, const GwOidcKeys *keys,
                                        const char *issuer, const char *client_id,
                                        const char *nonce, const char *username_claim, gint64 now,
                                        GError **error);

G_END_DECLS
