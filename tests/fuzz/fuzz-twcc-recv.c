/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the transport-wide congestion control feedback writer
 * (webrtc/twcc-recv.c): every packet it writes must parse (webrtc/twcc.c) and report what
 * arrived. */
#include <stdint.h>

#include "webrtc/bytes.h"
#include "webrtc/twcc-recv.h"
#include "webrtc/twcc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SENDER_SSRC 0x01020304u
#define MEDIA_SSRC 0xa0b0c0d0u
#define REF_WRAP_US (G_GINT64_CONSTANT(64000) << 24)
#define REMEMBERED 8 /* arrivals remembered per sequence number */

/* The arrivals given for each 16-bit sequence number in this input (the last REMEMBERED),
 * so that what a feedback reports can be checked; gen tells this input's from old ones. */
typedef struct {
  guint gen;
  guint count;
  gint64 arrivals[REMEMBERED];
} Given;

static Given given[65536];
static guint gen;

static void
remember(guint16 seq, gint64 arrival_us)
{
  Given *g = &given[seq];
  if (g->gen != gen)
    *g = (Given){.gen = gen};
  g->arrivals[g->count % REMEMBERED] = arrival_us;
  g->count++;
}

typedef struct {
  guint statuses;
  guint received;
  gboolean last_received;
} Seen;

static void
check_report(guint16 seq, gboolean received, gint64 arrival_us, gpointer user_data)
{
  Seen *seen = user_data;
  seen->statuses++;
  seen->last_received = received;
  if (!received)
    return;
  seen->received++;
  /* It arrived, at one of the times given for it: within the half unit deltas are rounded
   * to, modulo the reference time's wrap. */
  const Given *g = &given[seq];
  g_assert(g->gen == gen && g->count > 0);
  if (g->count > REMEMBERED)
    return; /* the first arrival may be forgotten here */
  for (guint i = 0; i < g->count; i++) {
    gint64 error = (arrival_us - g->arrivals[i]) % REF_WRAP_US;
    if (error > REF_WRAP_US / 2)
      error -= REF_WRAP_US;
    if (error < -REF_WRAP_US / 2)
      error += REF_WRAP_US;
    if (error >= -125 && error <= 125)
      return;
  }
  g_assert_not_reached();
}

typedef struct {
  GwTwccRecv *recv;
  guint8 feedback_count;
  guint16 seq;
  gint64 t_us;
} State;

/* One write into a buffer of exactly @size bytes, so that AddressSanitizer sees a byte
 * written past it; FALSE when it wrote nothing. */
static gboolean
write_once(State *s, gsize size)
{
  g_autofree guint8 *buf = g_malloc(size);
  guint pending = gw_twcc_recv_pending(s->recv);
  gsize len = gw_twcc_recv_write(s->recv, SENDER_SSRC, MEDIA_SSRC, buf, size);
  g_assert(len <= size);
  if (len == 0) {
    g_assert(gw_twcc_recv_pending(s->recv) == pending);
    g_assert(pending == 0 || size < GW_TWCC_RECV_MIN_SIZE);
    return FALSE;
  }

  const guint8 *p = buf;
  g_assert(len >= 24 && len % 4 == 0);
  g_assert(p[0] >> 6 == 2 && (p[0] & 0x1f) == 15 && p[1] == 205);
  g_assert(gw_read16(p + 2) == len / 4 - 1);
  g_assert(gw_read32(p + 4) == SENDER_SSRC && gw_read32(p + 8) == MEDIA_SSRC);
  gsize pad = 0;
  if (p[0] & 0x20) {
    pad = p[len - 1];
    g_assert(pad >= 1 && pad <= 3);
    for (gsize i = len - pad; i < len - 1; i++)
      g_assert(p[i] == 0);
  }
  guint count = gw_read16(p + 14);
  g_assert(count >= 1 && count <= GW_TWCC_RECV_MAX_PACKETS && count <= pending);
  g_assert(p[19] == s->feedback_count);
  s->feedback_count++;

  Seen seen = {0};
  g_assert(gw_twcc_parse(p + 12, len - 12 - pad, check_report, &seen));
  g_assert(seen.statuses == count && seen.received >= 1 && seen.last_received);
  g_assert(gw_twcc_recv_pending(s->recv) == pending - count);
  return TRUE;
}

static void
add(State *s, guint16 seq, gint64 t_us)
{
  s->seq = seq;
  s->t_us = CLAMP(t_us, 0, GW_TWCC_RECV_MAX_ARRIVAL_US);
  gw_twcc_recv_add(s->recv, s->seq, s->t_us);
  remember(s->seq, s->t_us);
  g_assert(gw_twcc_recv_pending(s->recv) <= GW_TWCC_RECV_MAX_PACKETS);
}

/* The input is a list of 4-byte operations [op, a, b, c]; op's low 3 bits say which:
 *   0-2  add seq + (int8)a, (b c) << (op >> 3 & 7) us later (up to 8.4 s)
 *   3    add seq (a b), c * 100 us later
 *   4    add a + 1 in order, b * 10 us apart, losing every (c & 15)th (none for 0)
 *   5    write once into (a b) bytes
 *   6    write into 24 + (a b) % 2000 bytes until nothing is left
 *   7    set the clock to (a b c) * 64 ms << (op >> 3 & 7)  */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autoptr(GwTwccRecv) recv = gw_twcc_recv_new();
  State s = {.recv = recv, .t_us = G_GINT64_CONSTANT(1000000000)};
  gen++;

  for (size_t at = 0; at + 4 <= size; at += 4) {
    guint op = data[at], a = data[at + 1], b = data[at + 2], c = data[at + 3];
    guint ab = a << 8 | b;
    guint shift = (op >> 3) & 7;
    switch (op & 7) {
    case 0:
    case 1:
    case 2:
      add(&s, (guint16)(s.seq + (gint8)a), s.t_us + ((gint64)(b << 8 | c) << shift));
      break;
    case 3:
      add(&s, (guint16)ab, s.t_us + (gint64)c * 100);
      break;
    case 4: {
      guint every = c & 15;
      guint16 seq = s.seq;
      for (guint i = 0; i <= a; i++) {
        seq++;
        if (every != 0 && i % every == every - 1)
          continue;
        add(&s, seq, s.t_us + (gint64)b * 10);
      }
      break;
    }
    case 5:
      write_once(&s, ab);
      break;
    case 6: {
      gsize limit = 24 + ab % 2000;
      guint packets = 0;
      while (write_once(&s, limit))
        g_assert(++packets <= GW_TWCC_RECV_MAX_PACKETS);
      g_assert(limit < GW_TWCC_RECV_MIN_SIZE || gw_twcc_recv_pending(recv) == 0);
      break;
    }
    default:
      s.t_us =
          CLAMP(((gint64)(a << 16 | b << 8 | c) * 64000) << shift, 0, GW_TWCC_RECV_MAX_ARRIVAL_US);
    }
  }
  /* Whatever came before, a large enough buffer takes all that is pending. */
  while (write_once(&s, 65536))
    ;
  g_assert(gw_twcc_recv_pending(recv) == 0);
  return 0;
}
