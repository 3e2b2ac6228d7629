/* SPDX-License-Identifier: Apache-2.0 */
/* The right to rate one call: a signed, expiring token handed to the customer in `ended`; pure. */
#include "signaling/rating-token.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#define DERIVE_LABEL "balie rating token v1"

GBytes *
gw_rating_token_derive_key(GBytes *server_key)
{
  gsize length = 0;
  const guint8 *key = g_bytes_get_data(server_key, &length);
  guint8 derived[EVP_MAX_MD_SIZE];
  unsigned int derived_length = 0;

  HMAC(EVP_sha256(), key, (int)length, (const guint8 *)DERIVE_LABEL, strlen(DERIVE_LABEL), derived,
       &derived_length);
  g_assert(derived_length >= GW_JOIN_TOKEN_MIN_KEY);
  return g_bytes_new(derived, derived_length);
}

char *
gw_rating_token_issue(GBytes *key, const char *contact_id, const char *journey, gint64 now)
{
  gsize length = 0;
  const guint8 *data = g_bytes_get_data(key, &length);
  GwJoinToken token = {GW_JOIN_TOKEN_RATING, (char *)contact_id,
                       (char *)(gw_join_token_is_valid_id(journey) ? journey : "none"), NULL,
                       now + GW_RATING_TOKEN_TTL_SECONDS, NULL};

  if (!gw_join_token_is_valid_id(contact_id))
    return NULL;
  return gw_join_token_sign(&token, data, length);
}

/* Verifies @text with @key and insists on @kind: our key signed it, so another
 * kind is a bug elsewhere, but a join link must never rate or wrap up. */
static GwJoinToken *
check_kind(GBytes *key, const char *text, gsize length, gint64 now, GwJoinTokenKind kind,
           GError **error)
{
  gsize key_length = 0;
  const guint8 *data = g_bytes_get_data(key, &key_length);
  g_autoptr(GwJoinToken) token =
      gw_join_token_verify(text, length, data, key_length, now, error);

  if (token == NULL)
    return NULL;
  if (token->kind != kind || (kind == GW_JOIN_TOKEN_WRAP_UP && token->advisor == NULL)) {
    g_set_error(error, GW_JOIN_TOKEN_ERROR, GW_JOIN_TOKEN_ERROR_MALFORMED, "not a %s token",
                gw_join_token_kind_to_string(kind));
    return NULL;
  }
  return g_steal_pointer(&token);
}

GwJoinToken *
gw_rating_token_check(GBytes *key, const char *text, gsize length, gint64 now, GError **error)
{
  return check_kind(key, text, length, now, GW_JOIN_TOKEN_RATING, error);
}

char *
gw_wrap_up_token_issue(GBytes *key, const char *contact_id, const char *journey,
                       const char *advisor, gint64 now)
{
  gsize length = 0;
  const guint8 *data = g_bytes_get_data(key, &length);
  GwJoinToken token = {GW_JOIN_TOKEN_WRAP_UP, (char *)contact_id,
                       (char *)(gw_join_token_is_valid_id(journey) ? journey : "none"),
                       (char *)advisor, now + GW_WRAP_UP_TOKEN_TTL_SECONDS, NULL};

  if (!gw_join_token_is_valid_id(contact_id) || !gw_join_token_is_valid_id(advisor))
    return NULL;
  return gw_join_token_sign(&token, data, length);
}

GwJoinToken *
gw_wrap_up_token_check(GBytes *key, const char *text, gsize length, gint64 now, GError **error)
{
  return check_kind(key, text, length, now, GW_JOIN_TOKEN_WRAP_UP, error);
}
