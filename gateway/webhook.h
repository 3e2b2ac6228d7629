/* SPDX-License-Identifier: Apache-2.0 */
/* Pushes each finished contact and each rating to the organisation's collector: HTTP POST, HMAC-signed, retried. */
#pragma once

#include <glib.h>

#include "config/config.h"
#include "gateway/store.h"

G_BEGIN_DECLS

typedef enum {
  GW_WEBHOOK_CONTACT, /* the contact row, once the contact is over */
  GW_WEBHOOK_RATING,  /* the rating row */
} GwWebhookKind;

typedef struct {
  const char *url;    /* http:// or https:// */
  GBytes *secret;     /* the HMAC-SHA256 key; at least 16 bytes */
  guint max_attempts; /* per delivery, >= 1 */
  guint max_queue;    /* deliveries waiting; beyond that the oldest is dropped */
  guint first_retry_ms; /* the back-off doubles from here, up to GW_WEBHOOK_MAX_RETRY_MS */
} GwWebhookOptions;

#define GW_WEBHOOK_MAX_RETRY_MS (5 * 60 * 1000)
#define GW_WEBHOOK_TIMEOUT_SECONDS 10
#define GW_WEBHOOK_SIGNATURE_HEADER "X-Balie-Signature"

typedef struct _GwWebhook GwWebhook;

/**
 * gw_webhook_new_with_options:
 * Returns: (transfer full) (nullable): NULL with @error for a bad URL or secret
 */
GwWebhook *gw_webhook_new_with_options(const GwWebhookOptions *options, GError **error);

/**
 * gw_webhook_new:
 * From config->webhook_* (the secret is read from webhook_secret_file).
 * Returns: (transfer full) (nullable)
 */
GwWebhook *gw_webhook_new(const GwConfig *config, GError **error);

/** gw_webhook_set_store: where rows are read from; set NULL before the store closes. */
void gw_webhook_set_store(GwWebhook *webhook, GwStore *store);

/**
 * gw_webhook_push:
 * Queues one delivery; the row is read from the store when it is sent. On
 * the control thread; never blocks.
 */
void gw_webhook_push(GwWebhook *webhook, GwWebhookKind kind, const char *contact_id);

/**
 * gw_webhook_sign:
 * Returns: (transfer full): "sha256=" and the hex HMAC-SHA256 of
 * "@timestamp.@body" under @secret: what a collector recomputes to check
 * GW_WEBHOOK_SIGNATURE_HEADER (docs/metrics.md, "Webhook").
 */
char *gw_webhook_sign(GBytes *secret, const char *timestamp, const char *body, gsize length);

/** gw_webhook_collect_metrics: a GwMetricsCollector for /metrics. */
void gw_webhook_collect_metrics(GString *out, gpointer webhook);

/* Counters, for tests and /metrics. */
typedef struct {
  guint64 delivered, retried, gave_up, dropped;
  guint queued;
} GwWebhookStats;
void gw_webhook_get_stats(GwWebhook *webhook, GwWebhookStats *stats);

/** gw_webhook_free: deliveries not sent yet are dropped (the export API has everything). */
void gw_webhook_free(GwWebhook *webhook);

G_END_DECLS
