/* SPDX-License-Identifier: Apache-2.0 */
/* What became of contacts whose join links are still out there: revoked, abandoned or finished. */
#include "signaling/contact-ledger.h"

typedef struct {
  GwContactLedgerState state;
  gint64 since;
} Entry;

struct _GwContactLedger {
  GHashTable *entries; /* contact id → Entry (both owned) */
  GQueue order;        /* contact ids (borrowed from the table), oldest first */
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

void
gw_contact_ledger_mark(GwContactLedger *ledger, const char *contact_id, GwContactLedgerState state,
                       gint64 now)
{
  Entry *entry;

  prune(ledger, now);
  entry = g_hash_table_lookup(ledger->entries, contact_id);
  if (entry != NULL) {
    if (entry->state == GW_CONTACT_LEDGER_ABANDONED)
      entry->state = state;
    return;
  }
  entry = g_new0(Entry, 1);
  entry->state = state;
  entry->since = now;
  char *key = g_strdup(contact_id);
  g_hash_table_insert(ledger->entries, key, entry);
  g_queue_push_tail(&ledger->order, key);
}

GwContactLedgerState
gw_contact_ledger_lookup(GwContactLedger *ledger, const char *contact_id)
{
  Entry *entry = g_hash_table_lookup(ledger->entries, contact_id);

  return entry != NULL ? entry->state : GW_CONTACT_LEDGER_UNKNOWN;
}
