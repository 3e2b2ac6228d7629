/* SPDX-License-Identifier: Apache-2.0 */
/* What became of contacts whose join links are still out there: revoked, abandoned or finished. */
#include "signaling/contact-ledger.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

typedef struct {
  GwContactLedgerState state;
  gint64 since;
} Entry;

struct _GwContactLedger {
  GHashTable *entries; /* contact id → Entry (both owned) */
  GQueue order;        /* contact ids (borrowed from the table), oldest first */
  sqlite3 *db;         /* nullable: where marks are written through */
};

GwContactLedger *
gw_contact_ledger_new(void)
{
  GwContactLedger *ledger = g_new0(GwContactLedger, 1);

  ledger->entries = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_queue_init(&ledger->order);
  return ledger;
}

void
gw_contact_ledger_free(GwContactLedger *ledger)
{
  if (ledger == NULL)
    return;
  g_queue_clear(&ledger->order);
  g_hash_table_destroy(ledger->entries);
  if (ledger->db != NULL)
    sqlite3_close(ledger->db);
  g_free(ledger);
}

/* Drops entries past their time, and the oldest past the cap. */
static void
prune(GwContactLedger *ledger, gint64 now)
{
  while (!g_queue_is_empty(&ledger->order)) {
    const char *oldest = g_queue_peek_head(&ledger->order);
    Entry *entry = g_hash_table_lookup(ledger->entries, oldest);

    if (entry->since + GW_CONTACT_LEDGER_KEEP_SECONDS > now &&
        g_hash_table_size(ledger->entries) < GW_CONTACT_LEDGER_MAX_ENTRIES)
      break;
    g_queue_pop_head(&ledger->order);
    g_hash_table_remove(ledger->entries, oldest);
  }
}

/* Writes one entry through; a failure is logged and the memory copy still holds. */
static void
store_entry(GwContactLedger *ledger, const char *contact_id, const Entry *entry)
{
  sqlite3_stmt *stmt = NULL;

  if (ledger->db == NULL)
    return;
  if (sqlite3_prepare_v2(ledger->db,
                         "INSERT INTO ledger (contact_id, state, since) VALUES (?1, ?2, ?3) "
                         "ON CONFLICT (contact_id) DO UPDATE SET state = excluded.state",
                         -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_bind_text(stmt, 1, contact_id, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
      sqlite3_bind_int(stmt, 2, entry->state) != SQLITE_OK ||
      sqlite3_bind_int64(stmt, 3, entry->since) != SQLITE_OK || sqlite3_step(stmt) != SQLITE_DONE)
    g_warning("contact ledger: cannot record %s: %s", contact_id, sqlite3_errmsg(ledger->db));
  sqlite3_finalize(stmt);
}

static void
remember(GwContactLedger *ledger, const char *contact_id, GwContactLedgerState state, gint64 since)
{
  Entry *entry = g_new0(Entry, 1);
  entry->state = state;
  entry->since = since;
  char *key = g_strdup(contact_id);
  g_hash_table_insert(ledger->entries, key, entry);
  g_queue_push_tail(&ledger->order, key);
}

void
gw_contact_ledger_mark(GwContactLedger *ledger, const char *contact_id, GwContactLedgerState state,
                       gint64 now)
{
  Entry *entry;

  prune(ledger, now);
  entry = g_hash_table_lookup(ledger->entries, contact_id);
  if (entry != NULL) {
    if (entry->state == GW_CONTACT_LEDGER_ABANDONED && entry->state != state) {
      entry->state = state;
      store_entry(ledger, contact_id, entry);
    }
    return;
  }
  remember(ledger, contact_id, state, now);
  store_entry(ledger, contact_id, g_hash_table_lookup(ledger->entries, contact_id));
}

gboolean
gw_contact_ledger_persist(GwContactLedger *ledger, const char *path, gint64 now, GError **error)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int fd = g_open(path, O_RDWR | O_CREAT, 0600); /* private before SQLite writes to it */

  if (fd >= 0)
    g_close(fd, NULL);
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK ||
      sqlite3_busy_timeout(db, 5000) != SQLITE_OK ||
      sqlite3_exec(db,
                   "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                   "CREATE TABLE IF NOT EXISTS ledger (contact_id TEXT PRIMARY KEY,"
                   " state INTEGER NOT NULL, since INTEGER NOT NULL)",
                   NULL, NULL, NULL) != SQLITE_OK)
    goto fail;
  /* Only what is still worth knowing, newest last, within the cap. */
  if (sqlite3_prepare_v2(db, "DELETE FROM ledger WHERE since <= ?1", -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_bind_int64(stmt, 1, now - GW_CONTACT_LEDGER_KEEP_SECONDS) != SQLITE_OK ||
      sqlite3_step(stmt) != SQLITE_DONE)
    goto fail;
  sqlite3_finalize(stmt);
  if (sqlite3_prepare_v2(db,
                         "SELECT contact_id, state, since FROM (SELECT * FROM ledger ORDER BY "
                         "since DESC LIMIT ?1) ORDER BY since",
                         -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_bind_int(stmt, 1, GW_CONTACT_LEDGER_MAX_ENTRIES - 1) != SQLITE_OK)
    goto fail;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const char *id = (const char *)sqlite3_column_text(stmt, 0);
    int state = sqlite3_column_int(stmt, 1);
    if (id == NULL || state <= GW_CONTACT_LEDGER_UNKNOWN || state > GW_CONTACT_LEDGER_REVOKED ||
        g_hash_table_contains(ledger->entries, id))
      continue;
    remember(ledger, id, (GwContactLedgerState)state, sqlite3_column_int64(stmt, 2));
  }
  if (rc != SQLITE_DONE)
    goto fail;
  sqlite3_finalize(stmt);
  if (ledger->db != NULL)
    sqlite3_close(ledger->db);
  ledger->db = db;
  return TRUE;

fail:
  g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "contact ledger %s: %s", path,
              db != NULL ? sqlite3_errmsg(db) : "cannot open");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return FALSE;
}

GwContactLedgerState
gw_contact_ledger_lookup(GwContactLedger *ledger, const char *contact_id)
{
  Entry *entry = g_hash_table_lookup(ledger->entries, contact_id);

  return entry != NULL ? entry->state : GW_CONTACT_LEDGER_UNKNOWN;
}
