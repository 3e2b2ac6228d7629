/* SPDX-License-Identifier: Apache-2.0 */
/* Receiver feedback: the link estimator behind the REMB caps, and the branch
 * history that answers NACKs (a real GwIsolate between two real pads). */
#include <gst/rtp/rtp.h>
#include <string.h>

#include "tests/webrtc/element-pads.h"
#include "webrtc/feedback.h"
#include "webrtc/isolate.h"

#define MAX_BPS 4000000

static void
test_estimate(void)
{
  /* A clean link sets no limit, and moderate loss (random, not congestion) none either. */
  g_assert_cmpuint(gw_feedback_next_estimate(0, 0.0, 0.0, 2000000, 1.0, MAX_BPS), ==, 0);
  g_assert_cmpuint(gw_feedback_next_estimate(0, 15.0, 15.0, 2000000, 1.0, MAX_BPS), ==, 0);
  /* One window of heavy loss alone is not enough (a burst of random loss)... */
  g_assert_cmpuint(gw_feedback_next_estimate(0, 3.0, 30.0, 1500000, 1.0, MAX_BPS), ==, 0);
  /* ...unless most packets are lost. */
  g_assert_cmpuint(gw_feedback_next_estimate(0, 3.0, 70.0, 500000, 1.0, MAX_BPS), ==, 425000);
  /* Two: down to a little under what arrived (less half the loss when that is less). */
  g_assert_cmpuint(gw_feedback_next_estimate(0, 25.0, 25.0, 1000000, 1.0, MAX_BPS), ==, 875000);
  guint est = gw_feedback_next_estimate(0, 80.0, 80.0, 400000, 1.0, MAX_BPS);
  g_assert_cmpuint(est, ==, 340000);
  /* More heavy loss at a higher arrival rate does not raise it again. */
  g_assert_cmpuint(gw_feedback_next_estimate(est, 30.0, 30.0, 500000, 1.0, MAX_BPS), ==, est);
  /* Unlimited, between 2 and 20 % it holds; once limited, over 10 % cuts (GCC). */
  g_assert_cmpuint(gw_feedback_next_estimate(0, 15.0, 15.0, 2000000, 1.0, MAX_BPS), ==, 0);
  g_assert_cmpuint(gw_feedback_next_estimate(est, 30.0, 8.0, 300000, 1.0, MAX_BPS), ==, est);
  g_assert_cmpuint(gw_feedback_next_estimate(est, 3.0, 15.0, 300000, 1.0, MAX_BPS), ==, 277500);
  /* Never below the floor (Chrome drops most frames under it). */
  g_assert_cmpuint(gw_feedback_next_estimate(est, 90.0, 90.0, 10000, 1.0, MAX_BPS), ==, 250000);
  /* Clean again: it grows, 16 % a second, and lets go above the maximum. */
  guint grown = gw_feedback_next_estimate(est, 0.0, 0.0, 340000, 1.0, MAX_BPS);
  g_assert_cmpuint(grown, >, est);
  g_assert_cmpuint(grown, <=, est * 1.17);
  guint ticks = 0;
  for (est = grown; est != 0 && ticks < 1000; ticks++)
    est = gw_feedback_next_estimate(est, 0.0, 0.0, est, 1.0, MAX_BPS);
  g_assert_cmpuint(est, ==, 0);
  g_assert_cmpuint(ticks, <, 25); /* from 0.4 to 4 Mbit/s in under 25 s */
}

static void
test_near_capacity(void)
{
  guint capacity = 0;
  /* No capacity known: the estimator's own step, unchanged. */
  g_assert_cmpuint(gw_feedback_near_capacity(300000, 348000, FALSE, 300000, 1.0, &capacity), ==,
                   348000);
  g_assert_cmpuint(capacity, ==, 0);
  /* A cut for congestion remembers what arrived. */
  g_assert_cmpuint(gw_feedback_near_capacity(2000000, 280000, TRUE, 330000, 1.0, &capacity), ==,
                   280000);
  g_assert_cmpuint(capacity, ==, 330000);
  /* Growth stops at 90 % of it... */
  guint est = gw_feedback_near_capacity(280000, 324800, FALSE, 280000, 1.0, &capacity);
  g_assert_cmpuint(est, ==, 297000);
  /* ...then goes on by 20 kbit/s a second (also from exactly the ceiling), */
  est = gw_feedback_near_capacity(est, 344520, FALSE, 290000, 1.0, &capacity);
  g_assert_cmpuint(est, ==, 317000);
  guint at_ceiling = 0;
  guint other = 351000; /* 90 % of it is not a whole number in floating point */
  at_ceiling = gw_feedback_near_capacity(315900, 366444, FALSE, 300000, 1.0, &other);
  g_assert_cmpuint(at_ceiling, ==, 335900);
  g_assert_cmpuint(capacity, ==, 330000);
  /* and past 130 % of it the capacity is forgotten (the limit went). */
  guint ticks = 0;
  while (capacity != 0 && ticks < 100) {
    est = gw_feedback_near_capacity(est, (guint)(est * 1.16), FALSE, est, 1.0, &capacity);
    ticks++;
  }
  g_assert_cmpuint(capacity, ==, 0);
  g_assert_cmpuint(ticks, ==, 6); /* 317 -> 437 kbit/s */
  /* Grown past the maximum (0: no limit) with a capacity in mind: kept growing slowly. */
  capacity = 330000;
  g_assert_cmpuint(gw_feedback_near_capacity(310000, 0, FALSE, 300000, 1.0, &capacity), ==, 330000);
  /* A cut that is not lower than before leaves the capacity. */
  g_assert_cmpuint(gw_feedback_near_capacity(250000, 250000, TRUE, 200000, 1.0, &capacity), ==,
                   250000);
  g_assert_cmpuint(capacity, ==, 330000);
}

/* ---- the isolate between a source pad and a collecting sink pad ---- */

typedef GwTestPads Branch;

static void
branch_init(Branch *b)
{
  gw_test_pads_init(b, gw_isolate_new());
}

static void
branch_clear(Branch *b)
{
  gw_test_pads_clear(b);
}

static GstBuffer *
rtp_packet(guint16 seq, guint payload_len)
{
  return gw_test_rtp_packet(seq, 0x1234abcd, payload_len);
}

static void
test_resend(void)
{
  Branch b = {0};
  branch_init(&b);
  GwIsolate *iso = GW_ISOLATE(b.element);
  guint32 ssrc = 0;
  g_assert_false(gw_isolate_get_ssrc(iso, &ssrc));

  /* Without history nothing can be resent. */
  g_assert_cmpint(gst_pad_push(b.src, rtp_packet(1, 100)), ==, GST_FLOW_OK);
  guint16 one = 1;
  g_assert_cmpuint(gw_isolate_resend(iso, &one, 1), ==, 0);
  g_assert_true(gw_isolate_get_ssrc(iso, &ssrc));
  g_assert_cmphex(ssrc, ==, 0x1234abcd);

  /* A codec it does not know: a history, no keyframe logic (these payloads
   * are filler that could read as keyframe headers). */
  gw_isolate_set_history(iso, "filler");
  for (guint16 seq = 2; seq <= 20; seq++)
    g_assert_cmpint(gst_pad_push(b.src, rtp_packet(seq, 100 + seq)), ==, GST_FLOW_OK);
  g_assert_cmpuint(b.got->len, ==, 20);

  /* Two kept, one never seen: the kept ones come out again, byte for byte,
   * from the branch's own thread just before the next packet. */
  guint16 asked[] = {5, 17, 900};
  g_assert_cmpuint(gw_isolate_resend(iso, asked, G_N_ELEMENTS(asked)), ==, 2);
  g_assert_cmpuint(b.got->len, ==, 20);
  g_assert_cmpint(gst_pad_push(b.src, rtp_packet(21, 100)), ==, GST_FLOW_OK);
  g_assert_cmpuint(b.got->len, ==, 23);
  g_assert_cmpuint(gw_test_seq_of(g_ptr_array_index(b.got, 22)), ==, 21);
  for (guint i = 0; i < 2; i++) {
    GstBuffer *again = g_ptr_array_index(b.got, 20 + i);
    GstBuffer *first = g_ptr_array_index(b.got, asked[i] - 1);
    g_assert_cmpuint(gw_test_seq_of(again), ==, asked[i]);
    g_assert_cmpuint(gst_buffer_get_size(again), ==, gst_buffer_get_size(first));
    GstMapInfo m;
    g_assert_true(gst_buffer_map(first, &m, GST_MAP_READ));
    g_assert_cmpint(gst_buffer_memcmp(again, 0, m.data, m.size), ==, 0);
    gst_buffer_unmap(first, &m);
  }

  /* A NACK right after a resend crossed it: not answered again. */
  guint16 five = 5;
  g_assert_cmpuint(gw_isolate_resend(iso, &five, 1), ==, 0);
  /* A packet is resent a few times at most (a browser NACKs until it arrives). */
  guint more = 0;
  for (guint i = 0; i < 10; i++) {
    g_usleep(25000);
    more += gw_isolate_resend(iso, &five, 1);
  }
  g_assert_cmpuint(more, ==, 5); /* 6 in all */

  /* Oversized packets are passed on but not kept. */
  g_assert_cmpint(gst_pad_push(b.src, rtp_packet(22, 1400)), ==, GST_FLOW_OK);
  guint16 big = 22;
  g_assert_cmpuint(gw_isolate_resend(iso, &big, 1), ==, 0);

  /* The history is bounded: 300 packets later, seq 17 is gone. */
  for (guint16 seq = 23; seq < 322; seq++)
    g_assert_cmpint(gst_pad_push(b.src, rtp_packet(seq, 100)), ==, GST_FLOW_OK);
  guint16 old = 17, recent = 321;
  g_assert_cmpuint(gw_isolate_resend(iso, &old, 1), ==, 0);
  g_assert_cmpuint(gw_isolate_resend(iso, &recent, 1), ==, 1);
  /* A full link: resends get a budget of bytes a second. */
  gw_isolate_set_resend_budget(iso, 1000); /* 500 bytes at once: four 112-byte packets */
  guint16 burst[] = {310, 311, 312, 313, 314, 315};
  g_assert_cmpuint(gw_isolate_resend(iso, burst, G_N_ELEMENTS(burst)), ==, 4);
  gw_isolate_set_resend_budget(iso, 0);

  /* A copy is let go once kept longer than the history keeps (1 s; 30 ms
   * here): asked for after that, it is missed as kept too long ago. */
  gw_isolate_set_history_keep(iso, 30);
  g_usleep(40000);
  g_assert_cmpint(gst_pad_push(b.src, rtp_packet(322, 100)), ==, GST_FLOW_OK);
  guint16 expired = 320, fresh = 322;
  g_assert_cmpuint(gw_isolate_resend(iso, &expired, 1), ==, 0);
  g_assert_cmpuint(gw_isolate_resend(iso, &fresh, 1), ==, 1);
  {
    g_autofree char *why = gw_isolate_describe_misses(iso);
    g_assert_nonnull(strstr(why, "1 kept too long ago"));
  }
  gw_isolate_set_history_keep(iso, 0);

  /* A new stream in the branch (a new producer): the old one's history goes. */
  guint16 also_recent = 320;
  GstBuffer *other = rtp_packet(1, 100);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  g_assert_true(gst_rtp_buffer_map(other, GST_MAP_WRITE, &rtp));
  gst_rtp_buffer_set_ssrc(&rtp, 0x5678);
  gst_rtp_buffer_unmap(&rtp);
  g_assert_cmpint(gst_pad_push(b.src, other), ==, GST_FLOW_OK);
  g_assert_cmpuint(gw_isolate_resend(iso, &also_recent, 1), ==, 0);
  guint64 resent, missed;
  gw_isolate_get_resent(iso, &resent, &missed);
  g_assert_cmpuint(resent, ==, 13);
  g_assert_cmpuint(missed, >=, 9);

  /* Closed (consumer not connected yet): packets are dropped, and no resends. */
  guint before = b.got->len;
  gw_isolate_set_open(iso, FALSE);
  g_assert_cmpint(gst_pad_push(b.src, rtp_packet(323, 100)), ==, GST_FLOW_OK);
  g_assert_cmpuint(gw_isolate_resend(iso, &recent, 1), ==, 0);
  g_assert_cmpuint(b.got->len, ==, before);
  gw_isolate_set_open(iso, TRUE);
  g_assert_cmpint(gst_pad_push(b.src, rtp_packet(324, 100)), ==, GST_FLOW_OK);
  g_assert_cmpuint(b.got->len, ==, before + 1);
  branch_clear(&b);
}

/* An RTP packet whose payload starts with these bytes (then filler), timestamp @ts. */
static GstBuffer *
rtp_payload(guint16 seq, guint32 ts, const guint8 *head, gsize head_len)
{
  GstBuffer *buffer = rtp_packet(seq, 100);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  g_assert_true(gst_rtp_buffer_map(buffer, GST_MAP_WRITE, &rtp));
  gst_rtp_buffer_set_timestamp(&rtp, ts);
  guint8 *payload = gst_rtp_buffer_get_payload(&rtp);
  memset(payload, 0, 100);
  memcpy(payload, head, head_len);
  gst_rtp_buffer_unmap(&rtp);
  return buffer;
}

/* VP8 (RFC 7741): descriptor S=1 PID=0, then the frame header's P bit (0: key). */
static const guint8 vp8_key[] = {0x10, 0x00};
static const guint8 vp8_delta[] = {0x10, 0x01};
static const guint8 vp8_more[] = {0x00, 0x00}; /* not a frame's first packet */

static GstPadProbeReturn
count_keyframe_requests(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
  if (GST_EVENT_TYPE(event) == GST_EVENT_CUSTOM_UPSTREAM &&
      gst_structure_has_name(gst_event_get_structure(event), "GstForceKeyUnit"))
    (*(guint *)data)++;
  return GST_PAD_PROBE_OK;
}

/* A VP8 branch with history, counting the keyframe requests that leave it upstream. */
static GwIsolate *
vp8_branch_init(Branch *b, guint *requests)
{
  branch_init(b);
  gst_pad_add_probe(b->src, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, count_keyframe_requests, requests,
                    NULL);
  GwIsolate *iso = GW_ISOLATE(b->element);
  gw_isolate_set_history(iso, "vp8");
  return iso;
}

static void
test_keyframes(void)
{
  /* with the extension byte, a 15-bit picture id, TL0PICIDX and TID/KEYIDX */
  static const guint8 vp8_key_ext[] = {0x90, 0xf0, 0x81, 0x23, 0x07, 0x40, 0x9c};
  Branch b = {0};
  guint requests = 0;
  GwIsolate *iso = vp8_branch_init(&b, &requests);
  guint32 ts = 1000;
  for (guint16 seq = 1; seq <= 400; seq++) {
    if (seq % 4 == 1)
      ts += 3000;
    const guint8 *head = seq % 4 != 1 ? vp8_more : seq == 301 ? vp8_key : vp8_delta;
    g_assert_cmpint(gst_pad_push(b.src, rtp_payload(seq, ts, head, 2)), ==, GST_FLOW_OK);
  }
  /* Before the keyframe at 301: not needed any more, not resent, no request. */
  guint16 stale[] = {290, 299, 300};
  g_assert_cmpuint(gw_isolate_resend(iso, stale, G_N_ELEMENTS(stale)), ==, 0);
  g_assert_cmpuint(requests, ==, 0);
  guint16 kept[] = {301, 350};
  g_assert_cmpuint(gw_isolate_resend(iso, kept, G_N_ELEMENTS(kept)), ==, 2);
  g_assert_cmpuint(requests, ==, 0);

  /* 300 packets on without a keyframe: a NACK for an overwritten packet after
   * the keyframe is a hole only a keyframe fills; asked for once per 500 ms. */
  for (guint16 seq = 401; seq <= 700; seq++) {
    if (seq % 4 == 1)
      ts += 3000;
    const guint8 *head = seq % 4 == 1 ? vp8_delta : vp8_more;
    g_assert_cmpint(gst_pad_push(b.src, rtp_payload(seq, ts, head, 2)), ==, GST_FLOW_OK);
  }
  guint16 gone = 320, gone_too = 330;
  g_assert_cmpuint(gw_isolate_resend(iso, &gone, 1), ==, 0);
  g_assert_cmpuint(requests, ==, 1);
  g_assert_cmpuint(gw_isolate_resend(iso, &gone_too, 1), ==, 0);
  g_assert_cmpuint(requests, ==, 1);
  /* After the hole nothing is resent until a keyframe: it could not be decoded. */
  guint16 after_hole = 650;
  g_assert_cmpuint(gw_isolate_resend(iso, &after_hole, 1), ==, 0);
  /* A NACK for a packet not passed yet is no hole. */
  guint16 future = 720;
  g_usleep(510000);
  g_usleep(1500000);
  g_assert_cmpuint(gw_isolate_resend(iso, &future, 1), ==, 0);
  g_assert_cmpuint(requests, ==, 1);

  /* The extended descriptor is read past its optional fields. */
  ts += 3000;
  g_assert_cmpint(gst_pad_push(b.src, rtp_payload(701, ts, vp8_key_ext, sizeof vp8_key_ext)), ==,
                  GST_FLOW_OK);
  guint16 before_it = 699, the_keyframe = 701;
  g_assert_cmpuint(gw_isolate_resend(iso, &before_it, 1), ==, 0);
  g_assert_cmpuint(gw_isolate_resend(iso, &the_keyframe, 1), ==, 1);
  g_autofree char *why = gw_isolate_describe_misses(iso);
  g_assert_nonnull(strstr(why, "4 before a newer keyframe, 3 after a hole"));
  g_assert_nonnull(strstr(why, "1 keyframes asked for holes"));
  branch_clear(&b);

  /* H.264 (RFC 6184): an IDR slice alone, at the start of a FU-A, or an SPS in a STAP-A. */
  static const struct {
    guint8 head[9];
    gsize len;
    gboolean key;
  } h264[] = {
      {{0x65}, 1, TRUE},        /* IDR */
      {{0x41}, 1, FALSE},       /* non-IDR slice */
      {{0x7c, 0x85}, 2, TRUE},  /* FU-A, start of an IDR */
      {{0x7c, 0x05}, 2, FALSE}, /* FU-A, middle of an IDR */
      {{0x7c, 0x81}, 2, FALSE}, /* FU-A, start of a non-IDR */
      /* STAP-A: an access unit delimiter, then an SPS */
      {{0x78, 0x00, 0x02, 0x09, 0x10, 0x00, 0x02, 0x67, 0x42}, 9, TRUE},
      {{0x78, 0x00, 0x02, 0x09, 0x10, 0x00, 0x02, 0x41, 0x42}, 9, FALSE},
  };
  for (guint i = 0; i < G_N_ELEMENTS(h264); i++) {
    Branch h = {0};
    branch_init(&h);
    GwIsolate *hiso = GW_ISOLATE(h.element);
    gw_isolate_set_history(hiso, "h264");
    static const guint8 slice[] = {0x41};
    for (guint16 seq = 1; seq <= 10; seq++)
      g_assert_cmpint(gst_pad_push(h.src, rtp_payload(seq, seq, slice, 1)), ==, GST_FLOW_OK);
    g_assert_cmpint(gst_pad_push(h.src, rtp_payload(11, 11, h264[i].head, h264[i].len)), ==,
                    GST_FLOW_OK);
    guint16 earlier = 5;
    g_assert_cmpuint(gw_isolate_resend(hiso, &earlier, 1), ==, h264[i].key ? 0 : 1);
    branch_clear(&h);
  }
}

/* Without a jitter buffer in front (lean.c), a branch gets packets late and
 * out of order: a resend from the sender comes after the packets behind it. */
static void
test_late_packets(void)
{
  Branch b = {0};
  guint requests = 0;
  GwIsolate *iso = vp8_branch_init(&b, &requests);
  gw_isolate_set_late_input(iso, TRUE);
  /* 1: a keyframe; 11 and 12 lost on the sender's leg. */
  for (guint16 seq = 1; seq <= 20; seq++) {
    if (seq == 11 || seq == 12)
      continue;
    const guint8 *head = seq == 1 ? vp8_key : seq % 4 == 1 ? vp8_delta : vp8_more;
    g_assert_cmpint(gst_pad_push(b.src, rtp_payload(seq, 1000 + seq / 4 * 3000, head, 2)), ==,
                    GST_FLOW_OK);
  }
  /* The receiver asks for them before the gateway has them: no hole, no keyframe. */
  guint16 lost[] = {11, 12};
  g_assert_cmpuint(gw_isolate_resend(iso, lost, 2), ==, 0);
  g_assert_cmpuint(requests, ==, 0);
  /* 11 comes late: passed on at once, and from then on in the history. */
  guint before = b.got->len;
  g_assert_cmpint(gst_pad_push(b.src, rtp_payload(11, 1000 + 2 * 3000, vp8_more, 2)), ==,
                  GST_FLOW_OK);
  g_assert_cmpuint(b.got->len, ==, before + 1);
  g_assert_cmpuint(gw_test_seq_of(g_ptr_array_index(b.got, before)), ==, 11);
  guint16 newest = 0;
  g_assert_true(gw_isolate_get_newest(iso, &newest));
  g_assert_cmpuint(newest, ==, 20); /* a late packet moves nothing back */
  g_assert_cmpuint(gw_isolate_resend(iso, &lost[0], 1), ==, 1);
  g_assert_cmpuint(gw_isolate_resend(iso, &lost[1], 1), ==, 0);
  g_assert_cmpuint(requests, ==, 0);
  g_autofree char *why = gw_isolate_describe_misses(iso);
  g_assert_nonnull(strstr(why, "3 not arrived yet"));
  g_assert_nonnull(strstr(why, "1 missing in what the branch got"));

  /* A keyframe at 21; an older keyframe packet coming late does not take its place. */
  g_assert_cmpint(gst_pad_push(b.src, rtp_payload(21, 90000, vp8_key, 2)), ==, GST_FLOW_OK);
  g_assert_cmpint(gst_pad_push(b.src, rtp_payload(12, 500, vp8_key, 2)), ==, GST_FLOW_OK);
  guint16 before_key = 15;
  g_assert_cmpuint(gw_isolate_resend(iso, &before_key, 1), ==, 0); /* stale */
  g_clear_pointer(&why, g_free);
  why = gw_isolate_describe_misses(iso);
  g_assert_nonnull(strstr(why, "1 before a newer keyframe"));
  g_assert_nonnull(strstr(why, "0 missing in what the branch got"));
  branch_clear(&b);

  /* A packet older than the history holds does not overwrite the newer one in its slot. */
  Branch f = {0};
  branch_init(&f);
  GwIsolate *fiso = GW_ISOLATE(f.element);
  gw_isolate_set_history(fiso, "filler");
  gw_isolate_set_late_input(fiso, TRUE);
  for (guint16 seq = 1; seq <= 400; seq++)
    if (seq != 100)
      g_assert_cmpint(gst_pad_push(f.src, rtp_packet(seq, 200)), ==, GST_FLOW_OK);
  g_assert_cmpint(gst_pad_push(f.src, rtp_packet(100, 50)), ==, GST_FLOW_OK); /* 300 late */
  guint16 same_slot = 356;
  g_assert_cmpuint(gw_isolate_resend(fiso, &same_slot, 1), ==, 1);
  g_assert_cmpint(gst_pad_push(f.src, rtp_packet(401, 200)), ==, GST_FLOW_OK);
  GstBuffer *again = g_ptr_array_index(f.got, f.got->len - 2);
  g_assert_cmpuint(gw_test_seq_of(again), ==, 356);
  g_assert_cmpuint(gst_buffer_get_size(again), ==, 212);
  /* Given up (more than the gateway keeps asking): a hole as before. */
  guint16 never[] = {380};
  Branch g = {0};
  branch_init(&g);
  GwIsolate *giso = GW_ISOLATE(g.element);
  gw_isolate_set_history(giso, "filler");
  gw_isolate_set_late_input(giso, FALSE); /* with a jitter buffer in front: a gap is for good */
  for (guint16 seq = 370; seq <= 390; seq++)
    if (seq != never[0])
      g_assert_cmpint(gst_pad_push(g.src, rtp_packet(seq, 200)), ==, GST_FLOW_OK);
  g_assert_cmpuint(gw_isolate_resend(giso, never, 1), ==, 0);
  g_autofree char *gwhy = gw_isolate_describe_misses(giso);
  g_assert_nonnull(strstr(gwhy, "1 never kept"));
  g_assert_nonnull(strstr(gwhy, "0 not arrived yet"));
  branch_clear(&g);
  branch_clear(&f);
}

int
main(int argc, char **argv)
{
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/feedback/estimate", test_estimate);
  g_test_add_func("/feedback/near-capacity", test_near_capacity);
  g_test_add_func("/feedback/resend", test_resend);
  g_test_add_func("/feedback/keyframes", test_keyframes);
  g_test_add_func("/feedback/late-packets", test_late_packets);
  return g_test_run();
}
