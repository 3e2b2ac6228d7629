/* SPDX-License-Identifier: Apache-2.0 */
/* The REST API's request bodies: size and type checks and field rules; no I/O, so tests and the
 * fuzzer reach them without a server. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Request bodies are small JSON objects; anything longer is refused unread. */
#define GW_API_MAX_BODY 8192
/* Longest account name and password a login may carry. */
#define GW_API_MAX_CREDENTIAL 256

#define GW_API_BODY_ERROR (gw_api_body_error_quark())
GQuark gw_api_body_error_quark(void);

typedef enum {
  GW_API_BODY_ERROR_TYPE,      /* not Content-Type: application/json (415) */
  GW_API_BODY_ERROR_TOO_LARGE, /* longer than GW_API_MAX_BODY (413) */
  GW_API_BODY_ERROR_NOT_OBJECT, /* not a JSON object (400 bad-request) */
  GW_API_BODY_ERROR_FIELD,     /* a member is missing or out of range (400 bad-field) */
} GwApiBodyError;

/**
 * gw_api_body_parse:
 * @content_type: (nullable): the request's media type, without parameters
 * @data: (nullable): @length bytes, not necessarily NUL-terminated
 * Returns: (transfer full) (nullable): the body's object
 */
JsonObject *gw_api_body_parse(const char *content_type, const char *data, gsize length,
                              GError **error);

/**
 * gw_api_body_get_string:
 * Returns: (transfer none) (nullable): member @name when it is a string
 */
const char *gw_api_body_get_string(JsonObject *body, const char *name);

/**
 * gw_api_body_login:
 * `name` and `password`: strings of at most GW_API_MAX_CREDENTIAL bytes.
 * @name, @password: (out) (transfer none): point into @body
 */
gboolean gw_api_body_login(JsonObject *body, const char **name, const char **password,
                           GError **error);

/**
 * gw_api_body_invite:
 * `journey`: an id (gw_join_token_is_valid_id()); `expires_in_minutes`
 * (optional): an integer 1..@max_minutes, else @max_minutes.
 * @journey: (out) (transfer none): points into @body
 */
gboolean gw_api_body_invite(JsonObject *body, guint max_minutes, const char **journey,
                            gint64 *minutes, GError **error);

G_END_DECLS
