/* SPDX-License-Identifier: Apache-2.0 */
/* webrtc/missing.c: which lost packets the gateway asks a sender for, and when. */
#include "webrtc/missing.h"

#include "webrtc/bytes.h"

#define MS 1000

/* The sequence numbers @n entries of @fci ask for, in order, into @out. */
static guint
asked_for(const guint8 *fci, guint n, guint16 *out, guint max)
{
  guint count = 0;
  for (guint i = 0; i < n; i++) {
    guint16 pid = (guint16)gw_read16(fci + 4 * i), blp = (guint16)gw_read16(fci + 4 * i + 2);
    if (count < max)
      out[count++] = pid;
    for (guint b = 0; b < 16; b++) {
      if ((blp & (1u << b)) && count < max)
        out[count++] = (guint16)(pid + b + 1);
    }
  }
  return count;
}

static void
test_in_order(void)
{
  g_autoptr(GwMissing) m = gw_missing_new();
  guint8 fci[64];
  for (guint16 s = 100; s < 200; s++)
    gw_missing_packet(m, s, 0);
  g_assert_cmpuint(gw_missing_count(m), ==, 0);
  g_assert_cmpuint(gw_missing_write_nack(m, 0, 40 * MS, fci, 16), ==, 0);
}

/* A gap is asked for at once, in one entry, and again only once the retry is due. */
static void
test_gap_asked_and_retried(void)
{
  g_autoptr(GwMissing) m = gw_missing_new();
  guint8 fci[64];
  guint16 seqs[64];
  g_assert_cmpint(gw_missing_packet(m, 10, 0), ==, GW_MISSING_NEW);
  g_assert_cmpint(gw_missing_packet(m, 14, 0), ==, GW_MISSING_NEW); /* 11, 12, 13 lost */
  g_assert_cmpuint(gw_missing_count(m), ==, 3);
  guint n = gw_missing_write_nack(m, 0, 40 * MS, fci, 16);
  g_assert_cmpuint(n, ==, 1);
  g_assert_cmpuint(gw_read16(fci), ==, 11);
  g_assert_cmpuint(gw_read16(fci + 2), ==, 0x0003); /* 12 and 13 */
  g_assert_cmpuint(asked_for(fci, n, seqs, 64), ==, 3);
  /* not due yet */
  g_assert_cmpuint(gw_missing_write_nack(m, 39 * MS, 40 * MS, fci, 16), ==, 0);
  /* 12 arrives (a resend); 11 and 13 are asked again */
  g_assert_cmpint(gw_missing_packet(m, 12, 30 * MS), ==, GW_MISSING_FILLED);
  g_assert_cmpint(gw_missing_packet(m, 12, 31 * MS), ==, GW_MISSING_OLD);
  g_assert_cmpint(gw_missing_packet(m, 9, 31 * MS), ==, GW_MISSING_OLD);
  n = gw_missing_write_nack(m, 40 * MS, 40 * MS, fci, 16);
  g_assert_cmpuint(asked_for(fci, n, seqs, 64), ==, 2);
  g_assert_cmpuint(seqs[0], ==, 11);
  g_assert_cmpuint(seqs[1], ==, 13);
  g_assert_cmpuint(gw_missing_asked(m), ==, 5);
}

/* At most GW_MISSING_TRIES requests, and none after GW_MISSING_GIVE_UP_US. */
static void
test_gives_up(void)
{
  g_autoptr(GwMissing) m = gw_missing_new();
  guint8 fci[64];
  gw_missing_packet(m, 1, 0);
  gw_missing_packet(m, 3, 0);
  guint tries = 0;
  for (gint64 t = 0; t < 2 * G_USEC_PER_SEC; t += 10 * MS)
    tries += gw_missing_write_nack(m, t, 10 * MS, fci, 16);
  g_assert_cmpuint(tries, ==, GW_MISSING_TRIES);
  g_assert_cmpuint(gw_missing_count(m), ==, 0);

  /* Asked for in full, a packet is still waited for: its resend fills it. */
  gw_missing_packet(m, 4, 0);
  gw_missing_packet(m, 6, 0); /* 5 lost */
  for (gint64 t = 0; t < 100 * MS; t += 10 * MS)
    gw_missing_write_nack(m, t, 10 * MS, fci, 16);
  g_assert_cmpuint(gw_missing_count(m), ==, 1);
  g_assert_cmpint(gw_missing_packet(m, 5, 500 * MS), ==, GW_MISSING_FILLED);

  gw_missing_packet(m, 8, 0); /* 7 lost; asked once, then only after the give-up time */
  g_assert_cmpuint(gw_missing_write_nack(m, 0, 2 * G_USEC_PER_SEC, fci, 16), ==, 1);
  g_assert_cmpuint(gw_missing_write_nack(m, 2 * G_USEC_PER_SEC, 10 * MS, fci, 16), ==, 0);
  g_assert_cmpuint(gw_missing_count(m), ==, 0);
}

/* The retry follows how long resends take to come: 1.5 times, within bounds. */
static void
test_retry_follows_resends(void)
{
  g_autoptr(GwMissing) m = gw_missing_new();
  guint8 fci[64];
  g_assert_cmpint(gw_missing_retry_us(m), ==, GW_MISSING_RETRY_US);
  guint16 seq = 0;
  gint64 t = 0;
  gw_missing_packet(m, seq, t);
  for (guint i = 0; i < 20; i++) {
    seq += 2; /* one lost each time */
    gw_missing_packet(m, seq, t);
    g_assert_cmpuint(gw_missing_write_nack(m, t, gw_missing_retry_us(m), fci, 4), ==, 1);
    t += 30 * MS;
    g_assert_cmpint(gw_missing_packet(m, (guint16)(seq - 1), t), ==, GW_MISSING_FILLED);
  }
  g_assert_cmpint(gw_missing_retry_us(m), >=, 44 * MS);
  g_assert_cmpint(gw_missing_retry_us(m), <=, 45 * MS);
  /* A resend a whole second late: the retry stays within its ceiling. */
  for (guint i = 0; i < 40; i++) {
    seq += 2;
    gw_missing_packet(m, seq, t);
    gw_missing_write_nack(m, t, gw_missing_retry_us(m), fci, 4);
    t += 900 * MS;
    gw_missing_packet(m, (guint16)(seq - 1), t);
  }
  g_assert_cmpint(gw_missing_retry_us(m), ==, GW_MISSING_RETRY_MAX_US);
}

/* Entries are split every 17 packets and cut at max_entries; the rest waits. */
static void
test_many_entries(void)
{
  g_autoptr(GwMissing) m = gw_missing_new();
  guint8 fci[4 * 4];
  guint16 seqs[128];
  gw_missing_packet(m, 0, 0);
  gw_missing_packet(m, 101, 0); /* 1..100 lost */
  g_assert_cmpuint(gw_missing_count(m), ==, 100);
  guint n = gw_missing_write_nack(m, 0, 40 * MS, fci, 4);
  g_assert_cmpuint(n, ==, 4);
  guint asked = asked_for(fci, n, seqs, 128);
  g_assert_cmpuint(asked, ==, 4 * 17);
  for (guint i = 0; i < asked; i++)
    g_assert_cmpuint(seqs[i], ==, i + 1);
  /* the rest is still due */
  n = gw_missing_write_nack(m, 0, 40 * MS, fci, 4);
  g_assert_cmpuint(asked_for(fci, n, seqs, 128), ==, 100 - 4 * 17);
  g_assert_cmpuint(seqs[0], ==, 69);
}

/* Across the 16-bit wrap, a jump too far ahead or back is a new start, and a made-up gap
 * never holds more than GW_MISSING_MAX. */
static void
test_wrap_and_bounds(void)
{
  g_autoptr(GwMissing) m = gw_missing_new();
  guint8 fci[4 * 64];
  guint16 seqs[256];
  gw_missing_packet(m, 65534, 0);
  gw_missing_packet(m, 1, 0); /* 65535 and 0 lost */
  guint n = gw_missing_write_nack(m, 0, 40 * MS, fci, 64);
  g_assert_cmpuint(asked_for(fci, n, seqs, 256), ==, 2);
  g_assert_cmpuint(seqs[0], ==, 65535);
  g_assert_cmpuint(seqs[1], ==, 0);

  gw_missing_packet(m, 1 + GW_MISSING_JUMP + 1, 0); /* too far ahead: nothing asked */
  g_assert_cmpuint(gw_missing_count(m), ==, 0);
  gw_missing_packet(m, (guint16)(1 + GW_MISSING_JUMP + 1 - GW_MISSING_BACK - 1), 0);
  g_assert_cmpuint(gw_missing_count(m), ==, 0);

  gw_missing_packet(m, 1000, 0);
  gw_missing_packet(m, 1000 + GW_MISSING_JUMP, 0); /* 255 lost: only the newest 128 kept */
  g_assert_cmpuint(gw_missing_count(m), ==, GW_MISSING_MAX);
  n = gw_missing_write_nack(m, 0, 40 * MS, fci, 64);
  g_assert_cmpuint(asked_for(fci, n, seqs, 256), ==, GW_MISSING_MAX);
  g_assert_cmpuint(seqs[0], ==, 1000 + GW_MISSING_JUMP - GW_MISSING_MAX);

  /* duplicates and old packets change nothing */
  gw_missing_packet(m, 1000 + GW_MISSING_JUMP, 0);
  gw_missing_packet(m, 900, 0);
  g_assert_cmpuint(gw_missing_count(m), ==, GW_MISSING_MAX);
}

/* Random sequence numbers: the bounds hold and every entry reads back. */
static void
test_random(void)
{
  g_autoptr(GwMissing) m = gw_missing_new();
  guint8 fci[4 * 16];
  guint16 seqs[16 * 17];
  GRand *rand = g_rand_new_with_seed(7);
  guint16 seq = 0;
  for (guint i = 0; i < 30000; i++) {
    seq = (guint16)(seq + g_rand_int_range(rand, -40, 300));
    gw_missing_packet(m, seq, i * MS);
    g_assert_cmpuint(gw_missing_count(m), <=, GW_MISSING_MAX);
    guint n = gw_missing_write_nack(m, i * MS, 5 * MS, fci, 16);
    g_assert_cmpuint(n, <=, 16);
    g_assert_cmpuint(asked_for(fci, n, seqs, G_N_ELEMENTS(seqs)), <=, GW_MISSING_MAX);
  }
  g_rand_free(rand);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/missing/in-order", test_in_order);
  g_test_add_func("/missing/gap-asked-and-retried", test_gap_asked_and_retried);
  g_test_add_func("/missing/gives-up", test_gives_up);
  g_test_add_func("/missing/retry-follows-resends", test_retry_follows_resends);
  g_test_add_func("/missing/many-entries", test_many_entries);
  g_test_add_func("/missing/wrap-and-bounds", test_wrap_and_bounds);
  g_test_add_func("/missing/random", test_random);
  return g_test_run();
}
