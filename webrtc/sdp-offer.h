/* SPDX-License-Identifier: Apache-2.0 */
/* The native participant's SDP: writes the gateway's offer as browsers need it and reads the
 * browser's answer into plain data; no I/O, so tests and fuzzers reach it directly.
 * The functions keep no state, so any thread may call them. */
#pragma once

#include <glib.h>

#include "webrtc/media-room.h"

G_BEGIN_DECLS

/* Everything a peer's answer can make us hold is capped; the offer keeps to the same caps. */
#define GW_SDP_MAX_MLINES 16
#define GW_SDP_MAX_CANDIDATES 32
#define GW_SDP_MAX_SSRC_LINES 8 /* a=ssrc lines per m-line */
#define GW_SDP_MAX_CANDIDATE_LENGTH 512

/* The one header extension offered, on every m-line, always as id 3 (as webrtcbin does). */
#define GW_SDP_TWCC_URI "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
#define GW_SDP_TWCC_ID 3

typedef enum {
  GW_SDP_CODEC_OPUS, /* audio, opus/48000/2, minptime=10;useinbandfec=1 */
  GW_SDP_CODEC_VP8,  /* video, VP8/90000, with RTX */
  GW_SDP_CODEC_H264, /* video, H264/90000 constrained baseline 3.1, with RTX */
} GwSdpCodec;

/* Seen from the gateway, unlike GwTrackDirection. */
typedef enum {
  GW_SDP_GATEWAY_RECEIVES, /* a=recvonly: the browser sends */
  GW_SDP_GATEWAY_SENDS,    /* a=sendonly: the browser receives */
  GW_SDP_INACTIVE,         /* a=inactive: the m-line stays, nothing flows */
} GwSdpDirection;

/* Which RTCP feedback the answer kept for its payload type. */
typedef enum {
  GW_SDP_FB_NACK = 1 << 0,
  GW_SDP_FB_PLI = 1 << 1, /* nack pli */
  GW_SDP_FB_FIR = 1 << 2, /* ccm fir */
  GW_SDP_FB_REMB = 1 << 3,
  GW_SDP_FB_TWCC = 1 << 4, /* transport-cc */
} GwSdpFeedback;

/* One m-line of the offer. Strings are borrowed for the duration of a call. */
typedef struct {
  const char *mid; /* RFC 4566 token, at most 32 characters, unique in the offer */
  GwSdpCodec codec;
  GwSdpDirection direction;
  /* A stopped slot keeps its place (m-lines are never removed) with port 0, out of BUNDLE,
   * as JSEP writes a stopped transceiver; the answer must reject it too. */
  gboolean stopped;
  guint pt; /* 96..127, unique in the offer; video's RTX is pt + 1, so video needs <= 126 */
  /* GW_SDP_GATEWAY_SENDS only: what the gateway sends, non-zero and unique in the offer. */
  guint32 ssrc;
  guint32 rtx_ssrc;        /* video only */
  const char *msid_stream; /* tokens of at most 64 characters ("-": no stream) */
  const char *msid_track;
  /* Video only, 0 for none: Chrome reads x-google-start/max-bitrate from the remote
   * description for what it *sends* on the m-line, so they matter on GATEWAY_RECEIVES. */
  guint start_kbps;
  guint max_kbps;
} GwSdpSlot;

/* Everything an offer says. Strings and arrays are borrowed for the duration of a call. */
typedef struct {
  const char *ice_ufrag;   /* 4..256 ice-chars (RFC 8839) */
  const char *ice_pwd;     /* 22..256 ice-chars */
  const char *fingerprint; /* "sha-256 AB:CD:..." (RFC 8122) */
  const char *cname;       /* the gateway's RTCP CNAME, for a=ssrc lines */
  guint64 session_id;      /* below 2^63 (JSEP) */
  guint64 session_version; /* the caller increments it for every offer */
  const GwSdpSlot *slots;  /* in m-line order */
  guint n_slots;           /* 1..GW_SDP_MAX_MLINES */
  /* (nullable): the gateway's own candidates, "candidate:...", written on the first m-line
   * in the BUNDLE group; the rest trickle. */
  const char *const *candidates;
  guint n_candidates;
  gboolean end_of_candidates; /* gathering is done: a=end-of-candidates after them */
} GwSdpOffer;

/* One m-line of the browser's answer, seen from the gateway. */
typedef struct {
  gboolean rejected;        /* port 0: nothing below is set */
  GwSdpDirection direction; /* the offered one or GW_SDP_INACTIVE */
  guint pt;                 /* the slot's payload type (the answer must keep it) */
  guint rtx_pt;             /* 0: the answer dropped RTX */
  guint feedback;           /* GwSdpFeedback flags for pt */
  guint twcc_id;            /* 0: the answer dropped transport-cc; Chrome keeps the offer's id */
  guint32 ssrc;             /* what the browser sends: the FID group's first, else the first
                             * a=ssrc; 0: the answer names none */
  guint32 rtx_ssrc;         /* the FID group's second; 0: none */
  guint n_ssrcs;            /* every distinct a=ssrc id, in order */
  guint32 ssrcs[GW_SDP_MAX_SSRC_LINES];
} GwSdpAnswerMedia;

typedef struct {
  guint mline;
  char *candidate; /* "candidate:..." as add-ice-candidate and libnice take it */
} GwSdpRemoteCandidate;

typedef enum {
  GW_SDP_DTLS_SERVER, /* the browser said a=setup:active */
  GW_SDP_DTLS_CLIENT, /* the browser said a=setup:passive */
} GwSdpDtlsRole;

/* The browser's answer as plain data; release with gw_sdp_answer_clear() or g_auto(). */
typedef struct {
  char *ice_ufrag;
  char *ice_pwd;
  char *fingerprint; /* "sha-256 AB:CD:..." as the browser wrote it */
  GwSdpDtlsRole dtls_role;
  guint n_media; /* the offer's n_slots */
  GwSdpAnswerMedia media[GW_SDP_MAX_MLINES];
  guint n_candidates;
  GwSdpRemoteCandidate candidates[GW_SDP_MAX_CANDIDATES];
  gboolean end_of_candidates;
} GwSdpAnswer;

/**
 * gw_sdp_offer_write:
 * Writes @offer as SDP text (CRLF lines). Every m-line carries its own ICE
 * credentials, fingerprint and a=setup:actpass (webrtcbin insists on the
 * last per m-line), port 9 and c=IN IP4 0.0.0.0; all live m-lines share one
 * BUNDLE group.
 * Returns: (transfer full) (nullable): the offer, or NULL with @error
 *   (GW_MEDIA_ERROR_INTERNAL for a malformed @offer, GW_MEDIA_ERROR_LIMIT past the caps).
 */
char *gw_sdp_offer_write(const GwSdpOffer *offer, GError **error);

/**
 * gw_sdp_offer_read_answer:
 * @offer: (transfer none): the parameters the answered offer was written from
 * @text: (transfer none): the browser's answer, NUL-terminated, at most @max_length bytes
 * @out: (out caller-allocates): filled on success; left cleared on failure
 *
 * Checks the answer against @offer (same m-lines and mids, payload types the
 * offer made, compatible directions, one BUNDLE group over every accepted
 * m-line, ICE credentials, a fingerprint, a=setup active or passive, the caps)
 * and reads it into @out. A rejected m-line (port 0) is read as rejected, but
 * an answer rejecting every m-line is refused: there would be nothing to connect.
 * Candidates on rejected m-lines are ignored.
 * Returns: FALSE with @error (GW_MEDIA_ERROR_BAD_SDP, or GW_MEDIA_ERROR_LIMIT
 *   past a cap) naming the m-line and what is wrong; GW_MEDIA_ERROR_INTERNAL
 *   when @offer itself would not be written.
 */
gboolean gw_sdp_offer_read_answer(const GwSdpOffer *offer, const char *text, gsize max_length,
                                  GwSdpAnswer *out, GError **error);

/** gw_sdp_answer_clear: frees what @answer holds and zeroes it; safe to call twice. */
void gw_sdp_answer_clear(GwSdpAnswer *answer);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(GwSdpAnswer, gw_sdp_answer_clear)

G_END_DECLS
