/* SPDX-License-Identifier: Apache-2.0 */
/* A real element between a source pad a test pushes RTP from and a sink pad
 * that collects what comes out (test-feedback: the isolate; test-lean: the
 * pass-through). Header-only: static functions for the tests that include it. */
#pragma once

#include <gst/gst.h>
#include <gst/rtp/rtp.h>
#include <string.h>

typedef struct {
  GstElement *element;
  GstPad *src;    /* pushes into the element */
  GstPad *sink;   /* collects what it lets through */
  GPtrArray *got; /* GstBuffer*, in the order they came out */
} GwTestPads;

static GstFlowReturn
gw_test_pads_collect(GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  GwTestPads *p = g_object_get_data(G_OBJECT(pad), "gw-test-pads");
  g_ptr_array_add(p->got, buffer);
  return GST_FLOW_OK;
}

static GstFlowReturn
gw_test_pads_collect_list(GstPad *pad, GstObject *parent, GstBufferList *list)
{
  for (guint i = 0; i < gst_buffer_list_length(list); i++)
    gw_test_pads_collect(pad, parent, gst_buffer_ref(gst_buffer_list_get(list, i)));
  gst_buffer_list_unref(list);
  return GST_FLOW_OK;
}

/* Takes @element (floating or not), links it, sets it playing, and sends the
 * sticky events a stream starts with. */
static void
gw_test_pads_init(GwTestPads *p, GstElement *element)
{
  p->got = g_ptr_array_new_with_free_func((GDestroyNotify)gst_buffer_unref);
  p->element = gst_object_ref_sink(element);
  p->src = gst_pad_new("src", GST_PAD_SRC);
  p->sink = gst_pad_new("sink", GST_PAD_SINK);
  g_object_set_data(G_OBJECT(p->sink), "gw-test-pads", p);
  gst_pad_set_chain_function(p->sink, gw_test_pads_collect);
  gst_pad_set_chain_list_function(p->sink, gw_test_pads_collect_list);
  g_autoptr(GstPad) esink = gst_element_get_static_pad(p->element, "sink");
  g_autoptr(GstPad) esrc = gst_element_get_static_pad(p->element, "src");
  g_assert_cmpint(gst_pad_link(p->src, esink), ==, GST_PAD_LINK_OK);
  g_assert_cmpint(gst_pad_link(esrc, p->sink), ==, GST_PAD_LINK_OK);
  gst_pad_set_active(p->src, TRUE);
  gst_pad_set_active(p->sink, TRUE);
  g_assert_cmpint(gst_element_set_state(p->element, GST_STATE_PLAYING), !=,
                  GST_STATE_CHANGE_FAILURE);
  g_assert_true(gst_pad_push_event(p->src, gst_event_new_stream_start("test")));
  g_autoptr(GstCaps) caps = gst_caps_new_empty_simple("application/x-rtp");
  g_assert_true(gst_pad_push_event(p->src, gst_event_new_caps(caps)));
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  g_assert_true(gst_pad_push_event(p->src, gst_event_new_segment(&segment)));
}

static void
gw_test_pads_clear(GwTestPads *p)
{
  gst_element_set_state(p->element, GST_STATE_NULL);
  gst_pad_set_active(p->src, FALSE);
  gst_pad_set_active(p->sink, FALSE);
  gst_object_unref(p->src);
  gst_object_unref(p->sink);
  gst_object_unref(p->element);
  g_ptr_array_unref(p->got);
}

/* An RTP packet (payload type 96) whose payload is @payload_len bytes of seq & 0xff. */
static GstBuffer *
gw_test_rtp_packet(guint16 seq, guint32 ssrc, guint payload_len)
{
  GstBuffer *buffer = gst_rtp_buffer_new_allocate(payload_len, 0, 0);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  g_assert_true(gst_rtp_buffer_map(buffer, GST_MAP_WRITE, &rtp));
  gst_rtp_buffer_set_seq(&rtp, seq);
  gst_rtp_buffer_set_ssrc(&rtp, ssrc);
  gst_rtp_buffer_set_payload_type(&rtp, 96);
  memset(gst_rtp_buffer_get_payload(&rtp), seq & 0xff, payload_len);
  gst_rtp_buffer_unmap(&rtp);
  return buffer;
}

static guint16
gw_test_seq_of(GstBuffer *buffer)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  g_assert_true(gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp));
  guint16 seq = gst_rtp_buffer_get_seq(&rtp);
  gst_rtp_buffer_unmap(&rtp);
  return seq;
}
