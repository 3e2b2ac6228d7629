/* SPDX-License-Identifier: Apache-2.0 */
/* The key and the two profiles fuzz-srtp and fuzz-srtcp run webrtc/srtp.c with. */
#pragma once

#include "webrtc/srtp.h"

/* RFC 3711 B.2's master key and salt; the seeds in corpus/srtp/ and corpus/srtcp/ are
 * protected with it. */
static const guint8 master[GW_SRTP_MASTER_LEN] = {
    0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41,
    0x39, 0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6};

static const struct {
  GwSrtpProfile profile;
  gsize tag;
} profiles[] = {
    {GW_SRTP_AES_CM_128_HMAC_SHA1_80, 10},
    {GW_SRTP_AES_CM_128_HMAC_SHA1_32, 4},
};
