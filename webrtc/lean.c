/* SPDX-License-Identifier: Apache-2.0 */
/* Trims to what the media path costs per packet and per call. */
#include "webrtc/lean.h"
#include "webrtc/media-room-private.h"

#include <gst/rtp/rtp.h>
#include <stdatomic.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

/*
 * 1. Forwarded audio skips rtpbin's jitter buffer (and its two threads).
 *
 * rtpbin puts an rtpjitterbuffer behind every SSRC it receives, each with a
 * streaming thread and a timer thread, and every packet is handed from the
 * receive thread to that streaming thread. For a forwarder that is cost
 * without use on audio: audio has no retransmission here (Opus in-band FEC is
 * repaired by the receiving browser), so the jitter buffer could only reorder,
 * and the receiving browser's own jitter buffer reorders anyway (as it does
 * behind Janus, which has none). Video gets the same pass-through unless
 * media.video_jitterbuffer is on; there the pass-through also asks the sender
 * for what its leg lost (section 1b below), which was the video jitter
 * buffer's one use here.
 *
 * rtpbin (1.18+) asks "request-jitterbuffer" for each new SSRC but tells only
 * the session, not the stream. The stream is created inside rtpssrcdemux's
 * chain function, on the thread that pushes the stream's first packet, so a
 * probe on rtpssrcdemux's sink pad notes each packet's payload type in a
 * thread-local just before; the handler reads it there. A stream created by
 * an RTCP packet (a sender report before any RTP), or from a buffer list,
 * has no known payload type and keeps a jitter buffer, as before.
 */

#define AUDIO_PATH_KEY "gw-audio-path"

typedef struct {
  gint pts[4];        /* atomic bitmap of the audio payload types received */
  gboolean video_too; /* every stream gets the pass-through (media.video_jitterbuffer off) */
} AudioPath;

/* pt + 1 of the RTP packet rtpssrcdemux is about to demux on this thread; 0: unknown */
static GPrivate current_pt;

/* ---- the pass-through that stands in for a jitter buffer ---- */

#define GW_TYPE_RTP_PASS (gw_rtp_pass_get_type())
G_DECLARE_FINAL_TYPE(GwRtpPass, gw_rtp_pass, GW, RTP_PASS, GstElement)

struct _GwRtpPass {
  GstElement parent;
  GstPad *sinkpad;
  GstPad *srcpad;
  guint latency;          /* set by rtpbin; nothing waits here */
  gint do_retransmission; /* atomic; set by webrtcbin on NACK transceivers */
  gboolean audio;         /* known to be audio: never asks (no retransmission of audio here) */
  GwNackState *nack;      /* the streaming thread's, allocated with the first packet asked for */
  guint32 ssrc;
  gboolean logged;
};

enum { PROP_0, PROP_LATENCY, PROP_DO_RETRANSMISSION };

G_DEFINE_TYPE(GwRtpPass, gw_rtp_pass, GST_TYPE_ELEMENT)

static GstStaticPadTemplate pass_sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-rtp"));
static GstStaticPadTemplate pass_src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-rtp"));
/* rtpbin links the stream's RTCP (sender reports, for lip sync) here: not needed. */
static GstStaticPadTemplate pass_rtcp_template = GST_STATIC_PAD_TEMPLATE(
    "sink_rtcp", GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS("application/x-rtcp"));

/*
 * 1b. Retransmission requests without a jitter buffer (video).
 *
 * As Janus does: every packet goes on at once, and a gap in the sequence
 * numbers asks the sender for the missing ones at once (a
 * GstRTPRetransmissionRequest upstream, as rtpjitterbuffer sends: rtprtxreceive
 * notes it, and section 1c turns it into a NACK in the session's next RTCP). A packet still
 * missing is asked for again about once a round trip, a few times, driven by
 * the arrival of later packets (no timer, no thread). The resend arrives out
 * of order (rtprtxreceive has made it the original packet again) and goes on
 * just as late: the receiving browser's jitter buffer puts it in its place.
 * Nothing waits here, so a slow sender's late packets are never given up.
 * Everything is bounded: the list of missing packets, the gap that counts as
 * a loss (a bigger jump is a new start, not 60,000 losses), and the work per
 * packet.
 */
#define NACK_MAX_GAP 256 /* a jump further ahead is a new start: nothing asked */
/* A packet further back is a new start too; missing ones that far back are given up. */
#define NACK_MAX_BEHIND 1000
#define NACK_MAX_TRIES 4            /* requests per missing packet */
#define NACK_GIVE_UP_US 1000000     /* after this, a missing packet is no longer asked for */
#define NACK_DEFAULT_RETRY_US 40000 /* between requests while no round trip is known */
#define NACK_MIN_RETRY_US 10000
#define NACK_MAX_RETRY_US 200000
#define NACK_DEADLINE_MS 200 /* how long a NACK may wait for an RTCP packet (1c) */
/* Requests a second per stream, at most (each one is an event through
 * rtprtxreceive and the RTP session): 5 % loss at 2 Mbit/s asks ~40 a second;
 * a peer making up sequence numbers would otherwise have asked ~20 per packet. */
#define NACK_MAX_PER_S 1000
#define NACK_BURST (2 * GW_NACK_MAX_MISSING)

static gint64
nack_retry_us(const GwNackState *s)
{
  if (s->rtt_us <= 0)
    return NACK_DEFAULT_RETRY_US;
  return CLAMP(s->rtt_us + s->rtt_us / 2, NACK_MIN_RETRY_US, NACK_MAX_RETRY_US);
}

static void
nack_remove(GwNackState *s, guint i)
{
  memmove(&s->missing[i], &s->missing[i + 1], (s->n - i - 1) * sizeof s->missing[0]);
  s->n--;
}

static void
nack_add(GwNackState *s, guint16 seq, gint64 now_us)
{
  if (s->n == GW_NACK_MAX_MISSING) { /* the oldest goes: it had the most chances */
    nack_remove(s, 0);
    s->given_up++;
  }
  s->missing[s->n++] = (GwNackEntry){.seq = seq, .first_us = now_us};
  s->next_due_us = now_us; /* asked for at once */
}

static void
nack_restart(GwNackState *s, guint16 seq)
{
  s->given_up += s->n;
  s->n = 0;
  s->highest = seq;
  s->restarts++;
}

guint
gw_nack_on_packet(GwNackState *s, guint16 seq, gint64 now_us, guint16 *ask, guint max_ask)
{
  if (!s->started) {
    s->started = TRUE;
    s->highest = seq;
    s->next_due_us = G_MAXINT64;
    s->tokens = NACK_BURST;
    s->tokens_us = now_us;
    return 0;
  }
  gint ahead = (gint16)(guint16)(seq - s->highest);
  if (ahead > NACK_MAX_GAP || ahead < -NACK_MAX_BEHIND) {
    nack_restart(s, seq);
  } else if (ahead > 0) {
    for (guint16 m = s->highest + 1; m != seq; m++)
      nack_add(s, m, now_us);
    s->highest = seq;
  } else if (ahead < 0) {
    for (guint i = 0; i < s->n; i++) {
      GwNackEntry *e = &s->missing[i];
      if (e->seq != seq)
        continue;
      if (e->tries == 1) { /* one request out: the time since is a round trip */
        gint64 sample = now_us - e->asked_us;
        s->rtt_us = s->rtt_us <= 0 ? sample : (7 * s->rtt_us + sample) / 8;
      }
      s->recovered += e->tries > 0;
      nack_remove(s, i);
      break;
    }
  }

  /* Requests due: new gaps, and those asked a round trip ago. */
  guint n_ask = 0;
  if (now_us < s->next_due_us)
    return 0;
  s->tokens = MIN(s->tokens + (double)(now_us - s->tokens_us) * NACK_MAX_PER_S / G_USEC_PER_SEC,
                  (double)NACK_BURST);
  s->tokens_us = now_us;
  max_ask = MIN(max_ask, (guint)s->tokens);
  gint64 retry = nack_retry_us(s);
  s->next_due_us = G_MAXINT64;
  for (guint i = 0; i < s->n;) {
    GwNackEntry *e = &s->missing[i];
    if (e->tries >= NACK_MAX_TRIES || now_us - e->first_us > NACK_GIVE_UP_US ||
        (guint16)(s->highest - e->seq) > NACK_MAX_BEHIND) {
      nack_remove(s, i);
      s->given_up++;
      continue;
    }
    if ((e->tries == 0 || now_us - e->asked_us >= retry) && n_ask < max_ask) {
      ask[n_ask++] = e->seq;
      e->tries++;
      e->asked_us = now_us;
      s->asked++;
    }
    s->next_due_us = MIN(s->next_due_us, e->tries == 0 ? now_us : e->asked_us + retry);
    i++;
  }
  s->tokens -= n_ask;
  return n_ask;
}

static GstEvent *
nack_request(guint32 ssrc, guint16 seq, const GwNackState *s, GstClockTime running_time)
{
  /* The fields rtpjitterbuffer sends. Section 1c reads ssrc, seqnum, delay,
   * deadline and avg-rtt as rtpsession would (a NACK it cannot send before
   * deadline - delay - avg-rtt is dropped); rtprtxreceive reads ssrc and seqnum. */
  guint rtt_ms = (guint)(MAX(s->rtt_us, 0) / 1000);
  return gst_event_new_custom(
      GST_EVENT_CUSTOM_UPSTREAM,
      gst_structure_new("GstRTPRetransmissionRequest", "seqnum", G_TYPE_UINT, (guint)seq,
                        "running-time", G_TYPE_UINT64, running_time, "delay", G_TYPE_UINT, 0u,
                        "retry", G_TYPE_UINT, 0u, "frequency", G_TYPE_UINT,
                        (guint)(nack_retry_us(s) / 1000), "period", G_TYPE_UINT,
                        (guint)(NACK_GIVE_UP_US / 1000), "deadline", G_TYPE_UINT,
                        (guint)NACK_DEADLINE_MS + rtt_ms, "avg-rtt", G_TYPE_UINT, rtt_ms, "ssrc",
                        G_TYPE_UINT, ssrc, NULL));
}

/* Notes one packet; asks the sender for what is missing. On the streaming thread. */
static void
pass_track(GwRtpPass *self, GstBuffer *buffer)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp))
    return;
  guint16 seq = gst_rtp_buffer_get_seq(&rtp);
  guint32 ssrc = gst_rtp_buffer_get_ssrc(&rtp);
  guint pt = gst_rtp_buffer_get_payload_type(&rtp);
  gst_rtp_buffer_unmap(&rtp);
  if (!self->nack)
    self->nack = g_new0(GwNackState, 1);
  else if (ssrc != self->ssrc) /* rtpbin gives each SSRC its own stream; be sure */
    memset(self->nack, 0, sizeof *self->nack);
  self->ssrc = ssrc;
  if (!self->logged) {
    self->logged = TRUE;
    GST_INFO_OBJECT(self, "asking %08x (pt %u) for lost packets", ssrc, pt);
  }
  guint16 ask[GW_NACK_MAX_MISSING];
  guint n = gw_nack_on_packet(self->nack, seq, g_get_monotonic_time(), ask, G_N_ELEMENTS(ask));
  for (guint i = 0; i < n; i++)
    gst_pad_push_event(self->sinkpad,
                       nack_request(ssrc, ask[i], self->nack, GST_BUFFER_PTS(buffer)));
}

static GstFlowReturn
pass_chain(GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  GwRtpPass *self = GW_RTP_PASS(parent);
  if (g_atomic_int_get(&self->do_retransmission) && !self->audio)
    pass_track(self, buffer);
  return gst_pad_push(self->srcpad, buffer);
}

static GstFlowReturn
pass_chain_list(GstPad *pad, GstObject *parent, GstBufferList *list)
{
  GwRtpPass *self = GW_RTP_PASS(parent);
  if (g_atomic_int_get(&self->do_retransmission) && !self->audio)
    for (guint i = 0; i < gst_buffer_list_length(list); i++)
      pass_track(self, gst_buffer_list_get(list, i));
  return gst_pad_push_list(self->srcpad, list);
}

/* Upstream events and queries go to the RTP sink only, never to the RTCP one. */
static gboolean
pass_src_event(GstPad *pad, GstObject *parent, GstEvent *event)
{
  return gst_pad_push_event(GW_RTP_PASS(parent)->sinkpad, event);
}

static gboolean
pass_src_query(GstPad *pad, GstObject *parent, GstQuery *query)
{
  return gst_pad_peer_query(GW_RTP_PASS(parent)->sinkpad, query);
}

static GstFlowReturn
rtcp_chain(GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  gst_buffer_unref(buffer);
  return GST_FLOW_OK;
}

static gboolean
rtcp_event(GstPad *pad, GstObject *parent, GstEvent *event)
{
  gst_event_unref(event);
  return TRUE;
}

static GstPad *
pass_request_new_pad(GstElement *element, GstPadTemplate *templ, const gchar *name,
                     const GstCaps *caps)
{
  GstPad *pad = gst_pad_new_from_template(templ, "sink_rtcp");
  gst_pad_set_chain_function(pad, rtcp_chain);
  gst_pad_set_event_function(pad, rtcp_event);
  gst_pad_set_active(pad, TRUE);
  if (!gst_element_add_pad(element, pad))
    return NULL; /* asked for twice: the pad exists (and gst_element_add_pad sank ours) */
  return pad;
}

static void
pass_release_pad(GstElement *element, GstPad *pad)
{
  gst_pad_set_active(pad, FALSE);
  gst_element_remove_pad(element, pad);
}

static void
pass_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  GwRtpPass *self = GW_RTP_PASS(object);
  switch (id) {
  case PROP_LATENCY:
    self->latency = g_value_get_uint(value);
    break;
  case PROP_DO_RETRANSMISSION:
    g_atomic_int_set(&self->do_retransmission, g_value_get_boolean(value));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void
pass_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  GwRtpPass *self = GW_RTP_PASS(object);
  switch (id) {
  case PROP_LATENCY:
    g_value_set_uint(value, self->latency);
    break;
  case PROP_DO_RETRANSMISSION:
    g_value_set_boolean(value, g_atomic_int_get(&self->do_retransmission));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void
gw_rtp_pass_init(GwRtpPass *self)
{
  self->sinkpad = gst_pad_new_from_static_template(&pass_sink_template, "sink");
  gst_pad_set_chain_function(self->sinkpad, pass_chain);
  gst_pad_set_chain_list_function(self->sinkpad, pass_chain_list);
  GST_PAD_SET_PROXY_CAPS(self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION(self->sinkpad);
  gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template(&pass_src_template, "src");
  gst_pad_set_event_function(self->srcpad, pass_src_event);
  gst_pad_set_query_function(self->srcpad, pass_src_query);
  gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
}

static void
pass_finalize(GObject *object)
{
  g_free(GW_RTP_PASS(object)->nack);
  G_OBJECT_CLASS(gw_rtp_pass_parent_class)->finalize(object);
}

static void
gw_rtp_pass_class_init(GwRtpPassClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  object_class->finalize = pass_finalize;
  object_class->set_property = pass_set_property;
  object_class->get_property = pass_get_property;
  /* The two properties rtpbin and webrtcbin set without checking they exist. */
  g_object_class_install_property(
      object_class, PROP_LATENCY,
      g_param_spec_uint("latency", "Latency", "Ignored: nothing is held here", 0, G_MAXUINT, 0,
                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property(
      object_class, PROP_DO_RETRANSMISSION,
      g_param_spec_boolean("do-retransmission", "Do retransmission",
                           "Ask the sender for lost packets (video)", FALSE,
                           G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  element_class->request_new_pad = pass_request_new_pad;
  element_class->release_pad = pass_release_pad;
  gst_element_class_add_static_pad_template(element_class, &pass_sink_template);
  gst_element_class_add_static_pad_template(element_class, &pass_src_template);
  gst_element_class_add_static_pad_template(element_class, &pass_rtcp_template);
  gst_element_class_set_static_metadata(
      element_class, "Balie RTP pass-through", "Filter/Network/RTP",
      "Stands in for a jitter buffer on forwarded media", "Balie");
}

GstElement *
gw_lean_pass_new(void)
{
  return g_object_new(GW_TYPE_RTP_PASS, NULL);
}

gboolean
gw_lean_pass_get_stats(GstElement *pass, GwNackState *stats)
{
  if (!GW_IS_RTP_PASS(pass) || !GW_RTP_PASS(pass)->nack)
    return FALSE;
  *stats = *GW_RTP_PASS(pass)->nack; /* for tests: read after the stream stopped */
  return TRUE;
}

/*
 * 1c. The gateway's NACKs are written here, not by the RTP session.
 *
 * rtpsession (1.22; the same code is in GStreamer main) keeps a NACK it has
 * not sent yet on its source and, after each RTCP packet, schedules the rest
 * from inside a g_hash_table_foreach over its sources with its lock released
 * (schedule_remaining_nacks). A source another thread adds meanwhile (the
 * sender's RTX stream, which the first NACK starts, or a new stream's first
 * packet) changes the table under the iteration: "GLib-CRITICAL:
 * g_hash_table_foreach: assertion 'version == hash_table->version' failed",
 * and the remaining NACKs are not scheduled. It failed webrtc-forward about
 * once in 70 runs.
 *
 * So the retransmission requests (the pass-through's, or a video jitter
 * buffer's) still travel upstream through rtprtxreceive, which notes them to
 * recognise the resends, but stop at the RTP session's receive pad. A probe
 * there notes the sequence number and asks the session for an early RTCP
 * packet within the same delay rtpsession would have allowed (its
 * "send-rtcp" action, as rtp_session_request_nack does); the session's
 * "on-sending-rtcp" then appends Generic NACKs, as feedback.c appends REMB.
 * The session never holds a NACK of its own, so it never schedules one.
 */

typedef struct {
  guint32 ssrc;
  guint16 seq;
  gint64 expires_us;
} NackAsk;

struct _GwNackOut {
  GMutex lock;                   /* streaming threads add, the RTCP thread writes */
  NackAsk asks[GW_NACK_OUT_MAX]; /* oldest first */
  guint n;
  guint64 written, expired, dropped;
};

GwNackOut *
gw_nack_out_new(void)
{
  GwNackOut *out = g_new0(GwNackOut, 1);
  g_mutex_init(&out->lock);
  return out;
}

void
gw_nack_out_free(GwNackOut *out)
{
  if (!out)
    return;
  g_mutex_clear(&out->lock);
  g_free(out);
}

gboolean
gw_nack_out_add(GwNackOut *out, guint32 ssrc, guint16 seq, gint64 expires_us)
{
  g_mutex_lock(&out->lock);
  for (guint i = 0; i < out->n; i++) {
    NackAsk *a = &out->asks[i];
    if (a->ssrc == ssrc && a->seq == seq) {
      a->expires_us = MAX(a->expires_us, expires_us);
      g_mutex_unlock(&out->lock);
      return FALSE;
    }
  }
  if (out->n == GW_NACK_OUT_MAX) { /* the oldest gives way */
    memmove(out->asks, out->asks + 1, (out->n - 1) * sizeof out->asks[0]);
    out->n--;
    out->dropped++;
  }
  out->asks[out->n++] = (NackAsk){ssrc, seq, expires_us};
  g_mutex_unlock(&out->lock);
  return TRUE;
}

void
gw_nack_out_counts(GwNackOut *out, guint64 *written, guint64 *expired, guint64 *dropped)
{
  g_mutex_lock(&out->lock);
  *written = out->written;
  *expired = out->expired;
  *dropped = out->dropped;
  g_mutex_unlock(&out->lock);
}

/* One Generic NACK packet for the oldest waiting SSRC: pairs of a sequence
 * number and a bitmask of the 16 after it. Writes as many pairs as fit and
 * drops what they carry from the list. Returns: sequence numbers written; 0
 * when the buffer has no room. Under the lock. */
static guint
nack_out_write_one(GwNackOut *out, GstRTCPBuffer *rtcp, guint32 sender_ssrc)
{
  guint32 ssrc = out->asks[0].ssrc;
  guint16 pid[GW_NACK_OUT_MAX], blp[GW_NACK_OUT_MAX];
  guint16 pair_of[GW_NACK_OUT_MAX];
  guint pairs = 0;
  for (guint i = 0; i < out->n; i++) {
    if (out->asks[i].ssrc != ssrc)
      continue;
    guint16 seq = out->asks[i].seq;
    guint p = 0;
    for (; p < pairs; p++) {
      guint16 after = (guint16)(seq - pid[p]);
      if (after >= 1 && after <= 16) {
        blp[p] |= (guint16)(1u << (after - 1));
        break;
      }
    }
    if (p == pairs) {
      pid[pairs] = seq;
      blp[pairs] = 0;
      pairs++;
    }
    pair_of[i] = (guint16)p;
  }

  GstRTCPPacket packet;
  if (!gst_rtcp_buffer_add_packet(rtcp, GST_RTCP_TYPE_RTPFB, &packet))
    return 0;
  gst_rtcp_packet_fb_set_type(&packet, GST_RTCP_RTPFB_TYPE_NACK);
  gst_rtcp_packet_fb_set_sender_ssrc(&packet, sender_ssrc);
  gst_rtcp_packet_fb_set_media_ssrc(&packet, ssrc);
  guint fit = pairs;
  while (fit > 0 && !gst_rtcp_packet_fb_set_fci_length(&packet, (guint16)fit))
    fit /= 2;
  if (fit == 0) {
    gst_rtcp_packet_remove(&packet);
    return 0;
  }
  guint8 *fci = gst_rtcp_packet_fb_get_fci(&packet);
  for (guint p = 0; p < fit; p++) {
    GST_WRITE_UINT16_BE(fci + 4 * p, pid[p]);
    GST_WRITE_UINT16_BE(fci + 4 * p + 2, blp[p]);
  }
  guint kept = 0, written = 0;
  for (guint i = 0; i < out->n; i++) {
    if (out->asks[i].ssrc == ssrc && pair_of[i] < fit)
      written++;
    else
      out->asks[kept++] = out->asks[i];
  }
  out->n = kept;
  return written;
}

guint
gw_nack_out_write(GwNackOut *out, GstBuffer *buffer, guint32 sender_ssrc, gboolean early,
                  gint64 now_us)
{
  g_mutex_lock(&out->lock);
  guint kept = 0;
  for (guint i = 0; i < out->n; i++) {
    /* As rtpsession does, an early packet carries the newest one anyway: a
     * late NACK still gets a resend the receiving browser may use. */
    if (out->asks[i].expires_us < now_us && !(early && i == out->n - 1))
      out->expired++;
    else
      out->asks[kept++] = out->asks[i];
  }
  out->n = kept;
  guint written = 0;
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  if (out->n > 0 && gst_rtcp_buffer_map(buffer, GST_MAP_READWRITE, &rtcp)) {
    for (guint n; out->n > 0 && (n = nack_out_write_one(out, &rtcp, sender_ssrc)) > 0;)
      written += n;
    gst_rtcp_buffer_unmap(&rtcp);
  }
  out->written += written;
  g_mutex_unlock(&out->lock);
  return written;
}

/* On the RTP session element, from its receive pad's first appearance. */
typedef struct {
  GObject *session; /* the RTPSession (reference) */
  GwNackOut *out;
  gulong sending_id;
} SessionNacks;

#define SESSION_NACKS_KEY "gw-session-nacks"

static void
session_nacks_free(gpointer p)
{
  SessionNacks *sn = p;
  guint64 written, expired, dropped;
  gw_nack_out_counts(sn->out, &written, &expired, &dropped);
  if (written || expired || dropped)
    g_debug("RTP session closed: asked for %" G_GUINT64_FORMAT " packets; %" G_GUINT64_FORMAT
            " requests expired before an RTCP packet, %" G_GUINT64_FORMAT " pushed out by newer",
            written, expired, dropped);
  g_signal_handler_disconnect(sn->session, sn->sending_id);
  g_object_unref(sn->session);
  gw_nack_out_free(sn->out);
  g_free(sn);
}

/* The RTCP thread, without the session's lock. */
static gboolean
append_nacks(GObject *session, GstBuffer *buffer, gboolean early, SessionNacks *sn)
{
  g_mutex_lock(&sn->out->lock);
  gboolean waiting = sn->out->n > 0;
  g_mutex_unlock(&sn->out->lock);
  if (!waiting)
    return FALSE;
  guint sender = 0;
  g_object_get(session, "internal-ssrc", &sender, NULL);
  return gw_nack_out_write(sn->out, buffer, sender, early, g_get_monotonic_time()) > 0;
}

static GstPadProbeReturn
take_nack_request(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  SessionNacks *sn = data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
  if (GST_EVENT_TYPE(event) != GST_EVENT_CUSTOM_UPSTREAM ||
      !gst_event_has_name(event, "GstRTPRetransmissionRequest"))
    return GST_PAD_PROBE_OK;
  const GstStructure *s = gst_event_get_structure(event);
  guint ssrc, seqnum, delay = 0, deadline = 100, avg_rtt = 40;
  if (!gst_structure_get_uint(s, "ssrc", &ssrc) || !gst_structure_get_uint(s, "seqnum", &seqnum) ||
      seqnum > G_MAXUINT16)
    return GST_PAD_PROBE_OK; /* not one to write: the session does what it does with it */
  gst_structure_get_uint(s, "delay", &delay);
  gst_structure_get_uint(s, "deadline", &deadline);
  gst_structure_get_uint(s, "avg-rtt", &avg_rtt);
  /* rtpsession's own reading: what is left of the deadline after the packet
   * spacing and a round trip is how long the NACK may wait for an RTCP packet. */
  guint max_delay_ms = deadline > delay ? deadline - delay : deadline;
  max_delay_ms = max_delay_ms > avg_rtt ? max_delay_ms - avg_rtt : 0;
  gint64 now_us = g_get_monotonic_time();
  /* Every request asks for an early packet, as rtp_session_request_nack does
   * (the session allows one per regular interval). */
  gw_nack_out_add(sn->out, ssrc, (guint16)seqnum, now_us + (gint64)max_delay_ms * 1000);
  g_signal_emit_by_name(sn->session, "send-rtcp", (guint64)max_delay_ms * GST_MSECOND);
  return GST_PAD_PROBE_DROP;
}

/* 3e: packets past webrtcbin's ghost pads */
static atomic_uint_fast64_t send_shortcuts, receive_shortcuts;
static void add_shortcut(GstPad *from, const char *to, atomic_uint_fast64_t *counter);

static void
on_session_pad_added(GstElement *element, GstPad *pad, gpointer unused)
{
  if (g_str_equal(GST_OBJECT_NAME(pad), "send_rtp_src")) {
    add_shortcut(pad, "srtpenc", &send_shortcuts);
    return;
  }
  if (!g_str_equal(GST_OBJECT_NAME(pad), "recv_rtp_src"))
    return;
  SessionNacks *sn = g_object_get_data(G_OBJECT(element), SESSION_NACKS_KEY);
  if (!sn) {
    GObject *session = NULL;
    g_object_get(element, "internal-session", &session, NULL);
    if (!session || !g_signal_lookup("send-rtcp", G_OBJECT_TYPE(session))) {
      g_clear_object(&session);
      g_warning("%s has no RTP session to send NACKs with: the session keeps sending them",
                GST_OBJECT_NAME(element));
      return;
    }
    sn = g_new0(SessionNacks, 1);
    sn->session = session;
    sn->out = gw_nack_out_new();
    sn->sending_id = g_signal_connect(session, "on-sending-rtcp", G_CALLBACK(append_nacks), sn);
    g_object_set_data_full(G_OBJECT(element), SESSION_NACKS_KEY, sn, session_nacks_free);
    g_debug("%s: NACKs written by the gateway", GST_OBJECT_NAME(element));
  }
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, take_nack_request, sn, NULL);
}

static void
watch_session(GstElement *element)
{
  if (!gw_media_element_is(element, "rtpsession"))
    return;
  g_signal_connect(element, "pad-added", G_CALLBACK(on_session_pad_added), NULL);
  const char *const names[] = {"recv_rtp_src", "send_rtp_src"};
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    g_autoptr(GstPad) pad = gst_element_get_static_pad(element, names[i]);
    if (pad)
      on_session_pad_added(element, pad, NULL);
  }
}

/* ---- choosing, per new stream ---- */

static gboolean
path_is_audio(AudioPath *path, guint pt)
{
  return pt < 128 && (g_atomic_int_get(&path->pts[pt / 32]) & (1u << (pt % 32))) != 0;
}

void
gw_lean_add_audio_pt(GstElement *webrtc, guint pt)
{
  AudioPath *path = g_object_get_data(G_OBJECT(webrtc), AUDIO_PATH_KEY);
  if (path && pt < 128)
    g_atomic_int_or((guint *)&path->pts[pt / 32], 1u << (pt % 32));
}

static GstPadProbeReturn
note_rtp_pt(GstPad *pad, GstPadProbeInfo *info, gpointer unused)
{
  guint8 b[2];
  GstBuffer *buffer = (info->type & GST_PAD_PROBE_TYPE_BUFFER) ? GST_PAD_PROBE_INFO_BUFFER(info) : NULL;
  if (buffer && gst_buffer_extract(buffer, 0, b, 2) == 2 && (b[0] >> 6) == 2)
    g_private_set(&current_pt, GUINT_TO_POINTER((guint)(b[1] & 0x7f) + 1));
  else
    g_private_set(&current_pt, NULL);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
forget_pt(GstPad *pad, GstPadProbeInfo *info, gpointer unused)
{
  g_private_set(&current_pt, NULL);
  return GST_PAD_PROBE_OK;
}

static void
watch_demux(GstElement *element)
{
  if (!gw_media_element_is(element, "rtpssrcdemux"))
    return;
  g_autoptr(GstPad) rtp = gst_element_get_static_pad(element, "sink");
  g_autoptr(GstPad) rtcp = gst_element_get_static_pad(element, "rtcp_sink");
  if (rtp)
    gst_pad_add_probe(rtp, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, note_rtp_pt,
                      NULL, NULL);
  if (rtcp)
    gst_pad_add_probe(rtcp, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, forget_pt,
                      NULL, NULL);
}

static void
on_element_added(GstBin *rtpbin, GstElement *element, gpointer unused)
{
  watch_demux(element);
  watch_session(element);
}

static GstElement *
on_request_jitterbuffer(GstElement *rtpbin, guint session, AudioPath *path)
{
  guint pt1 = GPOINTER_TO_UINT(g_private_get(&current_pt));
  if (path->video_too) {
    /* webrtcbin sets do-retransmission where the m-line negotiated NACK (it
     * does on audio too when a client lists nack there; audio is not asked). */
    GwRtpPass *pass = g_object_new(GW_TYPE_RTP_PASS, NULL);
    pass->audio = pt1 != 0 && path_is_audio(path, pt1 - 1);
    g_debug("%s: stream (pt %d) without a jitter buffer", GST_OBJECT_NAME(rtpbin), (int)pt1 - 1);
    return GST_ELEMENT(pass);
  }
  if (pt1 == 0 || !path_is_audio(path, pt1 - 1))
    return NULL; /* rtpbin makes its usual rtpjitterbuffer */
  g_debug("%s: audio stream (pt %u) without a jitter buffer", GST_OBJECT_NAME(rtpbin), pt1 - 1);
  return g_object_new(GW_TYPE_RTP_PASS, NULL);
}

/*
 * 3. No receive history for forward error correction.
 *
 * rtpbin keeps every received packet of the session in an rtpstorage for its
 * ULPFEC/RED decoder, and webrtcbin sizes it to its latency plus 50 ms. The
 * gateway negotiates neither (no red or ulpfec m-line codec), so nothing ever
 * reads it: measured 0.6 MB per call at 8 calls. Size 0 keeps nothing.
 * Connected after webrtcbin's own handler, so this runs last.
 */
static void
on_new_storage(GstElement *rtpbin, GstElement *storage, guint session, gpointer unused)
{
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(storage), "size-time"))
    g_object_set(storage, "size-time", (guint64)0, NULL);
}

/*
 * 3b. No FEC decoder in the received packets' way.
 *
 * For the same reason webrtcbin's FEC decoders only pass packets on: it answers
 * rtpbin's request-fec-decoder(-full) with an rtpulpfecdec for every stream a
 * peer sends, whatever was negotiated. With webrtcbin's handlers for these
 * blocked, rtpbin's accumulator gets no element and links the stream straight:
 * one element fewer on every received packet's way. (Its FEC encoders, an
 * rtpulpfecenc and an rtpredenc in a bin behind every sink pad, are linked by
 * webrtcbin itself, not through rtpbin, and stay.) rtpbin's aux sender and
 * receiver stay too (RTX from the browsers; rule 7 in docs/internals/webrtc.md).
 */
static void
block_fec_decoders(GstElement *rtpbin, GstElement *webrtc)
{
  static const char *const signals[] = {"request-fec-decoder", "request-fec-decoder-full"};
  for (guint i = 0; i < G_N_ELEMENTS(signals); i++) {
    guint id = g_signal_lookup(signals[i], G_OBJECT_TYPE(rtpbin));
    if (id)
      g_signal_handlers_block_matched(rtpbin, G_SIGNAL_MATCH_ID | G_SIGNAL_MATCH_DATA, id, 0, NULL,
                                      NULL, webrtc);
  }
}

gboolean
gw_lean_install_peer(GstElement *webrtc, gboolean video_too)
{
  g_autoptr(GstElement) rtpbin = gst_bin_get_by_name(GST_BIN(webrtc), "rtpbin");
  if (!rtpbin)
    return FALSE;
  if (g_signal_lookup("new-storage", G_OBJECT_TYPE(rtpbin)))
    g_signal_connect(rtpbin, "new-storage", G_CALLBACK(on_new_storage), NULL);
  block_fec_decoders(rtpbin, webrtc);
  if (!g_signal_lookup("request-jitterbuffer", G_OBJECT_TYPE(rtpbin)))
    return FALSE;
  AudioPath *path = g_new0(AudioPath, 1);
  path->video_too = video_too;
  g_object_set_data_full(G_OBJECT(webrtc), AUDIO_PATH_KEY, path, g_free);
  g_signal_connect(rtpbin, "element-added", G_CALLBACK(on_element_added), NULL);
  GstIterator *it = gst_bin_iterate_elements(GST_BIN(rtpbin));
  GValue item = G_VALUE_INIT;
  for (GstIteratorResult r; (r = gst_iterator_next(it, &item)) != GST_ITERATOR_DONE;) {
    if (r == GST_ITERATOR_RESYNC) {
      gst_iterator_resync(it);
      continue;
    }
    if (r == GST_ITERATOR_ERROR)
      break;
    on_element_added(GST_BIN(rtpbin), g_value_get_object(&item), NULL);
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(it);
  /* The path lives as long as the webrtcbin, which outlives its rtpbin's signals. */
  g_signal_connect(rtpbin, "request-jitterbuffer", G_CALLBACK(on_request_jitterbuffer), path);
  return TRUE;
}

/*
 * 2. webrtcbin's TOS events pass an rtpfunnel once.
 *
 * webrtcbin puts a sticky "GstWebRtcBinUpdateTos" event (the m-line's mid) on
 * each of its sink pads, and the BUNDLE rtpfunnel behind them pushes the
 * sticky events of its input again whenever the input changes: with audio and
 * video interleaved, about a hundred times a second per consumer. Each one
 * travels through rtpsession, srtpenc and dtlssrtpenc to nicesink, where
 * webrtcbin looks up the transceiver and sets the socket's TOS byte again
 * (a setsockopt per event). The TOS byte
 * is per ICE stream, shared by every m-line of the bundle, and the gateway
 * never sets a sender priority, so it is the default every time. Here an
 * event already seen passes no further; a new event (a priority change, a
 * new m-line) still does.
 */
#define TOS_SEEN 8

typedef struct {
  GMutex lock; /* every branch into the funnel pushes from its own thread */
  GstEvent *seen[TOS_SEEN]; /* references, newest last */
  guint64 dropped;
} TosFilter;

static void
tos_filter_free(gpointer p)
{
  TosFilter *f = p;
  for (guint i = 0; i < TOS_SEEN; i++)
    gst_clear_event(&f->seen[i]);
  g_mutex_clear(&f->lock);
  g_free(f);
}

static GstPadProbeReturn
drop_repeated_tos(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
  if (GST_EVENT_TYPE(event) != GST_EVENT_CUSTOM_DOWNSTREAM_STICKY ||
      !gst_event_has_name(event, "GstWebRtcBinUpdateTos"))
    return GST_PAD_PROBE_OK;
  TosFilter *f = data;
  gboolean seen = FALSE;
  g_mutex_lock(&f->lock);
  for (guint i = 0; i < TOS_SEEN && !seen; i++)
    seen = f->seen[i] == event;
  if (seen) {
    f->dropped++;
  } else {
    gst_clear_event(&f->seen[0]);
    memmove(f->seen, f->seen + 1, (TOS_SEEN - 1) * sizeof f->seen[0]);
    f->seen[TOS_SEEN - 1] = gst_event_ref(event);
  }
  g_mutex_unlock(&f->lock);
  return seen ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
}

/*
 * 3b. The funnel in front of dtlsenc forwards sticky events once.
 *
 * dtlssrtpenc funnels SRTP and SRTCP into dtlsenc, and a funnel by default
 * pushes all sticky events of its input again whenever the input changes. The
 * gateway's session sends RTCP many times a second (TWCC feedback at the end
 * of every frame, receiver reports, NACKs), so stream-start, caps and segment
 * went down to nicesink two hundred times a second per peer, 7 % of all
 * instructions in callgrind. dtlsenc and nicesink pass bytes and use neither
 * caps nor segment; each input's events still pass once, when they arrive.
 */
/* @pad belongs to an element made by @factory_name. */
static gboolean
pad_belongs_to(GstPad *pad, const char *factory_name)
{
  g_autoptr(GstObject) parent = pad ? gst_pad_get_parent(pad) : NULL;
  return parent && GST_IS_ELEMENT(parent) && gw_media_element_is(GST_ELEMENT(parent), factory_name);
}

/*
 * 3c. A received packet skips webrtcbin's receive queue once it is empty.
 *
 * webrtcbin puts a queue between nicesrc and dtlssrtpdec (transportreceivebin)
 * so that packets arriving before the transport may pass wait there, leaking
 * the oldest, without holding up nicesrc's thread, which also answers the
 * ICE checks. Once the transport passes, the queue only hands every packet
 * from nicesrc's thread to its own: a thread wake-up and two context switches
 * per packet, about 5 % of the gateway's CPU (docs/benchmarks.md). A probe on
 * the queue's sink pad now gives the packet straight to dtlssrtpdec on
 * nicesrc's thread while the queue is empty, its source pad is not blocked and
 * nicesrc's first events have passed, as Janus handles a packet on the thread
 * that read it. When webrtcbin blocks the transport again (ICE lost), packets
 * queue as before, and skip it again once it has drained. gst_pad_chain()
 * takes dtlssrtpdec's stream lock, as the queue's own push does, so the two
 * never run at once; a packet skipping ahead of the last one still leaving
 * the queue at the switch is one reordered packet, which SRTP's replay window
 * and the receiver accept. Nothing downstream may block nicesrc's thread: the
 * branch queues leak. The first time packets skip, the queue is empty and its
 * thread only waits: its source pad is deactivated, which ends that thread
 * (one thread fewer per peer; the queue keeps the packets that arrive before
 * DTLS, its one use). After that a packet that cannot skip, because webrtcbin
 * blocked the transport again (ICE lost), is dropped rather than queued.
 */
typedef struct {
  GstElement *queue; /* borrowed: the probe lives on the queue's own pad */
  GstPad *src;       /* the queue's source pad (ref) */
  GstPad *next;      /* what it is linked to, dtlssrtpdec's sink (ref), once seen */
  gboolean skipping; /* only nicesrc's thread reads and writes these two */
  gboolean retired;  /* the queue's thread was let go */
} ReceiveSkip;

static atomic_uint_fast64_t receive_skipped; /* packets that skipped a receive queue */
static atomic_uint_fast64_t receive_retired; /* receive queues whose thread was let go */

guint64
gw_lean_receive_retired(void)
{
  return atomic_load_explicit(&receive_retired, memory_order_relaxed);
}

guint64
gw_lean_receive_skipped(void)
{
  return atomic_load_explicit(&receive_skipped, memory_order_relaxed);
}

static void
receive_skip_free(gpointer p)
{
  ReceiveSkip *skip = p;
  gst_clear_object(&skip->src);
  gst_clear_object(&skip->next);
  g_free(skip);
}

/* The queue's thread is let go (its source pad deactivated) once the first
 * packet skipped: from then on a packet that cannot skip is dropped, as a
 * packet arriving at a blocked transport is useless anyway (ICE is lost;
 * Janus drops these too), and must not reach the inactive queue, which would
 * answer nicesrc with FLUSHING and stop it. */
static GstPadProbeReturn
skip_receive_queue(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  ReceiveSkip *skip = data;
  /* What happens to a packet that cannot skip: the queue, or once it is gone, nothing. */
  GstPadProbeReturn usual = skip->retired ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;

  if (gst_pad_is_blocked(skip->src)) {
    skip->skipping = FALSE;
    return usual;
  }
  if (!skip->skipping) {
    guint level = 1;
    g_object_get(skip->queue, "current-level-buffers", &level, NULL);
    if (level > 0)
      return usual;
    if (skip->next == NULL)
      skip->next = gst_pad_get_peer(skip->src);
    if (skip->next == NULL)
      return usual;
    /* The queue's thread must have passed on nicesrc's stream-start, caps and segment. */
    g_autoptr(GstEvent) segment = gst_pad_get_sticky_event(skip->next, GST_EVENT_SEGMENT, 0);
    if (segment == NULL)
      return usual;
    skip->skipping = TRUE;
    if (!skip->retired) {
      /* Empty and not blocked: its thread waits for data that will not come. */
      skip->retired = gst_pad_set_active(skip->src, FALSE);
      if (skip->retired)
        atomic_fetch_add_explicit(&receive_retired, 1, memory_order_relaxed);
    }
  }
  /* A refused packet (flushing at the end of the call) is dropped, as the queue would. */
  atomic_fetch_add_explicit(&receive_skipped, 1, memory_order_relaxed);
  (void)gst_pad_chain(skip->next, GST_PAD_PROBE_INFO_BUFFER(info));
  GST_PAD_PROBE_INFO_DATA(info) = NULL;
  return GST_PAD_PROBE_HANDLED;
}

static void
watch_receive_queue(GstElement *queue)
{
  g_autoptr(GstObject) parent = gst_object_get_parent(GST_OBJECT(queue));
  if (!parent || !g_str_equal(G_OBJECT_TYPE_NAME(parent), "TransportReceiveBin"))
    return;
  g_autoptr(GstPad) sink = gst_element_get_static_pad(queue, "sink");
  /* webrtcbin links nicesrc -> capsfilter -> queue: skip the capsfilter as well
   * (its caps event went by with nicesrc's first events). */
  g_autoptr(GstPad) before = gst_pad_get_peer(sink);
  if (before && pad_belongs_to(before, "capsfilter")) {
    g_autoptr(GstObject) capsfilter = gst_pad_get_parent(before);
    GstPad *capsfilter_sink = gst_element_get_static_pad(GST_ELEMENT(capsfilter), "sink");
    if (capsfilter_sink) {
      gst_object_unref(sink);
      sink = capsfilter_sink;
    }
  }
  g_debug("%s: received packets skip the queue from %s:%s on", GST_OBJECT_NAME(parent),
          GST_DEBUG_PAD_NAME(sink));
  ReceiveSkip *skip = g_new0(ReceiveSkip, 1);
  skip->queue = queue;
  skip->src = gst_element_get_static_pad(queue, "src");
  gst_pad_add_probe(sink, GST_PAD_PROBE_TYPE_BUFFER, skip_receive_queue, skip, receive_skip_free);
}

/* An element inside webrtcbin can be seen twice as its bins are added (as a
 * bin's child and on its own): the first time counts. */
static gboolean
first_sight(GstElement *element)
{
  if (g_object_get_data(G_OBJECT(element), "gw-lean-seen"))
    return FALSE;
  g_object_set_data(G_OBJECT(element), "gw-lean-seen", GINT_TO_POINTER(1));
  return TRUE;
}

static void
trim_element(GstElement *element)
{
  if (gw_media_element_is(element, "srtpdec")) {
    g_autoptr(GstPad) rtp_src = gst_element_get_static_pad(element, "rtp_src");
    if (rtp_src)
      add_shortcut(rtp_src, "rtpsession", &receive_shortcuts);
  } else if (gw_media_element_is(element, "rtpfunnel")) {
    g_autoptr(GstPad) src = gst_element_get_static_pad(element, "src");
    if (!src)
      return;
    TosFilter *f = g_new0(TosFilter, 1);
    g_mutex_init(&f->lock);
    gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, drop_repeated_tos, f,
                      tos_filter_free);
  } else if (gw_media_element_is(element, "funnel")) {
    g_autoptr(GstObject) parent = gst_object_get_parent(GST_OBJECT(element));
    if (parent && GST_IS_ELEMENT(parent) && gw_media_element_is(GST_ELEMENT(parent), "dtlssrtpenc"))
      g_object_set(element, "forward-sticky-events", FALSE, NULL);
  }
}

static void
trim_element_and_queue(GstElement *element)
{
  trim_element(element);
  if (gw_media_element_is(element, "queue"))
    watch_receive_queue(element);
}

static void
trim_element_once(GstElement *element)
{
  if (first_sight(element))
    trim_element(element);
}

static void
trim_element_and_queue_once(GstElement *element)
{
  if (first_sight(element))
    trim_element_and_queue(element);
}

static void
on_deep_element_added(GstBin *bin, GstBin *sub_bin, GstElement *element, gpointer skip_queue)
{
  gw_media_visit_added(element, skip_queue ? trim_element_and_queue_once : trim_element_once);
}

/*
 * 3d. A sent packet skips webrtcbin's clocksync and FEC encoders.
 *
 * webrtcbin 1.22 links each of its sink pads through a clocksync and a bin
 * of an rtpulpfecenc and an rtpredenc into the BUNDLE rtpfunnel (or rtpbin):
 * sink_%u -> clocksync -> [ulpfecenc -> redenc] -> rtpfunnel. The gateway
 * negotiates neither ULPFEC nor RED, so both encoders only pass each packet
 * on, and the clocksync has nothing to wait for (the forwarded packets carry
 * no timestamps it could sync to): four elements and two ghost-pad hops on
 * every forwarded packet, each a pad push with its locks, probes and cast
 * checks. With the first packet, the sink pad's target becomes what the
 * encoder bin fed (unlinked from it), and the three elements stay in
 * webrtcbin, idle. webrtcbin builds that chain once per sink pad and never
 * looks at the links again (1.22: release only drops the transceiver). The
 * first packet goes the new way: its probe runs before the ghost pad's chain
 * function pushes it on. If the chain is not what is described here (another
 * GStreamer, or FEC negotiated after all), nothing is changed.
 */
static atomic_uint_fast64_t send_trimmed; /* sink pads whose chain was cut short */

guint64
gw_lean_send_trimmed(void)
{
  return atomic_load_explicit(&send_trimmed, memory_order_relaxed);
}

/* An rtpulpfecenc without a payload type (255) or overhead, or an rtpredenc
 * that adds no redundant block, as webrtcbin sets them when neither was
 * negotiated, pushes each packet on as it is. */
static gboolean
fec_encoder_is_idle(GstPad *encoder_pad)
{
  g_autoptr(GstObject) parent = gst_pad_get_parent(encoder_pad);
  if (gw_media_element_is(GST_ELEMENT(parent), "rtpulpfecenc")) {
    guint pt = 0, percentage = 1, important = 1;
    g_object_get(parent, "pt", &pt, "percentage", &percentage, "percentage-important", &important,
                 NULL);
    return pt == 255 || (percentage == 0 && important == 0);
  }
  guint distance = 1;
  gboolean always = TRUE;
  g_object_get(parent, "distance", &distance, "allow-no-red-blocks", &always, NULL);
  return distance == 0 && !always;
}

static void
trim_send_chain(GstGhostPad *sink)
{
  g_autoptr(GstPad) clock_sink = gst_ghost_pad_get_target(sink);
  if (!pad_belongs_to(clock_sink, "clocksync"))
    return;
  g_autoptr(GstObject) clocksync = gst_pad_get_parent(clock_sink);
  g_autoptr(GstPad) clock_src = gst_element_get_static_pad(GST_ELEMENT(clocksync), "src");
  g_autoptr(GstPad) bin_sink = clock_src ? gst_pad_get_peer(clock_src) : NULL;
  if (!bin_sink || !GST_IS_GHOST_PAD(bin_sink))
    return;
  g_autoptr(GstObject) bin = gst_pad_get_parent(bin_sink);
  g_autoptr(GstPad) bin_src = bin ? gst_element_get_static_pad(GST_ELEMENT(bin), "src") : NULL;
  if (!bin_src || !GST_IS_GHOST_PAD(bin_src))
    return;
  g_autoptr(GstPad) fec_sink = gst_ghost_pad_get_target(GST_GHOST_PAD(bin_sink));
  g_autoptr(GstPad) red_src = gst_ghost_pad_get_target(GST_GHOST_PAD(bin_src));
  if (!pad_belongs_to(fec_sink, "rtpulpfecenc") || !pad_belongs_to(red_src, "rtpredenc") ||
      !fec_encoder_is_idle(fec_sink) || !fec_encoder_is_idle(red_src))
    return;
  g_autoptr(GstPad) next = gst_pad_get_peer(bin_src);
  if (!next || !gst_pad_unlink(bin_src, next))
    return;
  if (!gst_ghost_pad_set_target(sink, next)) {
    g_warning("%s:%s: cannot skip the FEC encoders; linking them back", GST_DEBUG_PAD_NAME(sink));
    (void)gst_pad_link(bin_src, next);
    return;
  }
  atomic_fetch_add_explicit(&send_trimmed, 1, memory_order_relaxed);
}

static GstPadProbeReturn
on_first_sent(GstPad *pad, GstPadProbeInfo *info, gpointer unused)
{
  trim_send_chain(GST_GHOST_PAD(pad));
  return GST_PAD_PROBE_REMOVE;
}

void
gw_lean_trim_send_pad(GstPad *sink_pad)
{
  if (GST_IS_GHOST_PAD(sink_pad))
    gst_pad_add_probe(sink_pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                      on_first_sent, NULL, NULL);
}

/*
 * 3e. Packets go from element to element past webrtcbin's ghost pads.
 *
 * A sent packet leaves a peer's rtpsession (send_rtp_src) through the ghost
 * pads of rtpbin, transportsendbin and dtlssrtpenc to its srtpenc
 * (rtp_sink_%u); a received one leaves srtpdec (rtp_src) through those of
 * dtlssrtpdec, transportreceivebin and rtpbin to the rtpsession
 * (recv_rtp_sink). Each ghost pad is one more pad push, with its locks,
 * probe checks and cast checks, on every packet. A probe on the first pad
 * now chains each packet into the last one itself, on the same thread, while
 * none of the ghost pads on the way is blocked: transportsendbin blocks
 * rtpbin's send_rtp_src until DTLS is done and again when it shuts down, and
 * a packet then goes the usual way and waits there as before. Events always
 * go the usual way; both are pushed by one thread at a time (the funnel's or
 * nicesrc's stream lock), so their order holds.
 *
 * Where rtpbin has put its aux sender (an rtprtxsend) on the sent packets'
 * way, a packet whose payload type has an RTX type in the session still goes
 * the usual way, to be kept for retransmission; the gateway's sent m-lines
 * have none (its NACK answers come from the branch history, forward.c). If
 * the way is not as described here, nothing changes.
 */
#define SHORTCUT_GATES 8

typedef struct {
  const char *to;                    /* factory of the element at the end of the way */
  atomic_uint_fast64_t *counter;     /* packets (or lists) that took it */
  gboolean resolved, usable, primed; /* only the pushing thread reads and writes these */
  GstPad *target;                    /* that element's sink pad (ref) */
  GstPad *gates[SHORTCUT_GATES];     /* the ghost pads on the usual way (refs) */
  guint n_gates;
  GstElement *rtxsend; /* ref, if one is on the way */
  gulong rtx_notify;
  gint rtx_pts[4]; /* atomic bitmap: payload types rtprtxsend keeps */
} Shortcut;

guint64
gw_lean_send_shortcuts(void)
{
  return atomic_load_explicit(&send_shortcuts, memory_order_relaxed);
}

guint64
gw_lean_receive_shortcuts(void)
{
  return atomic_load_explicit(&receive_shortcuts, memory_order_relaxed);
}

static void
shortcut_free(gpointer p)
{
  Shortcut *cut = p;
  if (cut->rtx_notify)
    g_signal_handler_disconnect(cut->rtxsend, cut->rtx_notify);
  gst_clear_object(&cut->rtxsend);
  gst_clear_object(&cut->target);
  for (guint i = 0; i < cut->n_gates; i++)
    gst_object_unref(cut->gates[i]);
  g_free(cut);
}

static gboolean
note_rtx_pt(GQuark field, const GValue *value, gpointer data)
{
  guint *pts = data;
  gint64 pt = g_ascii_strtoll(g_quark_to_string(field), NULL, 10);
  if (pt >= 0 && pt < 128)
    pts[pt / 32] |= 1u << (pt % 32);
  return TRUE;
}

static void
on_rtx_map(GObject *rtxsend, GParamSpec *pspec, Shortcut *cut)
{
  guint pts[4] = {0};
  GstStructure *map = NULL;
  g_object_get(rtxsend, "payload-type-map", &map, NULL);
  if (map) {
    gst_structure_foreach(map, note_rtx_pt, pts);
    gst_structure_free(map);
  }
  for (guint i = 0; i < 4; i++)
    g_atomic_int_set(&cut->rtx_pts[i], (gint)pts[i]);
}

/* Follows @src's peer through ghost pads (noting them as @cut's gates) to the
 * next element's sink pad. Returns: that pad (ref), or NULL. */
static GstPad *
walk_to_element(Shortcut *cut, GstPad *src)
{
  GstPad *pad = gst_pad_get_peer(src);
  while (pad && cut->n_gates < SHORTCUT_GATES) {
    GstObject *parent = gst_pad_get_parent(pad);
    GstPad *next;
    if (GST_IS_GHOST_PAD(pad)) {
      /* A sink ghost pad: on to its target, inside its bin. */
      cut->gates[cut->n_gates++] = gst_object_ref(pad);
      next = gst_ghost_pad_get_target(GST_GHOST_PAD(pad));
    } else if (parent && GST_IS_GHOST_PAD(parent)) {
      /* The inner side of a source ghost pad: out through it. */
      cut->gates[cut->n_gates++] = gst_object_ref(GST_PAD(parent));
      next = gst_pad_get_peer(GST_PAD(parent));
    } else {
      gst_clear_object(&parent);
      return pad;
    }
    gst_clear_object(&parent);
    gst_object_unref(pad);
    pad = next;
  }
  gst_clear_object(&pad);
  return NULL;
}

static void
resolve_shortcut(Shortcut *cut, GstPad *from)
{
  cut->resolved = TRUE;
  GstPad *target = walk_to_element(cut, from);
  if (pad_belongs_to(target, "rtprtxsend")) {
    cut->rtxsend = GST_ELEMENT(gst_pad_get_parent(target));
    gst_object_unref(target);
    g_autoptr(GstPad) rtx_src = gst_element_get_static_pad(cut->rtxsend, "src");
    target = rtx_src ? walk_to_element(cut, rtx_src) : NULL;
  }
  if (cut->n_gates == 0 || !pad_belongs_to(target, cut->to)) {
    gst_clear_object(&target);
    return;
  }
  cut->target = target;
  if (cut->rtxsend) {
    cut->rtx_notify =
        g_signal_connect(cut->rtxsend, "notify::payload-type-map", G_CALLBACK(on_rtx_map), cut);
    on_rtx_map(G_OBJECT(cut->rtxsend), NULL, cut);
  }
  cut->usable = TRUE;
  g_debug("%s:%s: packets go straight to %s:%s (%u ghost pads%s skipped)", GST_DEBUG_PAD_NAME(from),
          GST_DEBUG_PAD_NAME(cut->target), cut->n_gates, cut->rtxsend ? " and rtprtxsend" : "");
}

static gboolean
rtx_keeps(Shortcut *cut, GstBuffer *buffer)
{
  if (!cut->rtxsend)
    return FALSE;
  guint8 b;
  if (gst_buffer_extract(buffer, 1, &b, 1) != 1)
    return TRUE;
  guint pt = b & 0x7f;
  return (g_atomic_int_get(&cut->rtx_pts[pt / 32]) & (1u << (pt % 32))) != 0;
}

static GstPadProbeReturn
take_shortcut(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Shortcut *cut = data;
  if (!cut->resolved)
    resolve_shortcut(cut, pad);
  if (!cut->usable)
    return GST_PAD_PROBE_REMOVE;
  for (guint i = 0; i < cut->n_gates; i++)
    if (GST_PAD_IS_BLOCKED(cut->gates[i]))
      return GST_PAD_PROBE_OK;
  if (!cut->primed) {
    /* The usual way must have brought stream-start, caps and segment first. */
    g_autoptr(GstEvent) segment = gst_pad_get_sticky_event(cut->target, GST_EVENT_SEGMENT, 0);
    if (segment == NULL)
      return GST_PAD_PROBE_OK;
    cut->primed = TRUE;
  }
  GstFlowReturn ret;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    if (rtx_keeps(cut, buffer))
      return GST_PAD_PROBE_OK;
    ret = gst_pad_chain(cut->target, buffer);
  } else {
    GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    for (guint i = 0, n = gst_buffer_list_length(list); i < n; i++)
      if (rtx_keeps(cut, gst_buffer_list_get(list, i)))
        return GST_PAD_PROBE_OK;
    ret = gst_pad_chain_list(cut->target, list);
  }
  atomic_fetch_add_explicit(cut->counter, 1, memory_order_relaxed);
  GST_PAD_PROBE_INFO_DATA(info) = NULL;
  GST_PAD_PROBE_INFO_FLOW_RETURN(info) = ret;
  return GST_PAD_PROBE_HANDLED;
}

static void
add_shortcut(GstPad *from, const char *to, atomic_uint_fast64_t *counter)
{
  Shortcut *cut = g_new0(Shortcut, 1);
  cut->to = to;
  cut->counter = counter;
  gst_pad_add_probe(from, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, take_shortcut,
                    cut, shortcut_free);
}

/*
 * 4. Freed heap goes back to the system.
 *
 * Every packet is allocated on one thread and freed on another, over a dozen
 * threads per call, and glibc keeps what they free in its arenas: at 8 calls,
 * malloc_trim() in the middle of the run gave back 8.7 of the 45 MB the calls
 * had added, and the process stayed that much smaller after it. Done every
 * few seconds on the control thread; it takes each arena's lock briefly.
 */
#define TRIM_INTERVAL_S 5

#ifdef __GLIBC__
static gboolean
trim_heap(gpointer unused)
{
  malloc_trim(0);
  return G_SOURCE_CONTINUE;
}
#endif

void
gw_lean_watch_pipeline(GstElement *pipeline, gboolean skip_receive_queue)
{
  g_signal_connect(pipeline, "deep-element-added", G_CALLBACK(on_deep_element_added),
                   GINT_TO_POINTER(skip_receive_queue));
#ifdef __GLIBC__
  static gsize started;
  if (g_once_init_enter(&started)) {
    /* On the thread that makes rooms (the control thread), for the life of the process. */
    GSource *timer = g_timeout_source_new_seconds(TRIM_INTERVAL_S);
    g_source_set_callback(timer, trim_heap, NULL, NULL);
    g_autoptr(GMainContext) context = g_main_context_ref_thread_default();
    g_source_attach(timer, context);
    g_source_unref(timer);
    g_once_init_leave(&started, 1);
  }
#endif
}
