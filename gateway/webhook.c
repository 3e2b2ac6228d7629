/* SPDX-License-Identifier: Apache-2.0 */
/* Pushes each finished contact and each rating to the organisation's collector: HTTP POST, HMAC-signed, retried. */
#include "gateway/webhook.h"

#include <libsoup/soup.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "gateway/insights-query.h"

#define WEBHOOK_MIN_SECRET 16
/* 1 s, 2 s, 4 s, ... up to GW_WEBHOOK_MAX_RETRY_MS. */
#define WEBHOOK_FIRST_RETRY_MS 1000

/*
 * One delivery at a time, oldest first: a collector sees contacts in the order
 * they finished, and a collector that is down costs one request per back-off
 * step, not one per event. A delivery's callbacks find delivery->webhook NULL
 * once the webhook is gone and only free themselves.
 */
typedef struct {
  GwWebhook *webhook; /* NULL once the webhook is freed */
  GwWebhookKind kind;
  char *contact_id;
  char *id; /* the X-Balie-Delivery header: the same on every attempt */
  guint attempts;
  GBytes *body;       /* read from the store at the first attempt */
  gboolean in_flight; /* a store read or an HTTP request will call back */
} Delivery;

struct _GwWebhook {
  char *url;
  GBytes *secret;
  guint max_attempts, max_queue, first_retry_ms;
  GwStore *store; /* not owned */
  SoupSession *session;
  GCancellable *cancellable;
  GQueue waiting;     /* Delivery, oldest first */
  Delivery *current;  /* being read, sent or waiting for its retry */
  guint retry_source; /* the back-off timer of current */
  GwWebhookStats stats;
};

static const char *const kind_names[] = {[GW_WEBHOOK_CONTACT] = "contact",
                                         [GW_WEBHOOK_RATING] = "rating"};

static void
delivery_free(Delivery *delivery)
{
  g_free(delivery->contact_id);
  g_free(delivery->id);
  g_clear_pointer(&delivery->body, g_bytes_unref);
  g_free(delivery);
}

char *
gw_webhook_sign(GBytes *secret, const char *timestamp, const char *body, gsize length)
{
  gsize key_length = 0;
  const guint8 *key = g_bytes_get_data(secret, &key_length);
  g_autoptr(GString) signed_text = g_string_new(timestamp);
  guint8 mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;
  GString *out = g_string_new("sha256=");

  g_string_append_c(signed_text, '.');
  g_string_append_len(signed_text, body, (gssize)length);
  HMAC(EVP_sha256(), key, (int)key_length, (const guint8 *)signed_text->str, signed_text->len, mac,
       &mac_length);
  for (unsigned int i = 0; i < mac_length; i++)
    g_string_append_printf(out, "%02x", mac[i]);
  return g_string_free(out, FALSE);
}

static void pump(GwWebhook *webhook);
static void send_or_read(GwWebhook *webhook);

/* The current delivery is finished, one way or the other: on to the next. */
static void
finish_current(GwWebhook *webhook)
{
  g_clear_pointer(&webhook->current, delivery_free);
  pump(webhook);
}

static gboolean
on_retry(gpointer data)
{
  GwWebhook *webhook = data;

  webhook->retry_source = 0;
  send_or_read(webhook);
  return G_SOURCE_REMOVE;
}

static void
attempt_failed(GwWebhook *webhook, const char *why)
{
  Delivery *delivery = webhook->current;
  guint64 delay_ms;

  if (delivery->attempts >= webhook->max_attempts) {
    webhook->stats.gave_up++;
    g_warning("webhook: %s %s not delivered after %u attempts: %s", kind_names[delivery->kind],
              delivery->contact_id, delivery->attempts, why);
    finish_current(webhook);
    return;
  }
  webhook->stats.retried++;
  delay_ms = (guint64)webhook->first_retry_ms << MIN(delivery->attempts - 1, 20u);
  delay_ms = MIN(delay_ms, (guint64)GW_WEBHOOK_MAX_RETRY_MS);
  g_info("webhook: attempt %u for %s failed (%s); next in %" G_GUINT64_FORMAT " ms",
         delivery->attempts, delivery->contact_id, why, delay_ms);
  webhook->retry_source = g_timeout_add((guint)delay_ms, on_retry, webhook);
}

static void
on_sent(GObject *source, GAsyncResult *result, gpointer data)
{
  Delivery *delivery = data;
  GwWebhook *webhook = delivery->webhook;
  g_autoptr(GError) error = NULL;
  /* The collector's reply body says nothing we act on; only its status counts. */
  GBytes *reply = soup_session_send_and_read_finish(SOUP_SESSION(source), result, &error);
  SoupMessage *msg = soup_session_get_async_result_message(SOUP_SESSION(source), result);
  guint status = msg != NULL ? soup_message_get_status(msg) : 0;

  g_clear_pointer(&reply, g_bytes_unref);
  delivery->in_flight = FALSE;
  if (webhook == NULL) {
    delivery_free(delivery);
    return;
  }
  if (error == NULL && SOUP_STATUS_IS_SUCCESSFUL(status)) {
    webhook->stats.delivered++;
    finish_current(webhook);
    return;
  }
  g_autofree char *why = error != NULL ? g_strdup(error->message)
                                       : g_strdup_printf("HTTP %u", status);
  attempt_failed(webhook, why);
}

static void
send_current(GwWebhook *webhook)
{
  Delivery *delivery = webhook->current;
  g_autoptr(SoupMessage) msg = soup_message_new(SOUP_METHOD_POST, webhook->url);
  SoupMessageHeaders *headers = soup_message_get_request_headers(msg);
  g_autofree char *timestamp = g_strdup_printf("%" G_GINT64_FORMAT, g_get_real_time() / G_USEC_PER_SEC);
  gsize length = 0;
  const char *body = g_bytes_get_data(delivery->body, &length);
  g_autofree char *signature = gw_webhook_sign(webhook->secret, timestamp, body, length);

  delivery->attempts++;
  delivery->in_flight = TRUE;
  soup_message_headers_replace(headers, "X-Balie-Event", kind_names[delivery->kind]);
  soup_message_headers_replace(headers, "X-Balie-Delivery", delivery->id);
  soup_message_headers_replace(headers, "X-Balie-Timestamp", timestamp);
  soup_message_headers_replace(headers, GW_WEBHOOK_SIGNATURE_HEADER, signature);
  soup_message_set_request_body_from_bytes(msg, "application/json", delivery->body);
  soup_session_send_and_read_async(webhook->session, msg, G_PRIORITY_DEFAULT,
                                   webhook->cancellable, on_sent, delivery);
}

/* {"type":"contact","delivery":"…","contact":{row}}: the row exactly as the JSON Lines export. */
static GBytes *
build_body(Delivery *delivery, GBytes *line)
{
  gsize length = 0;
  const char *row = g_bytes_get_data(line, &length);
  GString *body = g_string_new(NULL);

  while (length > 0 && row[length - 1] == '\n')
    length--;
  g_string_append_printf(body, "{\"type\":\"%s\",\"delivery\":\"%s\",\"%s\":",
                         kind_names[delivery->kind], delivery->id, kind_names[delivery->kind]);
  g_string_append_len(body, row, (gssize)length);
  g_string_append_c(body, '}');
  return g_string_free_to_bytes(body);
}

static gpointer
read_row(GwStoreBackend *backend, gpointer data, GError **error)
{
  Delivery *delivery = data;

  return gw_export_query_one(backend,
                             delivery->kind == GW_WEBHOOK_RATING ? GW_EXPORT_RATINGS
                                                                 : GW_EXPORT_CONTACTS,
                             delivery->contact_id, error);
}

static void
on_row(gpointer result, const GError *error, gpointer data)
{
  Delivery *delivery = data;
  GwWebhook *webhook = delivery->webhook;

  delivery->in_flight = FALSE;
  if (webhook == NULL) {
    delivery_free(delivery);
    return;
  }
  if (result == NULL) {
    delivery->attempts++;
    attempt_failed(webhook, error->message);
    return;
  }
  if (g_bytes_get_size(result) == 0) {
    g_warning("webhook: %s %s is not in the store", kind_names[delivery->kind],
              delivery->contact_id);
    finish_current(webhook);
    return;
  }
  delivery->body = build_body(delivery, result);
  send_current(webhook);
}

static void
pump(GwWebhook *webhook)
{
  Delivery *delivery;

  if (webhook->current != NULL || webhook->store == NULL ||
      (delivery = g_queue_pop_head(&webhook->waiting)) == NULL)
    return;
  webhook->current = delivery;
  send_or_read(webhook);
}

/* The row is read at the first attempt (and again after a failed read). */
static void
send_or_read(GwWebhook *webhook)
{
  Delivery *delivery = webhook->current;

  if (delivery->body != NULL) {
    send_current(webhook);
  } else if (webhook->store != NULL) {
    delivery->in_flight = TRUE;
    gw_store_read(webhook->store, read_row, delivery, NULL, (GDestroyNotify)g_bytes_unref, on_row);
  }
}

void
gw_webhook_push(GwWebhook *webhook, GwWebhookKind kind, const char *contact_id)
{
  Delivery *delivery = g_new0(Delivery, 1);

  delivery->webhook = webhook;
  delivery->kind = kind;
  delivery->contact_id = g_strdup(contact_id);
  delivery->id = g_uuid_string_random();
  if (g_queue_get_length(&webhook->waiting) >= webhook->max_queue) {
    Delivery *oldest = g_queue_pop_head(&webhook->waiting);

    webhook->stats.dropped++;
    g_warning("webhook: queue full (%u): %s %s dropped", webhook->max_queue,
              kind_names[oldest->kind], oldest->contact_id);
    delivery_free(oldest);
  }
  g_queue_push_tail(&webhook->waiting, delivery);
  if (webhook->store != NULL)
    pump(webhook);
}

GwWebhook *
gw_webhook_new_with_options(const GwWebhookOptions *options, GError **error)
{
  g_autoptr(GUri) uri = g_uri_parse(options->url, G_URI_FLAGS_NONE, NULL);
  GwWebhook *webhook;

  if (uri == NULL || (g_strcmp0(g_uri_get_scheme(uri), "http") != 0 &&
                      g_strcmp0(g_uri_get_scheme(uri), "https") != 0) ||
      g_uri_get_host(uri) == NULL || g_uri_get_host(uri)[0] == '\0') {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "webhook url must be an http:// or https:// URL");
    return NULL;
  }
  if (options->secret == NULL || g_bytes_get_size(options->secret) < WEBHOOK_MIN_SECRET) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "the webhook secret must be at least %d bytes", WEBHOOK_MIN_SECRET);
    return NULL;
  }
  webhook = g_new0(GwWebhook, 1);
  webhook->url = g_strdup(options->url);
  webhook->secret = g_bytes_ref(options->secret);
  webhook->max_attempts = MAX(options->max_attempts, 1u);
  webhook->max_queue = MAX(options->max_queue, 1u);
  webhook->first_retry_ms = MAX(options->first_retry_ms, 1u);
  webhook->session = soup_session_new_with_options("timeout", GW_WEBHOOK_TIMEOUT_SECONDS,
                                                   "user-agent", "balie-webhook", NULL);
  webhook->cancellable = g_cancellable_new();
  g_queue_init(&webhook->waiting);
  return webhook;
}

GwWebhook *
gw_webhook_new(const GwConfig *config, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GBytes) secret = NULL;
  GwWebhookOptions options = {config->webhook_url, NULL, config->webhook_max_attempts,
                              config->webhook_max_queue, WEBHOOK_FIRST_RETRY_MS};

  if (config->webhook_secret_file == NULL) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "webhook.url needs webhook.secret_file (the HMAC key the collector shares)");
    return NULL;
  }
  if (!g_file_get_contents(config->webhook_secret_file, &text, NULL, error))
    return NULL;
  g_strstrip(text);
  secret = g_bytes_new(text, strlen(text));
  options.secret = secret;
  return gw_webhook_new_with_options(&options, error);
}

void
gw_webhook_set_store(GwWebhook *webhook, GwStore *store)
{
  webhook->store = store;
  if (store != NULL)
    pump(webhook);
}

void
gw_webhook_get_stats(GwWebhook *webhook, GwWebhookStats *stats)
{
  *stats = webhook->stats;
  stats->queued = g_queue_get_length(&webhook->waiting) + (webhook->current != NULL ? 1 : 0);
}

void
gw_webhook_collect_metrics(GString *out, gpointer data)
{
  GwWebhookStats stats;

  gw_webhook_get_stats(data, &stats);
  g_string_append_printf(
      out,
      "# HELP balie_webhook_deliveries_total Webhook deliveries by outcome.\n"
      "# TYPE balie_webhook_deliveries_total counter\n"
      "balie_webhook_deliveries_total{outcome=\"delivered\"} %" G_GUINT64_FORMAT "\n"
      "balie_webhook_deliveries_total{outcome=\"gave_up\"} %" G_GUINT64_FORMAT "\n"
      "balie_webhook_deliveries_total{outcome=\"dropped\"} %" G_GUINT64_FORMAT "\n"
      "# HELP balie_webhook_retries_total Failed webhook attempts that were tried again.\n"
      "# TYPE balie_webhook_retries_total counter\n"
      "balie_webhook_retries_total %" G_GUINT64_FORMAT "\n"
      "# HELP balie_webhook_queue Webhook deliveries waiting or in flight.\n"
      "# TYPE balie_webhook_queue gauge\n"
      "balie_webhook_queue %u\n",
      stats.delivered, stats.gave_up, stats.dropped, stats.retried, stats.queued);
}

void
gw_webhook_free(GwWebhook *webhook)
{
  Delivery *delivery;

  if (webhook == NULL)
    return;
  g_cancellable_cancel(webhook->cancellable);
  g_clear_handle_id(&webhook->retry_source, g_source_remove);
  /* A delivery with a callback still to come frees itself there. */
  if (webhook->current != NULL && webhook->current->in_flight)
    webhook->current->webhook = NULL;
  else if (webhook->current != NULL)
    delivery_free(webhook->current);
  while ((delivery = g_queue_pop_head(&webhook->waiting)) != NULL)
    delivery_free(delivery);
  g_object_unref(webhook->session);
  g_object_unref(webhook->cancellable);
  g_bytes_unref(webhook->secret);
  g_free(webhook->url);
  g_free(webhook);
}
