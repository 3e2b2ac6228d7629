/* SPDX-License-Identifier: Apache-2.0 */
/* ID token checks written by hand on OpenSSL's EVP API: a JWT library would be one more
 * dependency for ~200 lines, and the rules (RS256 only, kid lookup, claims) are few. */
#include "signaling/oidc-token.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <string.h>

#include "signaling/base64url.h"

/* clang-format off */
G_DEFINE_QUARK(gw-oidc-error-quark, gw_oidc_error)
/* clang-format on */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EVP_PKEY_CTX, EVP_PKEY_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EVP_MD_CTX, EVP_MD_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BIGNUM, BN_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OSSL_PARAM_BLD, OSSL_PARAM_BLD_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OSSL_PARAM, OSSL_PARAM_free)

typedef struct {
  char *kid; /* nullable */
  EVP_PKEY *pkey;
} Key;

struct _GwOidcKeys {
  GPtrArray *keys; /* Key */
};

static void
key_free(Key *key)
{
  g_free(key->kid);
  EVP_PKEY_free(key->pkey);
  g_free(key);
}

void
gw_oidc_keys_free(GwOidcKeys *keys)
{
  if (keys == NULL)
    return;
  g_ptr_array_unref(keys->keys);
  g_free(keys);
}

guint
gw_oidc_keys_get_count(const GwOidcKeys *keys)
{
  return keys->keys->len;
}

void
gw_oidc_identity_free(GwOidcIdentity *identity)
{
  if (identity == NULL)
    return;
  g_free(identity->subject);
  g_free(identity->username);
  g_free(identity);
}

static const char *
string_member(JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member(object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
      json_node_get_value_type(node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string(node);
}

/* A JSON number that is a whole number of seconds; FALSE otherwise. */
static gboolean
int_member(JsonObject *object, const char *name, gint64 *out)
{
  JsonNode *node = json_object_get_member(object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE(node))
    return FALSE;
  if (json_node_get_value_type(node) == G_TYPE_INT64) {
    *out = json_node_get_int(node);
    return TRUE;
  }
  if (json_node_get_value_type(node) == G_TYPE_DOUBLE) {
    double value = json_node_get_double(node);
    if (value < 0 || value > 1e12)
      return FALSE;
    *out = (gint64)value;
    return TRUE;
  }
  return FALSE;
}

static JsonObject *
parse_object(const char *data, gsize length, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable();
  JsonNode *root;

  if (!g_utf8_validate(data, (gssize)length, NULL) ||
      !json_parser_load_from_data(parser, data, (gssize)length, NULL)) {
    g_set_error_literal(error, GW_OIDC_ERROR, GW_OIDC_ERROR_MALFORMED, "not valid JSON");
    return NULL;
  }
  root = json_parser_get_root(parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
    g_set_error_literal(error, GW_OIDC_ERROR, GW_OIDC_ERROR_MALFORMED, "not a JSON object");
    return NULL;
  }
  return json_object_ref(json_node_get_object(root));
}

static BIGNUM *
bignum_member(JsonObject *jwk, const char *name)
{
  const char *text = string_member(jwk, name);
  g_autoptr(GBytes) bytes = text != NULL ? gw_base64url_decode(text, strlen(text)) : NULL;
  gsize length = 0;
  const guint8 *data;

  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data(bytes, &length);
  if (length == 0 || length > 1024)
    return NULL;
  return BN_bin2bn(data, (int)length, NULL);
}

/* An RSA public key from a JWK's n and e; NULL when the JWK is not one we use. */
static EVP_PKEY *
rsa_from_jwk(JsonObject *jwk)
{
  g_autoptr(BIGNUM) n = NULL;
  g_autoptr(BIGNUM) e = NULL;
  g_autoptr(OSSL_PARAM_BLD) build = NULL;
  g_autoptr(OSSL_PARAM) params = NULL;
  g_autoptr(EVP_PKEY_CTX) ctx = NULL;
  EVP_PKEY *pkey = NULL;
  const char *use = string_member(jwk, "use");
  const char *alg = string_member(jwk, "alg");

  if (g_strcmp0(string_member(jwk, "kty"), "RSA") != 0 || (use != NULL && strcmp(use, "sig")) ||
      (alg != NULL && strcmp(alg, "RS256")))
    return NULL;
  n = bignum_member(jwk, "n");
  e = bignum_member(jwk, "e");
  /* Below 2048 bits is not a key to trust a login to. */
  if (n == NULL || e == NULL || BN_num_bits(n) < 2048 || BN_num_bits(n) > 8192)
    return NULL;
  build = OSSL_PARAM_BLD_new();
  if (!OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_N, n) ||
      !OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_E, e))
    return NULL;
  params = OSSL_PARAM_BLD_to_param(build);
  ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
  if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
      EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
    return NULL;
  return pkey;
}

GwOidcKeys *
gw_oidc_keys_parse(const char *json, gsize length, GError **error)
{
  g_autoptr(JsonObject) root = NULL;
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func((GDestroyNotify)key_free);
  JsonNode *list;
  GwOidcKeys *result;

  if (length > GW_OIDC_MAX_JWKS) {
    g_set_error(error, GW_OIDC_ERROR, GW_OIDC_ERROR_MALFORMED, "the JWKS is larger than %d bytes",
                GW_OIDC_MAX_JWKS);
    return NULL;
  }
  root = parse_object(json, length, error);
  if (root == NULL)
    return NULL;
  list = json_object_get_member(root, "keys");
  if (list == NULL || !JSON_NODE_HOLDS_ARRAY(list)) {
    g_set_error_literal(error, GW_OIDC_ERROR, GW_OIDC_ERROR_MALFORMED, "the JWKS has no keys");
    return NULL;
  }
  for (guint i = 0; i < json_array_get_length(json_node_get_array(list)); i++) {
    JsonNode *item = json_array_get_element(json_node_get_array(list), i);
    EVP_PKEY *pkey;
    Key *key;

    if (!JSON_NODE_HOLDS_OBJECT(item))
      continue;
    pkey = rsa_from_jwk(json_node_get_object(item));
    if (pkey == NULL)
      continue;
    if (keys->len == GW_OIDC_MAX_KEYS) {
      EVP_PKEY_free(pkey);
      break;
    }
    key = g_new0(Key, 1);
    key->kid = g_strdup(string_member(json_node_get_object(item), "kid"));
    key->pkey = pkey;
    g_ptr_array_add(keys, key);
  }
  if (keys->len == 0) {
    g_set_error_literal(error, GW_OIDC_ERROR, GW_OIDC_ERROR_MALFORMED,
                        "the JWKS has no RSA signing key (RS256, at least 2048 bits)");
    return NULL;
  }
  result = g_new0(GwOidcKeys, 1);
  result->keys = g_steal_pointer(&keys);
  return result;
}

static const Key *
find_key(const GwOidcKeys *keys, const char *kid)
{
  if (kid == NULL)
    return keys->keys->len == 1 ? g_ptr_array_index(keys->keys, 0) : NULL;
  for (guint i = 0; i < keys->keys->len; i++) {
    const Key *key = g_ptr_array_index(keys->keys, i);
    if (g_strcmp0(key->kid, kid) == 0)
      return key;
  }
  return NULL;
}

static JsonObject *
decode_part(const char *part, gsize length, const char *what, GError **error)
{
  g_autoptr(GBytes) bytes = gw_base64url_decode(part, length);
  gsize size = 0;
  const char *data;

  if (bytes == NULL) {
    g_set_error(error, GW_OIDC_ERROR, GW_OIDC_ERROR_MALFORMED, "the token's %s is not base64url",
                what);
    return NULL;
  }
  data = g_bytes_get_data(bytes, &size);
  return parse_object(data, size, error);
}

static gboolean
verify_rs256(EVP_PKEY *pkey, const char *signed_part, gsize signed_length, GBytes *signature)
{
  g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new();
  gsize length = 0;
  const guint8 *data = g_bytes_get_data(signature, &length);

  return ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pkey) == 1 &&
         EVP_DigestVerify(ctx, data, length, (const guint8 *)signed_part, signed_length) == 1;
}

static gboolean
same_issuer(const char *a, const char *b)
{
  gsize la = strlen(a), lb = strlen(b);

  while (la > 0 && a[la - 1] == '/')
    la--;
  while (lb > 0 && b[lb - 1] == '/')
    lb--;
  return la == lb && strncmp(a, b, la) == 0;
}

/* aud is the client id, or an array holding it; with several, azp must be the client id. */
static gboolean
audience_ok(JsonObject *claims, const char *client_id)
{
  JsonNode *aud = json_object_get_member(claims, "aud");
  const char *azp = string_member(claims, "azp");
  gboolean found = FALSE;
  JsonArray *list;

  if (aud == NULL)
    return FALSE;
  if (JSON_NODE_HOLDS_VALUE(aud))
    return g_strcmp0(string_member(claims, "aud"), client_id) == 0 &&
           (azp == NULL || strcmp(azp, client_id) == 0);
  if (!JSON_NODE_HOLDS_ARRAY(aud))
    return FALSE;
  list = json_node_get_array(aud);
  for (guint i = 0; i < json_array_get_length(list); i++) {
    JsonNode *item = json_array_get_element(list, i);
    if (JSON_NODE_HOLDS_VALUE(item) && json_node_get_value_type(item) == G_TYPE_STRING &&
        g_strcmp0(json_node_get_string(item), client_id) == 0)
      found = TRUE;
  }
  if (!found)
    return FALSE;
  if (json_array_get_length(list) > 1 || azp != NULL)
    return g_strcmp0(azp, client_id) == 0;
  return TRUE;
}

static gboolean
claims_error(GError **error, const char *what)
{
  g_set_error_literal(error, GW_OIDC_ERROR, GW_OIDC_ERROR_CLAIMS, what);
  return FALSE;
}

static gboolean
check_claims(JsonObject *claims, const char *issuer, const char *client_id, const char *nonce,
             gint64 now, gint64 *expires, GError **error)
{
  gint64 iat = 0;

  if (string_member(claims, "iss") == NULL || !same_issuer(string_member(claims, "iss"), issuer))
    return claims_error(error, "the token is from another issuer");
  if (!audience_ok(claims, client_id))
    return claims_error(error, "the token is for another client (aud/azp)");
  if (!int_member(claims, "exp", expires) || *expires + GW_OIDC_CLOCK_SKEW < now)
    return claims_error(error, "the token has expired (or has no exp)");
  if (int_member(claims, "iat", &iat) && iat - GW_OIDC_CLOCK_SKEW > now)
    return claims_error(error, "the token was issued in the future (check the clocks)");
  if (g_strcmp0(string_member(claims, "nonce"), nonce) != 0)
    return claims_error(error, "the token's nonce is not this login's");
  if (string_member(claims, "sub") == NULL || string_member(claims, "sub")[0] == '\0')
    return claims_error(error, "the token has no subject");
  return TRUE;
}

GwOidcIdentity *
gw_oidc_id_token_verify(const char *token, const GwOidcKeys *keys, const char *issuer,
                        const char *client_id, const char *nonce, const char *username_claim,
                        gint64 now, GError **error)
{
  gsize length = strlen(token);
  const char *dot1 = memchr(token, '.', length);
  const char *dot2 = dot1 != NULL ? memchr(dot1 + 1, '.', length - (dot1 + 1 - token)) : NULL;
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(GBytes) signature = NULL;
  const char *signature_text;
  const Key *key;
  gint64 expires = 0;
  GwOidcIdentity *identity;

  g_return_val_if_fail(token != NULL && keys != NULL && issuer != NULL && client_id != NULL &&
                           nonce != NULL && username_claim != NULL,
                       NULL);

  if (length > GW_OIDC_MAX_TOKEN || dot1 == NULL || dot2 == NULL ||
      memchr(dot2 + 1, '.', length - (dot2 + 1 - token)) != NULL) {
    g_set_error_literal(error, GW_OIDC_ERROR, GW_OIDC_ERROR_MALFORMED,
                        "the ID token is not a compact JWS of three parts");
    return NULL;
  }
  header = decode_part(token, dot1 - token, "header", error);
  if (header == NULL)
    return NULL;
  /* Only RS256: never "none", never HMAC with a public key as the secret. */
  if (g_strcmp0(string_member(header, "alg"), "RS256") != 0) {
    g_set_error(error, GW_OIDC_ERROR, GW_OIDC_ERROR_MALFORMED,
                "the ID token is signed with %s; Balie accepts RS256 only",
                string_member(header, "alg") ? string_member(header, "alg") : "no algorithm");
    return NULL;
  }
  key = find_key(keys, string_member(header, "kid"));
  if (key == NULL) {
    g_set_error_literal(error, GW_OIDC_ERROR, GW_OIDC_ERROR_UNKNOWN_KEY,
                        "the ID token is signed with a key not in the provider's JWKS");
    return NULL;
  }
  signature_text = dot2 + 1;
  signature = gw_base64url_decode(signature_text, strlen(signature_text));
  if (signature == NULL || !verify_rs256(key->pkey, token, dot2 - token, signature)) {
    g_set_error_literal(error, GW_OIDC_ERROR, GW_OIDC_ERROR_SIGNATURE,
                        "the ID token's signature does not verify");
    return NULL;
  }
  /* Only now, signed, are the claims worth reading. */
  claims = decode_part(dot1 + 1, dot2 - dot1 - 1, "payload", error);
  if (claims == NULL || !check_claims(claims, issuer, client_id, nonce, now, &expires, error))
    return NULL;
  identity = g_new0(GwOidcIdentity, 1);
  identity->subject = g_strdup(string_member(claims, "sub"));
  identity->username = g_strdup(string_member(claims, username_claim));
  identity->expires = expires;
  return identity;
}
