/* SPDX-License-Identifier: Apache-2.0 */
/* SRTP and SRTCP (RFC 3711) on OpenSSL: the two profiles DTLS-SRTP gives
 * webrtcbin 1.22 (srtp.c). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _GwSrtp GwSrtp;

typedef enum {
  GW_SRTP_AES_CM_128_HMAC_SHA1_80,
  GW_SRTP_AES_CM_128_HMAC_SHA1_32,
} GwSrtpProfile;

#define GW_SRTP_MASTER_LEN                                                                         \
  30 /* master key (16) then master salt (14), as DTLS-SRTP exports them                           \
      */
#define GW_SRTP_MAX_TAG 10
#define GW_SRTP_WINDOW 1024 /* packets: the replay window, and how far back a resend may be */

/** gw_srtp_new: an SRTP context for one direction (the gw_srtp_* functions
 * below). Returns: NULL if @master_len is wrong. */
GwSrtp *gw_srtp_new(GwSrtpProfile profile, const guint8 *master, gsize master_len);

void gw_srtp_free(GwSrtp *srtp);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GwSrtp, gw_srtp_free)

/**
 * gw_srtp_protect: protects the RTP packet @pkt of @len bytes in place (@size:
 * the bytes @pkt can hold). A sequence number protected before is protected
 * again the same way (a resend), unless it is further back than GW_SRTP_WINDOW.
 * Returns: the SRTP length, or 0 if @pkt is not an RTP packet (too short,
 * version not 2, header longer than @len), @size is too small, or the
 * sequence number is too far back.
 */
gsize gw_srtp_protect(GwSrtp *srtp, guint8 *pkt, gsize len, gsize size);

/**
 * gw_srtp_unprotect: unprotects the SRTP packet @pkt of @len bytes in place.
 * Returns: the RTP length, or 0 if it is malformed, not authentic, or a
 * replay (already received, or further back than GW_SRTP_WINDOW). A packet
 * that fails leaves the context as it was.
 */
gsize gw_srtp_unprotect(GwSrtp *srtp, guint8 *pkt, gsize len);

/* ---- SRTCP (RFC 3711 3.4) ---- */

#define GW_SRTCP_TRAILER 4 /* the E flag and the 31-bit SRTCP index, before the tag */

/**
 * gw_srtcp_new: an SRTCP context for one direction, from the same master key
 * DTLS-SRTP gives for RTP. The tag is as long as @profile's RTP tag, as
 * GStreamer's srtpenc and srtpdec make it (libsrtp with the same policy for
 * RTP and RTCP). Only the gw_srtcp_* functions take it.
 * Returns: NULL if @master_len is wrong.
 */
GwSrtp *gw_srtcp_new(GwSrtpProfile profile, const guint8 *master, gsize master_len);

/**
 * gw_srtcp_protect: protects the RTCP compound @pkt of @len bytes in place
 * (@size: the bytes @pkt can hold): everything after the first eight bytes
 * encrypted, then the E flag and the next index of its sender's SSRC (1, 2,
 * ... as libsrtp counts; every SSRC's count is kept for the context's life),
 * then the tag.
 * Returns: the SRTCP length (@len + GW_SRTCP_TRAILER + tag), or 0 if @pkt is
 * not RTCP (shorter than 8 bytes, version not 2), @size is too small, @srtcp
 * is not an SRTCP context, or the SSRC's index is used up (2^31 - 1).
 */
gsize gw_srtcp_protect(GwSrtp *srtcp, guint8 *pkt, gsize len, gsize size);

/**
 * gw_srtcp_unprotect: unprotects the SRTCP packet @pkt of @len bytes in place.
 * Returns: the RTCP length, or 0 if it is malformed, not encrypted (E flag
 * clear: libsrtp refuses it too under the policy GStreamer gives it), not
 * authentic, or a replay (its index already received, or older than the 128
 * indices before the highest). A packet that fails leaves the context as it was.
 */
gsize gw_srtcp_unprotect(GwSrtp *srtcp, guint8 *pkt, gsize len);

G_END_DECLS
