/* SPDX-License-Identifier: Apache-2.0 */
/* The logged-in advisor's own recent contacts and their ratings: GET /api/v1/me/contacts. */
#include "gateway/advisor-contacts.h"

#include <string.h>

#include "gateway/api-auth.h"
#include "signaling/auth.h"

#define PATH "/api/v1/me/contacts"

/* One query, newest first. The wrap-up is the advisor's own last `wrapped_up` event. */
static const char contacts_sql[] =
    "SELECT c.id, COALESCE(c.answered_us, c.offered_us, c.updated_us), c.journey, c.queue, "
    "c.outcome, c.wait_ms, c.handle_ms, "
    "CASE WHEN r.contact_id IS NULL THEN 0 ELSE 1 END, r.skipped, r.nps, r.csat, r.ces, "
    "CASE WHEN r.comment IS NULL OR r.comment = '' THEN 0 ELSE 1 END, "
    "(SELECT e.attrs FROM contact_event e WHERE e.contact_id = c.id AND e.type = 'wrapped_up' "
    "ORDER BY e.time_us DESC LIMIT 1) "
    "FROM contact c LEFT JOIN rating r ON r.contact_id = c.id "
    "WHERE c.advisor_ref = $1 "
    "ORDER BY COALESCE(c.answered_us, c.offered_us, c.updated_us) DESC, c.id LIMIT $2";

#define N_COLUMNS 14

static void
add_text(JsonBuilder *builder, const char *name, const GwStoreValue *v)
{
  json_builder_set_member_name(builder, name);
  if (v->type == GW_STORE_TEXT)
    json_builder_add_string_value(builder, v->s);
  else
    json_builder_add_null_value(builder);
}

/* An integer column, or null; @min..@max guards against what another channel wrote. */
static void
add_int(JsonBuilder *builder, const char *name, const GwStoreValue *v, gint64 min, gint64 max)
{
  json_builder_set_member_name(builder, name);
  if (v->type == GW_STORE_INT && v->i >= min && v->i <= max)
    json_builder_add_int_value(builder, v->i);
  else
    json_builder_add_null_value(builder);
}

/* The wrap-up's outcome from the event's attrs ({"outcome": "resolved"}), or null. */
static void
add_wrap_up(JsonBuilder *builder, const GwStoreValue *attrs)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  const char *outcome = NULL;

  if (attrs->type == GW_STORE_TEXT && json_parser_load_from_data(parser, attrs->s, -1, NULL)) {
    JsonNode *root = json_parser_get_root(parser);
    if (root != NULL && JSON_NODE_HOLDS_OBJECT(root))
      outcome =
          json_object_get_string_member_with_default(json_node_get_object(root), "outcome", NULL);
  }
  json_builder_set_member_name(builder, "wrap_up");
  if (outcome != NULL)
    json_builder_add_string_value(builder, outcome);
  else
    json_builder_add_null_value(builder);
}

static gboolean
contact_row(const GwStoreValue *col, guint n, gpointer data)
{
  JsonBuilder *builder = data;

  g_assert(n == N_COLUMNS);
  json_builder_begin_object(builder);
  add_text(builder, "id", &col[0]);
  json_builder_set_member_name(builder, "time");
  if (col[1].type == GW_STORE_INT) {
    g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(col[1].i / G_USEC_PER_SEC);
    g_autofree char *iso = t != NULL ? g_date_time_format_iso8601(t) : NULL;
    if (iso != NULL)
      json_builder_add_string_value(builder, iso);
    else
      json_builder_add_null_value(builder);
  } else {
    json_builder_add_null_value(builder);
  }
  add_text(builder, "journey", &col[2]);
  add_text(builder, "queue", &col[3]);
  add_text(builder, "outcome", &col[4]);
  add_wrap_up(builder, &col[13]);
  add_int(builder, "wait_ms", &col[5], 0, G_MAXINT64);
  add_int(builder, "handle_ms", &col[6], 0, G_MAXINT64);
  json_builder_set_member_name(builder, "rating");
  if (col[7].type == GW_STORE_INT && col[7].i != 0) {
    json_builder_begin_object(builder);
    json_builder_set_member_name(builder, "skipped");
    json_builder_add_boolean_value(builder, col[8].type == GW_STORE_INT && col[8].i != 0);
    add_int(builder, "nps", &col[9], 0, 10);
    add_int(builder, "csat", &col[10], 1, 5);
    add_int(builder, "ces", &col[11], 1, 7);
    json_builder_set_member_name(builder, "comment");
    json_builder_add_boolean_value(builder, col[12].type == GW_STORE_INT && col[12].i != 0);
    json_builder_end_object(builder);
  } else {
    json_builder_add_null_value(builder);
  }
  json_builder_end_object(builder);
  return TRUE;
}

JsonNode *
gw_advisor_contacts_query(GwStoreBackend *backend, const char *advisor_ref, guint limit,
                          GError **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new();
  const GwStoreValue params[] = {GW_STORE_VALUE_TEXT(advisor_ref), GW_STORE_VALUE_INT(limit)};

  g_return_val_if_fail(advisor_ref != NULL, NULL);
  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "contacts");
  json_builder_begin_array(builder);
  if (!backend->klass->query(backend, contacts_sql, params, G_N_ELEMENTS(params), contact_row,
                             builder, error))
    return NULL;
  json_builder_end_array(builder);
  json_builder_end_object(builder);
  return json_builder_get_root(builder);
}

/* ---- HTTP ---------------------------------------------------------------- */

typedef struct {
  GwServer *server;
  GwStore *store;
} ContactsApi;

typedef struct {
  SoupServerMessage *msg;
  char *advisor_ref;
  guint limit;
} Request;

static void
request_free(gpointer data)
{
  Request *request = data;

  g_object_unref(request->msg);
  g_free(request->advisor_ref);
  g_free(request);
}

static gpointer
read_contacts(GwStoreBackend *backend, gpointer data, GError **error)
{
  Request *request = data;

  return gw_advisor_contacts_query(backend, request->advisor_ref, request->limit, error);
}

static void
on_contacts(gpointer result, const GError *error, gpointer data)
{
  Request *request = data;

  if (result == NULL) {
    g_warning("me/contacts: read failed: %s", error->message);
    gw_api_reply_error(request->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "store-unavailable",
                       "the store cannot answer now");
  } else {
    char *body = json_to_string(result, FALSE);
    soup_server_message_set_status(request->msg, SOUP_STATUS_OK, NULL);
    soup_server_message_set_response(request->msg, "application/json", SOUP_MEMORY_TAKE, body,
                                     strlen(body));
  }
  soup_server_message_unpause(request->msg);
}

/* ?limit=N: 1..GW_ADVISOR_CONTACTS_MAX, digits only; absent means the default. */
static gboolean
parse_limit(GHashTable *query, guint *out)
{
  const char *text = query != NULL ? g_hash_table_lookup(query, "limit") : NULL;
  guint64 value = 0;

  *out = GW_ADVISOR_CONTACTS_DEFAULT;
  if (text == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned(text, 10, 1, GW_ADVISOR_CONTACTS_MAX, &value, NULL))
    return FALSE;
  *out = (guint)value;
  return TRUE;
}

static void
handle_contacts(SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
                gpointer data)
{
  ContactsApi *api = data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
  GwLoginSession *session;
  Request *request;
  guint limit;

  soup_message_headers_replace(headers, "Cache-Control", "no-store");
  if (!g_str_equal(path, PATH)) {
    gw_api_reply_error(msg, SOUP_STATUS_NOT_FOUND, "not-found", "no such resource");
    return;
  }
  /* Reading only: GET needs no CSRF token (the cookie is SameSite=Strict), as /me. */
  if (!g_str_equal(soup_server_message_get_method(msg), SOUP_METHOD_GET)) {
    soup_message_headers_replace(headers, "Allow", "GET");
    gw_api_reply_error(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method-not-allowed", "GET only");
    return;
  }
  session = gw_server_get_login_session(api->server, msg);
  if (session == NULL) {
    gw_api_reply_error(msg, SOUP_STATUS_UNAUTHORIZED, "not-logged-in", "log in first");
    return;
  }
  if (!parse_limit(query, &limit)) {
    gw_api_reply_error(msg, SOUP_STATUS_BAD_REQUEST, "bad-field",
                       "limit must be a number from 1 to 100");
    return;
  }
  request = g_new0(Request, 1);
  request->msg = g_object_ref(msg);
  /* Only ever the caller's own account: no parameter names another advisor. */
  request->advisor_ref = g_strdup(session->account->id);
  request->limit = limit;
  soup_server_message_pause(msg);
  gw_store_read(api->store, read_contacts, request, request_free, (GDestroyNotify)json_node_unref,
                on_contacts);
}

void
gw_advisor_contacts_mount(GwServer *server, GwStore *store)
{
  ContactsApi *api = g_new0(ContactsApi, 1);

  api->server = server;
  api->store = store;
  gw_server_add_handler(server, PATH, handle_contacts, api, g_free);
}
