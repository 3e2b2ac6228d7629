/* SPDX-License-Identifier: Apache-2.0 */
/* Whether a join link may still be used: signature, expiry, and what became of its contact. */
#include "signaling/admission.h"

#include <string.h>

#include "signaling/signaling-log.h"

struct _GwAdmission {
  GBytes *key;
  GwContactLedger *ledger;    /* not owned */
  GwRoomDirectory *directory; /* not owned */
};

GwAdmission *
gw_admission_new(GBytes *key, GwContactLedger *ledger, GwRoomDirectory *directory)
{
  GwAdmission *admission = g_new0(GwAdmission, 1);

  admission->key = g_bytes_ref(key);
  admission->ledger = ledger;
  admission->directory = directory;
  return admission;
}

void
gw_admission_free(GwAdmission *admission)
{
  if (admission == NULL)
    return;
  g_bytes_unref(admission->key);
  g_free(admission);
}

GBytes *
gw_admission_get_key(GwAdmission *admission)
{
  return admission->key;
}

GwAdmissionVerdict
gw_admission_check(GwAdmission *admission, const char *text, gint64 now, GwJoinToken **out)
{
  g_autoptr(GError) error = NULL;
  gsize key_length = 0;
  const guint8 *key = g_bytes_get_data(admission->key, &key_length);
  g_autoptr(GwJoinToken) token =
      gw_join_token_verify(text, strlen(text), key, key_length, now, &error);

  if (token == NULL) {
    gw_signaling_log(G_LOG_LEVEL_INFO, NULL, NULL, "join link refused: %s", error->message);
    return g_error_matches(error, GW_JOIN_TOKEN_ERROR, GW_JOIN_TOKEN_ERROR_EXPIRED)
               ? GW_ADMISSION_EXPIRED
               : GW_ADMISSION_INVALID;
  }
  /* Rating tokens are signed with another key; this only guards against a mix-up. */
  if (token->kind == GW_JOIN_TOKEN_RATING || token->kind == GW_JOIN_TOKEN_WRAP_UP) {
    gw_signaling_log(G_LOG_LEVEL_INFO, NULL, NULL, "join link refused: a %s token",
                     gw_join_token_kind_to_string(token->kind));
    return GW_ADMISSION_INVALID;
  }
  GwContactLedgerState state = gw_contact_ledger_lookup(admission->ledger, token->contact_id);
  switch (state) {
  case GW_CONTACT_LEDGER_REVOKED:
    gw_signaling_log(G_LOG_LEVEL_INFO, token->contact_id, NULL, "join link refused: revoked");
    return GW_ADMISSION_REVOKED;
  case GW_CONTACT_LEDGER_FINISHED:
    gw_signaling_log(G_LOG_LEVEL_INFO, token->contact_id, NULL, "join link refused: finished");
    return GW_ADMISSION_FINISHED;
  case GW_CONTACT_LEDGER_ABANDONED:
  case GW_CONTACT_LEDGER_UNKNOWN:
    break;
  }
  /* A room still open whose call is over (failed, or ended while someone lingers). */
  GwRoom *room = gw_room_directory_lookup(admission->directory, token->contact_id);
  if (room != NULL &&
      gw_contact_get_phase(gw_room_get_contact(room)) == GW_CONTACT_PHASE_FINISHED) {
    gw_signaling_log(G_LOG_LEVEL_INFO, token->contact_id, NULL, "join link refused: call over");
    return GW_ADMISSION_FINISHED;
  }
  if (out != NULL)
    *out = g_steal_pointer(&token);
  return state == GW_CONTACT_LEDGER_ABANDONED && room == NULL ? GW_ADMISSION_OK_AGAIN
                                                              : GW_ADMISSION_OK;
}
