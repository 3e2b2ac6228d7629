/* SPDX-License-Identifier: Apache-2.0 */
/* Keeping personal data no longer than needed: comment retention and erasing one customer. */
#include "gateway/store-privacy.h"

gboolean
gw_store_purge_comments(GwStoreBackend *backend, gint64 before_us, gint64 *purged, GError **error)
{
  GwStoreValue before = GW_STORE_VALUE_INT(before_us);
  gint64 changes = 0;

  if (!backend->klass->exec(backend,
                            "UPDATE rating SET comment = NULL WHERE comment IS NOT NULL AND "
                            "time_us < $1",
                            &before, 1, &changes, error))
    return FALSE;
  if (purged != NULL)
    *purged = changes;
  return TRUE;
}

gboolean
gw_store_forget_customer(GwStoreBackend *backend, const char *customer_ref,
                         GwStoreForgotten *forgotten, GError **error)
{
  GwStoreValue ref = GW_STORE_VALUE_TEXT(customer_ref);
  GwStoreForgotten counts = {0};

  g_return_val_if_fail(customer_ref != NULL && customer_ref[0] != '\0', FALSE);
  if (!backend->klass->begin(backend, error))
    return FALSE;
  if (!backend->klass->exec(backend,
                            "DELETE FROM rating WHERE contact_id IN "
                            "(SELECT id FROM contact WHERE customer_ref = $1)",
                            &ref, 1, &counts.ratings, error) ||
      !backend->klass->exec(backend,
                            "DELETE FROM contact_event WHERE contact_id IN "
                            "(SELECT id FROM contact WHERE customer_ref = $1)",
                            &ref, 1, &counts.events, error) ||
      !backend->klass->exec(backend, "DELETE FROM contact WHERE customer_ref = $1", &ref, 1,
                            &counts.contacts, error) ||
      !backend->klass->commit(backend, error)) {
    backend->klass->rollback(backend);
    return FALSE;
  }
  if (forgotten != NULL)
    *forgotten = counts;
  return TRUE;
}
