/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the transport-wide congestion control feedback writer, read back with the
 * parser (twcc.c) and with GStreamer's RTCP parser. */
#include <string.h>

#include <gst/gst.h>
#include <gst/rtp/gstrtcpbuffer.h>

#include "tests/webrtc/twcc-reports.h"
#include "webrtc/bytes.h"
#include "webrtc/twcc-recv.h"
#include "webrtc/twcc.h"

#define SENDER_SSRC 0x11223344u
#define MEDIA_SSRC 0x55667788u
#define MS 1000
#define T0 G_GINT64_CONSTANT(1000000000) /* 1000 s: exactly 15625 units of 64 ms */
#define ANY_SIZE 65536                   /* fits any feedback */
#define REF_WRAP_US (G_GINT64_CONSTANT(64000) << 24)

/* --- What a packet reports, through the parser --- */

/* GStreamer's RTCP parser must take the packet too: alone, as Chrome sends feedback
 * (reduced-size RTCP, RFC 5506), and, when not padded, after a receiver report in a compound
 * packet. GStreamer's compound check wants RTCP padding to be a multiple of 4 (RFC 3550 says
 * it "will be"), which a padded TWCC packet's never is: test_gstreamer shows it. */
static void
check_with_gstreamer(const guint8 *pkt, gsize len)
{
  g_autofree guint8 *copy = g_memdup2(pkt, len);
  g_assert_true(gst_rtcp_buffer_validate_data_reduced(copy, (guint)len));

  g_autoptr(GstBuffer) buffer = gst_buffer_new_memdup(pkt, len);
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  g_assert_true(gst_rtcp_buffer_map(buffer, GST_MAP_READ, &rtcp));
  GstRTCPPacket packet;
  g_assert_true(gst_rtcp_buffer_get_first_packet(&rtcp, &packet));
  g_assert_cmpint(gst_rtcp_packet_get_type(&packet), ==, GST_RTCP_TYPE_RTPFB);
  g_assert_cmpint(gst_rtcp_packet_fb_get_type(&packet), ==, GST_RTCP_RTPFB_TYPE_TWCC);
  g_assert_cmpuint(gst_rtcp_packet_fb_get_sender_ssrc(&packet), ==, SENDER_SSRC);
  g_assert_cmpuint(gst_rtcp_packet_fb_get_media_ssrc(&packet), ==, MEDIA_SSRC);
  g_assert_cmpuint(gst_rtcp_packet_fb_get_fci_length(&packet) * 4u, ==, len - 12);
  g_assert_true(gst_rtcp_packet_fb_get_fci(&packet) == rtcp.map.data + 12);
  g_assert_cmpint(gst_rtcp_packet_get_padding(&packet), ==, (pkt[0] & 0x20) != 0);
  g_assert_false(gst_rtcp_packet_move_to_next(&packet));
  gst_rtcp_buffer_unmap(&rtcp);

  if (pkt[0] & 0x20)
    return;
  /* A receiver report without report blocks. */
  static const guint8 rr[8] = {0x80, 201, 0, 1, 0xde, 0xad, 0xbe, 0xef};
  g_autoptr(GByteArray) compound = g_byte_array_new();
  g_byte_array_append(compound, rr, sizeof rr);
  g_byte_array_append(compound, pkt, (guint)len);
  g_assert_true(gst_rtcp_buffer_validate_data(compound->data, compound->len));
  g_autoptr(GstBuffer) both = gst_buffer_new_memdup(compound->data, compound->len);
  GstRTCPBuffer rtcp2 = GST_RTCP_BUFFER_INIT;
  g_assert_true(gst_rtcp_buffer_map(both, GST_MAP_READ, &rtcp2));
  g_assert_true(gst_rtcp_buffer_get_first_packet(&rtcp2, &packet));
  g_assert_cmpint(gst_rtcp_packet_get_type(&packet), ==, GST_RTCP_TYPE_RR);
  g_assert_true(gst_rtcp_packet_move_to_next(&packet));
  g_assert_cmpint(gst_rtcp_packet_get_type(&packet), ==, GST_RTCP_TYPE_RTPFB);
  g_assert_cmpint(gst_rtcp_packet_fb_get_type(&packet), ==, GST_RTCP_RTPFB_TYPE_TWCC);
  g_assert_cmpuint(gst_rtcp_packet_fb_get_fci_length(&packet) * 4u, ==, len - 12);
  gst_rtcp_buffer_unmap(&rtcp2);
}

static void
collect_nothing(guint16 seq, gboolean received, gint64 arrival_us, gpointer user_data)
{
  g_assert_not_reached();
}

/* The FCI fields of a packet written. */
typedef struct {
  guint16 base;
  guint count;
  guint32 ref; /* 24 bits */
  guint8 fb_count;
} Fields;

/* What every packet written must be: the RTCP header (V=2, FMT=15, PT=205, the length in
 * words minus one, the SSRCs), RFC 3550 padding, GStreamer's reading, and the FCI through
 * gw_twcc_parse, whose reports are appended to @reports. */
static Fields
check_packet(const guint8 *pkt, gsize len, GArray *reports)
{
  g_assert_cmpuint(len, >=, 24);
  g_assert_cmpuint(len % 4, ==, 0);
  g_assert_cmpuint(pkt[0] >> 6, ==, 2);
  g_assert_cmpuint(pkt[0] & 0x1f, ==, 15);
  g_assert_cmpuint(pkt[1], ==, 205);
  g_assert_cmpuint(gw_read16(pkt + 2), ==, len / 4 - 1);
  g_assert_cmpuint(gw_read32(pkt + 4), ==, SENDER_SSRC);
  g_assert_cmpuint(gw_read32(pkt + 8), ==, MEDIA_SSRC);
  gsize pad = 0;
  if (pkt[0] & 0x20) {
    pad = pkt[len - 1];
    g_assert_cmpuint(pad, >=, 1);
    g_assert_cmpuint(pad, <=, 3);
    for (gsize i = len - pad; i < len - 1; i++)
      g_assert_cmpuint(pkt[i], ==, 0);
  }
  check_with_gstreamer(pkt, len);

  Fields f = {
      .base = (guint16)gw_read16(pkt + 12),
      .count = gw_read16(pkt + 14),
      .ref = (guint32)pkt[16] << 16 | (guint32)pkt[17] << 8 | pkt[18],
      .fb_count = pkt[19],
  };
  guint before = reports->len;
  g_assert_true(gw_twcc_parse(pkt + 12, len - 12 - pad, collect, reports));
  g_assert_cmpuint(reports->len - before, ==, f.count);
  g_assert_cmpuint(f.count, <=, GW_TWCC_RECV_MAX_PACKETS);
  g_assert_cmpuint(g_array_index(reports, Report, before).seq, ==, f.base);
  /* A feedback ends at a received packet, and its last delta ends where padding starts: one
   * byte less is malformed. */
  g_assert_true(g_array_index(reports, Report, reports->len - 1).received);
  g_assert_false(gw_twcc_parse(pkt + 12, len - 12 - pad - 1, collect_nothing, NULL));
  return f;
}

/* Writes feedback with @size-byte buffers until there is none, checking each packet and
 * that nothing is written past its length; returns what they report, in order. */
static GArray *
drain(GwTwccRecv *recv, gsize size, guint *n_packets, gsize *n_bytes)
{
  GArray *reports = g_array_new(FALSE, FALSE, sizeof(Report));
  g_autofree guint8 *buf = g_malloc(size + 16);
  guint packets = 0;
  gsize bytes = 0;
  for (;;) {
    memset(buf, 0xee, size + 16);
    guint pending = gw_twcc_recv_pending(recv);
    gsize len = gw_twcc_recv_write(recv, SENDER_SSRC, MEDIA_SSRC, buf, size);
    g_assert_cmpuint(len, <=, size);
    for (gsize i = len; i < size + 16; i++)
      g_assert_cmpuint(buf[i], ==, 0xee);
    if (len == 0) {
      g_assert_cmpuint(gw_twcc_recv_pending(recv), ==, pending);
      break;
    }
    Fields f = check_packet(buf, len, reports);
    g_assert_cmpuint(gw_twcc_recv_pending(recv), ==, pending - f.count);
    packets++;
    bytes += len;
    g_assert_cmpuint(packets, <, 100000);
  }
  if (n_packets != NULL)
    *n_packets = packets;
  if (n_bytes != NULL)
    *n_bytes = bytes;
  return reports;
}

/* Drains @recv; returns how many statuses were reported. */
static guint
drain_count(GwTwccRecv *recv)
{
  g_autoptr(GArray) reports = drain(recv, 1200, NULL, NULL);
  return reports->len;
}

/* Checks @reports: statuses from @base as in @pattern ('1' received, '0' not), the received
 * ones arriving at @arrivals, within the half unit (125 us) the deltas are rounded to. */
static void
expect(GArray *reports, guint16 base, const char *pattern, const gint64 *arrivals)
{
  g_assert_cmpuint(reports->len, ==, strlen(pattern));
  guint arrived = 0;
  for (guint i = 0; i < reports->len; i++) {
    const Report *r = &g_array_index(reports, Report, i);
    g_assert_cmpuint(r->seq, ==, (guint16)(base + i));
    g_assert_cmpint(r->received, ==, pattern[i] == '1');
    if (r->received) {
      gint64 error = r->arrival_us - arrivals[arrived++];
      g_assert_cmpint(ABS(error), <=, 125);
    }
  }
}

/* Adds @n packets from @seq on, @spacing_us apart from @t_us; returns the next time. */
static gint64
add_in_order(GwTwccRecv *recv, guint16 seq, guint n, gint64 t_us, gint64 spacing_us,
             gint64 *arrivals)
{
  for (guint i = 0; i < n; i++) {
    gw_twcc_recv_add(recv, (guint16)(seq + i), t_us);
    if (arrivals != NULL)
      arrivals[i] = t_us;
    t_us += spacing_us;
  }
  return t_us;
}

static gsize
write_one(GwTwccRecv *recv, guint8 *buf, gsize size)
{
  return gw_twcc_recv_write(recv, SENDER_SSRC, MEDIA_SSRC, buf, size);
}

/* --- Byte-exact packets, worked out by hand from the draft --- */

static void
test_bytes_run(void)
{
  g_autoptr(GwTwccRecv) recv = gw_twcc_recv_new();
  gw_twcc_recv_add(recv, 1000, 321000); /* 5 * 64 ms + 1 ms */
  gw_twcc_recv_add(recv, 1001, 322000);
  gw_twcc_recv_add(recv, 1002, 323500);
  static const guint8 expected[28] = {
      0xaf, 0xcd,             /* V=2, P=1, FMT=15; PT=205 (RTPFB) */
      0x00, 0x06,             /* length: 28 bytes = 7 words, minus one */
      0x11, 0x22, 0x33, 0x44, /* sender SSRC */
      0x55, 0x66, 0x77, 0x88, /* media SSRC */
      0x03, 0xe8,             /* base sequence number 1000 */
      0x00, 0x03,             /* packet status count 3 */
      0x00, 0x00, 0x05,       /* reference time 5 * 64 ms = 320 ms, below the first arrival */
      0x00,                   /* feedback packet count 0: the first */
      0x20, 0x03,             /* run length chunk: T=0, S=01 (small delta), run of 3 */
      0x04,                   /* 321 ms - 320 ms = 1 ms = 4 * 250 us */
      0x04,                   /* 322 ms - 321 ms */
      0x06,                   /* 323.5 ms - 322 ms = 1.5 ms */
      0x00, 0x00, 0x03,       /* 27 bytes padded to 28: zeros, then the count, 3 */
  };
  guint8 buf[64];
  gsize len = write_one(recv, buf, sizeof buf);
  g_assert_cmpmem(buf, len, expected, sizeof expected);
  g_assert_cmpuint(write_one(recv, buf, sizeof buf), ==, 0);

  /* Two more, 10 ms apart: 24 bytes need no padding, so P=0. */
  gw_twcc_recv_add(recv, 1003, 330000);
  gw_twcc_recv_add(recv, 1004, 340000);
  static const guint8 unpadded[24] = {
      0x8f, 0xcd, 0x00, 0x05,                         /* V=2, P=0, FMT=15; PT=205; 6 words */
      0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, /* SSRCs */
      0x03, 0xeb, 0x00, 0x02,                         /* base 1003, count 2 */
      0x00, 0x00, 0x05, 0x01,                         /* 320 ms again; feedback count 1 */
      0x20, 0x02,                                     /* run of 2 small deltas */
      0x28,                                           /* 330 ms - 320 ms = 40 units */
      0x28,                                           /* 340 ms - 330 ms */
  };
  len = write_one(recv, buf, sizeof buf);
  g_assert_cmpmem(buf, len, unpadded, sizeof unpadded);
}

static void
test_bytes_wrap_vector(void)
{
  g_autoptr(GwTwccRecv) recv = gw_twcc_recv_new();
  gw_twcc_recv_add(recv, 65534, 128000); /* exactly 2 * 64 ms */
  gw_twcc_recv_add(recv, 65535, 228000); /* 100 ms later */
  /* 0 is lost; 1 overtook 65535 by 0.5 ms. */
  gw_twcc_recv_add(recv, 1, 227500);
  static const guint8 expected[28] = {
      0xaf, 0xcd, 0x00, 0x06,                         /* V=2, P=1, FMT=15; PT=205; 7 words */
      0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, /* SSRCs */
      0xff, 0xfe,                                     /* base sequence number 65534 */
      0x00, 0x04,                                     /* 4 statuses, across the wrap */
      0x00, 0x00, 0x02,                               /* reference time 128 ms */
      0x00,                                           /* feedback packet count 0 */
      /* Two-bit status vector: T=1 S=1, symbols 01 (small) 10 (large) 00 (not received)
       * 10 (large), then three unused 00. */
      0xd8, 0x80, /* 11 01 10 00  10 00 00 00 */
      0x00,       /* 128 ms - 128 ms */
      0x01, 0x90, /* +100 ms = 400 units: too large for one byte */
      0xff, 0xfe, /* -0.5 ms = -2 units, signed */
      0x01,       /* 27 bytes padded to 28: the count alone */
  };
  guint8 buf[64];
  gsize len = write_one(recv, buf, sizeof buf);
  g_assert_cmpmem(buf, len, expected, sizeof expected);
}

/* --- Chunks --- */

/* Feeds @pattern (received @first_us after T0, a multiple of 64 ms, then '1' received 1 ms
 * after the previous, 'L' 100 ms after it: a large delta, '0' lost) and checks the chunks
 * of the one packet written. */
static void
check_chunks(const char *pattern, gint64 first_us, const guint16 *chunks, guint n_chunks)
{
  g_autoptr(GwTwccRecv) recv = gw_twcc_recv_new();
  gint64 t = T0 + first_us;
  for (guint i = 0; pattern[i] != '\0'; i++) {
    if (i > 0)
      t += pattern[i] == 'L' ? 100 * MS : 1 * MS;
    if (pattern[i] != '0')
      gw_twcc_recv_add(recv, (guint16)(500 + i), t);
  }
  guint8 buf[256];
  gsize len = write_one(recv, buf, sizeof buf);
  g_autoptr(GArray) reports = g_array_new(FALSE, FALSE, sizeof(Report));
  check_packet(buf, len, reports);
  g_assert_cmpuint(reports->len, ==, strlen(pattern));
  for (guint i = 0; i < n_chunks; i++)
    g_assert_cmphex(gw_read16(buf + 20 + 2 * i), ==, chunks[i]);
  /* What follows the chunks is the first delta, from the reference time T0. */
  guint first = (guint)((first_us + 125) / 250);
  if (first <= 255)
    g_assert_cmpuint(buf[20 + 2 * n_chunks], ==, first);
  else
    g_assert_cmpuint(gw_read16(buf + 20 + 2 * n_chunks), ==, first);
  g_assert_true(write_one(recv, buf, sizeof buf) == 0);
}

static void
test_chunks(void)
{
  /* All received: one run, however long. */
  static const guint16 run[] = {0x2014};
  check_chunks("11111111111111111111", 1 * MS, run, 1);

  /* 13 received and a loss fill a one-bit vector; the 20 after are a run. */
  static const guint16 vector_then_run[] = {0xbffe, 0x2014};
  check_chunks("1111111111111"
               "0"
               "11111111111111111111",
               1 * MS, vector_then_run, 2);

  /* A loss of 30: a one-bit vector up to 14, the other 17 losses a run, then the last. */
  static const guint16 long_loss[] = {0xa000, 0x0011, 0x2001};
  check_chunks("1"
               "000000000000000000000000000000"
               "1",
               1 * MS, long_loss, 3);

  /* A large delta among them: a two-bit vector of 7 (01 01 01 10 01 01 01), then a run. */
  static const guint16 two_bit[] = {0xd595, 0x2003};
  check_chunks("111L111111", 1 * MS, two_bit, 2);

  /* Up to 7 mixed statuses at the end take a two-bit vector, as libwebrtc writes them:
   * 01 00 01 (small, lost, small). */
  static const guint16 last_two_bit[] = {0xd100};
  check_chunks("101", 1 * MS, last_two_bit, 1);

  /* 8 to 14 mixed without a large delta at the end: a one-bit vector (1 0 1 1 1 1 1 1 1). */
  static const guint16 last_one_bit[] = {0xafe0};
  check_chunks("101111111", 1 * MS, last_one_bit, 1);

  /* A run of large deltas: the first is 63.999 ms after the reference time, 256 units. */
  static const guint16 large_run[] = {0x4008};
  check_chunks("LLLLLLLL", 63999, large_run, 1);
}

/* --- Round trips --- */

static void
test_in_order(void)
{
  g_autoptr(GwTwccRecv) recv = gw_twcc_recv_new();
  gint64 arrivals[100];
  add_in_order(recv, 1000, 100, T0 + 3 * MS, 10 * MS, arrivals);
  g_assert_cmpuint(gw_twcc_recv_pending(recv), ==, 100);
  guint packets;
  gsize bytes;
  g_autoptr(GArray) reports = drain(recv, 1200, &packets, &bytes);
  g_test_message("100 packets in order, 10 ms apart: %u feedback packet, %" G_GSIZE_FORMAT " bytes",
                 packets, bytes);
  /* 20 of headers, one run chunk, 100 one-byte deltas, 2 of padding. */
  g_assert_cmpuint(packets, ==, 1);
  g_assert_cmpuint(bytes, ==, 124);
  char pattern[101];
  memset(pattern, '1', 100);
  pattern[100] = '\0';
  expect(reports, 1000, pattern, arrivals);
  g_assert_cmpuint(gw_twcc_recv_pending(recv), ==, 0);

  /* The same with 3 losses spread out: chunks become vectors around them. */
  g_autoptr(GwTwccRecv) lossy = gw_twcc_recv_new();
  gint64 t = T0 + 3 * MS;
  guint arrived = 0;
  for (guint i = 0; i < 100; i++, t += 10 * MS) {
    pattern[i] = (i == 17 || i == 50 || i == 83) ? '0' : '1';
    if (pattern[i] == '1') {
      gw_twcc_recv_add(lossy, (guint16)(1000 + i), t);
      arrivals[arrived++] = t;
    }
  }
  g_autoptr(GArray) lossy_reports = drain(lossy, 1200, &packets, &bytes);
  g_test_message("the same with 3 losses: %u feedback packet, %" G_GSIZE_FORMAT " bytes", packets,
                 bytes);
  expect(lossy_reports, 1000, pattern, arrivals);
  /* Runs of 17, 19, 19 and 3 received, three one-bit vectors from each loss on: 7 chunks. */
  g_assert_cmpuint(bytes, ==, 20 + 7 * 2 + 97 + 1);
}

static void
test_losses(void)
{
  g_autoptr(GwTwccRecv) recv = gw_twcc_recv_new();
  g_autoptr(GString) pattern = g_string_new(NULL);
  g_autoptr(GArray) arrivals = g_array_new(FALSE, FALSE, sizeof(gint64));
  g_autoptr(GArray) all = g_array_new(FALSE, FALSE, sizeof(Report));
  for (guint i = 0; i < 3000; i++) {
    /* About 5% lost, in bursts at times (not the first: there would be nothing to tell it
     * was sent); arrivals jitter by up to 1 ms. */
    gboolean lost = (i > 0 && (i * 7919) % 100 < 5) || (i >= 1200 && i < 1240);
    gint64 t = T0 + (gint64)i * 5 * MS + ((i * 37) % 11) * 100;
    g_string_append_c(pattern, lost ? '0' : '1');
    if (!lost) {
      gw_twcc_recv_add(recv, (guint16)(40000 + i), t);
      g_array_append_val(arrivals, t);
    }
    if (i % 20 == 19) {
      g_autoptr(GArray) reports = drain(recv, 1200, NULL, NULL);
      g_array_append_vals(all, reports->data, reports->len);
    }
  }
  /* Each feedback picked up where the last one ended; nothing was reported twice. */
  expect(all, 40000, pattern->str, (const gint64 *)arrivals->data);
}

static void
test_long_loss(void)
{
  /* The widest feedback: GW_TWCC_RECV_MAX_PACKETS statuses, the first and last received. */
  g_autoptr(GwTwccRecv) recv = gw_twcc_recv_new();
  gint64 arrivals[2] = {T0, T0 + 40 * MS};
  gw_twcc_recv_add(recv, 0, arrivals[0]);
  gw_twcc_recv_add(recv, GW_TWCC_RECV_MAX_PACKETS - 1, arrivals[1]);
  g_autofree char *pattern = g_strnfill(GW_TWCC_RECV_MAX_PACKETS, '0');
  pattern[0] = pattern[GW_TWCC_RECV_MAX_PACKETS - 1] = '1';
  guint packets;
  gsize bytes;
  g_autoptr(GArray) reports = drain(recv, 1200, &packets, &bytes);
  expect(reports, 0, pattern, arrivals);
  /* A one-bit vector (1 and 13 losses), a run of the other losses, a run of 1; two deltas. */
  g_assert_cmpuint(packets, ==, 1);
  g_assert_cmpuint(bytes, ==, 28);

  /* A gap of GAP - 1 after what was reported: one run of losses before the packet. */
  enum { GAP = GW_TWCC_RECV_MAX_PACKETS - 96 };
  gw_twcc_recv_add(recv, GW_TWCC_RECV_MAX_PACKETS - 1 + GAP, T0 + 50 * MS);
  g_autoptr(GArray) after = drain(recv, 1200, &packets, &bytes);
  g_autofree char *gap = g_strnfill(GAP, '0');
  gap[GAP - 1] = '1';
  gint64 at[] = {T0 + 50 * MS};
  expect(after, GW_TWCC_RECV_MAX_PACKETS, gap, at);
  g_assert_cmpuint(bytes, ==, 28); /* two runs, one delta, one byte of padding */
}

static void
test_reordering(void)
{
  /* Within one feedback: 12 overtakes 11; deltas go back (large, negative) and forth. */
  g_autoptr(GwTwccRecv) recv = gw_twcc_recv_new();
  gw_twcc_recv_add(recv, 10, T0);
  gw_twcc_recv_add(recv, 12, T0 + 1 * MS);
  gw_twcc_recv_add(recv, 11, T0 + 2 * MS);
  gw_twcc_recv_add(recv, 13, T0 + 3 * MS);
  gint64 arrivals[] = {T0, T0 + 2 * MS, T0 + 1 * MS, T0 + 3 * MS};
  g_autoptr(GArray) reports = drain(recv, 1200, NULL, NULL);
  expect(reports, 10, "1111", arrivals);

  /* Pairs swapped all along: every other delta is negative, so two-bit vectors. */
  g_autoptr(GwTwccRecv) swapped = gw_twcc_recv_new();
  gint64 expected[14];
  for (guint i = 0; i < 14; i += 2) {
    gint64 t = T0 + (gint64)i * 5 * MS;
    gw_twcc_recv_add(swapped, (guint16)(i + 1), t);
    gw_twcc_recv_add(swapped, (guint16)i, t + 1 * MS);
    expected[i] = t + 1 * MS;
    expected[i + 1] = t;
  }
  guint8 buf[128];
  gsize len = write_one(swapped, buf, sizeof buf);
  g_autoptr(GArray) swapped_reports = g_array_new(FALSE, FALSE, sizeof(Report));
  check_packet(buf, len, swapped_reports);
  expect(swapped_reports, 0, "11111111111111", expected);
  g_assert_cmphex(gw_read16(buf + 20), ==, 0xd999); /* 01 10 01 10 01 10 01 */
  g_assert_cmphex(gw_read16(buf + 22), ==, 0xe666); /* 10 01 10 01 10 01 10 */
  g_assert_cmpuint(len, ==, 48);                    /* 20 + 2 chunks + 7 small + 7 large, padded */
}

static void
test_late_arrival(void)
{
  g_autoptr(GwTwccRecv) recv = gw_twcc_recv_new();
  gint64 arrivals[10];
  add_in_order(recv, 0, 5, T0, 10 * MS, arrivals);
  add_in_order(recv, 6, 4, T0 + 60 * MS, 10 * MS, arrivals + 6);
  g_autoptr(GArray) first = drain(recv, 1200, NULL, NULL);
  gint64 received[] = {arrivals[0], arrivals[1], arrivals[2], arrivals[3], arrivals[4],
                       arrivals[6], arrivals[7], arrivals[8], arrivals[9]};
  expect(first, 0, "1111101111", received);

  /* 5 turns up 100 ms late: the next feedback starts again at it, with 6..9 repeated; their
   * arrivals are before 5's, so their deltas are negative. */
  gw_twcc_recv_add(recv, 5, T0 + 150 * MS);
  g_assert_cmpuint(gw_twcc_recv_pending(recv), ==, 5);
  gint64 again[] = {T0 + 150 * MS, arrivals[6], arrivals[7], arrivals[8], arrivals[9]};
  g_autoptr(GArray) second = drain(recv, 1200, NULL, NULL);
  expect(second, 5, "11111", again);
  /* ... and only once: as a duplicate now, it changes nothing. */
  gw_twcc_recv_add(recv, 5, T0 + 160 * MS);
  g_assert_cmpuint(gw_twcc_recv_pending(recv), ==, 0);

  /* 1 is lost; 2, 10 ms later, shows the gap. 1 arriving 490 ms after that is still kept and
   * reported, with everything after it again; 590 ms after, it is gone (2 and all before it
   * are older than GW_TWCC_RECV_WINDOW_US), and ignored. */
  for (guint too_late = 0; too_late < 2; too_late++) {
    g_autoptr(GwTwccRecv) lost = gw_twcc_recv_new();
    gw_twcc_recv_add(lost, 0, T0);
    gw_twcc_recv_add(lost, 2, T0 + 10 * MS);
    g_autoptr(GArray) reported = drain(lost, 1200, NULL, NULL);
    g_assert_cmpuint(reported->len, ==, 3);
    guint n = too_late ? 58 : 48;
    gint64 t = add_in_order(lost, 3, n, T0 + 20 * MS, 10 * MS, NULL);
    g_autoptr(GArray) more = drain(lost, 1200, NULL, NULL);
    g_assert_cmpuint(more->len, ==, n);
    gw_twcc_recv_add(lost, 1, t); /* 500 or 600 ms */
    g_autoptr(GArray) late = drain(lost, 1200, NULL, NULL);
    if (too_late) {
      g_assert_cmpuint(late->len, ==, 0);
    } else {
      g_assert_cmpuint(late->len, ==, 3 + n - 1);
      g_assert_cmpuint(g_array_index(late, Report, 0).seq, ==, 1);
      g_assert_cmpint(g_array_index(late, Report, 0).arrival_us, ==, t);
    }
  }

  /* Reordered before the first packet seen: kept, as libwebrtc keeps it. */
  g_autoptr(GwTwccRecv) early = gw_twcc_recv_new();
  gw_twcc_recv_add(early, 100, T0);
  gw_twcc_recv_add(early, 98, T0 + 1 * MS);
  gint64 early_at[] = {T0 + 1 * MS, T0};
  g_autoptr(GArray) early_reports = drain(early, 1200, NULL, NULL);
  expect(early_reports, 98, "101", early_at);
}

static void
test_duplicates(void)
{
  g_autoptr(GwTwccRecv) recv = gw_twcc_recv_new();
  gw_twcc_recv_add(recv, 0, T0);
  gw_twcc_recv_add(recv, 1, T0 + 10 * MS);
  gw_twcc_recv_add(recv, 1, T0 + 15 * MS); /* the first arrival counts */
  gw_twcc_recv_add(recv, 0, T0 + 16 * MS);
  gw_twcc_recv_add(recv, 2, T0 + 20 * MS);
  g_assert_cmpuint(gw_twcc_recv_pending(recv), ==, 3);
  gint64 arrivals[] = {T0, T0 + 10 * MS, T0 + 20 * MS};
  g_autoptr(GArray) reports = drain(recv, 1200, NULL, NULL);
  expect(reports, 0, "111", arrivals);

  /* Duplicates of what was reported are not reported again. */
  gw_twcc_recv_add(recv, 1, T0 + 30 * MS);
  gw_twcc_recv_add(recv, 2, T0 + 31 * MS);
  g_assert_cmpuint(gw_twcc_recv_pending(recv), ==, 0);
  guint8 buf[64];
  g_assert_cmpuint(write_one(recv, buf, sizeof buf), ==, 0);
}

static void
test_sequence_wrap(void)
{
  g_autoptr(GwTwccRecv) recv = gw_twcc_recv_new();
  gint64 arrivals[8];
  gint64 t = add_in_order(recv, 65530, 8, T0, 10 * MS, arrivals); /* 65530 .. 1 */
  g_autoptr(GArray) first = drain(recv, 1200, NULL, NULL);
  expect(first, 65530, "11111111", arrivals);
  /* 2 and 3 are lost across nothing special; 4 .. 5 continue from 1. */
  add_in_order(recv, 4, 2, t, 10 * MS, arrivals);
  g_autoptr(GArray) second = drain(recv, 1200, NULL, NULL);
  expect(second, 2, "0011", arrivals);

  /* Losses on both sides of the wrap within one feedback. */
  g_autoptr(GwTwccRecv) across = gw_twcc_recv_new();
  gint64 at[] = {T0, T0 + 1 * MS, T0 + 4 * MS, T0 + 5 * MS};
  gw_twcc_recv_add(across, 65533, at[0]);
  gw_twcc_recv_add(across, 65534, at[1]);
  gw_twcc_recv_add(across, 1, at[2]);
  gw_twcc_recv_add(across, 2, at[3]);
  g_autoptr(GArray) reports = drain(across, 1200, NULL, NULL);
  expect(reports, 65533, "110011", at);

  /* Many wraps, a feedback every 1000 packets: every number once, in order, and arrivals
   * never drift. */
  g_autoptr(GwTwccRecv) many = gw_twcc_recv_new();
  t = T0;
  guint16 expected_seq = 12345;
  for (guint round = 0; round < 200; round++) {
    t = add_in_order(many, (guint16)(12345 + round * 1000), 1000, t, 1010, NULL);
    g_autoptr(GArray) part = drain(many, 1200, NULL, NULL);
    g_assert_cmpuint(part->len, ==, 1000);
    for (guint i = 0; i < part->len; i++) {
      const Report *r = &g_array_index(part, Report, i);
      g_assert_cmpuint(r->seq, ==, expected_seq++);
      gint64 sent = T0 + ((gint64)round * 1000 + i) * 1010;
      g_assert_cmpint(ABS(r->arrival_us - sent), <=, 125);
    }
  }
}

static void
test_no_drift(void)
{
  /* 40.5 units apart: rounding each gap on its own would add 0.5 unit per packet, 125 ms
   * over 1000; rounding against the running time keeps each within half a unit. */
  g_autoptr(GwTwccRecv) recv = gw_twcc_recv_new();
  g_autofree gint64 *arrivals = g_new(gint64, 1000);
  add_in_order(recv, 0, 1000, T0, 10125, arrivals);
  g_autoptr(GArray) reports = drain(recv, 4000, NULL, NULL);
  g_autofree char *pattern = g_strnfill(1000, '1');
  expect(reports, 0, pattern, arrivals);
}

static void
test_large_delta_split(void)
{
  g_autoptr(GwTwccRecv) recv = gw_twcc_recv_new();
  guint packets;
  /* 32767 units (8.19175 s, rounded from 8.191874) is the largest delta. */
  gw_twcc_recv_add(recv, 0, T0);
  gw_twcc_recv_add(recv, 1, T0 + 8191874);
  /* From the running time, T0 + 32767 units, 8.191999 s rounds to 32768: a new packet. */
  gw_twcc_recv_add(recv, 2, T0 + 8191874 + 8191875);
  guint8 buf[64];
  gsize len = write_one(recv, buf, sizeof buf);
  g_autoptr(GArray) reports = g_array_new(FALSE, FALSE, sizeof(Report));
  Fields f = check_packet(buf, len, reports);
  g_assert_cmpuint(f.count, ==, 2);
  g_assert_cmphex(gw_read16(buf + 20), ==, 0xd800); /* 01 10 */
  g_assert_cmpuint(buf[22], ==, 0);
  g_assert_cmphex(gw_read16(buf + 23), ==, 0x7fff);
  len = write_one(recv, buf, sizeof buf);
  f = check_packet(buf, len, reports);
  g_assert_cmpuint(f.base, ==, 2);
  g_assert_cmpuint(f.count, ==, 1);
  gint64 arrivals[] = {T0, T0 + 8191874, T0 + 8191874 + 8191875};
  expect(reports, 0, "111", arrivals);

  /* Over 8 s after the previous: two feedback packets from one pending run. */
  gw_twcc_recv_add(recv, 3, T0 + 30000 * MS);
  gw_twcc_recv_add(recv, 4, T0 + 39000 * MS);
  gw_twcc_recv_add(recv, 5, T0 + 39010 * MS);
  g_autoptr(GArray) split = drain(recv, 1200, &packets, NULL);
  g_assert_cmpuint(packets, ==, 2);
  gint64 later[] = {T0 + 30000 * MS, T0 + 39000 * MS, T0 + 39010 * MS};
  expect(split, 3, "111", later);
}

static void
test_negative_delta_split(void)
{
  /* 1 overtakes 0 by 8.192124 s: -32768 units, the most negative delta. */
  gint64 t1 = T0 + 128 * 64 * MS;
  g_autoptr(GwTwccRecv) recv = gw_twcc_recv_new();
  gw_twcc_recv_add(recv, 1, t1 - 8192124);
  gw_twcc_recv_add(recv, 0, t1);
  guint packets;
  g_autoptr(GArray) reports = drain(recv, 1200, &packets, NULL);
  g_assert_cmpuint(packets, ==, 1);
  gint64 arrivals[] = {t1, t1 - 8192124};
  expect(reports, 0, "11", arrivals);

  /* By 8.192125 s: -32769 units does not fit; 1 goes into a packet of its own. */
  g_autoptr(GwTwccRecv) split = gw_twcc_recv_new();
  gw_twcc_recv_add(split, 1, t1 - 8192125);
  gw_twcc_recv_add(split, 0, t1);
  g_autoptr(GArray) split_reports = drain(split, 1200, &packets, NULL);
  g_assert_cmpuint(packets, ==, 2);
  gint64 split_arrivals[] = {t1, t1 - 8192125};
  expect(split_reports, 0, "11", split_arrivals);
}

static void
test_far_jump(void)
{
  /* Far ahead: what was kept, even unreported, is dropped; feedback starts at the jump. */
  g_autoptr(GwTwccRecv) recv = gw_twcc_recv_new();
  gint64 t = add_in_order(recv, 0, 10, T0, 10 * MS, NULL);
  g_assert_cmpuint(drain_count(recv), ==, 10);
  t = add_in_order(recv, 10, 3, t, 10 * MS, NULL);
  g_assert_cmpuint(gw_twcc_recv_pending(recv), ==, 3);
  gw_twcc_recv_add(recv, 12 + GW_TWCC_RECV_MAX_PACKETS + 1, t);
  g_assert_cmpuint(gw_twcc_recv_pending(recv), ==, 1);
  gint64 at[] = {t};
  g_autoptr(GArray) jumped = drain(recv, 1200, NULL, NULL);
  expect(jumped, 12 + GW_TWCC_RECV_MAX_PACKETS + 1, "1", at);

  /* Ahead by exactly as much as is kept: the gap is reported, in one run. */
  g_autoptr(GwTwccRecv) near = gw_twcc_recv_new();
  gw_twcc_recv_add(near, 100, T0);
  g_assert_cmpuint(drain_count(near), ==, 1);
  gw_twcc_recv_add(near, 100 + GW_TWCC_RECV_MAX_PACKETS - 1, T0 + 10 * MS);
  g_assert_cmpuint(gw_twcc_recv_pending(near), ==, GW_TWCC_RECV_MAX_PACKETS - 1);
  /* One further: 100 falls out, and the losses after it with it. */
  gw_twcc_recv_add(near, 100 + GW_TWCC_RECV_MAX_PACKETS, T0 + 11 * MS);
  g_assert_cmpuint(gw_twcc_recv_pending(near), ==, 2);
  g_autoptr(GArray) second = drain(near, 1200, NULL, NULL);
  gint64 near_at[] = {T0 + 10 * MS, T0 + 11 * MS};
  expect(second, 100 + GW_TWCC_RECV_MAX_PACKETS - 1, "11", near_at);

  /* A restart: more than GW_TWCC_RECV_MAX_JUMP behind the highest starts afresh ... */
  g_autoptr(GwTwccRecv) restart = gw_twcc_recv_new();
  t = add_in_order(restart, 29990, 11, T0, 10 * MS, NULL);
  g_assert_cmpuint(drain_count(restart), ==, 11);
  gw_twcc_recv_add(restart, 30001, t); /* pending, then dropped */
  gw_twcc_recv_add(restart, 100, t + 10 * MS);
  gw_twcc_recv_add(restart, 101, t + 20 * MS);
  g_assert_cmpuint(gw_twcc_recv_pending(restart), ==, 2);
  gint64 restart_at[] = {t + 10 * MS, t + 20 * MS};
  g_autoptr(GArray) fresh = drain(restart, 1200, NULL, NULL);
  expect(fresh, 100, "11", restart_at);
  /* ... and so does 40000 ahead, which is nearer as 25536 behind. */
  gw_twcc_recv_add(restart, 40101, t + 30 * MS);
  g_assert_cmpuint(gw_twcc_recv_pending(restart), ==, 1);
  g_autoptr(GArray) fresh2 = drain(restart, 1200, NULL, NULL);
  gint64 restart2_at[] = {t + 30 * MS};
  expect(fresh2, 40101, "1", restart2_at);

  /* Behind, but less than GW_TWCC_RECV_MAX_JUMP and older than what is kept: ignored. */
  gw_twcc_recv_add(restart, 40101 - 5000, t + 40 * MS);
  gw_twcc_recv_add(restart, 40101 - GW_TWCC_RECV_MAX_JUMP, t + 40 * MS);
  g_assert_cmpuint(gw_twcc_recv_pending(restart), ==, 0);
}

static void
test_size_limit(void)
{
  g_autoptr(GwTwccRecv) full = gw_twcc_recv_new();
  g_autoptr(GwTwccRecv) exact = gw_twcc_recv_new();
  g_autoptr(GwTwccRecv) tight = gw_twcc_recv_new();
  g_autoptr(GwTwccRecv) tiny = gw_twcc_recv_new();
  GwTwccRecv *all[] = {full, exact, tight, tiny};
  gint64 arrivals[40];
  for (guint i = 0; i < G_N_ELEMENTS(all); i++) {
    add_in_order(all[i], 7, 30, T0, 5 * MS, arrivals);
    add_in_order(all[i], 40, 10, T0 + 200 * MS, 5 * MS, arrivals + 30); /* 37 .. 39 lost */
  }
  const char *pattern = "111111111111111111111111111111"
                        "000"
                        "1111111111";

  /* Nothing fits below 24 bytes, and nothing is lost by trying. */
  guint8 buf[512];
  g_assert_cmpuint(gw_twcc_recv_write(tiny, SENDER_SSRC, MEDIA_SSRC, NULL, 0), ==, 0);
  for (gsize size = 0; size < 24; size++) {
    memset(buf, 0xee, sizeof buf);
    g_assert_cmpuint(write_one(tiny, buf, size), ==, 0);
    g_assert_cmpuint(buf[0], ==, 0xee);
    g_assert_cmpuint(gw_twcc_recv_pending(tiny), ==, 43);
  }
  /* 24 bytes take two one-byte deltas at a time. */
  guint packets;
  g_autoptr(GArray) tiny_reports = drain(tiny, 24, &packets, NULL);
  expect(tiny_reports, 7, pattern, arrivals);
  g_assert_cmpuint(packets, ==, 15 + 1 + 4); /* the losses go with 40 and 41 */

  guint8 whole[512];
  gsize whole_len = write_one(full, whole, sizeof whole);
  /* A run of 30, a one-bit vector of 13 (3 losses, 10 received), 40 one-byte deltas. */
  g_assert_cmpuint(whole_len, ==, 20 + 2 * 2 + 40);
  g_autoptr(GArray) whole_reports = g_array_new(FALSE, FALSE, sizeof(Report));
  check_packet(whole, whole_len, whole_reports);
  expect(whole_reports, 7, pattern, arrivals);

  /* A buffer of exactly that size takes it all, byte for byte. */
  gsize len = write_one(exact, buf, whole_len);
  g_assert_cmpmem(buf, len, whole, whole_len);
  g_assert_cmpuint(gw_twcc_recv_pending(exact), ==, 0);

  /* Three bytes less: a packet of 60 bytes (36 deltas) now, the rest next. */
  g_autoptr(GArray) tight_reports = drain(tight, whole_len - 1, &packets, NULL);
  g_assert_cmpuint(packets, ==, 2);
  g_autoptr(GwTwccRecv) tighter = gw_twcc_recv_new();
  add_in_order(tighter, 7, 30, T0, 5 * MS, NULL);
  add_in_order(tighter, 40, 10, T0 + 200 * MS, 5 * MS, NULL);
  g_assert_cmpuint(write_one(tighter, buf, whole_len - 1), ==, 60);
  g_assert_cmpuint(gw_twcc_recv_pending(tighter), ==, 4);
  g_assert_cmpuint(packets, ==, 2);
  expect(tight_reports, 7, pattern, arrivals);

  /* A feedback that starts with losses and a large delta needs GW_TWCC_RECV_MIN_SIZE: a run
   * of losses, a run of one large delta, two bytes of delta. */
  g_autoptr(GwTwccRecv) gap = gw_twcc_recv_new();
  gw_twcc_recv_add(gap, 0, T0);
  g_assert_cmpuint(drain_count(gap), ==, 1);
  gw_twcc_recv_add(gap, 21, T0 + 63999); /* 256 units after the reference time */
  memset(buf, 0xee, sizeof buf);
  g_assert_cmpuint(write_one(gap, buf, GW_TWCC_RECV_MIN_SIZE - 1), ==, 0);
  g_assert_cmpuint(buf[0], ==, 0xee);
  g_autoptr(GArray) gap_reports = drain(gap, GW_TWCC_RECV_MIN_SIZE, &packets, NULL);
  g_assert_cmpuint(packets, ==, 1);
  gint64 gap_at[] = {T0 + 63999};
  g_autofree char *gap_pattern = g_strnfill(21, '0');
  gap_pattern[20] = '1';
  expect(gap_reports, 1, gap_pattern, gap_at);
}

static void
test_feedback_count(void)
{
  g_autoptr(GwTwccRecv) recv = gw_twcc_recv_new();
  guint8 buf[64];
  for (guint i = 0; i < 600; i++) {
    gw_twcc_recv_add(recv, (guint16)i, T0 + (gint64)i * 10 * MS);
    g_assert_cmpuint(write_one(recv, buf, sizeof buf), ==, 24);
    g_assert_cmpuint(buf[19], ==, i & 0xff);
    /* Returning 0 writes nothing and counts nothing. */
    g_assert_cmpuint(write_one(recv, buf, sizeof buf), ==, 0);
  }
}

static void
test_reference_time(void)
{
  static const gint64 times[] = {
      0,
      1,
      63999, /* the first delta is 256 units: a large one */
      64000,
      (G_GINT64_CONSTANT(1) << 23) * 64000 - 64000 + 100,   /* the largest positive */
      (G_GINT64_CONSTANT(1) << 23) * 64000,                 /* read back negative */
      (G_GINT64_CONSTANT(1) << 24) * 64000 + 3 * 64000 + 5, /* wrapped: 3 */
      GW_TWCC_RECV_MAX_ARRIVAL_US - 20 * MS,
  };
  static const guint32 refs[] = {0, 0, 0, 1, 0x7fffff, 0x800000, 3, 0};
  for (guint i = 0; i < G_N_ELEMENTS(times); i++) {
    g_autoptr(GwTwccRecv) recv = gw_twcc_recv_new();
    gint64 t = times[i];
    gw_twcc_recv_add(recv, 7, t);
    gw_twcc_recv_add(recv, 8, t + 10 * MS);
    guint8 buf[64];
    gsize len = write_one(recv, buf, sizeof buf);
    g_autoptr(GArray) reports = g_array_new(FALSE, FALSE, sizeof(Report));
    Fields f = check_packet(buf, len, reports);
    guint32 want = i == G_N_ELEMENTS(times) - 1 ? (guint32)((t / 64000) & 0xffffff) : refs[i];
    g_assert_cmphex(f.ref, ==, want);
    /* The parser's times are the arrivals modulo the 24-bit wrap of 64 ms units (12.4
     * days), centred on 0. */
    for (guint j = 0; j < 2; j++) {
      gint64 arrival = t + j * 10 * MS;
      gint64 error = (g_array_index(reports, Report, j).arrival_us - arrival) % REF_WRAP_US;
      if (error > REF_WRAP_US / 2)
        error -= REF_WRAP_US;
      if (error < -REF_WRAP_US / 2)
        error += REF_WRAP_US;
      g_assert_cmpint(ABS(error), <=, 125);
    }
    if (f.ref >= 0x800000)
      g_assert_cmpint(g_array_index(reports, Report, 0).arrival_us, <, 0);
  }
}

static void
test_bounded(void)
{
  /* However much arrives unreported, no more than GW_TWCC_RECV_MAX_PACKETS is kept, and it
   * all goes in one feedback: one run and a one-byte delta for each. */
  g_autoptr(GwTwccRecv) recv = gw_twcc_recv_new();
  gint64 t = add_in_order(recv, 0, 100000, T0, 1 * MS, NULL);
  g_assert_cmpuint(gw_twcc_recv_pending(recv), ==, GW_TWCC_RECV_MAX_PACKETS);
  guint packets;
  gsize bytes;
  g_autoptr(GArray) reports = drain(recv, ANY_SIZE, &packets, &bytes);
  g_assert_cmpuint(packets, ==, 1);
  g_assert_cmpuint(bytes, ==, 20 + 2 + GW_TWCC_RECV_MAX_PACKETS + 2); /* padded */
  g_assert_cmpuint(g_array_index(reports, Report, 0).seq, ==,
                   (guint16)(100000 - GW_TWCC_RECV_MAX_PACKETS));

  /* Whatever a peer sends, nothing grows: random numbers near and far, random times, writes
   * of random sizes. */
  g_autoptr(GRand) rand = g_rand_new_with_seed(20240607);
  guint16 seq = 0;
  guint8 buf[2048];
  for (guint i = 0; i < 50000; i++) {
    switch (g_rand_int_range(rand, 0, 10)) {
    case 0:
      seq = (guint16)g_rand_int(rand);
      break;
    case 1:
    case 2:
      seq = (guint16)(seq - g_rand_int_range(rand, 0, 100));
      break;
    default:
      seq = (guint16)(seq + g_rand_int_range(rand, 1, 5));
    }
    t += g_rand_int_range(rand, 0, 3000);
    if (g_rand_int_range(rand, 0, 100) == 0)
      t += g_rand_int_range(rand, 0, 20000000);
    gw_twcc_recv_add(recv, seq, t);
    g_assert_cmpuint(gw_twcc_recv_pending(recv), <=, GW_TWCC_RECV_MAX_PACKETS);
    if (g_rand_int_range(rand, 0, 50) == 0) {
      gsize size = (gsize)g_rand_int_range(rand, 0, sizeof buf);
      gsize len = write_one(recv, buf, size);
      g_assert_cmpuint(len, <=, size);
      if (len > 0) {
        g_autoptr(GArray) some = g_array_new(FALSE, FALSE, sizeof(Report));
        check_packet(buf, len, some);
      } else {
        g_assert_true(size < GW_TWCC_RECV_MIN_SIZE || gw_twcc_recv_pending(recv) == 0);
      }
    }
  }
}

static void
test_empty(void)
{
  g_autoptr(GwTwccRecv) recv = gw_twcc_recv_new();
  guint8 buf[64];
  g_assert_cmpuint(gw_twcc_recv_pending(recv), ==, 0);
  g_assert_cmpuint(write_one(recv, buf, sizeof buf), ==, 0);
  gw_twcc_recv_free(NULL);
}

static void
test_gstreamer(void)
{
  /* check_packet() puts every packet of these tests through GStreamer's RTCP parser; here
   * the one case it cannot take. A padded TWCC packet after a receiver report fails
   * gst_rtcp_buffer_validate_data(): it wants a pad count that is a multiple of 4. libwebrtc
   * writes and reads these pad counts of 1 to 3 (so does Chrome), and sends TWCC feedback
   * alone (reduced-size RTCP), which GStreamer takes. */
  g_autoptr(GwTwccRecv) recv = gw_twcc_recv_new();
  add_in_order(recv, 0, 3, T0, 10 * MS, NULL);
  guint8 buf[64];
  gsize len = write_one(recv, buf, sizeof buf);
  g_assert_cmpuint(len, ==, 28); /* 25, padded by 3 */
  g_assert_cmpuint(buf[0] & 0x20, ==, 0x20);
  g_assert_cmpuint(buf[len - 1], ==, 3);
  g_assert_true(gst_rtcp_buffer_validate_data_reduced(buf, (guint)len));
  guint8 compound[8 + 64] = {0x80, 201, 0, 1, 0xde, 0xad, 0xbe, 0xef};
  memcpy(compound + 8, buf, len);
  g_assert_false(gst_rtcp_buffer_validate_data(compound, (guint)(8 + len)));
  /* Unpadded, the same compound passes (check_packet() tries it with every such packet). */
  add_in_order(recv, 3, 6, T0 + 100 * MS, 10 * MS, NULL);
  len = write_one(recv, buf, sizeof buf);
  g_assert_cmpuint(len, ==, 28);
  g_assert_cmpuint(buf[0] & 0x20, ==, 0);
  memcpy(compound + 8, buf, len);
  g_assert_true(gst_rtcp_buffer_validate_data(compound, (guint)(8 + len)));
}

int
main(int argc, char **argv)
{
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/twcc-recv/bytes-run", test_bytes_run);
  g_test_add_func("/twcc-recv/bytes-wrap-vector", test_bytes_wrap_vector);
  g_test_add_func("/twcc-recv/chunks", test_chunks);
  g_test_add_func("/twcc-recv/in-order", test_in_order);
  g_test_add_func("/twcc-recv/losses", test_losses);
  g_test_add_func("/twcc-recv/long-loss", test_long_loss);
  g_test_add_func("/twcc-recv/reordering", test_reordering);
  g_test_add_func("/twcc-recv/late-arrival", test_late_arrival);
  g_test_add_func("/twcc-recv/duplicates", test_duplicates);
  g_test_add_func("/twcc-recv/sequence-wrap", test_sequence_wrap);
  g_test_add_func("/twcc-recv/no-drift", test_no_drift);
  g_test_add_func("/twcc-recv/large-delta-split", test_large_delta_split);
  g_test_add_func("/twcc-recv/negative-delta-split", test_negative_delta_split);
  g_test_add_func("/twcc-recv/far-jump", test_far_jump);
  g_test_add_func("/twcc-recv/size-limit", test_size_limit);
  g_test_add_func("/twcc-recv/feedback-count", test_feedback_count);
  g_test_add_func("/twcc-recv/reference-time", test_reference_time);
  g_test_add_func("/twcc-recv/bounded", test_bounded);
  g_test_add_func("/twcc-recv/empty", test_empty);
  g_test_add_func("/twcc-recv/gstreamer", test_gstreamer);
  return g_test_run();
}
