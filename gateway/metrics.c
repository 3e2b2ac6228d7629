/* SPDX-License-Identifier: Apache-2.0 */
/* GET /metrics: operations metrics for IT in the Prometheus text format (docs/operations.md). */
#include "gateway/metrics.h"

#include <json-glib/json-glib.h>
#include <string.h>

const double gw_metrics_wait_bounds[GW_METRICS_WAIT_BUCKETS] = {5, 10, 20, 30, 60, 120, 300, 600};

typedef struct {
  GwMetricsCollector collect;
  gpointer data;
} Collector;

struct _GwMetrics {
  GwServer *server; /* nullable, not owned */
  GwStore *store;   /* nullable, not owned */
  guint64 offered, answered, ended, abandoned, rated, skipped;
  GHashTable *failures; /* reason → guint64 count (in the pointer) */
  guint64 wait_count[GW_METRICS_WAIT_BUCKETS + 1];
  double wait_sum;
  GArray *collectors; /* Collector */
};

GwMetrics *
gw_metrics_new(GwServer *server, GwStore *store)
{
  GwMetrics *metrics = g_new0(GwMetrics, 1);

  metrics->server = server;
  metrics->store = store;
  metrics->failures = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  metrics->collectors = g_array_new(FALSE, TRUE, sizeof(Collector));
  return metrics;
}

void
gw_metrics_free(GwMetrics *metrics)
{
  if (metrics == NULL)
    return;
  g_hash_table_destroy(metrics->failures);
  g_array_unref(metrics->collectors);
  g_free(metrics);
}

static void
count_failure(GwMetrics *metrics, const char *reason)
{
  const char *label = reason != NULL ? reason : "unknown";
  gpointer count = NULL;

  /* A label set that cannot grow without bound, whatever the reasons say. */
  if (!g_hash_table_lookup_extended(metrics->failures, label, NULL, &count) &&
      g_hash_table_size(metrics->failures) >= GW_METRICS_MAX_REASONS)
    label = "other";
  count = g_hash_table_lookup(metrics->failures, label);
  g_hash_table_replace(metrics->failures, g_strdup(label),
                       GSIZE_TO_POINTER(GPOINTER_TO_SIZE(count) + 1));
}

void
gw_metrics_observe(GwMetrics *metrics, const GwContactEvent *event)
{
  double seconds;
  guint bucket = 0;

  switch (event->type) {
  case GW_CONTACT_OFFERED:
    metrics->offered++;
    break;
  case GW_CONTACT_ANSWERED:
    metrics->answered++;
    if (event->wait_ms < 0)
      break;
    seconds = event->wait_ms / 1000.0;
    while (bucket < GW_METRICS_WAIT_BUCKETS && seconds > gw_metrics_wait_bounds[bucket])
      bucket++;
    metrics->wait_count[bucket]++;
    metrics->wait_sum += seconds;
    break;
  case GW_CONTACT_ENDED:
    metrics->ended++;
    break;
  case GW_CONTACT_ABANDONED:
    metrics->abandoned++;
    break;
  case GW_CONTACT_FAILED:
    count_failure(metrics, event->reason);
    break;
  case GW_CONTACT_RATED:
    if (event->nps < 0 && event->csat < 0 && event->ces < 0 && event->comment == NULL)
      metrics->skipped++;
    else
      metrics->rated++;
    break;
  default:
    break;
  }
}

void
gw_metrics_add_collector(GwMetrics *metrics, GwMetricsCollector collect, gpointer data)
{
  Collector collector = {collect, data};

  g_array_append_val(metrics->collectors, collector);
}

/* A label value: backslash, double quote and newline escaped, as the format says. */
static void
append_label(GString *out, const char *value)
{
  for (const char *p = value; *p != '\0'; p++) {
    if (*p == '\\' || *p == '"')
      g_string_append_c(out, '\\');
    if (*p == '\n')
      g_string_append(out, "\\n");
    else
      g_string_append_c(out, *p);
  }
}

static void
family(GString *out, const char *name, const char *type, const char *help)
{
  g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
sample(GString *out, const char *name, const char *type, const char *help, guint64 value)
{
  family(out, name, type, help);
  g_string_append_printf(out, "%s %" G_GUINT64_FORMAT "\n", name, value);
}

static void
histogram(GString *out, const char *name, const char *help, const double *bounds, guint n,
          const guint64 *counts, double sum)
{
  char number[G_ASCII_DTOSTR_BUF_SIZE];
  guint64 total = 0;

  family(out, name, "histogram", help);
  for (guint i = 0; i <= n; i++) {
    total += counts[i];
    if (i < n)
      g_string_append_printf(out, "%s_bucket{le=\"%s\"} %" G_GUINT64_FORMAT "\n", name,
                             g_ascii_dtostr(number, sizeof number, bounds[i]), total);
    else
      g_string_append_printf(out, "%s_bucket{le=\"+Inf\"} %" G_GUINT64_FORMAT "\n", name, total);
  }
  g_string_append_printf(out, "%s_sum %s\n%s_count %" G_GUINT64_FORMAT "\n", name,
                         g_ascii_dtostr(number, sizeof number, sum), name, total);
}

static void
render_queues(GwMetrics *metrics, GString *out)
{
  g_autoptr(JsonBuilder) builder = json_builder_new();
  g_autoptr(JsonNode) root = NULL;
  JsonArray *queues;

  family(out, "balie_queue_waiting", "gauge", "Customers waiting in a walk-in queue.");
  json_builder_begin_array(builder);
  gw_server_build_queue_list(metrics->server, builder);
  json_builder_end_array(builder);
  root = json_builder_get_root(builder);
  queues = json_node_get_array(root);
  for (guint i = 0; i < json_array_get_length(queues); i++) {
    JsonObject *queue = json_array_get_object_element(queues, i);
    JsonArray *waiting = json_object_get_array_member(queue, "waiting");

    g_string_append(out, "balie_queue_waiting{queue=\"");
    append_label(out, json_object_get_string_member(queue, "name"));
    g_string_append_printf(out, "\"} %u\n", waiting != NULL ? json_array_get_length(waiting) : 0);
  }
}

static void
render_store(GwMetrics *metrics, GString *out)
{
  GwStoreStats stats;

  gw_store_get_stats(metrics->store, &stats);
  sample(out, "balie_store_events_written_total", "counter",
         "Contact events committed to the store (or queued on disk for it).", stats.written);
  sample(out, "balie_store_events_failed_total", "counter",
         "Contact events the store refused or lost to an error.", stats.failed);
  sample(out, "balie_store_backlog", "gauge", "Contact events accepted and not yet written.",
         stats.backlog);
  sample(out, "balie_store_spooled", "gauge",
         "Contact events in the disk queue, waiting for PostgreSQL.", stats.spooled);
  histogram(out, "balie_store_write_seconds", "Time to commit a batch of contact events.",
            gw_store_latency_bounds, GW_STORE_LATENCY_BUCKETS, stats.latency_count,
            stats.latency_sum);
}

char *
gw_metrics_render(GwMetrics *metrics)
{
  GString *out = g_string_new(NULL);
  GHashTableIter iter;
  gpointer key, value;

  family(out, "balie_build_info", "gauge", "Always 1; the version is a label.");
  g_string_append_printf(out, "balie_build_info{version=\"%s\"} 1\n", BALIE_VERSION);
  if (metrics->server != NULL) {
    sample(out, "balie_rooms", "gauge", "Rooms open on this node.",
           gw_server_get_room_count(metrics->server));
    sample(out, "balie_participants", "gauge", "Participants in the rooms of this node.",
           gw_server_get_participant_count(metrics->server));
    render_queues(metrics, out);
  }
  sample(out, "balie_contacts_offered_total", "counter", "Customers who started to wait.",
         metrics->offered);
  sample(out, "balie_calls_started_total", "counter", "Calls an advisor answered.",
         metrics->answered);
  sample(out, "balie_calls_ended_total", "counter", "Answered calls that ended.", metrics->ended);
  sample(out, "balie_contacts_abandoned_total", "counter",
         "Customers who left before an answer.", metrics->abandoned);
  family(out, "balie_call_failures_total", "counter",
         "Contacts that failed, by reason (media-failed, ...).");
  g_hash_table_iter_init(&iter, metrics->failures);
  while (g_hash_table_iter_next(&iter, &key, &value)) {
    g_string_append(out, "balie_call_failures_total{reason=\"");
    append_label(out, key);
    g_string_append_printf(out, "\"} %" G_GSIZE_FORMAT "\n", GPOINTER_TO_SIZE(value));
  }
  histogram(out, "balie_wait_seconds", "Customers' wait before an advisor answered.",
            gw_metrics_wait_bounds, GW_METRICS_WAIT_BUCKETS, metrics->wait_count,
            metrics->wait_sum);
  family(out, "balie_ratings_total", "counter", "Post-call ratings received, answered or skipped.");
  g_string_append_printf(out, "balie_ratings_total{kind=\"answered\"} %" G_GUINT64_FORMAT "\n",
                         metrics->rated);
  g_string_append_printf(out, "balie_ratings_total{kind=\"skipped\"} %" G_GUINT64_FORMAT "\n",
                         metrics->skipped);
  if (metrics->store != NULL)
    render_store(metrics, out);
  for (guint i = 0; i < metrics->collectors->len; i++) {
    Collector *c = &g_array_index(metrics->collectors, Collector, i);

    c->collect(out, c->data);
  }
  return g_string_free(out, FALSE);
}

static void
handle_metrics(SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
               gpointer data)
{
  GwMetrics *metrics = data;
  const char *method = soup_server_message_get_method(msg);
  char *body;

  if (!g_str_equal(path, "/metrics")) {
    soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, NULL);
    return;
  }
  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow",
                                 "GET, HEAD");
    soup_server_message_set_status(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
    return;
  }
  body = gw_metrics_render(metrics);
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Cache-Control",
                               "no-store");
  soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response(msg, "text/plain; version=0.0.4; charset=utf-8",
                                   SOUP_MEMORY_TAKE, body, strlen(body));
}

void
gw_metrics_mount(GwMetrics *metrics, GwServer *server)
{
  gw_server_add_handler(server, "/metrics", handle_metrics, metrics, NULL);
}
