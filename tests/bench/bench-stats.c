/* SPDX-License-Identifier: Apache-2.0 */
/* Loss, jitter and delay accounting for the load generator. */
#include "bench-stats.h"

#include <math.h>

void
bench_stream_init(BenchStream *s, guint clock_rate)
{
  memset(s, 0, sizeof *s);
  g_mutex_init(&s->lock);
  s->clock_rate = clock_rate;
}

void
bench_stream_clear(BenchStream *s)
{
  g_mutex_clear(&s->lock);
}

void
bench_stream_account(BenchStream *s, guint16 seq, guint32 rtp_ts, gint64 now_us)
{
  gint64 arrival = now_us * (gint64)s->clock_rate / G_USEC_PER_SEC;
  g_mutex_lock(&s->lock);
  if (!s->started) {
    s->started = TRUE;
    s->first_ext_seq = s->max_ext_seq = seq;
    s->last_seq = seq;
    s->last_transit = arrival - rtp_ts;
    s->first_us = now_us;
  } else {
    /* Extend the 16-bit sequence number; late (reordered) packets do not move max. */
    gint16 delta = (gint16)(seq - s->last_seq);
    if (delta > 0) {
      s->max_ext_seq += delta;
      s->last_seq = seq;
    }
    gint64 transit = arrival - (gint64)rtp_ts;
    /* The RTP timestamp wraps after 2^32 ticks; keep the difference small. */
    gint64 d = (gint64)(gint32)(guint32)(transit - s->last_transit);
    s->last_transit = transit;
    s->jitter += (fabs((double)d) - s->jitter) / 16.0;
  }
  s->packets++;
  g_mutex_unlock(&s->lock);
}

BenchStreamSnapshot
bench_stream_snapshot(BenchStream *s)
{
  BenchStreamSnapshot snap = {0};
  g_mutex_lock(&s->lock);
  if (s->started) {
    snap.packets = s->packets;
    snap.expected = (guint64)(s->max_ext_seq - s->first_ext_seq) + 1;
    snap.jitter_ms = s->jitter * 1000.0 / s->clock_rate;
  }
  g_mutex_unlock(&s->lock);
  return snap;
}

/* ---- send log ---- */

#define SEND_LOG_SLOTS 8192 /* ~80 s of 1 Mbit/s video: far longer than any delay */

typedef struct {
  guint64 key;
  gint64 time_us;
} SendSlot;

struct _BenchSendLog {
  GMutex lock;
  SendSlot slots[SEND_LOG_SLOTS];
};

BenchSendLog *
bench_send_log_new(void)
{
  BenchSendLog *log = g_new0(BenchSendLog, 1);
  g_mutex_init(&log->lock);
  return log;
}

void
bench_send_log_free(BenchSendLog *log)
{
  if (!log)
    return;
  g_mutex_clear(&log->lock);
  g_free(log);
}

void
bench_send_log_put(BenchSendLog *log, guint64 key, gint64 now_us)
{
  SendSlot *slot = &log->slots[key % SEND_LOG_SLOTS];
  g_mutex_lock(&log->lock);
  slot->key = key;
  slot->time_us = now_us;
  g_mutex_unlock(&log->lock);
}

gint64
bench_send_log_get(BenchSendLog *log, guint64 key)
{
  SendSlot *slot = &log->slots[key % SEND_LOG_SLOTS];
  gint64 t = -1;
  g_mutex_lock(&log->lock);
  if (slot->key == key)
    t = slot->time_us;
  g_mutex_unlock(&log->lock);
  return t;
}

guint64
bench_payload_hash(const guint8 *data, gsize size)
{
  guint64 h = 1469598103934665603ull; /* FNV-1a */
  for (gsize i = 0; i < size; i++) {
    h ^= data[i];
    h *= 1099511628211ull;
  }
  return h;
}

/* ---- delay histogram ---- */

#define DELAY_BUCKET_US 50
#define DELAY_BUCKETS 20001 /* the last one holds everything >= 1 s */

struct _BenchDelays {
  guint64 buckets[DELAY_BUCKETS];
};

BenchDelays *
bench_delays_new(void)
{
  return g_new0(BenchDelays, 1);
}

void
bench_delays_free(BenchDelays *d)
{
  g_free(d);
}

void
bench_delays_add(BenchDelays *d, gint64 delay_us)
{
  gint64 i = MAX(delay_us, 0) / DELAY_BUCKET_US;
  if (i >= DELAY_BUCKETS)
    i = DELAY_BUCKETS - 1;
  __atomic_fetch_add(&d->buckets[i], 1, __ATOMIC_RELAXED);
}

void
bench_delays_reset(BenchDelays *d)
{
  for (guint i = 0; i < DELAY_BUCKETS; i++)
    __atomic_store_n(&d->buckets[i], 0, __ATOMIC_RELAXED);
}

guint64
bench_delays_count(BenchDelays *d)
{
  guint64 n = 0;
  for (guint i = 0; i < DELAY_BUCKETS; i++)
    n += __atomic_load_n(&d->buckets[i], __ATOMIC_RELAXED);
  return n;
}

double
bench_delays_quantile(BenchDelays *d, double q)
{
  guint64 n = bench_delays_count(d);
  if (n == 0)
    return -1;
  guint64 rank = (guint64)ceil(q * n);
  if (rank == 0)
    rank = 1;
  guint64 seen = 0;
  for (guint i = 0; i < DELAY_BUCKETS; i++) {
    seen += __atomic_load_n(&d->buckets[i], __ATOMIC_RELAXED);
    if (seen >= rank)
      return (i + 0.5) * DELAY_BUCKET_US / 1000.0;
  }
  return DELAY_BUCKETS * DELAY_BUCKET_US / 1000.0;
}

/* ---- probes ---- */

static gboolean
list_item(GstBuffer **buffer, guint idx, gpointer data)
{
  gpointer *args = data;
  ((BenchRtpFunc)args[0])(*buffer, args[1]);
  return TRUE;
}

void
bench_probe_foreach_rtp(GstPadProbeInfo *info, BenchRtpFunc func, gpointer data)
{
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    func(GST_PAD_PROBE_INFO_BUFFER(info), data);
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    gpointer args[2] = {(gpointer)func, data};
    gst_buffer_list_foreach(GST_PAD_PROBE_INFO_BUFFER_LIST(info), list_item, args);
  }
}
