/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Receiver reports the gateway writes itself; see reports.h for why.
 *
 * Written by hand from RFC 3550 A.1 and A.3: rtpsession keeps the same counts
 * but hands out report blocks only through its own regular packets, and
 * GstRTCPBuffer (used here) writes the packet but keeps no counts.
 */
#include "webrtc/reports.h"

#define SEQ_MOD (1u << 16)
#define MAX_DROPOUT 3000
#define MAX_MISORDER 100
#define LOST_MIN (-0x800000) /* a block's cumulative loss is a signed 24-bit number */
#define LOST_MAX 0x7fffff

typedef struct {
  guint32 ssrc;
  guint16 max_seq;
  guint32 cycles; /* wraps of the sequence number, times SEQ_MOD */
  guint32 base_seq;
  guint32 bad_seq; /* the packet after a jump, which would confirm it; SEQ_MOD + 1: none */
  guint64 received;
  guint64 expected_prior, received_prior; /* at the last block written */
  guint32 lsr;     /* middle 32 bits of the last sender report's NTP time; 0: none */
  gint64 lsr_us;   /* when it came */
  gint64 heard_us; /* the last packet */
} Stream;

struct _GwReports {
  gint refs;
  GMutex lock; /* the receiving thread counts, the RTCP thread writes */
  Stream streams[GW_REPORTS_STREAMS];
  guint n;
  gint64 reported_us; /* the last report, ours or the session's; 0: none */
  guint64 written;
};

GwReports *
gw_reports_new(void)
{
  GwReports *r = g_new0(GwReports, 1);
  r->refs = 1;
  g_mutex_init(&r->lock);
  return r;
}

GwReports *
gw_reports_ref(GwReports *reports)
{
  g_atomic_int_inc(&reports->refs);
  return reports;
}

void
gw_reports_unref(gpointer reports)
{
  GwReports *r = reports;
  if (!r || !g_atomic_int_dec_and_test(&r->refs))
    return;
  g_mutex_clear(&r->lock);
  g_free(r);
}

static void
stream_start(Stream *s, guint32 ssrc, guint16 seq)
{
  *s = (Stream){.ssrc = ssrc, .max_seq = seq, .base_seq = seq, .bad_seq = SEQ_MOD + 1};
}

/* The stream of @ssrc, or a free slot (or one quiet too long) started at
 * @seq; NULL if all are busy. Under the lock. */
static Stream *
stream_for_packet(GwReports *r, guint32 ssrc, guint16 seq, gint64 now_us)
{
  Stream *quiet = NULL;
  for (guint i = 0; i < r->n; i++) {
    if (r->streams[i].ssrc == ssrc)
      return &r->streams[i];
    if (now_us - r->streams[i].heard_us > GW_REPORTS_IDLE_US && !quiet)
      quiet = &r->streams[i];
  }
  Stream *s = r->n < GW_REPORTS_STREAMS ? &r->streams[r->n++] : quiet;
  if (s)
    stream_start(s, ssrc, seq);
  return s;
}

void
gw_reports_packet(GwReports *reports, guint32 ssrc, guint16 seq, gint64 now_us)
{
  g_mutex_lock(&reports->lock);
  Stream *s = stream_for_packet(reports, ssrc, seq, now_us);
  if (!s) {
    g_mutex_unlock(&reports->lock);
    return;
  }
  guint16 udelta = (guint16)(seq - s->max_seq);
  gboolean counts = TRUE;
  if (udelta < MAX_DROPOUT) {
    if (seq < s->max_seq)
      s->cycles += SEQ_MOD; /* in order, with permissible gap: wrapped */
    s->max_seq = seq;
  } else if (udelta <= SEQ_MOD - MAX_MISORDER) {
    /* A very large jump: the sender restarted, if the next packet follows on. */
    if (seq == s->bad_seq) {
      guint32 lsr = s->lsr;
      gint64 lsr_us = s->lsr_us;
      stream_start(s, ssrc, seq);
      s->lsr = lsr;
      s->lsr_us = lsr_us;
    } else {
      s->bad_seq = (seq + 1u) & (SEQ_MOD - 1);
      counts = FALSE;
    }
  } /* else a duplicate or a packet out of order: counted, as RFC 3550 A.3 does */
  if (counts) {
    s->received++;
    s->heard_us = now_us;
  }
  g_mutex_unlock(&reports->lock);
}

void
gw_reports_sender_report(GwReports *reports, guint32 ssrc, guint64 ntp, gint64 now_us)
{
  g_mutex_lock(&reports->lock);
  for (guint i = 0; i < reports->n; i++) {
    if (reports->streams[i].ssrc != ssrc)
      continue;
    reports->streams[i].lsr = (guint32)(ntp >> 16);
    reports->streams[i].lsr_us = now_us;
  }
  g_mutex_unlock(&reports->lock);
}

void
gw_reports_regular(GwReports *reports, gint64 now_us)
{
  g_mutex_lock(&reports->lock);
  reports->reported_us = now_us;
  g_mutex_unlock(&reports->lock);
}

static gboolean
due(GwReports *r, gint64 now_us)
{
  return r->reported_us == 0 || now_us - r->reported_us >= GW_REPORTS_EVERY_US;
}

/* Appends the block of @s to @packet. Under the lock. */
static gboolean
add_block(GstRTCPPacket *packet, Stream *s, guint32 jitter, gint64 now_us)
{
  guint32 extended_max = s->cycles + s->max_seq;
  gint64 expected = (gint64)s->cycles + s->max_seq - s->base_seq + 1;
  gint64 lost = CLAMP(expected - (gint64)s->received, LOST_MIN, LOST_MAX);
  gint64 expected_interval = expected - (gint64)s->expected_prior;
  gint64 lost_interval = expected_interval - (gint64)(s->received - s->received_prior);
  guint fraction = 0;
  if (expected_interval > 0 && lost_interval > 0)
    fraction = (guint)MIN(255, (lost_interval << 8) / expected_interval);
  guint32 dlsr = 0;
  if (s->lsr != 0)
    dlsr = (guint32)(((guint64)(now_us - s->lsr_us) << 16) / G_USEC_PER_SEC);
  if (!gst_rtcp_packet_add_rb(packet, s->ssrc, (guint8)fraction, (gint32)lost, extended_max, jitter,
                              s->lsr, dlsr))
    return FALSE;
  s->expected_prior = (guint64)MAX(expected, 0);
  s->received_prior = s->received;
  return TRUE;
}

guint
gw_reports_write(GwReports *reports, GstRTCPBuffer *rtcp, guint32 own_ssrc, gint64 now_us,
                 GwReportsJitterFn jitter, gpointer user_data)
{
  GwReports *r = reports;
  guint32 ssrcs[GW_REPORTS_STREAMS];
  guint32 jitters[GW_REPORTS_STREAMS] = {0};
  guint n = 0;
  g_mutex_lock(&r->lock);
  if (due(r, now_us)) {
    for (guint i = 0; i < r->n; i++)
      if (now_us - r->streams[i].heard_us <= GW_REPORTS_IDLE_US)
        ssrcs[n++] = r->streams[i].ssrc;
  }
  g_mutex_unlock(&r->lock);
  if (n == 0)
    return 0;
  for (guint i = 0; jitter && i < n; i++)
    jitters[i] = jitter(ssrcs[i], user_data);

  guint blocks = 0;
  GstRTCPPacket packet;
  g_mutex_lock(&r->lock);
  if (due(r, now_us) && gst_rtcp_buffer_add_packet(rtcp, GST_RTCP_TYPE_RR, &packet)) {
    gst_rtcp_packet_rr_set_ssrc(&packet, own_ssrc);
    for (guint i = 0; i < n; i++) {
      for (guint k = 0; k < r->n; k++) {
        Stream *s = &r->streams[k];
        if (s->ssrc == ssrcs[i] && add_block(&packet, s, jitters[i], now_us))
          blocks++;
      }
    }
    if (blocks == 0) {
      gst_rtcp_packet_remove(&packet);
    } else {
      r->reported_us = now_us;
      r->written++;
    }
  }
  g_mutex_unlock(&r->lock);
  return blocks;
}

guint64
gw_reports_written(GwReports *reports)
{
  g_mutex_lock(&reports->lock);
  guint64 written = reports->written;
  g_mutex_unlock(&reports->lock);
  return written;
}
