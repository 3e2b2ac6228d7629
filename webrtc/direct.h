/* SPDX-License-Identifier: Apache-2.0 */
/* RTP to a browser leaves without webrtcbin's send path: one SRTP protect and
 * one socket send per packet (direct.c). */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * gw_direct_watch_sink_pad: from now on, an RTP packet pushed into
 * @sink_pad, a request pad of @webrtc, leaves for the browser directly
 * (transport-wide sequence number in header extension @twcc_id, SRTP with
 * the keys DTLS gave webrtcbin, libnice), and the sender reports for it
 * are added to the RTCP webrtcbin sends. @clock_rate: of the m-line's codec.
 * If @webrtc is not built as expected when its first packet comes (one
 * BUNDLE transport, AES-CM SRTP), every packet takes webrtcbin's own path.
 */
void gw_direct_watch_sink_pad(GstElement *webrtc, GstPad *sink_pad, guint twcc_id,
                              guint clock_rate);

/** gw_direct_active: packets to @webrtc's browser leave directly. Any thread. */
gboolean gw_direct_active(GstElement *webrtc);

typedef struct {
  guint64 packets, bytes; /* sent directly (SRTP bytes as sent) */
  guint64 payload_bytes;  /* of those, RTP payload (as rtpsession counts octets-sent) */
  guint64 failed;         /* refused by SRTP or the socket */
  guint64 reports;        /* RTCP packets their sender reports went in */
} GwDirectCounts;

/** gw_direct_counts: what left directly for @webrtc's browser. Any thread. */
void gw_direct_counts(GstElement *webrtc, GwDirectCounts *counts);

/**
 * gw_direct_reports: adds what @webrtc's browser last reported about each
 * stream that left directly: the largest round trip to @rtt_ms (kept if
 * larger), the fraction lost (0..1) to @lost_sum. Returns: how many streams
 * had a report. Any thread.
 */
guint gw_direct_reports(GstElement *webrtc, double *rtt_ms, double *lost_sum);

typedef struct {
  guint sent, received;             /* packets the feedback covers, and reported received */
  guint bitrate_sent, bitrate_recv; /* bit/s */
} GwDirectFeedback;

/**
 * gw_direct_twcc_feedback: matches a transport-wide feedback @fci (RTPFB,
 * FMT 15) from @webrtc's browser with what left directly.
 * Returns: FALSE if packets do not leave directly, or the FCI is malformed
 * or covers none of them. Any thread.
 */
gboolean gw_direct_twcc_feedback(GstElement *webrtc, const guint8 *fci, gsize len,
                                 GwDirectFeedback *out);

/**
 * gw_direct_watch_pipeline: from now on, every srtpdec made in @pipeline (one
 * per webrtcbin) leaves received RTP packets to the gateway, which decrypts
 * them itself (srtp.c) with the key DTLS gave, once it has it, and SRTCP
 * too (srtpdec never makes its libsrtp session). At the first packet that
 * decrypts, the webrtcbin's dtlsenc thread is let go (the handshake is over).
 */
void gw_direct_watch_pipeline(GstElement *pipeline);

/**
 * gw_direct_watch_rtcp_out: from now on, the RTCP each webrtcbin made in
 * @pipeline sends leaves as SRTCP protected by the gateway (srtp.c) through
 * its libnice agent, past srtpenc, from its first packet (or, if webrtcbin is
 * not as expected then, never).
 */
void gw_direct_watch_rtcp_out(GstElement *pipeline);

/** gw_direct_total_rtcp_sent: RTCP packets the gateway protected and sent itself, in every room. */
guint64 gw_direct_total_rtcp_sent(void);

/** gw_direct_total_received: packets the gateway decrypted itself, in every room. */
guint64 gw_direct_total_received(void);

/** gw_direct_total_rtcp_received: SRTCP packets the gateway decrypted itself, in every room. */
guint64 gw_direct_total_rtcp_received(void);

/** gw_direct_total_receiver_reports: receiver reports the gateway wrote itself
 * into early RTCP (reports.c), in every room. */
guint64 gw_direct_total_receiver_reports(void);

/** gw_direct_dtls_threads_retired: dtlsenc threads let go after the handshake, in every room. */
guint64 gw_direct_dtls_threads_retired(void);

/** gw_direct_total_packets: packets sent directly by every room (for tests and figures). */
guint64 gw_direct_total_packets(void);

G_END_DECLS
