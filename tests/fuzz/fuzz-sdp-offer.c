/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for reading a browser's answer to the native offer (webrtc/sdp-offer.c). */
#include <stdint.h>
#include <string.h>

#include "tests/fuzz/sdp-offer-slots.h"
#include "webrtc/sdp-offer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The browser's audio and camera in, another peer's camera out: every reading path. */
static const GwSdpSlot slots[] = {SDP_OFFER_SLOTS_IN_AND_CAMERA_OUT};

static const GwSdpOffer offer = {
    .ice_ufrag = SDP_OFFER_UFRAG,
    .ice_pwd = SDP_OFFER_PWD,
    .fingerprint = SDP_OFFER_FINGERPRINT,
    .cname = "balie",
    .session_id = 1,
    .slots = slots,
    .n_slots = G_N_ELEMENTS(slots),
};

/* The default max_sdp_length; the limit check itself is exercised too. */
#define MAX_SDP 32768

static gboolean
contains(const guint32 *ssrcs, guint n, guint32 ssrc)
{
  for (guint i = 0; i < n; i++) {
    if (ssrcs[i] == ssrc)
      return TRUE;
  }
  return FALSE;
}

/* What a successful read promises its caller. */
static void
check_answer(const GwSdpAnswer *answer)
{
  g_assert(answer->n_media == G_N_ELEMENTS(slots));
  g_assert(answer->ice_ufrag && strlen(answer->ice_ufrag) >= 4 && strlen(answer->ice_ufrag) <= 256);
  g_assert(answer->ice_pwd && strlen(answer->ice_pwd) >= 22 && strlen(answer->ice_pwd) <= 256);
  g_assert(answer->fingerprint && strchr(answer->fingerprint, ' ') != NULL);
  g_assert(answer->dtls_role == GW_SDP_DTLS_SERVER || answer->dtls_role == GW_SDP_DTLS_CLIENT);
  gboolean any = FALSE;
  for (guint i = 0; i < answer->n_media; i++) {
    const GwSdpAnswerMedia *m = &answer->media[i];
    if (m->rejected) {
      g_assert(m->pt == 0 && m->n_ssrcs == 0 && m->ssrc == 0);
      continue;
    }
    any = TRUE;
    g_assert(m->direction == slots[i].direction || m->direction == GW_SDP_INACTIVE);
    g_assert(m->pt == slots[i].pt);
    g_assert(m->rtx_pt == 0 || (slots[i].codec != GW_SDP_CODEC_OPUS && m->rtx_pt == m->pt + 1));
    g_assert(m->twcc_id <= 14);
    g_assert(m->n_ssrcs <= GW_SDP_MAX_SSRC_LINES);
    g_assert(m->ssrc == 0 || contains(m->ssrcs, m->n_ssrcs, m->ssrc));
    g_assert(m->rtx_ssrc == 0 ||
             (contains(m->ssrcs, m->n_ssrcs, m->rtx_ssrc) && m->rtx_ssrc != m->ssrc));
    /* No SSRC on two m-lines of one transport. */
    for (guint j = 0; j < i; j++) {
      for (guint s = 0; s < m->n_ssrcs; s++)
        g_assert(!contains(answer->media[j].ssrcs, answer->media[j].n_ssrcs, m->ssrcs[s]));
    }
  }
  g_assert(any);
  g_assert(answer->n_candidates <= GW_SDP_MAX_CANDIDATES);
  for (guint c = 0; c < answer->n_candidates; c++) {
    const GwSdpRemoteCandidate *candidate = &answer->candidates[c];
    g_assert(candidate->mline < answer->n_media && !answer->media[candidate->mline].rejected);
    g_assert(g_str_has_prefix(candidate->candidate, "candidate:"));
    g_assert(strlen(candidate->candidate) <= GW_SDP_MAX_CANDIDATE_LENGTH);
    g_assert(strpbrk(candidate->candidate, "\r\n") == NULL);
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* The protocol hands the reader a NUL-terminated string; an embedded NUL ends it. */
  g_autofree char *text = g_strndup((const char *)data, size);
  g_autoptr(GError) error = NULL;
  g_auto(GwSdpAnswer) answer = {0};

  gboolean ok = gw_sdp_offer_read_answer(&offer, text, MAX_SDP, &answer, &error);
  g_assert(ok == (error == NULL));
  if (ok) {
    check_answer(&answer);
    return 0;
  }
  g_assert(error->domain == GW_MEDIA_ERROR && error->message[0] != '\0');
  g_assert(error->code == GW_MEDIA_ERROR_BAD_SDP || error->code == GW_MEDIA_ERROR_LIMIT);
  /* A refusal leaves nothing behind. */
  static const GwSdpAnswer cleared;
  g_assert(memcmp(&answer, &cleared, sizeof answer) == 0);
  return 0;
}
