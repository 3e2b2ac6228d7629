/* SPDX-License-Identifier: Apache-2.0 */
/* What one contact event writes: the event row, the contact's summary row, and a rating. */
#pragma once

#include <glib.h>

#include "gateway/store-backend.h"
#include "gateway/store-event.h"

G_BEGIN_DECLS

/**
 * gw_store_contact_apply:
 * Writes @stored inside the transaction the caller opened. An event already
 * stored (same id: a replay) writes nothing and succeeds. A second rating for
 * a contact fails with GW_STORE_ERROR_DUPLICATE and writes nothing; it does so
 * without an SQL error, so the caller's transaction stays usable.
 */
gboolean gw_store_contact_apply(GwStoreBackend *backend, const GwStoreEvent *stored,
                                GError **error);

G_END_DECLS
