/* SPDX-License-Identifier: Apache-2.0 */
/* Signed join tokens: base64url(payload JSON) "." base64url(HMAC-SHA256(key, first part)); pure. */
#include "signaling/join-token.h"

#include <json-glib/json-glib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "signaling/base64url.h"

/* clang-format off */
G_DEFINE_QUARK(gw-join-token-error-quark, gw_join_token_error)
/* clang-format on */

#define TOKEN_VERSION 1
#define MAC_BYTES 32

void
gw_join_token_free(GwJoinToken *token)
{
  if (token == NULL)
    return;
  g_free(token->contact_id);
  g_free(token->journey);
  g_free(token->advisor);
  g_free(token->customer_ref);
  g_free(token);
}

const char *
gw_join_token_kind_to_string(GwJoinTokenKind kind)
{
  switch (kind) {
  case GW_JOIN_TOKEN_QUEUE:
    return "queue";
  case GW_JOIN_TOKEN_RATING:
    return "rating";
  case GW_JOIN_TOKEN_GUEST:
    return "guest";
  case GW_JOIN_TOKEN_WRAP_UP:
    return "wrap-up";
  case GW_JOIN_TOKEN_INVITE:
    break;
  }
  return "invite";
}

gboolean
gw_join_token_is_valid_id(const char *text)
{
  gsize n = 0;

  if (text == NULL)
    return FALSE;
  for (; text[n] != '\0'; n++) {
    if (n >= GW_JOIN_TOKEN_MAX_FIELD ||
        !(g_ascii_isalnum(text[n]) || text[n] == '-' || text[n] == '_'))
      return FALSE;
  }
  return n > 0;
}

static void
mac(const guint8 *key, gsize key_length, const char *data, gsize length, guint8 out[MAC_BYTES])
{
  unsigned int out_length = 0;

  HMAC(EVP_sha256(), key, (int)key_length, (const guint8 *)data, length, out, &out_length);
  g_assert(out_length == MAC_BYTES);
}

char *
gw_join_token_sign(const GwJoinToken *token, const guint8 *key, gsize key_length)
{
  g_autoptr(JsonBuilder) builder = json_builder_new();
  guint8 signature[MAC_BYTES];

  g_return_val_if_fail(key_length >= GW_JOIN_TOKEN_MIN_KEY, NULL);
  g_return_val_if_fail(gw_join_token_is_valid_id(token->contact_id), NULL);
  g_return_val_if_fail(gw_join_token_is_valid_id(token->journey), NULL);

  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "v");
  json_builder_add_int_value(builder, TOKEN_VERSION);
  json_builder_set_member_name(builder, "k");
  json_builder_add_string_value(builder, gw_join_token_kind_to_string(token->kind));
  json_builder_set_member_name(builder, "c");
  json_builder_add_string_value(builder, token->contact_id);
  json_builder_set_member_name(builder, "j");
  json_builder_add_string_value(builder, token->journey);
  if (token->advisor != NULL) {
    json_builder_set_member_name(builder, "a");
    json_builder_add_string_value(builder, token->advisor);
  }
  if (token->customer_ref != NULL) {
    g_return_val_if_fail(gw_join_token_is_valid_id(token->customer_ref), NULL);
    json_builder_set_member_name(builder, "p");
    json_builder_add_string_value(builder, token->customer_ref);
  }
  json_builder_set_member_name(builder, "x");
  json_builder_add_int_value(builder, token->expires);
  json_builder_end_object(builder);

  g_autoptr(JsonNode) root = json_builder_get_root(builder);
  g_autofree char *json = json_to_string(root, FALSE);
  g_autofree char *payload = gw_base64url_encode((const guint8 *)json, strlen(json));
  mac(key, key_length, payload, strlen(payload), signature);
  g_autofree char *encoded_mac = gw_base64url_encode(signature, sizeof signature);
  return g_strconcat(payload, ".", encoded_mac, NULL);
}

static gboolean
malformed(GError **error, const char *why)
{
  g_set_error(error, GW_JOIN_TOKEN_ERROR, GW_JOIN_TOKEN_ERROR_MALFORMED, "not a join token: %s",
              why);
  return FALSE;
}

/* Reads an optional id member; FALSE when present but not a valid id. */
static gboolean
get_id(JsonObject *object, const char *name, gboolean required, char **out, GError **error)
{
  JsonNode *node = json_object_get_member(object, name);

  if (node == NULL)
    return required ? malformed(error, "a field is missing") : TRUE;
  if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING ||
      !gw_join_token_is_valid_id(json_node_get_string(node)))
    return malformed(error, "a field is not a valid id");
  *out = g_strdup(json_node_get_string(node));
  return TRUE;
}

static gboolean
get_int(JsonObject *object, const char *name, gint64 *out, GError **error)
{
  JsonNode *node = json_object_get_member(object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
      json_node_get_value_type(node) != G_TYPE_INT64)
    return malformed(error, "a number is missing");
  *out = json_node_get_int(node);
  return TRUE;
}

GwJoinToken *
gw_join_token_parse_payload(const char *json, gsize length, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable();
  g_autoptr(GwJoinToken) token = g_new0(GwJoinToken, 1);
  gint64 version = 0;
  g_autofree char *kind = NULL;

  /* The payload is small and flat: refuse anything long before parsing. */
  if (length > GW_JOIN_TOKEN_MAX_LENGTH) {
    malformed(error, "too long");
    return NULL;
  }
  JsonNode *root = NULL; /* NULL for an empty payload */
  if (!json_parser_load_from_data(parser, json, (gssize)length, NULL) ||
      (root = json_parser_get_root(parser)) == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
    malformed(error, "the payload is not a JSON object");
    return NULL;
  }
  JsonObject *object = json_node_get_object(root);
  if (!get_int(object, "v", &version, error))
    return NULL;
  if (version != TOKEN_VERSION) {
    malformed(error, "unknown version");
    return NULL;
  }
  if (!get_id(object, "k", TRUE, &kind, error) ||
      !get_id(object, "c", TRUE, &token->contact_id, error) ||
      !get_id(object, "j", TRUE, &token->journey, error) ||
      !get_id(object, "a", FALSE, &token->advisor, error) ||
      !get_id(object, "p", FALSE, &token->customer_ref, error) ||
      !get_int(object, "x", &token->expires, error))
    return NULL;
  if (g_str_equal(kind, "invite"))
    token->kind = GW_JOIN_TOKEN_INVITE;
  else if (g_str_equal(kind, "queue"))
    token->kind = GW_JOIN_TOKEN_QUEUE;
  else if (g_str_equal(kind, "rating"))
    token->kind = GW_JOIN_TOKEN_RATING;
  else if (g_str_equal(kind, "guest"))
    token->kind = GW_JOIN_TOKEN_GUEST;
  else if (g_str_equal(kind, "wrap-up"))
    token->kind = GW_JOIN_TOKEN_WRAP_UP;
  else {
    malformed(error, "unknown kind");
    return NULL;
  }
  return g_steal_pointer(&token);
}

GwJoinToken *
gw_join_token_verify(const char *text, gsize length, const guint8 *key, gsize key_length,
                     gint64 now, GError **error)
{
  guint8 expected[MAC_BYTES];

  g_return_val_if_fail(key_length >= GW_JOIN_TOKEN_MIN_KEY, NULL);
  if (length == 0 || length > GW_JOIN_TOKEN_MAX_LENGTH) {
    malformed(error, "empty or too long");
    return NULL;
  }
  const char *dot = memchr(text, '.', length);
  if (dot == NULL) {
    malformed(error, "no signature");
    return NULL;
  }
  gsize payload_length = (gsize)(dot - text);
  g_autoptr(GBytes) given = gw_base64url_decode(dot + 1, length - payload_length - 1);
  if (given == NULL || g_bytes_get_size(given) != MAC_BYTES) {
    malformed(error, "the signature is not base64url of 32 bytes");
    return NULL;
  }
  mac(key, key_length, text, payload_length, expected);
  if (CRYPTO_memcmp(expected, g_bytes_get_data(given, NULL), MAC_BYTES) != 0) {
    g_set_error_literal(error, GW_JOIN_TOKEN_ERROR, GW_JOIN_TOKEN_ERROR_FORGED,
                        "the join token's signature does not match");
    return NULL;
  }

  g_autoptr(GBytes) payload = gw_base64url_decode(text, payload_length);
  if (payload == NULL) {
    malformed(error, "the payload is not base64url");
    return NULL;
  }
  gsize json_length = 0;
  const char *json = g_bytes_get_data(payload, &json_length);
  g_autoptr(GwJoinToken) token =
      gw_join_token_parse_payload(json != NULL ? json : "", json_length, error);
  if (token == NULL)
    return NULL;
  if (token->expires <= now) {
    g_set_error(error, GW_JOIN_TOKEN_ERROR, GW_JOIN_TOKEN_ERROR_EXPIRED,
                "the join token expired %" G_GINT64_FORMAT " s ago", now - token->expires);
    return NULL;
  }
  return g_steal_pointer(&token);
}
