/* SPDX-License-Identifier: Apache-2.0 */
/* The logged-in advisor's own recent contacts and their ratings: GET /api/v1/me/contacts. */
#pragma once

#include <json-glib/json-glib.h>

#include "gateway/store.h"
#include "signaling/server.h"

G_BEGIN_DECLS

/* ?limit= of GET /api/v1/me/contacts: the default and the most one request gets. */
#define GW_ADVISOR_CONTACTS_DEFAULT 20
#define GW_ADVISOR_CONTACTS_MAX 100

/**
 * gw_advisor_contacts_query:
 * @advisor_ref: the account id the contacts were answered by (contact.advisor_ref)
 * @limit: at most this many, newest first
 *
 * Runs on the store's writer thread (a GwStoreReadFunc's body); the same SQL on SQLite and
 * PostgreSQL. Ratings come as answers and a comment *flag*: comments stay in the store.
 * Returns: (transfer full) (nullable): {"contacts": [...]} as docs/api.md describes
 */
JsonNode *gw_advisor_contacts_query(GwStoreBackend *backend, const char *advisor_ref, guint limit,
                                    GError **error);

/**
 * gw_advisor_contacts_mount:
 * @server, @store: (transfer none): @store must outlive @server's handlers
 */
void gw_advisor_contacts_mount(GwServer *server, GwStore *store);

G_END_DECLS
