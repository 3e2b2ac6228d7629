/* SPDX-License-Identifier: Apache-2.0 */
/* SRTP (RFC 3711) for RTP packets, on OpenSSL: the two profiles DTLS-SRTP gives
 * webrtcbin 1.22 (srtp.c). No RTCP: webrtcbin's srtpenc and srtpdec keep it. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _GwSrtp GwSrtp;

typedef enum {
  GW_SRTP_AES_CM_128_HMAC_SHA1_80,
  GW_SRTP_AES_CM_128_HMAC_SHA1_32,
} GwSrtpProfile;

#define GW_SRTP_MASTER_LEN 30 /* master key (16) then master salt (14), as DTLS-SRTP exports them  \
                               */
#define GW_SRTP_MAX_TAG 10
#define GW_SRTP_WINDOW 1024 /* packets: the replay window, and how far back a resend may be */

/** gw_srtp_new: a context for one direction. Returns: NULL if @master_len is wrong. */
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

G_END_DECLS
