/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RTP to a browser leaves without webrtcbin's send path.
 *
 * webrtcbin sends a forwarded packet through its sink pad, the BUNDLE
 * rtpfunnel (which writes the transport-wide sequence number), the RTP
 * session (which counts it for sender reports and notes it for
 * transport-wide feedback), srtpenc, dtlssrtpenc's funnel and nicesink: about
 * twenty pad pushes, each with its locks, probes and type checks, and two
 * buffer copies. Here a probe on the sink pad does what those do to a packet
 * the gateway only forwards, as Janus does: it writes the transport-wide
 * sequence number, protects the packet with the SRTP key DTLS gave webrtcbin
 * (srtp.c), and hands it to the peer's libnice agent on the same thread. What the RTP session no
 * longer sees is done here too: the sender report of each stream (added to the RTCP the session
 * sends) and the send times and sizes transport-wide feedback is matched with (twcc.c), and the
 * browser's report blocks about these streams (quality samples); feedback.c turns its keyframe
 * requests into the upstream event the session would have sent. Everything else webrtcbin does
 * stays: ICE, DTLS, the RTCP it writes and reads (protected here as SRTCP both ways, below),
 * negotiation, and the events on the sink pad (caps carry the SSRC into offers).
 *
 * Written by hand: GStreamer's elements are the path this replaces, libnice
 * is used as it is; no library forwards SRTP between peers.
 *
 * A peer takes this path from its first packet or never: the first packet
 * comes once the isolate opens (the peer is connected, so DTLS gave its keys);
 * if webrtcbin is not as expected then (not one transport, keys not AES-CM),
 * every packet takes webrtcbin's path, whose sequence numbers would otherwise
 * mix with these.
 */
#include "webrtc/direct.h"

#include "webrtc/bytes.h"
#include "webrtc/media-room-private.h"
#include "webrtc/reports.h"
#include "webrtc/srtp.h"
#include "webrtc/twcc.h"

#include <agent.h>
#include <gst/rtp/rtp.h>
#include <stdatomic.h>
#include <string.h>

#define DIRECT_KEY "gw-direct"
#define DIRECT_MTU 1500
#define DIRECT_STREAMS 16 /* SSRCs sent to one peer; more are sent without a sender report */
#define DIRECT_REPORT_IDLE_US (5 * G_USEC_PER_SEC) /* no report for a stream idle this long */
#define DIRECT_REPORT_EVERY_US G_USEC_PER_SEC      /* sender reports in early RTCP, at most */
#define NTP_UNIX_OFFSET_S G_GUINT64_CONSTANT(2208988800)

/* srtpenc's cipher and auth enums (gstsrtpenums.h, not installed) */
enum { SRTP_ENUM_AES_128_ICM = 1 };
enum { SRTP_ENUM_HMAC_SHA1_32 = 1, SRTP_ENUM_HMAC_SHA1_80 = 2 };

typedef struct {
  guint32 ssrc;
  guint clock_rate;
  guint32 rtp_ts;  /* of the last packet sent */
  gint64 sent_us;  /* when it was sent (monotonic) */
  guint32 packets; /* sent, and payload octets sent (RFC 3550 6.4.1) */
  guint32 octets;
  gboolean have_rb; /* the browser's last report block about it: */
  guint8 fraction_lost;
  guint32 rtt; /* round trip, 1/65536 s */
} DirectStream;

typedef enum { DIRECT_UNDECIDED, DIRECT_ON, DIRECT_OFF } DirectState;

typedef struct {
  gint refs;
  GMutex lock; /* every producer's thread sends through one peer */
  GWeakRef webrtc;
  gint state; /* DirectState; g_atomic_int reads outside the lock */
  GwSrtp *srtp;
  NiceAgent *agent; /* reference */
  guint stream_id, component_id;
  GObject *session; /* the BUNDLE RTPSession (reference), for sender reports */
  gulong sending_id, receiving_id;
  guint16 twcc_seq;
  GwTwccHistory *history;
  gint64 reported_us; /* sender reports last went out (monotonic) */
  guint64 reports;    /* RTCP packets they went out in */
  DirectStream streams[DIRECT_STREAMS];
  guint n_streams;
  guint64 packets, bytes, payload_bytes, failed;
  guint64 too_large;
} Direct;

static atomic_uint_fast64_t total_packets;

guint64
gw_direct_total_packets(void)
{
  return atomic_load_explicit(&total_packets, memory_order_relaxed);
}

static Direct *
direct_ref(Direct *d)
{
  g_atomic_int_inc(&d->refs);
  return d;
}

static void
direct_unref(gpointer p)
{
  Direct *d = p;
  if (!g_atomic_int_dec_and_test(&d->refs))
    return;
  if (d->sending_id)
    g_signal_handler_disconnect(d->session, d->sending_id);
  if (d->receiving_id)
    g_signal_handler_disconnect(d->session, d->receiving_id);
  g_clear_object(&d->session);
  gw_srtp_free(d->srtp);
  g_clear_object(&d->agent);
  if (d->history)
    gw_twcc_history_free(d->history);
  g_weak_ref_clear(&d->webrtc);
  g_mutex_clear(&d->lock);
  g_free(d);
}

/* The peer's state (a reference), made on first use with @create. Set once and
 * dropped only when @webrtc goes, so a caller holding @webrtc may read it
 * without the lock: feedback.c asks for every feedback packet. */
static Direct *
direct_of(GstElement *webrtc, gboolean create)
{
  Direct *d = g_object_get_data(G_OBJECT(webrtc), DIRECT_KEY);
  if (d || !create)
    return d ? direct_ref(d) : NULL;
  static GMutex make_lock;
  g_mutex_lock(&make_lock);
  d = g_object_get_data(G_OBJECT(webrtc), DIRECT_KEY);
  if (!d) {
    d = g_new0(Direct, 1);
    d->refs = 1;
    g_mutex_init(&d->lock);
    g_weak_ref_init(&d->webrtc, webrtc);
    d->history = gw_twcc_history_new();
    g_object_set_data_full(G_OBJECT(webrtc), DIRECT_KEY, d, direct_unref);
  }
  direct_ref(d);
  g_mutex_unlock(&make_lock);
  return d;
}

/* ---- taking over from webrtcbin, at the first packet ---- */

/* The one element made by @factory inside @webrtc (a reference); NULL if none or several. */
static GstElement *
only_element(GstElement *webrtc, const char *factory)
{
  GstElement *found = NULL;
  guint n = 0;
  GstIterator *it = gst_bin_iterate_recurse(GST_BIN(webrtc));
  GValue item = G_VALUE_INIT;
  gboolean done = FALSE;
  while (!done) {
    switch (gst_iterator_next(it, &item)) {
    case GST_ITERATOR_OK: {
      GstElement *element = g_value_get_object(&item);
      if (gw_media_element_is(element, factory) && n++ == 0)
        found = gst_object_ref(element);
      g_value_reset(&item);
      break;
    }
    case GST_ITERATOR_RESYNC:
      gst_clear_object(&found);
      n = 0;
      gst_iterator_resync(it);
      break;
    default:
      done = TRUE;
    }
  }
  g_value_unset(&item);
  gst_iterator_free(it);
  if (n != 1)
    gst_clear_object(&found);
  return found;
}

/* An SRTP context with the key srtpenc got from DTLS, or NULL (why in @why). */
static GwSrtp *
srtp_from(GstElement *srtpenc, const char **why)
{
  GstBuffer *key = NULL;
  gint cipher = 0, auth = 0;
  gboolean random_key = TRUE;
  g_object_get(srtpenc, "key", &key, "rtp-cipher", &cipher, "rtp-auth", &auth, "random-key",
               &random_key, NULL);
  GwSrtp *srtp = NULL;
  GstMapInfo map;
  if (!key || random_key) {
    *why = "no key from DTLS yet";
  } else if (cipher != SRTP_ENUM_AES_128_ICM ||
             (auth != SRTP_ENUM_HMAC_SHA1_80 && auth != SRTP_ENUM_HMAC_SHA1_32)) {
    *why = "an SRTP profile other than AES-CM-128 with HMAC-SHA1";
  } else if (!gst_buffer_map(key, &map, GST_MAP_READ)) {
    *why = "an unreadable key";
  } else {
    srtp = gw_srtp_new(auth == SRTP_ENUM_HMAC_SHA1_80 ? GW_SRTP_AES_CM_128_HMAC_SHA1_80
                                                      : GW_SRTP_AES_CM_128_HMAC_SHA1_32,
                       map.data, map.size);
    if (!srtp)
      *why = "a key of the wrong length";
    gst_buffer_unmap(key, &map);
  }
  gst_clear_buffer(&key);
  return srtp;
}

static gboolean append_reports(GObject *session, GstBuffer *buffer, gboolean early, Direct *d);
static void read_reports(GObject *session, GstBuffer *buffer, Direct *d);
static guint64 ntp_now(void);

/* Under d->lock, at the peer's first packet. */
static void
decide(Direct *d)
{
  g_autoptr(GstElement) webrtc = g_weak_ref_get(&d->webrtc);
  const char *why = NULL;
  g_autoptr(GstElement) srtpenc = webrtc ? only_element(webrtc, "srtpenc") : NULL;
  g_autoptr(GstElement) nicesink = srtpenc ? only_element(webrtc, "nicesink") : NULL;
  g_autoptr(GstElement) rtpbin = nicesink ? gst_bin_get_by_name(GST_BIN(webrtc), "rtpbin") : NULL;
  if (!rtpbin) {
    why = "not one transport";
  } else {
    d->srtp = srtp_from(srtpenc, &why);
  }
  if (d->srtp) {
    g_object_get(nicesink, "agent", &d->agent, "stream", &d->stream_id, "component",
                 &d->component_id, NULL);
    g_signal_emit_by_name(rtpbin, "get-internal-session", 0u, &d->session);
    if (!d->agent || !d->session)
      why = "no ICE agent or RTP session";
  }
  if (why) {
    g_message("%s: packets take webrtcbin's path (%s)", webrtc ? GST_OBJECT_NAME(webrtc) : "?",
              why);
    g_atomic_int_set(&d->state, DIRECT_OFF);
    return;
  }
  d->sending_id = g_signal_connect(d->session, "on-sending-rtcp", G_CALLBACK(append_reports), d);
  d->receiving_id = g_signal_connect(d->session, "on-receiving-rtcp", G_CALLBACK(read_reports), d);
  g_debug("%s: packets leave directly (ICE stream %u)", GST_OBJECT_NAME(webrtc), d->stream_id);
  g_atomic_int_set(&d->state, DIRECT_ON);
}

static DirectState
state_of(Direct *d)
{
  return (DirectState)g_atomic_int_get(&d->state);
}

/* ---- one packet ---- */

/* Writes @seq into the one-byte header extension @id of the RTP packet
 * @pkt (@len bytes, header checked). Returns: FALSE if it has none. */
static gboolean
write_twcc(guint8 *pkt, gsize len, guint header_len, guint id, guint16 seq)
{
  if (!(pkt[0] & 0x10) || header_len + 4 > len)
    return FALSE;
  const guint8 *ext = pkt + header_len;
  if (gw_read16(ext) != 0xBEDE)
    return FALSE;
  gsize end = header_len + 4 + 4u * gw_read16(ext + 2);
  if (end > len)
    return FALSE;
  for (gsize at = header_len + 4; at < end;) {
    guint8 b = pkt[at];
    if (b == 0) { /* padding */
      at++;
      continue;
    }
    guint el_id = b >> 4, el_len = (b & 0x0f) + 1u;
    if (el_id == 15 || at + 1 + el_len > end)
      return FALSE;
    if (el_id == id && el_len == 2) {
      pkt[at + 1] = (guint8)(seq >> 8);
      pkt[at + 2] = (guint8)seq;
      return TRUE;
    }
    at += 1 + el_len;
  }
  return FALSE;
}

static DirectStream *
stream_of(Direct *d, guint32 ssrc, guint clock_rate)
{
  for (guint i = 0; i < d->n_streams; i++)
    if (d->streams[i].ssrc == ssrc)
      return &d->streams[i];
  DirectStream *s = NULL;
  if (d->n_streams < DIRECT_STREAMS) {
    s = &d->streams[d->n_streams++];
  } else {
    /* The longest idle one makes room (a departed participant's). */
    s = &d->streams[0];
    for (guint i = 1; i < d->n_streams; i++)
      if (d->streams[i].sent_us < s->sent_us)
        s = &d->streams[i];
  }
  memset(s, 0, sizeof *s);
  s->ssrc = ssrc;
  s->clock_rate = clock_rate;
  return s;
}

typedef struct {
  Direct *d; /* reference */
  guint twcc_id, clock_rate;
} SinkInfo;

static void
sink_info_free(gpointer p)
{
  SinkInfo *info = p;
  direct_unref(info->d);
  g_free(info);
}

/* Sends one packet; one that cannot be sent is dropped (and counted). */
static void
send_one(gpointer data, GstBuffer *buffer)
{
  SinkInfo *info = data;
  Direct *d = info->d;
  guint8 pkt[DIRECT_MTU + GW_SRTP_MAX_TAG];
  gsize len = gst_buffer_get_size(buffer);
  if (len < 12 || len > DIRECT_MTU) {
    g_mutex_lock(&d->lock);
    d->too_large++;
    g_mutex_unlock(&d->lock);
    return;
  }
  gst_buffer_extract(buffer, 0, pkt, len);
  guint header_len = 12 + 4u * (pkt[0] & 0x0f);
  if ((pkt[0] & 0xc0) != 0x80 || header_len > len)
    return;
  guint payload_len = (guint)len - header_len;
  if (pkt[0] & 0x10 && header_len + 4 <= len)
    payload_len -= MIN(payload_len, 4u + 4u * gw_read16(pkt + header_len + 2));
  guint32 ssrc = gw_read32(pkt + 8);
  guint32 rtp_ts = gw_read32(pkt + 4);
  gint64 now = g_get_monotonic_time();

  g_mutex_lock(&d->lock);
  gboolean numbered = write_twcc(pkt, len, header_len, info->twcc_id, d->twcc_seq);
  if (numbered)
    gw_twcc_history_add(d->history, d->twcc_seq++, (guint)len, now);
  gint out_len = (gint)gw_srtp_protect(d->srtp, pkt, len, sizeof pkt);
  gint sent = out_len > 0 ? nice_agent_send(d->agent, d->stream_id, d->component_id, (guint)out_len,
                                            (const gchar *)pkt)
                          : -1;
  if (sent == out_len) {
    DirectStream *s = stream_of(d, ssrc, info->clock_rate);
    s->rtp_ts = rtp_ts;
    s->sent_us = now;
    s->packets++;
    s->octets += payload_len;
    d->packets++;
    d->bytes += (guint64)out_len;
    d->payload_bytes += payload_len;
  } else {
    if (d->failed++ < 3)
      g_message(
          "direct: packet of ssrc %08x seq %u not sent (SRTP gave %d bytes, the socket took %d)",
          ssrc, gw_read16(pkt + 2), out_len, sent);
  }
  g_mutex_unlock(&d->lock);
  if (sent == out_len)
    atomic_fetch_add_explicit(&total_packets, 1, memory_order_relaxed);
}

/* @fn(@data, buffer) for the buffer in @probe, or each buffer of its list. */
static void
each_buffer(GstPadProbeInfo *probe, void (*fn)(gpointer data, GstBuffer *buffer), gpointer data)
{
  if (probe->type & GST_PAD_PROBE_TYPE_BUFFER) {
    fn(data, GST_PAD_PROBE_INFO_BUFFER(probe));
    return;
  }
  GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST(probe);
  for (guint i = 0, n = gst_buffer_list_length(list); i < n; i++)
    fn(data, gst_buffer_list_get(list, i));
}

static GstPadProbeReturn
on_sink_buffer(GstPad *pad, GstPadProbeInfo *probe, gpointer data)
{
  SinkInfo *info = data;
  Direct *d = info->d;
  DirectState state = state_of(d);
  if (state == DIRECT_UNDECIDED) {
    g_mutex_lock(&d->lock);
    if (d->state == DIRECT_UNDECIDED)
      decide(d);
    g_mutex_unlock(&d->lock);
    state = state_of(d);
  }
  if (state != DIRECT_ON)
    return GST_PAD_PROBE_REMOVE;
  each_buffer(probe, send_one, info);
  /* A packet that could not leave is lost on the way, as a full socket would
   * lose it; the peer stays up. */
  gst_mini_object_unref(GST_PAD_PROBE_INFO_DATA(probe));
  GST_PAD_PROBE_INFO_DATA(probe) = NULL;
  GST_PAD_PROBE_INFO_FLOW_RETURN(probe) = GST_FLOW_OK;
  return GST_PAD_PROBE_HANDLED;
}

void
gw_direct_watch_sink_pad(GstElement *webrtc, GstPad *sink_pad, guint twcc_id, guint clock_rate)
{
  SinkInfo *info = g_new0(SinkInfo, 1);
  info->d = direct_of(webrtc, TRUE);
  info->twcc_id = twcc_id;
  info->clock_rate = clock_rate;
  gst_pad_add_probe(sink_pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                    on_sink_buffer, info, sink_info_free);
}

/* ---- sender reports, with the RTCP the RTP session sends ---- */

/* The SSRC the first packet of an RTCP compound comes from: a report's, or a
 * feedback message's sender (a reduced-size compound may start with one). */
static guint32
first_sender(GstRTCPBuffer *rtcp)
{
  GstRTCPPacket packet;
  guint32 ssrc = 0;
  if (!gst_rtcp_buffer_get_first_packet(rtcp, &packet))
    return 0;
  switch (gst_rtcp_packet_get_type(&packet)) {
  case GST_RTCP_TYPE_RR:
    return gst_rtcp_packet_rr_get_ssrc(&packet);
  case GST_RTCP_TYPE_SR:
    gst_rtcp_packet_sr_get_sender_info(&packet, &ssrc, NULL, NULL, NULL, NULL);
    return ssrc;
  case GST_RTCP_TYPE_RTPFB:
  case GST_RTCP_TYPE_PSFB:
    return gst_rtcp_packet_fb_get_sender_ssrc(&packet);
  default:
    return 0;
  }
}

/* On the RTP session's RTCP thread. All reports go in one packet of the
 * session's own SSRC (the session makes one per SSRC it knows as its own; a
 * browser reads a sender report anywhere in a compound).
 *
 * Early packets get them too, at most once a second: regular packets hardly go
 * out under transport-wide feedback (docs/internals/webrtc.md, rule 13; once
 * in ~22 s with Chrome before, 3-7 s now), and without a sender report for
 * both audio and video the browser cannot line them up. A reduced-size early
 * packet (rtcp-rsize) holds only the feedback. */
static gboolean
append_reports(GObject *session, GstBuffer *buffer, gboolean early, Direct *d)
{
  guint32 own = 0;
  g_object_get(session, "internal-ssrc", &own, NULL);
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  if (!gst_rtcp_buffer_map(buffer, GST_MAP_READWRITE, &rtcp))
    return FALSE;
  GstRTCPPacket packet;
  gboolean added = FALSE;
  gint64 now = g_get_monotonic_time();
  if (first_sender(&rtcp) == own) {
    guint64 ntp = ntp_now();
    g_mutex_lock(&d->lock);
    if (early && now - d->reported_us < DIRECT_REPORT_EVERY_US) {
      g_mutex_unlock(&d->lock);
      gst_rtcp_buffer_unmap(&rtcp);
      return FALSE;
    }
    for (guint i = 0; i < d->n_streams; i++) {
      DirectStream *s = &d->streams[i];
      if (now - s->sent_us > DIRECT_REPORT_IDLE_US)
        continue;
      if (!gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_SR, &packet))
        break;
      guint32 ts =
          s->rtp_ts + (guint32)((guint64)(now - s->sent_us) * s->clock_rate / G_USEC_PER_SEC);
      gst_rtcp_packet_sr_set_sender_info(&packet, s->ssrc, ntp, ts, s->packets, s->octets);
      added = TRUE;
    }
    if (added) {
      d->reported_us = now;
      d->reports++;
    }
    g_mutex_unlock(&d->lock);
  }
  gst_rtcp_buffer_unmap(&rtcp);
  return added;
}

static guint64
ntp_now(void)
{
  gint64 real = g_get_real_time();
  return ((guint64)(real / G_USEC_PER_SEC) + NTP_UNIX_OFFSET_S) << 32 |
         (((guint64)(real % G_USEC_PER_SEC) << 32) / G_USEC_PER_SEC);
}

/* The browser's report blocks about what left directly: loss, and the round
 * trip from our sender report's time (RFC 3550 6.4.1). The RTP session keeps
 * report blocks only about streams it sent itself. On the peer's receiving thread. */
static void
read_reports(GObject *session, GstBuffer *buffer, Direct *d)
{
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  if (!gst_rtcp_buffer_map(buffer, GST_MAP_READ, &rtcp))
    return;
  guint32 now = (guint32)(ntp_now() >> 16);
  GstRTCPPacket packet;
  for (gboolean more = gst_rtcp_buffer_get_first_packet(&rtcp, &packet); more;
       more = gst_rtcp_packet_move_to_next(&packet)) {
    GstRTCPType type = gst_rtcp_packet_get_type(&packet);
    if (type != GST_RTCP_TYPE_RR && type != GST_RTCP_TYPE_SR)
      continue;
    for (guint i = 0, n = gst_rtcp_packet_get_rb_count(&packet); i < n; i++) {
      guint32 ssrc, highest, jitter, lsr, dlsr;
      guint8 fraction;
      gint32 lost;
      gst_rtcp_packet_get_rb(&packet, i, &ssrc, &fraction, &lost, &highest, &jitter, &lsr, &dlsr);
      g_mutex_lock(&d->lock);
      for (guint k = 0; k < d->n_streams; k++) {
        DirectStream *s = &d->streams[k];
        if (s->ssrc != ssrc)
          continue;
        s->have_rb = TRUE;
        s->fraction_lost = fraction;
        /* No sender report seen yet (lsr 0), or a clock step: no round trip. */
        guint32 rtt = now - lsr - dlsr;
        s->rtt = lsr != 0 && rtt < 0x80000000u ? rtt : 0;
      }
      g_mutex_unlock(&d->lock);
    }
  }
  gst_rtcp_buffer_unmap(&rtcp);
}

/* ---- the way in: received SRTP and SRTCP skip srtpdec ----
 *
 * dtlssrtpdec hands SRTP to srtpdec, whose chain decrypts with libsrtp (on
 * NSS: a key context made and freed per packet, see srtp.c) under its lock,
 * and keeps a libsrtp session with a stream per SSRC (~25 KB each). A probe
 * on srtpdec's RTP sink pad decrypts every packet itself, with the key DTLS
 * gave dtlsdec, and pushes it out of srtpdec's source pad: RTP out of rtp_src
 * (lean.c, 3e, takes it on from there into the RTP session), SRTCP (which
 * comes the same way with rtcp-mux) out of rtcp_src, after the stream-start,
 * caps and segment srtpdec would have sent there first. srtpdec never sees a
 * packet and never makes its session. Until dtlsdec has the key, and until
 * srtpdec's RTP source pad has a segment, srtpdec does it all. If our context
 * ever fails many packets in a row (it would if it had started with a wrong
 * rollover counter), srtpdec takes over for good, for RTP or RTCP.
 */
#define DIRECT_IN_KEY "gw-direct-in"
#define DIRECT_IN_MAX_FAILS 100

static atomic_uint_fast64_t total_received, total_rtcp_received, total_receiver_reports;

guint64
gw_direct_total_rtcp_received(void)
{
  return atomic_load_explicit(&total_rtcp_received, memory_order_relaxed);
}

guint64
gw_direct_total_received(void)
{
  return atomic_load_explicit(&total_received, memory_order_relaxed);
}

guint64
gw_direct_total_receiver_reports(void)
{
  return atomic_load_explicit(&total_receiver_reports, memory_order_relaxed);
}

typedef struct {
  /* only the thread pushing into srtpdec reads and writes these */
  DirectState state;
  GstElement *srtpdec; /* not a reference: the probe goes with it */
  char *name;          /* its name, for the last log line */
  GstPad *src;         /* srtpdec's rtp_src (reference) */
  GstPad *rtcp_src;    /* and rtcp_src (reference) */
  GwSrtp *srtp, *srtcp;
  gboolean rtcp_primed;  /* rtcp_src has its first events */
  gboolean dtls_retired; /* dtlsenc's thread was let go (or could not be) */
  guint fails_in_a_row, rtcp_fails_in_a_row;
  guint64 failed, rtcp_failed;
  /* receiver reports (reports.c), written into the RTCP of the BUNDLE session */
  GwReports *reports;
  GObject *session; /* reference */
  gulong sending_id, receiving_id;
} DirectIn;

static void
direct_in_free(gpointer p)
{
  DirectIn *in = p;
  if (in->failed + in->rtcp_failed > 0)
    g_message("%s: %" G_GUINT64_FORMAT " received RTP and %" G_GUINT64_FORMAT
              " RTCP packets failed to decrypt (forged, replayed or damaged) and were dropped",
              in->name, in->failed, in->rtcp_failed);
  if (in->session) {
    g_debug("%s: %" G_GUINT64_FORMAT " receiver reports written by the gateway", in->name,
            gw_reports_written(in->reports));
    g_signal_handler_disconnect(in->session, in->sending_id);
    g_signal_handler_disconnect(in->session, in->receiving_id);
    g_object_unref(in->session);
  }
  gw_reports_unref(in->reports);
  g_free(in->name);
  gst_clear_object(&in->src);
  gst_clear_object(&in->rtcp_src);
  gw_srtp_free(in->srtp);
  gw_srtp_free(in->srtcp);
  g_free(in);
}

/* An element made by @factory directly in @bin (a reference), or NULL. */
static GstElement *
element_in(GstObject *bin, const char *factory)
{
  if (!bin || !GST_IS_BIN(bin))
    return NULL;
  GstElement *found = NULL;
  GstIterator *it = gst_bin_iterate_elements(GST_BIN(bin));
  GValue item = G_VALUE_INIT;
  while (!found && gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    GstElement *element = g_value_get_object(&item);
    if (gw_media_element_is(element, factory))
      found = gst_object_ref(element);
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(it);
  return found;
}

/* The dtlsdec beside @srtpdec in its dtlssrtpdec (a reference), or NULL. */
static GstElement *
sibling_dtlsdec(GstElement *srtpdec)
{
  g_autoptr(GstObject) parent = gst_object_get_parent(GST_OBJECT(srtpdec));
  return element_in(parent, "dtlsdec");
}

/* ---- receiver reports in the session's early RTCP (reports.c) ---- */

static guint32
session_jitter(guint32 ssrc, gpointer session)
{
  GObject *source = NULL;
  g_signal_emit_by_name(session, "get-source-by-ssrc", ssrc, &source);
  guint jitter = 0;
  if (source) {
    GstStructure *stats = NULL;
    g_object_get(source, "stats", &stats, NULL);
    if (stats) {
      gst_structure_get_uint(stats, "jitter", &jitter);
      gst_structure_free(stats);
    }
    g_object_unref(source);
  }
  return jitter;
}

/* The RTCP thread, without the session's lock. */
static gboolean
write_receiver_report(GObject *session, GstBuffer *buffer, gboolean early, GwReports *reports)
{
  gint64 now = g_get_monotonic_time();
  if (!early) {
    gw_reports_regular(reports, now); /* the session wrote its own blocks */
    return FALSE;
  }
  guint32 own = 0;
  g_object_get(session, "internal-ssrc", &own, NULL);
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  if (!gst_rtcp_buffer_map(buffer, GST_MAP_READWRITE, &rtcp))
    return FALSE;
  guint blocks = 0;
  if (first_sender(&rtcp) == own)
    blocks = gw_reports_write(reports, &rtcp, own, now, session_jitter, session);
  gst_rtcp_buffer_unmap(&rtcp);
  if (blocks > 0)
    atomic_fetch_add_explicit(&total_receiver_reports, 1, memory_order_relaxed);
  return blocks > 0;
}

/* The receiving thread: the browser's sender reports, for the blocks' round trip. */
static void
note_sender_reports(GObject *session, GstBuffer *buffer, GwReports *reports)
{
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  if (!gst_rtcp_buffer_map(buffer, GST_MAP_READ, &rtcp))
    return;
  gint64 now = g_get_monotonic_time();
  GstRTCPPacket packet;
  for (gboolean more = gst_rtcp_buffer_get_first_packet(&rtcp, &packet); more;
       more = gst_rtcp_packet_move_to_next(&packet)) {
    if (gst_rtcp_packet_get_type(&packet) != GST_RTCP_TYPE_SR)
      continue;
    guint32 ssrc = 0;
    guint64 ntp = 0;
    gst_rtcp_packet_sr_get_sender_info(&packet, &ssrc, &ntp, NULL, NULL, NULL);
    gw_reports_sender_report(reports, ssrc, ntp, now);
  }
  gst_rtcp_buffer_unmap(&rtcp);
}

static void
reports_closure_unref(gpointer reports, GClosure *closure)
{
  gw_reports_unref(reports);
}

/* The webrtcbin @element is in (a reference), or NULL. */
static GstElement *
webrtc_of(GstElement *element)
{
  GstObject *up = gst_object_get_parent(GST_OBJECT(element));
  while (up && !(GST_IS_ELEMENT(up) && gw_media_element_is(GST_ELEMENT(up), "webrtcbin"))) {
    GstObject *next = gst_object_get_parent(up);
    gst_object_unref(up);
    up = next;
  }
  return up ? GST_ELEMENT(up) : NULL;
}

/* The BUNDLE RTP session of the webrtcbin @element is in (a reference), or NULL. */
static GObject *
session_of(GstElement *element)
{
  g_autoptr(GstElement) webrtc = webrtc_of(element);
  if (!webrtc)
    return NULL;
  g_autoptr(GstElement) rtpbin = gst_bin_get_by_name(GST_BIN(webrtc), "rtpbin");
  GObject *session = NULL;
  if (rtpbin)
    g_signal_emit_by_name(rtpbin, "get-internal-session", 0u, &session);
  return session;
}

static void
hook_reports(DirectIn *in)
{
  in->session = session_of(in->srtpdec);
  if (!in->session) {
    g_message("%s: no RTP session found; report blocks go only in its regular packets",
              GST_OBJECT_NAME(in->srtpdec));
    return;
  }
  in->sending_id =
      g_signal_connect_data(in->session, "on-sending-rtcp", G_CALLBACK(write_receiver_report),
                            gw_reports_ref(in->reports), reports_closure_unref, 0);
  in->receiving_id =
      g_signal_connect_data(in->session, "on-receiving-rtcp", G_CALLBACK(note_sender_reports),
                            gw_reports_ref(in->reports), reports_closure_unref, 0);
}

/* Ready to decrypt: the key is known and srtpdec has primed its source pad. */
static void
decide_in(DirectIn *in)
{
  g_autoptr(GstElement) dtlsdec = sibling_dtlsdec(in->srtpdec);
  if (!dtlsdec || !in->src) {
    g_message("%s: received packets go through srtpdec (no dtlsdec beside it)",
              GST_OBJECT_NAME(in->srtpdec));
    in->state = DIRECT_OFF;
    return;
  }
  g_autoptr(GstEvent) segment = gst_pad_get_sticky_event(in->src, GST_EVENT_SEGMENT, 0);
  GstBuffer *key = NULL;
  guint cipher = 0, auth = 0;
  g_object_get(dtlsdec, "decoder-key", &key, "srtp-cipher", &cipher, "srtp-auth", &auth, NULL);
  if (segment && key && cipher == SRTP_ENUM_AES_128_ICM &&
      (auth == SRTP_ENUM_HMAC_SHA1_80 || auth == SRTP_ENUM_HMAC_SHA1_32)) {
    GstMapInfo map;
    GwSrtpProfile profile = auth == SRTP_ENUM_HMAC_SHA1_80 ? GW_SRTP_AES_CM_128_HMAC_SHA1_80
                                                           : GW_SRTP_AES_CM_128_HMAC_SHA1_32;
    if (gst_buffer_map(key, &map, GST_MAP_READ)) {
      in->srtp = gw_srtp_new(profile, map.data, map.size);
      /* dtlssrtpdec gives srtpdec the RTP profile for RTCP too */
      in->srtcp = in->rtcp_src ? gw_srtcp_new(profile, map.data, map.size) : NULL;
      gst_buffer_unmap(key, &map);
    }
    in->state = in->srtp ? DIRECT_ON : DIRECT_OFF;
    if (in->srtp) {
      g_debug("%s: received packets skip it", GST_OBJECT_NAME(in->srtpdec));
      hook_reports(in);
    } else
      g_message("%s: received packets go through srtpdec (unusable key)",
                GST_OBJECT_NAME(in->srtpdec));
  } else if (key && cipher != 0 && cipher != SRTP_ENUM_AES_128_ICM) {
    g_message("%s: received packets go through srtpdec (SRTP cipher %u)",
              GST_OBJECT_NAME(in->srtpdec), cipher);
    in->state = DIRECT_OFF;
  }
  gst_clear_buffer(&key);
}

/*
 * dtlsenc's thread, let go once the browser's first packet decrypts.
 *
 * dtlsenc pushes the DTLS records OpenSSL writes from a thread of its own,
 * which after the handshake only waits (RTP and RTCP leave directly; the
 * gateway negotiates no data channel). A packet from the browser that
 * decrypts proves it has every record of the handshake from us: it could not
 * have the keys otherwise, whichever side was the DTLS client. So nothing
 * needs that thread any more, and dtlsenc's source pad is deactivated, which
 * ends it (one thread fewer per peer, as with the receive queue, lean.c 3c).
 * A record OpenSSL still writes (a close_notify at the end) is refused, as it
 * is today once the pipeline stops; the connection and dtlsdec carry on.
 */
static atomic_uint_fast64_t dtls_threads_retired;

guint64
gw_direct_dtls_threads_retired(void)
{
  return atomic_load_explicit(&dtls_threads_retired, memory_order_relaxed);
}

static void
retire_dtlsenc_thread(DirectIn *in)
{
  in->dtls_retired = TRUE;
  g_autoptr(GstElement) webrtc = webrtc_of(in->srtpdec);
  g_autoptr(GstElement) dtlsenc = webrtc ? only_element(webrtc, "dtlsenc") : NULL;
  g_autoptr(GstPad) src = dtlsenc ? gst_element_get_static_pad(dtlsenc, "src") : NULL;
  if (!src || !gst_pad_is_active(src))
    return;
  if (gst_pad_set_active(src, FALSE)) {
    atomic_fetch_add_explicit(&dtls_threads_retired, 1, memory_order_relaxed);
    g_debug("%s: its thread let go (the browser has the keys)", GST_OBJECT_NAME(dtlsenc));
  }
}

/* What srtpdec sends down rtcp_src before its first RTCP packet
 * (gst_srtp_dec_push_early_events): a stream id after the RTP one, caps, and
 * the RTP side's segment. */
static void
prime_rtcp_src(DirectIn *in)
{
  g_autoptr(GstEvent) start = gst_pad_get_sticky_event(in->rtcp_src, GST_EVENT_STREAM_START, 0);
  if (!start) {
    g_autoptr(GstEvent) rtp_start = gst_pad_get_sticky_event(in->src, GST_EVENT_STREAM_START, 0);
    const char *rtp_id = NULL;
    if (rtp_start)
      gst_event_parse_stream_start(rtp_start, &rtp_id);
    g_autofree char *id = rtp_id ? g_strdup_printf("%s/rtcp", rtp_id)
                                 : gst_pad_create_stream_id(in->rtcp_src, in->srtpdec, "rtcp");
    gst_pad_push_event(in->rtcp_src, gst_event_new_stream_start(id));
  }
  if (!gst_pad_has_current_caps(in->rtcp_src)) {
    g_autoptr(GstCaps) caps = gst_caps_new_empty_simple("application/x-rtcp");
    gst_pad_push_event(in->rtcp_src, gst_event_new_caps(caps));
  }
  g_autoptr(GstEvent) segment = gst_pad_get_sticky_event(in->rtcp_src, GST_EVENT_SEGMENT, 0);
  if (!segment) {
    GstEvent *rtp_segment = gst_pad_get_sticky_event(in->src, GST_EVENT_SEGMENT, 0);
    if (rtp_segment) /* decide_in saw it there */
      gst_pad_push_event(in->rtcp_src, rtp_segment);
  }
}

/* An SRTCP packet in @probe: decrypted and sent on out of srtpdec's rtcp_src. */
static GstPadProbeReturn
srtcp_in(DirectIn *in, GstPadProbeInfo *probe)
{
  GstBuffer *buffer = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(probe));
  GST_PAD_PROBE_INFO_DATA(probe) = NULL;
  GST_PAD_PROBE_INFO_FLOW_RETURN(probe) = GST_FLOW_OK;
  GstMapInfo map;
  gsize n = 0;
  if (gst_buffer_map(buffer, &map, GST_MAP_READWRITE)) {
    n = gw_srtcp_unprotect(in->srtcp, map.data, map.size);
    gst_buffer_unmap(buffer, &map);
  }
  if (n == 0) {
    gst_buffer_unref(buffer);
    in->rtcp_failed++;
    if (++in->rtcp_fails_in_a_row == DIRECT_IN_MAX_FAILS) {
      g_message("%s: %u received RTCP packets in a row failed to decrypt; srtpdec takes over",
                GST_OBJECT_NAME(in->srtpdec), DIRECT_IN_MAX_FAILS);
      g_clear_pointer(&in->srtcp, gw_srtp_free);
    }
    return GST_PAD_PROBE_HANDLED;
  }
  in->rtcp_fails_in_a_row = 0;
  if (!in->dtls_retired)
    retire_dtlsenc_thread(in);
  gst_buffer_set_size(buffer, (gssize)n);
  atomic_fetch_add_explicit(&total_rtcp_received, 1, memory_order_relaxed);
  if (!in->rtcp_primed) {
    prime_rtcp_src(in);
    in->rtcp_primed = TRUE;
  }
  GST_PAD_PROBE_INFO_FLOW_RETURN(probe) = gst_pad_push(in->rtcp_src, buffer);
  return GST_PAD_PROBE_HANDLED;
}

static GstPadProbeReturn
on_srtp_in(GstPad *pad, GstPadProbeInfo *probe, gpointer data)
{
  DirectIn *in = data;
  if (in->state == DIRECT_UNDECIDED)
    decide_in(in);
  if (in->state == DIRECT_OFF)
    return GST_PAD_PROBE_REMOVE;
  if (in->state != DIRECT_ON || !(probe->type & GST_PAD_PROBE_TYPE_BUFFER))
    return GST_PAD_PROBE_OK; /* srtpdec does it */
  /* With rtcp-mux SRTCP comes this way too (RFC 5761: its second byte is a
   * packet type, 192-223). */
  guint8 second = 0;
  if (gst_buffer_extract(GST_PAD_PROBE_INFO_BUFFER(probe), 1, &second, 1) != 1)
    return GST_PAD_PROBE_OK;
  if (second >= 192 && second <= 223)
    return in->srtcp ? srtcp_in(in, probe) : GST_PAD_PROBE_OK;
  GstBuffer *buffer = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(probe));
  GST_PAD_PROBE_INFO_DATA(probe) = NULL;
  GstMapInfo map;
  gsize n = 0;
  if (gst_buffer_map(buffer, &map, GST_MAP_READWRITE)) {
    n = gw_srtp_unprotect(in->srtp, map.data, map.size);
    if (n >= 12) /* an RTP header, checked */
      gw_reports_packet(in->reports, gw_read32(map.data + 8), (guint16)gw_read16(map.data + 2),
                        g_get_monotonic_time());
    gst_buffer_unmap(buffer, &map);
  }
  GST_PAD_PROBE_INFO_FLOW_RETURN(probe) = GST_FLOW_OK;
  if (n == 0) {
    /* Not authentic, a replay, or malformed: dropped, as srtpdec drops it. */
    gst_buffer_unref(buffer);
    in->failed++;
    if (++in->fails_in_a_row == DIRECT_IN_MAX_FAILS) {
      g_message("%s: %u received packets in a row failed to decrypt; srtpdec takes over",
                GST_OBJECT_NAME(in->srtpdec), DIRECT_IN_MAX_FAILS);
      in->state = DIRECT_OFF;
    }
    return GST_PAD_PROBE_HANDLED;
  }
  in->fails_in_a_row = 0;
  if (!in->dtls_retired)
    retire_dtlsenc_thread(in);
  gst_buffer_set_size(buffer, (gssize)n);
  atomic_fetch_add_explicit(&total_received, 1, memory_order_relaxed);
  GST_PAD_PROBE_INFO_FLOW_RETURN(probe) = gst_pad_push(in->src, buffer);
  return GST_PAD_PROBE_HANDLED;
}

static void
watch_srtpdec(GstElement *element)
{
  if (!gw_media_element_is(element, "srtpdec") ||
      g_object_get_data(G_OBJECT(element), DIRECT_IN_KEY))
    return;
  g_autoptr(GstPad) sink = gst_element_get_static_pad(element, "rtp_sink");
  if (!sink)
    return;
  DirectIn *in = g_new0(DirectIn, 1);
  in->reports = gw_reports_new();
  in->srtpdec = element;
  in->name = gst_object_get_name(GST_OBJECT(element));
  in->src = gst_element_get_static_pad(element, "rtp_src");
  in->rtcp_src = gst_element_get_static_pad(element, "rtcp_src");
  g_object_set_data(G_OBJECT(element), DIRECT_IN_KEY, GINT_TO_POINTER(1)); /* seen */
  gst_pad_add_probe(sink, GST_PAD_PROBE_TYPE_BUFFER, on_srtp_in, in, direct_in_free);
}

void
gw_direct_watch_pipeline(GstElement *pipeline)
{
  gw_media_watch_added(pipeline, watch_srtpdec);
}

/* ---- the way out for RTCP: SRTCP past srtpenc ----
 *
 * The RTCP a peer's RTP session sends (reports, feedback, REMB, NACKs) goes
 * through srtpenc, which makes a libsrtp session (~50 KB, and on NSS a key
 * context per packet) for it alone once RTP leaves directly. A probe on
 * srtpenc's RTCP sink pads protects it with srtp.c and hands it to the same
 * libnice agent on the same thread, so srtpenc never gets a packet. Decided at
 * the first packet, for good: the browser must never get SRTCP indices from
 * both, so if webrtcbin is not as expected then (no key, another profile, no
 * nicesink beside srtpenc), srtpenc does it all.
 */
#define RTCP_OUT_KEY "gw-direct-rtcp-out"

typedef struct {
  GMutex lock; /* one RTCP thread per session, but sink pads may be several */
  DirectState state;
  GstElement *srtpenc; /* not a reference: it holds this (and its probes do) */
  char *name;          /* its name, for the last log line */
  GwSrtp *srtcp;
  NiceAgent *agent; /* reference */
  guint stream_id, component_id;
  guint64 sent, failed;
} RtcpOut;

static atomic_uint_fast64_t total_rtcp_sent;

guint64
gw_direct_total_rtcp_sent(void)
{
  return atomic_load_explicit(&total_rtcp_sent, memory_order_relaxed);
}

static void
rtcp_out_clear(gpointer p)
{
  RtcpOut *out = p;
  if (out->failed > 0)
    g_message("%s: %" G_GUINT64_FORMAT " RTCP packets could not be sent", out->name, out->failed);
  g_clear_object(&out->agent);
  gw_srtp_free(out->srtcp);
  g_mutex_clear(&out->lock);
  g_free(out->name);
}

static void
rtcp_out_unref(gpointer out)
{
  g_atomic_rc_box_release_full(out, rtcp_out_clear);
}

/* The nicesink of the transport @srtpenc is in (a reference): srtpenc is in a
 * dtlssrtpenc, which transportsendbin holds beside its nicesink. */
static GstElement *
nicesink_beside(GstElement *srtpenc)
{
  g_autoptr(GstObject) enc = gst_object_get_parent(GST_OBJECT(srtpenc));
  g_autoptr(GstObject) send = enc ? gst_object_get_parent(enc) : NULL;
  return element_in(send, "nicesink");
}

/* Under out->lock, at the first RTCP packet. */
static void
decide_rtcp_out(RtcpOut *out)
{
  GstBuffer *key = NULL;
  gint cipher = 0, auth = 0;
  gboolean random_key = TRUE;
  g_object_get(out->srtpenc, "key", &key, "rtcp-cipher", &cipher, "rtcp-auth", &auth, "random-key",
               &random_key, NULL);
  g_autoptr(GstElement) nicesink = nicesink_beside(out->srtpenc);
  const char *why = NULL;
  GstMapInfo map;
  if (!key || random_key)
    why = "no key from DTLS yet";
  else if (cipher != SRTP_ENUM_AES_128_ICM ||
           (auth != SRTP_ENUM_HMAC_SHA1_80 && auth != SRTP_ENUM_HMAC_SHA1_32))
    why = "an SRTCP profile other than AES-CM-128 with HMAC-SHA1";
  else if (!nicesink)
    why = "no nicesink beside it";
  else if (!gst_buffer_map(key, &map, GST_MAP_READ))
    why = "an unreadable key";
  else {
    out->srtcp = gw_srtcp_new(auth == SRTP_ENUM_HMAC_SHA1_80 ? GW_SRTP_AES_CM_128_HMAC_SHA1_80
                                                             : GW_SRTP_AES_CM_128_HMAC_SHA1_32,
                              map.data, map.size);
    gst_buffer_unmap(key, &map);
    if (out->srtcp)
      g_object_get(nicesink, "agent", &out->agent, "stream", &out->stream_id, "component",
                   &out->component_id, NULL);
    if (!out->srtcp)
      why = "a key of the wrong length";
    else if (!out->agent)
      why = "no ICE agent";
  }
  gst_clear_buffer(&key);
  if (why) {
    g_message("%s: RTCP takes webrtcbin's path (%s)", out->name, why);
    out->state = DIRECT_OFF;
    return;
  }
  g_debug("%s: RTCP leaves directly (ICE stream %u)", out->name, out->stream_id);
  out->state = DIRECT_ON;
}

/* Under out->lock. A packet that cannot leave is lost on the way, as a full
 * socket would lose it. */
static void
send_rtcp(gpointer data, GstBuffer *buffer)
{
  RtcpOut *out = data;
  guint8 pkt[DIRECT_MTU + GW_SRTCP_TRAILER + GW_SRTP_MAX_TAG];
  gsize len = gst_buffer_get_size(buffer);
  gsize out_len = 0;
  if (len <= DIRECT_MTU) {
    gst_buffer_extract(buffer, 0, pkt, len);
    out_len = gw_srtcp_protect(out->srtcp, pkt, len, sizeof pkt);
  }
  gint sent = out_len > 0 ? nice_agent_send(out->agent, out->stream_id, out->component_id,
                                            (guint)out_len, (const gchar *)pkt)
                          : -1;
  if (sent > 0 && (gsize)sent == out_len) {
    out->sent++;
    atomic_fetch_add_explicit(&total_rtcp_sent, 1, memory_order_relaxed);
  } else if (out->failed++ < 3) {
    g_message("%s: RTCP packet of %" G_GSIZE_FORMAT " bytes not sent (SRTCP gave %" G_GSIZE_FORMAT
              " bytes, the socket took %d)",
              out->name, len, out_len, sent);
  }
}

static GstPadProbeReturn
on_rtcp_out(GstPad *pad, GstPadProbeInfo *probe, gpointer data)
{
  RtcpOut *out = data;
  g_mutex_lock(&out->lock);
  if (out->state == DIRECT_UNDECIDED)
    decide_rtcp_out(out);
  if (out->state != DIRECT_ON) {
    g_mutex_unlock(&out->lock);
    return GST_PAD_PROBE_REMOVE;
  }
  each_buffer(probe, send_rtcp, out);
  g_mutex_unlock(&out->lock);
  gst_mini_object_unref(GST_PAD_PROBE_INFO_DATA(probe));
  GST_PAD_PROBE_INFO_DATA(probe) = NULL;
  GST_PAD_PROBE_INFO_FLOW_RETURN(probe) = GST_FLOW_OK;
  return GST_PAD_PROBE_HANDLED;
}

static void
watch_rtcp_sink(GstElement *srtpenc, GstPad *pad, gpointer data)
{
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SINK ||
      !g_str_has_prefix(GST_OBJECT_NAME(pad), "rtcp_sink"))
    return;
  RtcpOut *out = g_object_get_data(G_OBJECT(srtpenc), RTCP_OUT_KEY);
  if (out)
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, on_rtcp_out,
                      g_atomic_rc_box_acquire(out), rtcp_out_unref);
}

static void
watch_srtpenc(GstElement *element)
{
  if (!gw_media_element_is(element, "srtpenc") ||
      g_object_get_data(G_OBJECT(element), RTCP_OUT_KEY))
    return;
  RtcpOut *out = g_atomic_rc_box_new0(RtcpOut);
  g_mutex_init(&out->lock);
  out->srtpenc = element;
  out->name = gst_object_get_name(GST_OBJECT(element));
  g_object_set_data_full(G_OBJECT(element), RTCP_OUT_KEY, out, rtcp_out_unref);
  g_signal_connect(element, "pad-added", G_CALLBACK(watch_rtcp_sink), NULL);
  GstIterator *it = gst_element_iterate_sink_pads(element);
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    watch_rtcp_sink(element, g_value_get_object(&item), NULL);
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(it);
}

void
gw_direct_watch_rtcp_out(GstElement *pipeline)
{
  gw_media_watch_added(pipeline, watch_srtpenc);
}

/* ---- what others read ---- */

gboolean
gw_direct_active(GstElement *webrtc)
{
  Direct *d = direct_of(webrtc, FALSE);
  gboolean on = d && state_of(d) == DIRECT_ON;
  if (d)
    direct_unref(d);
  return on;
}

void
gw_direct_counts(GstElement *webrtc, GwDirectCounts *counts)
{
  memset(counts, 0, sizeof *counts);
  Direct *d = direct_of(webrtc, FALSE);
  if (!d)
    return;
  g_mutex_lock(&d->lock);
  counts->packets = d->packets;
  counts->bytes = d->bytes;
  counts->payload_bytes = d->payload_bytes;
  counts->failed = d->failed + d->too_large;
  counts->reports = d->reports;
  g_mutex_unlock(&d->lock);
  direct_unref(d);
}

guint
gw_direct_reports(GstElement *webrtc, double *rtt_ms, double *lost_sum)
{
  Direct *d = direct_of(webrtc, FALSE);
  if (!d)
    return 0;
  guint reports = 0;
  g_mutex_lock(&d->lock);
  for (guint i = 0; i < d->n_streams; i++) {
    DirectStream *s = &d->streams[i];
    if (!s->have_rb)
      continue;
    *rtt_ms = MAX(*rtt_ms, s->rtt * 1000.0 / 65536.0);
    *lost_sum += s->fraction_lost / 256.0;
    reports++;
  }
  g_mutex_unlock(&d->lock);
  direct_unref(d);
  return reports;
}

gboolean
gw_direct_twcc_feedback(GstElement *webrtc, const guint8 *fci, gsize len, GwDirectFeedback *out)
{
  Direct *d = direct_of(webrtc, FALSE);
  if (!d)
    return FALSE;
  gboolean ok = FALSE;
  if (state_of(d) == DIRECT_ON) {
    GwTwccStats stats;
    g_mutex_lock(&d->lock);
    ok = gw_twcc_history_feedback(d->history, fci, len, &stats);
    g_mutex_unlock(&d->lock);
    if (ok) {
      out->sent = stats.sent;
      out->received = stats.received;
      out->bitrate_sent = stats.bitrate_sent;
      out->bitrate_recv = stats.bitrate_recv;
    }
  }
  direct_unref(d);
  return ok;
}
