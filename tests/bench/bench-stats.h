/* SPDX-License-Identifier: Apache-2.0 */
/* What the load generator measures on RTP: loss, jitter and one-way delay.
 * Updated from GStreamer streaming threads, read from the main thread. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* RFC 3550 interarrival jitter and sequence accounting for one stream at one point
 * (after a sender's payloader, or at a receiver's webrtcbin src pad). */
typedef struct {
  GMutex lock;
  guint clock_rate;
  gboolean started;
  guint64 packets;
  guint32 first_ext_seq;
  guint32 max_ext_seq;
  guint16 last_seq;
  gint64 last_transit; /* in clock-rate units */
  double jitter;       /* in clock-rate units */
  gint64 first_us;     /* monotonic time of the first packet */
} BenchStream;

typedef struct {
  guint64 packets;
  guint64 expected;
  double jitter_ms;
} BenchStreamSnapshot;

void bench_stream_init(BenchStream *s, guint clock_rate);
void bench_stream_clear(BenchStream *s);
void bench_stream_account(BenchStream *s, guint16 seq, guint32 rtp_ts, gint64 now_us);
BenchStreamSnapshot bench_stream_snapshot(BenchStream *s);

/* Send times of one sender's video packets, keyed by a hash of the RTP payload
 * (neither gateway changes the payload; headers may be rewritten). */
typedef struct _BenchSendLog BenchSendLog;

BenchSendLog *bench_send_log_new(void);
void bench_send_log_free(BenchSendLog *log);
void bench_send_log_put(BenchSendLog *log, guint64 key, gint64 now_us);
/* Returns the send time, or -1 if the packet is unknown (or was overwritten). */
gint64 bench_send_log_get(BenchSendLog *log, guint64 key);

guint64 bench_payload_hash(const guint8 *data, gsize size);

/* A delay histogram in 0.05 ms buckets up to 1 s, updated lock-free. */
typedef struct _BenchDelays BenchDelays;

BenchDelays *bench_delays_new(void);
void bench_delays_free(BenchDelays *d);
void bench_delays_add(BenchDelays *d, gint64 delay_us);
void bench_delays_reset(BenchDelays *d);
guint64 bench_delays_count(BenchDelays *d);
/* Returns the @q quantile (0..1) in ms, or -1 without samples. */
double bench_delays_quantile(BenchDelays *d, double q);

/* Calls @func for every RTP buffer in a buffer or buffer list probe. */
typedef void (*BenchRtpFunc)(GstBuffer *buffer, gpointer data);
void bench_probe_foreach_rtp(GstPadProbeInfo *info, BenchRtpFunc func, gpointer data);

G_END_DECLS
