/* SPDX-License-Identifier: Apache-2.0 */
/* Advisor accounts in a small SQLite file (DATA_DIR/users.db): name, role, password hash. */
#include "signaling/user-store.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <unistd.h>

#include "signaling/password.h"

/* clang-format off */
G_DEFINE_QUARK(gw-user-store-error-quark, gw_user_store_error)
/* clang-format on */

/* The admin command and the gateway may touch the file at once; wait a little, not forever. */
#define BUSY_TIMEOUT_MS 2000

static const char *const role_names[] = {
    [GW_USER_ROLE_ADVISOR] = "advisor",
    [GW_USER_ROLE_SUPERVISOR] = "supervisor",
    [GW_USER_ROLE_ADMIN] = "admin",
};

static const char schema[] = "CREATE TABLE IF NOT EXISTS users ("
                             " id TEXT PRIMARY KEY,"
                             " name TEXT NOT NULL UNIQUE,"
                             " role TEXT NOT NULL,"
                             " password_hash TEXT NOT NULL,"
                             " disabled INTEGER NOT NULL DEFAULT 0,"
                             " created_at INTEGER NOT NULL)";

struct _GwUserStore {
  sqlite3 *db;
};

void
gw_user_free(GwUser *user)
{
  if (user == NULL)
    return;
  g_free(user->id);
  g_free(user->name);
  g_free(user->password_hash);
  g_free(user);
}

gboolean
gw_user_role_from_string(const char *text, GwUserRole *role)
{
  for (guint i = 0; i < G_N_ELEMENTS(role_names); i++) {
    if (g_strcmp0(text, role_names[i]) == 0) {
      *role = (GwUserRole)i;
      return TRUE;
    }
  }
  return FALSE;
}

const char *
gw_user_role_to_string(GwUserRole role)
{
  return (guint)role < G_N_ELEMENTS(role_names) ? role_names[role] : "advisor";
}

gboolean
gw_user_name_is_valid(const char *name)
{
  gsize n = 0;

  for (; name[n] != '\0'; n++) {
    char c = name[n];
    if (n >= GW_USER_MAX_NAME ||
        !(g_ascii_islower(c) || g_ascii_isdigit(c) || c == '.' || c == '_' || c == '-'))
      return FALSE;
  }
  return n > 0;
}

static gboolean
db_failed(GwUserStore *store, GError **error, const char *what)
{
  g_set_error(error, GW_USER_STORE_ERROR, GW_USER_STORE_ERROR_IO, "users database: %s: %s", what,
              sqlite3_errmsg(store->db));
  return FALSE;
}

GwUserStore *
gw_user_store_open(const char *path, GError **error)
{
  g_autoptr(GwUserStore) store = g_new0(GwUserStore, 1);
  g_autofree char *dir = g_path_get_dirname(path);

  g_mkdir_with_parents(dir, 0700);
  /* Create it private before SQLite does (with the umask's mode). */
  int fd = g_open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  if (fd >= 0)
    close(fd);
  if (sqlite3_open_v2(path, &store->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
          SQLITE_OK ||
      sqlite3_busy_timeout(store->db, BUSY_TIMEOUT_MS) != SQLITE_OK ||
      sqlite3_exec(store->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
    db_failed(store, error, path);
    return NULL;
  }
  return g_steal_pointer(&store);
}

void
gw_user_store_close(GwUserStore *store)
{
  if (store == NULL)
    return;
  sqlite3_close(store->db);
  g_free(store);
}

GwUser *
gw_user_store_add(GwUserStore *store, const char *name, GwUserRole role, const char *password,
                  GError **error)
{
  g_autoptr(GwUser) user = g_new0(GwUser, 1);
  g_autoptr(GError) hash_error = NULL;
  sqlite3_stmt *stmt = NULL;

  if (!gw_user_name_is_valid(name)) {
    g_set_error(error, GW_USER_STORE_ERROR, GW_USER_STORE_ERROR_INVALID,
                "an account name is 1 to %d of a-z 0-9 . _ -", GW_USER_MAX_NAME);
    return NULL;
  }
  user->password_hash = gw_password_hash(password, &hash_error);
  if (user->password_hash == NULL) {
    g_set_error_literal(error, GW_USER_STORE_ERROR, GW_USER_STORE_ERROR_INVALID,
                        hash_error->message);
    return NULL;
  }
  user->id = g_strdup_printf("u%08x%08x", g_random_int(), g_random_int());
  user->name = g_strdup(name);
  user->role = role;
  sqlite3_prepare_v2(store->db,
                     "INSERT INTO users (id, name, role, password_hash, created_at) "
                     "VALUES (?, ?, ?, ?, ?)",
                     -1, &stmt, NULL);
  sqlite3_bind_text(stmt, 1, user->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 2, name, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 3, gw_user_role_to_string(role), -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 4, user->password_hash, -1, SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 5, g_get_real_time() / G_USEC_PER_SEC);
  int rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (rc == SQLITE_CONSTRAINT) {
    g_set_error(error, GW_USER_STORE_ERROR, GW_USER_STORE_ERROR_EXISTS,
                "an account named %s already exists", name);
    return NULL;
  }
  if (rc != SQLITE_DONE) {
    db_failed(store, error, "adding an account");
    return NULL;
  }
  return g_steal_pointer(&user);
}

gboolean
gw_user_store_set_disabled(GwUserStore *store, const char *name, gboolean disabled, GError **error)
{
  sqlite3_stmt *stmt = NULL;

  sqlite3_prepare_v2(store->db, "UPDATE users SET disabled = ? WHERE name = ?", -1, &stmt, NULL);
  sqlite3_bind_int(stmt, 1, disabled ? 1 : 0);
  sqlite3_bind_text(stmt, 2, name, -1, SQLITE_STATIC);
  int rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE)
    return db_failed(store, error, "updating an account");
  if (sqlite3_changes(store->db) == 0) {
    g_set_error(error, GW_USER_STORE_ERROR, GW_USER_STORE_ERROR_NOT_FOUND, "no account named %s",
                name);
    return FALSE;
  }
  return TRUE;
}

GwUser *
gw_user_store_find(GwUserStore *store, const char *name, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  GwUser *user = NULL;

  if (sqlite3_prepare_v2(store->db,
                         "SELECT id, name, role, password_hash, disabled FROM users WHERE name = ?",
                         -1, &stmt, NULL) != SQLITE_OK) {
    db_failed(store, error, "reading an account");
    return NULL;
  }
  sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    user = g_new0(GwUser, 1);
    user->id = g_strdup((const char *)sqlite3_column_text(stmt, 0));
    user->name = g_strdup((const char *)sqlite3_column_text(stmt, 1));
    if (!gw_user_role_from_string((const char *)sqlite3_column_text(stmt, 2), &user->role))
      user->role = GW_USER_ROLE_ADVISOR;
    user->password_hash = g_strdup((const char *)sqlite3_column_text(stmt, 3));
    user->disabled = sqlite3_column_int(stmt, 4) != 0;
  } else if (rc != SQLITE_DONE) {
    db_failed(store, error, "reading an account");
  }
  sqlite3_finalize(stmt);
  return user;
}
