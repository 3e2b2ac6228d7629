/* SPDX-License-Identifier: Apache-2.0 */
/* What became of contacts whose join links are still out there: revoked, abandoned or finished. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  GW_CONTACT_LEDGER_UNKNOWN,   /* nothing recorded: the link may be used */
  GW_CONTACT_LEDGER_ABANDONED, /* the customer left the waiting room; the link may be used again */
  GW_CONTACT_LEDGER_FINISHED,  /* the call took place and is over */
  GW_CONTACT_LEDGER_REVOKED,   /* an advisor withdrew the invite */
} GwContactLedgerState;

/* Entries are dropped after this long, or earlier when the cap is hit (oldest first). */
#define GW_CONTACT_LEDGER_KEEP_SECONDS (8 * 24 * 3600)
#define GW_CONTACT_LEDGER_MAX_ENTRIES 100000

typedef struct _GwContactLedger GwContactLedger;

/** gw_contact_ledger_new: Returns: (transfer full). In memory until gw_contact_ledger_persist(). */
GwContactLedger *gw_contact_ledger_new(void);

/**
 * gw_contact_ledger_persist:
 * @path: an SQLite file (created, mode 0600), e.g. DATA_DIR/contact-ledger.db
 *
 * Loads what an earlier run recorded (still within GW_CONTACT_LEDGER_KEEP_SECONDS
 * of @now) and writes every later mark through to the file, so a revoked or
 * finished link stays refused across a restart.
 * Returns: FALSE with @error when the file cannot be opened or read.
 */
gboolean gw_contact_ledger_persist(GwContactLedger *ledger, const char *path, gint64 now,
                                   GError **error);
void gw_contact_ledger_free(GwContactLedger *ledger);

/**
 * gw_contact_ledger_mark:
 * Records @state for @contact_id at @now (seconds). REVOKED and FINISHED are
 * final: a later ABANDONED does not undo them.
 */
void gw_contact_ledger_mark(GwContactLedger *ledger, const char *contact_id,
                            GwContactLedgerState state, gint64 now);

GwContactLedgerState gw_contact_ledger_lookup(GwContactLedger *ledger, const char *contact_id);

G_END_DECLS
