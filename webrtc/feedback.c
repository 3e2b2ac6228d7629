/* SPDX-License-Identifier: Apache-2.0 */
/* Receiver feedback through the gateway: NACK answers and REMB caps (see feedback.h). */
#include "webrtc/feedback.h"
#include "webrtc/direct.h"
#include "webrtc/isolate.h"

#include <gst/rtp/rtp.h>
#include <string.h>

/*
 * Why this exists: webrtcbin 1.22 answers a NACK with RTX on an SSRC it never
 * announced in the offer (a=ssrc-group:FID is written only once media flowed,
 * and the RTX SSRC is drawn anew for every offer), and Chrome drops RTX on
 * unannounced SSRCs. So send m-lines towards browsers carry no RTX, and the
 * gateway answers a receiver's NACK by sending the original packet again from
 * the branch's history (isolate.c); Chrome takes that as the late packet.
 *
 * And each sender's congestion controller only hears about the gateway's
 * receive side (TWCC from this peer's webrtcbin), which sees a clean link even
 * when a receiver's link is full. The receiver's own TWCC feedback does reach
 * the gateway's session towards it (twcc-stats after every feedback packet:
 * loss, received bitrate; summed here, one packet's window is too small), so
 * every 500 ms the room estimates each receiver's link from it (loss-based, as
 * in Google congestion control: cut to a little under what arrived when more
 * than 20 % is lost in two windows of a second in a row, grow 16 % a second
 * below 2 %; GCC cuts at 10 %, but the loss summed from twcc-stats runs at
 * about twice the random loss nft applies, so 10 % random loss would look like
 * congestion; once a link is limited, 10 % as in GCC), and while a receiver's
 * link is limited, resends towards it get an eighth of its estimate (a NACK
 * storm on a full link only fills it more) and the REMB leaves room for them,
 * and each sender gets a REMB with
 * the lowest estimate among the receivers of its video. Chrome caps its send
 * rate at a received REMB, with or without goog-remb negotiated.
 */

#define FEEDBACK_MAX_NACKED 2048 /* sequence numbers answered per NACK packet (newest) */
#define FEEDBACK_REMB_SSRCS 4
#define FEEDBACK_NEAR_CAPACITY_BPS_PER_S 20000.0 /* growth near a known capacity */
#define FEEDBACK_SRTP_WINDOW 1024                /* packets: more than a branch keeps (isolate.c) */
#define FEEDBACK_SLOW_BPS 500000  /* a REMB below this: the sender paces keyframes slowly */
#define FEEDBACK_FAST_BPS 700000  /* and above this (or none) again: it no longer does */
#define FEEDBACK_SLOW_WAIT_MS 1000 /* the video jitter buffer's wait meanwhile */
#define FEEDBACK_TWCC_INTERVAL_MS 100 /* transport-wide feedback: as often as Chrome's */

typedef struct {
  GMutex lock;
  GstElement *webrtc;  /* the peer's (not a reference: this lives on it) */
  GPtrArray *branches; /* GwIsolate* into this peer (references), for NACKs */
  GObject *session;    /* RTPSession of bundle session 0 (reference) */
  GstElement *session_element; /* its rtpsession element, for twcc-stats (reference) */
  gulong feedback_id, sending_id, stats_id;
  guint32 sender_ssrc;

  /* this peer as a receiver: TWCC feedback summed since the last tick (under lock) */
  guint64 fb_sent, fb_received;
  double fb_rate_sum; /* bitrate-recv weighted by packets received */
  double fb_sent_rate_sum; /* bitrate-sent weighted by packets sent */

  /* this peer as a sender: the REMB it gets (under lock) */
  gboolean remb_active;
  guint remb_bps;
  guint32 remb_ssrcs[FEEDBACK_REMB_SSRCS];
  guint n_remb_ssrcs;
  gboolean slow_sender; /* held low by a REMB: its video waits longer (control thread) */

  /* this peer as a receiver (control thread) */
  guint estimate_bps; /* 0: no limit seen */
  guint capacity_bps; /* what arrived at the last cut for congestion; 0: none known */
  double last_loss_pct; /* of the window before */
  gint64 last_tick_us;
  guint64 nack_packets, nacked, resent;
  guint64 resent_bytes; /* by its branches, at the last tick */
  guint64 logged_nacked;
  guint logged_misses; /* under lock */

  /* quality samples (control thread) */
  guint64 sampled_bytes; /* sent to this peer, at the last sample */
  gint64 sampled_us;     /* the last sample, or when the RTP session was hooked */
} PeerFeedback;

#define PEER_FEEDBACK_KEY "gw-feedback"

guint
gw_feedback_next_estimate(guint previous_bps, double previous_loss_pct, double loss_pct,
                          guint received_bps, double elapsed_s, guint max_bps)
{
  /* Two windows in a row: one alone is too often a burst of random loss;
   * one is enough when most packets are lost (a policer or a full queue). */
  gboolean congested = loss_pct > FEEDBACK_CONGESTED_PCT &&
                       (previous_loss_pct > FEEDBACK_CONGESTED_PCT || loss_pct > 50.0);
  /* Once the link is known to be limited, GCC's own threshold: probing up
   * past a policer shows as 10-20 % loss, which would otherwise hold. */
  if (previous_bps != 0 && loss_pct > 10.0)
    congested = TRUE;
  if (congested && received_bps > 0) {
    /* What arrived is what the link carries (a policer or a full queue):
     * a little under it. GCC's (1 - loss/2) cuts far below that at high loss. */
    double cut = received_bps * MAX(0.85, 1.0 - 0.5 * loss_pct / 100.0);
    guint next = (guint)MAX(cut, (double)FEEDBACK_MIN_BPS);
    return previous_bps == 0 || next < previous_bps ? next : previous_bps;
  }
  if (loss_pct < 2.0 && previous_bps != 0) {
    double grown = previous_bps * (1.0 + 0.16 * CLAMP(elapsed_s, 0.0, 2.0));
    return grown >= max_bps ? 0 : (guint)grown;
  }
  return previous_bps;
}

guint
gw_feedback_near_capacity(guint previous_bps, guint next_bps, gboolean congested,
                          guint received_bps, double elapsed_s, guint *capacity_bps)
{
  if (congested && next_bps != 0 && (previous_bps == 0 || next_bps < previous_bps)) {
    if (received_bps > 0)
      *capacity_bps = received_bps;
    return next_bps;
  }
  guint capacity = *capacity_bps;
  if (capacity == 0 || previous_bps == 0 || (next_bps != 0 && next_bps <= previous_bps))
    return next_bps;
  /* Growing (or grown past the maximum: 0) with a capacity in mind. */
  guint ceiling = (guint)(capacity * 0.9);
  double grown = next_bps ? next_bps : G_MAXUINT;
  if (previous_bps < ceiling)
    grown = MIN(grown, ceiling);
  else
    grown = MIN(grown, previous_bps + FEEDBACK_NEAR_CAPACITY_BPS_PER_S * CLAMP(elapsed_s, 0.0, 2.0));
  if (grown > capacity * 1.3)
    *capacity_bps = 0;
  return (guint)grown;
}

/* ---- NACK: answered from the branch's history ---- */

static void add_twcc_stats(PeerFeedback *pf, guint sent, guint received, guint rate,
                           guint sent_rate);

/* Transport-wide feedback about packets that left past the RTP session
 * (direct.c), which sees none of them. */
static void
on_direct_twcc(PeerFeedback *pf, GstBuffer *fci)
{
  GstMapInfo map;
  if (!gst_buffer_map(fci, &map, GST_MAP_READ))
    return;
  GwDirectFeedback fb;
  if (gw_direct_twcc_feedback(pf->webrtc, map.data, map.size, &fb))
    add_twcc_stats(pf, fb.sent, fb.received, fb.bitrate_recv, fb.bitrate_sent);
  gst_buffer_unmap(fci, &map);
}

/* The branch into this peer carrying @ssrc (a reference), or NULL. */
static GwIsolate *
branch_of(PeerFeedback *pf, guint32 ssrc)
{
  GwIsolate *found = NULL;
  g_mutex_lock(&pf->lock);
  for (guint i = 0; i < pf->branches->len && !found; i++) {
    GwIsolate *iso = g_ptr_array_index(pf->branches, i);
    guint32 branch_ssrc;
    if (gw_isolate_get_ssrc(iso, &branch_ssrc) && branch_ssrc == ssrc)
      found = gst_object_ref(iso);
  }
  g_mutex_unlock(&pf->lock);
  return found;
}

/* A keyframe request (PLI, or FIR with the SSRC in its FCI) about a stream that
 * left directly: the RTP session acts only on requests about streams it sent
 * itself, so it goes to the stream's sender from here, as the session would
 * send it (the producer's tee limits how often). */
static void
ask_keyframe_of(PeerFeedback *pf, guint32 ssrc)
{
  GwIsolate *branch = branch_of(pf, ssrc);
  if (branch) {
    gw_isolate_ask_keyframe(branch);
    gst_object_unref(branch);
  }
}

static void
on_direct_keyframe_request(PeerFeedback *pf, guint fbtype, guint32 media_ssrc, GstBuffer *fci)
{
  if (fbtype == GST_RTCP_PSFB_TYPE_PLI) {
    ask_keyframe_of(pf, media_ssrc);
    return;
  }
  /* FIR (RFC 5104 4.3.1.1): entries of an SSRC, a sequence number and 3 reserved bytes. */
  GstMapInfo map;
  if (!fci || !gst_buffer_map(fci, &map, GST_MAP_READ))
    return;
  for (gsize at = 0; at + 8 <= map.size && at < 8 * FEEDBACK_REMB_SSRCS; at += 8)
    ask_keyframe_of(pf, GST_READ_UINT32_BE(map.data + at));
  gst_buffer_unmap(fci, &map);
}

static void
on_feedback_rtcp(GObject *session, guint type, guint fbtype, guint sender_ssrc, guint media_ssrc,
                 GstBuffer *fci, PeerFeedback *pf)
{
  if (type == GST_RTCP_TYPE_RTPFB && fbtype == GST_RTCP_RTPFB_TYPE_TWCC && fci)
    on_direct_twcc(pf, fci);
  if (type == GST_RTCP_TYPE_PSFB &&
      (fbtype == GST_RTCP_PSFB_TYPE_PLI || fbtype == GST_RTCP_PSFB_TYPE_FIR) &&
      gw_direct_active(pf->webrtc))
    on_direct_keyframe_request(pf, fbtype, media_ssrc, fci);
  if (type != GST_RTCP_TYPE_RTPFB || fbtype != GST_RTCP_RTPFB_TYPE_NACK || !fci)
    return;
  GstMapInfo map;
  if (!gst_buffer_map(fci, &map, GST_MAP_READ))
    return;
  guint16 seqnums[FEEDBACK_MAX_NACKED];
  guint n = 0;
  /* Each FCI entry: a lost packet id and a bitmask of the 16 after it (RFC
   * 4585 6.2.1). Read newest first (Chrome lists them oldest first): after a
   * burst of loss a NACK lists hundreds of old packets before the few of the
   * keyframe that would end the freeze, and those must not be cut off, nor
   * wait behind the old ones for the resend budget. */
  for (gsize end = map.size - map.size % 4; end >= 4 && n < FEEDBACK_MAX_NACKED; end -= 4) {
    guint16 pid = GST_READ_UINT16_BE(map.data + end - 4);
    guint16 blp = GST_READ_UINT16_BE(map.data + end - 2);
    for (guint bit = 16; bit-- > 0 && n < FEEDBACK_MAX_NACKED;) {
      if (blp & (1u << bit))
        seqnums[n++] = (guint16)(pid + bit + 1);
    }
    if (n < FEEDBACK_MAX_NACKED)
      seqnums[n++] = pid;
  }
  gst_buffer_unmap(fci, &map);

  GwIsolate *target = branch_of(pf, media_ssrc);
  g_mutex_lock(&pf->lock);
  pf->nack_packets++;
  pf->nacked += n;
  g_mutex_unlock(&pf->lock);
  if (!target)
    return;
  guint resent = gw_isolate_resend(target, seqnums, n);
  g_mutex_lock(&pf->lock);
  pf->resent += resent;
  gboolean log_miss = resent == 0 && pf->logged_misses < 10;
  if (log_miss)
    pf->logged_misses++;
  g_mutex_unlock(&pf->lock);
  if (log_miss) {
    guint16 newest = 0;
    gw_isolate_get_newest(GW_ISOLATE(target), &newest);
    g_autofree char *why = gw_isolate_describe_misses(GW_ISOLATE(target));
    g_debug("NACK for ssrc %08x seq %u (+%u more) not resent; newest passed %u; so far: %s",
            media_ssrc, seqnums[0], n - 1, newest, why);
  }
  gst_object_unref(target);
}

/* SRTP (libsrtp) refuses to protect a sequence number twice unless told, and
 * one older than its replay window (128 packets) at all: every srtpenc in the
 * room may repeat (the same packet, so the same payload under the same
 * keystream: nothing new for an eavesdropper) within a window that covers
 * the branch history. Set when the element appears, before its SRTP session
 * exists. */
static void
allow_repeat(GstElement *element)
{
  if (gw_media_element_is(element, "srtpenc")) {
    g_object_set(element, "allow-repeat-tx", TRUE, "replay-window-size", FEEDBACK_SRTP_WINDOW,
                 NULL);
    g_debug("%s may send a packet twice (NACK answers)", GST_OBJECT_NAME(element));
  }
}

void
gw_feedback_watch_pipeline(GstElement *pipeline)
{
  gw_media_watch_added(pipeline, allow_repeat);
}

/* ---- REMB: appended to the RTCP this peer's session sends its browser ---- */

static gboolean
on_sending_rtcp(GObject *session, GstBuffer *buffer, gboolean early, PeerFeedback *pf)
{
  g_mutex_lock(&pf->lock);
  gboolean active = pf->remb_active;
  guint bps = pf->remb_bps;
  guint n = pf->n_remb_ssrcs;
  guint32 ssrcs[FEEDBACK_REMB_SSRCS];
  memcpy(ssrcs, pf->remb_ssrcs, sizeof ssrcs);
  guint32 sender = pf->sender_ssrc;
  g_mutex_unlock(&pf->lock);
  if (!active)
    return FALSE;

  /* The bitrate as an 18-bit mantissa and a 6-bit exponent. */
  guint exp = 0;
  guint64 mantissa = bps;
  while (mantissa > 0x3ffff) {
    mantissa >>= 1;
    exp++;
  }
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  if (!gst_rtcp_buffer_map(buffer, GST_MAP_READWRITE, &rtcp))
    return FALSE;
  gboolean added = FALSE;
  GstRTCPPacket packet;
  if (gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_PSFB, &packet)) {
    gst_rtcp_packet_fb_set_type(&packet, GST_RTCP_PSFB_TYPE_AFB);
    gst_rtcp_packet_fb_set_sender_ssrc(&packet, sender);
    gst_rtcp_packet_fb_set_media_ssrc(&packet, 0);
    if (gst_rtcp_packet_fb_set_fci_length(&packet, (guint16)(2 + n))) {
      guint8 *fci = gst_rtcp_packet_fb_get_fci(&packet);
      memcpy(fci, "REMB", 4);
      fci[4] = (guint8)n;
      fci[5] = (guint8)((exp << 2) | ((mantissa >> 16) & 0x3));
      fci[6] = (guint8)(mantissa >> 8);
      fci[7] = (guint8)mantissa;
      for (guint i = 0; i < n; i++)
        GST_WRITE_UINT32_BE(fci + 8 + 4 * i, ssrcs[i]);
      added = TRUE;
    } else {
      gst_rtcp_packet_remove(&packet);
    }
  }
  gst_rtcp_buffer_unmap(&rtcp);
  return added;
}

/* ---- TWCC feedback from this peer's browser, after each feedback packet ---- */

static void
add_twcc_stats(PeerFeedback *pf, guint sent, guint received, guint rate, guint sent_rate)
{
  g_mutex_lock(&pf->lock);
  pf->fb_sent += sent;
  pf->fb_received += received;
  pf->fb_rate_sum += (double)rate * received;
  pf->fb_sent_rate_sum += (double)sent_rate * sent;
  g_mutex_unlock(&pf->lock);
}

static void
on_twcc_stats(GObject *element, GParamSpec *pspec, PeerFeedback *pf)
{
  if (gw_direct_active(pf->webrtc))
    return; /* the session sent nothing: on_direct_twcc */
  GstStructure *stats = NULL;
  g_object_get(element, "twcc-stats", &stats, NULL);
  if (!stats)
    return;
  guint sent = 0, received = 0, rate = 0, sent_rate = 0;
  if (gst_structure_get(stats, "packets-sent", G_TYPE_UINT, &sent, "packets-recv", G_TYPE_UINT,
                        &received, "bitrate-recv", G_TYPE_UINT, &rate, NULL) &&
      received <= sent) {
    gst_structure_get_uint(stats, "bitrate-sent", &sent_rate);
    add_twcc_stats(pf, sent, received, rate, sent_rate);
  }
  gst_structure_free(stats);
}

/* ---- per-peer state, on the peer's webrtcbin ---- */

static void
peer_feedback_free(gpointer p)
{
  PeerFeedback *pf = p;
  if (pf->session) {
    g_signal_handler_disconnect(pf->session, pf->feedback_id);
    g_signal_handler_disconnect(pf->session, pf->sending_id);
    g_signal_handler_disconnect(pf->session_element, pf->stats_id);
    g_object_unref(pf->session);
  }
  gst_clear_object(&pf->session_element);
  g_ptr_array_unref(pf->branches);
  g_mutex_clear(&pf->lock);
  g_free(pf);
}

/* The peer's feedback state; its RTP session is hooked once webrtcbin made it
 * (after the first negotiation). Control thread. */
static PeerFeedback *
peer_feedback(GwPeer *peer)
{
  PeerFeedback *pf = g_object_get_data(G_OBJECT(peer->webrtc), PEER_FEEDBACK_KEY);
  if (!pf) {
    pf = g_new0(PeerFeedback, 1);
    g_mutex_init(&pf->lock);
    pf->webrtc = peer->webrtc;
    pf->branches = g_ptr_array_new_with_free_func(gst_object_unref);
    g_object_set_data_full(G_OBJECT(peer->webrtc), PEER_FEEDBACK_KEY, pf, peer_feedback_free);
  }
  if (pf->session)
    return pf;
  g_autoptr(GstElement) rtpbin = gst_bin_get_by_name(GST_BIN(peer->webrtc), "rtpbin");
  if (!rtpbin)
    return pf;
  GObject *session = NULL;
  GstElement *element = NULL;
  g_signal_emit_by_name(rtpbin, "get-internal-session", 0u, &session);
  g_signal_emit_by_name(rtpbin, "get-session", 0u, &element);
  if (!session || !element) {
    g_clear_object(&session);
    gst_clear_object(&element);
    return pf;
  }
  pf->session = session;
  pf->session_element = element;
  /* rtpsession writes transport-wide feedback at the end of every frame by
   * default, each one asking for an early RTCP packet; with one always
   * pending, the regular packets (report blocks: the browser's round trip and
   * loss) went out once in ~20 s. Every 100 ms leaves room for them. */
  g_object_set(session, "twcc-feedback-interval", (guint64)FEEDBACK_TWCC_INTERVAL_MS * GST_MSECOND,
               NULL);
  pf->sampled_us = g_get_monotonic_time(); /* the first quality sample's kbit/s counts from here */
  g_object_get(session, "internal-ssrc", &pf->sender_ssrc, NULL);
  pf->feedback_id =
      g_signal_connect(session, "on-feedback-rtcp", G_CALLBACK(on_feedback_rtcp), pf);
  pf->sending_id = g_signal_connect(session, "on-sending-rtcp", G_CALLBACK(on_sending_rtcp), pf);
  pf->stats_id =
      g_signal_connect(element, "notify::twcc-stats", G_CALLBACK(on_twcc_stats), pf);
  GW_MEDIA_LOG(G_LOG_LEVEL_DEBUG, peer->room, peer->id, "feedback hooked to the RTP session");
  return pf;
}

#define RTCP_FIXED_16_16_TO_MS(v) ((double)(v)*1000.0 / 65536.0)

gboolean
gw_feedback_sample_quality(GwPeer *peer, GwMediaQuality *quality)
{
  PeerFeedback *pf = peer_feedback(peer);
  if (!pf->session)
    return FALSE;
  g_autoptr(GstStructure) stats = NULL;
  g_object_get(pf->session, "stats", &stats, NULL);
  const GValue *value = stats ? gst_structure_get_value(stats, "source-stats") : NULL;
  /* A GValueArray (deprecated in GLib, still what rtpsession 1.22 returns). */
  if (!value || !G_VALUE_HOLDS_BOXED(value) ||
      !g_str_equal(G_VALUE_TYPE_NAME(value), "GValueArray"))
    return FALSE;

  /* What the gateway sends this peer goes out from the session's internal
   * sources; the peer's receiver reports land on its own (remote) sources,
   * which keep the last report block about us: round trip and loss. */
  const GValueArray *sources = g_value_get_boxed(value);
  guint64 bytes = 0;
  guint reports = 0;
  double rtt_ms = -1, lost = 0;
  for (guint i = 0; sources && i < sources->n_values; i++) {
    const GstStructure *s = gst_value_get_structure(&sources->values[i]);
    gboolean internal = FALSE, have_rb = FALSE;
    guint64 octets = 0;
    guint rtt = 0, fraction = 0;
    gst_structure_get(s, "internal", G_TYPE_BOOLEAN, &internal, NULL);
    if (internal) {
      if (gst_structure_get(s, "octets-sent", G_TYPE_UINT64, &octets, NULL))
        bytes += octets;
      continue;
    }
    if (!gst_structure_get(s, "have-rb", G_TYPE_BOOLEAN, &have_rb, NULL) || !have_rb ||
        !gst_structure_get(s, "rb-round-trip", G_TYPE_UINT, &rtt, "rb-fractionlost", G_TYPE_UINT,
                           &fraction, NULL))
      continue;
    /* 0 is kept: on loopback a round trip rounds to 0 (units of 15 us); the only
     * other 0, a report before the browser had any sender report from us, is
     * limited to the first second or so of a call. */
    rtt_ms = MAX(rtt_ms, RTCP_FIXED_16_16_TO_MS(rtt));
    lost += fraction / 256.0;
    reports++;
  }

  /* ...or, past the session, directly (direct.c), with the reports about it. */
  GwDirectCounts direct;
  gw_direct_counts(peer->webrtc, &direct);
  bytes += direct.payload_bytes;
  reports += gw_direct_reports(peer->webrtc, &rtt_ms, &lost);

  gint64 now = g_get_monotonic_time();
  double seconds = pf->sampled_us > 0 ? (double)(now - pf->sampled_us) / G_USEC_PER_SEC : 0;
  quality->rtt_ms = rtt_ms;
  quality->loss_pct = reports > 0 ? 100.0 * lost / reports : -1;
  quality->kbps = seconds > 0 && bytes >= pf->sampled_bytes
                      ? (double)(bytes - pf->sampled_bytes) * 8 / 1000 / seconds
                      : 0;
  pf->sampled_bytes = bytes;
  pf->sampled_us = now;
  return TRUE;
}

void
gw_feedback_add_branch(GwPeer *consumer, GstElement *isolate)
{
  PeerFeedback *pf = peer_feedback(consumer);
  g_mutex_lock(&pf->lock);
  g_ptr_array_add(pf->branches, gst_object_ref(isolate));
  g_mutex_unlock(&pf->lock);
}

void
gw_feedback_remove_branch(GwPeer *consumer, GstElement *isolate)
{
  PeerFeedback *pf = g_object_get_data(G_OBJECT(consumer->webrtc), PEER_FEEDBACK_KEY);
  if (!pf)
    return;
  g_mutex_lock(&pf->lock);
  g_ptr_array_remove(pf->branches, isolate);
  g_mutex_unlock(&pf->lock);
  guint64 resent, missed;
  gw_isolate_get_resent(GW_ISOLATE(isolate), &resent, &missed);
  g_autofree char *why = gw_isolate_describe_misses(GW_ISOLATE(isolate));
  if (resent || missed)
    GW_MEDIA_LOG(G_LOG_LEVEL_INFO, consumer->room, consumer->id,
                 "branch closed: resent %" G_GUINT64_FORMAT " NACKed packets, could not resend %" G_GUINT64_FORMAT
                 "; NACKs left unanswered, by reason (some on purpose): %s",
                 resent, missed, why);
}

/* ---- the room's tick: estimate every receiver's link, cap every sender ---- */

static void
update_estimate(GwMediaRoom *room, GwPeer *peer, PeerFeedback *pf, gint64 now)
{
  g_mutex_lock(&pf->lock);
  guint64 sent = pf->fb_sent, received = pf->fb_received;
  double rate_sum = pf->fb_rate_sum, sent_rate_sum = pf->fb_sent_rate_sum;
  guint64 nack_packets = pf->nack_packets, nacked = pf->nacked, resent = pf->resent;
  /* Too few packets or too short a time for a loss figure: keep summing. */
  gboolean enough = sent >= FEEDBACK_MIN_PACKETS && now - pf->last_tick_us >= FEEDBACK_MIN_WINDOW_US;
  if (enough) {
    pf->fb_sent = pf->fb_received = 0;
    pf->fb_rate_sum = pf->fb_sent_rate_sum = 0.0;
  }
  g_mutex_unlock(&pf->lock);
  gboolean nacks_changed = nacked != pf->logged_nacked;
  if (nacks_changed) {
    GW_MEDIA_LOG(G_LOG_LEVEL_DEBUG, room, peer->id,
                 "NACKs from it so far: %" G_GUINT64_FORMAT " packets asking for %" G_GUINT64_FORMAT
                 ", %" G_GUINT64_FORMAT " resent",
                 nack_packets, nacked, resent);
    pf->logged_nacked = nacked;
  }
  if (!enough)
    return;
  double elapsed = pf->last_tick_us ? (now - pf->last_tick_us) / 1e6 : 0.0;
  pf->last_tick_us = now;
  double loss = 100.0 * (double)(sent - received) / (double)sent;
  guint received_bps = received ? (guint)(rate_sum / (double)received) : 0;
  /* bitrate-recv is taken over a few packets' arrival times and reads high
   * on a policed link (1.4 Mbit/s "arrived" through a 0.4 Mbit/s limit): what
   * was sent times the share that arrived is the steadier figure. */
  if (sent_rate_sum > 0.0) {
    guint delivered_bps = (guint)(sent_rate_sum / (double)sent * (double)received / (double)sent);
    if (received_bps == 0 || delivered_bps < received_bps)
      received_bps = delivered_bps;
  }
  guint max_bps = (room->config->camera_max_kbps + room->config->screen_max_kbps) * 1000 +
                  FEEDBACK_AUDIO_BPS;
  guint before = pf->estimate_bps;
  guint next =
      gw_feedback_next_estimate(before, pf->last_loss_pct, loss, received_bps, elapsed, max_bps);
  pf->estimate_bps = gw_feedback_near_capacity(before, next, loss > 10.0, received_bps, elapsed,
                                               &pf->capacity_bps);
  pf->last_loss_pct = loss;
  /* Resends towards a limited link get what the link has left beside the
   * forwarded media (once the sender came down, that is what repairs the
   * picture), at least an eighth of it (the REMB leaves that room); on a link
   * losing most packets, before any limit is known, an eighth of what arrived:
   * a NACK storm only fills it more. On a link with no limit seen, at most half
   * the forwarded rate again: a link that suddenly narrows loses most packets,
   * Chrome asks for each again every few ms, and answering all of them (once
   * 6000 packets in a second) kept it full until the first estimate. */
  guint64 resent_bytes = 0;
  g_mutex_lock(&pf->lock);
  for (guint i = 0; i < pf->branches->len; i++) {
    GwIsolate *branch = g_ptr_array_index(pf->branches, i);
    resent_bytes += gw_isolate_get_resent_bytes(branch);
    if (nacks_changed && !g_log_writer_default_would_drop(G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN)) {
      g_autofree char *why = gw_isolate_describe_misses(branch);
      GW_MEDIA_LOG(G_LOG_LEVEL_DEBUG, room, peer->id, "%s: not resent so far: %s",
                   GST_OBJECT_NAME(branch), why);
    }
  }
  g_mutex_unlock(&pf->lock);
  double resent_bps = elapsed > 0.0 && resent_bytes >= pf->resent_bytes
                          ? (double)(resent_bytes - pf->resent_bytes) * 8.0 / elapsed
                          : 0.0;
  pf->resent_bytes = resent_bytes;
  double forwarded_bps = sent_rate_sum > 0.0 ? MAX(sent_rate_sum / (double)sent - resent_bps, 0.0) : 0.0;
  guint budget = 0;
  if (pf->estimate_bps)
    budget = (guint)MAX(pf->estimate_bps / 8.0, pf->estimate_bps * 0.9 - forwarded_bps) / 8;
  else if (loss > FEEDBACK_CONGESTED_PCT)
    budget = MAX(received_bps, 80000u) / 8 / 8;
  else
    budget = (guint)(MAX(forwarded_bps, (double)FEEDBACK_MIN_BPS) * FEEDBACK_RESEND_SHARE / 8);
  gboolean congested = loss > FEEDBACK_CONGESTED_PCT;
  GW_MEDIA_LOG(G_LOG_LEVEL_DEBUG, room, peer->id,
               "link towards it: %.1f %% lost of %" G_GUINT64_FORMAT " packets, %u kbit/s arrived, "
               "%.0f kbit/s forwarded, %.0f resent; estimate %u kbit/s, resend budget %u bytes/s",
               loss, sent, received_bps / 1000, forwarded_bps / 1000, resent_bps / 1000,
               pf->estimate_bps / 1000, budget);
  g_mutex_lock(&pf->lock);
  for (guint i = 0; i < pf->branches->len; i++) {
    gw_isolate_set_resend_budget(g_ptr_array_index(pf->branches, i), budget);
    gw_isolate_set_congested(g_ptr_array_index(pf->branches, i), congested);
  }
  g_mutex_unlock(&pf->lock);
  if ((before == 0) != (pf->estimate_bps == 0) ||
      (before != 0 && (pf->estimate_bps > before * 1.25 || pf->estimate_bps < before * 0.8)))
    GW_MEDIA_LOG(G_LOG_LEVEL_INFO, room, peer->id,
                 "link towards it: %.1f %% lost of %" G_GUINT64_FORMAT
                 " packets, %u kbit/s arrived; estimate %s%u kbit/s",
                 loss, sent, received_bps / 1000, pf->estimate_bps ? "" : "unlimited, was ",
                 (pf->estimate_bps ? pf->estimate_bps : before) / 1000);
}

static gboolean
is_video_branch(GwSlot *slot)
{
  return slot->direction == GW_TRACK_CLIENT_RECEIVES && slot->source != GW_MEDIA_SOURCE_AUDIO &&
         slot->isolate != NULL && slot->producer_id != NULL;
}

/*
 * A sender held to a few hundred kbit/s paces a keyframe out over most of a
 * second, and the frames behind it reach the gateway that late: with the
 * usual wait (media.video_jitterbuffer_ms, 200 by default) its video jitter
 * buffers gave them up and made holes no resend fills, and the receiver froze
 * until the next keyframe (4-8 s under a 400 kbit/s limit). A long wait for
 * every sender would hold video behind every packet lost for good on a
 * sender's own link. So only while the gateway itself holds a sender below
 * FEEDBACK_SLOW_BPS do its video jitter buffers wait FEEDBACK_SLOW_WAIT_MS
 * (in-order packets still pass at once); the usual wait comes back once the
 * REMB rises above FEEDBACK_FAST_BPS or goes. Checked every tick, so a stream
 * that starts meanwhile (a screen share) gets the wait as well. Only with
 * media.video_jitterbuffer on: by default video has no jitter buffer (lean.c),
 * forwards late packets whenever they come, and nothing here applies.
 */
static void
set_video_wait(GwPeer *producer, const guint32 *ssrcs, guint n, guint wait_ms)
{
  g_autoptr(GstElement) rtpbin = gst_bin_get_by_name(GST_BIN(producer->webrtc), "rtpbin");
  if (!rtpbin || n == 0)
    return;
  g_autoptr(GstIterator) it = gst_bin_iterate_elements(GST_BIN(rtpbin));
  GValue item = G_VALUE_INIT;
  gboolean done = FALSE;
  while (!done) {
    switch (gst_iterator_next(it, &item)) {
    case GST_ITERATOR_OK: {
      GstElement *element = g_value_get_object(&item);
      GstElementFactory *factory = gst_element_get_factory(element);
      guint ssrc = 0, latency = 0;
      if (factory && g_strcmp0(GST_OBJECT_NAME(factory), "rtpjitterbuffer") == 0) {
        g_autoptr(GstPad) sink = gst_element_get_static_pad(element, "sink");
        g_autoptr(GstCaps) caps = sink ? gst_pad_get_current_caps(sink) : NULL;
        if (caps && gst_caps_get_size(caps) > 0 &&
            gst_structure_get_uint(gst_caps_get_structure(caps, 0), "ssrc", &ssrc)) {
          for (guint i = 0; i < n; i++) {
            if (ssrcs[i] != ssrc)
              continue;
            g_object_get(element, "latency", &latency, NULL);
            if (latency != wait_ms) {
              g_object_set(element, "latency", wait_ms, NULL);
              GW_MEDIA_LOG(G_LOG_LEVEL_DEBUG, producer->room, producer->id,
                           "video %08x waits %u ms for a missing packet (was %u)", ssrc, wait_ms,
                           latency);
            }
          }
        }
      }
      g_value_reset(&item);
      break;
    }
    case GST_ITERATOR_RESYNC:
      gst_iterator_resync(it);
      break;
    default:
      done = TRUE;
      break;
    }
  }
  g_value_unset(&item);
}

static void
update_cap(GwMediaRoom *room, GwPeer *producer, PeerFeedback *pf)
{
  guint cap = G_MAXUINT;
  for (guint p = 0; p < room->order->len; p++) {
    GwPeer *consumer = g_ptr_array_index(room->order, p);
    PeerFeedback *cf = g_object_get_data(G_OBJECT(consumer->webrtc), PEER_FEEDBACK_KEY);
    if (consumer == producer || !cf || cf->estimate_bps == 0)
      continue;
    /* The consumer's link is shared by every video stream it receives. */
    guint from_producer = 0, total = 0;
    for (guint i = 0; i < consumer->slots->len; i++) {
      GwSlot *slot = g_ptr_array_index(consumer->slots, i);
      if (!is_video_branch(slot))
        continue;
      total++;
      if (g_strcmp0(slot->producer_id, producer->id) == 0)
        from_producer++;
    }
    if (from_producer == 0)
      continue;
    /* A REMB caps the sender's total: its audio plus its share of the video. */
    double share = cf->estimate_bps > FEEDBACK_AUDIO_BPS
                       ? (double)(cf->estimate_bps - FEEDBACK_AUDIO_BPS) * from_producer / total
                       : 0.0;
    /* Less the room left for resends (an eighth) and packet overhead. */
    cap = MIN(cap, (guint)MAX((share + FEEDBACK_AUDIO_BPS) * 0.8, (double)FEEDBACK_MIN_BPS));
  }

  guint32 ssrcs[FEEDBACK_REMB_SSRCS];
  guint n = 0;
  for (guint i = 0; i < producer->slots->len && n < FEEDBACK_REMB_SSRCS; i++) {
    GwSlot *slot = g_ptr_array_index(producer->slots, i);
    if (slot->direction != GW_TRACK_CLIENT_SENDS || slot->source == GW_MEDIA_SOURCE_AUDIO ||
        !slot->tee)
      continue;
    g_autoptr(GstPad) sink = gst_element_get_static_pad(slot->tee, "sink");
    g_autoptr(GstCaps) caps = gst_pad_get_current_caps(sink);
    guint ssrc;
    if (caps && gst_caps_get_size(caps) > 0 &&
        gst_structure_get_uint(gst_caps_get_structure(caps, 0), "ssrc", &ssrc))
      ssrcs[n++] = ssrc;
  }

  g_mutex_lock(&pf->lock);
  gboolean was_active = pf->remb_active;
  guint before = pf->remb_bps;
  if (cap != G_MAXUINT) {
    pf->remb_active = TRUE;
    pf->remb_bps = cap;
  } else if (pf->remb_active) {
    pf->remb_bps = FEEDBACK_UNLIMITED_BPS; /* Chrome keeps the last REMB's cap: lift it */
  }
  memcpy(pf->remb_ssrcs, ssrcs, sizeof ssrcs);
  pf->n_remb_ssrcs = n;
  guint now_bps = pf->remb_bps;
  g_mutex_unlock(&pf->lock);
  if (pf->remb_active &&
      (!was_active || now_bps > before * 1.25 || now_bps < before * 0.8))
    GW_MEDIA_LOG(G_LOG_LEVEL_INFO, room, producer->id, "REMB to the sender: %u kbit/s%s",
                 now_bps / 1000, now_bps == FEEDBACK_UNLIMITED_BPS ? " (no limit)" : "");

  /* Without video jitter buffers (media.video_jitterbuffer off) nothing gives up a late packet. */
  gboolean slow = room->config->video_jitterbuffer && pf->remb_active &&
                  now_bps < (pf->slow_sender ? FEEDBACK_FAST_BPS : FEEDBACK_SLOW_BPS);
  guint wait_ms = slow ? MAX(room->config->video_jitterbuffer_ms, FEEDBACK_SLOW_WAIT_MS)
                       : room->config->video_jitterbuffer_ms;
  if (slow != pf->slow_sender)
    GW_MEDIA_LOG(G_LOG_LEVEL_INFO, room, producer->id,
                 "its video waits up to %u ms for a missing packet (%s)", wait_ms,
                 slow ? "it is held to a low bitrate" : "no longer held low");
  if (slow || pf->slow_sender)
    set_video_wait(producer, ssrcs, n, wait_ms);
  pf->slow_sender = slow;
}

static gboolean
feedback_tick(gpointer data)
{
  GwMediaRoom *room = data;
  if (gw_media_room_is_closed(room))
    return G_SOURCE_CONTINUE; /* gw_feedback_room_stop removes it */
  gint64 now = g_get_monotonic_time();
  for (guint p = 0; p < room->order->len; p++) {
    GwPeer *peer = g_ptr_array_index(room->order, p);
    PeerFeedback *pf = peer_feedback(peer);
    if (pf->session_element)
      update_estimate(room, peer, pf, now);
  }
  for (guint p = 0; p < room->order->len; p++) {
    GwPeer *peer = g_ptr_array_index(room->order, p);
    PeerFeedback *pf = peer_feedback(peer);
    if (pf->session)
      update_cap(room, peer, pf);
  }
  return G_SOURCE_CONTINUE;
}

void
gw_feedback_room_start(GwMediaRoom *room)
{
  if (room->feedback_timer)
    return;
  room->feedback_timer = g_timeout_source_new(FEEDBACK_TICK_MS);
  g_source_set_callback(room->feedback_timer, feedback_tick, room, NULL);
  g_source_attach(room->feedback_timer, room->context);
}

void
gw_feedback_room_stop(GwMediaRoom *room)
{
  if (!room->feedback_timer)
    return;
  g_source_destroy(room->feedback_timer);
  g_clear_pointer(&room->feedback_timer, g_source_unref);
}
