/* SPDX-License-Identifier: Apache-2.0 */
/* Whether a join link may still be used: signature, expiry, and what became of its contact. */
#pragma once

#include <glib.h>

#include "signaling/contact-ledger.h"
#include "signaling/join-token.h"
#include "signaling/room-directory.h"

G_BEGIN_DECLS

typedef enum {
  GW_ADMISSION_OK,
  GW_ADMISSION_OK_AGAIN, /* usable; its customer waited before and left (a new contact) */
  GW_ADMISSION_INVALID,  /* malformed or forged: not a link we issued */
  GW_ADMISSION_EXPIRED,  /* genuine but too old */
  GW_ADMISSION_REVOKED,  /* withdrawn by an advisor */
  GW_ADMISSION_FINISHED, /* its call took place and is over */
} GwAdmissionVerdict;

typedef struct _GwAdmission GwAdmission;

/**
 * gw_admission_new:
 * @key: (transfer none): the token HMAC key; a reference is kept
 * @ledger: (transfer none): must outlive the admission
 * @directory: (transfer none): must outlive the admission
 * Returns: (transfer full)
 */
GwAdmission *gw_admission_new(GBytes *key, GwContactLedger *ledger, GwRoomDirectory *directory);
void gw_admission_free(GwAdmission *admission);

/** gw_admission_get_key: (transfer none): the HMAC key, for signing new links. */
GBytes *gw_admission_get_key(GwAdmission *admission);

/**
 * gw_admission_check:
 * @token: (out) (optional) (transfer full) (nullable): the token, set only on OK / OK_AGAIN
 * @now: seconds since the epoch
 * The reason for a refusal goes to the log (at info, without the token).
 */
GwAdmissionVerdict gw_admission_check(GwAdmission *admission, const char *text, gint64 now,
                                      GwJoinToken **token);

G_END_DECLS
