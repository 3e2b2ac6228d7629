/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the transport-wide congestion control feedback parser and send history. */
#include <string.h>

#include "tests/webrtc/twcc-reports.h"
#include "webrtc/twcc.h"

/* --- A feedback FCI written by hand --- */

static void
put_u8(GByteArray *fci, guint value)
{
  guint8 byte = (guint8)value;
  g_byte_array_append(fci, &byte, 1);
}

static void
put_u16(GByteArray *fci, guint value)
{
  put_u8(fci, value >> 8);
  put_u8(fci, value);
}

/* The header: base seq, status count, reference time (24 bits, two's complement), and a
 * feedback packet count of 7. */
static GByteArray *
fci_new(guint base, guint count, gint32 ref_time)
{
  GByteArray *fci = g_byte_array_new();
  put_u16(fci, base);
  put_u16(fci, count);
  guint32 ref = (guint32)ref_time & 0xffffff;
  put_u8(fci, ref >> 16);
  put_u8(fci, ref >> 8);
  put_u8(fci, ref);
  put_u8(fci, 7);
  return fci;
}

static void
put_run(GByteArray *fci, guint symbol, guint run)
{
  g_assert_cmpuint(symbol, <=, 3);
  g_assert_cmpuint(run, <, 0x2000);
  put_u16(fci, symbol << 13 | run);
}

/* A status vector chunk: @symbols is a string of '0'..'3', 14 one-bit or 7 two-bit ones
 * (fewer are padded with 0). */
static void
put_vector(GByteArray *fci, guint bits, const char *symbols)
{
  guint chunk = 0x8000 | (bits == 2 ? 0x4000 : 0);
  g_assert_cmpuint(strlen(symbols), <=, 14 / bits);
  for (guint i = 0; symbols[i] != '\0'; i++)
    chunk |= (guint)(symbols[i] - '0') << (14 - bits * (i + 1));
  put_u16(fci, chunk);
}

static void
put_small(GByteArray *fci, guint delta)
{
  put_u8(fci, delta);
}

static void
put_large(GByteArray *fci, gint delta)
{
  put_u16(fci, (guint)delta & 0xffff);
}

/* --- What the parser reported --- */

/* Parses @fci, which must be well-formed, and checks what it reports: @n packets from @base
 * on, received as in @expect_received ('1' or '0' per packet), arriving at @expect_us (the
 * received ones only). */
static void
check_reports(GByteArray *fci, guint16 base, guint n, const char *expect_received,
              const gint64 *expect_us)
{
  g_autoptr(GArray) reports = g_array_new(FALSE, FALSE, sizeof(Report));
  g_assert_true(gw_twcc_parse(fci->data, fci->len, collect, reports));
  g_assert_cmpuint(reports->len, ==, n);
  g_assert_cmpuint(strlen(expect_received), ==, n);
  guint arrived = 0;
  for (guint i = 0; i < n; i++) {
    const Report *r = &g_array_index(reports, Report, i);
    g_assert_cmpuint(r->seq, ==, (guint16)(base + i));
    g_assert_cmpint(r->received, ==, expect_received[i] == '1');
    if (r->received)
      g_assert_cmpint(r->arrival_us, ==, expect_us[arrived++]);
    else
      g_assert_cmpint(r->arrival_us, ==, 0);
  }
}

static void
test_run_length_small_deltas(void)
{
  GByteArray *fci = fci_new(100, 5, 2); /* 2 * 64 ms */
  put_run(fci, 1, 5);
  put_small(fci, 4);
  put_small(fci, 8);
  put_small(fci, 0);
  put_small(fci, 255);
  put_small(fci, 1);
  static const gint64 us[] = {129000, 131000, 131000, 194750, 195000};
  check_reports(fci, 100, 5, "11111", us);

  /* RTCP padding after the last delta is ignored. */
  put_u16(fci, 0);
  check_reports(fci, 100, 5, "11111", us);
  g_byte_array_unref(fci);

  /* A run longer than the status count covers only the count. */
  fci = fci_new(100, 2, 0);
  put_run(fci, 1, 300);
  put_small(fci, 1);
  put_small(fci, 2);
  static const gint64 us2[] = {250, 750};
  check_reports(fci, 100, 2, "11", us2);
  g_byte_array_unref(fci);
}

static void
test_one_bit_vector_gaps(void)
{
  GByteArray *fci = fci_new(10, 14, 1);
  put_vector(fci, 1, "10110001000001");
  put_small(fci, 1);
  put_small(fci, 2);
  put_small(fci, 3);
  put_small(fci, 4);
  put_small(fci, 5);
  static const gint64 us[] = {64250, 64750, 65500, 66500, 67750};
  check_reports(fci, 10, 14, "10110001000001", us);
  g_byte_array_unref(fci);

  /* The last vector's symbols past the count are padding, even 1s with no delta. */
  fci = fci_new(10, 20, 0);
  put_vector(fci, 1, "11111111111111");
  put_vector(fci, 1, "01000011111111");
  for (guint i = 0; i < 15; i++)
    put_small(fci, 4);
  g_autoptr(GArray) reports = g_array_new(FALSE, FALSE, sizeof(Report));
  g_assert_true(gw_twcc_parse(fci->data, fci->len, collect, reports));
  g_assert_cmpuint(reports->len, ==, 20);
  g_assert_false(g_array_index(reports, Report, 19).received);
  g_assert_cmpint(g_array_index(reports, Report, 15).arrival_us, ==, 15 * 1000);
  g_byte_array_unref(fci);
}

static void
test_two_bit_vector_large_negative(void)
{
  GByteArray *fci = fci_new(500, 7, 10); /* 640 ms */
  put_vector(fci, 2, "1201200");
  put_small(fci, 10);  /* +2.5 ms */
  put_large(fci, -20); /* -5 ms */
  put_small(fci, 5);   /* +1.25 ms */
  put_large(fci, 400); /* +100 ms */
  static const gint64 us[] = {642500, 637500, 638750, 738750};
  check_reports(fci, 500, 7, "1101100", us);
  g_byte_array_unref(fci);

  /* The most negative delta: -32768 * 250 us. */
  fci = fci_new(0, 1, 1000);
  put_vector(fci, 2, "2");
  put_large(fci, -32768);
  static const gint64 us2[] = {64000000 - 8192000};
  check_reports(fci, 0, 1, "1", us2);
  g_byte_array_unref(fci);
}

static void
test_negative_reference_time(void)
{
  GByteArray *fci = fci_new(1, 2, -1); /* 0xffffff */
  put_run(fci, 1, 2);
  put_small(fci, 4);
  put_small(fci, 4);
  static const gint64 us[] = {-63000, -62000};
  check_reports(fci, 1, 2, "11", us);
  g_byte_array_unref(fci);

  fci = fci_new(1, 1, -0x800000); /* 0x800000: the most negative */
  put_run(fci, 1, 1);
  put_small(fci, 0);
  static const gint64 us2[] = {-(gint64)0x800000 * 64000};
  check_reports(fci, 1, 1, "1", us2);
  g_byte_array_unref(fci);

  fci = fci_new(1, 1, 0x7fffff); /* the most positive */
  put_run(fci, 1, 1);
  put_small(fci, 0);
  static const gint64 us3[] = {(gint64)0x7fffff * 64000};
  check_reports(fci, 1, 1, "1", us3);
  g_byte_array_unref(fci);
}

static void
test_sequence_wrap(void)
{
  GByteArray *fci = fci_new(65534, 4, 0);
  put_vector(fci, 2, "1012");
  put_small(fci, 4);
  put_small(fci, 4);
  put_large(fci, 4);
  static const gint64 us[] = {1000, 2000, 3000};
  g_autoptr(GArray) reports = g_array_new(FALSE, FALSE, sizeof(Report));
  g_assert_true(gw_twcc_parse(fci->data, fci->len, collect, reports));
  g_assert_cmpuint(reports->len, ==, 4);
  static const guint16 seqs[] = {65534, 65535, 0, 1};
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint(g_array_index(reports, Report, i).seq, ==, seqs[i]);
  check_reports(fci, 65534, 4, "1011", us);
  g_byte_array_unref(fci);
}

static void
test_largest_count(void)
{
  /* 8192 statuses: the most a run can say is 8191, so two runs. */
  GByteArray *fci = fci_new(60000, 8192, 0);
  put_run(fci, 0, 8191);
  put_run(fci, 1, 1);
  put_small(fci, 2);
  g_autoptr(GArray) reports = g_array_new(FALSE, FALSE, sizeof(Report));
  g_assert_true(gw_twcc_parse(fci->data, fci->len, collect, reports));
  g_assert_cmpuint(reports->len, ==, 8192);
  const Report *last = &g_array_index(reports, Report, 8191);
  g_assert_cmpuint(last->seq, ==, (60000 + 8191) % 65536);
  g_assert_true(last->received);
  g_assert_cmpint(last->arrival_us, ==, 500);
  g_assert_false(g_array_index(reports, Report, 8190).received);
  g_byte_array_unref(fci);
}

/* --- Malformed feedback --- */

static void
count_calls(guint16 seq, gboolean received, gint64 arrival_us, gpointer user_data)
{
  (void)seq;
  (void)received;
  (void)arrival_us;
  (*(guint *)user_data)++;
}

static void
check_malformed(GByteArray *fci)
{
  guint calls = 0;
  g_assert_false(gw_twcc_parse(fci->data, fci->len, count_calls, &calls));
  g_assert_cmpuint(calls, ==, 0);

  /* The history refuses it too, and says nothing. */
  g_autoptr(GwTwccHistory) history = gw_twcc_history_new();
  for (guint seq = 0; seq < GW_TWCC_HISTORY; seq++)
    gw_twcc_history_add(history, (guint16)seq, 1000, seq * 1000);
  GwTwccStats stats = {1, 1, 1, 1};
  g_assert_false(gw_twcc_history_feedback(history, fci->data, fci->len, &stats));
  g_assert_cmpuint(stats.sent, ==, 0);
  g_assert_cmpuint(stats.received, ==, 0);
  g_assert_cmpuint(stats.bitrate_sent, ==, 0);
  g_assert_cmpuint(stats.bitrate_recv, ==, 0);
  g_byte_array_unref(fci);
}

static void
test_malformed(void)
{
  /* Every case is a well-formed feedback, cut or changed in one place; check the whole one
   * parses, so that each refusal is for the reason given. */
  GByteArray *good = fci_new(1, 3, 0);
  put_run(good, 1, 3);
  put_small(good, 1);
  put_small(good, 1);
  put_small(good, 1);
  guint calls = 0;
  g_assert_true(gw_twcc_parse(good->data, good->len, count_calls, &calls));
  g_assert_cmpuint(calls, ==, 3);

  /* Truncated header: nothing, 7 bytes, and a header with no chunk. */
  guint calls_empty = 0;
  g_assert_false(gw_twcc_parse(NULL, 0, count_calls, &calls_empty));
  g_assert_cmpuint(calls_empty, ==, 0);
  check_malformed(g_byte_array_append(g_byte_array_new(), good->data, 7));
  check_malformed(g_byte_array_append(g_byte_array_new(), good->data, 8));

  /* Chunks past the end: 20 statuses, only 5 described. */
  GByteArray *fci = fci_new(1, 20, 0);
  put_run(fci, 1, 5);
  for (guint i = 0; i < 5; i++)
    put_small(fci, 1);
  check_malformed(fci);
  /* ... or a chunk cut in half. */
  fci = fci_new(1, 20, 0);
  put_run(fci, 0, 19);
  put_u8(fci, 0x20);
  check_malformed(fci);

  /* Missing deltas: one byte short, and a large delta cut in half. */
  check_malformed(g_byte_array_append(g_byte_array_new(), good->data, good->len - 1));
  fci = fci_new(1, 2, 0);
  put_vector(fci, 2, "12");
  put_small(fci, 1);
  put_u8(fci, 0);
  check_malformed(fci);

  /* Reserved symbol 3, in a run and in a two-bit vector, even as the last packet. */
  fci = fci_new(1, 3, 0);
  put_run(fci, 3, 3);
  for (guint i = 0; i < 6; i++)
    put_u8(fci, 1);
  check_malformed(fci);
  fci = fci_new(1, 3, 0);
  put_vector(fci, 2, "113");
  for (guint i = 0; i < 6; i++)
    put_u8(fci, 1);
  check_malformed(fci);

  /* Status count 0, 8193 and 9000. */
  guint8 *data = good->data;
  data[2] = 0;
  data[3] = 0;
  check_malformed(g_byte_array_append(g_byte_array_new(), data, good->len));
  fci = fci_new(1, 8193, 0);
  put_run(fci, 0, 8191);
  put_run(fci, 0, 2);
  check_malformed(fci);
  fci = fci_new(1, 9000, 0);
  put_run(fci, 0, 8191);
  put_run(fci, 0, 809);
  check_malformed(fci);

  g_byte_array_unref(good);
}

/* --- The history --- */

static void
test_history_stats(void)
{
  g_autoptr(GwTwccHistory) history = gw_twcc_history_new();
  gw_twcc_history_add(history, 1000, 100, 5000000);
  gw_twcc_history_add(history, 1001, 200, 5010000);
  gw_twcc_history_add(history, 1002, 300, 5020000);
  gw_twcc_history_add(history, 1003, 400, 5040000);

  /* 1001 lost; the others arrive at 64 ms, 84 ms and 104 ms. */
  GByteArray *fci = fci_new(1000, 4, 1);
  put_vector(fci, 2, "1011");
  put_small(fci, 0);
  put_small(fci, 80);
  put_small(fci, 80);

  GwTwccStats stats;
  g_assert_true(gw_twcc_history_feedback(history, fci->data, fci->len, &stats));
  g_assert_cmpuint(stats.sent, ==, 4);
  g_assert_cmpuint(stats.received, ==, 3);
  /* Each rate leaves out the last packet: N packets span N - 1 gaps. */
  g_assert_cmpuint(stats.bitrate_sent, ==, 600 * 8 * 25); /* 100+200+300 bytes in 40 ms */
  g_assert_cmpuint(stats.bitrate_recv, ==, 400 * 8 * 25); /* 100+300 bytes in 40 ms */

  /* A second report of the same packets counts again. */
  GwTwccStats again;
  g_assert_true(gw_twcc_history_feedback(history, fci->data, fci->len, &again));
  g_assert_cmpmem(&again, sizeof(again), &stats, sizeof(stats));
  g_byte_array_unref(fci);

  /* Arrivals out of order (a negative delta): the span is the latest minus the earliest. */
  fci = fci_new(1000, 4, 1);
  put_vector(fci, 2, "1112");
  put_small(fci, 40);   /* 74 ms */
  put_small(fci, 40);   /* 84 ms */
  put_small(fci, 40);   /* 94 ms */
  put_large(fci, -120); /* 64 ms */
  g_assert_true(gw_twcc_history_feedback(history, fci->data, fci->len, &stats));
  g_assert_cmpuint(stats.sent, ==, 4);
  g_assert_cmpuint(stats.received, ==, 4);
  g_assert_cmpuint(stats.bitrate_sent, ==, 600 * 8 * 25);
  /* The last to arrive is 1002 (300 bytes), not 1003. */
  g_assert_cmpuint(stats.bitrate_recv, ==, 700 * 8 * 1000 / 30); /* 186666 */
  g_byte_array_unref(fci);

  /* One packet, or one received: no bitrate. */
  fci = fci_new(1002, 2, 0);
  put_vector(fci, 1, "10");
  put_small(fci, 5);
  g_assert_true(gw_twcc_history_feedback(history, fci->data, fci->len, &stats));
  g_assert_cmpuint(stats.sent, ==, 2);
  g_assert_cmpuint(stats.received, ==, 1);
  g_assert_cmpuint(stats.bitrate_sent, ==, 300 * 8 * 50); /* 300 bytes in 20 ms */
  g_assert_cmpuint(stats.bitrate_recv, ==, 0);
  g_byte_array_unref(fci);

  /* Two received at the same time, two sent at the same time: a zero span. */
  gw_twcc_history_add(history, 1004, 500, 5040000);
  fci = fci_new(1003, 2, 0);
  put_run(fci, 1, 2);
  put_small(fci, 5);
  put_small(fci, 0);
  g_assert_true(gw_twcc_history_feedback(history, fci->data, fci->len, &stats));
  g_assert_cmpuint(stats.sent, ==, 2);
  g_assert_cmpuint(stats.received, ==, 2);
  g_assert_cmpuint(stats.bitrate_sent, ==, 0);
  g_assert_cmpuint(stats.bitrate_recv, ==, 0);
  g_byte_array_unref(fci);
}

static void
test_history_extremes(void)
{
  g_autoptr(GwTwccHistory) history = gw_twcc_history_new();
  GByteArray *fci = fci_new(7, 2, 0);
  put_run(fci, 1, 2);
  put_small(fci, 0);
  put_small(fci, 1); /* 250 us apart */
  GwTwccStats stats;

  /* Sizes beyond 64 KB count as 64 KB; 64 KB a microsecond apart: the bitrate stops
   * at G_MAXUINT. */
  gw_twcc_history_add(history, 7, G_MAXUINT, 0);
  gw_twcc_history_add(history, 8, G_MAXUINT, 1);
  g_assert_true(gw_twcc_history_feedback(history, fci->data, fci->len, &stats));
  g_assert_cmpuint(stats.bitrate_sent, ==, G_MAXUINT);
  g_assert_cmpuint(stats.bitrate_recv, ==, 65535u * 8 * 4000); /* 64 KB in 250 us */

  /* A send time span wider than G_MAXINT64 neither overflows nor goes negative. */
  gw_twcc_history_add(history, 7, 1000, G_MININT64);
  gw_twcc_history_add(history, 8, 1000, G_MAXINT64);
  g_assert_true(gw_twcc_history_feedback(history, fci->data, fci->len, &stats));
  g_assert_cmpuint(stats.bitrate_sent, ==, 0);               /* 16000 bits over 584,942 years */
  g_assert_cmpuint(stats.bitrate_recv, ==, 1000 * 8 * 4000); /* 1000 bytes in 250 us */
  g_byte_array_unref(fci);
}

static void
test_history_unknown_packets(void)
{
  g_autoptr(GwTwccHistory) history = gw_twcc_history_new();
  for (guint seq = 1000; seq < 1004; seq++)
    gw_twcc_history_add(history, (guint16)seq, 250, (gint64)(seq - 1000) * 10000);

  /* 998, 999, 1004 and 1005 were never sent; only the four that were count. */
  GByteArray *fci = fci_new(998, 8, 0);
  put_run(fci, 1, 8);
  for (guint i = 0; i < 8; i++)
    put_small(fci, 40); /* 10 ms apart */
  GwTwccStats stats;
  g_assert_true(gw_twcc_history_feedback(history, fci->data, fci->len, &stats));
  g_assert_cmpuint(stats.sent, ==, 4);
  g_assert_cmpuint(stats.received, ==, 4);
  g_assert_cmpuint(stats.bitrate_sent, ==, 750 * 8 * 1000 / 30); /* 750 bytes in 30 ms */
  g_assert_cmpuint(stats.bitrate_recv, ==, 750 * 8 * 1000 / 30);

  /* 1000 + GW_TWCC_HISTORY takes 1000's slot: 1000 is no longer known. */
  gw_twcc_history_add(history, 1000 + GW_TWCC_HISTORY, 9999, 0);
  g_assert_true(gw_twcc_history_feedback(history, fci->data, fci->len, &stats));
  g_assert_cmpuint(stats.sent, ==, 3);
  g_assert_cmpuint(stats.bitrate_sent, ==, 500 * 8 * 1000 / 20);
  g_byte_array_unref(fci);

  /* A feedback with nothing in the history. */
  fci = fci_new(1004, 3, 0);
  put_run(fci, 1, 3);
  put_small(fci, 1);
  put_small(fci, 1);
  put_small(fci, 1);
  g_assert_false(gw_twcc_history_feedback(history, fci->data, fci->len, &stats));
  g_assert_cmpuint(stats.sent, ==, 0);
  g_byte_array_unref(fci);

  fci = fci_new(1000, 1, 0); /* overwritten */
  put_run(fci, 0, 1);
  g_assert_false(gw_twcc_history_feedback(history, fci->data, fci->len, &stats));
  g_byte_array_unref(fci);

  /* Across the wrap: 65535 then 0. */
  gw_twcc_history_add(history, 65535, 100, 1000000);
  gw_twcc_history_add(history, 0, 100, 1010000);
  fci = fci_new(65535, 2, 0);
  put_run(fci, 1, 2);
  put_small(fci, 0);
  put_small(fci, 20);
  g_assert_true(gw_twcc_history_feedback(history, fci->data, fci->len, &stats));
  g_assert_cmpuint(stats.sent, ==, 2);
  g_assert_cmpuint(stats.received, ==, 2);
  g_assert_cmpuint(stats.bitrate_sent, ==, 100 * 8 * 100); /* 100 bytes in 10 ms */
  g_assert_cmpuint(stats.bitrate_recv, ==, 100 * 8 * 200); /* 100 bytes in 5 ms */
  g_byte_array_unref(fci);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/twcc/run-length-small-deltas", test_run_length_small_deltas);
  g_test_add_func("/twcc/one-bit-vector-gaps", test_one_bit_vector_gaps);
  g_test_add_func("/twcc/two-bit-vector-large-negative", test_two_bit_vector_large_negative);
  g_test_add_func("/twcc/negative-reference-time", test_negative_reference_time);
  g_test_add_func("/twcc/sequence-wrap", test_sequence_wrap);
  g_test_add_func("/twcc/largest-count", test_largest_count);
  g_test_add_func("/twcc/malformed", test_malformed);
  g_test_add_func("/twcc/history-stats", test_history_stats);
  g_test_add_func("/twcc/history-extremes", test_history_extremes);
  g_test_add_func("/twcc/history-unknown-packets", test_history_unknown_packets);
  return g_test_run();
}
