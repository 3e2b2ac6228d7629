/* SPDX-License-Identifier: Apache-2.0 */
/* POST /api/v1/ratings: the customer's post-call rating, authorised by the token from `ended`. */
#include "gateway/rating-api.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "gateway/store-backend.h"
#include "gateway/store-event.h"
#include "signaling/api.h"
#include "signaling/rating-token.h"

typedef struct {
  GwServer *server;
  const GwContactSink *sink;
  /* contact id → TRUE while its rating is being written, FALSE once written */
  GHashTable *seen;
} RatingApi;

/* Holds its own reference to the table: the store may answer after the server is gone. */
typedef struct {
  GHashTable *seen;
  SoupServerMessage *msg;
  char *contact_id;
} Pending;

/* {"error":{"code","message"}} as every /api/v1 error (docs/api.md). */
static void
reply(SoupServerMessage *msg, guint status, const char *code, const char *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new();
  g_autoptr(JsonNode) root = NULL;
  char *body;

  json_builder_begin_object(builder);
  if (code != NULL) {
    json_builder_set_member_name(builder, "error");
    json_builder_begin_object(builder);
    json_builder_set_member_name(builder, "code");
    json_builder_add_string_value(builder, code);
    json_builder_set_member_name(builder, "message");
    json_builder_add_string_value(builder, message);
    json_builder_end_object(builder);
  } else {
    json_builder_set_member_name(builder, "status");
    json_builder_add_string_value(builder, message);
  }
  json_builder_end_object(builder);
  root = json_builder_get_root(builder);
  body = json_to_string(root, FALSE);
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Cache-Control",
                               "no-store");
  soup_server_message_set_status(msg, status, NULL);
  soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_TAKE, body, strlen(body));
}

/* An optional score: absent or null is -1; anything but an integer in [min, max] is refused. */
static gboolean
get_score(JsonObject *body, const char *name, gint min, gint max, gint *out)
{
  JsonNode *node = json_object_get_member(body, name);

  *out = -1;
  if (node == NULL || JSON_NODE_HOLDS_NULL(node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64 ||
      json_node_get_int(node) < min || json_node_get_int(node) > max)
    return FALSE;
  *out = (gint)json_node_get_int(node);
  return TRUE;
}

static const char *
get_string(JsonObject *body, const char *name, gboolean *wrong_type)
{
  JsonNode *node = json_object_get_member(body, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL(node))
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING) {
    *wrong_type = TRUE;
    return NULL;
  }
  return json_node_get_string(node);
}

/* Reads the answers into @event; FALSE (after replying 400) when one is out of range. */
static gboolean
read_answers(SoupServerMessage *msg, JsonObject *body, GwContactEvent *event)
{
  gboolean wrong_type = FALSE;
  JsonNode *skipped = json_object_get_member(body, "skipped");
  const char *comment = get_string(body, "comment", &wrong_type);

  if (skipped != NULL && JSON_NODE_HOLDS_VALUE(skipped) &&
      json_node_get_value_type(skipped) == G_TYPE_BOOLEAN && json_node_get_boolean(skipped)) {
    /* Skipping is an answer too: counted, never scored. */
    event->nps = event->csat = event->ces = -1;
    return TRUE;
  }
  if (!get_score(body, "nps", 0, 10, &event->nps) || !get_score(body, "csat", 1, 5, &event->csat) ||
      !get_score(body, "ces", 1, 7, &event->ces)) {
    reply(msg, SOUP_STATUS_BAD_REQUEST, "bad-field",
          "`nps` is 0 to 10, `csat` 1 to 5, `ces` 1 to 7 (whole numbers, or null)");
    return FALSE;
  }
  if (wrong_type || (comment != NULL && (!g_utf8_validate(comment, -1, NULL) ||
                                         g_utf8_strlen(comment, -1) > GW_STORE_EVENT_MAX_COMMENT))) {
    reply(msg, SOUP_STATUS_BAD_REQUEST, "bad-field",
          "`comment` is text of at most " G_STRINGIFY(GW_STORE_EVENT_MAX_COMMENT) " characters");
    return FALSE;
  }
  /* Only blanks is no comment; the text is kept as typed otherwise. */
  if (comment != NULL) {
    g_autofree char *trimmed = g_strstrip(g_strdup(comment));

    if (trimmed[0] != '\0')
      event->comment = comment;
  }
  return TRUE;
}

static void
on_recorded(const GError *error, gpointer data)
{
  Pending *pending = data;

  if (error == NULL) {
    g_hash_table_replace(pending->seen, g_strdup(pending->contact_id), GINT_TO_POINTER(FALSE));
    reply(pending->msg, SOUP_STATUS_CREATED, NULL, "recorded");
  } else {
    g_hash_table_remove(pending->seen, pending->contact_id);
    if (g_error_matches(error, GW_STORE_ERROR, GW_STORE_ERROR_DUPLICATE)) {
      g_hash_table_replace(pending->seen, g_strdup(pending->contact_id), GINT_TO_POINTER(FALSE));
      reply(pending->msg, SOUP_STATUS_CONFLICT, "already-rated", "this call has been rated already");
    } else if (g_error_matches(error, GW_STORE_ERROR, GW_STORE_ERROR_INVALID)) {
      reply(pending->msg, SOUP_STATUS_BAD_REQUEST, "bad-field", error->message);
    } else {
      g_warning("rating for %s not stored: %s", pending->contact_id, error->message);
      reply(pending->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "internal",
            "your rating could not be saved; please try again");
    }
  }
  soup_server_message_unpause(pending->msg);
  g_object_unref(pending->msg);
  g_hash_table_unref(pending->seen);
  g_free(pending->contact_id);
  g_free(pending);
}

/* The token names the contact; FALSE (after replying) when it is not a genuine, current one. */
static GwJoinToken *
check_token(RatingApi *api, SoupServerMessage *msg, JsonObject *body)
{
  gboolean wrong_type = FALSE;
  const char *text = get_string(body, "token", &wrong_type);
  g_autoptr(GError) error = NULL;
  GwJoinToken *token;

  if (text == NULL) {
    reply(msg, SOUP_STATUS_BAD_REQUEST, "bad-field", "`token` (from the end of the call) is missing");
    return NULL;
  }
  token = gw_rating_token_check(gw_server_get_rating_key(api->server), text, strlen(text),
                                g_get_real_time() / G_USEC_PER_SEC, &error);
  if (token == NULL) {
    gboolean expired = g_error_matches(error, GW_JOIN_TOKEN_ERROR, GW_JOIN_TOKEN_ERROR_EXPIRED);

    g_info("rating refused: %s", error->message);
    reply(msg, SOUP_STATUS_FORBIDDEN, expired ? "token-expired" : "bad-token",
          expired ? "this call can no longer be rated" : "this is not a rating link of ours");
  }
  return token;
}

static void
handle_rating(SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
              gpointer data)
{
  RatingApi *api = data;
  GwContactEvent event = {.type = GW_CONTACT_RATED, .channel = "video", .wait_ms = -1,
                          .handle_ms = -1};
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GwJoinToken) token = NULL;
  Pending *pending;

  if (!g_str_equal(path, "/api/v1/ratings")) {
    reply(msg, SOUP_STATUS_NOT_FOUND, "not-found", "no such API endpoint");
    return;
  }
  if (soup_server_message_get_method(msg) != SOUP_METHOD_POST) {
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow", "POST");
    reply(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method-not-allowed",
          "this method is not allowed here");
    return;
  }
  if ((body = gw_api_read_body(msg)) == NULL || (token = check_token(api, msg, body)) == NULL ||
      !read_answers(msg, body, &event))
    return;
  if (g_hash_table_contains(api->seen, token->contact_id)) {
    reply(msg, SOUP_STATUS_CONFLICT, "already-rated", "this call has been rated already");
    return;
  }
  if (g_hash_table_size(api->seen) >= GW_RATING_API_MAX_REMEMBERED)
    g_hash_table_remove_all(api->seen); /* the store's primary key still refuses a second one */
  g_hash_table_replace(api->seen, g_strdup(token->contact_id), GINT_TO_POINTER(TRUE));
  event.contact_id = token->contact_id;
  event.journey = g_str_equal(token->journey, "none") ? NULL : token->journey;
  event.time_us = g_get_real_time();
  event.node = g_get_host_name();
  pending = g_new0(Pending, 1);
  pending->seen = g_hash_table_ref(api->seen);
  pending->msg = g_object_ref(msg);
  pending->contact_id = g_strdup(token->contact_id);
  soup_server_message_pause(msg);
  api->sink->record(api->sink->sink_data, &event, on_recorded, pending);
}

static void
rating_api_free(gpointer data)
{
  RatingApi *api = data;

  g_hash_table_unref(api->seen);
  g_free(api);
}

void
gw_rating_api_mount(GwServer *server, const GwContactSink *sink)
{
  RatingApi *api = g_new0(RatingApi, 1);

  api->server = server;
  api->sink = sink;
  api->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  gw_server_add_handler(server, "/api/v1/ratings", handle_rating, api, rating_api_free);
}
