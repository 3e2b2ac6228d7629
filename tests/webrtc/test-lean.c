/* SPDX-License-Identifier: Apache-2.0 */
/* The pass-through that stands in for rtpbin's jitter buffer (lean.c): its
 * missing-packet list, bounded against any sequence numbers a peer makes up,
 * and the real element between two pads asking upstream for lost packets. */
#include "tests/webrtc/element-pads.h"
#include "webrtc/lean.h"

#include <gst/rtp/rtp.h>

#define MS 1000

static guint
feed(GwNackState *s, guint16 seq, gint64 now_us, guint16 *ask)
{
  return gw_nack_on_packet(s, seq, now_us, ask, GW_NACK_MAX_MISSING);
}

static void
test_gaps(void)
{
  GwNackState s = {0};
  guint16 ask[GW_NACK_MAX_MISSING];
  gint64 t = 1000000;
  g_assert_cmpuint(feed(&s, 100, t, ask), ==, 0);
  g_assert_cmpuint(feed(&s, 101, t += MS, ask), ==, 0);
  /* A gap asks at once for what is missing, oldest first. */
  g_assert_cmpuint(feed(&s, 104, t += MS, ask), ==, 2);
  g_assert_cmpuint(ask[0], ==, 102);
  g_assert_cmpuint(ask[1], ==, 103);
  /* Not again before the retry time (40 ms while no round trip is known)... */
  g_assert_cmpuint(feed(&s, 105, t += 10 * MS, ask), ==, 0);
  /* ...and a reordered packet that was not asked for is simply taken off. */
  g_assert_cmpuint(feed(&s, 107, t += MS, ask), ==, 1);
  g_assert_cmpuint(ask[0], ==, 106);
  g_assert_cmpuint(feed(&s, 106, t += MS, ask), ==, 0); /* 1 ms: a round trip of 1 ms */
  g_assert_cmpint(s.rtt_us, ==, 1 * MS);
  g_assert_cmpuint(s.n, ==, 2);
  /* 102 comes (the resend): off the list; 103 is asked again later, a few times in all. */
  g_assert_cmpuint(feed(&s, 102, t += 30 * MS, ask), ==, 1);
  g_assert_cmpuint(ask[0], ==, 103);
  guint again = 0;
  for (guint16 seq = 108; seq < 200; seq++)
    again += feed(&s, seq, t += 20 * MS, ask);
  g_assert_cmpuint(again, ==, 2); /* 4 requests for 103 in all */
  g_assert_cmpuint(s.n, ==, 0);
  g_assert_cmpuint(s.asked, ==, 6);
  g_assert_cmpuint(s.recovered, ==, 2);
  g_assert_cmpuint(s.given_up, ==, 1);

  /* Across the wrap of the sequence number. */
  GwNackState w = {0};
  g_assert_cmpuint(feed(&w, 65534, t, ask), ==, 0);
  g_assert_cmpuint(feed(&w, 1, t += MS, ask), ==, 2);
  g_assert_cmpuint(ask[0], ==, 65535);
  g_assert_cmpuint(ask[1], ==, 0);
  g_assert_cmpuint(feed(&w, 0, t += MS, ask), ==, 0);
  g_assert_cmpuint(w.n, ==, 1);

  /* Given up after a second even if it was asked for less often. */
  GwNackState slow = {0};
  g_assert_cmpuint(feed(&slow, 10, t, ask), ==, 0);
  g_assert_cmpuint(feed(&slow, 12, t += MS, ask), ==, 1);
  g_assert_cmpuint(feed(&slow, 13, t += 1100 * MS, ask), ==, 0);
  g_assert_cmpuint(slow.n, ==, 0);
  g_assert_cmpuint(slow.given_up, ==, 1);
}

static void
test_jumps(void)
{
  GwNackState s = {0};
  guint16 ask[GW_NACK_MAX_MISSING];
  gint64 t = 1000000;
  feed(&s, 1000, t, ask);
  /* A jump far ahead is a new start (a restarted sender), not 20,000 losses. */
  g_assert_cmpuint(feed(&s, 21000, t += MS, ask), ==, 0);
  g_assert_cmpuint(s.n, ==, 0);
  g_assert_cmpuint(s.highest, ==, 21000);
  g_assert_cmpuint(s.restarts, ==, 1);
  /* Far back too. */
  g_assert_cmpuint(feed(&s, 15000, t += MS, ask), ==, 0);
  g_assert_cmpuint(s.highest, ==, 15000);
  /* A gap wider than the list keeps the newest. */
  g_assert_cmpuint(feed(&s, 15200, t += MS, ask), ==, GW_NACK_MAX_MISSING);
  g_assert_cmpuint(ask[0], ==, 15200 - GW_NACK_MAX_MISSING);
  g_assert_cmpuint(ask[GW_NACK_MAX_MISSING - 1], ==, 15199);
  /* Asking for fewer than are due: the rest go next time. */
  guint16 one[1];
  g_assert_cmpuint(gw_nack_on_packet(&s, 15203, t += MS, one, 1), ==, 1);
  g_assert_cmpuint(one[0], ==, 15201);
  g_assert_cmpuint(feed(&s, 15204, t += MS, ask), ==, 1);
  g_assert_cmpuint(ask[0], ==, 15202);
  g_assert_cmpuint(s.n, ==, GW_NACK_MAX_MISSING);
}

/* A peer sending made-up sequence numbers: the list, and the work per packet, stay bounded. */
static void
test_wild(void)
{
  GwNackState s = {0};
  guint16 ask[GW_NACK_MAX_MISSING];
  g_autoptr(GRand) rand = g_rand_new_with_seed(4);
  gint64 t = 1000000;
  guint64 asked = 0;
  guint most = 0;
  for (guint i = 0; i < 200000; i++) {
    guint16 seq;
    switch (g_rand_int_range(rand, 0, 4)) {
    case 0:
      seq = (guint16)g_rand_int(rand);
      break; /* anywhere */
    case 1:
      seq = (guint16)(s.highest + g_rand_int_range(rand, 1, 300));
      break; /* gaps */
    case 2:
      seq = (guint16)(s.highest - g_rand_int_range(rand, 0, 1100));
      break; /* late */
    default:
      seq = (guint16)(s.highest + 1);
      break;
    }
    t += g_rand_int_range(rand, 0, 3000);
    guint n = feed(&s, seq, t, ask);
    g_assert_cmpuint(s.n, <=, GW_NACK_MAX_MISSING);
    most = MAX(most, n);
    asked += n;
  }
  g_assert_cmpuint(most, <=, GW_NACK_MAX_MISSING);
  g_assert_cmpuint(s.asked, ==, asked);
  /* At most 1000 requests a second (after a first burst of 256). */
  g_assert_cmpuint(asked, <=, (guint64)((t - 1000000) / 1000) + 256);
  g_test_message("200000 wild packets: %" G_GUINT64_FORMAT " requests, %" G_GUINT64_FORMAT
                 " restarts, most at once %u",
                 asked, s.restarts, most);
}

/* ---- the element between two pads ---- */

typedef struct {
  GwTestPads pads;
  GPtrArray *requests; /* GstStructure* of the retransmission requests upstream */
  guint others;        /* other upstream events */
} Harness;

static gboolean
upstream_event(GstPad *pad, GstObject *parent, GstEvent *event)
{
  Harness *h = g_object_get_data(G_OBJECT(pad), "harness");
  if (gst_event_has_name(event, "GstRTPRetransmissionRequest"))
    g_ptr_array_add(h->requests, gst_structure_copy(gst_event_get_structure(event)));
  else
    h->others++;
  gst_event_unref(event);
  return TRUE;
}

static void
harness_init(Harness *h, gboolean nack)
{
  GstElement *pass = gw_lean_pass_new();
  g_object_set(pass, "latency", 200u, "do-retransmission", nack, NULL);
  gw_test_pads_init(&h->pads, pass);
  h->requests = g_ptr_array_new_with_free_func((GDestroyNotify)gst_structure_free);
  g_object_set_data(G_OBJECT(h->pads.src), "harness", h);
  gst_pad_set_event_function(h->pads.src, upstream_event);
}

static void
harness_clear(Harness *h)
{
  gw_test_pads_clear(&h->pads);
  g_ptr_array_unref(h->requests);
}

static GstBuffer *
rtp_packet(guint16 seq, guint32 ssrc)
{
  return gw_test_rtp_packet(seq, ssrc, 100);
}

static void
test_element(void)
{
  Harness h = {0};
  harness_init(&h, TRUE);
  static const guint16 order[] = {10, 11, 14, 15, 12, 16, 13}; /* 12, 13: resends, late */
  for (guint i = 0; i < G_N_ELEMENTS(order); i++)
    g_assert_cmpint(gst_pad_push(h.pads.src, rtp_packet(order[i], 0xcafe)), ==, GST_FLOW_OK);
  /* Everything passes at once, in the order it came. */
  g_assert_cmpuint(h.pads.got->len, ==, G_N_ELEMENTS(order));
  for (guint i = 0; i < G_N_ELEMENTS(order); i++)
    g_assert_cmpuint(gw_test_seq_of(g_ptr_array_index(h.pads.got, i)), ==, order[i]);
  /* 12 and 13 were asked for upstream, as rtpjitterbuffer asks. */
  g_assert_cmpuint(h.requests->len, ==, 2);
  for (guint i = 0; i < 2; i++) {
    const GstStructure *r = g_ptr_array_index(h.requests, i);
    guint seqnum = 0, ssrc = 0, deadline = 0, delay = 99;
    g_assert_true(gst_structure_get_uint(r, "seqnum", &seqnum));
    g_assert_true(gst_structure_get_uint(r, "ssrc", &ssrc));
    g_assert_true(gst_structure_get_uint(r, "deadline", &deadline));
    g_assert_true(gst_structure_get_uint(r, "delay", &delay));
    g_assert_true(gst_structure_has_field(r, "avg-rtt"));
    g_assert_cmpuint(seqnum, ==, 12u + i);
    g_assert_cmphex(ssrc, ==, 0xcafe);
    g_assert_cmpuint(deadline, >, delay); /* rtpsession sends it, not drops it */
  }
  g_assert_cmpuint(h.others, ==, 0);
  GwNackState stats;
  g_assert_true(gw_lean_pass_get_stats(h.pads.element, &stats));
  g_assert_cmpuint(stats.n, ==, 0);
  g_assert_cmpuint(stats.recovered, ==, 2);

  /* Other upstream events still pass (a keyframe request). */
  g_assert_true(gst_pad_push_event(
      h.pads.sink,
      gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM, gst_structure_new_empty("GstForceKeyUnit"))));
  g_assert_cmpuint(h.others, ==, 1);
  harness_clear(&h);

  /* Without do-retransmission (audio): a plain pass-through, nothing asked, nothing kept. */
  Harness a = {0};
  harness_init(&a, FALSE);
  for (guint i = 0; i < G_N_ELEMENTS(order); i++)
    g_assert_cmpint(gst_pad_push(a.pads.src, rtp_packet(order[i], 0xa0d10)), ==, GST_FLOW_OK);
  g_assert_cmpuint(a.pads.got->len, ==, G_N_ELEMENTS(order));
  g_assert_cmpuint(a.requests->len, ==, 0);
  g_assert_false(gw_lean_pass_get_stats(a.pads.element, &stats));
  harness_clear(&a);

  /* Made-up sequence numbers through the element: requests stay bounded. */
  Harness w = {0};
  harness_init(&w, TRUE);
  g_autoptr(GRand) rand = g_rand_new_with_seed(7);
  for (guint i = 0; i < 5000; i++)
    g_assert_cmpint(gst_pad_push(w.pads.src, rtp_packet((guint16)g_rand_int(rand), 0xbad)), ==,
                    GST_FLOW_OK);
  g_assert_cmpuint(w.pads.got->len, ==, 5000);
  g_assert_true(gw_lean_pass_get_stats(w.pads.element, &stats));
  g_assert_cmpuint(stats.n, <=, GW_NACK_MAX_MISSING);
  g_assert_cmpuint(w.requests->len, ==, stats.asked);
  g_test_message("5000 random sequence numbers: %u requests", w.requests->len);
  harness_clear(&w);
}

/* ---- the NACKs written into the session's RTCP (lean.c, 1c) ---- */

/* An RTCP packet as the session hands it to on-sending-rtcp: a receiver report. */
static GstBuffer *
session_rtcp(guint mtu)
{
  GstBuffer *buffer = gst_rtcp_buffer_new(mtu);
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  GstRTCPPacket packet;
  g_assert_true(gst_rtcp_buffer_map(buffer, GST_MAP_READWRITE, &rtcp));
  g_assert_true(gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_RR, &packet));
  gst_rtcp_packet_rr_set_ssrc(&packet, 0x5e5);
  gst_rtcp_buffer_unmap(&rtcp);
  return buffer;
}

/* The sequence numbers @buffer's Generic NACKs ask @media_ssrc for, counted
 * into @asked (index: sequence number); checks the sender SSRC. */
static guint
nacked(GstBuffer *buffer, guint32 media_ssrc, guint8 *asked)
{
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  GstRTCPPacket packet;
  guint n = 0;
  g_assert_true(gst_rtcp_buffer_validate_reduced(buffer));
  g_assert_true(gst_rtcp_buffer_map(buffer, GST_MAP_READ, &rtcp));
  for (gboolean more = gst_rtcp_buffer_get_first_packet(&rtcp, &packet); more;
       more = gst_rtcp_packet_move_to_next(&packet)) {
    if (gst_rtcp_packet_get_type(&packet) != GST_RTCP_TYPE_RTPFB ||
        gst_rtcp_packet_fb_get_type(&packet) != GST_RTCP_RTPFB_TYPE_NACK ||
        gst_rtcp_packet_fb_get_media_ssrc(&packet) != media_ssrc)
      continue;
    g_assert_cmpuint(gst_rtcp_packet_fb_get_sender_ssrc(&packet), ==, 0x5e5);
    const guint8 *fci = gst_rtcp_packet_fb_get_fci(&packet);
    for (guint p = 0; p < gst_rtcp_packet_fb_get_fci_length(&packet); p++) {
      guint16 pid = GST_READ_UINT16_BE(fci + 4 * p), blp = GST_READ_UINT16_BE(fci + 4 * p + 2);
      asked[pid]++;
      n++;
      for (guint bit = 0; bit < 16; bit++)
        if (blp & (1u << bit)) {
          asked[(guint16)(pid + bit + 1)]++;
          n++;
        }
    }
  }
  gst_rtcp_buffer_unmap(&rtcp);
  return n;
}

static void
test_nack_out(void)
{
  const gint64 now = 10 * G_USEC_PER_SEC, later = now + 200 * MS;
  g_autofree guint8 *asked = g_malloc0(65536);
  g_autofree guint8 *other = g_malloc0(65536);

  /* Two SSRCs; one asked twice; numbers across a wrap share one mask. */
  GwNackOut *out = gw_nack_out_new();
  static const guint16 seqs[] = {100, 101, 116, 117, 65535, 3};
  for (guint i = 0; i < G_N_ELEMENTS(seqs); i++)
    g_assert_true(gw_nack_out_add(out, 0xa, seqs[i], later));
  g_assert_true(gw_nack_out_add(out, 0xb, 5, later));
  g_assert_false(gw_nack_out_add(out, 0xa, 101, later + 1));
  GstBuffer *buffer = session_rtcp(1200);
  g_assert_cmpuint(gw_nack_out_write(out, buffer, 0x5e5, FALSE, now), ==, 7);
  g_assert_cmpuint(nacked(buffer, 0xa, asked), ==, 6);
  for (guint i = 0; i < G_N_ELEMENTS(seqs); i++)
    g_assert_cmpuint(asked[seqs[i]], ==, 1);
  g_assert_cmpuint(nacked(buffer, 0xb, other), ==, 1);
  g_assert_cmpuint(other[5], ==, 1);
  gst_buffer_unref(buffer);
  /* Written once: nothing waits now. */
  buffer = session_rtcp(1200);
  g_assert_cmpuint(gw_nack_out_write(out, buffer, 0x5e5, TRUE, now), ==, 0);
  gst_buffer_unref(buffer);

  /* Expired before an RTCP packet went: dropped, except the newest in an early one. */
  g_assert_true(gw_nack_out_add(out, 0xa, 500, now - 1));
  g_assert_true(gw_nack_out_add(out, 0xa, 600, now - 1));
  buffer = session_rtcp(1200);
  g_assert_cmpuint(gw_nack_out_write(out, buffer, 0x5e5, TRUE, now), ==, 1);
  memset(asked, 0, 65536);
  g_assert_cmpuint(nacked(buffer, 0xa, asked), ==, 1);
  g_assert_cmpuint(asked[600], ==, 1);
  gst_buffer_unref(buffer);
  g_assert_true(gw_nack_out_add(out, 0xa, 700, now - 1));
  buffer = session_rtcp(1200);
  g_assert_cmpuint(gw_nack_out_write(out, buffer, 0x5e5, FALSE, now), ==, 0);
  gst_buffer_unref(buffer);
  guint64 written, expired, dropped;
  gw_nack_out_counts(out, &written, &expired, &dropped);
  g_assert_cmpuint(written, ==, 8);
  g_assert_cmpuint(expired, ==, 2);
  g_assert_cmpuint(dropped, ==, 0);
  gw_nack_out_free(out);

  /* More than a packet holds: the rest waits for the next one; none twice,
   * none lost. Past the list's bound the oldest give way. */
  out = gw_nack_out_new();
  for (guint i = 0; i < GW_NACK_OUT_MAX + 10; i++)
    gw_nack_out_add(out, 0xc, (guint16)(i * 20), later);
  memset(asked, 0, 65536);
  guint total = 0, packets = 0;
  for (guint n; packets < 100; packets++) {
    buffer = session_rtcp(200);
    n = gw_nack_out_write(out, buffer, 0x5e5, FALSE, now);
    g_assert_cmpuint(nacked(buffer, 0xc, asked), ==, n);
    g_assert_cmpuint(gst_buffer_get_size(buffer), <=, 200);
    gst_buffer_unref(buffer);
    if (n == 0)
      break;
    total += n;
  }
  g_assert_cmpuint(total, ==, GW_NACK_OUT_MAX);
  for (guint i = 0; i < GW_NACK_OUT_MAX + 10; i++)
    g_assert_cmpuint(asked[(guint16)(i * 20)], ==, i < 10 ? 0 : 1);
  gw_nack_out_counts(out, &written, &expired, &dropped);
  g_assert_cmpuint(dropped, ==, 10);
  g_test_message("%u numbers 20 apart in %u RTCP packets of 200 bytes", total, packets);
  gw_nack_out_free(out);
}

int
main(int argc, char **argv)
{
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/lean/nack/gaps", test_gaps);
  g_test_add_func("/lean/nack/jumps", test_jumps);
  g_test_add_func("/lean/nack/wild", test_wild);
  g_test_add_func("/lean/pass", test_element);
  g_test_add_func("/lean/nack/out", test_nack_out);
  return g_test_run();
}
