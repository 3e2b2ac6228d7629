/* SPDX-License-Identifier: Apache-2.0 */
/* The shared metrics store: PostgreSQL through libpq, on the store's writer thread only. */
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/store-backend.h"

/* A server that does not answer must not hold the writer (and so every acknowledgement) for long. */
#define PG_CONNECT_TIMEOUT "5"

/* Type OIDs from pg_type.h (server headers are not in libpq-dev). */
#define PG_BOOLOID 16
#define PG_INT8OID 20
#define PG_INT2OID 21
#define PG_INT4OID 23
#define PG_FLOAT4OID 700
#define PG_FLOAT8OID 701
#define PG_NUMERICOID 1700

typedef struct {
  GwStoreBackend parent;
  PGconn *conn;
} PostgresBackend;

static void
pg_notice(void *arg, const char *message)
{
  /* NOTICEs ("already exists, skipping") are for debugging, not for stderr. */
  g_debug("postgresql: %s", message);
}

/* Lost connections and a server shutting down are "away": the spool keeps the events. */
static gboolean
pg_fail(PostgresBackend *self, PGresult *result, GError **error)
{
  const char *state = result != NULL ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : NULL;
  gboolean away = PQstatus(self->conn) != CONNECTION_OK ||
                  (state != NULL && (g_str_has_prefix(state, "08") || g_str_has_prefix(state, "57P")));
  g_autofree char *message = g_strdup(PQerrorMessage(self->conn));

  g_strchomp(message);
  g_set_error(error, GW_STORE_ERROR, away ? GW_STORE_ERROR_UNAVAILABLE : GW_STORE_ERROR_SQL,
              "postgresql: %s", message[0] != '\0' ? message : "unknown error");
  return FALSE;
}

static PGresult *
pg_run(PostgresBackend *self, const char *sql, const GwStoreValue *params, guint n_params,
       GError **error)
{
  g_autofree const char **values = g_new0(const char *, MAX(n_params, 1));
  g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func(g_free);
  PGresult *result;
  ExecStatusType status;

  if (PQstatus(self->conn) != CONNECTION_OK) {
    pg_fail(self, NULL, error);
    return NULL;
  }
  for (guint i = 0; i < n_params; i++) {
    char *text = NULL;

    switch (params[i].type) {
    case GW_STORE_NULL:
      break;
    case GW_STORE_INT:
      text = g_strdup_printf("%" G_GINT64_FORMAT, params[i].i);
      break;
    case GW_STORE_REAL:
      text = g_malloc(G_ASCII_DTOSTR_BUF_SIZE);
      g_ascii_dtostr(text, G_ASCII_DTOSTR_BUF_SIZE, params[i].r);
      break;
    case GW_STORE_TEXT:
      values[i] = params[i].s;
      continue;
    }
    if (text != NULL)
      g_ptr_array_add(owned, text);
    values[i] = text;
  }
  result = PQexecParams(self->conn, sql, (int)n_params, NULL, values, NULL, NULL, 0);
  status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    pg_fail(self, result, error);
    PQclear(result);
    return NULL;
  }
  return result;
}

static gboolean
pg_exec(GwStoreBackend *backend, const char *sql, const GwStoreValue *params, guint n_params,
        gint64 *changes, GError **error)
{
  PGresult *result = pg_run((PostgresBackend *)backend, sql, params, n_params, error);

  if (result == NULL)
    return FALSE;
  if (changes != NULL)
    *changes = g_ascii_strtoll(PQcmdTuples(result), NULL, 10);
  PQclear(result);
  return TRUE;
}

static GwStoreValue
pg_value(PGresult *result, int row, int column)
{
  const char *text = PQgetvalue(result, row, column);

  if (PQgetisnull(result, row, column))
    return GW_STORE_VALUE_NULL;
  switch (PQftype(result, column)) {
  case PG_INT8OID:
  case PG_INT4OID:
  case PG_INT2OID:
    return GW_STORE_VALUE_INT(g_ascii_strtoll(text, NULL, 10));
  case PG_BOOLOID:
    return GW_STORE_VALUE_INT(text[0] == 't');
  case PG_FLOAT4OID:
  case PG_FLOAT8OID:
  case PG_NUMERICOID:
    return GW_STORE_VALUE_REAL(g_ascii_strtod(text, NULL));
  default:
    return GW_STORE_VALUE_TEXT(text);
  }
}

static gboolean
pg_query(GwStoreBackend *backend, const char *sql, const GwStoreValue *params, guint n_params,
         GwStoreRowFunc row, gpointer data, GError **error)
{
  PGresult *result = pg_run((PostgresBackend *)backend, sql, params, n_params, error);
  int n_rows, n_columns;

  if (result == NULL)
    return FALSE;
  n_rows = PQntuples(result);
  n_columns = PQnfields(result);
  for (int r = 0; r < n_rows; r++) {
    g_autofree GwStoreValue *columns = g_new0(GwStoreValue, MAX(n_columns, 1));

    for (int c = 0; c < n_columns; c++)
      columns[c] = pg_value(result, r, c);
    if (!row(columns, (guint)n_columns, data))
      break;
  }
  PQclear(result);
  return TRUE;
}

static gboolean
pg_simple(GwStoreBackend *backend, const char *sql, GError **error)
{
  return pg_exec(backend, sql, NULL, 0, NULL, error);
}

static gboolean
pg_begin(GwStoreBackend *backend, GError **error)
{
  return pg_simple(backend, "BEGIN", error);
}

static gboolean
pg_commit(GwStoreBackend *backend, GError **error)
{
  return pg_simple(backend, "COMMIT", error);
}

static void
pg_rollback(GwStoreBackend *backend)
{
  PostgresBackend *self = (PostgresBackend *)backend;

  if (PQstatus(self->conn) == CONNECTION_OK && PQtransactionStatus(self->conn) != PQTRANS_IDLE)
    PQclear(PQexec(self->conn, "ROLLBACK"));
}

static gboolean
pg_reconnect(GwStoreBackend *backend, GError **error)
{
  PostgresBackend *self = (PostgresBackend *)backend;

  if (PQstatus(self->conn) == CONNECTION_OK)
    return TRUE;
  PQreset(self->conn);
  if (PQstatus(self->conn) != CONNECTION_OK)
    return pg_fail(self, NULL, error);
  g_message("metrics store: connected to PostgreSQL again");
  return TRUE;
}

static void
pg_close(GwStoreBackend *backend)
{
  PostgresBackend *self = (PostgresBackend *)backend;

  PQfinish(self->conn);
  g_free(self);
}

static const GwStoreBackendClass postgres_class = {
    .name = "postgresql",
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .exec = pg_exec,
    .query = pg_query,
    /* Two nodes starting at once must not both create the tables. */
    .migration_lock_sql = "SELECT pg_advisory_xact_lock(4242001)",
    .reconnect = pg_reconnect,
    .close = pg_close,
};

GwStoreBackend *
gw_store_postgres_open(const char *conninfo, GError **error)
{
  PostgresBackend *self = g_new0(PostgresBackend, 1);
  /* expand_dbname: @conninfo's own keywords come after and win over the timeout default. */
  const char *const keywords[] = {"connect_timeout", "dbname", NULL};
  const char *const values[] = {PG_CONNECT_TIMEOUT, conninfo, NULL};

  self->parent.klass = &postgres_class;
  self->conn = PQconnectdbParams(keywords, values, 1);
  if (self->conn == NULL) {
    g_set_error(error, GW_STORE_ERROR, GW_STORE_ERROR_OPEN, "postgresql: out of memory");
    g_free(self);
    return NULL;
  }
  PQsetNoticeProcessor(self->conn, pg_notice, NULL);
  if (PQstatus(self->conn) != CONNECTION_OK)
    g_warning("metrics store: PostgreSQL not reachable yet: %s", PQerrorMessage(self->conn));
  return &self->parent;
}
