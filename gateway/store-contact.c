/* SPDX-License-Identifier: Apache-2.0 */
/* What one contact event writes: the event row, the contact's summary row, and a rating. */
#include "gateway/store-contact.h"

#include <json-glib/json-glib.h>

/*
 * The contact row is a summary that every event type updates in its own way;
 * COALESCE keeps the first value of a set-once column, so events arriving out
 * of order (answered before offered) still give the same row.
 */
#define UPSERT_HEAD                                                                                \
  "INSERT INTO contact (id, channel, journey, queue, node, advisor_ref, customer_ref, "          \
  "updated_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO UPDATE SET "            \
  "journey = COALESCE(contact.journey, excluded.journey), "                                        \
  "queue = COALESCE(contact.queue, excluded.queue), "                                              \
  "node = COALESCE(contact.node, excluded.node), "                                                 \
  "advisor_ref = COALESCE(excluded.advisor_ref, contact.advisor_ref), "                            \
  "customer_ref = COALESCE(contact.customer_ref, excluded.customer_ref), "                         \
  "updated_us = excluded.updated_us"

static gboolean
upsert_identity(GwStoreBackend *backend, const GwContactEvent *e, GError **error)
{
  GwStoreValue params[] = {
      GW_STORE_VALUE_TEXT(e->contact_id), GW_STORE_VALUE_TEXT(e->channel),
      GW_STORE_VALUE_TEXT(e->journey),    GW_STORE_VALUE_TEXT(e->queue),
      GW_STORE_VALUE_TEXT(e->node),       GW_STORE_VALUE_TEXT(e->advisor_ref),
      GW_STORE_VALUE_TEXT(e->customer_ref), GW_STORE_VALUE_INT(e->time_us),
  };

  return backend->klass->exec(backend, UPSERT_HEAD, params, G_N_ELEMENTS(params), NULL, error);
}

static GwStoreValue
duration(gint64 ms)
{
  return ms >= 0 ? GW_STORE_VALUE_INT(ms) : GW_STORE_VALUE_NULL;
}

static double
attr_number(JsonObject *attrs, const char *name, double fallback)
{
  JsonNode *node = attrs != NULL ? json_object_get_member(attrs, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE(node))
    return fallback;
  switch (json_node_get_value_type(node)) {
  case G_TYPE_INT64:
    return (double)json_node_get_int(node);
  case G_TYPE_DOUBLE:
    return json_node_get_double(node);
  default:
    return fallback;
  }
}

/* The type-specific part of the summary; attrs were checked to be an object. */
static gboolean
update_summary(GwStoreBackend *backend, const GwContactEvent *e, JsonObject *attrs,
               GError **error)
{
  GwStoreValue p[6] = {GW_STORE_VALUE_TEXT(e->contact_id), GW_STORE_VALUE_INT(e->time_us)};
  const char *sql = NULL;
  guint n = 2;

  switch (e->type) {
  case GW_CONTACT_OFFERED:
    sql = "UPDATE contact SET offered_us = COALESCE(offered_us, $2) WHERE id = $1";
    break;
  case GW_CONTACT_ANSWERED:
    sql = "UPDATE contact SET answered_us = COALESCE(answered_us, $2), "
          "wait_ms = COALESCE($3, wait_ms), outcome = 'answered' WHERE id = $1";
    p[n++] = duration(e->wait_ms);
    break;
  case GW_CONTACT_ABANDONED:
    sql = "UPDATE contact SET ended_us = COALESCE(ended_us, $2), wait_ms = COALESCE($3, wait_ms), "
          "outcome = COALESCE(outcome, 'abandoned') WHERE id = $1";
    p[n++] = duration(e->wait_ms);
    break;
  case GW_CONTACT_ENDED:
    sql = "UPDATE contact SET ended_us = COALESCE(ended_us, $2), "
          "handle_ms = COALESCE($3, handle_ms), end_reason = COALESCE(end_reason, $4), "
          "ended_by = COALESCE(ended_by, $5), "
          "outcome = COALESCE(outcome, CASE WHEN answered_us IS NULL THEN 'no-show' END) "
          "WHERE id = $1";
    p[n++] = duration(e->handle_ms);
    p[n++] = GW_STORE_VALUE_TEXT(e->reason);
    p[n++] = GW_STORE_VALUE_TEXT(e->ended_by);
    break;
  case GW_CONTACT_FAILED:
    /* A call that broke after it was answered stays answered; the reason says why it ended. */
    sql = "UPDATE contact SET ended_us = COALESCE(ended_us, $2), "
          "end_reason = COALESCE(end_reason, $3), "
          "outcome = COALESCE(outcome, CASE WHEN $3 = 'no-show' THEN 'no-show' ELSE 'failed' END) "
          "WHERE id = $1";
    p[n++] = GW_STORE_VALUE_TEXT(e->reason != NULL ? e->reason : "unknown");
    break;
  case GW_CONTACT_SCREEN_STOPPED:
    sql = "UPDATE contact SET screen_share_ms = screen_share_ms + $3 WHERE id = $1 AND CAST($2 AS BIGINT) > 0";
    p[n++] = GW_STORE_VALUE_INT((gint64)MAX(0.0, attr_number(attrs, "ms", 0)));
    break;
  case GW_CONTACT_QUALITY:
    sql = "UPDATE contact SET quality_samples = quality_samples + 1, "
          "rtt_ms_sum = rtt_ms_sum + $3, loss_pct_sum = loss_pct_sum + $4, "
          "kbps_sum = kbps_sum + $5, "
          "freezes_max = CASE WHEN freezes_max > $6 THEN freezes_max ELSE $6 END "
          "WHERE id = $1 AND CAST($2 AS BIGINT) > 0";
    p[n++] = GW_STORE_VALUE_REAL(attr_number(attrs, "rtt_ms", 0));
    p[n++] = GW_STORE_VALUE_REAL(attr_number(attrs, "loss_pct", 0));
    p[n++] = GW_STORE_VALUE_REAL(attr_number(attrs, "kbps", 0));
    p[n++] = GW_STORE_VALUE_INT((gint64)attr_number(attrs, "freezes", 0));
    break;
  default:
    return TRUE;
  }
  return backend->klass->exec(backend, sql, p, n, NULL, error);
}

/* The smallest frame height seen is the worst picture the customer got. */
static gboolean
update_height(GwStoreBackend *backend, const GwContactEvent *e, JsonObject *attrs, GError **error)
{
  double height = attr_number(attrs, "height", -1);
  GwStoreValue p[] = {GW_STORE_VALUE_TEXT(e->contact_id), GW_STORE_VALUE_INT((gint64)height)};

  if (e->type != GW_CONTACT_QUALITY || height <= 0)
    return TRUE;
  return backend->klass->exec(backend,
                              "UPDATE contact SET height_min = CASE WHEN height_min IS NULL OR "
                              "height_min > $2 THEN $2 ELSE height_min END WHERE id = $1",
                              p, G_N_ELEMENTS(p), NULL, error);
}

static GwStoreValue
score(gint value)
{
  return value >= 0 ? GW_STORE_VALUE_INT(value) : GW_STORE_VALUE_NULL;
}

/* Single use is the primary key: the second rating for a contact inserts nothing. */
static gboolean
insert_rating(GwStoreBackend *backend, const GwContactEvent *e, GError **error)
{
  gboolean skipped = e->nps < 0 && e->csat < 0 && e->ces < 0 && e->comment == NULL;
  GwStoreValue p[] = {
      GW_STORE_VALUE_TEXT(e->contact_id), GW_STORE_VALUE_TEXT(e->channel),
      GW_STORE_VALUE_INT(e->time_us),     GW_STORE_VALUE_INT(skipped ? 1 : 0),
      score(e->nps),                      score(e->csat),
      score(e->ces),                      GW_STORE_VALUE_TEXT(e->comment),
  };
  gint64 changes = 0;

  if (!backend->klass->exec(backend,
                            "INSERT INTO rating (contact_id, channel, time_us, skipped, nps, csat, "
                            "ces, comment) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                            "ON CONFLICT (contact_id) DO NOTHING",
                            p, G_N_ELEMENTS(p), &changes, error))
    return FALSE;
  if (changes == 0) {
    g_set_error(error, GW_STORE_ERROR, GW_STORE_ERROR_DUPLICATE, "contact already rated");
    return FALSE;
  }
  return TRUE;
}

static gboolean
seen_row(const GwStoreValue *columns, guint n_columns, gpointer data)
{
  *(gboolean *)data = TRUE;
  return FALSE;
}

gboolean
gw_store_contact_apply(GwStoreBackend *backend, const GwStoreEvent *stored, GError **error)
{
  const GwContactEvent *e = &stored->event;
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *attrs = NULL;
  GwStoreValue id = GW_STORE_VALUE_TEXT(stored->id);
  gboolean seen = FALSE;

  if (!backend->klass->query(backend, "SELECT 1 FROM contact_event WHERE id = $1", &id, 1,
                             seen_row, &seen, error))
    return FALSE;
  if (seen)
    return TRUE;
  if (e->type == GW_CONTACT_RATED && !insert_rating(backend, e, error))
    return FALSE;
  if (e->attrs_json != NULL) {
    parser = json_parser_new();
    if (json_parser_load_from_data(parser, e->attrs_json, -1, NULL) &&
        json_parser_get_root(parser) != NULL &&
        JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
      attrs = json_node_get_object(json_parser_get_root(parser));
  }

  GwStoreValue p[] = {
      GW_STORE_VALUE_TEXT(stored->id), GW_STORE_VALUE_TEXT(e->contact_id),
      GW_STORE_VALUE_TEXT(e->channel), GW_STORE_VALUE_INT(e->time_us),
      GW_STORE_VALUE_TEXT(gw_store_event_type_name(e->type)), GW_STORE_VALUE_TEXT(e->attrs_json),
  };
  return backend->klass->exec(backend,
                              "INSERT INTO contact_event (id, contact_id, channel, time_us, type, "
                              "attrs) VALUES ($1, $2, $3, $4, $5, $6)",
                              p, G_N_ELEMENTS(p), NULL, error) &&
         upsert_identity(backend, e, error) && update_summary(backend, e, attrs, error) &&
         update_height(backend, e, attrs, error);
}
