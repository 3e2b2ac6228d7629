/* SPDX-License-Identifier: Apache-2.0 */
/* Forwarding branches: a producer's tee -> [leaky queue] -> isolate -> a consumer's sink pad. */
#include "webrtc/feedback.h"
#include "webrtc/isolate.h"
#include "webrtc/media-room-private.h"

#include <gst/rtp/rtp.h>

/* A branch holds at most this much; older packets are dropped so one slow
 * consumer cannot hold the producer back. */
#define GW_FORWARD_QUEUE_PACKETS 300

/* At most one keyframe request per interval reaches a sender: every viewer's
 * PLI/FIR arrives here as an upstream GstForceKeyUnit event. */
typedef struct {
  GMutex lock; /* requests come from every viewer's streaming thread */
  gint64 interval_us;
  gint64 last_us;
  guint passed, dropped;
} KeyframeLimit;

static void
keyframe_limit_free(gpointer p)
{
  KeyframeLimit *limit = p;
  g_mutex_clear(&limit->lock);
  g_free(limit);
}

static GstPadProbeReturn
limit_keyframe_requests(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  KeyframeLimit *limit = data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
  if (GST_EVENT_TYPE(event) != GST_EVENT_CUSTOM_UPSTREAM ||
      !gst_structure_has_name(gst_event_get_structure(event), "GstForceKeyUnit"))
    return GST_PAD_PROBE_OK;
  gint64 now = g_get_monotonic_time();
  g_mutex_lock(&limit->lock);
  gboolean pass = limit->last_us == 0 || now - limit->last_us >= limit->interval_us;
  if (pass) {
    limit->last_us = now;
    limit->passed++;
  } else {
    limit->dropped++;
  }
  g_mutex_unlock(&limit->lock);
  return pass ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
}

GstElement *
gw_forward_attach_tee(GstElement *pipeline, GstPad *pad, guint keyframe_interval_ms)
{
  GstElement *tee = gst_element_factory_make("tee", NULL);
  /* With no branches yet (or none left) the tee must swallow buffers, not fail. */
  g_object_set(tee, "allow-not-linked", TRUE, NULL);
  gst_object_ref_sink(tee);
  gst_bin_add(GST_BIN(pipeline), tee);
  gst_element_sync_state_with_parent(tee);
  g_autoptr(GstPad) sink = gst_element_get_static_pad(tee, "sink");
  KeyframeLimit *limit = g_new0(KeyframeLimit, 1);
  g_mutex_init(&limit->lock);
  limit->interval_us = (gint64)keyframe_interval_ms * 1000;
  gst_pad_add_probe(sink, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, limit_keyframe_requests, limit,
                    keyframe_limit_free);
  GstPadLinkReturn ret = gst_pad_link(pad, sink);
  if (ret != GST_PAD_LINK_OK)
    g_warning("cannot link %s to a tee: %s", GST_PAD_NAME(pad), gst_pad_link_get_name(ret));
  return tee;
}

void
gw_forward_drop_tee(GstElement *pipeline, GstElement *tee)
{
  gst_element_set_state(tee, GST_STATE_NULL);
  GstObject *parent = gst_object_get_parent(GST_OBJECT(tee));
  if (parent) {
    gst_bin_remove(GST_BIN(parent), tee);
    gst_object_unref(parent);
  }
}

static GstBuffer *
rewrite_buffer(GstBuffer *buffer, guint pt)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp))
    return buffer;
  guint current = gst_rtp_buffer_get_payload_type(&rtp);
  gst_rtp_buffer_unmap(&rtp);
  if (current == pt)
    return buffer;
  /* The tee shares buffers between branches: copy before writing. */
  buffer = gst_buffer_make_writable(buffer);
  if (gst_rtp_buffer_map(buffer, GST_MAP_WRITE, &rtp)) {
    gst_rtp_buffer_set_payload_type(&rtp, pt);
    gst_rtp_buffer_unmap(&rtp);
  }
  return buffer;
}

static gboolean
rewrite_list_item(GstBuffer **buffer, guint idx, gpointer data)
{
  *buffer = rewrite_buffer(*buffer, GPOINTER_TO_UINT(data));
  return TRUE;
}

typedef struct {
  guint pt;
  GstCaps *caps; /* the consumer m-line's codec preferences */
} Rewrite;

static Rewrite *
rewrite_new(GwSlot *downstream)
{
  Rewrite *r = g_new0(Rewrite, 1);
  r->pt = downstream->pt;
  r->caps = gst_caps_ref(downstream->caps);
  return r;
}

static void
rewrite_free(gpointer p)
{
  Rewrite *r = p;
  gst_caps_unref(r->caps);
  g_free(r);
}

/*
 * Every branch into a consumer's webrtcbin ends in one rtpfunnel (BUNDLE), and
 * rtpfunnel pushes the segment of its input pad downstream whenever the input
 * changes: with audio and video interleaved, a hundred times a second per
 * consumer, each a walk of the event through the consumer's rtpsession, SRTP
 * and DTLS elements (seen in callgrind: ~1,600 event pushes a second at one
 * call). Every branch carries the same default TIME segment, in a
 * separate event each; given one shared event, the funnel's output sees the
 * event it already has and forwards nothing.
 */
static GstEvent *
shared_default_segment(void)
{
  static GstEvent *shared;
  if (g_once_init_enter(&shared)) {
    GstSegment segment;
    gst_segment_init(&segment, GST_FORMAT_TIME);
    g_once_init_leave(&shared, gst_event_new_segment(&segment));
  }
  return shared;
}

/* The producer's m-line and the consumer's m-line have different payload
 * types (each unique within its BUNDLE group): rewrite on the branch's way in, so
 * every element after it sees the consumer's numbering. The caps become the
 * consumer m-line's own (plus the stream's SSRC): the browser's caps carry
 * fields the consumer's webrtcbin would refuse as not negotiated. */
static GstPadProbeReturn
rewrite_payload_type(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Rewrite *r = data;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GST_PAD_PROBE_INFO_DATA(info) = rewrite_buffer(GST_PAD_PROBE_INFO_BUFFER(info), r->pt);
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = gst_buffer_list_make_writable(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
    gst_buffer_list_foreach(list, rewrite_list_item, GUINT_TO_POINTER(r->pt));
    GST_PAD_PROBE_INFO_DATA(info) = list;
  } else if (info->type & GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM) {
    /* The branch rewrites payload type and caps, so it accepts whatever the
     * producer has: never let the consumer's numbering leak upstream (the
     * producer's webrtcbin would find it clashes with its own and refuse to
     * renegotiate). */
    GstQuery *query = GST_PAD_PROBE_INFO_QUERY(info);
    if (GST_QUERY_TYPE(query) == GST_QUERY_CAPS) {
      GstCaps *filter = NULL;
      gst_query_parse_caps(query, &filter);
      g_autoptr(GstCaps) any = filter ? gst_caps_ref(filter) : gst_caps_new_any();
      gst_query_set_caps_result(query, any);
      return GST_PAD_PROBE_HANDLED;
    }
    if (GST_QUERY_TYPE(query) == GST_QUERY_ACCEPT_CAPS) {
      gst_query_set_accept_caps_result(query, TRUE);
      return GST_PAD_PROBE_HANDLED;
    }
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
      GstCaps *caps;
      gst_event_parse_caps(event, &caps);
      GstCaps *ours = gst_caps_copy(r->caps);
      guint ssrc;
      if (gst_structure_get_uint(gst_caps_get_structure(caps, 0), "ssrc", &ssrc))
        gst_caps_set_simple(ours, "ssrc", G_TYPE_UINT, ssrc, NULL);
      gst_event_unref(event);
      GST_PAD_PROBE_INFO_DATA(info) = gst_event_new_caps(ours);
      gst_caps_unref(ours);
    } else if (GST_EVENT_TYPE(event) == GST_EVENT_SEGMENT) {
      const GstSegment *segment;
      gst_event_parse_segment(event, &segment);
      GstEvent *shared = shared_default_segment();
      const GstSegment *plain;
      gst_event_parse_segment(shared, &plain);
      if (event != shared && gst_segment_is_equal(segment, plain)) {
        gst_event_unref(event);
        GST_PAD_PROBE_INFO_DATA(info) = gst_event_ref(shared);
      } else if (event != shared) {
        g_debug("branch segment is not the default one: kept (start %" G_GUINT64_FORMAT
                ", base %" G_GUINT64_FORMAT ", time %" G_GUINT64_FORMAT ")",
                segment->start, segment->base, segment->time);
      }
    }
  }
  return GST_PAD_PROBE_OK;
}

static void
request_keyframe(GstPad *pad)
{
  gst_pad_push_event(pad, gw_isolate_keyframe_request());
}

static gboolean
consumer_connected(GstElement *webrtc)
{
  GstWebRTCPeerConnectionState state;
  g_object_get(webrtc, "connection-state", &state, NULL);
  return state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED;
}

/* notify::connection-state of a consumer whose branch waits (any thread):
 * once DTLS is up, webrtcbin no longer holds RTP at a blocking probe. */
static void
open_when_connected(GstElement *webrtc, GParamSpec *pspec, gpointer data)
{
  GwIsolate *isolate = data;
  if (!consumer_connected(webrtc))
    return;
  gw_isolate_set_open(isolate, TRUE);
  g_signal_handlers_disconnect_by_func(webrtc, open_when_connected, data);
}

/*
 * Media that starts flowing towards a browser while an offer to it is out is
 * not in that offer: webrtcbin writes a send m-line's a=ssrc only once its
 * sink pad's caps carry one. Chrome then demuxes the stream by payload type,
 * and in one run a stream that started 1 ms after such an offer was never
 * shown (packets arrived, no frame decoded): its demuxing is rebuilt while it
 * applies the offer. Once the offer is answered, offer again with the SSRC in it.
 */
static void
signal_ssrc_later(GwMediaRoom *room, GwSlot *downstream)
{
  if (!downstream->peer->offer_pending)
    return;
  GW_MEDIA_LOG(G_LOG_LEVEL_DEBUG, room, downstream->peer->id,
               "%s starts while an offer is out: offering again once answered",
               gw_media_source_to_string(downstream->source));
  gw_peer_request_offer(downstream->peer);
}

/* Where the producer's tee feeds a branch: its queue, or with
 * media.branch_queue off (no queue) its isolate. */
static GstPad *
branch_sink(GstElement *queue, GstElement *isolate)
{
  return gst_element_get_static_pad(queue ? queue : isolate, "sink");
}

/* The branch exists and its producer's stream moved to a new tee (webrtcbin
 * replaced the pad after a renegotiation) or a new producer took the slot:
 * keep the branch (and its retransmission history), change its tee. */
static void
move_branch(GwMediaRoom *room, GwSlot *upstream, GwSlot *downstream)
{
  g_autoptr(GstPad) qsink = branch_sink(downstream->queue, downstream->isolate);
  gst_pad_unlink(downstream->tee_pad, qsink);
  gst_element_release_request_pad(downstream->tee_of_branch, downstream->tee_pad);
  gst_clear_object(&downstream->tee_pad);
  gst_clear_object(&downstream->tee_of_branch);

  GstPad *tee_pad = gst_element_request_pad_simple(upstream->tee, "src_%u");
  GstPadLinkReturn ret = gst_pad_link(tee_pad, qsink);
  if (ret != GST_PAD_LINK_OK)
    GW_MEDIA_LOG(G_LOG_LEVEL_WARNING, room, downstream->peer->id, "cannot link tee: %s",
                 gst_pad_link_get_name(ret));
  gw_isolate_set_history(GW_ISOLATE(downstream->isolate),
                         downstream->source != GW_MEDIA_SOURCE_AUDIO ? room->video_codec : NULL);
  downstream->tee_pad = tee_pad;
  downstream->tee_of_branch = gst_object_ref(upstream->tee);
  GW_MEDIA_LOG(G_LOG_LEVEL_INFO, room, downstream->peer->id,
               "forwarding %s of %s from a new stream (pt %u -> %u)",
               gw_media_source_to_string(upstream->source), upstream->peer->id, upstream->pt,
               downstream->pt);
  signal_ssrc_later(room, downstream);
  g_autoptr(GstPad) tee_sink = gst_element_get_static_pad(upstream->tee, "sink");
  if (upstream->source != GW_MEDIA_SOURCE_AUDIO)
    request_keyframe(tee_sink);
}

void
gw_forward_link(GwMediaRoom *room, GwSlot *upstream, GwSlot *downstream)
{
  g_return_if_fail(upstream->tee && downstream->sink_pad);
  if (downstream->isolate) {
    move_branch(room, upstream, downstream);
    return;
  }

  /* With media.branch_queue the branch gets a queue and its own thread. By
   * default the thread that read the producer's packet from its socket carries
   * it on through the consumer's session, SRTP and socket, as in Janus: four
   * threads and one hand-off per packet fewer per call. Nothing on that path
   * waits (the isolate drops until the consumer is connected, sockets do not
   * block). The queue was needed while a jitter-buffer thread carried packets
   * (p99 delays of 0.65-0.9 s and freezes then, docs/benchmarks.md). */
  GstElement *queue = NULL;
  GstElement *isolate = gst_object_ref_sink(gw_isolate_new());
  gst_bin_add(GST_BIN(room->pipeline), isolate);
  if (room->config->branch_queue) {
    queue = gst_element_factory_make("queue", NULL);
    g_object_set(queue, "leaky", 2 /* downstream: drop the oldest */, "max-size-buffers",
                 GW_FORWARD_QUEUE_PACKETS, "max-size-bytes", 0, "max-size-time", (guint64)0, NULL);
    gst_object_ref_sink(queue);
    gst_bin_add(GST_BIN(room->pipeline), queue);
    gst_element_link(queue, isolate);
  }
  /* A push into a consumer whose DTLS is not done yet blocks (webrtcbin's pad
   * block): drop until then, so the queue does not fill with stale packets. */
  GstElement *consumer = downstream->peer->webrtc;
  gboolean wait = !consumer_connected(consumer);
  if (wait) {
    gw_isolate_set_open(GW_ISOLATE(isolate), FALSE);
    g_signal_connect_data(consumer, "notify::connection-state", G_CALLBACK(open_when_connected),
                          gst_object_ref(isolate), (GClosureNotify)(void (*)(void))gst_object_unref,
                          0);
    /* It may have connected between the check and the connect. */
    if (consumer_connected(consumer))
      open_when_connected(consumer, NULL, isolate);
  }

  g_autoptr(GstPad) qsink = branch_sink(queue, isolate);
  g_autoptr(GstPad) qsrc = gst_element_get_static_pad(isolate, "src");
  gst_pad_add_probe(qsink,
                    GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
                        GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM |
                        GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM,
                    rewrite_payload_type, rewrite_new(downstream), rewrite_free);
  GstPadLinkReturn ret = gst_pad_link(qsrc, downstream->sink_pad);
  if (ret != GST_PAD_LINK_OK)
    GW_MEDIA_LOG(G_LOG_LEVEL_WARNING, room, downstream->peer->id, "cannot link branch: %s",
                 gst_pad_link_get_name(ret));
  gst_element_sync_state_with_parent(isolate);
  if (queue)
    gst_element_sync_state_with_parent(queue);

  GstPad *tee_pad = gst_element_request_pad_simple(upstream->tee, "src_%u");
  ret = gst_pad_link(tee_pad, qsink);
  if (ret != GST_PAD_LINK_OK)
    GW_MEDIA_LOG(G_LOG_LEVEL_WARNING, room, downstream->peer->id, "cannot link tee: %s",
                 gst_pad_link_get_name(ret));

  /* The consumer's NACKs for video are answered from the branch's history. */
  if (downstream->source != GW_MEDIA_SOURCE_AUDIO)
    gw_isolate_set_history(GW_ISOLATE(isolate), room->video_codec);
  gw_isolate_set_late_input(GW_ISOLATE(isolate), !room->config->video_jitterbuffer);
  gw_feedback_add_branch(downstream->peer, isolate);
  gw_feedback_room_start(room);

  downstream->queue = queue;
  downstream->isolate = isolate;
  downstream->tee_pad = tee_pad;
  downstream->tee_of_branch = gst_object_ref(upstream->tee);
  GW_MEDIA_LOG(G_LOG_LEVEL_INFO, room, downstream->peer->id, "forwarding %s of %s (pt %u -> %u)",
               gw_media_source_to_string(upstream->source), upstream->peer->id, upstream->pt,
               downstream->pt);
  signal_ssrc_later(room, downstream);

  /* Ask the producer for a keyframe now rather than waiting for the
   * consumer's decoder to complain (a waiting consumer asks once connected:
   * its browser sends a PLI for the picture it cannot decode). */
  g_autoptr(GstPad) tee_sink = gst_element_get_static_pad(upstream->tee, "sink");
  if (upstream->source != GW_MEDIA_SOURCE_AUDIO && !wait)
    request_keyframe(tee_sink);
}

void
gw_forward_unlink(GwMediaRoom *room, GwSlot *downstream)
{
  if (!downstream->isolate)
    return;
  gw_feedback_remove_branch(downstream->peer, downstream->isolate);
  g_signal_handlers_disconnect_by_func(downstream->peer->webrtc, open_when_connected,
                                       downstream->isolate);
  g_autoptr(GstPad) qsink = branch_sink(downstream->queue, downstream->isolate);
  gst_pad_unlink(downstream->tee_pad, qsink);
  gst_element_release_request_pad(downstream->tee_of_branch, downstream->tee_pad);
  gst_clear_object(&downstream->tee_pad);
  gst_clear_object(&downstream->tee_of_branch);

  if (downstream->queue) {
    gst_element_set_state(downstream->queue, GST_STATE_NULL);
    gst_bin_remove(GST_BIN(room->pipeline), downstream->queue);
  }
  gst_element_set_state(downstream->isolate, GST_STATE_NULL);
  gst_bin_remove(GST_BIN(room->pipeline), downstream->isolate);
  gst_clear_object(&downstream->queue);
  gst_clear_object(&downstream->isolate);
}
