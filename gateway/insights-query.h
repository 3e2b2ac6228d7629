/* SPDX-License-Identifier: Apache-2.0 */
/* Reading contacts for the insights and the exports, the same way from SQLite and PostgreSQL. */
#pragma once

#include <glib.h>

#include "gateway/insights.h"
#include "gateway/store-backend.h"

G_BEGIN_DECLS

/* Filters; NULL or -1 means "any". Times are microseconds, [from_us, to_us). */
typedef struct {
  gint64 from_us, to_us;
  char *journey, *queue, *advisor_ref;
} GwInsightFilter;

void gw_insight_filter_free(GwInsightFilter *filter);

/* Rows of one query with the strings they point to. */
typedef struct {
  GArray *contacts;    /* GwInsightContact */
  GStringChunk *texts; /* the contacts' strings */
} GwInsightRows;

void gw_insight_rows_free(GwInsightRows *rows);

/**
 * gw_insights_query_contacts:
 * Every contact offered in the filter's period (with its rating), for
 * gw_insights_report(). At most GW_INSIGHTS_MAX_ROWS: beyond that an error
 * asks for a shorter period.
 * Returns: (transfer full) (nullable)
 */
#define GW_INSIGHTS_MAX_ROWS 1000000
GwInsightRows *gw_insights_query_contacts(GwStoreBackend *backend, const GwInsightFilter *filter,
                                          GError **error);

typedef enum {
  GW_EXPORT_CONTACTS,
  GW_EXPORT_EVENTS,
  GW_EXPORT_RATINGS,
} GwExportTable;

typedef enum {
  GW_EXPORT_CSV,
  GW_EXPORT_JSONL,
} GwExportFormat;

/**
 * gw_export_query:
 * One table in the period (by offered time for contacts, event/rating time
 * otherwise) as CSV (RFC 4180, header row) or JSON Lines.
 * Returns: (transfer full) (nullable)
 */
GBytes *gw_export_query(GwStoreBackend *backend, GwExportTable table, GwExportFormat format,
                        const GwInsightFilter *filter, GError **error);

/**
 * gw_export_query_one:
 * One contact's row (@table GW_EXPORT_CONTACTS) or rating (GW_EXPORT_RATINGS)
 * as one JSON Lines line, the same columns as the export; empty when there
 * is none.
 * Returns: (transfer full) (nullable)
 */
GBytes *gw_export_query_one(GwStoreBackend *backend, GwExportTable table, const char *contact_id,
                            GError **error);

G_END_DECLS
