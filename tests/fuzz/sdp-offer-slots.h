/* SPDX-License-Identifier: Apache-2.0 */
/* The offer test-sdp-offer and fuzz-sdp-offer read answers against: the browser's audio
 * and camera in, another peer's camera out (the ICE credentials and fingerprint of the
 * webrtcbin offer the tests embed). */
#pragma once

#include "webrtc/sdp-offer.h"

#define SDP_OFFER_UFRAG "WlKOdM6v37/9juL8t0Y2B8OgieKZpfxg"
#define SDP_OFFER_PWD "yOJApzdKi8FJgmiEpPjpSDIvTmowyvzk"
#define SDP_OFFER_FINGERPRINT                                                                      \
  "sha-256 56:DD:76:56:45:B1:48:69:59:40:11:FE:9A:E7:FC:13:51:A2:8E:8B:7A:B9:56:70:76:87:DB:4D:"   \
  "AD:A8:F1:E6"

#define SDP_OFFER_SLOTS_IN_AND_CAMERA_OUT                                                          \
  {.mid = "audio0", .codec = GW_SDP_CODEC_OPUS, .direction = GW_SDP_GATEWAY_RECEIVES, .pt = 96},   \
      {.mid = "video1",                                                                            \
       .codec = GW_SDP_CODEC_VP8,                                                                  \
       .direction = GW_SDP_GATEWAY_RECEIVES,                                                       \
       .pt = 97,                                                                                   \
       .start_kbps = 1000,                                                                         \
       .max_kbps = 2000},                                                                          \
  {                                                                                                \
    .mid = "video2", .codec = GW_SDP_CODEC_VP8, .direction = GW_SDP_GATEWAY_SENDS, .pt = 99,       \
    .ssrc = 11111111, .rtx_ssrc = 22222222, .msid_stream = "peer-b", .msid_track = "peer-b-camera" \
  }
