/* SPDX-License-Identifier: Apache-2.0 */
/* The few SQL operations the metrics store needs, implemented once per database (SQLite, PostgreSQL). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define GW_STORE_ERROR (gw_store_error_quark())
GQuark gw_store_error_quark(void);

typedef enum {
  GW_STORE_ERROR_OPEN,        /* the database cannot be opened or migrated */
  GW_STORE_ERROR_SQL,         /* a statement failed: a bug or a broken database */
  GW_STORE_ERROR_UNAVAILABLE, /* the server is away (PostgreSQL): queue and retry */
  GW_STORE_ERROR_DUPLICATE,   /* a second rating for the same contact */
  GW_STORE_ERROR_INVALID,     /* the event itself is not acceptable */
  GW_STORE_ERROR_CLOSED,      /* the store is shutting down */
} GwStoreError;

typedef enum {
  GW_STORE_NULL,
  GW_STORE_INT,
  GW_STORE_REAL,
  GW_STORE_TEXT,
} GwStoreValueType;

/* A statement parameter or a result column; text is borrowed. */
typedef struct {
  GwStoreValueType type;
  gint64 i;
  double r;
  const char *s;
} GwStoreValue;

#define GW_STORE_VALUE_NULL ((GwStoreValue){GW_STORE_NULL, 0, 0, NULL})
#define GW_STORE_VALUE_INT(v) ((GwStoreValue){GW_STORE_INT, (v), 0, NULL})
#define GW_STORE_VALUE_REAL(v) ((GwStoreValue){GW_STORE_REAL, 0, (v), NULL})
/* NULL text becomes SQL NULL. */
#define GW_STORE_VALUE_TEXT(v) ((GwStoreValue){(v) != NULL ? GW_STORE_TEXT : GW_STORE_NULL, 0, 0, (v)})

/* Called once per result row; the values live until it returns. Return FALSE to stop. */
typedef gboolean (*GwStoreRowFunc)(const GwStoreValue *columns, guint n_columns, gpointer data);

typedef struct _GwStoreBackend GwStoreBackend;

/*
 * SQL is written once, with PostgreSQL's $1..$n placeholders (numbered in
 * order of first use); the SQLite backend maps them to ?1..?n. A backend is
 * used by one thread at a time (the store's writer thread).
 */
typedef struct {
  const char *name; /* "sqlite", "postgresql" */
  gboolean (*begin)(GwStoreBackend *backend, GError **error);
  gboolean (*commit)(GwStoreBackend *backend, GError **error);
  void (*rollback)(GwStoreBackend *backend);
  /* @changes: (nullable) rows inserted, updated or deleted */
  gboolean (*exec)(GwStoreBackend *backend, const char *sql, const GwStoreValue *params,
                   guint n_params, gint64 *changes, GError **error);
  gboolean (*query)(GwStoreBackend *backend, const char *sql, const GwStoreValue *params,
                    guint n_params, GwStoreRowFunc row, gpointer data, GError **error);
  /* Serialises concurrent migrations from several nodes; NULL when one process owns the file. */
  const char *migration_lock_sql;
  /* Tries to get a lost connection back; NULL for backends that never lose one. */
  gboolean (*reconnect)(GwStoreBackend *backend, GError **error);
  void (*close)(GwStoreBackend *backend);
} GwStoreBackendClass;

struct _GwStoreBackend {
  const GwStoreBackendClass *klass;
};

/**
 * gw_store_sqlite_open:
 * @path: the database file, created if missing
 * Returns: (transfer full) (nullable): an open backend in WAL mode
 */
GwStoreBackend *gw_store_sqlite_open(const char *path, GError **error);

/**
 * gw_store_postgres_open:
 * @conninfo: a libpq connection string (holds a password: never logged)
 * Connects at once; a server that cannot be reached is not an error here
 * (statements then fail with GW_STORE_ERROR_UNAVAILABLE until reconnect()).
 * Returns: (transfer full)
 */
GwStoreBackend *gw_store_postgres_open(const char *conninfo, GError **error);

/** gw_store_backend_close: closes and frees @backend (nullable). */
void gw_store_backend_close(GwStoreBackend *backend);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GwStoreBackend, gw_store_backend_close)

G_END_DECLS
