/* SPDX-License-Identifier: Apache-2.0 */
/* GET /metrics: operations metrics for IT in the Prometheus text format (docs/operations.md). */
#pragma once

#include <glib.h>

#include "gateway/store.h"
#include "signaling/contact-sink.h"
#include "signaling/server.h"

G_BEGIN_DECLS

typedef struct _GwMetrics GwMetrics;

/* Upper bounds (seconds) of balie_wait_seconds, the customers' wait before an answer. */
#define GW_METRICS_WAIT_BUCKETS 8
extern const double gw_metrics_wait_bounds[GW_METRICS_WAIT_BUCKETS];
/* Distinct `reason` labels of balie_call_failures_total; more become "other". */
#define GW_METRICS_MAX_REASONS 32

/**
 * gw_metrics_new:
 * @server: (transfer none) (nullable): rooms, participants and queues come from it
 * @store: (transfer none) (nullable): write latency and backlog come from it
 * Both must outlive the metrics. Returns: (transfer full)
 */
GwMetrics *gw_metrics_new(GwServer *server, GwStore *store);
void gw_metrics_free(GwMetrics *metrics);

/** gw_metrics_observe: counts one contact event (on the control thread, as it happens). */
void gw_metrics_observe(GwMetrics *metrics, const GwContactEvent *event);

/*
 * Another module's lines (e.g. TURN): appended to every scrape. Write
 * complete families (# HELP, # TYPE, samples), names starting "balie_".
 */
typedef void (*GwMetricsCollector)(GString *out, gpointer data);

/** gw_metrics_add_collector: @data must outlive @metrics. */
void gw_metrics_add_collector(GwMetrics *metrics, GwMetricsCollector collect, gpointer data);

/** gw_metrics_render: the whole exposition, text format 0.0.4. Returns: (transfer full) */
char *gw_metrics_render(GwMetrics *metrics);

/** gw_metrics_mount: serves GET /metrics on @server (no login: restrict it at the network). */
void gw_metrics_mount(GwMetrics *metrics, GwServer *server);

G_END_DECLS
