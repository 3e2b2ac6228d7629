/* SPDX-License-Identifier: Apache-2.0 */
/* The /api/v1/insights body: figures in total and per day, journey, queue and advisor, plus chart data. */
#include <stdlib.h>
#include <string.h>

#include "gateway/insights.h"

/* Upper bounds (seconds) of the wait-time histogram the insights page draws. */
static const gint64 wait_bounds_s[] = {10, 20, 30, 60, 120, 300, 600};

typedef char *(*GroupKey)(const GwInsightContact *contact);

static char *
key_day(const GwInsightContact *c)
{
  g_autoptr(GDateTime) t = NULL;

  if (c->offered_us < 0)
    return NULL;
  t = g_date_time_new_from_unix_utc(c->offered_us / G_USEC_PER_SEC);
  return t != NULL ? g_date_time_format(t, "%Y-%m-%d") : NULL;
}

static char *
key_journey(const GwInsightContact *c)
{
  return g_strdup(c->journey);
}

static char *
key_queue(const GwInsightContact *c)
{
  return g_strdup(c->queue);
}

static char *
key_advisor(const GwInsightContact *c)
{
  return g_strdup(c->advisor_ref);
}

static int
compare_keys(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
add_groups(JsonBuilder *builder, const char *name, const GwInsightContact *contacts, guint n,
           const GwInsightParams *params, GroupKey key)
{
  g_autoptr(GHashTable) groups =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_array_unref);
  g_autofree gpointer *keys = NULL;
  guint n_keys = 0;

  for (guint i = 0; i < n; i++) {
    char *k = key(&contacts[i]);
    GArray *members;

    if (k == NULL)
      continue;
    members = g_hash_table_lookup(groups, k);
    if (members == NULL) {
      members = g_array_new(FALSE, FALSE, sizeof(GwInsightContact));
      g_hash_table_insert(groups, k, members);
    } else {
      g_free(k);
    }
    g_array_append_val(members, contacts[i]);
  }
  keys = g_hash_table_get_keys_as_array(groups, &n_keys);
  qsort(keys, n_keys, sizeof(gpointer), compare_keys);
  json_builder_set_member_name(builder, name);
  json_builder_begin_array(builder);
  for (guint i = 0; i < n_keys; i++) {
    GArray *members = g_hash_table_lookup(groups, keys[i]);
    GwInsights figures;
    g_autoptr(JsonNode) node = NULL;

    gw_insights_compute((GwInsightContact *)members->data, members->len, params, &figures);
    node = gw_insights_to_json(&figures);
    json_object_set_string_member(json_node_get_object(node), "key", keys[i]);
    json_builder_add_value(builder, g_steal_pointer(&node));
  }
  json_builder_end_array(builder);
}

static void
add_counts(JsonBuilder *builder, const char *name, const guint *counts, guint n)
{
  json_builder_set_member_name(builder, name);
  json_builder_begin_array(builder);
  for (guint i = 0; i < n; i++)
    json_builder_add_int_value(builder, counts[i]);
  json_builder_end_array(builder);
}

static void
add_distributions(JsonBuilder *builder, const GwInsightContact *contacts, guint n)
{
  guint by_hour[24] = {0}, nps[11] = {0}, csat[5] = {0}, ces[7] = {0};
  guint waits[G_N_ELEMENTS(wait_bounds_s) + 1] = {0};

  for (guint i = 0; i < n; i++) {
    const GwInsightContact *c = &contacts[i];

    if (c->offered_us >= 0)
      by_hour[(c->offered_us / G_USEC_PER_SEC / 3600) % 24]++;
    if (g_strcmp0(c->outcome, "answered") == 0 && c->wait_ms >= 0) {
      guint b = 0;

      while (b < G_N_ELEMENTS(wait_bounds_s) && c->wait_ms > wait_bounds_s[b] * 1000)
        b++;
      waits[b]++;
    }
    if (c->rated && !c->rating_skipped) {
      if (c->nps >= 0 && c->nps <= 10)
        nps[c->nps]++;
      if (c->csat >= 1 && c->csat <= 5)
        csat[c->csat - 1]++;
      if (c->ces >= 1 && c->ces <= 7)
        ces[c->ces - 1]++;
    }
  }
  add_counts(builder, "by_hour_utc", by_hour, 24);
  json_builder_set_member_name(builder, "wait_histogram_bounds_s");
  json_builder_begin_array(builder);
  for (guint b = 0; b < G_N_ELEMENTS(wait_bounds_s); b++)
    json_builder_add_int_value(builder, wait_bounds_s[b]);
  json_builder_end_array(builder);
  add_counts(builder, "wait_histogram", waits, G_N_ELEMENTS(waits));
  add_counts(builder, "nps_distribution", nps, 11);
  add_counts(builder, "csat_distribution", csat, 5);
  add_counts(builder, "ces_distribution", ces, 7);
}

JsonNode *
gw_insights_report(const GwInsightContact *contacts, guint n, const GwInsightParams *params)
{
  g_autoptr(JsonBuilder) builder = json_builder_new();
  GwInsights totals;

  gw_insights_compute(contacts, n, params, &totals);
  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "service_level_seconds");
  json_builder_add_int_value(builder, params->service_level_ms / 1000);
  json_builder_set_member_name(builder, "totals");
  json_builder_add_value(builder, gw_insights_to_json(&totals));
  add_groups(builder, "by_day", contacts, n, params, key_day);
  add_groups(builder, "by_journey", contacts, n, params, key_journey);
  add_groups(builder, "by_queue", contacts, n, params, key_queue);
  add_groups(builder, "by_advisor", contacts, n, params, key_advisor);
  add_distributions(builder, contacts, n);
  json_builder_end_object(builder);
  return json_builder_get_root(builder);
}
