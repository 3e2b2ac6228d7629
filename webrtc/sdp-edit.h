/* SPDX-License-Identifier: Apache-2.0 */
/* SDP checks and edits on GstSDPMessage; no I/O, so tests and fuzzers reach them directly. */
#pragma once

#include <gst/sdp/sdp.h>

#include "webrtc/media-room.h"

G_BEGIN_DECLS

/**
 * gw_sdp_parse:
 * Parses @text (at most @max_length bytes, NUL-terminated) as SDP. Refuses
 * empty, over-long, non-"v=0" and media-less descriptions.
 * Returns: (transfer full) (nullable)
 */
GstSDPMessage *gw_sdp_parse(const char *text, gsize max_length, GError **error);

/**
 * gw_sdp_check_answer:
 * An answer must have exactly the offer's m-lines, in order, with the same
 * media kind and mid, and each accepted m-line must keep a payload type the
 * offer proposed for it.
 */
gboolean gw_sdp_check_answer(const GstSDPMessage *offer, const GstSDPMessage *answer,
                             GError **error);

/**
 * gw_sdp_media_mid:
 * Returns: (transfer none) (nullable): the a=mid of m-line @index.
 */
const char *gw_sdp_media_mid(const GstSDPMessage *sdp, guint index);

/**
 * gw_sdp_media_has_payload:
 * Whether m-line @index lists payload type @pt in its format list.
 */
gboolean gw_sdp_media_has_payload(const GstSDPMessage *sdp, guint index, guint pt);


/**
 * gw_sdp_set_video_bitrate:
 * Tells the browser that sends on m-line @index (payload type @pt) where to
 * start and where to stop: adds x-google-start-bitrate and
 * x-google-max-bitrate (kbit/s) to that payload type's fmtp, creating the
 * fmtp line if there is none. Chrome reads them from the remote description;
 * GStreamer caps fields starting with "x-" never become fmtp, hence an edit.
 * Returns: FALSE if there is no such m-line or payload type.
 */
gboolean gw_sdp_set_video_bitrate(GstSDPMessage *sdp, guint index, guint pt, guint start_kbps,
                                  guint max_kbps);

G_END_DECLS
