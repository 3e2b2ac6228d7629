/* SPDX-License-Identifier: Apache-2.0 */
/* Signed join tokens (the TOKEN of https://HOST/j/TOKEN): building, signing and verifying; pure. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define GW_JOIN_TOKEN_ERROR (gw_join_token_error_quark())
GQuark gw_join_token_error_quark(void);

typedef enum {
  GW_JOIN_TOKEN_ERROR_MALFORMED, /* not a token at all (bad shape, encoding or payload) */
  GW_JOIN_TOKEN_ERROR_FORGED,    /* well-formed but the signature does not match */
  GW_JOIN_TOKEN_ERROR_EXPIRED,   /* genuine but past its expiry */
} GwJoinTokenError;

typedef enum {
  GW_JOIN_TOKEN_INVITE, /* an appointment: one contact, one customer */
  GW_JOIN_TOKEN_QUEUE,  /* a walk-in ticket for a queue */
  GW_JOIN_TOKEN_RATING, /* not a join link: the right to rate one call (signaling/rating-token.h) */
  GW_JOIN_TOKEN_GUEST,  /* a guest (interpreter, specialist, family) into a running call */
  GW_JOIN_TOKEN_WRAP_UP, /* not a join link: an advisor's right to wrap up one call */
} GwJoinTokenKind;

/* Limits on what a token carries; a token is a URL path segment. */
#define GW_JOIN_TOKEN_MAX_LENGTH 1024
#define GW_JOIN_TOKEN_MAX_FIELD 64
/* The HMAC key is at least this long (bytes). */
#define GW_JOIN_TOKEN_MIN_KEY 32

/*
 * What a token says. No personal data: a contact id, a journey/queue name, an
 * advisor account id (never a name), an expiry.
 */
typedef struct {
  GwJoinTokenKind kind;
  char *contact_id; /* 1..64 of [A-Za-z0-9_-] */
  char *journey;    /* 1..64 of [A-Za-z0-9_-] */
  char *advisor;    /* nullable: the assigned advisor account id, same alphabet */
  gint64 expires;   /* seconds since the epoch */
  char *customer_ref; /* nullable: the customer's pseudonym (keyed HMAC, never the raw id) */
} GwJoinToken;

/** gw_join_token_free: NULL is ignored. */
void gw_join_token_free(GwJoinToken *token);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GwJoinToken, gw_join_token_free)

/** gw_join_token_kind_to_string: "invite", "queue", "rating", "guest" or "wrap-up". (transfer none) */
const char *gw_join_token_kind_to_string(GwJoinTokenKind kind);

/** gw_join_token_is_valid_id: whether @text is 1..64 of [A-Za-z0-9_-]. */
gboolean gw_join_token_is_valid_id(const char *text);

/**
 * gw_join_token_sign:
 * @key: (array length=key_length): at least GW_JOIN_TOKEN_MIN_KEY bytes
 * Returns: (transfer full): base64url(payload JSON) "." base64url(HMAC-SHA256)
 */
char *gw_join_token_sign(const GwJoinToken *token, const guint8 *key, gsize key_length);

/**
 * gw_join_token_verify:
 * @text: (array length=length): the token as it came in, not NUL-terminated
 * @now: seconds since the epoch
 *
 * Checks the shape, then the signature (in constant time), and only then
 * reads the payload, so unsigned input never reaches the JSON parser.
 * Returns: (transfer full) (nullable): the token, or NULL with @error in
 * GW_JOIN_TOKEN_ERROR
 */
GwJoinToken *gw_join_token_verify(const char *text, gsize length, const guint8 *key,
                                  gsize key_length, gint64 now, GError **error);

/**
 * gw_join_token_parse_payload:
 * The payload JSON alone (what the signature covers), for tests and the fuzzer.
 * Returns: (transfer full) (nullable): NULL with GW_JOIN_TOKEN_ERROR_MALFORMED
 */
GwJoinToken *gw_join_token_parse_payload(const char *json, gsize length, GError **error);

G_END_DECLS
