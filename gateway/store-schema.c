/* SPDX-License-Identifier: Apache-2.0 */
/* The metrics store's tables (docs/metrics.md) and the migrations that create and update them. */
#include "gateway/store-schema.h"

/*
 * One SQL text for SQLite and PostgreSQL: BIGINT, TEXT and DOUBLE PRECISION
 * mean the same in both, times are microseconds since the Unix epoch (UTC),
 * and every id is made by the writer (no SERIAL), so replaying an event is
 * recognised and writes nothing twice. A migration is appended, never edited.
 */
static const char *const migration_1[] = {
    "CREATE TABLE contact ("
    " id TEXT PRIMARY KEY,"
    " channel TEXT NOT NULL,"
    " journey TEXT, queue TEXT, node TEXT, advisor_ref TEXT, customer_ref TEXT,"
    " offered_us BIGINT, answered_us BIGINT, ended_us BIGINT,"
    " outcome TEXT CHECK (outcome IN ('answered', 'abandoned', 'failed', 'no-show')),"
    " end_reason TEXT, ended_by TEXT,"
    " wait_ms BIGINT, handle_ms BIGINT,"
    " screen_share_ms BIGINT NOT NULL DEFAULT 0,"
    " quality_samples BIGINT NOT NULL DEFAULT 0,"
    " rtt_ms_sum DOUBLE PRECISION NOT NULL DEFAULT 0,"
    " loss_pct_sum DOUBLE PRECISION NOT NULL DEFAULT 0,"
    " kbps_sum DOUBLE PRECISION NOT NULL DEFAULT 0,"
    " freezes_max BIGINT NOT NULL DEFAULT 0,"
    " height_min BIGINT,"
    " updated_us BIGINT NOT NULL)",
    "CREATE INDEX contact_offered ON contact (offered_us)",
    "CREATE INDEX contact_customer ON contact (customer_ref)",
    "CREATE TABLE contact_event ("
    " id TEXT PRIMARY KEY,"
    " contact_id TEXT NOT NULL,"
    " channel TEXT NOT NULL,"
    " time_us BIGINT NOT NULL,"
    " type TEXT NOT NULL,"
    " attrs TEXT)",
    "CREATE INDEX contact_event_contact ON contact_event (contact_id, time_us)",
    "CREATE INDEX contact_event_time ON contact_event (time_us)",
    "CREATE TABLE rating ("
    " contact_id TEXT PRIMARY KEY,"
    " channel TEXT NOT NULL,"
    " time_us BIGINT NOT NULL,"
    " skipped BIGINT NOT NULL DEFAULT 0,"
    " nps BIGINT CHECK (nps BETWEEN 0 AND 10),"
    " csat BIGINT CHECK (csat BETWEEN 1 AND 5),"
    " ces BIGINT CHECK (ces BETWEEN 1 AND 7),"
    " comment TEXT)",
    "CREATE INDEX rating_time ON rating (time_us)",
    NULL,
};

/*
 * Shared between nodes (docs/operations.md, "Scaling out"): customers waiting
 * in walk-in queues and advisors' login sessions. Only PostgreSQL deployments
 * use them (gateway/cluster.c); a SQLite node keeps both in memory. Times are
 * PostgreSQL's clock, so the nodes' clocks need not agree. A session row holds
 * a SHA-256 of the cookie, never the cookie.
 */
static const char *const migration_2[] = {
    "CREATE TABLE queue_entry ("
    " room TEXT PRIMARY KEY,"
    " queue TEXT NOT NULL,"
    " node TEXT NOT NULL,"
    " enqueued_us BIGINT NOT NULL,"
    " accepted_us BIGINT,"
    " accepted_by TEXT)",
    "CREATE INDEX queue_entry_waiting ON queue_entry (queue, enqueued_us)",
    "CREATE TABLE advisor_session ("
    " id_hash TEXT PRIMARY KEY,"
    " csrf TEXT NOT NULL,"
    " account_id TEXT NOT NULL,"
    " account_name TEXT NOT NULL,"
    " role TEXT NOT NULL,"
    " availability TEXT NOT NULL,"
    " expires_us BIGINT NOT NULL,"
    " ended BIGINT NOT NULL DEFAULT 0,"
    " updated_us BIGINT NOT NULL)",
    "CREATE INDEX advisor_session_updated ON advisor_session (updated_us)",
    NULL,
};

static const char *const *const migrations[] = {migration_1, migration_2};

G_STATIC_ASSERT(G_N_ELEMENTS(migrations) == GW_STORE_SCHEMA_VERSION);

static gboolean
read_version(const GwStoreValue *columns, guint n_columns, gpointer data)
{
  gint64 *version = data;

  if (n_columns == 1 && columns[0].type == GW_STORE_INT)
    *version = columns[0].i;
  return FALSE;
}

static gboolean
current_version(GwStoreBackend *backend, gint64 *version, GError **error)
{
  *version = 0;
  return backend->klass->query(backend, "SELECT MAX(version) FROM schema_version", NULL, 0,
                               read_version, version, error);
}

/* Applies migration @to (1-based) in the transaction the caller opened. */
static gboolean
apply_migration(GwStoreBackend *backend, gint64 to, GError **error)
{
  const char *const *statements = migrations[to - 1];
  GwStoreValue params[] = {GW_STORE_VALUE_INT(to), GW_STORE_VALUE_INT(g_get_real_time())};

  for (guint i = 0; statements[i] != NULL; i++) {
    if (!backend->klass->exec(backend, statements[i], NULL, 0, NULL, error))
      return FALSE;
  }
  return backend->klass->exec(backend,
                              "INSERT INTO schema_version (version, applied_us) VALUES ($1, $2)",
                              params, G_N_ELEMENTS(params), NULL, error);
}

/* One migration step under the lock: another node may have done it meanwhile. */
static gboolean
migrate_step(GwStoreBackend *backend, gint64 *version, GError **error)
{
  if (!backend->klass->begin(backend, error))
    return FALSE;
  if ((backend->klass->migration_lock_sql != NULL &&
       !backend->klass->exec(backend, backend->klass->migration_lock_sql, NULL, 0, NULL, error)) ||
      !current_version(backend, version, error)) {
    backend->klass->rollback(backend);
    return FALSE;
  }
  if (*version >= GW_STORE_SCHEMA_VERSION) {
    backend->klass->rollback(backend);
    return TRUE;
  }
  if (!apply_migration(backend, *version + 1, error) ||
      !backend->klass->commit(backend, error)) {
    backend->klass->rollback(backend);
    return FALSE;
  }
  *version += 1;
  g_info("metrics store (%s): schema migrated to version %" G_GINT64_FORMAT,
         backend->klass->name, *version);
  return TRUE;
}

/*
 * The version table, under the migration lock too: PostgreSQL's CREATE TABLE IF NOT
 * EXISTS is not safe against a second node doing the same at the same moment (one of
 * them fails on pg_type's unique index), which two nodes starting together hit.
 */
static gboolean
create_version_table(GwStoreBackend *backend, GError **error)
{
  if (!backend->klass->begin(backend, error))
    return FALSE;
  if ((backend->klass->migration_lock_sql != NULL &&
       !backend->klass->exec(backend, backend->klass->migration_lock_sql, NULL, 0, NULL, error)) ||
      !backend->klass->exec(backend,
                            "CREATE TABLE IF NOT EXISTS schema_version ("
                            " version BIGINT PRIMARY KEY, applied_us BIGINT NOT NULL)",
                            NULL, 0, NULL, error) ||
      !backend->klass->commit(backend, error)) {
    backend->klass->rollback(backend);
    return FALSE;
  }
  return TRUE;
}

gboolean
gw_store_schema_migrate(GwStoreBackend *backend, gint64 *version_out, GError **error)
{
  gint64 version = 0;

  if (!create_version_table(backend, error))
    goto failed;
  do {
    if (!migrate_step(backend, &version, error))
      goto failed;
  } while (version < GW_STORE_SCHEMA_VERSION);
  if (version > GW_STORE_SCHEMA_VERSION) {
    g_set_error(error, GW_STORE_ERROR, GW_STORE_ERROR_OPEN,
                "schema version %" G_GINT64_FORMAT " is newer than this Balie (%d): upgrade Balie",
                version, GW_STORE_SCHEMA_VERSION);
    return FALSE;
  }
  if (version_out != NULL)
    *version_out = version;
  return TRUE;

failed:
  g_prefix_error(error, "cannot migrate the metrics store: ");
  return FALSE;
}
