/* SPDX-License-Identifier: Apache-2.0 */
/* The contact ledger: final states stay final, and a persisted ledger remembers across a restart. */
#include <glib/gstdio.h>
#include <string.h>

#include "signaling/contact-ledger.h"

#define NOW 1800000000

static char *
temp_path(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp("balie-ledger-XXXXXX", &error);
  g_assert_no_error(error);
  return g_build_filename(dir, "contact-ledger.db", NULL);
}

static void
remove_db(const char *path)
{
  g_autofree char *dir = g_path_get_dirname(path);
  for (const char *suffix = ""; suffix != NULL;
       suffix = g_str_equal(suffix, "") ? "-wal" : g_str_equal(suffix, "-wal") ? "-shm" : NULL) {
    g_autofree char *file = g_strconcat(path, suffix, NULL);
    g_remove(file);
  }
  g_rmdir(dir);
}

static void
test_final_states(void)
{
  GwContactLedger *ledger = gw_contact_ledger_new();

  g_assert_cmpint(gw_contact_ledger_lookup(ledger, "c-1"), ==, GW_CONTACT_LEDGER_UNKNOWN);
  gw_contact_ledger_mark(ledger, "c-1", GW_CONTACT_LEDGER_ABANDONED, NOW);
  gw_contact_ledger_mark(ledger, "c-1", GW_CONTACT_LEDGER_FINISHED, NOW + 1);
  gw_contact_ledger_mark(ledger, "c-1", GW_CONTACT_LEDGER_ABANDONED, NOW + 2);
  g_assert_cmpint(gw_contact_ledger_lookup(ledger, "c-1"), ==, GW_CONTACT_LEDGER_FINISHED);
  gw_contact_ledger_mark(ledger, "c-2", GW_CONTACT_LEDGER_REVOKED, NOW);
  gw_contact_ledger_mark(ledger, "c-2", GW_CONTACT_LEDGER_FINISHED, NOW);
  g_assert_cmpint(gw_contact_ledger_lookup(ledger, "c-2"), ==, GW_CONTACT_LEDGER_REVOKED);
  /* Past the keeping time an entry is forgotten. */
  gw_contact_ledger_mark(ledger, "c-3", GW_CONTACT_LEDGER_ABANDONED,
                         NOW + GW_CONTACT_LEDGER_KEEP_SECONDS + 10);
  g_assert_cmpint(gw_contact_ledger_lookup(ledger, "c-1"), ==, GW_CONTACT_LEDGER_UNKNOWN);
  gw_contact_ledger_free(ledger);
}

/* A revoked invite stays revoked after a restart; old entries are dropped on load. */
static void
test_persisted(void)
{
  g_autofree char *path = temp_path();
  g_autoptr(GError) error = NULL;
  GwContactLedger *ledger = gw_contact_ledger_new();

  g_assert_true(gw_contact_ledger_persist(ledger, path, NOW, &error));
  g_assert_no_error(error);
  gw_contact_ledger_mark(ledger, "c-old", GW_CONTACT_LEDGER_REVOKED, NOW);
  gw_contact_ledger_mark(ledger, "c-revoked", GW_CONTACT_LEDGER_REVOKED, NOW + 100);
  gw_contact_ledger_mark(ledger, "c-waited", GW_CONTACT_LEDGER_ABANDONED, NOW + 100);
  gw_contact_ledger_mark(ledger, "c-waited", GW_CONTACT_LEDGER_FINISHED, NOW + 200);
  gw_contact_ledger_mark(ledger, "q-left", GW_CONTACT_LEDGER_ABANDONED, NOW + 300);
  gw_contact_ledger_free(ledger);

  /* The next run, a little over the keeping time after c-old. */
  ledger = gw_contact_ledger_new();
  g_assert_true(gw_contact_ledger_persist(ledger, path, NOW + GW_CONTACT_LEDGER_KEEP_SECONDS + 50,
                                          &error));
  g_assert_no_error(error);
  g_assert_cmpint(gw_contact_ledger_lookup(ledger, "c-old"), ==, GW_CONTACT_LEDGER_UNKNOWN);
  g_assert_cmpint(gw_contact_ledger_lookup(ledger, "c-revoked"), ==, GW_CONTACT_LEDGER_REVOKED);
  g_assert_cmpint(gw_contact_ledger_lookup(ledger, "c-waited"), ==, GW_CONTACT_LEDGER_FINISHED);
  g_assert_cmpint(gw_contact_ledger_lookup(ledger, "q-left"), ==, GW_CONTACT_LEDGER_ABANDONED);
  gw_contact_ledger_free(ledger);

  /* A file that is not a database is an error, not an empty ledger. */
  g_assert_true(g_file_set_contents(path, "not a database, just text that goes on a while", -1,
                                    NULL));
  for (const char *suffix = "-wal"; suffix != NULL; suffix = g_str_equal(suffix, "-wal") ? "-shm" : NULL) {
    g_autofree char *file = g_strconcat(path, suffix, NULL);
    g_remove(file);
  }
  ledger = gw_contact_ledger_new();
  g_assert_false(gw_contact_ledger_persist(ledger, path, NOW, &error));
  g_assert_nonnull(error);
  g_assert_nonnull(strstr(error->message, "contact ledger"));
  gw_contact_ledger_free(ledger);
  remove_db(path);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/contact-ledger/final-states", test_final_states);
  g_test_add_func("/contact-ledger/persisted", test_persisted);
  return g_test_run();
}
