/* SPDX-License-Identifier: Apache-2.0 */
/* A pass-through element that keeps one viewer's errors from reaching the shared producer. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GW_TYPE_ISOLATE (gw_isolate_get_type())
G_DECLARE_FINAL_TYPE(GwIsolate, gw_isolate, GW, ISOLATE, GstElement)

/** gw_isolate_new: Returns: (transfer floating): a new isolation element. */
GstElement *gw_isolate_new(void);

/** gw_isolate_get_dropped: buffers dropped because downstream refused them. */
guint64 gw_isolate_get_dropped(GwIsolate *self);

/**
 * gw_isolate_set_open: while closed (not the default), every packet is dropped
 * here, so a push never reaches a consumer that would block it (webrtcbin
 * holds RTP at a blocking pad probe until the DTLS keys are known). Any thread.
 */
void gw_isolate_set_open(GwIsolate *self, gboolean open);

/**
 * gw_isolate_set_history: keep the last packets (copies) of this video so NACKs
 * can be answered; @video_codec ("vp8", "h264") also finds its keyframes, so
 * packets before the newest are not resent and a hole no resend can fill asks
 * the producer for a keyframe. NULL: keep nothing (audio).
 */
void gw_isolate_set_history(GwIsolate *self, const char *video_codec);

/**
 * gw_isolate_set_history_keep: how long a kept packet can still be resent
 * (its copy is let go after that); 0: the default, one second. For tests.
 */
void gw_isolate_set_history_keep(GwIsolate *self, guint ms);

/**
 * gw_isolate_set_late_input: packets missing on the way in may still come,
 * late and out of order (the producer's video has no jitter buffer, lean.c):
 * a NACK for one is not a hole until some time has passed.
 */
void gw_isolate_set_late_input(GwIsolate *self, gboolean late_input);

/** gw_isolate_keyframe_request: (transfer full): an upstream event asking a sender for a keyframe. */
GstEvent *gw_isolate_keyframe_request(void);

/** gw_isolate_ask_keyframe: asks the branch's sender for a keyframe (the upstream event). */
void gw_isolate_ask_keyframe(GwIsolate *self);

/** gw_isolate_get_ssrc: the SSRC of the packets passing, once one has passed. */
gboolean gw_isolate_get_ssrc(GwIsolate *self, guint32 *ssrc);

/**
 * gw_isolate_resend: sends the kept packets with these sequence numbers
 * downstream again, just before the next packet that passes (any thread).
 * Returns: how many were still kept.
 */
guint gw_isolate_resend(GwIsolate *self, const guint16 *seqnums, guint n);

/** gw_isolate_describe_misses: why requested packets were not resent (free it). */
char *gw_isolate_describe_misses(GwIsolate *self);

/** gw_isolate_get_newest: the sequence number of the last packet passed. */
gboolean gw_isolate_get_newest(GwIsolate *self, guint16 *seq);

/** gw_isolate_set_resend_budget: resent bytes a second at most (0: no limit). */
void gw_isolate_set_resend_budget(GwIsolate *self, guint bytes_per_second);

/**
 * gw_isolate_set_congested: the consumer's link loses most of what is sent: a
 * keyframe asked for now would be lost too, so holes ask for none until it clears.
 */
void gw_isolate_set_congested(GwIsolate *self, gboolean congested);

/** gw_isolate_get_resent_bytes: bytes resent so far. */
guint64 gw_isolate_get_resent_bytes(GwIsolate *self);

/** gw_isolate_get_resent: packets resent, and requested ones no longer kept. */
void gw_isolate_get_resent(GwIsolate *self, guint64 *resent, guint64 *missed);

G_END_DECLS
