/* SPDX-License-Identifier: Apache-2.0 */
/* A misbehaving sender for abuse tests: rewrites some of a peer's outgoing audio packets, after
 * negotiation, into streams it never negotiated (foreign SSRCs, an un-negotiated payload type).
 * They leave through the peer's webrtcbin, so the gateway gets them as valid SRTP. */
#include "bench-rogue.h"

#include <gst/rtp/rtp.h>

/* Payload type in no offer or answer of ours (dynamic range, unused by Balie and browsers). */
#define ROGUE_PT 77
/* One packet in this many is rewritten; the others keep the call's real stream going. */
#define ROGUE_EVERY 3
#define ROGUE_SSRC_BASE_UNKNOWN_PT 0x0bad0000u
#define ROGUE_SSRC_BASE_KNOWN_PT 0x0bad8000u

struct _BenchRogue {
  guint n_ssrcs;
  guint64 seen;
  guint64 rewritten; /* atomic */
};

static GstBuffer *
rewrite(BenchRogue *rogue, GstBuffer *buffer)
{
  guint64 n = rogue->seen++;

  if (n % ROGUE_EVERY != ROGUE_EVERY - 1)
    return buffer;
  guint64 k = n / ROGUE_EVERY;
  buffer = gst_buffer_make_writable(buffer);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(buffer, GST_MAP_READWRITE, &rtp))
    return buffer;
  guint32 slot = (guint32)((k / 2) % rogue->n_ssrcs);
  if (k % 2 == 0) {
    /* A payload type nobody negotiated, on a stream nobody announced. */
    gst_rtp_buffer_set_payload_type(&rtp, ROGUE_PT);
    gst_rtp_buffer_set_ssrc(&rtp, ROGUE_SSRC_BASE_UNKNOWN_PT + slot);
  } else {
    /* The negotiated audio payload type on streams never announced: many of them. */
    gst_rtp_buffer_set_ssrc(&rtp, ROGUE_SSRC_BASE_KNOWN_PT + slot);
  }
  gst_rtp_buffer_unmap(&rtp);
  __atomic_add_fetch(&rogue->rewritten, 1, __ATOMIC_RELAXED);
  return buffer;
}

static gboolean
rewrite_item(GstBuffer **buffer, guint idx, gpointer data)
{
  *buffer = rewrite(data, *buffer);
  return TRUE;
}

static GstPadProbeReturn
on_buffer(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    info->data = rewrite(data, GST_PAD_PROBE_INFO_BUFFER(info));
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = gst_buffer_list_make_writable(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
    gst_buffer_list_foreach(list, rewrite_item, data);
    info->data = list;
  }
  return GST_PAD_PROBE_OK;
}

BenchRogue *
bench_rogue_attach(GstElement *webrtc, const char *sink_pad, guint n_ssrcs)
{
  g_autoptr(GstPad) pad = gst_element_get_static_pad(webrtc, sink_pad);

  if (pad == NULL || n_ssrcs == 0)
    return NULL;
  BenchRogue *rogue = g_new0(BenchRogue, 1);
  rogue->n_ssrcs = n_ssrcs;
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, on_buffer,
                    rogue, g_free);
  return rogue;
}

guint64
bench_rogue_rewritten(BenchRogue *rogue)
{
  return rogue != NULL ? __atomic_load_n(&rogue->rewritten, __ATOMIC_RELAXED) : 0;
}
