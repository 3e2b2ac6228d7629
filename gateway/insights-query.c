/* SPDX-License-Identifier: Apache-2.0 */
/* Reading contacts for the insights and the exports, the same way from SQLite and PostgreSQL. */
#include "gateway/insights-query.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

/* $1..$5 in every query: period, then journey, queue, advisor (NULL = any). */
#define FILTER_PARAMS 5
#define CONTACT_FILTER                                                                             \
  "(CAST($3 AS TEXT) IS NULL OR c.journey = $3) AND "                                              \
  "(CAST($4 AS TEXT) IS NULL OR c.queue = $4) AND "                                                \
  "(CAST($5 AS TEXT) IS NULL OR c.advisor_ref = $5)"

void
gw_insight_filter_free(GwInsightFilter *filter)
{
  if (filter == NULL)
    return;
  g_free(filter->journey);
  g_free(filter->queue);
  g_free(filter->advisor_ref);
  g_free(filter);
}

void
gw_insight_rows_free(GwInsightRows *rows)
{
  if (rows == NULL)
    return;
  g_array_unref(rows->contacts);
  g_string_chunk_free(rows->texts);
  g_free(rows);
}

static void
filter_params(const GwInsightFilter *filter, GwStoreValue *params)
{
  params[0] = GW_STORE_VALUE_INT(filter->from_us >= 0 ? filter->from_us : 0);
  params[1] = GW_STORE_VALUE_INT(filter->to_us >= 0 ? filter->to_us : G_MAXINT64);
  params[2] = GW_STORE_VALUE_TEXT(filter->journey);
  params[3] = GW_STORE_VALUE_TEXT(filter->queue);
  params[4] = GW_STORE_VALUE_TEXT(filter->advisor_ref);
}

static gint64
as_int(const GwStoreValue *v, gint64 fallback)
{
  if (v->type == GW_STORE_INT)
    return v->i;
  if (v->type == GW_STORE_REAL)
    return (gint64)v->r;
  return fallback;
}

static double
as_double(const GwStoreValue *v)
{
  if (v->type == GW_STORE_REAL)
    return v->r;
  if (v->type == GW_STORE_INT)
    return (double)v->i;
  return 0;
}

typedef struct {
  GwInsightRows *rows;
  gboolean too_many;
} ContactRead;

static const char *
keep_text(GwInsightRows *rows, const GwStoreValue *v)
{
  return v->type == GW_STORE_TEXT ? g_string_chunk_insert_const(rows->texts, v->s) : NULL;
}

static gboolean
contact_row(const GwStoreValue *col, guint n, gpointer data)
{
  ContactRead *read = data;
  GwInsightContact c = {0};

  g_assert(n == 17);
  if (read->rows->contacts->len >= GW_INSIGHTS_MAX_ROWS) {
    read->too_many = TRUE;
    return FALSE;
  }
  c.offered_us = as_int(&col[0], -1);
  c.journey = keep_text(read->rows, &col[1]);
  c.queue = keep_text(read->rows, &col[2]);
  c.advisor_ref = keep_text(read->rows, &col[3]);
  c.outcome = keep_text(read->rows, &col[4]);
  c.wait_ms = as_int(&col[5], -1);
  c.handle_ms = as_int(&col[6], -1);
  c.screen_share_ms = as_int(&col[7], 0);
  c.quality_samples = as_int(&col[8], 0);
  c.rtt_ms_sum = as_double(&col[9]);
  c.loss_pct_sum = as_double(&col[10]);
  c.kbps_sum = as_double(&col[11]);
  c.rated = as_int(&col[12], 0) != 0;
  c.rating_skipped = as_int(&col[13], 0) != 0;
  c.nps = (gint)as_int(&col[14], -1);
  c.csat = (gint)as_int(&col[15], -1);
  c.ces = (gint)as_int(&col[16], -1);
  g_array_append_val(read->rows->contacts, c);
  return TRUE;
}

GwInsightRows *
gw_insights_query_contacts(GwStoreBackend *backend, const GwInsightFilter *filter, GError **error)
{
  GwStoreValue params[FILTER_PARAMS];
  ContactRead read = {g_new0(GwInsightRows, 1), FALSE};

  read.rows->contacts = g_array_new(FALSE, FALSE, sizeof(GwInsightContact));
  read.rows->texts = g_string_chunk_new(4096);
  filter_params(filter, params);
  if (!backend->klass->query(
          backend,
          "SELECT c.offered_us, c.journey, c.queue, c.advisor_ref, c.outcome, c.wait_ms, "
          "c.handle_ms, c.screen_share_ms, c.quality_samples, c.rtt_ms_sum, c.loss_pct_sum, "
          "c.kbps_sum, CASE WHEN r.contact_id IS NULL THEN 0 ELSE 1 END, r.skipped, r.nps, "
          "r.csat, r.ces FROM contact c LEFT JOIN rating r ON r.contact_id = c.id "
          "WHERE c.offered_us >= $1 AND c.offered_us < $2 AND " CONTACT_FILTER
          " ORDER BY c.offered_us",
          params, FILTER_PARAMS, contact_row, &read, error)) {
    gw_insight_rows_free(read.rows);
    return NULL;
  }
  if (read.too_many) {
    g_set_error(error, GW_STORE_ERROR, GW_STORE_ERROR_INVALID,
                "more than %d contacts in the period: ask for a shorter one", GW_INSIGHTS_MAX_ROWS);
    gw_insight_rows_free(read.rows);
    return NULL;
  }
  return read.rows;
}

/* ---- export ------------------------------------------------------------ */

typedef struct {
  const char *sql;
  const char *const *columns;
} ExportSpec;

static const char *const contact_columns[] = {
    "id", "channel", "journey", "queue", "node", "advisor_ref", "customer_ref", "offered_us",
    "answered_us", "ended_us", "outcome", "end_reason", "ended_by", "wait_ms", "handle_ms",
    "screen_share_ms", "quality_samples", "rtt_ms_sum", "loss_pct_sum", "kbps_sum",
    "freezes_max", "height_min", NULL};
static const char *const event_columns[] = {"id", "contact_id", "channel", "time_us", "type",
                                            "attrs", NULL};
static const char *const rating_columns[] = {"contact_id", "channel", "time_us", "skipped", "nps",
                                             "csat", "ces", "comment", NULL};

/* The same columns for an export and for one row (the webhook). */
#define CONTACT_SELECT                                                                             \
  "SELECT c.id, c.channel, c.journey, c.queue, c.node, c.advisor_ref, "                            \
  "c.customer_ref, c.offered_us, c.answered_us, c.ended_us, c.outcome, "                           \
  "c.end_reason, c.ended_by, c.wait_ms, c.handle_ms, c.screen_share_ms, "                          \
  "c.quality_samples, c.rtt_ms_sum, c.loss_pct_sum, c.kbps_sum, "                                  \
  "c.freezes_max, c.height_min FROM contact c"
#define RATING_SELECT                                                                              \
  "SELECT r.contact_id, r.channel, r.time_us, r.skipped, r.nps, r.csat, "                          \
  "r.ces, r.comment FROM rating r LEFT JOIN contact c ON c.id = r.contact_id"

static const ExportSpec export_specs[] = {
    [GW_EXPORT_CONTACTS] = {CONTACT_SELECT " WHERE c.offered_us >= $1 "
                            "AND c.offered_us < $2 AND " CONTACT_FILTER " ORDER BY c.offered_us, c.id",
                            contact_columns},
    [GW_EXPORT_EVENTS] = {"SELECT e.id, e.contact_id, e.channel, e.time_us, e.type, e.attrs "
                          "FROM contact_event e LEFT JOIN contact c ON c.id = e.contact_id "
                          "WHERE e.time_us >= $1 AND e.time_us < $2 AND " CONTACT_FILTER
                          " ORDER BY e.time_us, e.id",
                          event_columns},
    [GW_EXPORT_RATINGS] = {RATING_SELECT " WHERE r.time_us >= $1 AND r.time_us < $2 AND "
                           CONTACT_FILTER " ORDER BY r.time_us, r.contact_id",
                           rating_columns},
};

typedef struct {
  GString *out;
  GwExportFormat format;
  const char *const *columns;
  guint rows;
} ExportWrite;

/* RFC 4180 quoting; a leading = + - @ is defused so a spreadsheet shows text, not a formula. */
static void
csv_text(GString *out, const char *text)
{
  gboolean formula = strchr("=+-@\t\r", text[0]) != NULL && text[0] != '\0';

  g_string_append_c(out, '"');
  if (formula)
    g_string_append_c(out, '\'');
  for (const char *p = text; *p != '\0'; p++) {
    if (*p == '"')
      g_string_append_c(out, '"');
    g_string_append_c(out, *p);
  }
  g_string_append_c(out, '"');
}

/* A JSON string, escaped by json-glib. */
static void
json_text(GString *out, const char *text)
{
  g_autoptr(JsonNode) node = json_node_init_string(json_node_alloc(), text);
  g_autofree char *quoted = json_to_string(node, FALSE);

  g_string_append(out, quoted);
}

/*
 * A JSON number, written here rather than by json-glib: json-glib 1.6 appends
 * ".0" to any double printed without a '.', so 1e+20 became "1e+20.0" and
 * infinity "inf.0", neither of them JSON. %.17g keeps every bit of a finite
 * value; JSON has no infinity or NaN, so those are null.
 */
static void
json_number(GString *out, double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite(value)) {
    g_string_append(out, "null");
    return;
  }
  g_string_append(out, g_ascii_dtostr(buf, sizeof(buf), value));
}

static gboolean
export_row(const GwStoreValue *col, guint n, gpointer data)
{
  ExportWrite *w = data;

  if (++w->rows > GW_INSIGHTS_MAX_ROWS)
    return FALSE;
  if (w->format == GW_EXPORT_JSONL) {
    g_string_append_c(w->out, '{');
    for (guint i = 0; i < n && w->columns[i] != NULL; i++) {
      if (i > 0)
        g_string_append_c(w->out, ',');
      /* Column names are our own lower-case identifiers: nothing to escape. */
      g_string_append_printf(w->out, "\"%s\":", w->columns[i]);
      if (col[i].type == GW_STORE_INT)
        g_string_append_printf(w->out, "%" G_GINT64_FORMAT, col[i].i);
      else if (col[i].type == GW_STORE_REAL)
        json_number(w->out, col[i].r);
      else if (col[i].type == GW_STORE_TEXT)
        json_text(w->out, col[i].s);
      else
        g_string_append(w->out, "null");
    }
    g_string_append(w->out, "}\n");
    return TRUE;
  }
  for (guint i = 0; i < n; i++) {
    if (i > 0)
      g_string_append_c(w->out, ',');
    if (col[i].type == GW_STORE_INT)
      g_string_append_printf(w->out, "%" G_GINT64_FORMAT, col[i].i);
    else if (col[i].type == GW_STORE_REAL && isfinite(col[i].r)) {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      g_string_append(w->out, g_ascii_dtostr(buf, sizeof(buf), col[i].r));
    } else if (col[i].type == GW_STORE_TEXT)
      csv_text(w->out, col[i].s);
  }
  g_string_append(w->out, "\r\n");
  return TRUE;
}

GBytes *
gw_export_query(GwStoreBackend *backend, GwExportTable table, GwExportFormat format,
                const GwInsightFilter *filter, GError **error)
{
  const ExportSpec *spec = &export_specs[table];
  GwStoreValue params[FILTER_PARAMS];
  ExportWrite w = {g_string_new(NULL), format, spec->columns, 0};

  if (format == GW_EXPORT_CSV) {
    g_autofree char *header = g_strjoinv(",", (char **)spec->columns);

    g_string_append(w.out, header);
    g_string_append(w.out, "\r\n");
  }
  filter_params(filter, params);
  if (!backend->klass->query(backend, spec->sql, params, FILTER_PARAMS, export_row, &w, error)) {
    g_string_free(w.out, TRUE);
    return NULL;
  }
  if (w.rows > GW_INSIGHTS_MAX_ROWS) {
    g_set_error(error, GW_STORE_ERROR, GW_STORE_ERROR_INVALID,
                "more than %d rows in the period: ask for a shorter one", GW_INSIGHTS_MAX_ROWS);
    g_string_free(w.out, TRUE);
    return NULL;
  }
  return g_string_free_to_bytes(w.out);
}

GBytes *
gw_export_query_one(GwStoreBackend *backend, GwExportTable table, const char *contact_id,
                    GError **error)
{
  GwStoreValue id = GW_STORE_VALUE_TEXT(contact_id);
  ExportWrite w = {g_string_new(NULL), GW_EXPORT_JSONL, export_specs[table].columns, 0};
  const char *sql = table == GW_EXPORT_RATINGS ? RATING_SELECT " WHERE r.contact_id = $1"
                                               : CONTACT_SELECT " WHERE c.id = $1";

  g_return_val_if_fail(table != GW_EXPORT_EVENTS, NULL);
  if (!backend->klass->query(backend, sql, &id, 1, export_row, &w, error)) {
    g_string_free(w.out, TRUE);
    return NULL;
  }
  return g_string_free_to_bytes(w.out);
}
