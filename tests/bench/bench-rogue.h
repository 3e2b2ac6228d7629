/* SPDX-License-Identifier: Apache-2.0 */
/* A misbehaving sender for abuse tests: media for streams a peer never negotiated. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _BenchRogue BenchRogue;

/**
 * bench_rogue_attach:
 * @webrtc: (transfer none): a sending peer's webrtcbin
 * @sink_pad: the webrtcbin sink pad whose packets are rewritten (its audio: "sink_0")
 * @n_ssrcs: how many foreign SSRCs to cycle through per kind
 *
 * Every third packet through @sink_pad leaves with a foreign SSRC: half of them with a
 * payload type no SDP mentioned (77), half with the negotiated one.
 *
 * Returns: (transfer none) (nullable): owned by the pad's probe (freed with the pipeline)
 */
BenchRogue *bench_rogue_attach(GstElement *webrtc, const char *sink_pad, guint n_ssrcs);
/* Packets rewritten so far; 0 for NULL. */
guint64 bench_rogue_rewritten(BenchRogue *rogue);

G_END_DECLS
