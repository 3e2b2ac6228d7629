/* SPDX-License-Identifier: Apache-2.0 */
/* Transport-wide congestion control feedback (RTPFB FMT=15) written by the receiver of a
 * browser's media, as libwebrtc's receiver writes it; no I/O, so tests and fuzzers reach it
 * directly. */
#include "webrtc/twcc-recv.h"

#include "webrtc/bytes.h"

/* draft-holmer-rmcat-transport-wide-cc-extensions-01, section 3.1 */
#define RTCP_HEADER_LEN 12 /* V P FMT, PT, length; sender SSRC; media SSRC */
#define FCI_HEADER_LEN 8   /* base seq 16, status count 16, reference time 24, feedback count 8 */
#define CHUNKS_OFFSET (RTCP_HEADER_LEN + FCI_HEADER_LEN)
#define RTCP_MAX_LEN (4 * 65536) /* the length field counts 32-bit words minus one */
#define PT_RTPFB 205
#define FMT_TWCC 15
#define REF_TIME_UNIT_US 64000
#define REF_TIME_MASK 0xffffff
#define DELTA_UNIT_US 250
#define MAX_RUN 0x1fff
#define ONE_BIT_CAPACITY 14
#define TWO_BIT_CAPACITY 7

/* The parser (twcc.c) takes at most 0x2000 statuses, so one feedback may cover the window. */
G_STATIC_ASSERT(GW_TWCC_RECV_MAX_PACKETS <= 0x2000);
G_STATIC_ASSERT((GW_TWCC_RECV_MAX_PACKETS & (GW_TWCC_RECV_MAX_PACKETS - 1)) == 0);
G_STATIC_ASSERT(GW_TWCC_RECV_MAX_JUMP < 0x8000);

enum {
  SYMBOL_NOT_RECEIVED = 0,
  SYMBOL_SMALL_DELTA = 1, /* 1 byte, unsigned */
  SYMBOL_LARGE_DELTA = 2, /* 2 bytes, signed */
};

/* Sequence numbers are unwrapped to 64 bits and kept in a ring indexed by their low bits.
 * What is kept is [begin, end): end - 1 is the highest received, so whatever is pending
 * holds a received packet. next is the first not reported yet, begin <= next <= end. Below
 * floor, numbers were dropped (floor <= begin): a packet there must not come back, as the
 * ones between would then read as lost. */
struct _GwTwccRecv {
  gboolean started;
  gint64 begin, end, next, floor;
  guint8 feedback_count;
  /* A received packet's arrival; for one not received, when the gap was seen, so that it
   * ages out of the window like its neighbours. */
  gint64 times_us[GW_TWCC_RECV_MAX_PACKETS];
  guint64 received[GW_TWCC_RECV_MAX_PACKETS / 64];
};

static guint
slot(gint64 seq)
{
  return (guint)((guint64)seq & (GW_TWCC_RECV_MAX_PACKETS - 1));
}

static gboolean
is_received(const GwTwccRecv *recv, gint64 seq)
{
  guint i = slot(seq);
  return (recv->received[i / 64] >> (i % 64)) & 1;
}

static void
set_received(GwTwccRecv *recv, gint64 seq, gboolean received)
{
  guint i = slot(seq);
  guint64 bit = G_GUINT64_CONSTANT(1) << (i % 64);
  if (received)
    recv->received[i / 64] |= bit;
  else
    recv->received[i / 64] &= ~bit;
}

GwTwccRecv *
gw_twcc_recv_new(void)
{
  return g_new0(GwTwccRecv, 1);
}

void
gw_twcc_recv_free(GwTwccRecv *recv)
{
  g_free(recv);
}

static void
start_afresh(GwTwccRecv *recv, gint64 seq, gint64 arrival_us)
{
  recv->started = TRUE;
  recv->floor = G_MININT64;
  recv->begin = recv->next = seq;
  recv->end = seq + 1;
  recv->times_us[slot(seq)] = arrival_us;
  set_received(recv, seq, TRUE);
}

/* A packet beyond the highest: the gap before it is not received (yet), and what no longer
 * fits the ring falls out, as libwebrtc's PacketArrivalTimeMap lets it. */
static void
add_ahead(GwTwccRecv *recv, gint64 seq, gint64 arrival_us)
{
  if (seq + 1 - recv->begin > GW_TWCC_RECV_MAX_PACKETS) {
    recv->begin = seq + 1 - GW_TWCC_RECV_MAX_PACKETS;
    if (recv->begin >= recv->end) {
      start_afresh(recv, seq, arrival_us);
      return;
    }
    /* Losses at the front of a feedback are noise once their predecessors are gone. */
    while (!is_received(recv, recv->begin))
      recv->begin++;
    recv->next = MAX(recv->next, recv->begin);
    recv->floor = recv->begin;
  }
  for (gint64 gap = recv->end; gap < seq; gap++) {
    set_received(recv, gap, FALSE);
    recv->times_us[slot(gap)] = arrival_us;
  }
  recv->times_us[slot(seq)] = arrival_us;
  set_received(recv, seq, TRUE);
  recv->end = seq + 1;
}

/* Reported sequence numbers older than the window leave, oldest first; a late packet for
 * one of them is then ignored. Pending ones stay, however old. */
static void
drop_old(GwTwccRecv *recv, gint64 now_us)
{
  gint64 limit_us = now_us - GW_TWCC_RECV_WINDOW_US;
  while (recv->begin < recv->next && recv->times_us[slot(recv->begin)] <= limit_us)
    recv->begin++;
  recv->floor = MAX(recv->floor, recv->begin);
}

/* A packet before the first kept (reordered before the first packet seen, say) is kept
 * too, as libwebrtc keeps it, if nothing between was dropped and the ring can hold it. */
static gboolean
add_behind(GwTwccRecv *recv, gint64 seq, gint64 arrival_us)
{
  if (seq < recv->floor || recv->end - seq > GW_TWCC_RECV_MAX_PACKETS)
    return FALSE;
  for (gint64 gap = seq + 1; gap < recv->begin; gap++) {
    set_received(recv, gap, FALSE);
    recv->times_us[slot(gap)] = arrival_us;
  }
  recv->times_us[slot(seq)] = arrival_us;
  set_received(recv, seq, TRUE);
  recv->begin = seq;
  return TRUE;
}

void
gw_twcc_recv_add(GwTwccRecv *recv, guint16 seq, gint64 arrival_us)
{
  g_return_if_fail(recv != NULL);
  g_return_if_fail(arrival_us >= 0 && arrival_us <= GW_TWCC_RECV_MAX_ARRIVAL_US);

  if (!recv->started) {
    start_afresh(recv, seq, arrival_us);
    return;
  }
  gint64 highest = recv->end - 1;
  gint64 unwrapped = highest + (gint16)(guint16)(seq - (guint16)highest);
  if (unwrapped < highest - GW_TWCC_RECV_MAX_JUMP) {
    start_afresh(recv, unwrapped, arrival_us);
    return;
  }
  if (unwrapped > highest) {
    add_ahead(recv, unwrapped, arrival_us);
  } else if (unwrapped < recv->begin) {
    if (!add_behind(recv, unwrapped, arrival_us))
      return;
  } else if (!is_received(recv, unwrapped)) {
    recv->times_us[slot(unwrapped)] = arrival_us;
    set_received(recv, unwrapped, TRUE);
  } else {
    return; /* a duplicate: the first arrival stands */
  }
  /* A packet reported as not received is reported again, with everything after it. */
  recv->next = MIN(recv->next, unwrapped);
  drop_old(recv, arrival_us);
}

guint
gw_twcc_recv_pending(const GwTwccRecv *recv)
{
  g_return_val_if_fail(recv != NULL, 0);
  return recv->started ? (guint)(recv->end - recv->next) : 0;
}

/* --- Packet status chunks --- */

/* The statuses not yet written as a chunk. As in libwebrtc, it holds as many as one chunk
 * can still describe, and writes a chunk only when the next status would not fit: a run for
 * a run (any length up to MAX_RUN), otherwise a one-bit vector of 14, or a two-bit vector of
 * the first 7 when a large delta is among them (the rest stay held). */
typedef struct {
  guint8 symbols[ONE_BIT_CAPACITY]; /* the first ones; a longer run repeats symbols[0] */
  guint n;
  gboolean all_same, has_large;
} Held;

static gboolean
held_can_take(const Held *held, guint symbol)
{
  if (held->n < TWO_BIT_CAPACITY)
    return TRUE;
  if (held->n < ONE_BIT_CAPACITY && !held->has_large && symbol != SYMBOL_LARGE_DELTA)
    return TRUE;
  return held->all_same && symbol == held->symbols[0] && held->n < MAX_RUN;
}

static void
held_take(Held *held, guint symbol)
{
  if (held->n < ONE_BIT_CAPACITY)
    held->symbols[held->n] = (guint8)symbol;
  held->all_same = held->n == 0 || (held->all_same && symbol == held->symbols[0]);
  held->has_large = held->has_large || symbol == SYMBOL_LARGE_DELTA;
  held->n++;
}

static guint16
run_chunk(const Held *held)
{
  return (guint16)(held->symbols[0] << 13 | held->n);
}

static guint16
vector_chunk(const Held *held, guint bits, guint n)
{
  guint chunk = 0x8000 | (bits == 2 ? 0x4000 : 0);
  for (guint i = 0; i < n; i++)
    chunk |= (guint)held->symbols[i] << (14 - bits * (i + 1));
  return (guint16)chunk;
}

/* The chunk to write when held_can_take() said no. */
static guint16
held_emit(Held *held)
{
  guint16 chunk;
  if (held->all_same) {
    chunk = run_chunk(held);
    *held = (Held){0};
  } else if (held->n == ONE_BIT_CAPACITY) {
    chunk = vector_chunk(held, 1, ONE_BIT_CAPACITY);
    *held = (Held){0};
  } else {
    /* 7 to 13 mixed statuses with a large delta among them, or before one. */
    chunk = vector_chunk(held, 2, TWO_BIT_CAPACITY);
    Held rest = {0};
    for (guint i = TWO_BIT_CAPACITY; i < held->n; i++)
      held_take(&rest, held->symbols[i]);
    *held = rest;
  }
  return chunk;
}

/* The held statuses as the packet's last chunk; a vector's unused symbols are 0. Up to 7
 * take a two-bit vector even without a large delta, as libwebrtc writes them. */
static guint16
held_last(const Held *held)
{
  if (held->all_same)
    return run_chunk(held);
  if (held->n <= TWO_BIT_CAPACITY)
    return vector_chunk(held, 2, held->n);
  return vector_chunk(held, 1, held->n);
}

/* --- One feedback packet --- */

/* What a feedback of the first count pending statuses takes. */
typedef struct {
  guint count;
  guint chunks; /* the last, held one included */
  guint delta_bytes;
} Layout;

static gsize
unpadded_len(guint chunks, guint delta_bytes)
{
  return CHUNKS_OFFSET + 2 * (gsize)chunks + delta_bytes;
}

static gsize
padded_len(gsize len)
{
  return (len + 3) & ~(gsize)3;
}

/* Walks the pending statuses from recv->next, encoding chunks and deltas, and returns in
 * @fit the longest feedback that ends at a received packet and fits @size: the walk stops at
 * a delta that does not fit 16 bits or at the first status past @size. With @out, it writes
 * the chunks and deltas of exactly @count statuses (as measured before) into the packet.
 * Deltas are counted from the rounded time so far, not the exact previous arrival, so that
 * their sum never drifts from the arrivals by more than half a unit (libwebrtc does so too). */
static void
walk_pending(const GwTwccRecv *recv, gint64 ref_us, guint count, gsize size, guint8 *out,
             const Layout *expect, Layout *fit)
{
  Held held = {0};
  guint chunks = 0, delta_bytes = 0;
  gint64 time_us = ref_us;
  *fit = (Layout){0};
  for (guint i = 0; i < count; i++) {
    gint64 seq = recv->next + i;
    guint symbol = SYMBOL_NOT_RECEIVED;
    gint64 ticks = 0;
    if (is_received(recv, seq)) {
      gint64 delta_us = recv->times_us[slot(seq)] - time_us;
      /* Rounded half away from zero. */
      ticks = (delta_us + (delta_us < 0 ? -DELTA_UNIT_US / 2 : DELTA_UNIT_US / 2)) / DELTA_UNIT_US;
      if (ticks < G_MININT16 || ticks > G_MAXINT16)
        break;
      symbol = ticks >= 0 && ticks <= G_MAXUINT8 ? SYMBOL_SMALL_DELTA : SYMBOL_LARGE_DELTA;
    }
    if (!held_can_take(&held, symbol)) {
      guint16 chunk = held_emit(&held);
      if (out != NULL)
        gw_write16(out + CHUNKS_OFFSET + 2 * chunks, chunk);
      chunks++;
    }
    held_take(&held, symbol);
    if (out != NULL) {
      guint8 *delta = out + CHUNKS_OFFSET + 2 * expect->chunks + delta_bytes;
      if (symbol == SYMBOL_SMALL_DELTA)
        delta[0] = (guint8)ticks;
      else if (symbol == SYMBOL_LARGE_DELTA)
        gw_write16(delta, (guint)ticks & 0xffff);
    }
    delta_bytes += symbol; /* not received: none, small: 1, large: 2 */
    time_us += ticks * DELTA_UNIT_US;
    if (padded_len(unpadded_len(chunks + 1, delta_bytes)) > size)
      break;
    if (symbol != SYMBOL_NOT_RECEIVED)
      *fit = (Layout){.count = i + 1, .chunks = chunks + 1, .delta_bytes = delta_bytes};
  }
  if (out != NULL) {
    g_assert(fit->count == count && fit->chunks == expect->chunks &&
             fit->delta_bytes == expect->delta_bytes);
    gw_write16(out + CHUNKS_OFFSET + 2 * chunks, held_last(&held));
  }
}

gsize
gw_twcc_recv_write(GwTwccRecv *recv, guint32 sender_ssrc, guint32 media_ssrc, guint8 *buf,
                   gsize size)
{
  g_return_val_if_fail(recv != NULL, 0);
  g_return_val_if_fail(buf != NULL || size == 0, 0);

  guint pending = gw_twcc_recv_pending(recv);
  if (pending == 0)
    return 0;
  /* The reference time is the first received packet's, rounded down; there is one, as the
   * highest received is pending. */
  gint64 first = recv->next;
  while (!is_received(recv, first))
    first++;
  gint64 ref_ticks = recv->times_us[slot(first)] / REF_TIME_UNIT_US;
  gint64 ref_us = ref_ticks * REF_TIME_UNIT_US;

  Layout layout;
  walk_pending(recv, ref_us, pending, MIN(size, (gsize)RTCP_MAX_LEN), NULL, NULL, &layout);
  if (layout.count == 0)
    return 0;

  gsize len = unpadded_len(layout.chunks, layout.delta_bytes);
  gsize padded = padded_len(len);
  guint8 pad = (guint8)(padded - len);
  buf[0] = 0x80 | (pad ? 0x20 : 0) | FMT_TWCC; /* V=2 */
  buf[1] = PT_RTPFB;
  gw_write16(buf + 2, (guint)(padded / 4 - 1));
  gw_write32(buf + 4, sender_ssrc);
  gw_write32(buf + 8, media_ssrc);
  gw_write16(buf + 12, (guint16)recv->next);
  gw_write16(buf + 14, layout.count);
  guint32 ref = (guint32)(ref_ticks & REF_TIME_MASK);
  buf[16] = (guint8)(ref >> 16);
  buf[17] = (guint8)(ref >> 8);
  buf[18] = (guint8)ref;
  buf[19] = recv->feedback_count;
  Layout again;
  walk_pending(recv, ref_us, layout.count, G_MAXSIZE, buf, &layout, &again);
  /* RFC 3550 padding: zeros, then the count of padding bytes, itself included. */
  for (gsize i = len; i < padded; i++)
    buf[i] = 0;
  if (pad)
    buf[padded - 1] = pad;

  recv->next += layout.count;
  recv->feedback_count++;
  return padded;
}
