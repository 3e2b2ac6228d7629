/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the receiver reports the gateway writes itself (webrtc/reports.c). */
#include "webrtc/reports.h"

#include <gst/gst.h>

#define T0 (1000 * G_USEC_PER_SEC) /* a monotonic time well after start */
#define SSRC_A 0x11111111u
#define SSRC_B 0x22222222u

typedef struct {
  guint32 ssrc;
  guint8 fraction;
  gint32 lost;
  guint32 ext_max, jitter, lsr, dlsr;
} Block;

/* Writes into a fresh RTCP buffer of @mtu bytes and reads the blocks back.
 * Returns: the blocks written; @out gets up to @max of them. */
static guint
write_and_read(GwReports *r, gint64 now_us, GwReportsJitterFn jitter, guint mtu, Block *out,
               guint max, guint32 *sender)
{
  GstBuffer *buffer = gst_rtcp_buffer_new(mtu);
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  g_assert_true(gst_rtcp_buffer_map(buffer, GST_MAP_READWRITE, &rtcp));
  guint written = gw_reports_write(r, &rtcp, 0xabcdef01u, now_us, jitter, GUINT_TO_POINTER(7));
  gst_rtcp_buffer_unmap(&rtcp);
  g_assert_true(gst_rtcp_buffer_validate_reduced(buffer) || written == 0);

  guint read = 0;
  g_assert_true(gst_rtcp_buffer_map(buffer, GST_MAP_READ, &rtcp));
  GstRTCPPacket packet;
  guint packets = 0;
  for (gboolean more = gst_rtcp_buffer_get_first_packet(&rtcp, &packet); more;
       more = gst_rtcp_packet_move_to_next(&packet)) {
    packets++;
    g_assert_cmpint(gst_rtcp_packet_get_type(&packet), ==, GST_RTCP_TYPE_RR);
    if (sender)
      *sender = gst_rtcp_packet_rr_get_ssrc(&packet);
    for (guint i = 0; i < gst_rtcp_packet_get_rb_count(&packet) && read < max; i++, read++) {
      Block *b = &out[read];
      gst_rtcp_packet_get_rb(&packet, i, &b->ssrc, &b->fraction, &b->lost, &b->ext_max, &b->jitter,
                             &b->lsr, &b->dlsr);
    }
  }
  gst_rtcp_buffer_unmap(&rtcp);
  gst_buffer_unref(buffer);
  g_assert_cmpuint(packets, ==, written > 0 ? 1 : 0);
  g_assert_cmpuint(read, ==, MIN(written, max));
  return written;
}

static void
packets(GwReports *r, guint32 ssrc, guint first, guint count, guint skip_every, gint64 now_us)
{
  for (guint i = 0; i < count; i++)
    if (skip_every == 0 || i % skip_every != skip_every - 1)
      gw_reports_packet(r, ssrc, (guint16)(first + i), now_us);
}

static void
test_in_order(void)
{
  GwReports *r = gw_reports_new();
  packets(r, SSRC_A, 100, 100, 0, T0);
  Block b[2];
  guint32 sender = 0;
  g_assert_cmpuint(write_and_read(r, T0, NULL, 1400, b, 2, &sender), ==, 1);
  g_assert_cmphex(sender, ==, 0xabcdef01u);
  g_assert_cmphex(b[0].ssrc, ==, SSRC_A);
  g_assert_cmpuint(b[0].ext_max, ==, 199);
  g_assert_cmpint(b[0].lost, ==, 0);
  g_assert_cmpuint(b[0].fraction, ==, 0);
  g_assert_cmpuint(b[0].lsr, ==, 0);
  g_assert_cmpuint(b[0].dlsr, ==, 0);
  g_assert_cmpuint(gw_reports_written(r), ==, 1);
  gw_reports_unref(r);
}

static void
test_loss_fraction_per_interval(void)
{
  GwReports *r = gw_reports_new();
  /* One in four lost (3, 7, ... 199): up to the highest received, 198, 199
   * expected and 150 received. */
  packets(r, SSRC_A, 0, 200, 4, T0);
  Block b[1];
  g_assert_cmpuint(write_and_read(r, T0, NULL, 1400, b, 1, NULL), ==, 1);
  g_assert_cmpuint(b[0].ext_max, ==, 198);
  g_assert_cmpint(b[0].lost, ==, 49);
  g_assert_cmpuint(b[0].fraction, ==, 49 * 256 / 199);
  /* The next interval loses only 199 (now behind the highest): the fraction
   * is of that interval, 1 of 101; the count stays cumulative. */
  packets(r, SSRC_A, 200, 100, 0, T0 + G_USEC_PER_SEC);
  g_assert_cmpuint(write_and_read(r, T0 + G_USEC_PER_SEC, NULL, 1400, b, 1, NULL), ==, 1);
  g_assert_cmpuint(b[0].fraction, ==, 256 / 101);
  g_assert_cmpint(b[0].lost, ==, 50);
  g_assert_cmpuint(b[0].ext_max, ==, 299);
  gw_reports_unref(r);
}

static void
test_wrap_and_reorder(void)
{
  GwReports *r = gw_reports_new();
  packets(r, SSRC_A, 65530, 6, 0, T0); /* 65530..65535 */
  gw_reports_packet(r, SSRC_A, 1, T0);
  gw_reports_packet(r, SSRC_A, 0, T0);     /* out of order, behind the wrap */
  gw_reports_packet(r, SSRC_A, 65535, T0); /* a duplicate from before the wrap */
  packets(r, SSRC_A, 2, 8, 0, T0);         /* 2..9 */
  Block b[1];
  g_assert_cmpuint(write_and_read(r, T0, NULL, 1400, b, 1, NULL), ==, 1);
  g_assert_cmpuint(b[0].ext_max, ==, 65536 + 9);
  /* 16 expected, 17 received (the duplicate counts, as in RFC 3550 A.3). */
  g_assert_cmpint(b[0].lost, ==, -1);
  g_assert_cmpuint(b[0].fraction, ==, 0);
  gw_reports_unref(r);
}

static void
test_restart_after_jump(void)
{
  GwReports *r = gw_reports_new();
  packets(r, SSRC_A, 1000, 10, 0, T0);
  /* One packet far ahead is not believed... */
  gw_reports_packet(r, SSRC_A, 40000, T0);
  Block b[1];
  g_assert_cmpuint(write_and_read(r, T0, NULL, 1400, b, 1, NULL), ==, 1);
  g_assert_cmpuint(b[0].ext_max, ==, 1009);
  g_assert_cmpint(b[0].lost, ==, 0);
  /* ...two in sequence are: the sender restarted, counts start afresh. */
  gw_reports_packet(r, SSRC_A, 50000, T0);
  gw_reports_packet(r, SSRC_A, 50001, T0);
  gw_reports_packet(r, SSRC_A, 50002, T0);
  g_assert_cmpuint(write_and_read(r, T0 + G_USEC_PER_SEC, NULL, 1400, b, 1, NULL), ==, 1);
  g_assert_cmpuint(b[0].ext_max, ==, 50002);
  g_assert_cmpint(b[0].lost, ==, 0);
  gw_reports_unref(r);
}

static void
test_round_trip_fields(void)
{
  GwReports *r = gw_reports_new();
  packets(r, SSRC_A, 0, 10, 0, T0);
  /* NTP 0x0123456789abcdef: the middle 32 bits are 0x456789ab. */
  gw_reports_sender_report(r, SSRC_A, G_GUINT64_CONSTANT(0x0123456789abcdef), T0);
  gw_reports_sender_report(r, SSRC_B, 42, T0); /* not a stream heard from: ignored */
  Block b[2];
  g_assert_cmpuint(write_and_read(r, T0 + G_USEC_PER_SEC / 2, NULL, 1400, b, 2, NULL), ==, 1);
  g_assert_cmphex(b[0].lsr, ==, 0x456789ab);
  g_assert_cmpuint(b[0].dlsr, ==, 32768); /* half a second in 1/65536 s */
  gw_reports_unref(r);
}

static guint32
jitter_of(guint32 ssrc, gpointer data)
{
  g_assert_cmpuint(GPOINTER_TO_UINT(data), ==, 7);
  return ssrc == SSRC_B ? 1234 : 5;
}

static void
test_jitter_and_streams(void)
{
  GwReports *r = gw_reports_new();
  packets(r, SSRC_A, 0, 5, 0, T0);
  packets(r, SSRC_B, 0, 5, 0, T0);
  Block b[2];
  g_assert_cmpuint(write_and_read(r, T0, jitter_of, 1400, b, 2, NULL), ==, 2);
  g_assert_cmpuint(b[0].jitter, ==, 5);
  g_assert_cmpuint(b[1].jitter, ==, 1234);
  gw_reports_unref(r);
}

static void
test_when_due(void)
{
  GwReports *r = gw_reports_new();
  Block b[1];
  /* Nothing heard: nothing written, not even an empty report. */
  g_assert_cmpuint(write_and_read(r, T0, NULL, 1400, b, 1, NULL), ==, 0);
  packets(r, SSRC_A, 0, 5, 0, T0);
  g_assert_cmpuint(write_and_read(r, T0, NULL, 1400, b, 1, NULL), ==, 1);
  /* At most one a second... */
  g_assert_cmpuint(write_and_read(r, T0 + G_USEC_PER_SEC - 1, NULL, 1400, b, 1, NULL), ==, 0);
  g_assert_cmpuint(write_and_read(r, T0 + G_USEC_PER_SEC, NULL, 1400, b, 1, NULL), ==, 1);
  /* ...counting the session's own regular reports. */
  gw_reports_regular(r, T0 + 2 * G_USEC_PER_SEC);
  g_assert_cmpuint(write_and_read(r, T0 + 2 * G_USEC_PER_SEC + 500000, NULL, 1400, b, 1, NULL), ==,
                   0);
  /* A stream quiet for over 5 s is not reported. */
  g_assert_cmpuint(write_and_read(r, T0 + 6 * G_USEC_PER_SEC, NULL, 1400, b, 1, NULL), ==, 0);
  g_assert_cmpuint(gw_reports_written(r), ==, 2);
  gw_reports_unref(r);
}

static void
test_limits(void)
{
  GwReports *r = gw_reports_new();
  /* More SSRCs than slots: the ones over are not counted... */
  for (guint32 i = 0; i < GW_REPORTS_STREAMS + 3; i++)
    packets(r, 0x1000 + i, 0, 3, 0, T0);
  Block b[GW_REPORTS_STREAMS + 3];
  g_assert_cmpuint(write_and_read(r, T0, NULL, 1400, b, G_N_ELEMENTS(b), NULL), ==,
                   GW_REPORTS_STREAMS);
  /* ...until a slot's stream has been quiet too long. */
  gint64 later = T0 + GW_REPORTS_IDLE_US + 1;
  packets(r, 0x9999, 0, 3, 0, later);
  g_assert_cmpuint(write_and_read(r, later, NULL, 1400, b, G_N_ELEMENTS(b), NULL), ==, 1);
  g_assert_cmphex(b[0].ssrc, ==, 0x9999);
  /* No room for a block: nothing is left in the buffer, and it is due again. */
  packets(r, 0x9999, 3, 3, 0, later + G_USEC_PER_SEC);
  g_assert_cmpuint(write_and_read(r, later + G_USEC_PER_SEC, NULL, 12, b, 1, NULL), ==, 0);
  g_assert_cmpuint(write_and_read(r, later + G_USEC_PER_SEC, NULL, 1400, b, 1, NULL), ==, 1);
  gw_reports_unref(r);
}

static void
test_cumulative_loss_clamped(void)
{
  GwReports *r = gw_reports_new();
  /* 3000 ahead at a time (the largest step taken as loss) until far more is
   * lost than 24 bits hold. */
  guint16 seq = 0;
  for (guint i = 0; i < 3000; i++, seq = (guint16)(seq + 2999))
    gw_reports_packet(r, SSRC_A, seq, T0);
  Block b[1];
  g_assert_cmpuint(write_and_read(r, T0, NULL, 1400, b, 1, NULL), ==, 1);
  g_assert_cmpint(b[0].lost, ==, 0x7fffff);
  g_assert_cmpuint(b[0].fraction, ==, 255);
  gw_reports_unref(r);
}

int
main(int argc, char **argv)
{
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/reports/in-order", test_in_order);
  g_test_add_func("/reports/loss-fraction-per-interval", test_loss_fraction_per_interval);
  g_test_add_func("/reports/wrap-and-reorder", test_wrap_and_reorder);
  g_test_add_func("/reports/restart-after-jump", test_restart_after_jump);
  g_test_add_func("/reports/round-trip-fields", test_round_trip_fields);
  g_test_add_func("/reports/jitter-and-streams", test_jitter_and_streams);
  g_test_add_func("/reports/when-due", test_when_due);
  g_test_add_func("/reports/limits", test_limits);
  g_test_add_func("/reports/cumulative-loss-clamped", test_cumulative_loss_clamped);
  return g_test_run();
}
