/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The media plane of a room without webrtcbin. Every participant's transport
 * (transport.c) runs on the room's media loop thread, and a packet goes from
 * one participant's socket to the others' on that thread, as in a Janus
 * handle's loop: decrypt, find the input by payload type, rewrite payload
 * type, SSRC and transport-wide sequence number for each output, keep video
 * for NACKs, encrypt, send.
 *
 * RTCP is the gateway's own: transport-wide feedback (twcc-recv.c) and
 * receiver reports (reports.c) to each sender, its sender reports relayed to
 * each receiver under the output's SSRC (the sender's clock, so audio and
 * video stay in sync), keyframe requests from receivers to the sender (rate
 * limited), NACKs answered from the history.
 *
 * Written by hand: the RTP and RTCP header walks (a few bytes each, on every
 * packet: GstRTPBuffer and GstRTCPBuffer need a GstBuffer around the bytes);
 * the RTCP packets written go through GstRTCPBuffer where reports.c needs it.
 */
#include "webrtc/native-media.h"

#include <gst/rtp/rtp.h>
#include <string.h>

#include "webrtc/bytes.h"
#include "webrtc/feedback.h"
#include "webrtc/missing.h"
#include "webrtc/reports.h"
#include "webrtc/twcc-recv.h"
#include "webrtc/twcc.h"

#define PACKET_MAX 1500 /* RTP we forward; larger is dropped */
#define SEND_ROOM (GW_SRTCP_TRAILER + GW_SRTP_MAX_TAG)
#define HISTORY_SLOTS 256              /* per video output, as isolate.c keeps */
#define RESEND_MAX 6                   /* resends of one packet */
#define RESEND_GAP_US (20 * 1000)      /* not twice within this */
#define TICK_MS 100                    /* transport-wide feedback every 100 ms */
#define REPORT_EVERY_US G_USEC_PER_SEC /* receiver reports */
#define MAX_MLINES 32

typedef struct _Peer Peer;
typedef struct _Output Output;

typedef struct {
  guint16 seq;
  guint16 len; /* 0: empty */
  guint8 resends;
  gint64 at_us, resent_us;
  guint8 *data;
} Kept;

typedef struct {
  Peer *peer; /* owner */
  guint mline, pt, rtx_pt, clock_rate;
  gboolean video;
  guint32 ssrc;       /* learned from the first packet */
  GPtrArray *outputs; /* Output*, not owned */
  gint64 keyframe_asked_us;
  /* interarrival jitter (RFC 3550 A.8), in timestamp units * 16 */
  gboolean have_transit;
  gint64 transit;
  guint32 jitter16;
  /* the sender's last sender report: its clock, for the ones we write (lip sync) */
  guint64 sr_ntp;
  guint32 sr_rtp;
  gint64 sr_at_us;                    /* 0: none yet */
  GwMissing *missing;                 /* video: what to ask the sender for again */
  guint restarts;                     /* SSRC changes */
  guint32 named_ssrc, named_rtx_ssrc; /* what the answer said it sends on; 0: not said */
  gint64 last_us;                     /* its last packet */
  guint64 rtx, rtx_used, asked;       /* resends that came, and those that filled a hole */
} Input;

struct _Output {
  Peer *peer;
  guint mline, pt;
  guint32 ssrc;
  gboolean video;
  guint producer, producer_mline;
  Input *input; /* while the producer's input exists */
  gboolean keyframe_asked;
  gboolean started; /* a packet went out: last_seq is set */
  guint16 last_seq, seq_delta;
  guint restarts;                                /* the input's, when seq_delta was set */
  guint64 nacked, resent, not_kept, over_budget; /* what its browser's NACKs asked for */
  guint kept;                                    /* packets in history */
  Kept *history;                                 /* HISTORY_SLOTS of them, video only */
  guint32 packets, octets;
  gint64 reported_us; /* our last sender report */
};

struct _Peer {
  GwNativeMedia *media;
  guint id;
  GwTransport *transport;
  GPtrArray *inputs;  /* Input*, owned */
  GPtrArray *outputs; /* Output*, owned */
  GwTwccRecv *twcc_recv;
  GwTwccHistory *twcc_sent;
  guint twcc_ext;
  guint16 twcc_seq;
  GwReports *reports;
  guint32 own_ssrc;
  gint64 reported_us;
  GwTransportState state;
  gboolean told_foreign; /* logged that it sends on SSRCs it did not name */
  double rtt_ms, loss_pct;
  guint64 bytes_sent;
  GwNativeQuality snapshot; /* the figures above, for any thread, under media->quality_lock */

  /* as a receiver: its link, from its transport-wide feedback (feedback.h's estimator) */
  guint64 fb_sent, fb_received;
  double fb_rate_sum, fb_sent_rate_sum;
  guint estimate_bps, capacity_bps; /* 0: no limit seen, none known */
  double last_loss_pct;
  gint64 estimated_us;
  gint64 resend_tokens; /* bytes of resends it may still get this tick */
  guint resend_budget;  /* bytes a second */
  /* as a sender: the REMB it gets */
  gboolean remb_active;
  guint remb_bps;
};

struct _GwNativeMedia {
  GMainContext *context;
  GwNativeMediaSettings settings;
  GwNativeMediaEvents events;
  gpointer user_data;
  GDestroyNotify user_data_free;
  GHashTable *peers; /* id -> Peer*, media thread only */
  GSource *tick;
  guint ticks;
  gint closed;
  GMutex quality_lock;
};

/* ---- helpers on raw packets ---- */

typedef struct {
  gsize len;             /* the header's bytes, extensions included */
  gsize ext_at, ext_len; /* its one-byte extensions (0, 0: none) */
} RtpHeader;

/* The RTP header's length and where its one-byte extensions are, or 0 if malformed. */
static gsize
rtp_header_len(const guint8 *pkt, gsize len, gsize *ext_at, gsize *ext_len)
{
  *ext_at = *ext_len = 0;
  if (len < 12 || (pkt[0] >> 6) != 2)
    return 0;
  gsize at = 12 + 4u * (pkt[0] & 0x0f);
  if (pkt[0] & 0x10) {
    if (at + 4 > len)
      return 0;
    gsize words = gw_read16(pkt + at + 2);
    if (gw_read16(pkt + at) == 0xBEDE) {
      *ext_at = at + 4;
      *ext_len = words * 4;
    }
    at += 4 + words * 4;
  }
  return at <= len ? at : 0;
}

/* Where the one-byte extension @id's data starts (and its length), or 0. */
static gsize
find_ext(const guint8 *pkt, gsize ext_at, gsize ext_len, guint id, guint *len_out)
{
  for (gsize i = ext_at; id != 0 && i < ext_at + ext_len;) {
    guint8 b = pkt[i];
    if (b == 0) { /* padding */
      i++;
      continue;
    }
    guint eid = b >> 4, elen = (b & 0x0f) + 1u;
    if (eid == 15)
      break;
    if (i + 1 + elen > ext_at + ext_len)
      break;
    if (eid == id) {
      *len_out = elen;
      return i + 1;
    }
    i += 1 + elen;
  }
  return 0;
}

/* ---- lookups ---- */

static Input *
input_by_pt(Peer *p, guint pt, gboolean *rtx)
{
  for (guint i = 0; i < p->inputs->len; i++) {
    Input *in = g_ptr_array_index(p->inputs, i);
    if (in->pt == pt) {
      *rtx = FALSE;
      return in;
    }
    if (in->rtx_pt != 0 && in->rtx_pt == pt) {
      *rtx = TRUE;
      return in;
    }
  }
  return NULL;
}

static Input *
input_by_ssrc(Peer *p, guint32 ssrc)
{
  for (guint i = 0; i < p->inputs->len; i++) {
    Input *in = g_ptr_array_index(p->inputs, i);
    if (in->ssrc == ssrc && ssrc != 0)
      return in;
  }
  return NULL;
}

static Input *
input_by_mline(Peer *p, guint mline)
{
  for (guint i = 0; p && i < p->inputs->len; i++) {
    Input *in = g_ptr_array_index(p->inputs, i);
    if (in->mline == mline)
      return in;
  }
  return NULL;
}

static Output *
output_by_ssrc(Peer *p, guint32 ssrc)
{
  for (guint i = 0; i < p->outputs->len; i++) {
    Output *out = g_ptr_array_index(p->outputs, i);
    if (out->ssrc == ssrc && out->input)
      return out;
  }
  return NULL;
}

static Output *
output_by_mline(Peer *p, guint mline)
{
  for (guint i = 0; i < p->outputs->len; i++) {
    Output *out = g_ptr_array_index(p->outputs, i);
    if (out->mline == mline)
      return out;
  }
  return NULL;
}

static Peer *
peer_of(GwNativeMedia *media, guint id)
{
  return g_hash_table_lookup(media->peers, GUINT_TO_POINTER(id));
}

/* ---- sending ---- */

static void
send_rtcp(Peer *p, guint8 *pkt, gsize len)
{
  guint8 buf[PACKET_MAX + SEND_ROOM];
  if (len == 0 || len > PACKET_MAX)
    return;
  memcpy(buf, pkt, len);
  gw_transport_send_rtcp(p->transport, buf, len, sizeof buf);
}

/* A PLI to @in's sender, at most once per keyframe_min_interval_ms. */
static void
ask_keyframe(Peer *producer, Input *in, gint64 now)
{
  if (!in->video || in->ssrc == 0 ||
      (in->keyframe_asked_us != 0 &&
       now - in->keyframe_asked_us <
           (gint64)producer->media->settings.keyframe_min_interval_ms * 1000))
    return;
  in->keyframe_asked_us = now;
  guint8 pli[12] = {0x81, 206, 0, 2};
  gw_write32(pli + 4, producer->own_ssrc);
  gw_write32(pli + 8, in->ssrc);
  send_rtcp(producer, pli, sizeof pli);
}

/* Sends @pkt (plain RTP, @len bytes, in a buffer of PACKET_MAX + SEND_ROOM, its one-byte
 * header extensions at @ext_at, @ext_len bytes) to @out's peer with a fresh transport-wide
 * sequence number. */
static void
send_to(Output *out, guint8 *pkt, gsize len, gsize ext_at, gsize ext_len, gint64 now)
{
  Peer *p = out->peer;
  guint elen = 0;
  gsize at = find_ext(pkt, ext_at, ext_len, p->twcc_ext, &elen);
  if (at && elen == 2) {
    gw_write16(pkt + at, p->twcc_seq);
    gw_twcc_history_add(p->twcc_sent, p->twcc_seq, (guint)len, now);
    p->twcc_seq++;
  }
  if (gw_transport_send_rtp(p->transport, pkt, len, PACKET_MAX + SEND_ROOM))
    p->bytes_sent += len;
}

static gboolean
already_sent(Output *out, guint16 seq)
{
  const Kept *k = out->history ? &out->history[seq % HISTORY_SLOTS] : NULL;
  return k && k->len != 0 && k->seq == seq;
}

static void
keep(Output *out, const guint8 *pkt, gsize len, guint16 seq, gint64 now)
{
  Kept *k = &out->history[seq % HISTORY_SLOTS];
  if (k->len && k->seq == seq)
    return; /* a resend from the sender: the first copy stays */
  if (k->len == 0)
    out->kept++;
  k->data = g_realloc(k->data, len);
  memcpy(k->data, pkt, len);
  k->len = (guint16)len;
  k->seq = seq;
  k->at_us = now;
  k->resends = 0;
  k->resent_us = 0;
}

/* Lets go of the packets kept longer than @max_age_us (their memory too: a kept second is
 * what a call's memory is mostly made of). */
static void
forget_history(Output *out, gint64 max_age_us)
{
  gint64 now = g_get_monotonic_time();
  for (guint i = 0; out->history && out->kept > 0 && i < HISTORY_SLOTS; i++) {
    Kept *k = &out->history[i];
    if (k->len != 0 && now - k->at_us > max_age_us) {
      g_clear_pointer(&k->data, g_free);
      k->len = 0;
      out->kept--;
    }
  }
}

static void
forward(Input *in, Output *out, const guint8 *pkt, gsize len, const RtpHeader *h, gboolean resend,
        gint64 now)
{
  if (gw_transport_get_state(out->peer->transport) != GW_TRANSPORT_CONNECTED)
    return;
  guint8 buf[PACKET_MAX + SEND_ROOM];
  memcpy(buf, pkt, len);
  buf[1] = (guint8)((buf[1] & 0x80) | out->pt);
  gw_write32(buf + 8, out->ssrc);
  /* One sequence for the browser whatever the sender does: a new SSRC from it (a
   * restarted encoder) goes on from the last number sent, or the browser's jitter buffer
   * and SRTP (a number far behind is refused) would see a jump. */
  guint16 seq = (guint16)gw_read16(pkt + 2);
  if (out->restarts != in->restarts || !out->started) {
    out->seq_delta = out->started ? (guint16)(out->last_seq + 1 - seq) : 0;
    out->restarts = in->restarts;
    out->started = TRUE;
  }
  guint16 out_seq = (guint16)(seq + out->seq_delta);
  if (resend && out->video && already_sent(out, out_seq))
    return; /* a resend nobody here waits for */
  gw_write16(buf + 2, out_seq);
  if ((gint16)(guint16)(out_seq - out->last_seq) > 0)
    out->last_seq = out_seq;
  out->packets++;
  out->octets += (guint32)(len - h->len);
  if (out->video)
    keep(out, buf, len, out_seq, now);
  send_to(out, buf, len, h->ext_at, h->ext_len, now);
}

/* ---- received RTP ---- */

#define SSRC_SILENCE_US G_USEC_PER_SEC /* an unnamed sender's stream may change after this */

/* A browser sends each m-line's media on the SSRC its answer names; without one, on the
 * first that came, and on another only once that one fell silent (a restarted encoder).
 * Anything else is dropped: a stream per made-up SSRC would let a peer (or a bug) mix
 * streams into one receiver's (tests/bench/rogue.py). */
static void
foreign_ssrc(Peer *p, guint32 ssrc)
{
  if (p->told_foreign)
    return;
  p->told_foreign = TRUE;
  g_message("%s sends on more SSRCs than a browser negotiates (%08x); packets on SSRCs it did "
            "not name are dropped",
            gw_transport_get_log_prefix(p->transport), ssrc);
}

static gboolean
accept_ssrc(Peer *p, Input *in, guint32 ssrc, gint64 now)
{
  gboolean ok = in->named_ssrc != 0
                    ? ssrc == in->named_ssrc
                    : in->ssrc == 0 || ssrc == in->ssrc || now - in->last_us > SSRC_SILENCE_US;
  if (!ok)
    foreign_ssrc(p, ssrc);
  return ok;
}

#define NACK_MAX_ENTRIES 32

/* A Generic NACK to @in's sender for what it still owes and is due (missing.c times it). */
static void
ask_again(Peer *p, Input *in, gint64 now)
{
  guint8 pkt[12 + 4 * NACK_MAX_ENTRIES] = {0x81, 205};
  guint entries = gw_missing_write_nack(in->missing, now, gw_missing_retry_us(in->missing),
                                        pkt + 12, NACK_MAX_ENTRIES);
  if (entries == 0)
    return;
  gw_write16(pkt + 2, 2 + entries);
  gw_write32(pkt + 4, p->own_ssrc);
  gw_write32(pkt + 8, in->ssrc);
  send_rtcp(p, pkt, 12 + 4 * entries);
}

static void
update_jitter(Input *in, guint32 rtp_ts, gint64 now)
{
  if (in->clock_rate == 0)
    return;
  gint64 arrival = now * in->clock_rate / G_USEC_PER_SEC;
  gint64 transit = arrival - (gint64)rtp_ts;
  if (in->have_transit) {
    gint64 d = transit - in->transit;
    if (d < 0)
      d = -d;
    if (d < (gint64)in->clock_rate * 10) /* a timestamp jump is no jitter */
      in->jitter16 += (guint32)d - ((in->jitter16 + 8) >> 4);
  }
  in->transit = transit;
  in->have_transit = TRUE;
}

static void
on_rtp(gpointer user_data, guint8 *pkt, gsize len)
{
  Peer *p = user_data;
  gint64 now = g_get_monotonic_time();
  RtpHeader h; /* one walk: RTX unwrapping below keeps the header as it is */
  h.len = rtp_header_len(pkt, len, &h.ext_at, &h.ext_len);
  gsize hlen = h.len;
  if (hlen == 0 || len > PACKET_MAX)
    return;
  guint elen = 0;
  gsize at = find_ext(pkt, h.ext_at, h.ext_len, p->twcc_ext, &elen);
  if (at && elen == 2)
    gw_twcc_recv_add(p->twcc_recv, gw_read16(pkt + at), now);

  gboolean rtx = FALSE;
  Input *in = input_by_pt(p, pkt[1] & 0x7f, &rtx);
  if (!in)
    return;
  guint8 unwrapped[PACKET_MAX];
  if (rtx) {
    /* RFC 4588: the original sequence number, then the original payload. Chrome also
     * probes for bandwidth with RTX packets of padding alone (no sequence number in
     * them: dropped) and with old packets nobody asked for (each output sends on only
     * what it has not sent, forward()). */
    gsize padding = (pkt[0] & 0x20) ? pkt[len - 1] : 0;
    if (in->ssrc == 0 || !in->missing || len < hlen + 2 + padding)
      return;
    if (in->named_rtx_ssrc != 0 && gw_read32(pkt + 8) != in->named_rtx_ssrc) {
      foreign_ssrc(p, gw_read32(pkt + 8));
      return;
    }
    guint16 osn = gw_read16(pkt + hlen);
    in->rtx++;
    if (gw_missing_packet(in->missing, osn, now) == GW_MISSING_FILLED)
      in->rtx_used++;
    memcpy(unwrapped, pkt, hlen);
    memcpy(unwrapped + hlen, pkt + hlen + 2, len - hlen - 2);
    len -= 2;
    unwrapped[1] = (guint8)((pkt[1] & 0x80) | in->pt);
    gw_write16(unwrapped + 2, osn);
    gw_write32(unwrapped + 8, in->ssrc);
    pkt = unwrapped;
  } else {
    guint32 ssrc = gw_read32(pkt + 8);
    if (!accept_ssrc(p, in, ssrc, now))
      return;
    in->last_us = now;
    if (in->ssrc != ssrc) {
      g_debug("%s m-line %u: SSRC %08x", gw_transport_get_log_prefix(p->transport), in->mline,
              ssrc);
      in->ssrc = ssrc;
      in->have_transit = FALSE;
      in->restarts++; /* its outputs go on from their own last sequence number */
    }
    update_jitter(in, gw_read32(pkt + 4), now);
    /* Receiver reports count the stream's own packets (RFC 4588: RTX is another stream). */
    gw_reports_packet(p->reports, in->ssrc, gw_read16(pkt + 2), now);
    if (in->missing)
      gw_missing_packet(in->missing, gw_read16(pkt + 2), now);
  }
  if (in->missing && gw_missing_count(in->missing) > 0)
    ask_again(p, in, now);
  for (guint i = 0; i < in->outputs->len; i++) {
    Output *out = g_ptr_array_index(in->outputs, i);
    if (!out->keyframe_asked && out->video &&
        gw_transport_get_state(out->peer->transport) == GW_TRANSPORT_CONNECTED) {
      out->keyframe_asked = TRUE; /* a new receiver gets a picture at once */
      ask_keyframe(p, in, now);
    }
    forward(in, out, pkt, len, &h, rtx, now);
  }
}

/* ---- received RTCP ---- */

/* A sender report from @p's browser about @in: its clock, for those we write. */
static void
note_sender_report(Peer *p, Input *in, const guint8 *sr, gint64 now)
{
  in->sr_ntp = (guint64)gw_read32(sr + 8) << 32 | gw_read32(sr + 12);
  in->sr_rtp = gw_read32(sr + 16);
  in->sr_at_us = now;
  gw_reports_sender_report(p->reports, in->ssrc, in->sr_ntp, now);
}

/* The NTP time of @in's sender now, carried forward from its last sender report. */
static guint64
sender_clock(Input *in, gint64 now)
{
  return in->sr_ntp + (((guint64)(now - in->sr_at_us) << 32) / G_USEC_PER_SEC);
}

/* A sender report to @out's browser once a second, whatever the sender's own pace
 * (Chrome reports audio every few seconds): the time and timestamp of the sender's
 * last report carried forward to now, so audio and video of one sender keep one clock
 * (lip sync), with the packets and octets we sent. */
static void
write_sender_report(Output *out, gint64 now)
{
  Input *in = out->input;
  if (!in || in->sr_at_us == 0 || out->packets == 0 || in->clock_rate == 0 ||
      now - out->reported_us < REPORT_EVERY_US)
    return;
  out->reported_us = now;
  gint64 since = now - in->sr_at_us;
  guint64 ntp = sender_clock(in, now);
  guint32 rtp = in->sr_rtp + (guint32)(since * in->clock_rate / G_USEC_PER_SEC);
  guint8 pkt[28] = {0x80, 200, 0, 6};
  gw_write32(pkt + 4, out->ssrc);
  gw_write32(pkt + 8, (guint32)(ntp >> 32));
  gw_write32(pkt + 12, (guint32)ntp);
  gw_write32(pkt + 16, rtp);
  gw_write32(pkt + 20, out->packets);
  gw_write32(pkt + 24, out->octets);
  send_rtcp(out->peer, pkt, sizeof pkt);
}

/* A report block from @p's browser about what we send it. */
static void
on_report_block(Peer *p, const guint8 *rb, gint64 now)
{
  Output *out = output_by_ssrc(p, gw_read32(rb));
  if (!out)
    return;
  /* RFC 3550 6.4.1: now minus LSR minus DLSR, in 1/65536 s, on the clock our sender
   * reports to it carry (its sender's, carried forward). */
  guint32 lsr = gw_read32(rb + 16), dlsr = gw_read32(rb + 20);
  double rtt = -1;
  if (lsr != 0 && out->input && out->input->sr_at_us != 0) {
    guint32 a = (guint32)(sender_clock(out->input, now) >> 16);
    gint32 units = (gint32)(a - lsr - dlsr);
    /* DLSR's 15 us steps can make a loopback round trip slightly negative; a report
     * about a clock before the sender's last report, much more. */
    if (units > -655)
      rtt = MAX(units, 0) * 1000.0 / 65536.0;
  }
  p->loss_pct = rb[4] * 100.0 / 256.0;
  if (rtt >= 0)
    p->rtt_ms = rtt;
}

static void
resend(Output *out, guint16 seq, gint64 now)
{
  if (!out->history)
    return;
  Kept *k = &out->history[seq % HISTORY_SLOTS];
  out->nacked++;
  if (k->len == 0 || k->seq != seq ||
      now - k->at_us > (gint64)out->peer->media->settings.history_ms * 1000) {
    out->not_kept++; /* not arrived yet (it goes out when it does), or too old */
    return;
  }
  if (k->resends >= RESEND_MAX || (k->resent_us != 0 && now - k->resent_us < RESEND_GAP_US))
    return;
  Peer *p = out->peer;
  if (p->resend_tokens < k->len) {
    out->over_budget++; /* over the budget of resends towards this link */
    return;
  }
  out->resent++;
  p->resend_tokens -= k->len;
  k->resends++;
  k->resent_us = now;
  guint8 buf[PACKET_MAX + SEND_ROOM];
  memcpy(buf, k->data, k->len);
  RtpHeader h;
  h.len = rtp_header_len(buf, k->len, &h.ext_at, &h.ext_len);
  send_to(out, buf, k->len, h.ext_at, h.ext_len, now);
}

static void
on_feedback(Peer *p, guint type, guint fmt, const guint8 *fb, gsize len, gint64 now)
{
  if (len < 12)
    return;
  guint32 media_ssrc = gw_read32(fb + 8);
  const guint8 *fci = fb + 12;
  gsize fci_len = len - 12;
  if (type == 205 && fmt == 15) {
    GwTwccStats stats;
    if (gw_twcc_history_feedback(p->twcc_sent, fci, fci_len, &stats)) {
      p->fb_sent += stats.sent;
      p->fb_received += stats.received;
      p->fb_rate_sum += (double)stats.bitrate_recv * stats.received;
      p->fb_sent_rate_sum += (double)stats.bitrate_sent * stats.sent;
    }
    return;
  }
  Output *out = output_by_ssrc(p, media_ssrc);
  if (!out)
    return;
  if (type == 205 && fmt == 1) { /* Generic NACK: PID and a bitmask of the 16 after it */
    for (gsize i = 0; i + 4 <= fci_len; i += 4) {
      guint16 pid = gw_read16(fci + i), blp = gw_read16(fci + i + 2);
      resend(out, pid, now);
      for (guint b = 0; b < 16; b++) {
        if (blp & (1u << b))
          resend(out, (guint16)(pid + b + 1), now);
      }
    }
  } else if (type == 206 && (fmt == 1 || fmt == 4)) { /* PLI, FIR */
    Peer *producer = peer_of(p->media, out->producer);
    if (producer && out->input)
      ask_keyframe(producer, out->input, now);
  }
}

static void
on_rtcp(gpointer user_data, guint8 *pkt, gsize len)
{
  Peer *p = user_data;
  gint64 now = g_get_monotonic_time();
  for (gsize at = 0; at + 4 <= len;) {
    const guint8 *h = pkt + at;
    if ((h[0] >> 6) != 2)
      return;
    gsize plen = 4 + 4u * gw_read16(h + 2);
    if (at + plen > len)
      return;
    guint count = h[0] & 0x1f, type = h[1];
    if (type == 200 && plen >= 28) {
      Input *in = input_by_ssrc(p, gw_read32(h + 4));
      if (in)
        note_sender_report(p, in, h, now);
      for (guint i = 0; i < count && 28 + 24 * (i + 1) <= plen; i++)
        on_report_block(p, h + 28 + 24 * i, now);
    } else if (type == 201 && plen >= 8) {
      for (guint i = 0; i < count && 8 + 24 * (i + 1) <= plen; i++)
        on_report_block(p, h + 8 + 24 * i, now);
    } else if (type == 205 || type == 206) {
      on_feedback(p, type, count, h, plen, now);
    }
    at += plen;
  }
}

/* ---- the tick: transport-wide feedback and receiver reports ---- */

static guint32
jitter_of(guint32 ssrc, gpointer user_data)
{
  Input *in = input_by_ssrc(user_data, ssrc);
  return in ? in->jitter16 >> 4 : 0;
}

static void
send_reports(Peer *p, gint64 now)
{
  GstBuffer *buffer = gst_rtcp_buffer_new(PACKET_MAX);
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  gst_rtcp_buffer_map(buffer, GST_MAP_READWRITE, &rtcp);
  guint blocks = gw_reports_write(p->reports, &rtcp, p->own_ssrc, now, jitter_of, p);
  gst_rtcp_buffer_unmap(&rtcp);
  if (blocks > 0) {
    GstMapInfo map;
    if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
      send_rtcp(p, map.data, map.size);
      gst_buffer_unmap(buffer, &map);
    }
  }
  gst_buffer_unref(buffer);
}

static void
tick_peer(gpointer key, gpointer value, gpointer data)
{
  Peer *p = value;
  gint64 now = *(gint64 *)data;
  g_mutex_lock(&p->media->quality_lock);
  p->snapshot.rtt_ms = p->rtt_ms;
  p->snapshot.loss_pct = p->loss_pct;
  p->snapshot.bytes_sent = p->bytes_sent;
  gw_transport_get_counters(p->transport, &p->snapshot.counters);
  g_mutex_unlock(&p->media->quality_lock);
  /* A tenth of a second's resends; what is left over does not pile up. */
  p->resend_tokens =
      MIN(p->resend_tokens + p->resend_budget / (1000 / TICK_MS), (gint64)p->resend_budget / 2);
  if (gw_transport_get_state(p->transport) != GW_TRANSPORT_CONNECTED)
    return;
  guint32 media_ssrc = 0;
  for (guint i = 0; i < p->inputs->len && media_ssrc == 0; i++)
    media_ssrc = ((Input *)g_ptr_array_index(p->inputs, i))->ssrc;
  guint8 fb[PACKET_MAX];
  for (guint n = 0; n < 8; n++) { /* bounded: a few packets per tick at most */
    gsize len = gw_twcc_recv_write(p->twcc_recv, p->own_ssrc, media_ssrc, fb, sizeof fb);
    if (len == 0)
      break;
    send_rtcp(p, fb, len);
  }
  if (now - p->reported_us >= REPORT_EVERY_US) {
    p->reported_us = now;
    send_reports(p, now);
  }
  for (guint i = 0; i < p->outputs->len; i++) {
    Output *out = g_ptr_array_index(p->outputs, i);
    write_sender_report(out, now);
    forget_history(out, (gint64)p->media->settings.history_ms * 1000);
  }
}

/* ---- the link towards each receiver, and a REMB to each sender (feedback.c's rules) ---- */

static void
estimate_link(GwNativeMedia *media, Peer *p, gint64 now)
{
  if (p->fb_sent < FEEDBACK_MIN_PACKETS || now - p->estimated_us < FEEDBACK_MIN_WINDOW_US)
    return;
  double elapsed = p->estimated_us ? (now - p->estimated_us) / 1e6 : 0.0;
  p->estimated_us = now;
  double loss = 100.0 * (double)(p->fb_sent - p->fb_received) / (double)p->fb_sent;
  guint received_bps = p->fb_received ? (guint)(p->fb_rate_sum / (double)p->fb_received) : 0;
  double sent_bps = p->fb_sent_rate_sum / (double)p->fb_sent;
  /* bitrate-recv reads high on a policed link: what was sent times the share that arrived
   * is the steadier figure (feedback.c). */
  guint delivered_bps = (guint)(sent_bps * (double)p->fb_received / (double)p->fb_sent);
  if (sent_bps > 0.0 && (received_bps == 0 || delivered_bps < received_bps))
    received_bps = delivered_bps;
  guint before = p->estimate_bps;
  guint next = gw_feedback_next_estimate(before, p->last_loss_pct, loss, received_bps, elapsed,
                                         media->settings.max_bps);
  p->estimate_bps =
      gw_feedback_near_capacity(before, next, loss > 10.0, received_bps, elapsed, &p->capacity_bps);
  p->last_loss_pct = loss;
  p->fb_sent = p->fb_received = 0;
  p->fb_rate_sum = p->fb_sent_rate_sum = 0.0;
  if (p->estimate_bps)
    p->resend_budget = (guint)MAX(p->estimate_bps / 8.0, p->estimate_bps * 0.9 - sent_bps) / 8;
  else if (loss > FEEDBACK_CONGESTED_PCT)
    p->resend_budget = MAX(received_bps, 80000u) / 64;
  else
    p->resend_budget = (guint)(MAX(sent_bps, (double)FEEDBACK_MIN_BPS) * FEEDBACK_RESEND_SHARE / 8);
  if ((before == 0) != (p->estimate_bps == 0) ||
      (before != 0 && (p->estimate_bps > before * 1.25 || p->estimate_bps < before * 0.8)))
    g_info("%s link towards it: %.1f %% lost, %u kbit/s arrived; estimate %s%u kbit/s",
           gw_transport_get_log_prefix(p->transport), loss, received_bps / 1000,
           p->estimate_bps ? "" : "unlimited, was ",
           (p->estimate_bps ? p->estimate_bps : before) / 1000);
}

#define REMB_SSRCS 4

/* Caps @producer at the lowest estimate among the receivers of its video (its share of
 * each one's link), as feedback.c's update_cap does, and sends it the REMB. */
static void
cap_sender(GwNativeMedia *media, Peer *producer)
{
  guint cap = G_MAXUINT;
  GHashTableIter iter;
  gpointer value;
  g_hash_table_iter_init(&iter, media->peers);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    Peer *c = value;
    if (c == producer || c->estimate_bps == 0)
      continue;
    guint from_producer = 0, total = 0;
    for (guint i = 0; i < c->outputs->len; i++) {
      Output *out = g_ptr_array_index(c->outputs, i);
      if (!out->video || !out->input)
        continue;
      total++;
      if (out->producer == producer->id)
        from_producer++;
    }
    if (from_producer == 0)
      continue;
    double share = c->estimate_bps > FEEDBACK_AUDIO_BPS
                       ? (double)(c->estimate_bps - FEEDBACK_AUDIO_BPS) * from_producer / total
                       : 0.0;
    cap = MIN(cap, (guint)MAX((share + FEEDBACK_AUDIO_BPS) * 0.8, (double)FEEDBACK_MIN_BPS));
  }
  if (cap != G_MAXUINT) {
    producer->remb_active = TRUE;
    producer->remb_bps = cap;
  } else if (producer->remb_active) {
    producer->remb_bps = FEEDBACK_UNLIMITED_BPS; /* Chrome keeps the last REMB's cap: lift it */
  }
  if (!producer->remb_active)
    return;
  guint8 pkt[20 + 4 * REMB_SSRCS] = {0x8f, 206, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'R', 'E', 'M', 'B'};
  guint n = 0;
  for (guint i = 0; i < producer->inputs->len && n < REMB_SSRCS; i++) {
    Input *in = g_ptr_array_index(producer->inputs, i);
    if (in->video && in->ssrc != 0)
      gw_write32(pkt + 20 + 4 * n++, in->ssrc);
  }
  if (n == 0)
    return;
  guint exp = 0, mantissa = producer->remb_bps;
  while (mantissa >= (1u << 18)) {
    mantissa >>= 1;
    exp++;
  }
  gw_write16(pkt + 2, 4 + n);
  gw_write32(pkt + 4, producer->own_ssrc);
  pkt[16] = (guint8)n;
  pkt[17] = (guint8)(exp << 2 | mantissa >> 16);
  gw_write16(pkt + 18, mantissa & 0xffff);
  send_rtcp(producer, pkt, 20 + 4 * n);
}

static gboolean
on_tick(gpointer data)
{
  GwNativeMedia *media = data;
  gint64 now = g_get_monotonic_time();
  g_hash_table_foreach(media->peers, tick_peer, &now);
  if (++media->ticks % (FEEDBACK_TICK_MS / TICK_MS) == 0) {
    GHashTableIter iter;
    gpointer value;
    g_hash_table_iter_init(&iter, media->peers);
    while (g_hash_table_iter_next(&iter, NULL, &value))
      estimate_link(media, value, now);
    g_hash_table_iter_init(&iter, media->peers);
    while (g_hash_table_iter_next(&iter, NULL, &value))
      cap_sender(media, value);
  }
  return G_SOURCE_CONTINUE;
}

/* ---- peers ---- */

static void
output_free(gpointer data)
{
  Output *out = data;
  if (out->nacked)
    g_debug("%s m-line %u: its NACKs asked for %" G_GUINT64_FORMAT " packets: %" G_GUINT64_FORMAT
            " resent, %" G_GUINT64_FORMAT " not kept, %" G_GUINT64_FORMAT " over the budget",
            gw_transport_get_log_prefix(out->peer->transport), out->mline, out->nacked, out->resent,
            out->not_kept, out->over_budget);
  if (out->input)
    g_ptr_array_remove(out->input->outputs, out);
  for (guint i = 0; out->history && i < HISTORY_SLOTS; i++)
    g_free(out->history[i].data);
  g_free(out->history);
  g_free(out);
}

static void
input_free(gpointer data)
{
  Input *in = data;
  if (in->missing)
    g_debug("%s m-line %u: asked the sender for %" G_GUINT64_FORMAT " packets, %" G_GUINT64_FORMAT
            " resends came, %" G_GUINT64_FORMAT " filled a hole",
            gw_transport_get_log_prefix(in->peer->transport), in->mline,
            gw_missing_asked(in->missing), in->rtx, in->rtx_used);
  gw_missing_free(in->missing);
  for (guint i = 0; i < in->outputs->len; i++)
    ((Output *)g_ptr_array_index(in->outputs, i))->input = NULL;
  g_ptr_array_unref(in->outputs);
  g_free(in);
}

static void
peer_free(gpointer data)
{
  Peer *p = data;
  g_ptr_array_unref(p->outputs); /* their last log lines name the peer: transport last */
  g_ptr_array_unref(p->inputs);
  gw_transport_free(p->transport);
  gw_twcc_recv_free(p->twcc_recv);
  gw_twcc_history_free(p->twcc_sent);
  gw_reports_unref(p->reports);
  g_free(p);
}

/* Links every output that waits for @producer's @in. */
static void
link_waiting_outputs(GwNativeMedia *media, guint producer, Input *in)
{
  GHashTableIter iter;
  gpointer value;
  g_hash_table_iter_init(&iter, media->peers);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    Peer *p = value;
    for (guint i = 0; i < p->outputs->len; i++) {
      Output *out = g_ptr_array_index(p->outputs, i);
      if (out->producer == producer && out->producer_mline == in->mline && !out->input) {
        out->input = in;
        out->keyframe_asked = FALSE;
        g_ptr_array_add(in->outputs, out);
      }
    }
  }
}

/* ---- operations handed to the media thread ---- */

typedef enum {
  OP_ADD_PEER,
  OP_REMOVE_PEER,
  OP_SET_REMOTE,
  OP_ADD_CANDIDATE,
  OP_SET_TWCC,
  OP_SET_INPUT,
  OP_SET_OUTPUT,
  OP_FREE,
} OpKind;

typedef struct {
  GwNativeMedia *media;
  OpKind kind;
  guint peer, mline, pt, rtx_pt, clock_rate, producer, producer_mline;
  guint32 ssrc, rtx_ssrc;
  gboolean video;
  GwTransport *transport;
  char *a, *b, *c;
  GwDtlsRole role;
} Op;

static void
on_transport_state(gpointer user_data, GwTransportState state)
{
  Peer *p = user_data;
  p->state = state;
  if (!g_atomic_int_get(&p->media->closed) && p->media->events.state)
    p->media->events.state(p->media->user_data, p->id, state);
}

static void
on_transport_candidate(gpointer user_data, const char *candidate)
{
  Peer *p = user_data;
  if (!g_atomic_int_get(&p->media->closed) && p->media->events.candidate)
    p->media->events.candidate(p->media->user_data, p->id, candidate);
}

static const GwTransportCallbacks transport_callbacks = {
    .rtp = on_rtp,
    .rtcp = on_rtcp,
    .state = on_transport_state,
    .candidate = on_transport_candidate,
};

static void
media_destroy(GwNativeMedia *media)
{
  if (media->tick) {
    g_source_destroy(media->tick);
    g_source_unref(media->tick);
  }
  g_hash_table_unref(media->peers);
  g_mutex_clear(&media->quality_lock);
  if (media->user_data_free)
    media->user_data_free(media->user_data);
  g_main_context_unref(media->context);
  g_free(media);
}

static void
add_peer(GwNativeMedia *media, Op *op)
{
  Peer *p = g_new0(Peer, 1);
  p->media = media;
  p->id = op->peer;
  p->transport = g_steal_pointer(&op->transport);
  p->inputs = g_ptr_array_new_with_free_func(input_free);
  p->outputs = g_ptr_array_new_with_free_func(output_free);
  p->twcc_recv = gw_twcc_recv_new();
  p->twcc_sent = gw_twcc_history_new();
  p->reports = gw_reports_new();
  p->own_ssrc = g_random_int();
  p->rtt_ms = p->loss_pct = -1;
  p->snapshot.rtt_ms = p->snapshot.loss_pct = -1;
  p->resend_budget = (guint)(FEEDBACK_MIN_BPS * FEEDBACK_RESEND_SHARE / 8);
  g_mutex_lock(&media->quality_lock);
  g_hash_table_replace(media->peers, GUINT_TO_POINTER(p->id), p);
  g_mutex_unlock(&media->quality_lock);
  gw_transport_set_callbacks(p->transport, &transport_callbacks, p);
  g_autoptr(GError) error = NULL;
  if (!gw_transport_gather(p->transport, &error)) {
    g_message("%s %s", gw_transport_get_log_prefix(p->transport), error->message);
    on_transport_state(p, GW_TRANSPORT_FAILED);
  }
}

static void
remove_peer(GwNativeMedia *media, guint id)
{
  Peer *gone = peer_of(media, id);
  if (!gone)
    return;
  /* Outputs of others fed by it wait (a rejoin brings a new id: they are reset then). */
  for (guint i = 0; i < gone->inputs->len; i++) {
    Input *in = g_ptr_array_index(gone->inputs, i);
    for (guint k = 0; k < in->outputs->len; k++)
      ((Output *)g_ptr_array_index(in->outputs, k))->input = NULL;
    g_ptr_array_set_size(in->outputs, 0);
  }
  g_mutex_lock(&media->quality_lock);
  g_hash_table_steal(media->peers, GUINT_TO_POINTER(id));
  g_mutex_unlock(&media->quality_lock);
  peer_free(gone);
}

static void
set_input(GwNativeMedia *media, Op *op)
{
  Peer *p = peer_of(media, op->peer);
  if (!p)
    return;
  Input *in = input_by_mline(p, op->mline);
  if (!in) {
    in = g_new0(Input, 1);
    in->peer = p;
    in->mline = op->mline;
    in->outputs = g_ptr_array_new();
    g_ptr_array_add(p->inputs, in);
  }
  in->pt = op->pt;
  in->rtx_pt = op->rtx_pt;
  in->clock_rate = op->clock_rate;
  in->video = op->video;
  in->named_ssrc = op->ssrc;
  in->named_rtx_ssrc = op->rtx_ssrc;
  if (in->video && op->rtx_pt != 0 && !in->missing)
    in->missing = gw_missing_new(); /* the sender resends on RTX: ask it for losses */
  link_waiting_outputs(media, p->id, in);
}

static void
set_output(GwNativeMedia *media, Op *op)
{
  Peer *p = peer_of(media, op->peer);
  if (!p)
    return;
  Output *out = output_by_mline(p, op->mline);
  if (!out) {
    out = g_new0(Output, 1);
    out->peer = p;
    out->mline = op->mline;
    g_ptr_array_add(p->outputs, out);
  }
  if (out->input)
    g_ptr_array_remove(out->input->outputs, out);
  out->input = NULL;
  out->pt = op->pt;
  out->video = op->video;
  if (out->video && !out->history)
    out->history = g_new0(Kept, HISTORY_SLOTS);
  if (out->ssrc != op->ssrc || out->producer != op->producer) {
    /* A new stream for the browser: counts, numbering and history start afresh. */
    out->packets = out->octets = 0;
    out->started = FALSE;
    forget_history(out, -1); /* all of it */
  }
  out->ssrc = op->ssrc;
  out->producer = op->producer;
  out->producer_mline = op->producer_mline;
  out->keyframe_asked = FALSE;
  Input *in = input_by_mline(peer_of(media, op->producer), op->producer_mline);
  if (op->producer != 0 && in) {
    out->input = in;
    g_ptr_array_add(in->outputs, out);
  }
}

static gboolean
op_run(gpointer data)
{
  Op *op = data;
  GwNativeMedia *media = op->media;
  Peer *p = peer_of(media, op->peer);
  switch (op->kind) {
  case OP_ADD_PEER:
    add_peer(media, op);
    break;
  case OP_REMOVE_PEER:
    remove_peer(media, op->peer);
    break;
  case OP_SET_REMOTE:
    if (p) {
      g_autoptr(GError) error = NULL;
      if (!gw_transport_set_remote(p->transport, op->a, op->b, op->c, op->role, &error)) {
        g_message("%s %s", gw_transport_get_log_prefix(p->transport), error->message);
        on_transport_state(p, GW_TRANSPORT_FAILED);
      }
    }
    break;
  case OP_ADD_CANDIDATE:
    if (p) {
      g_autoptr(GError) error = NULL;
      if (!gw_transport_add_remote_candidate(p->transport, op->a, &error))
        g_message("%s candidate refused: %s", gw_transport_get_log_prefix(p->transport),
                  error->message);
    }
    break;
  case OP_SET_TWCC:
    if (p)
      p->twcc_ext = op->pt;
    break;
  case OP_SET_INPUT:
    set_input(media, op);
    break;
  case OP_SET_OUTPUT:
    set_output(media, op);
    break;
  case OP_FREE: {
    GHashTableIter iter;
    gpointer value;
    g_hash_table_iter_init(&iter, media->peers);
    while (g_hash_table_iter_next(&iter, NULL, &value))
      gw_transport_close(((Peer *)value)->transport);
    g_mutex_lock(&media->quality_lock);
    g_hash_table_remove_all(media->peers);
    g_mutex_unlock(&media->quality_lock);
    media_destroy(media);
    op->media = NULL;
    break;
  }
  }
  return G_SOURCE_REMOVE;
}

static void
op_free(gpointer data)
{
  Op *op = data;
  gw_transport_free(op->transport);
  g_free(op->a);
  g_free(op->b);
  g_free(op->c);
  g_free(op);
}

static void
post(GwNativeMedia *media, Op *op)
{
  op->media = media;
  GSource *source = g_idle_source_new();
  g_source_set_priority(source, G_PRIORITY_DEFAULT);
  g_source_set_callback(source, op_run, op, op_free);
  g_source_attach(source, media->context);
  g_source_unref(source);
}

static Op *
op_new(OpKind kind, guint peer)
{
  Op *op = g_new0(Op, 1);
  op->kind = kind;
  op->peer = peer;
  return op;
}

/* ---- public API ---- */

static gboolean
start_tick(gpointer data)
{
  GwNativeMedia *media = data;
  media->tick = g_timeout_source_new(TICK_MS);
  g_source_set_callback(media->tick, on_tick, media, NULL);
  g_source_attach(media->tick, media->context);
  return G_SOURCE_REMOVE;
}

GwNativeMedia *
gw_native_media_new(GMainContext *context, const GwNativeMediaSettings *settings,
                    const GwNativeMediaEvents *events, gpointer user_data,
                    GDestroyNotify user_data_free)
{
  GwNativeMedia *media = g_new0(GwNativeMedia, 1);
  media->context = g_main_context_ref(context);
  media->settings = *settings;
  media->events = *events;
  media->user_data = user_data;
  media->user_data_free = user_data_free;
  media->peers = g_hash_table_new_full(NULL, NULL, NULL, peer_free);
  g_mutex_init(&media->quality_lock);
  g_main_context_invoke(context, start_tick, media);
  return media;
}

void
gw_native_media_free(GwNativeMedia *media)
{
  if (!media)
    return;
  g_atomic_int_set(&media->closed, 1);
  post(media, op_new(OP_FREE, 0));
}

void
gw_native_media_add_peer(GwNativeMedia *media, guint peer, GwTransport *transport)
{
  Op *op = op_new(OP_ADD_PEER, peer);
  op->transport = transport;
  post(media, op);
}

void
gw_native_media_remove_peer(GwNativeMedia *media, guint peer)
{
  post(media, op_new(OP_REMOVE_PEER, peer));
}

void
gw_native_media_set_remote(GwNativeMedia *media, guint peer, const char *ufrag, const char *pwd,
                           const char *fingerprint, GwDtlsRole role)
{
  Op *op = op_new(OP_SET_REMOTE, peer);
  op->a = g_strdup(ufrag);
  op->b = g_strdup(pwd);
  op->c = g_strdup(fingerprint);
  op->role = role;
  post(media, op);
}

void
gw_native_media_add_candidate(GwNativeMedia *media, guint peer, const char *candidate)
{
  Op *op = op_new(OP_ADD_CANDIDATE, peer);
  op->a = g_strdup(candidate);
  post(media, op);
}

void
gw_native_media_set_twcc(GwNativeMedia *media, guint peer, guint ext_id)
{
  Op *op = op_new(OP_SET_TWCC, peer);
  op->pt = ext_id;
  post(media, op);
}

void
gw_native_media_set_input(GwNativeMedia *media, guint peer, guint mline, guint pt, guint rtx_pt,
                          guint clock_rate, gboolean video, guint32 ssrc, guint32 rtx_ssrc)
{
  Op *op = op_new(OP_SET_INPUT, peer);
  op->mline = mline;
  op->pt = pt;
  op->rtx_pt = rtx_pt;
  op->clock_rate = clock_rate;
  op->video = video;
  op->ssrc = ssrc;
  op->rtx_ssrc = rtx_ssrc;
  post(media, op);
}

void
gw_native_media_set_output(GwNativeMedia *media, guint peer, guint mline, guint pt, guint32 ssrc,
                           gboolean video, guint producer, guint producer_mline)
{
  Op *op = op_new(OP_SET_OUTPUT, peer);
  op->mline = mline;
  op->pt = pt;
  op->ssrc = ssrc;
  op->video = video;
  op->producer = producer;
  op->producer_mline = producer_mline;
  post(media, op);
}

gboolean
gw_native_media_get_quality(GwNativeMedia *media, guint peer, GwNativeQuality *out)
{
  memset(out, 0, sizeof *out);
  g_mutex_lock(&media->quality_lock);
  Peer *p = g_hash_table_lookup(media->peers, GUINT_TO_POINTER(peer));
  if (p)
    *out = p->snapshot;
  g_mutex_unlock(&media->quality_lock);
  return p != NULL;
}
