/* SPDX-License-Identifier: Apache-2.0 */
/* The advisor REST API under /api/v1 (docs/api.md): login, logout, me, invites, availability,
 * queues. */
#pragma once

#include <libsoup/soup.h>

#include "config/config.h"
#include "signaling/admission.h"
#include "signaling/api-body.h"
#include "signaling/audit-log.h"
#include "signaling/auth.h"
#include "signaling/contact-ledger.h"
#include "signaling/queue.h"
#include "signaling/contact-sink.h"
#include "signaling/room-directory.h"

G_BEGIN_DECLS

#define GW_API_SESSION_COOKIE "balie_session"
#define GW_API_CSRF_HEADER "X-CSRF-Token"

/* What the API works with; every pointer is borrowed and outlives the handler. */
typedef struct {
  GwConfig *config;
  GwAuth *auth;
  GwAdmission *admission;
  GwContactLedger *ledger;
  GwQueues *queues;
  GwAuditLog *audit; /* who did what (docs/security.md) */
  GwRoomDirectory *rooms; /* for "one call at a time" */
  GBytes *wrap_up_key;    /* checks wrap-up tokens (signaling/rating-token.h) */
  const GwContactSink *sink; /* where wrap-ups go */
  guint port; /* the bound port, for links when public_url is derived */
  GBytes *pseudonym_key; /* keys the HMAC that turns an invite's customer_id into a pseudonym */
} GwApi;

/** gw_api_serve: answers one request under /api/v1/ (@path is the full path). */
void gw_api_serve(GwApi *api, SoupServerMessage *msg, const char *path);

/**
 * gw_api_read_body: the request's body as a JSON object (signaling/api-body.c's
 * checks), or NULL after replying with the error every /api/v1 body error gets.
 * Returns: (transfer full) (nullable)
 */
JsonObject *gw_api_read_body(SoupServerMessage *msg);

/** gw_api_session_cookie: Returns: (transfer full) (nullable): the request's session cookie */
char *gw_api_session_cookie(SoupServerMessage *msg);

/**
 * gw_api_session_from_cookie:
 * Returns: (transfer none) (nullable): the login session named by the request's cookie
 */
GwLoginSession *gw_api_session_from_cookie(GwApi *api, SoupServerMessage *msg);

G_END_DECLS
