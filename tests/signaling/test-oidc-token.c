/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for signaling/oidc-token.c: JWKS parsing and ID token checks, with keys made here. */
#include <glib.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <string.h>

#include "signaling/base64url.h"
#include "signaling/oidc-token.h"

#define ISSUER "https://idp.example.nl/realms/bank"
#define CLIENT "balie"
#define NONCE "n-0S6_WzA2Mj"
#define NOW G_GINT64_CONSTANT(1700000000)

G_DEFINE_AUTOPTR_CLEANUP_FUNC(EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EVP_MD_CTX, EVP_MD_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BIGNUM, BN_free)

static EVP_PKEY *signing_key;   /* kid "k1", in the JWKS */
static EVP_PKEY *other_key;     /* kid "k2", not in the JWKS */

static char *
b64(const void *data, gsize length)
{
  return gw_base64url_encode(data, length);
}

static char *
bn_member(EVP_PKEY *pkey, const char *param)
{
  g_autoptr(BIGNUM) bn = NULL;
  g_autofree guint8 *bytes = NULL;
  int length;

  g_assert_cmpint(EVP_PKEY_get_bn_param(pkey, param, &bn), ==, 1);
  length = BN_num_bytes(bn);
  bytes = g_malloc(length);
  BN_bn2bin(bn, bytes);
  return b64(bytes, length);
}

static char *
jwk(EVP_PKEY *pkey, const char *kid)
{
  g_autofree char *n = bn_member(pkey, OSSL_PKEY_PARAM_RSA_N);
  g_autofree char *e = bn_member(pkey, OSSL_PKEY_PARAM_RSA_E);

  return g_strdup_printf("{\"kty\":\"RSA\",\"use\":\"sig\",\"alg\":\"RS256\",\"kid\":\"%s\","
                         "\"n\":\"%s\",\"e\":\"%s\"}",
                         kid, n, e);
}

/* A compact JWS over @header and @payload (JSON text), RS256 with @pkey. */
static char *
sign(EVP_PKEY *pkey, const char *header, const char *payload)
{
  g_autofree char *h = b64(header, strlen(header));
  g_autofree char *p = b64(payload, strlen(payload));
  g_autofree char *input = g_strdup_printf("%s.%s", h, p);
  g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new();
  size_t length = 0;
  g_autofree guint8 *signature = NULL;
  g_autofree char *s = NULL;

  g_assert_cmpint(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pkey), ==, 1);
  g_assert_cmpint(EVP_DigestSign(ctx, NULL, &length, (guint8 *)input, strlen(input)), ==, 1);
  signature = g_malloc(length);
  g_assert_cmpint(EVP_DigestSign(ctx, signature, &length, (guint8 *)input, strlen(input)), ==, 1);
  s = b64(signature, length);
  return g_strdup_printf("%s.%s", input, s);
}

static char *
claims(const char *iss, const char *aud_json, gint64 exp, const char *nonce, const char *extra)
{
  return g_strdup_printf("{\"iss\":\"%s\",\"aud\":%s,\"sub\":\"f81d4fae\",\"exp\":%" G_GINT64_FORMAT
                         ",\"iat\":%" G_GINT64_FORMAT ",\"nonce\":\"%s\","
                         "\"preferred_username\":\"anna\"%s}",
                         iss, aud_json, exp, NOW - 10, nonce, extra);
}

static GwOidcKeys *
keys(void)
{
  g_autofree char *k1 = jwk(signing_key, "k1");
  /* An EC key and an encryption key are skipped, not errors. */
  g_autofree char *json = g_strdup_printf(
      "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AA\",\"y\":\"AA\",\"kid\":\"ec\"},"
      "{\"kty\":\"RSA\",\"use\":\"enc\",\"n\":\"AQAB\",\"e\":\"AQAB\"},%s]}",
      k1);
  g_autoptr(GError) error = NULL;
  GwOidcKeys *parsed = gw_oidc_keys_parse(json, strlen(json), &error);

  g_assert_no_error(error);
  g_assert_cmpuint(gw_oidc_keys_get_count(parsed), ==, 1);
  return parsed;
}

static GwOidcIdentity *
verify(const char *token, GError **error)
{
  g_autoptr(GwOidcKeys) k = keys();

  return gw_oidc_id_token_verify(token, k, ISSUER, CLIENT, NONCE, "preferred_username", NOW,
                                 error);
}

static void
assert_refused(const char *token, GwOidcError code, const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwOidcIdentity) identity = verify(token, &error);

  g_assert_null(identity);
  g_assert_error(error, GW_OIDC_ERROR, (gint)code);
  if (strstr(error->message, needle) == NULL)
    g_error("expected \"%s\" in \"%s\"", needle, error->message);
}

static const char *const RS256_K1 = "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}";

static void
test_good(void)
{
  g_autofree char *payload = claims(ISSUER "/", "\"" CLIENT "\"", NOW + 300, NONCE, "");
  g_autofree char *token = sign(signing_key, RS256_K1, payload);
  g_autoptr(GError) error = NULL;
  g_autoptr(GwOidcIdentity) identity = verify(token, &error);

  g_assert_no_error(error);
  g_assert_cmpstr(identity->subject, ==, "f81d4fae");
  g_assert_cmpstr(identity->username, ==, "anna");
  g_assert_cmpint(identity->expires, ==, NOW + 300);

  /* aud as a list with azp; within the clock skew after exp. */
  g_autofree char *listed = claims(ISSUER, "[\"" CLIENT "\",\"other\"]", NOW - 60, NONCE,
                                   ",\"azp\":\"" CLIENT "\"");
  g_autofree char *token2 = sign(signing_key, RS256_K1, listed);
  g_autoptr(GwOidcIdentity) identity2 = verify(token2, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(identity2->username, ==, "anna");
}

static void
test_signature(void)
{
  g_autofree char *payload = claims(ISSUER, "\"" CLIENT "\"", NOW + 300, NONCE, "");
  g_autofree char *token = sign(signing_key, RS256_K1, payload);
  g_autofree char *by_other = sign(other_key, RS256_K1, payload);
  g_autofree char *other_kid = sign(other_key, "{\"alg\":\"RS256\",\"kid\":\"k2\"}", payload);
  g_autofree char *evil = claims(ISSUER, "\"" CLIENT "\"", NOW + 300, NONCE,
                                 ",\"x\":\"y\"");
  g_autofree char *evil_b64 = b64(evil, strlen(evil));
  char *dot1 = strchr(token, '.');
  char *dot2 = strchr(dot1 + 1, '.');
  g_autofree char *header_part = g_strndup(token, dot1 - token);
  g_autofree char *tampered = g_strdup_printf("%s.%s%s", header_part, evil_b64, dot2);
  g_autofree char *none_header = b64("{\"alg\":\"none\"}", 14);
  g_autofree char *payload_b64 = b64(payload, strlen(payload));
  g_autofree char *none = g_strdup_printf("%s.%s.", none_header, payload_b64);
  g_autofree char *hs256 = sign(signing_key, "{\"alg\":\"HS256\",\"kid\":\"k1\"}", payload);

  assert_refused(by_other, GW_OIDC_ERROR_SIGNATURE, "does not verify");
  assert_refused(tampered, GW_OIDC_ERROR_SIGNATURE, "does not verify");
  assert_refused(other_kid, GW_OIDC_ERROR_UNKNOWN_KEY, "not in the provider's JWKS");
  assert_refused(none, GW_OIDC_ERROR_MALFORMED, "RS256 only");
  assert_refused(hs256, GW_OIDC_ERROR_MALFORMED, "RS256 only");
  assert_refused("abc.def", GW_OIDC_ERROR_MALFORMED, "three parts");
  assert_refused("a.b.c.d", GW_OIDC_ERROR_MALFORMED, "three parts");
  assert_refused("!!.e30.e30", GW_OIDC_ERROR_MALFORMED, "not base64url");
}

static void
test_claims(void)
{
  static const struct {
    const char *iss, *aud, *nonce, *extra;
    gint64 exp;
    const char *needle;
  } cases[] = {
      {"https://evil.example", "\"" CLIENT "\"", NONCE, "", NOW + 300, "another issuer"},
      {ISSUER, "\"someone-else\"", NONCE, "", NOW + 300, "another client"},
      {ISSUER, "[\"someone-else\"]", NONCE, "", NOW + 300, "another client"},
      {ISSUER, "[\"" CLIENT "\",\"x\"]", NONCE, "", NOW + 300, "another client"},
      {ISSUER, "\"" CLIENT "\"", NONCE, ",\"azp\":\"x\"", NOW + 300, "another client"},
      {ISSUER, "\"" CLIENT "\"", NONCE, "", NOW - 3600, "expired"},
      {ISSUER, "\"" CLIENT "\"", "replayed-nonce", "", NOW + 300, "nonce"},
  };

  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *payload =
        claims(cases[i].iss, cases[i].aud, cases[i].exp, cases[i].nonce, cases[i].extra);
    g_autofree char *token = sign(signing_key, RS256_K1, payload);

    assert_refused(token, GW_OIDC_ERROR_CLAIMS, cases[i].needle);
  }
  {
    g_autofree char *future = g_strdup_printf(
        "{\"iss\":\"%s\",\"aud\":\"%s\",\"sub\":\"s\",\"exp\":%" G_GINT64_FORMAT
        ",\"iat\":%" G_GINT64_FORMAT ",\"nonce\":\"%s\"}",
        ISSUER, CLIENT, NOW + 7200, NOW + 3600, NONCE);
    g_autofree char *token = sign(signing_key, RS256_K1, future);
    assert_refused(token, GW_OIDC_ERROR_CLAIMS, "in the future");
  }
}

static void
test_jwks_errors(void)
{
  static const char *const bad[] = {
      "not json", "[]", "{}", "{\"keys\":{}}", "{\"keys\":[]}",
      "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}", /* too short a key */
  };

  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GwOidcKeys) k = gw_oidc_keys_parse(bad[i], strlen(bad[i]), &error);
    g_assert_null(k);
    g_assert_error(error, GW_OIDC_ERROR, GW_OIDC_ERROR_MALFORMED);
  }
}

int
main(int argc, char **argv)
{
  int status;

  g_test_init(&argc, &argv, NULL);
  signing_key = EVP_RSA_gen(2048);
  other_key = EVP_RSA_gen(2048);
  g_assert_nonnull(signing_key);
  g_test_add_func("/oidc-token/good", test_good);
  g_test_add_func("/oidc-token/signature", test_signature);
  g_test_add_func("/oidc-token/claims", test_claims);
  g_test_add_func("/oidc-token/jwks-errors", test_jwks_errors);
  status = g_test_run();
  EVP_PKEY_free(signing_key);
  EVP_PKEY_free(other_key);
  return status;
}
