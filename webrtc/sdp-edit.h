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


G_END_DECLS
