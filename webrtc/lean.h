/* SPDX-License-Identifier: Apache-2.0 */
/* Forwarded audio skips rtpbin's jitter buffer (and its two threads); see lean.c. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * gw_lean_install_peer: from now on, a stream @webrtc receives on one of the
 * payload types given to gw_lean_add_audio_pt() gets a pass-through element
 * instead of an rtpjitterbuffer. Call once, before the first negotiation.
 * Returns: FALSE if this rtpbin cannot take a replacement (every stream then
 * keeps its jitter buffer).
 */
gboolean gw_lean_install_peer(GstElement *webrtc);

/** gw_lean_add_audio_pt: @pt is an audio m-line @webrtc receives on (any thread). */
void gw_lean_add_audio_pt(GstElement *webrtc, guint pt);

/** gw_lean_is_audio_pass: @element is such a pass-through, not a jitter buffer. */
gboolean gw_lean_is_audio_pass(GstElement *element);

/**
 * gw_lean_watch_pipeline: every rtpfunnel that appears in @pipeline passes
 * each of webrtcbin's "GstWebRtcBinUpdateTos" events once instead of at every
 * switch between its inputs (see lean.c).
 */
void gw_lean_watch_pipeline(GstElement *pipeline);

G_END_DECLS
