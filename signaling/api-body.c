/* SPDX-License-Identifier: Apache-2.0 */
/* The REST API's request bodies: size and type checks and field rules; no I/O. */
#include "signaling/api-body.h"

#include <string.h>

#include "signaling/join-token.h"

/* clang-format off */
G_DEFINE_QUARK(gw-api-body-error-quark, gw_api_body_error)
/* clang-format on */

JsonObject *
gw_api_body_parse(const char *content_type, const char *data, gsize length, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable();
  JsonNode *root;

  if (g_strcmp0(content_type, "application/json") != 0) {
    g_set_error(error, GW_API_BODY_ERROR, GW_API_BODY_ERROR_TYPE,
                "send a JSON body (Content-Type: application/json)");
    return NULL;
  }
  if (length > GW_API_MAX_BODY) {
    g_set_error(error, GW_API_BODY_ERROR, GW_API_BODY_ERROR_TOO_LARGE, "the body is too large");
    return NULL;
  }
  /* json-glib wants no NUL inside the given length. */
  if (data == NULL || memchr(data, '\0', length) != NULL ||
      !json_parser_load_from_data(parser, data, (gssize)length, NULL) ||
      (root = json_parser_get_root(parser)) == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
    g_set_error(error, GW_API_BODY_ERROR, GW_API_BODY_ERROR_NOT_OBJECT,
                "the body is not a JSON object");
    return NULL;
  }
  return json_object_ref(json_node_get_object(root));
}

const char *
gw_api_body_get_string(JsonObject *body, const char *name)
{
  JsonNode *node = json_object_get_member(body, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
      json_node_get_value_type(node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string(node);
}

gboolean
gw_api_body_login(JsonObject *body, const char **name, const char **password, GError **error)
{
  *name = gw_api_body_get_string(body, "name");
  *password = gw_api_body_get_string(body, "password");
  if (*name == NULL || *password == NULL || strlen(*name) > GW_API_MAX_CREDENTIAL ||
      strlen(*password) > GW_API_MAX_CREDENTIAL) {
    g_set_error(error, GW_API_BODY_ERROR, GW_API_BODY_ERROR_FIELD,
                "give `name` and `password` as strings");
    return FALSE;
  }
  return TRUE;
}

gboolean
gw_api_body_invite(JsonObject *body, guint max_minutes, const char **journey, gint64 *minutes,
                   GError **error)
{
  JsonNode *ttl = json_object_get_member(body, "expires_in_minutes");

  *journey = gw_api_body_get_string(body, "journey");
  if (!gw_join_token_is_valid_id(*journey)) {
    g_set_error(error, GW_API_BODY_ERROR, GW_API_BODY_ERROR_FIELD,
                "`journey` must be 1 to 64 of A-Z a-z 0-9 _ -");
    return FALSE;
  }
  *minutes = max_minutes;
  if (ttl == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE(ttl) || json_node_get_value_type(ttl) != G_TYPE_INT64 ||
      json_node_get_int(ttl) < 1 || json_node_get_int(ttl) > max_minutes) {
    g_set_error(error, GW_API_BODY_ERROR, GW_API_BODY_ERROR_FIELD,
                "`expires_in_minutes` must be 1 to %u", max_minutes);
    return FALSE;
  }
  *minutes = json_node_get_int(ttl);
  return TRUE;
}
