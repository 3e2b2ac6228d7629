/* SPDX-License-Identifier: Apache-2.0 */
/* Forwarded audio and video skip rtpbin's jitter buffer (and its two threads); see lean.c. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * gw_lean_install_peer: from now on, a stream @webrtc receives on one of the
 * payload types given to gw_lean_add_audio_pt() (with @video_too, every
 * stream) gets a pass-through element instead of an rtpjitterbuffer; where
 * webrtcbin sets its do-retransmission (video), it asks the sender for lost
 * packets itself. Call once, before the first negotiation.
 * Returns: FALSE if this rtpbin cannot take a replacement (every stream then
 * keeps its jitter buffer).
 */
gboolean gw_lean_install_peer(GstElement *webrtc, gboolean video_too);

/** gw_lean_add_audio_pt: @pt is an audio m-line @webrtc receives on (any thread). */
void gw_lean_add_audio_pt(GstElement *webrtc, guint pt);

/* The missing-packet list behind the pass-through's retransmission requests
 * (lean.c, 1b); public for tests. */
#define GW_NACK_MAX_MISSING 128 /* sequence numbers waiting for a resend, per stream */

typedef struct {
  gint64 first_us; /* when the gap showed */
  gint64 asked_us; /* when last asked for */
  guint16 seq;
  guint8 tries;
} GwNackEntry;

typedef struct {
  gboolean started;
  guint16 highest;
  guint n; /* entries in missing, oldest first */
  GwNackEntry missing[GW_NACK_MAX_MISSING];
  gint64 next_due_us; /* nothing to ask before then */
  gint64 rtt_us;      /* request to resend, smoothed; 0: not known yet */
  double tokens;      /* requests that may go now */
  gint64 tokens_us;
  guint64 asked, recovered, given_up, restarts;
} GwNackState;

/**
 * gw_nack_on_packet: notes packet @seq, arrived at @now_us, in @state (zeroed
 * at first) and fills @ask with up to @max_ask sequence numbers to ask the
 * sender for now (new gaps first seen, and those asked for a round trip ago
 * and still missing). Returns: how many.
 */
guint gw_nack_on_packet(GwNackState *state, guint16 seq, gint64 now_us, guint16 *ask,
                        guint max_ask);

/** gw_lean_pass_new: a pass-through, as rtpbin would get (for tests). */
GstElement *gw_lean_pass_new(void);

/** gw_lean_pass_get_stats: copies @pass's missing-packet state; FALSE if it has none. */
gboolean gw_lean_pass_get_stats(GstElement *pass, GwNackState *stats);

/*
 * The NACKs the gateway sends, written into the RTP session's outgoing RTCP
 * by lean.c rather than by rtpsession (lean.c, 1c); public for tests.
 */
#define GW_NACK_OUT_MAX 512 /* sequence numbers waiting for the next RTCP packet, per session */
typedef struct _GwNackOut GwNackOut;
GwNackOut *gw_nack_out_new(void);
void gw_nack_out_free(GwNackOut *out);
/**
 * gw_nack_out_add: asks @ssrc for packet @seq in the next RTCP packet, unless
 * that is sent after @expires_us (monotonic). Returns: FALSE if it was
 * already waiting (its expiry is moved on).
 */
gboolean gw_nack_out_add(GwNackOut *out, guint32 ssrc, guint16 seq, gint64 expires_us);
/**
 * gw_nack_out_write: appends Generic NACK packets (RFC 4585) from @sender_ssrc
 * for what is waiting and not expired at @now_us (in an @early packet, the
 * newest is written even if it expired) to the RTCP @buffer, as far as it has
 * room; the rest waits for the next one. Returns: sequence numbers written.
 */
guint gw_nack_out_write(GwNackOut *out, GstBuffer *buffer, guint32 sender_ssrc, gboolean early,
                        gint64 now_us);
/** gw_nack_out_counts: sequence numbers written so far, expired unsent, pushed out by newer. */
void gw_nack_out_counts(GwNackOut *out, guint64 *written, guint64 *expired, guint64 *dropped);
/**
 * gw_lean_watch_pipeline: every rtpfunnel that appears in @pipeline passes
 * each of webrtcbin's "GstWebRtcBinUpdateTos" events once instead of at every
 * switch between its inputs, the funnel in front of dtlsenc passes sticky
 * events once, and with @skip_receive_queue a received packet skips
 * webrtcbin's receive queue while it is empty (see lean.c).
 */
void gw_lean_watch_pipeline(GstElement *pipeline, gboolean skip_receive_queue);

/** gw_lean_receive_skipped: packets that skipped a receive queue so far, in this process. */
guint64 gw_lean_receive_skipped(void);

/** gw_lean_receive_retired: receive queues whose thread was let go so far, in this process. */
guint64 gw_lean_receive_retired(void);

/**
 * gw_lean_trim_send_pad: from its first packet on, what is pushed into
 * webrtcbin's @sink_pad skips the clocksync and FEC encoders webrtcbin put
 * behind it (lean.c, 3d). Call once per sink pad.
 */
void gw_lean_trim_send_pad(GstPad *sink_pad);

/** gw_lean_send_shortcuts: sent packets (or lists) that went from an RTP session straight to SRTP
 * (lean.c, 3e). */
guint64 gw_lean_send_shortcuts(void);

/** gw_lean_receive_shortcuts: received packets that went from SRTP straight to an RTP session
 * (lean.c, 3e). */
guint64 gw_lean_receive_shortcuts(void);

/** gw_lean_send_trimmed: sink pads whose chain was cut short so far, in this process. */
guint64 gw_lean_send_trimmed(void);

G_END_DECLS
