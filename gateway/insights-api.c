/* SPDX-License-Identifier: Apache-2.0 */
/* REST for analysts: GET /api/v1/insights and GET /api/v1/export/{contacts,events,ratings}.{csv,jsonl}. */
#include "gateway/insights-api.h"

#include <string.h>

#include "gateway/insights-query.h"

#define FILTER_MAX_LENGTH 256

typedef struct {
  GwStore *store;
  GwApiAuth *auth;
  GwInsightParams params;
} InsightsApi;

/* One request in flight: the message waits (paused) while the writer thread reads. */
typedef struct {
  SoupServerMessage *msg;
  GwInsightFilter *filter;
  GwInsightParams params;
  GwExportTable table;
  GwExportFormat format;
} Request;

static void
request_free(gpointer data)
{
  Request *request = data;

  g_object_unref(request->msg);
  gw_insight_filter_free(request->filter);
  g_free(request);
}

/* "2024-05-01" (midnight UTC) or a full ISO 8601 time; -1 when absent. */
static gboolean
parse_time(GHashTable *query, const char *name, gint64 *out)
{
  const char *text = query != NULL ? g_hash_table_lookup(query, name) : NULL;
  g_autoptr(GDateTime) t = NULL;
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
  g_autofree char *full = NULL;

  *out = -1;
  if (text == NULL || text[0] == '\0')
    return TRUE;
  if (strlen(text) > 64)
    return FALSE;
  full = strlen(text) == 10 ? g_strconcat(text, "T00:00:00Z", NULL) : g_strdup(text);
  t = g_date_time_new_from_iso8601(full, utc);
  if (t == NULL)
    return FALSE;
  *out = g_date_time_to_unix(t) * G_USEC_PER_SEC + g_date_time_get_microsecond(t);
  return TRUE;
}

static gboolean
parse_text(GHashTable *query, const char *name, char **out)
{
  const char *text = query != NULL ? g_hash_table_lookup(query, name) : NULL;

  if (text == NULL || text[0] == '\0')
    return TRUE;
  if (strlen(text) > FILTER_MAX_LENGTH || !g_utf8_validate(text, -1, NULL))
    return FALSE;
  *out = g_strdup(text);
  return TRUE;
}

static GwInsightFilter *
parse_filter(GHashTable *query)
{
  GwInsightFilter *filter = g_new0(GwInsightFilter, 1);

  if (!parse_time(query, "from", &filter->from_us) || !parse_time(query, "to", &filter->to_us) ||
      !parse_text(query, "journey", &filter->journey) ||
      !parse_text(query, "queue", &filter->queue) ||
      !parse_text(query, "advisor", &filter->advisor_ref)) {
    gw_insight_filter_free(filter);
    return NULL;
  }
  return filter;
}

static gpointer
read_insights(GwStoreBackend *backend, gpointer data, GError **error)
{
  Request *request = data;
  GwInsightRows *rows = gw_insights_query_contacts(backend, request->filter, error);
  JsonNode *report;

  if (rows == NULL)
    return NULL;
  report = gw_insights_report((GwInsightContact *)rows->contacts->data, rows->contacts->len,
                              &request->params);
  gw_insight_rows_free(rows);
  return report;
}

static gpointer
read_export(GwStoreBackend *backend, gpointer data, GError **error)
{
  Request *request = data;

  return gw_export_query(backend, request->table, request->format, request->filter, error);
}

static void
finish_error(SoupServerMessage *msg, const GError *error)
{
  g_warning("insights: read failed: %s", error->message);
  if (g_error_matches(error, GW_STORE_ERROR, GW_STORE_ERROR_INVALID))
    gw_api_reply_error(msg, SOUP_STATUS_BAD_REQUEST, "bad-field",
                       "too many rows in the period: ask for a shorter one");
  else
    gw_api_reply_error(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "internal",
                       "the store cannot answer now");
}

static void
on_insights(gpointer result, const GError *error, gpointer data)
{
  Request *request = data;

  if (result == NULL) {
    finish_error(request->msg, error);
  } else {
    gsize length = 0;
    char *body = json_to_string(result, FALSE);

    length = strlen(body);
    soup_server_message_set_status(request->msg, SOUP_STATUS_OK, NULL);
    soup_server_message_set_response(request->msg, "application/json", SOUP_MEMORY_TAKE, body,
                                     length);
  }
  soup_server_message_unpause(request->msg);
}

static void
on_export(gpointer result, const GError *error, gpointer data)
{
  Request *request = data;

  if (result == NULL) {
    finish_error(request->msg, error);
  } else {
    SoupMessageHeaders *headers = soup_server_message_get_response_headers(request->msg);
    SoupMessageBody *body = soup_server_message_get_response_body(request->msg);

    soup_message_headers_set_content_type(headers,
                                          request->format == GW_EXPORT_CSV ? "text/csv; charset=utf-8"
                                                                           : "application/x-ndjson",
                                          NULL);
    soup_message_body_append_bytes(body, result);
    soup_server_message_set_status(request->msg, SOUP_STATUS_OK, NULL);
  }
  soup_server_message_unpause(request->msg);
}

/* "/api/v1/export/contacts.csv" → table and format. */
static gboolean
parse_export_path(const char *path, GwExportTable *table, GwExportFormat *format)
{
  static const char *const tables[] = {"contacts", "events", "ratings"};
  const char *name = path + strlen("/api/v1/export/");
  const char *dot = strrchr(name, '.');

  if (dot == NULL)
    return FALSE;
  if (g_str_equal(dot, ".csv"))
    *format = GW_EXPORT_CSV;
  else if (g_str_equal(dot, ".jsonl"))
    *format = GW_EXPORT_JSONL;
  else
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS(tables); i++) {
    if (strlen(tables[i]) == (gsize)(dot - name) && strncmp(tables[i], name, dot - name) == 0) {
      *table = (GwExportTable)i;
      return TRUE;
    }
  }
  return FALSE;
}

static void
handle_api(SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
           gpointer data)
{
  InsightsApi *api = data;
  gboolean is_export = g_str_has_prefix(path, "/api/v1/export/");
  Request *request;

  if (!g_str_equal(soup_server_message_get_method(msg), SOUP_METHOD_GET)) {
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow", "GET");
    gw_api_reply_error(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method-not-allowed", "GET only");
    return;
  }
  if (!gw_api_auth_check(api->auth, msg))
    return;
  request = g_new0(Request, 1);
  request->params = api->params;
  if ((is_export && !parse_export_path(path, &request->table, &request->format)) ||
      (!is_export && !g_str_equal(path, "/api/v1/insights"))) {
    g_free(request);
    gw_api_reply_error(msg, SOUP_STATUS_NOT_FOUND, "not-found", "no such report");
    return;
  }
  request->filter = parse_filter(query);
  if (request->filter == NULL) {
    g_free(request);
    gw_api_reply_error(msg, SOUP_STATUS_BAD_REQUEST, "bad-field",
                "from/to must be ISO 8601 (2024-05-01 or 2024-05-01T08:00:00Z); filters up to "
                "256 characters");
    return;
  }
  request->msg = g_object_ref(msg);
  soup_server_message_pause(msg);
  gw_store_read(api->store, is_export ? read_export : read_insights, request, request_free,
                is_export ? (GDestroyNotify)g_bytes_unref : (GDestroyNotify)json_node_unref,
                is_export ? on_export : on_insights);
}

void
gw_insights_api_mount(GwServer *server, GwStore *store, GwApiAuth *auth, const GwConfig *config)
{
  InsightsApi *api = g_new0(InsightsApi, 1);

  api->store = store;
  api->auth = auth;
  api->params.service_level_ms = (gint64)config->service_level_seconds * 1000;
  api->params.short_abandon_ms = (gint64)config->short_abandon_seconds * 1000;
  gw_server_add_handler(server, "/api/v1/export/", handle_api, g_memdup2(api, sizeof(*api)),
                        g_free);
  gw_server_add_handler(server, "/api/v1/insights", handle_api, api, g_free);
}
