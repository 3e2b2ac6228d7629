/* SPDX-License-Identifier: Apache-2.0 */
/* A load-generator participant: appsrc (frames from memory) -> payloader -> webrtcbin. */
#define GST_USE_UNSTABLE_API
#include "bench-peer.h"

#include <gst/app/gstappsrc.h>
#include <gst/rtp/rtp.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

gint bench_peer_measuring;

/* Payload types the way the gateways expect a browser's: Balie gives a peer's own
 * audio and camera the first two numbers, and Janus passes the offerer's through. */
#define BENCH_PT_OPUS 96
#define BENCH_PT_VP8 97

typedef struct {
  BenchTrack *track;
  GstElement *appsrc;
  guint next; /* index of the next frame */
  guint loop;
} Feed;

struct _BenchPeer {
  GMainContext *context;
  BenchPeerCallbacks callbacks;
  gpointer user_data;
  BenchDelays *delays;
  GstElement *pipeline;
  GstElement *webrtc;
  GstClock *clock;
  GstClockTime base_time;

  GMutex feed_lock;
  gboolean feeding;
  gint64 start_us;
  Feed video, audio;

  BenchSendLog *send_log;
  BenchPeer *partner; /* set once, before media flows */
  BenchStream rx_video, rx_audio, tx_video, tx_audio;
  gint64 first_video_us; /* atomic */
  guint64 timed;         /* atomic */
};

/* ---- hand-off to the main thread ---- */

typedef struct {
  BenchPeer *peer;
  guint mline;
  char *type;
  char *text;
} Hop;

static void
hop_free(gpointer p)
{
  Hop *h = p;
  g_free(h->type);
  g_free(h->text);
  g_free(h);
}

static void
hop(BenchPeer *peer, guint mline, const char *type, const char *text, GSourceFunc func)
{
  Hop *h = g_new0(Hop, 1);
  h->peer = peer;
  h->mline = mline;
  h->type = g_strdup(type);
  h->text = g_strdup(text);
  g_main_context_invoke_full(peer->context, G_PRIORITY_DEFAULT, func, h, hop_free);
}

static gboolean
deliver_candidate(gpointer p)
{
  Hop *h = p;
  h->peer->callbacks.local_candidate(h->peer->user_data, h->mline, h->text);
  return G_SOURCE_REMOVE;
}

static gboolean
deliver_description(gpointer p)
{
  Hop *h = p;
  h->peer->callbacks.local_description(h->peer->user_data, h->type, h->text);
  return G_SOURCE_REMOVE;
}

static void
on_ice_candidate(GstElement *webrtc, guint mline, const char *candidate, BenchPeer *peer)
{
  hop(peer, mline, NULL, candidate, deliver_candidate);
}

/* ---- measuring ---- */

typedef struct {
  BenchPeer *peer;
  gboolean video;
  gboolean sent; /* a sender-side probe */
} ProbeCtx;

static void
account_rtp(GstBuffer *buffer, gpointer data)
{
  ProbeCtx *ctx = data;
  BenchPeer *peer = ctx->peer;
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp))
    return;
  gint64 now = g_get_monotonic_time();
  BenchStream *s = ctx->sent ? (ctx->video ? &peer->tx_video : &peer->tx_audio)
                             : (ctx->video ? &peer->rx_video : &peer->rx_audio);
  bench_stream_account(s, gst_rtp_buffer_get_seq(&rtp), gst_rtp_buffer_get_timestamp(&rtp), now);
  if (ctx->video) {
    guint64 key =
        bench_payload_hash(gst_rtp_buffer_get_payload(&rtp), gst_rtp_buffer_get_payload_len(&rtp));
    if (ctx->sent) {
      bench_send_log_put(peer->send_log, key, now);
    } else {
      gint64 zero = 0;
      __atomic_compare_exchange_n(&peer->first_video_us, &zero, now, FALSE, __ATOMIC_SEQ_CST,
                                  __ATOMIC_SEQ_CST);
      gint64 sent = peer->partner ? bench_send_log_get(peer->partner->send_log, key) : -1;
      if (sent >= 0 && now - sent < G_USEC_PER_SEC * 10) {
        __atomic_fetch_add(&peer->timed, 1, __ATOMIC_RELAXED);
        if (g_atomic_int_get(&bench_peer_measuring))
          bench_delays_add(peer->delays, now - sent);
      }
    }
  }
  gst_rtp_buffer_unmap(&rtp);
}

static GstPadProbeReturn
probe_rtp(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  bench_probe_foreach_rtp(info, account_rtp, data);
  return GST_PAD_PROBE_OK;
}

static void
add_rtp_probe(GstPad *pad, BenchPeer *peer, gboolean video, gboolean sent)
{
  ProbeCtx *ctx = g_new0(ProbeCtx, 1);
  ctx->peer = peer;
  ctx->video = video;
  ctx->sent = sent;
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, probe_rtp, ctx,
                    g_free);
}

static void
on_pad_added(GstElement *webrtc, GstPad *pad, BenchPeer *peer)
{
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC)
    return;
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
  const char *media =
      caps ? gst_structure_get_string(gst_caps_get_structure(caps, 0), "media") : NULL;
  GstElement *sink = gst_element_factory_make("fakesink", NULL);
  g_object_set(sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add(GST_BIN(peer->pipeline), sink);
  gst_element_sync_state_with_parent(sink);
  g_autoptr(GstPad) sinkpad = gst_element_get_static_pad(sink, "sink");
  add_rtp_probe(sinkpad, peer, g_strcmp0(media, "audio") != 0, FALSE);
  gst_pad_link(pad, sinkpad);
}

/* ---- negotiation ---- */

static void
on_description_created(GstPromise *promise, gpointer data)
{
  BenchPeer *peer = data;
  const GstStructure *reply = gst_promise_get_reply(promise);
  GstWebRTCSessionDescription *desc = NULL;
  const char *type = NULL;
  if (reply && gst_structure_has_field(reply, "answer")) {
    gst_structure_get(reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, NULL);
    type = "answer";
  } else if (reply && gst_structure_has_field(reply, "offer")) {
    gst_structure_get(reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, NULL);
    type = "offer";
  }
  gst_promise_unref(promise);
  if (!desc) {
    g_warning("webrtcbin created no description");
    return;
  }
  g_signal_emit_by_name(peer->webrtc, "set-local-description", desc, NULL);
  g_autofree char *text = gst_sdp_message_as_text(desc->sdp);
  gst_webrtc_session_description_free(desc);
  hop(peer, 0, type, text, deliver_description);
}

void
bench_peer_set_remote(BenchPeer *peer, const char *type, const char *sdp)
{
  GstSDPMessage *msg = NULL;
  if (gst_sdp_message_new_from_text(sdp, &msg) != GST_SDP_OK) {
    g_warning("unparseable remote SDP");
    return;
  }
  gboolean offer = g_strcmp0(type, "offer") == 0;
  GstWebRTCSessionDescription *desc = gst_webrtc_session_description_new(
      offer ? GST_WEBRTC_SDP_TYPE_OFFER : GST_WEBRTC_SDP_TYPE_ANSWER, msg);
  g_signal_emit_by_name(peer->webrtc, "set-remote-description", desc, NULL);
  gst_webrtc_session_description_free(desc);
  if (offer)
    g_signal_emit_by_name(peer->webrtc, "create-answer", NULL,
                          gst_promise_new_with_change_func(on_description_created, peer, NULL));
}

void
bench_peer_create_offer(BenchPeer *peer)
{
  g_signal_emit_by_name(peer->webrtc, "create-offer", NULL,
                        gst_promise_new_with_change_func(on_description_created, peer, NULL));
}

void
bench_peer_add_candidate(BenchPeer *peer, guint mline, const char *candidate)
{
  if (candidate && *candidate)
    g_signal_emit_by_name(peer->webrtc, "add-ice-candidate", mline, candidate);
}

/* ---- feeding ---- */

static void
feed_track(BenchPeer *peer, Feed *f, gint64 now_us)
{
  BenchTrack *t = f->track;
  for (;;) {
    GstBuffer *frame = g_ptr_array_index(t->frames, f->next);
    gint64 due =
        peer->start_us + (gint64)((f->loop * t->period + GST_BUFFER_PTS(frame)) / GST_USECOND);
    if (due > now_us)
      return;
    GstBuffer *copy = gst_buffer_copy(frame); /* shares the memory, new metadata */
    GST_BUFFER_PTS(copy) = gst_clock_get_time(peer->clock) - peer->base_time;
    GST_BUFFER_DTS(copy) = GST_CLOCK_TIME_NONE;
    if (f->next == 0 && f->loop > 0)
      GST_BUFFER_FLAG_SET(copy, GST_BUFFER_FLAG_DISCONT);
    gst_app_src_push_buffer(GST_APP_SRC(f->appsrc), copy);
    if (++f->next == t->frames->len) {
      f->next = 0;
      f->loop++;
    }
  }
}

void
bench_peer_feed(BenchPeer *peer, gint64 now_us)
{
  g_mutex_lock(&peer->feed_lock);
  if (peer->feeding) {
    feed_track(peer, &peer->video, now_us);
    feed_track(peer, &peer->audio, now_us);
  }
  g_mutex_unlock(&peer->feed_lock);
}

void
bench_peer_start_media(BenchPeer *peer)
{
  g_mutex_lock(&peer->feed_lock);
  if (!peer->feeding) {
    peer->feeding = TRUE;
    peer->start_us = g_get_monotonic_time();
  }
  g_mutex_unlock(&peer->feed_lock);
}

/* ---- life cycle ---- */

static GstElement *
add_send_branch(BenchPeer *peer, Feed *f, BenchTrack *track, gboolean video, GError **error)
{
  g_autofree char *desc =
      g_strdup_printf("appsrc is-live=true format=time max-bytes=0 max-buffers=30 "
                      "leaky-type=downstream ! %s pt=%u mtu=1200 ! "
                      "capsfilter caps=\"application/x-rtp,media=%s,encoding-name=%s,payload=%u\"",
                      video ? "rtpvp8pay picture-id-mode=15-bit" : "rtpopuspay",
                      video ? BENCH_PT_VP8 : BENCH_PT_OPUS, video ? "video" : "audio",
                      video ? "VP8" : "OPUS", video ? BENCH_PT_VP8 : BENCH_PT_OPUS);
  GstElement *bin = gst_parse_bin_from_description(desc, TRUE, error);
  if (!bin)
    return NULL;
  gst_bin_add(GST_BIN(peer->pipeline), bin);
  g_autoptr(GstPad) src = gst_element_get_static_pad(bin, "src");
  add_rtp_probe(src, peer, video, TRUE);
  g_autoptr(GstPad) sink = gst_element_request_pad_simple(peer->webrtc, "sink_%u");
  gst_pad_link(src, sink);
  GValue item = G_VALUE_INIT;
  g_autoptr(GstIterator) it = gst_bin_iterate_sources(GST_BIN(bin));
  if (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    f->appsrc = g_value_dup_object(&item);
    g_value_unset(&item);
  }
  f->track = track;
  g_object_set(f->appsrc, "caps", track->caps, NULL);
  return bin;
}

BenchPeer *
bench_peer_new(BenchMedia *media, const char *extra_ip, const BenchPeerCallbacks *callbacks,
               gpointer user_data, BenchDelays *delays, GError **error)
{
  BenchPeer *peer = g_new0(BenchPeer, 1);
  peer->context = g_main_context_ref_thread_default();
  peer->callbacks = *callbacks;
  peer->user_data = user_data;
  peer->delays = delays;
  peer->send_log = bench_send_log_new();
  g_mutex_init(&peer->feed_lock);
  bench_stream_init(&peer->rx_video, 90000);
  bench_stream_init(&peer->tx_video, 90000);
  bench_stream_init(&peer->rx_audio, 48000);
  bench_stream_init(&peer->tx_audio, 48000);

  peer->pipeline = gst_pipeline_new(NULL);
  peer->webrtc = gst_element_factory_make("webrtcbin", NULL);
  g_object_set(peer->webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, NULL);
  gst_bin_add(GST_BIN(peer->pipeline), peer->webrtc);
  if (!add_send_branch(peer, &peer->audio, &media->audio, FALSE, error) ||
      !add_send_branch(peer, &peer->video, &media->video, TRUE, error)) {
    bench_peer_free(peer);
    return NULL;
  }
  g_signal_connect(peer->webrtc, "pad-added", G_CALLBACK(on_pad_added), peer);
  g_signal_connect(peer->webrtc, "on-ice-candidate", G_CALLBACK(on_ice_candidate), peer);

  GstObject *ice = NULL;
  g_object_get(peer->webrtc, "ice-agent", &ice, NULL);
  if (extra_ip) {
    gboolean ok;
    g_signal_emit_by_name(ice, "add-local-ip-address", extra_ip, &ok);
  }
  GObject *agent = NULL;
  g_object_get(ice, "agent", &agent, NULL);
  g_object_set(agent, "upnp", FALSE, NULL); /* no router discovery: local traffic only */
  g_object_unref(agent);
  gst_object_unref(ice);

  peer->clock = gst_system_clock_obtain();
  gst_pipeline_use_clock(GST_PIPELINE(peer->pipeline), peer->clock);
  gst_element_set_state(peer->pipeline, GST_STATE_PLAYING);
  peer->base_time = gst_element_get_base_time(peer->pipeline);
  return peer;
}

void
bench_peer_free(BenchPeer *peer)
{
  if (!peer)
    return;
  g_mutex_lock(&peer->feed_lock);
  peer->feeding = FALSE;
  g_mutex_unlock(&peer->feed_lock);
  if (peer->pipeline) {
    gst_element_set_state(peer->pipeline, GST_STATE_NULL);
    gst_object_unref(peer->pipeline);
  }
  g_clear_object(&peer->video.appsrc);
  g_clear_object(&peer->audio.appsrc);
  gst_clear_object(&peer->clock);
  bench_send_log_free(peer->send_log);
  bench_stream_clear(&peer->rx_video);
  bench_stream_clear(&peer->tx_video);
  bench_stream_clear(&peer->rx_audio);
  bench_stream_clear(&peer->tx_audio);
  g_mutex_clear(&peer->feed_lock);
  g_main_context_unref(peer->context);
  g_free(peer);
}

void
bench_peer_set_partner(BenchPeer *peer, BenchPeer *partner)
{
  peer->partner = partner;
}

GstElement *
bench_peer_get_webrtc(BenchPeer *peer)
{
  return peer->webrtc;
}

gint64
bench_peer_first_video_us(BenchPeer *peer)
{
  return __atomic_load_n(&peer->first_video_us, __ATOMIC_SEQ_CST);
}

guint64
bench_peer_timed_packets(BenchPeer *peer)
{
  return __atomic_load_n(&peer->timed, __ATOMIC_RELAXED);
}

BenchStream *
bench_peer_rx_video(BenchPeer *peer)
{
  return &peer->rx_video;
}

BenchStream *
bench_peer_rx_audio(BenchPeer *peer)
{
  return &peer->rx_audio;
}

BenchStream *
bench_peer_tx_video(BenchPeer *peer)
{
  return &peer->tx_video;
}

BenchStream *
bench_peer_tx_audio(BenchPeer *peer)
{
  return &peer->tx_audio;
}
