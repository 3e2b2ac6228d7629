/* SPDX-License-Identifier: Apache-2.0 */
/* The audit log of advisor and admin actions (NEN 7513): append-only, hash-chained, in its own
 * SQLite file, each entry also a log line. */
#include "signaling/audit-log.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "signaling/signaling-log.h"

/* clang-format off */
G_DEFINE_QUARK(gw-audit-log-error-quark, gw_audit_log_error)
/* clang-format on */

#define BUSY_TIMEOUT_MS 2000
/* The first entry's predecessor. */
#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

static const char *const schema[] = {
    "CREATE TABLE IF NOT EXISTS audit ("
    " seq INTEGER PRIMARY KEY,"
    " time_us INTEGER NOT NULL,"
    " actor TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " object TEXT,"
    " detail TEXT,"
    " prev_hash TEXT NOT NULL,"
    " hash TEXT NOT NULL)",
    "CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    NULL,
};

struct _GwAuditLog {
  sqlite3 *db;
  char *path;
  gint64 last_seq;
  char last_hash[65];
};

static gboolean
sql_failed(GwAuditLog *log, GError **error, const char *what)
{
  g_set_error(error, GW_AUDIT_LOG_ERROR, GW_AUDIT_LOG_ERROR_SQL, "audit log %s: %s: %s", log->path,
              what, sqlite3_errmsg(log->db));
  return FALSE;
}

/* The hash of one entry: its fields, each on its own line, after the predecessor's hash. */
static void
entry_hash(const char *prev_hash, gint64 seq, gint64 time_us, const char *actor,
           const char *action, const char *object, const char *detail, char out[65])
{
  g_autofree char *text =
      g_strdup_printf("%s\n%" G_GINT64_FORMAT "\n%" G_GINT64_FORMAT "\n%s\n%s\n%s\n%s", prev_hash,
                      seq, time_us, actor, action, object != NULL ? object : "",
                      detail != NULL ? detail : "");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;

  EVP_Digest(text, strlen(text), digest, &length, EVP_sha256(), NULL);
  for (unsigned int i = 0; i < length && i < 32; i++)
    g_snprintf(out + 2 * i, 3, "%02x", digest[i]);
  out[64] = '\0';
}

static const char *
column_text(sqlite3_stmt *stmt, int column)
{
  return (const char *)sqlite3_column_text(stmt, column);
}

static gboolean
read_tail(GwAuditLog *log, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_strlcpy(log->last_hash, GENESIS, sizeof log->last_hash);
  if (sqlite3_prepare_v2(log->db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", -1,
                         &stmt, NULL) != SQLITE_OK)
    return sql_failed(log, error, "read");
  rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    log->last_seq = sqlite3_column_int64(stmt, 0);
    g_strlcpy(log->last_hash, column_text(stmt, 1) ? column_text(stmt, 1) : "",
              sizeof log->last_hash);
  }
  sqlite3_finalize(stmt);
  return rc == SQLITE_ROW || rc == SQLITE_DONE || sql_failed(log, error, "read");
}

GwAuditLog *
gw_audit_log_open(const char *path, GError **error)
{
  GwAuditLog *log = g_new0(GwAuditLog, 1);
  int fd;

  log->path = g_strdup(path);
  /* Created 0600 before SQLite opens it: it names who did what. */
  fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    g_set_error(error, GW_AUDIT_LOG_ERROR, GW_AUDIT_LOG_ERROR_OPEN, "audit log %s: %s", path,
                g_strerror(errno));
    gw_audit_log_close(log);
    return NULL;
  }
  close(fd);
  if (sqlite3_open_v2(path, &log->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
    g_set_error(error, GW_AUDIT_LOG_ERROR, GW_AUDIT_LOG_ERROR_OPEN, "audit log %s: %s", path,
                log->db != NULL ? sqlite3_errmsg(log->db) : "cannot open");
    gw_audit_log_close(log);
    return NULL;
  }
  sqlite3_busy_timeout(log->db, BUSY_TIMEOUT_MS);
  sqlite3_exec(log->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
  for (guint i = 0; schema[i] != NULL; i++) {
    if (sqlite3_exec(log->db, schema[i], NULL, NULL, NULL) != SQLITE_OK) {
      g_set_error(error, GW_AUDIT_LOG_ERROR, GW_AUDIT_LOG_ERROR_OPEN, "audit log %s: %s", path,
                  sqlite3_errmsg(log->db));
      gw_audit_log_close(log);
      return NULL;
    }
  }
  if (!read_tail(log, error)) {
    gw_audit_log_close(log);
    return NULL;
  }
  return log;
}

void
gw_audit_log_close(GwAuditLog *log)
{
  if (log == NULL)
    return;
  if (log->db != NULL)
    sqlite3_close(log->db);
  g_free(log->path);
  g_free(log);
}

/* Cut to the field limit on a character boundary; control characters become spaces. */
static char *
clean_field(const char *text)
{
  if (text == NULL)
    return NULL;
  g_autofree char *valid = g_utf8_make_valid(text, -1);
  GString *out = g_string_new(NULL);

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char(p);
    if (out->len + 6 > GW_AUDIT_LOG_MAX_FIELD) {
      g_string_append(out, "…");
      break;
    }
    g_string_append_unichar(out, g_unichar_iscntrl(c) ? ' ' : c);
  }
  return g_string_free(out, FALSE);
}

void
gw_audit_log_record(GwAuditLog *log, const char *actor, const char *action, const char *object,
                    const char *detail_json)
{
  g_autofree char *who = clean_field(actor != NULL ? actor : "unknown");
  g_autofree char *what = clean_field(action);
  g_autofree char *on = clean_field(object);
  gint64 seq = log->last_seq + 1, time_us = g_get_real_time();
  char hash[65];
  sqlite3_stmt *stmt = NULL;

  gw_signaling_log(G_LOG_LEVEL_MESSAGE, NULL, NULL, "audit %" G_GINT64_FORMAT ": %s %s %s%s%s",
                   seq, who, what, on != NULL ? on : "-", detail_json != NULL ? " " : "",
                   detail_json != NULL ? detail_json : "");
  entry_hash(log->last_hash, seq, time_us, who, what, on, detail_json, hash);
  if (sqlite3_prepare_v2(log->db,
                         "INSERT INTO audit (seq, time_us, actor, action, object, detail, "
                         "prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                         -1, &stmt, NULL) != SQLITE_OK) {
    gw_signaling_log(G_LOG_LEVEL_WARNING, NULL, NULL, "audit log %s: %s", log->path,
                     sqlite3_errmsg(log->db));
    return;
  }
  sqlite3_bind_int64(stmt, 1, seq);
  sqlite3_bind_int64(stmt, 2, time_us);
  sqlite3_bind_text(stmt, 3, who, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 4, what, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 5, on, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 6, detail_json, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 7, log->last_hash, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 8, hash, -1, SQLITE_STATIC);
  if (sqlite3_step(stmt) != SQLITE_DONE) {
    gw_signaling_log(G_LOG_LEVEL_WARNING, NULL, NULL, "audit log %s: entry %" G_GINT64_FORMAT
                     " not written: %s", log->path, seq, sqlite3_errmsg(log->db));
  } else {
    log->last_seq = seq;
    g_strlcpy(log->last_hash, hash, sizeof log->last_hash);
  }
  sqlite3_finalize(stmt);
}

gboolean
gw_audit_log_verify(GwAuditLog *log, guint64 *entries, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  char prev[65], hash[65];
  guint64 n = 0;
  gint64 expected_seq = 1;
  int rc;

  g_strlcpy(prev, GENESIS, sizeof prev);
  if (sqlite3_prepare_v2(log->db,
                         "SELECT seq, time_us, actor, action, object, detail, prev_hash, hash "
                         "FROM audit ORDER BY seq",
                         -1, &stmt, NULL) != SQLITE_OK)
    return sql_failed(log, error, "verify");
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    gint64 seq = sqlite3_column_int64(stmt, 0);
    entry_hash(prev, seq, sqlite3_column_int64(stmt, 1), column_text(stmt, 2),
               column_text(stmt, 3), column_text(stmt, 4), column_text(stmt, 5), hash);
    if (seq != expected_seq || g_strcmp0(column_text(stmt, 6), prev) != 0 ||
        g_strcmp0(column_text(stmt, 7), hash) != 0) {
      g_set_error(error, GW_AUDIT_LOG_ERROR, GW_AUDIT_LOG_ERROR_TAMPERED,
                  "audit log %s: entry %" G_GINT64_FORMAT " %s", log->path, expected_seq,
                  seq != expected_seq ? "is missing" : "does not match its hash");
      sqlite3_finalize(stmt);
      return FALSE;
    }
    g_strlcpy(prev, hash, sizeof prev);
    expected_seq++;
    n++;
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE)
    return sql_failed(log, error, "verify");
  if (entries != NULL)
    *entries = n;
  return TRUE;
}

static void
add_text(JsonBuilder *builder, const char *name, const char *value)
{
  json_builder_set_member_name(builder, name);
  if (value != NULL)
    json_builder_add_string_value(builder, value);
  else
    json_builder_add_null_value(builder);
}

gboolean
gw_audit_log_list(GwAuditLog *log, gint64 after, guint limit, JsonBuilder *builder,
                  GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2(log->db,
                         "SELECT seq, time_us, actor, action, object, detail, hash FROM audit "
                         "WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                         -1, &stmt, NULL) != SQLITE_OK)
    return sql_failed(log, error, "list");
  sqlite3_bind_int64(stmt, 1, after);
  sqlite3_bind_int64(stmt, 2, MIN(limit, GW_AUDIT_LOG_MAX_LIST));
  json_builder_begin_array(builder);
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    json_builder_begin_object(builder);
    json_builder_set_member_name(builder, "seq");
    json_builder_add_int_value(builder, sqlite3_column_int64(stmt, 0));
    json_builder_set_member_name(builder, "time_us");
    json_builder_add_int_value(builder, sqlite3_column_int64(stmt, 1));
    add_text(builder, "actor", column_text(stmt, 2));
    add_text(builder, "action", column_text(stmt, 3));
    add_text(builder, "object", column_text(stmt, 4));
    add_text(builder, "detail", column_text(stmt, 5));
    add_text(builder, "hash", column_text(stmt, 6));
    json_builder_end_object(builder);
  }
  json_builder_end_array(builder);
  sqlite3_finalize(stmt);
  return rc == SQLITE_DONE || sql_failed(log, error, "list");
}
