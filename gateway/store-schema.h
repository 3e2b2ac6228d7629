/* SPDX-License-Identifier: Apache-2.0 */
/* The metrics store's tables (docs/metrics.md) and the migrations that create and update them. */
#pragma once

#include <glib.h>

#include "gateway/store-backend.h"

G_BEGIN_DECLS

/** The schema version this build writes; docs/metrics.md describes it. */
#define GW_STORE_SCHEMA_VERSION 2

/**
 * gw_store_schema_migrate:
 * Creates the tables in an empty database or applies every migration newer
 * than the recorded schema_version, each in its own transaction. Refuses a
 * database newer than this build (an older node must not write into it).
 * @version_out: (nullable): the version now in place
 */
gboolean gw_store_schema_migrate(GwStoreBackend *backend, gint64 *version_out, GError **error);

G_END_DECLS
