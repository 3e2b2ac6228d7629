/* SPDX-License-Identifier: Apache-2.0 */
/* Big-endian fields of RTP, RTCP and DTLS packets, byte by byte: a field inside a
 * datagram need not be aligned, and GStreamer's GST_READ_* macros load unaligned words
 * (which UBSan refuses). */
#pragma once

#include <glib.h>

static inline guint
gw_read16(const guint8 *p)
{
  return (guint)p[0] << 8 | p[1];
}

static inline guint32
gw_read32(const guint8 *p)
{
  return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

static inline void
gw_write16(guint8 *p, guint v)
{
  p[0] = (guint8)(v >> 8);
  p[1] = (guint8)v;
}

static inline void
gw_write32(guint8 *p, guint32 v)
{
  p[0] = (guint8)(v >> 24);
  p[1] = (guint8)(v >> 16);
  p[2] = (guint8)(v >> 8);
  p[3] = (guint8)v;
}
