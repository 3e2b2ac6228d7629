/* SPDX-License-Identifier: Apache-2.0 */
/* Receiver feedback through the gateway: NACKs answered from a branch's history, and a
 * REMB cap for each sender from what its receivers' links carry. Internal to webrtc/. */
#pragma once

#include "webrtc/media-room-private.h"

G_BEGIN_DECLS

/* A branch into @consumer now carries packets through @isolate: answer the
 * consumer's NACKs for them. Control thread. */
void gw_feedback_add_branch(GwPeer *consumer, GstElement *isolate);
/* The branch is going: no more NACKs answered from it. Control thread. */
void gw_feedback_remove_branch(GwPeer *consumer, GstElement *isolate);

/* @peer's link as its receiver reports describe it; FALSE before its RTP
 * session exists. Control thread. */
gboolean gw_feedback_sample_quality(GwPeer *peer, GwMediaQuality *quality);

/* Lets every SRTP encoder that appears in @pipeline send a packet twice (a
 * NACK answer). Call once, before any webrtcbin is added. */
void gw_feedback_watch_pipeline(GstElement *pipeline);

/* Starts the room's once-every-500-ms estimate of each receiver's link and the
 * REMB cap it puts on each sender (idempotent). Control thread. */
void gw_feedback_room_start(GwMediaRoom *room);
/* Stops it; before the room's peers go. */
void gw_feedback_room_stop(GwMediaRoom *room);

/* The receiver-driven link estimate (both participants' kinds share it: feedback.c for
 * webrtcbin, native-media.c). */
#define FEEDBACK_TICK_MS 500
#define FEEDBACK_MIN_BPS 250000  /* never ask a sender for less: below, Chrome drops most frames */
#define FEEDBACK_AUDIO_BPS 64000 /* left for the receiver's audio and RTCP */
#define FEEDBACK_UNLIMITED_BPS 50000000 /* a REMB that no longer limits */
#define FEEDBACK_CONGESTED_PCT 20.0     /* twcc-stats loss above which a link counts as full */
#define FEEDBACK_MIN_PACKETS 100        /* TWCC-reported packets needed for a loss figure */
#define FEEDBACK_MIN_WINDOW_US 900000   /* and time: random loss looks like congestion in less */
/* resends: of the forwarded rate, at most, on a link with no limit seen */
#define FEEDBACK_RESEND_SHARE 0.5

/* Pure estimator step, for tests: the new estimate in bit/s (0 = no limit)
 * from the previous one, the receiver's loss in percent in the window before
 * and in this one, and the bitrate it received in this one, @elapsed_s long. */
guint gw_feedback_next_estimate(guint previous_bps, double previous_loss_pct, double loss_pct,
                                guint received_bps, double elapsed_s, guint max_bps);

/* Pure step, for tests: growth near a capacity seen before. After a cut for
 * congestion (@next_bps below @previous_bps with @congested) *@capacity_bps
 * becomes what arrived (@received_bps). While a capacity is known, growth
 * stops at 90 % of it and then goes on slowly (20 kbit/s a second) so a
 * sender does not run into the same limit again; once past 130 % of it the
 * link has widened and the capacity is forgotten. Returns the estimate to use. */
guint gw_feedback_near_capacity(guint previous_bps, guint next_bps, gboolean congested,
                                guint received_bps, double elapsed_s, guint *capacity_bps);

G_END_DECLS
