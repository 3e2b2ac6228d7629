/* SPDX-License-Identifier: Apache-2.0 */
/* The embedded metrics store: one SQLite file in WAL mode, used by the store's writer thread only. */
#include <sqlite3.h>
#include <string.h>

#include "gateway/store-backend.h"

/* clang-format off */
G_DEFINE_QUARK(gw-store-error-quark, gw_store_error)
/* clang-format on */

/* A reader such as `sqlite3 metrics.db .backup` may hold a lock for a moment. */
#define SQLITE_BUSY_TIMEOUT_MS 5000

typedef struct {
  GwStoreBackend parent;
  sqlite3 *db;
  GHashTable *statements; /* SQL text (owned) → sqlite3_stmt (owned): each is prepared once */
} SqliteBackend;

static void
statement_free(gpointer stmt)
{
  sqlite3_finalize(stmt);
}

static gboolean
sqlite_fail(SqliteBackend *self, GError **error, const char *what)
{
  g_set_error(error, GW_STORE_ERROR, GW_STORE_ERROR_SQL, "sqlite: %s: %s", what,
              sqlite3_errmsg(self->db));
  return FALSE;
}

/* $1 → ?1: the one SQL text works for both backends (no '$' appears in our literals). */
static char *
sqlite_placeholders(const char *sql)
{
  char *copy = g_strdup(sql);

  for (char *p = copy; *p != '\0'; p++) {
    if (*p == '$' && g_ascii_isdigit(p[1]))
      *p = '?';
  }
  return copy;
}

static sqlite3_stmt *
sqlite_prepare(SqliteBackend *self, const char *sql, const GwStoreValue *params, guint n_params,
               GError **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup(self->statements, sql);

  if (stmt == NULL) {
    g_autofree char *text = sqlite_placeholders(sql);

    if (sqlite3_prepare_v2(self->db, text, -1, &stmt, NULL) != SQLITE_OK) {
      sqlite_fail(self, error, "prepare");
      return NULL;
    }
    g_hash_table_insert(self->statements, g_strdup(sql), stmt);
  }
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  for (guint i = 0; i < n_params; i++) {
    int rc = SQLITE_OK;

    switch (params[i].type) {
    case GW_STORE_NULL:
      rc = sqlite3_bind_null(stmt, (int)i + 1);
      break;
    case GW_STORE_INT:
      rc = sqlite3_bind_int64(stmt, (int)i + 1, params[i].i);
      break;
    case GW_STORE_REAL:
      rc = sqlite3_bind_double(stmt, (int)i + 1, params[i].r);
      break;
    case GW_STORE_TEXT:
      rc = sqlite3_bind_text(stmt, (int)i + 1, params[i].s, -1, SQLITE_TRANSIENT);
      break;
    }
    if (rc != SQLITE_OK) {
      sqlite_fail(self, error, "bind");
      return NULL;
    }
  }
  return stmt;
}

static gboolean
sqlite_exec(GwStoreBackend *backend, const char *sql, const GwStoreValue *params, guint n_params,
            gint64 *changes, GError **error)
{
  SqliteBackend *self = (SqliteBackend *)backend;
  sqlite3_stmt *stmt = sqlite_prepare(self, sql, params, n_params, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
    ;
  sqlite3_reset(stmt);
  if (rc != SQLITE_DONE)
    return sqlite_fail(self, error, "step");
  if (changes != NULL)
    *changes = sqlite3_changes64(self->db);
  return TRUE;
}

static gboolean
sqlite_query(GwStoreBackend *backend, const char *sql, const GwStoreValue *params, guint n_params,
             GwStoreRowFunc row, gpointer data, GError **error)
{
  SqliteBackend *self = (SqliteBackend *)backend;
  sqlite3_stmt *stmt = sqlite_prepare(self, sql, params, n_params, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    int n = sqlite3_column_count(stmt);
    g_autofree GwStoreValue *columns = g_new0(GwStoreValue, MAX(n, 1));

    for (int c = 0; c < n; c++) {
      switch (sqlite3_column_type(stmt, c)) {
      case SQLITE_INTEGER:
        columns[c] = GW_STORE_VALUE_INT(sqlite3_column_int64(stmt, c));
        break;
      case SQLITE_FLOAT:
        columns[c] = GW_STORE_VALUE_REAL(sqlite3_column_double(stmt, c));
        break;
      case SQLITE_NULL:
        columns[c] = GW_STORE_VALUE_NULL;
        break;
      default:
        columns[c] = GW_STORE_VALUE_TEXT((const char *)sqlite3_column_text(stmt, c));
        break;
      }
    }
    if (!row(columns, (guint)n, data)) {
      rc = SQLITE_DONE;
      break;
    }
  }
  sqlite3_reset(stmt);
  if (rc != SQLITE_DONE)
    return sqlite_fail(self, error, "step");
  return TRUE;
}

static gboolean
sqlite_simple(SqliteBackend *self, const char *sql, GError **error)
{
  if (sqlite3_exec(self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return sqlite_fail(self, error, sql);
  return TRUE;
}

static gboolean
sqlite_begin(GwStoreBackend *backend, GError **error)
{
  /* IMMEDIATE: take the write lock now, not halfway through the batch. */
  return sqlite_simple((SqliteBackend *)backend, "BEGIN IMMEDIATE", error);
}

static gboolean
sqlite_commit(GwStoreBackend *backend, GError **error)
{
  return sqlite_simple((SqliteBackend *)backend, "COMMIT", error);
}

static void
sqlite_rollback(GwStoreBackend *backend)
{
  SqliteBackend *self = (SqliteBackend *)backend;

  if (!sqlite3_get_autocommit(self->db))
    sqlite3_exec(self->db, "ROLLBACK", NULL, NULL, NULL);
}

static void
sqlite_close(GwStoreBackend *backend)
{
  SqliteBackend *self = (SqliteBackend *)backend;

  g_hash_table_destroy(self->statements);
  sqlite3_close(self->db);
  g_free(self);
}

static const GwStoreBackendClass sqlite_class = {
    .name = "sqlite",
    .begin = sqlite_begin,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .exec = sqlite_exec,
    .query = sqlite_query,
    .migration_lock_sql = NULL,
    .reconnect = NULL,
    .close = sqlite_close,
};

GwStoreBackend *
gw_store_sqlite_open(const char *path, GError **error)
{
  SqliteBackend *self = g_new0(SqliteBackend, 1);
  g_autoptr(GwStoreBackend) backend = &self->parent;

  self->parent.klass = &sqlite_class;
  self->statements = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, statement_free);
  if (sqlite3_open_v2(path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
      SQLITE_OK) {
    g_set_error(error, GW_STORE_ERROR, GW_STORE_ERROR_OPEN, "sqlite: cannot open %s: %s", path,
                self->db != NULL ? sqlite3_errmsg(self->db) : "out of memory");
    return NULL;
  }
  sqlite3_busy_timeout(self->db, SQLITE_BUSY_TIMEOUT_MS);
  /*
   * WAL lets the insights queries read while the writer appends. synchronous
   * = FULL fsyncs the WAL at every commit: an event is acknowledged only after
   * its commit, and NORMAL would survive a process crash but could lose the
   * last commits on power loss. The writer commits events in batches, so the
   * cost is one fsync per batch, not per event.
   */
  if (!sqlite_simple(self, "PRAGMA journal_mode = WAL", error) ||
      !sqlite_simple(self, "PRAGMA synchronous = FULL", error) ||
      !sqlite_simple(self, "PRAGMA foreign_keys = ON", error)) {
    g_prefix_error(error, "%s: ", path);
    return NULL;
  }
  return g_steal_pointer(&backend);
}

void
gw_store_backend_close(GwStoreBackend *backend)
{
  if (backend != NULL)
    backend->klass->close(backend);
}
