/* SPDX-License-Identifier: Apache-2.0 */
/* The advisor REST API under /api/v1 (docs/api.md): login, logout, me, invites, availability. */
#include "signaling/api.h"

#include <json-glib/json-glib.h>
#include <openssl/rand.h>
#include <string.h>

#include "signaling/api-body.h"
#include "signaling/base64url.h"
#include "signaling/client-address.h"
#include "signaling/contact.h"
#include "signaling/join-token.h"
#include "signaling/rating-token.h"
#include "signaling/signaling-log.h"

#define INVITE_WINDOW_US (60 * G_USEC_PER_SEC)
/* An organisation's customer id (a number, an e-mail address): long enough for any of them. */
#define INVITE_MAX_CUSTOMER_ID 256
/* libsoup 3.2 has no name for it. */
#define STATUS_TOO_MANY_REQUESTS 429

static void
send_json(SoupServerMessage *msg, guint status, char *body /* transfer full */)
{
  gsize length = strlen(body);

  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Cache-Control",
                               "no-store");
  soup_server_message_set_status(msg, status, NULL);
  soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_TAKE, body, length);
}

/* {"error":{"code","message"}}: @code is stable (docs/api.md), @message is for people. */
static void
send_error(SoupServerMessage *msg, guint status, const char *code, const char *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new();

  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "error");
  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "code");
  json_builder_add_string_value(builder, code);
  json_builder_set_member_name(builder, "message");
  json_builder_add_string_value(builder, message);
  json_builder_end_object(builder);
  json_builder_end_object(builder);
  g_autoptr(JsonNode) root = json_builder_get_root(builder);
  send_json(msg, status, json_to_string(root, FALSE));
}

JsonObject *
gw_api_read_body(SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body(msg);
  const char *type =
      soup_message_headers_get_content_type(soup_server_message_get_request_headers(msg), NULL);
  g_autoptr(GError) error = NULL;
  JsonObject *object = gw_api_body_parse(type, body->data, (gsize)body->length, &error);

  if (object != NULL)
    return object;
  if (g_error_matches(error, GW_API_BODY_ERROR, GW_API_BODY_ERROR_TYPE))
    send_error(msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, "bad-request", error->message);
  else if (g_error_matches(error, GW_API_BODY_ERROR, GW_API_BODY_ERROR_TOO_LARGE))
    send_error(msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too-large", error->message);
  else
    send_error(msg, SOUP_STATUS_BAD_REQUEST, "bad-request", error->message);
  return NULL;
}

char *
gw_api_session_cookie(SoupServerMessage *msg)
{
  const char *header =
      soup_message_headers_get_list(soup_server_message_get_request_headers(msg), "Cookie");

  if (header == NULL)
    return NULL;
  g_autoptr(GHashTable) cookies = soup_header_parse_semi_param_list(header);
  return g_strdup(g_hash_table_lookup(cookies, GW_API_SESSION_COOKIE));
}

GwLoginSession *
gw_api_session_from_cookie(GwApi *api, SoupServerMessage *msg)
{
  g_autofree char *id = gw_api_session_cookie(msg);

  return gw_auth_lookup(api->auth, id);
}

static void
set_session_cookie(SoupServerMessage *msg, const char *value, gint max_age)
{
  g_autofree char *cookie =
      g_strdup_printf("%s=%s; Path=/; Max-Age=%d; Secure; HttpOnly; SameSite=Strict",
                      GW_API_SESSION_COOKIE, value, max_age);

  soup_message_headers_append(soup_server_message_get_response_headers(msg), "Set-Cookie", cookie);
}

static char *
me_json(GwLoginSession *session)
{
  g_autoptr(JsonBuilder) builder = json_builder_new();

  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "account");
  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "id");
  json_builder_add_string_value(builder, session->account->id);
  json_builder_set_member_name(builder, "name");
  json_builder_add_string_value(builder, session->account->name);
  json_builder_set_member_name(builder, "role");
  json_builder_add_string_value(builder, gw_user_role_to_string(session->account->role));
  json_builder_end_object(builder);
  json_builder_set_member_name(builder, "csrf");
  json_builder_add_string_value(builder, session->csrf);
  json_builder_set_member_name(builder, "availability");
  json_builder_add_string_value(builder, gw_availability_to_string(session->availability));
  json_builder_end_object(builder);
  g_autoptr(JsonNode) root = json_builder_get_root(builder);
  return json_to_string(root, FALSE);
}

/* One audit entry for what @session's account just did (docs/security.md). */
static void
audit(GwApi *api, GwLoginSession *session, const char *action, const char *object,
      const char *detail_json)
{
  if (api->audit != NULL)
    gw_audit_log_record(api->audit, session->account->id, action, object, detail_json);
}

/* A reply that waits (paused) until the shared store has the session's change. */
typedef struct {
  SoupServerMessage *msg; /* a reference */
  char *body;
} SavedReply;

static gboolean
on_session_saved(gpointer data)
{
  SavedReply *reply = data;

  send_json(reply->msg, SOUP_STATUS_OK, g_steal_pointer(&reply->body));
  soup_server_message_unpause(reply->msg);
  g_object_unref(reply->msg);
  g_free(reply);
  return G_SOURCE_REMOVE;
}

/* Answers 200 with me_json(@session) once every node can see @session as it is now. */
static void
send_me_when_saved(GwApi *api, SoupServerMessage *msg, GwLoginSession *session)
{
  SavedReply *reply;

  if (!gw_auth_is_shared(api->auth)) {
    send_json(msg, SOUP_STATUS_OK, me_json(session));
    return;
  }
  reply = g_new0(SavedReply, 1);
  reply->msg = g_object_ref(msg);
  reply->body = me_json(session);
  soup_server_message_pause(msg);
  gw_auth_save(api->auth, session, on_session_saved, reply);
}

static void
handle_login(GwApi *api, SoupServerMessage *msg)
{
  g_autoptr(JsonObject) body = gw_api_read_body(msg);
  g_autoptr(GError) error = NULL;
  guint retry_after = 0;

  if (body == NULL)
    return;
  const char *name, *password;
  if (!gw_api_body_login(body, &name, &password, &error)) {
    send_error(msg, SOUP_STATUS_BAD_REQUEST, "bad-request", error->message);
    return;
  }
  g_autofree char *client = gw_client_address(api->config, msg);
  GwLoginSession *session =
      gw_auth_login(api->auth, name, password, client, &retry_after, &error);
  if (session == NULL) {
    gboolean locked = g_error_matches(error, GW_AUTH_ERROR, GW_AUTH_ERROR_LOCKED);
    /* The name as given: an attempt on someone's account is worth recording. */
    if ((locked || g_error_matches(error, GW_AUTH_ERROR, GW_AUTH_ERROR_BAD_CREDENTIALS)) &&
        api->audit != NULL)
      gw_audit_log_record(api->audit, name, GW_AUDIT_LOGIN_FAILED, NULL,
                          locked ? "{\"reason\":\"locked\"}" : "{\"reason\":\"bad-credentials\"}");
    if (g_error_matches(error, GW_AUTH_ERROR, GW_AUTH_ERROR_LOCKED)) {
      g_autofree char *seconds = g_strdup_printf("%u", retry_after);
      soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Retry-After",
                                   seconds);
      send_error(msg, STATUS_TOO_MANY_REQUESTS, "locked", error->message);
    } else if (g_error_matches(error, GW_AUTH_ERROR, GW_AUTH_ERROR_BAD_CREDENTIALS)) {
      send_error(msg, SOUP_STATUS_UNAUTHORIZED, "bad-credentials", error->message);
    } else {
      gw_signaling_log(G_LOG_LEVEL_WARNING, NULL, NULL, "login failed: %s", error->message);
      send_error(msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal", "login is not possible now");
    }
    return;
  }
  audit(api, session, GW_AUDIT_LOGIN, NULL, NULL);
  set_session_cookie(msg, session->id, (gint)GW_AUTH_SESSION_IDLE_SECONDS);
  send_me_when_saved(api, msg, session);
}

/* The organisation's own customer id, optional on an invite; never stored or logged as is. */
static const char *
invite_customer_id(JsonObject *body)
{
  JsonNode *node = json_object_get_member(body, "customer_id");

  if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
      json_node_get_value_type(node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string(node);
}

static gboolean
invite_customer_id_ok(JsonObject *body)
{
  const char *id = invite_customer_id(body);

  if (!json_object_has_member(body, "customer_id"))
    return TRUE;
  if (id == NULL || id[0] == '\0' || !g_utf8_validate(id, -1, NULL) ||
      g_utf8_strlen(id, -1) > INVITE_MAX_CUSTOMER_ID)
    return FALSE;
  for (const char *p = id; *p != '\0'; p = g_utf8_next_char(p)) {
    if (g_unichar_iscntrl(g_utf8_get_char(p)))
      return FALSE;
  }
  return TRUE;
}

/* Returns: (transfer full) (nullable): the pseudonym of the body's customer_id, if any. */
static char *
invite_pseudonym(GwApi *api, JsonObject *body)
{
  const char *id = invite_customer_id(body);
  gsize length = 0;
  const guint8 *key;

  if (id == NULL || api->pseudonym_key == NULL)
    return NULL;
  key = g_bytes_get_data(api->pseudonym_key, &length);
  return gw_contact_pseudonym(key, length, id);
}

/* Links an advisor makes (invites and guest links), at most
 * limits.invites_per_minute a minute; answers 429 and returns FALSE past that. */
static gboolean
link_rate_ok(GwApi *api, SoupServerMessage *msg, GwLoginSession *session)
{
  gint64 now_us = g_get_monotonic_time();

  while (!g_queue_is_empty(&session->invite_times_us) &&
         *(gint64 *)g_queue_peek_head(&session->invite_times_us) + INVITE_WINDOW_US <= now_us)
    g_free(g_queue_pop_head(&session->invite_times_us));
  if (g_queue_get_length(&session->invite_times_us) >= api->config->invites_per_minute) {
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Retry-After",
                                 "60");
    send_error(msg, STATUS_TOO_MANY_REQUESTS, "rate-limited",
               "too many links in a minute; wait a moment");
    return FALSE;
  }
  g_queue_push_tail(&session->invite_times_us, g_memdup2(&now_us, sizeof now_us));
  return TRUE;
}

/* Returns: (transfer full): PUBLIC_URL/j/TOKEN for @token, signed with the join-link key. */
static char *
link_url(GwApi *api, const GwJoinToken *token)
{
  gsize key_length = 0;
  const guint8 *key = g_bytes_get_data(gw_admission_get_key(api->admission), &key_length);
  g_autofree char *text = gw_join_token_sign(token, key, key_length);
  g_autofree char *base = gw_config_dup_public_url(api->config, api->port);
  return g_strdup_printf("%s/j/%s", base, text);
}

/* A guest link into a running call (an interpreter, a specialist, family):
 * valid for GUEST_LINK_MINUTES or limits.invite_ttl_minutes if shorter. */
#define GUEST_LINK_MINUTES 120

static void
handle_guest_create(GwApi *api, SoupServerMessage *msg, GwLoginSession *session,
                    const char *room_id)
{
  if (!gw_join_token_is_valid_id(room_id)) {
    send_error(msg, SOUP_STATUS_NOT_FOUND, "not-found", "no such call");
    return;
  }
  if (!link_rate_ok(api, msg, session))
    return;
  guint minutes = MIN(GUEST_LINK_MINUTES, api->config->invite_ttl_minutes);
  GwJoinToken token = {GW_JOIN_TOKEN_GUEST, (char *)room_id, "guest", session->account->id,
                       g_get_real_time() / G_USEC_PER_SEC + minutes * 60, NULL};
  g_autofree char *url = link_url(api, &token);
  g_autoptr(JsonBuilder) builder = json_builder_new();

  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "room");
  json_builder_add_string_value(builder, room_id);
  json_builder_set_member_name(builder, "url");
  json_builder_add_string_value(builder, url);
  json_builder_set_member_name(builder, "expires");
  json_builder_add_int_value(builder, token.expires);
  json_builder_end_object(builder);
  g_autoptr(JsonNode) root = json_builder_get_root(builder);
  gw_signaling_log(G_LOG_LEVEL_INFO, room_id, NULL, "guest link created by %s",
                   session->account->id);
  audit(api, session, GW_AUDIT_GUEST_CREATE, room_id, NULL);
  send_json(msg, SOUP_STATUS_CREATED, json_to_string(root, FALSE));
}

/* The advisor's wrap-up outcomes (docs/api.md); a fixed set, so insights can count them. */
static const char *const wrap_up_outcomes[] = {"resolved", "follow-up", "referred", "not-resolved",
                                               NULL};

typedef struct {
  SoupServerMessage *msg;
} WrapUpPending;

static void
on_wrap_up_recorded(const GError *error, gpointer data)
{
  WrapUpPending *pending = data;

  if (error != NULL)
    send_error(pending->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "store-unavailable",
               "the wrap-up could not be stored; try again");
  else
    soup_server_message_set_status(pending->msg, SOUP_STATUS_NO_CONTENT, NULL);
  soup_server_message_unpause(pending->msg);
  g_object_unref(pending->msg);
  g_free(pending);
}

/*
 * POST /wrap-ups {"token", "outcome", "journey"?}: the advisor who took the
 * call (the token from `ended` names their account) records how it went.
 * Answered only once the event is stored (or durably queued).
 */
static void
handle_wrap_up(GwApi *api, SoupServerMessage *msg, GwLoginSession *session)
{
  g_autoptr(JsonObject) body = gw_api_read_body(msg);
  g_autoptr(GError) error = NULL;
  g_autoptr(GwJoinToken) token = NULL;

  if (body == NULL)
    return;
  const char *text = gw_api_body_get_string(body, "token");
  const char *outcome = gw_api_body_get_string(body, "outcome");
  const char *journey = gw_api_body_get_string(body, "journey");
  if (text == NULL || api->wrap_up_key == NULL ||
      (token = gw_wrap_up_token_check(api->wrap_up_key, text, strlen(text),
                                      g_get_real_time() / G_USEC_PER_SEC, &error)) == NULL) {
    send_error(msg, SOUP_STATUS_FORBIDDEN, "bad-token",
               "`token` must be the wrap-up token of a call you took, within a day");
    return;
  }
  if (!g_str_equal(token->advisor, session->account->id)) {
    send_error(msg, SOUP_STATUS_FORBIDDEN, "bad-token", "this call was taken by someone else");
    return;
  }
  if (outcome == NULL || !g_strv_contains(wrap_up_outcomes, outcome)) {
    g_autofree char *allowed = g_strjoinv(", ", (char **)wrap_up_outcomes);
    g_autofree char *why = g_strdup_printf("`outcome` must be one of %s", allowed);
    send_error(msg, SOUP_STATUS_BAD_REQUEST, "bad-field", why);
    return;
  }
  if (json_object_has_member(body, "journey") && !gw_join_token_is_valid_id(journey)) {
    send_error(msg, SOUP_STATUS_BAD_REQUEST, "bad-field",
               "`journey` must be 1 to 64 of A-Z a-z 0-9 _ -");
    return;
  }
  g_autofree char *attrs = g_strdup_printf("{\"outcome\":\"%s\"}", outcome);
  GwContactEvent event = {
      .type = GW_CONTACT_WRAPPED_UP,
      .contact_id = token->contact_id,
      .time_us = g_get_real_time(),
      .channel = "video",
      .journey = journey != NULL                        ? journey
                 : g_str_equal(token->journey, "none") ? NULL
                                                       : token->journey,
      .node = g_get_host_name(),
      .advisor_ref = session->account->id,
      .wait_ms = -1,
      .handle_ms = -1,
      .attrs_json = attrs,
      .nps = -1,
      .csat = -1,
      .ces = -1,
  };
  gw_signaling_log(G_LOG_LEVEL_INFO, token->contact_id, NULL, "wrapped up by %s: %s",
                   session->account->id, outcome);
  if (api->sink == NULL || api->sink->record == NULL) {
    soup_server_message_set_status(msg, SOUP_STATUS_NO_CONTENT, NULL);
    return;
  }
  WrapUpPending *pending = g_new0(WrapUpPending, 1);
  pending->msg = g_object_ref(msg);
  soup_server_message_pause(msg);
  api->sink->record(api->sink->sink_data, &event, on_wrap_up_recorded, pending);
}

/* Creates a join link for an appointment: rate-limited per advisor. */
static void
handle_invite_create(GwApi *api, SoupServerMessage *msg, GwLoginSession *session)
{
  g_autoptr(JsonObject) body = gw_api_read_body(msg);
  g_autoptr(GError) error = NULL;
  guint8 random[16];

  if (body == NULL)
    return;
  const char *journey;
  gint64 minutes;
  if (!gw_api_body_invite(body, api->config->invite_ttl_minutes, &journey, &minutes, &error)) {
    send_error(msg, SOUP_STATUS_BAD_REQUEST, "bad-field", error->message);
    return;
  }
  if (!invite_customer_id_ok(body)) {
    send_error(msg, SOUP_STATUS_BAD_REQUEST, "bad-field",
               "`customer_id` must be a string of 1 to " G_STRINGIFY(INVITE_MAX_CUSTOMER_ID)
               " characters without control characters");
    return;
  }
  if (!link_rate_ok(api, msg, session))
    return;

  RAND_bytes(random, sizeof random);
  g_autofree char *suffix = gw_base64url_encode(random, sizeof random);
  g_autofree char *contact_id = g_strconcat("c-", suffix, NULL);
  /* The raw customer id goes no further than this: the link and the store get its pseudonym. */
  g_autofree char *customer_ref = invite_pseudonym(api, body);
  GwJoinToken token = {GW_JOIN_TOKEN_INVITE, contact_id, (char *)journey, session->account->id,
                       g_get_real_time() / G_USEC_PER_SEC + minutes * 60, customer_ref};
  g_autofree char *url = link_url(api, &token);
  g_autoptr(JsonBuilder) builder = json_builder_new();

  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "contact");
  json_builder_add_string_value(builder, contact_id);
  json_builder_set_member_name(builder, "journey");
  json_builder_add_string_value(builder, journey);
  json_builder_set_member_name(builder, "url");
  json_builder_add_string_value(builder, url);
  json_builder_set_member_name(builder, "expires");
  json_builder_add_int_value(builder, token.expires);
  if (customer_ref != NULL) {
    json_builder_set_member_name(builder, "customer_ref");
    json_builder_add_string_value(builder, customer_ref);
  }
  json_builder_end_object(builder);
  g_autoptr(JsonNode) root = json_builder_get_root(builder);
  gw_signaling_log(G_LOG_LEVEL_INFO, contact_id, NULL, "invite created by %s (journey %s)",
                   session->account->id, journey);
  g_autofree char *detail = g_strdup_printf("{\"journey\":\"%s\",\"expires\":%" G_GINT64_FORMAT "}",
                                            journey, (gint64)token.expires);
  audit(api, session, GW_AUDIT_INVITE_CREATE, contact_id, detail);
  send_json(msg, SOUP_STATUS_CREATED, json_to_string(root, FALSE));
}

static void
handle_invite_revoke(GwApi *api, SoupServerMessage *msg, GwLoginSession *session,
                     const char *contact_id)
{
  if (!gw_join_token_is_valid_id(contact_id)) {
    send_error(msg, SOUP_STATUS_NOT_FOUND, "not-found", "no such invitation");
    return;
  }
  gw_contact_ledger_mark(api->ledger, contact_id, GW_CONTACT_LEDGER_REVOKED,
                         g_get_real_time() / G_USEC_PER_SEC);
  gw_signaling_log(G_LOG_LEVEL_INFO, contact_id, NULL, "invite revoked by %s",
                   session->account->id);
  audit(api, session, GW_AUDIT_INVITE_REVOKE, contact_id, NULL);
  soup_server_message_set_status(msg, SOUP_STATUS_NO_CONTENT, NULL);
}

static void
handle_availability(GwApi *api, SoupServerMessage *msg, GwLoginSession *session)
{
  g_autoptr(JsonObject) body = gw_api_read_body(msg);
  GwAvailability availability;

  if (body == NULL)
    return;
  if (!gw_availability_from_string(gw_api_body_get_string(body, "state"), &availability)) {
    send_error(msg, SOUP_STATUS_BAD_REQUEST, "bad-field",
               "`state` must be \"available\", \"busy\" or \"away\"");
    return;
  }
  session->availability = availability;
  send_me_when_saved(api, msg, session);
}

static void
handle_queue_list(GwApi *api, SoupServerMessage *msg)
{
  g_autoptr(JsonBuilder) builder = json_builder_new();

  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "queues");
  json_builder_begin_array(builder);
  gw_queues_build_list(api->queues, builder);
  json_builder_end_array(builder);
  json_builder_end_object(builder);
  g_autoptr(JsonNode) root = json_builder_get_root(builder);
  send_json(msg, SOUP_STATUS_OK, json_to_string(root, FALSE));
}

static void send_accepted(GwApi *api, SoupServerMessage *msg, GwLoginSession *session,
                          const char *name, const char *room, gint64 waited_s);

static void
send_accept_error(SoupServerMessage *msg, const GError *error, const char *chosen)
{
  if (g_error_matches(error, GW_QUEUE_ERROR, GW_QUEUE_ERROR_EMPTY) && chosen == NULL)
    send_error(msg, SOUP_STATUS_CONFLICT, "queue-empty", "nobody is waiting in this queue");
  else if (g_error_matches(error, GW_QUEUE_ERROR, GW_QUEUE_ERROR_NOT_WAITING) ||
           g_error_matches(error, GW_QUEUE_ERROR, GW_QUEUE_ERROR_EMPTY))
    send_error(msg, SOUP_STATUS_CONFLICT, "not-waiting",
               "that customer is not waiting in this queue (any more)");
  else if (g_error_matches(error, GW_QUEUE_ERROR, GW_QUEUE_ERROR_NOT_AVAILABLE))
    send_error(msg, SOUP_STATUS_CONFLICT, "not-available",
               "set yourself available before taking a customer");
  else if (g_error_matches(error, GW_QUEUE_ERROR, GW_QUEUE_ERROR_UNAVAILABLE))
    send_error(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "store-unavailable", error->message);
  else
    send_error(msg, SOUP_STATUS_NOT_FOUND, "not-found", "no such queue");
}

/* A shared accept in flight: the request waits (paused) for the claim. */
typedef struct {
  GwApi *api;
  SoupServerMessage *msg; /* a reference */
  char *session_id;
  char *name;
  char *chosen;
} SharedAccept;

static void
on_shared_accepted(const char *room, gint64 waited_s, const GError *error, gpointer data)
{
  SharedAccept *pending = data;
  GwLoginSession *session = gw_auth_lookup(pending->api->auth, pending->session_id);

  if (room == NULL)
    send_accept_error(pending->msg, error, pending->chosen);
  else if (session == NULL)
    send_error(pending->msg, SOUP_STATUS_UNAUTHORIZED, "not-logged-in", "log in first");
  else
    send_accepted(pending->api, pending->msg, session, pending->name, room, waited_s);
  soup_server_message_unpause(pending->msg);
  g_object_unref(pending->msg);
  g_free(pending->session_id);
  g_free(pending->name);
  g_free(pending->chosen);
  g_free(pending);
}

/* Several nodes: the shared store picks the customer, whichever node they wait on. */
static void
accept_shared(GwApi *api, SoupServerMessage *msg, GwLoginSession *session, const char *name,
              const char *chosen)
{
  SharedAccept *pending = g_new0(SharedAccept, 1);

  if (!gw_queues_has(api->queues, name)) {
    g_free(pending);
    send_error(msg, SOUP_STATUS_NOT_FOUND, "not-found", "no such queue");
    return;
  }
  pending->api = api;
  pending->msg = g_object_ref(msg);
  pending->session_id = g_strdup(session->id);
  pending->name = g_strdup(name);
  pending->chosen = g_strdup(chosen);
  soup_server_message_pause(msg);
  gw_queues_accept_shared(api->queues, name, chosen, session->id_hash, on_shared_accepted, pending);
}

/*
 * Takes the longest-waiting customer, or the one the body names
 * ({"contact": "q-…"}): both then join the returned room. Availability routes:
 * only an available advisor takes customers, and one call at a time; taking one
 * makes the advisor busy until they say otherwise (after their wrap-up).
 */
static void
handle_queue_accept(GwApi *api, SoupServerMessage *msg, GwLoginSession *session, const char *name)
{
  g_autoptr(GError) error = NULL;
  gint64 waited_s = 0;
  const char *chosen = NULL;
  g_autoptr(JsonObject) body = NULL;

  if (soup_server_message_get_request_body(msg)->length > 0) {
    if ((body = gw_api_read_body(msg)) == NULL)
      return;
    chosen = gw_api_body_get_string(body, "contact");
    if (chosen == NULL || !gw_join_token_is_valid_id(chosen)) {
      send_error(msg, SOUP_STATUS_BAD_REQUEST, "bad-field",
                 "`contact` must name a waiting customer (q-…), or leave the body out");
      return;
    }
  }
  /* Several nodes: the shared store's availability decides, in the claim's transaction
   * (this node's copy may be half a second behind a change made on another node). */
  if (session->availability != GW_AVAILABILITY_AVAILABLE && !gw_queues_is_shared(api->queues)) {
    send_error(msg, SOUP_STATUS_CONFLICT, "not-available",
               "set yourself available before taking a customer");
    return;
  }
  if (gw_room_directory_find_advisor(api->rooms, session->account->id, NULL) != NULL) {
    send_error(msg, SOUP_STATUS_CONFLICT, "in-call", "you are in a call: end it first");
    return;
  }
  if (gw_queues_is_shared(api->queues)) {
    accept_shared(api, msg, session, name, chosen);
    return;
  }
  g_autofree char *room = gw_queues_accept(api->queues, name, chosen, &waited_s, &error);

  if (room == NULL) {
    send_accept_error(msg, error, chosen);
    return;
  }
  send_accepted(api, msg, session, name, room, waited_s);
}

/* The advisor of @session took the customer of @room from queue @name. */
static void
send_accepted(GwApi *api, SoupServerMessage *msg, GwLoginSession *session, const char *name,
              const char *room, gint64 waited_s)
{
  session->availability = GW_AVAILABILITY_BUSY;
  g_autoptr(JsonBuilder) builder = json_builder_new();
  g_autofree char *url = g_strdup_printf("/advisor.html?room=%s", room);

  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "room");
  json_builder_add_string_value(builder, room);
  json_builder_set_member_name(builder, "queue");
  json_builder_add_string_value(builder, name);
  json_builder_set_member_name(builder, "waited_s");
  json_builder_add_int_value(builder, waited_s);
  json_builder_set_member_name(builder, "url");
  json_builder_add_string_value(builder, url);
  json_builder_end_object(builder);
  g_autoptr(JsonNode) root = json_builder_get_root(builder);
  gw_signaling_log(G_LOG_LEVEL_INFO, room, NULL, "accepted by %s", session->account->id);
  g_autofree char *detail = g_strdup_printf("{\"queue\":\"%s\",\"waited_s\":%" G_GINT64_FORMAT "}",
                                            name, waited_s);
  audit(api, session, GW_AUDIT_CONTACT_ACCEPT, room, detail);
  send_json(msg, SOUP_STATUS_OK, json_to_string(root, FALSE));
}

/* "/queues/NAME/accept" → NAME, or NULL. (transfer full) */
static char *
queue_accept_name(const char *route)
{
  const char *name = route + strlen("/queues/");
  const char *slash = strchr(name, '/');

  if (slash == NULL || !g_str_equal(slash, "/accept"))
    return NULL;
  return g_strndup(name, (gsize)(slash - name));
}

/* Everything but login needs a session; everything that changes state needs its CSRF token. */
static GwLoginSession *
require_session(GwApi *api, SoupServerMessage *msg, gboolean changes_state)
{
  GwLoginSession *session = gw_api_session_from_cookie(api, msg);

  if (session == NULL) {
    send_error(msg, SOUP_STATUS_UNAUTHORIZED, "not-logged-in", "log in first");
    return NULL;
  }
  if (changes_state &&
      !gw_auth_check_csrf(session,
                          soup_message_headers_get_one(soup_server_message_get_request_headers(msg),
                                                       GW_API_CSRF_HEADER))) {
    send_error(msg, SOUP_STATUS_FORBIDDEN, "csrf",
               "the request lacks this session's " GW_API_CSRF_HEADER " header");
    return NULL;
  }
  return session;
}

/* GET /api/v1/audit?after=SEQ: admins only; reading the log is itself recorded. */
static void
handle_audit_list(GwApi *api, SoupServerMessage *msg, GwLoginSession *session)
{
  g_autoptr(GHashTable) query = NULL;
  g_autoptr(GError) error = NULL;
  const char *text = g_uri_get_query(soup_server_message_get_uri(msg));
  guint64 after = 0, entries = 0;

  if (session->account->role != GW_USER_ROLE_ADMIN) {
    send_error(msg, SOUP_STATUS_FORBIDDEN, "forbidden", "only an admin reads the audit log");
    return;
  }
  query = text != NULL ? soup_form_decode(text) : NULL;
  const char *after_text = query != NULL ? g_hash_table_lookup(query, "after") : NULL;
  if (after_text != NULL &&
      !g_ascii_string_to_unsigned(after_text, 10, 0, G_MAXINT64, &after, NULL)) {
    send_error(msg, SOUP_STATUS_BAD_REQUEST, "bad-field", "`after` must be a sequence number");
    return;
  }
  audit(api, session, GW_AUDIT_AUDIT_VIEW, NULL, NULL);
  gboolean intact = gw_audit_log_verify(api->audit, &entries, &error);
  g_autoptr(JsonBuilder) builder = json_builder_new();
  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "intact");
  json_builder_add_boolean_value(builder, intact);
  if (!intact) {
    json_builder_set_member_name(builder, "problem");
    json_builder_add_string_value(builder, error->message);
  }
  json_builder_set_member_name(builder, "count");
  json_builder_add_int_value(builder, (gint64)entries);
  json_builder_set_member_name(builder, "entries");
  g_clear_error(&error);
  if (!gw_audit_log_list(api->audit, (gint64)after, GW_AUDIT_LOG_MAX_LIST, builder, &error)) {
    send_error(msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal", "the audit log cannot be read");
    return;
  }
  json_builder_end_object(builder);
  g_autoptr(JsonNode) root = json_builder_get_root(builder);
  send_json(msg, SOUP_STATUS_OK, json_to_string(root, FALSE));
}

static void
method_not_allowed(SoupServerMessage *msg, const char *allow)
{
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow", allow);
  send_error(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method-not-allowed",
             "this method is not allowed here");
}

static void serve_now(GwApi *api, SoupServerMessage *msg, const char *path);

/* A request that waits (paused) while its login session is fetched from the shared store. */
typedef struct {
  GwApi *api;
  SoupServerMessage *msg; /* a reference */
  char *path;
} Pending;

static void
on_session_found(GwLoginSession *session, gpointer data)
{
  Pending *pending = data;

  /* Unpaused first: serve_now() may pause the message again (a pause cancels the resume). */
  soup_server_message_unpause(pending->msg);
  serve_now(pending->api, pending->msg, pending->path);
  g_object_unref(pending->msg);
  g_free(pending->path);
  g_free(pending);
}

void
gw_api_serve(GwApi *api, SoupServerMessage *msg, const char *path)
{
  g_autofree char *id = gw_api_session_cookie(msg);

  /* Several nodes: a login on another node is fetched before the request is handled. */
  if (id != NULL && gw_auth_is_shared(api->auth) && gw_auth_lookup(api->auth, id) == NULL) {
    Pending *pending = g_new0(Pending, 1);
    pending->api = api;
    pending->msg = g_object_ref(msg);
    pending->path = g_strdup(path);
    soup_server_message_pause(msg);
    gw_auth_lookup_async(api->auth, id, on_session_found, pending);
    return;
  }
  serve_now(api, msg, path);
}

static void
serve_now(GwApi *api, SoupServerMessage *msg, const char *path)
{
  const char *method = soup_server_message_get_method(msg);
  const char *route = path + strlen("/api/v1");
  gboolean get = method == SOUP_METHOD_GET;
  gboolean post = method == SOUP_METHOD_POST;
  GwLoginSession *session;

  if (g_str_equal(route, "/login")) {
    if (!post)
      return method_not_allowed(msg, "POST");
    return handle_login(api, msg);
  }
  if (g_str_equal(route, "/logout")) {
    if (!post)
      return method_not_allowed(msg, "POST");
    if ((session = require_session(api, msg, TRUE)) == NULL)
      return;
    audit(api, session, GW_AUDIT_LOGOUT, NULL, NULL);
    gw_auth_logout(api->auth, session->id);
    set_session_cookie(msg, "", 0);
    soup_server_message_set_status(msg, SOUP_STATUS_NO_CONTENT, NULL);
    return;
  }
  if (g_str_equal(route, "/audit")) {
    if (!get)
      return method_not_allowed(msg, "GET");
    if ((session = require_session(api, msg, FALSE)) != NULL)
      handle_audit_list(api, msg, session);
    return;
  }
  if (g_str_equal(route, "/me")) {
    if (!get)
      return method_not_allowed(msg, "GET");
    if ((session = require_session(api, msg, FALSE)) != NULL)
      send_json(msg, SOUP_STATUS_OK, me_json(session));
    return;
  }
  if (g_str_equal(route, "/invites")) {
    if (!post)
      return method_not_allowed(msg, "POST");
    if ((session = require_session(api, msg, TRUE)) != NULL)
      handle_invite_create(api, msg, session);
    return;
  }
  if (g_str_has_prefix(route, "/invites/")) {
    if (method != SOUP_METHOD_DELETE)
      return method_not_allowed(msg, "DELETE");
    if ((session = require_session(api, msg, TRUE)) != NULL)
      handle_invite_revoke(api, msg, session, route + strlen("/invites/"));
    return;
  }
  if (g_str_equal(route, "/wrap-ups")) {
    if (!post)
      return method_not_allowed(msg, "POST");
    if ((session = require_session(api, msg, TRUE)) != NULL)
      handle_wrap_up(api, msg, session);
    return;
  }
  /* /calls/ROOM/guests */
  if (g_str_has_prefix(route, "/calls/") && g_str_has_suffix(route, "/guests")) {
    if (!post)
      return method_not_allowed(msg, "POST");
    g_autofree char *room_id =
        g_strndup(route + strlen("/calls/"), strlen(route) - strlen("/calls/") - strlen("/guests"));
    if ((session = require_session(api, msg, TRUE)) != NULL)
      handle_guest_create(api, msg, session, room_id);
    return;
  }
  if (g_str_equal(route, "/availability")) {
    if (method != SOUP_METHOD_PUT)
      return method_not_allowed(msg, "PUT");
    if ((session = require_session(api, msg, TRUE)) != NULL)
      handle_availability(api, msg, session);
    return;
  }
  if (g_str_equal(route, "/queues")) {
    if (!get)
      return method_not_allowed(msg, "GET");
    if (require_session(api, msg, FALSE) != NULL)
      handle_queue_list(api, msg);
    return;
  }
  if (g_str_has_prefix(route, "/queues/")) {
    g_autofree char *name = queue_accept_name(route);
    if (name == NULL)
      return send_error(msg, SOUP_STATUS_NOT_FOUND, "not-found", "no such API endpoint");
    if (!post)
      return method_not_allowed(msg, "POST");
    if ((session = require_session(api, msg, TRUE)) != NULL)
      handle_queue_accept(api, msg, session, name);
    return;
  }
  send_error(msg, SOUP_STATUS_NOT_FOUND, "not-found", "no such API endpoint");
}
