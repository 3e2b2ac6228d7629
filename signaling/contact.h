/* SPDX-License-Identifier: Apache-2.0 */
/* One contact's lifecycle (offered → answered → ended, or abandoned/failed): the one place where
 * GwContactEvents leave signaling/. */
#pragma once

#include <glib.h>

#include "signaling/contact-sink.h"

G_BEGIN_DECLS

typedef enum {
  GW_CONTACT_PHASE_NEW,      /* nobody waits yet */
  GW_CONTACT_PHASE_OFFERED,  /* a customer waits for an advisor */
  GW_CONTACT_PHASE_ANSWERED, /* an advisor took it: the call runs */
  GW_CONTACT_PHASE_FINISHED, /* ended, abandoned or failed: no further lifecycle events */
} GwContactPhase;

typedef struct _GwContact GwContact;

/* What a contact is about; every string is copied and may be NULL. */
typedef struct {
  const char *id; /* NULL: a fresh random id */
  const char *journey;
  const char *queue;
  const char *node;
  const char *customer_ref; /* a pseudonym already (gw_contact_pseudonym()), never a raw id */
  const char *room_id;      /* for log lines only */
  GBytes *rating_key;       /* nullable: signs the customer's rating token (a reference is kept) */
} GwContactInfo;

/**
 * gw_contact_new:
 * @sink: (transfer none): where events go; must outlive the contact. Its
 *   record may be NULL: then events are only logged.
 * Returns: (transfer full): a contact in GW_CONTACT_PHASE_NEW
 */
GwContact *gw_contact_new(const GwContactSink *sink, const GwContactInfo *info);

/**
 * gw_contact_free:
 * Frees without emitting anything; see gw_contact_close() first.
 */
void gw_contact_free(GwContact *contact);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GwContact, gw_contact_free)

/**
 * gw_contact_adopt_link:
 * @info: (transfer none): what the customer's join link says
 *
 * An advisor who opens a link's room before the customer made its contact without the link.
 * When the customer arrives with it, @info's id (unless NULL), journey, queue and
 * customer_ref replace the contact's, but only while nothing has been emitted yet
 * (GW_CONTACT_PHASE_NEW). Returns: TRUE when adopted.
 */
gboolean gw_contact_adopt_link(GwContact *contact, const GwContactInfo *info);

/** gw_contact_get_id: (transfer none) */
const char *gw_contact_get_id(GwContact *contact);
/** gw_contact_get_journey: (transfer none) (nullable) */
const char *gw_contact_get_journey(GwContact *contact);
/** gw_contact_get_queue: (transfer none) (nullable) */
const char *gw_contact_get_queue(GwContact *contact);
GwContactPhase gw_contact_get_phase(GwContact *contact);
/** gw_contact_was_answered: whether an advisor ever took this contact. */
gboolean gw_contact_was_answered(GwContact *contact);
/** gw_contact_get_offered_us: wall-clock time of `offered`, 0 before. */
gint64 gw_contact_get_offered_us(GwContact *contact);

/*
 * Transitions. Each emits its event only from the phase where it makes sense
 * and returns whether it did; from any other phase it changes nothing (a
 * second hang-up, a leave after the end), so callers need not track phases.
 */

/** NEW → OFFERED: a customer is waiting. */
gboolean gw_contact_offer(GwContact *contact);
/** OFFERED → ANSWERED (wait_ms): @advisor_ref (nullable) is an account id, never a name. */
gboolean gw_contact_answer(GwContact *contact, const char *advisor_ref);
/** OFFERED → FINISHED (wait_ms): the customer left before an answer. */
gboolean gw_contact_abandon(GwContact *contact);
/** ANSWERED → FINISHED (handle_ms): @reason "hangup", "disconnected", ...; @ended_by
 * "customer", "advisor" or "system". */
gboolean gw_contact_end(GwContact *contact, const char *reason, const char *ended_by);
/** OFFERED/ANSWERED → FINISHED: the connection never came up or broke; @reason says how. */
gboolean gw_contact_fail(GwContact *contact, const char *reason);
/** ANSWERED only (no phase change): @role came back within the grace period. */
gboolean gw_contact_rejoin(GwContact *contact, const char *role);
/**
 * gw_contact_screen: ANSWERED only (no phase change). @peer_id keys the share,
 * so a stop without a start (or a second start) emits nothing. @by is the role.
 */
gboolean gw_contact_screen(GwContact *contact, const char *peer_id, const char *by, gboolean start);
/**
 * gw_contact_quality: ANSWERED only (no phase change). One sample of how the
 * customer's media arrives: round trip in ms, loss in percent, kbit/s.
 * Values are clamped to 0..60000, 0..100 and 0..1000000.
 */
gboolean gw_contact_quality(GwContact *contact, double rtt_ms, double loss_pct, double kbps);

/**
 * gw_contact_close:
 * The room is going away (last participant gone, shutdown): emits the one
 * terminal event still owed — ended (@reason, @ended_by) when answered,
 * abandoned when a customer was still waiting — and stops open screen shares.
 */
void gw_contact_close(GwContact *contact, const char *reason, const char *ended_by);

/**
 * gw_contact_rating_token:
 * The token that lets the customer rate this contact afterwards
 * (signaling/rating-token.h): only for a contact an advisor answered, and only
 * when the contact has a rating key.
 * Returns: (transfer full) (nullable)
 */
char *gw_contact_rating_token(GwContact *contact);

/**
 * gw_contact_wrap_up_token:
 * @advisor: (nullable): the advisor account that may wrap this call up
 * Returns: (transfer full) (nullable): a wrap-up token for an answered call, or
 * NULL (not answered, no key, no account)
 */
char *gw_contact_wrap_up_token(GwContact *contact, const char *advisor);

/**
 * gw_contact_pseudonym:
 * @key: (array length=key_length): a server secret
 * Returns: (transfer full): a keyed HMAC-SHA256 of @external_id, base64url,
 * 22 characters; the same id gives the same pseudonym under the same key.
 */
char *gw_contact_pseudonym(const guint8 *key, gsize key_length, const char *external_id);

G_END_DECLS
