/* SPDX-License-Identifier: Apache-2.0 */
/* One participant's webrtcbin: its slots (transceivers), server-driven negotiation and ICE. */
#include "webrtc/direct.h"
#include "webrtc/lean.h"
#include "webrtc/media-room-private.h"
#include "webrtc/sdp-edit.h"

#include <gst/rtp/rtp.h>
#include <string.h>

/* Longest ICE candidate line we pass to webrtcbin; real ones are ~150 bytes. */
#define GW_PEER_MAX_CANDIDATE 1024

/* What a signal handler or promise on a GStreamer thread needs to find its way back. */
typedef struct {
  GwMediaRoom *room; /* reference */
  char *peer_id;
  guint serial;
} GwPeerHandle;

static GwPeerHandle *
peer_handle_new(GwPeer *peer, guint serial)
{
  GwPeerHandle *h = g_new0(GwPeerHandle, 1);
  h->room = gw_media_room_ref(peer->room);
  h->peer_id = g_strdup(peer->id);
  h->serial = serial;
  return h;
}

static void
peer_handle_free(gpointer data, GClosure *closure)
{
  GwPeerHandle *h = data;
  gw_media_room_unref(h->room);
  g_free(h->peer_id);
  g_free(h);
}

static void
peer_handle_destroy(gpointer data)
{
  peer_handle_free(data, NULL);
}

/* Transport-wide congestion control: with this header extension on every
 * m-line (same id everywhere, audio too) rtpsession sends each browser the
 * feedback it needs to raise its bitrate; without it Chrome stays at
 * ~150-300 kbps. */
#define GW_TWCC_EXT_ID 3
#define GW_TWCC_EXTMAP_FIELD "extmap-" G_STRINGIFY(GW_TWCC_EXT_ID)
#define GW_TWCC_URI "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"

static GstCaps *slot_codec_caps(GwMediaSource source, guint pt, const char *video_codec);

static GstCaps *
slot_caps(GwMediaSource source, guint pt, const char *video_codec)
{
  GstCaps *caps = slot_codec_caps(source, pt, video_codec);
  gst_caps_set_simple(caps, GW_TWCC_EXTMAP_FIELD, G_TYPE_STRING, GW_TWCC_URI, NULL);
  return caps;
}

/* H.264 as every browser can send and play it: Constrained Baseline,
 * packetization mode 1 (fragmented NAL units). Level 3.1 is what Chrome and
 * Safari announce; level-asymmetry-allowed lets a sender go above it for a
 * large shared screen when the receiver can take that. */
#define GW_H264_PROFILE_LEVEL "42e01f"

static GstCaps *
slot_codec_caps(GwMediaSource source, guint pt, const char *video_codec)
{
  if (source == GW_MEDIA_SOURCE_AUDIO)
    return gst_caps_new_simple("application/x-rtp", "media", G_TYPE_STRING, "audio",
                               "encoding-name", G_TYPE_STRING, "OPUS", "payload", G_TYPE_INT,
                               (int)pt, "clock-rate", G_TYPE_INT, 48000, "encoding-params",
                               G_TYPE_STRING, "2", "minptime", G_TYPE_STRING, "10",
                               "useinbandfec", G_TYPE_STRING, "1", NULL);
  gboolean h264 = g_strcmp0(video_codec, "h264") == 0;
  GstCaps *caps = gst_caps_new_simple(
      "application/x-rtp", "media", G_TYPE_STRING, "video", "encoding-name", G_TYPE_STRING,
      h264 ? "H264" : "VP8", "payload", G_TYPE_INT, (int)pt, "clock-rate", G_TYPE_INT, 90000,
      "rtcp-fb-nack", G_TYPE_BOOLEAN, TRUE, "rtcp-fb-nack-pli", G_TYPE_BOOLEAN, TRUE,
      "rtcp-fb-ccm-fir", G_TYPE_BOOLEAN, TRUE, NULL);
  if (h264)
    gst_caps_set_simple(caps, "packetization-mode", G_TYPE_STRING, "1", "profile-level-id",
                        G_TYPE_STRING, GW_H264_PROFILE_LEVEL, "level-asymmetry-allowed",
                        G_TYPE_STRING, "1", NULL);
  return caps;
}

/*
 * Jitter buffers wait for a missing packet up to their latency, then give up
 * and drop it when it comes. A sender held to a few hundred kbit/s paces a
 * keyframe out over most of a second, and the frames behind it come that late:
 * at 200 ms the gateway gave them up and made holes that froze the receiver
 * until the next keyframe. So video can wait longer (webrtcbin's "latency",
 * media.video_jitterbuffer_ms, 200 by default, and longer while the gateway holds
 * the sender to a low rate: set_video_wait in feedback.c; a long wait for every
 * sender would hold video behind every packet lost for good); audio, which has no
 * retransmission, keeps the
 * short wait (media.jitterbuffer_ms), set here once its first packet says audio.
 * In-order packets pass at once either way.
 */
static GstPadProbeReturn
on_jitterbuffer_first_buffer(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!buffer || !gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp))
    return GST_PAD_PROBE_OK; /* not RTP (a buffer list is passed on unseen): wait for one */
  guint pt = gst_rtp_buffer_get_payload_type(&rtp);
  gst_rtp_buffer_unmap(&rtp);
  /* The stream's caps carry only its SSRC; its kind is in webrtcbin's payload
   * type map, which rtpbin asks through this signal. */
  g_autoptr(GstElement) jitterbuffer = gst_pad_get_parent_element(pad);
  g_autoptr(GstObject) rtpbin = jitterbuffer ? gst_object_get_parent(GST_OBJECT(jitterbuffer)) : NULL;
  GstCaps *caps = NULL;
  if (rtpbin)
    g_signal_emit_by_name(rtpbin, "request-pt-map", 0u, pt, &caps);
  const char *media = caps && gst_caps_get_size(caps) > 0
                          ? gst_structure_get_string(gst_caps_get_structure(caps, 0), "media")
                          : NULL;
  if (g_strcmp0(media, "audio") == 0) {
    g_object_set(jitterbuffer, "latency", GPOINTER_TO_UINT(data), NULL);
    g_debug("%s: audio, waits %u ms for a missing packet", GST_OBJECT_NAME(jitterbuffer),
            GPOINTER_TO_UINT(data));
  }
  gst_clear_caps(&caps);
  return GST_PAD_PROBE_REMOVE;
}

/*
 * Forwarded audio has no jitter buffer (lean.c), so media.jitterbuffer_ms has
 * nothing to set (it would only apply if rtpbin lacked request-jitterbuffer);
 * with media.video_jitterbuffer off (the default) video has none either
 * (lean.c asks for lost packets itself and nothing waits), so
 * media.video_jitterbuffer_ms has nothing to set. Said once each, if changed.
 */
static void
note_jitterbuffer_keys(const GwConfig *config)
{
  static gsize once;
  if (!g_once_init_enter(&once))
    return;
  if (config->jitterbuffer_ms != GW_CONFIG_JITTERBUFFER_MS)
    g_message("media.jitterbuffer_ms = %u has no effect: forwarded audio has no jitter buffer "
              "in the gateway; the receiving browser reorders and conceals",
              config->jitterbuffer_ms);
  if (!config->video_jitterbuffer && config->video_jitterbuffer_ms != GW_CONFIG_VIDEO_JITTERBUFFER_MS)
    g_message("media.video_jitterbuffer_ms = %u has no effect: video has no jitter buffer "
              "(media.video_jitterbuffer = false); the gateway forwards at once and asks for "
              "lost packets itself",
              config->video_jitterbuffer_ms);
  g_once_init_leave(&once, 1);
}

static void
on_new_jitterbuffer(GstElement *rtpbin, GstElement *jitterbuffer, guint session, guint ssrc,
                    gpointer audio_ms)
{
  g_autoptr(GstPad) sink = gst_element_get_static_pad(jitterbuffer, "sink");
  if (sink)
    gst_pad_add_probe(sink, GST_PAD_PROBE_TYPE_BUFFER, on_jitterbuffer_first_buffer, audio_ms,
                      NULL);
}

static void
slot_free(GwSlot *slot)
{
  g_free(slot->producer_id);
  gst_clear_caps(&slot->caps);
  g_clear_object(&slot->transceiver);
  g_clear_object(&slot->sink_pad);
  g_free(slot);
}

GwSlot *
gw_peer_add_slot(GwPeer *peer, GwMediaSource source, GwTrackDirection direction,
                 const char *producer_id, GError **error)
{
  /* Each m-line gets its own payload type, and video its RTX type right above it:
   * with BUNDLE the browser tells forwarded streams apart by payload type alone. */
  guint pt = peer->next_pt;
  if (pt + 1 > 127) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_LIMIT,
                "peer %s has no free payload types left", peer->id);
    return NULL;
  }
  g_autoptr(GstCaps) caps = slot_caps(source, pt, peer->room->video_codec);
  GstWebRTCRTPTransceiver *trans = NULL;
  GstPad *sink_pad = NULL;

  if (direction == GW_TRACK_CLIENT_SENDS) {
    g_signal_emit_by_name(peer->webrtc, "add-transceiver",
                          GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps, &trans);
  } else {
    /* Request the pad first, then set preferences on its transceiver: the other
     * order makes webrtcbin 1.22 create an empty extra transceiver. */
    sink_pad = gst_element_request_pad_simple(peer->webrtc, "sink_%u");
    if (sink_pad) {
      g_object_get(sink_pad, "transceiver", &trans, NULL);
      gw_lean_trim_send_pad(sink_pad); /* no clocksync and FEC encoders (lean.c) */
      gint clock_rate = 0;
      gst_structure_get_int(gst_caps_get_structure(caps, 0), "clock-rate", &clock_rate);
      if (!peer->room->config->webrtcbin_send && clock_rate > 0)
        gw_direct_watch_sink_pad(peer->webrtc, sink_pad, GW_TWCC_EXT_ID, (guint)clock_rate);
    }
    if (trans)
      g_object_set(trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY,
                   "codec-preferences", caps, NULL);
  }
  if (!trans) {
    g_clear_object(&sink_pad);
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_INTERNAL,
                "webrtcbin refused a new %s transceiver", gw_media_source_to_string(source));
    return NULL;
  }
  /* NACK and RTX from the browser's video; towards a browser no RTX (webrtcbin
   * cannot announce its RTX SSRC in time): feedback.c answers NACKs by resending. */
  if (source != GW_MEDIA_SOURCE_AUDIO && direction == GW_TRACK_CLIENT_SENDS)
    g_object_set(trans, "do-nack", TRUE, NULL);
  else if (direction == GW_TRACK_CLIENT_SENDS)
    gw_lean_add_audio_pt(peer->webrtc, pt); /* no jitter buffer (lean.c) */

  GwSlot *slot = g_new0(GwSlot, 1);
  slot->peer = peer;
  slot->source = source;
  slot->direction = direction;
  slot->producer_id = g_strdup(producer_id);
  slot->pt = pt;
  slot->caps = gst_caps_ref(caps);
  slot->transceiver = trans;
  slot->sink_pad = sink_pad;
  peer->next_pt += source == GW_MEDIA_SOURCE_AUDIO ? 1 : 2;
  g_ptr_array_add(peer->slots, slot);
  GW_MEDIA_LOG(G_LOG_LEVEL_DEBUG, peer->room, peer->id, "slot %u: %s %s from %s pt %u",
               peer->slots->len - 1, direction == GW_TRACK_CLIENT_SENDS ? "recv" : "send",
               gw_media_source_to_string(source), producer_id ? producer_id : "-", pt);
  return slot;
}

GwSlot *
gw_peer_find_slot(GwPeer *peer, GwTrackDirection direction, GwMediaSource source,
                  const char *producer_id)
{
  for (guint i = 0; i < peer->slots->len; i++) {
    GwSlot *slot = g_ptr_array_index(peer->slots, i);
    if (slot->direction == direction && slot->source == source &&
        g_strcmp0(slot->producer_id, producer_id) == 0)
      return slot;
  }
  return NULL;
}

/* ---- hand-off from GStreamer threads to the control thread ---- */

typedef struct {
  guint mline;
  char *candidate;
} CandidateData;

static void
candidate_data_free(gpointer p)
{
  CandidateData *d = p;
  g_free(d->candidate);
  g_free(d);
}

static void
deliver_candidate(GwMediaRoom *room, GwPeer *peer, gpointer data)
{
  CandidateData *d = data;
  if (room->callbacks.ice_candidate)
    room->callbacks.ice_candidate(room->user_data, peer->id, d->mline, d->candidate);
}

static void
on_ice_candidate(GstElement *webrtc, guint mline, const char *candidate, GwPeerHandle *h)
{
  CandidateData *d = g_new0(CandidateData, 1);
  d->mline = mline;
  d->candidate = g_strdup(candidate);
  gw_media_room_invoke(h->room, h->peer_id, deliver_candidate, d, candidate_data_free);
}

static void
deliver_state(GwMediaRoom *room, GwPeer *peer, gpointer data)
{
  GwMediaPeerState state = GPOINTER_TO_INT(data);
  if (peer->state == state)
    return;
  peer->state = state;
  GW_MEDIA_LOG(state == GW_MEDIA_PEER_FAILED ? G_LOG_LEVEL_MESSAGE : G_LOG_LEVEL_INFO, room,
               peer->id, "media %s",
               state == GW_MEDIA_PEER_CONNECTED ? "connected"
               : state == GW_MEDIA_PEER_FAILED  ? "failed"
                                                : "connecting");
  if (room->callbacks.peer_state)
    room->callbacks.peer_state(room->user_data, peer->id, state);
}

static void
on_connection_state(GstElement *webrtc, GParamSpec *pspec, GwPeerHandle *h)
{
  GstWebRTCPeerConnectionState cs;
  g_object_get(webrtc, "connection-state", &cs, NULL);
  GwMediaPeerState state;
  switch (cs) {
  case GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED:
    state = GW_MEDIA_PEER_CONNECTED;
    break;
  case GST_WEBRTC_PEER_CONNECTION_STATE_FAILED:
  case GST_WEBRTC_PEER_CONNECTION_STATE_DISCONNECTED:
    state = GW_MEDIA_PEER_FAILED;
    break;
  case GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTING:
    state = GW_MEDIA_PEER_CONNECTING;
    break;
  default:
    return;
  }
  gw_media_room_invoke(h->room, h->peer_id, deliver_state, GINT_TO_POINTER(state), NULL);
}

typedef struct {
  GstWebRTCRTPTransceiver *transceiver;
  gint pt; /* the stream's payload type, -1 if its caps had none */
  GstElement *tee;
} TeeData;

static void
tee_data_free(gpointer p)
{
  TeeData *d = p;
  g_clear_object(&d->transceiver);
  if (d->tee) {
    /* Nobody adopted it (the peer or room went away first): take it out. */
    GstObject *parent = gst_object_get_parent(GST_OBJECT(d->tee));
    if (parent) {
      gw_forward_drop_tee(GST_ELEMENT(parent), d->tee);
      gst_object_unref(parent);
    }
    gst_object_unref(d->tee);
  }
  g_free(d);
}

static void
deliver_tee(GwMediaRoom *room, GwPeer *peer, gpointer data)
{
  TeeData *d = data;
  /* Which slot is this stream? By payload type, unique per m-line within a
   * peer: after a renegotiation webrtcbin 1.22 can name the wrong transceiver
   * on a new pad (a screen stream under the audio transceiver was seen). */
  GwSlot *match = NULL;
  for (guint i = 0; i < peer->slots->len && !match; i++) {
    GwSlot *slot = g_ptr_array_index(peer->slots, i);
    if (d->pt >= 0 ? slot->pt == (guint)d->pt : slot->transceiver == d->transceiver)
      match = slot;
  }
  if (match && match->transceiver != d->transceiver)
    GW_MEDIA_LOG(G_LOG_LEVEL_DEBUG, room, peer->id,
                 "stream with pt %d came on another transceiver's pad", d->pt);
  if (match && match->direction == GW_TRACK_CLIENT_SENDS) {
    /* A replaced tee stays linked (discarding) until the peer goes: its old
     * pad may still carry packets. The branches move to the new one. */
    if (match->tee)
      g_ptr_array_add(peer->stray_tees, match->tee);
    match->tee = g_steal_pointer(&d->tee); /* the slot now owns the reference */
    GW_MEDIA_LOG(G_LOG_LEVEL_INFO, room, peer->id, "receiving %s (pt %u)",
                 gw_media_source_to_string(match->source), match->pt);
    gw_media_room_upstream_ready(room, peer, match);
    return;
  }
  /* Media for an m-line we never asked this peer to send on: keep it going
   * nowhere (the tee discards), so it cannot stall the peer's other streams. */
  GW_MEDIA_LOG(G_LOG_LEVEL_MESSAGE, room, peer->id, "ignoring media on an m-line it should not send on");
  g_ptr_array_add(peer->stray_tees, g_steal_pointer(&d->tee));
}

static void
on_pad_added(GstElement *webrtc, GstPad *pad, GwPeerHandle *h)
{
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC)
    return;
  /* Link right here on the streaming thread: an unlinked pad would return
   * not-linked and stop this peer's whole receive path. The control thread
   * decides where the tee's output goes. */
  GstObject *pipeline = gst_object_get_parent(GST_OBJECT(webrtc));
  if (!pipeline)
    return;
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
  g_autofree char *caps_text = caps ? gst_caps_to_string(caps) : g_strdup("none");
  g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG, "ROOM", "%s", h->room->id, "PEER", "%s",
                   h->peer_id, "MESSAGE", "room=%s peer=%s new stream %s caps %s", h->room->id,
                   h->peer_id, GST_PAD_NAME(pad), caps_text);
  TeeData *d = g_new0(TeeData, 1);
  g_object_get(pad, "transceiver", &d->transceiver, NULL);
  d->pt = -1;
  if (caps && gst_caps_get_size(caps) > 0)
    gst_structure_get_int(gst_caps_get_structure(caps, 0), "payload", &d->pt);
  d->tee = gw_forward_attach_tee(GST_ELEMENT(pipeline), pad,
                                 h->room->config->keyframe_min_interval_ms);
  gst_object_unref(pipeline);
  gw_media_room_invoke(h->room, h->peer_id, deliver_tee, d, tee_data_free);
}

/* ---- negotiation ---- */

typedef struct {
  guint serial;
  GstWebRTCSessionDescription *offer;
  GError *error;
} OfferData;

static void
offer_data_free(gpointer p)
{
  OfferData *d = p;
  if (d->offer)
    gst_webrtc_session_description_free(d->offer);
  g_clear_error(&d->error);
  g_free(d);
}

static void
deliver_offer(GwMediaRoom *room, GwPeer *peer, gpointer data)
{
  OfferData *d = data;
  if (d->serial != peer->offer_serial)
    return; /* superseded */
  if (!d->offer) {
    GW_MEDIA_LOG(G_LOG_LEVEL_WARNING, room, peer->id, "webrtcbin could not create an offer: %s",
                 d->error ? d->error->message : "no reason given");
    peer->offer_pending = FALSE;
    deliver_state(room, peer, GINT_TO_POINTER(GW_MEDIA_PEER_FAILED));
    return;
  }
  g_signal_emit_by_name(peer->webrtc, "set-local-description", d->offer, NULL);

  GstSDPMessage *sdp = d->offer->sdp;
  guint n = gst_sdp_message_medias_len(sdp);
  g_clear_pointer(&peer->last_offer, gst_sdp_message_free);
  gst_sdp_message_copy(sdp, &peer->last_offer);

  g_autofree GwTrackInfo *tracks = g_new0(GwTrackInfo, n);
  guint n_tracks = 0;
  for (guint i = 0; i < n && i < peer->slots->len; i++) {
    GwSlot *slot = g_ptr_array_index(peer->slots, i);
    tracks[n_tracks].mid = gw_sdp_media_mid(sdp, i);
    tracks[n_tracks].mline = i;
    tracks[n_tracks].source = slot->source;
    tracks[n_tracks].direction = slot->direction;
    tracks[n_tracks].peer_id = slot->producer_id ? slot->producer_id : "";
    n_tracks++;
  }
  /* Slots added after create-offer are in the next offer; more m-lines than slots is a bug. */
  if (n > peer->slots->len)
    GW_MEDIA_LOG(G_LOG_LEVEL_CRITICAL, room, peer->id, "offer has %u m-lines for %u slots", n,
                 peer->slots->len);

  /* What the browser gets also says how fast to send: a copy, because
   * webrtcbin keeps its own description as it made it. */
  GstSDPMessage *edited = NULL;
  gst_sdp_message_copy(sdp, &edited);
  for (guint i = 0; i < n_tracks; i++) {
    GwSlot *slot = g_ptr_array_index(peer->slots, i);
    if (slot->direction == GW_TRACK_CLIENT_SENDS && slot->source != GW_MEDIA_SOURCE_AUDIO)
      gw_sdp_set_video_bitrate(edited, i, slot->pt, room->config->start_kbps,
                               slot->source == GW_MEDIA_SOURCE_SCREEN
                                   ? room->config->screen_max_kbps
                                   : room->config->camera_max_kbps);
  }
  g_autofree char *text = gst_sdp_message_as_text(edited);
  gst_sdp_message_free(edited);
  GW_MEDIA_LOG(G_LOG_LEVEL_INFO, room, peer->id, "offer %u with %u m-lines", d->serial, n);
  GW_MEDIA_LOG(G_LOG_LEVEL_DEBUG, room, peer->id, "offer sdp:\n%s", text);
  if (room->callbacks.offer)
    room->callbacks.offer(room->user_data, peer->id, text, tracks, n_tracks);
}

static void
on_offer_created(GstPromise *promise, gpointer user_data)
{
  GwPeerHandle *h = user_data;
  OfferData *d = g_new0(OfferData, 1);
  d->serial = h->serial;
  if (gst_promise_wait(promise) == GST_PROMISE_RESULT_REPLIED) {
    const GstStructure *reply = gst_promise_get_reply(promise);
    if (reply && gst_structure_has_field(reply, "offer"))
      gst_structure_get(reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &d->offer, NULL);
    else if (reply && gst_structure_has_field(reply, "error"))
      gst_structure_get(reply, "error", G_TYPE_ERROR, &d->error, NULL);
  }
  gst_promise_unref(promise);
  gw_media_room_invoke(h->room, h->peer_id, deliver_offer, d, offer_data_free);
}

void
gw_peer_request_offer(GwPeer *peer)
{
  if (peer->offer_pending) {
    peer->offer_wanted = TRUE;
    return;
  }
  peer->offer_pending = TRUE;
  peer->offer_wanted = FALSE;
  peer->offer_serial++;
  GstPromise *promise = gst_promise_new_with_change_func(
      on_offer_created, peer_handle_new(peer, peer->offer_serial), peer_handle_destroy);
  g_signal_emit_by_name(peer->webrtc, "create-offer", NULL, promise);
}

/* webrtcbin has applied an answer covering the first @data m-lines: only now
 * may media flow into their sink pads (earlier, a sink pad answers
 * not-negotiated, and that error travels up and stops the producer). */
static void
deliver_negotiated(GwMediaRoom *room, GwPeer *peer, gpointer data)
{
  guint n = GPOINTER_TO_UINT(data);
  for (guint i = 0; i < n && i < peer->slots->len; i++) {
    GwSlot *slot = g_ptr_array_index(peer->slots, i);
    if (slot->negotiated)
      continue;
    slot->negotiated = TRUE;
    if (slot->direction == GW_TRACK_CLIENT_RECEIVES)
      gw_media_room_downstream_ready(room, slot);
  }
}

static void
on_remote_set(GstPromise *promise, gpointer user_data)
{
  GwPeerHandle *h = user_data;
  const GstStructure *reply = gst_promise_get_reply(promise);
  if (!reply || !gst_structure_has_field(reply, "error")) {
    gw_media_room_invoke(h->room, h->peer_id, deliver_negotiated, GUINT_TO_POINTER(h->serial),
                         NULL);
  } else {
    g_autoptr(GError) err = NULL;
    gst_structure_get(reply, "error", G_TYPE_ERROR, &err, NULL);
    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "ROOM", "%s", h->room->id, "PEER", "%s",
                     h->peer_id, "MESSAGE", "room=%s peer=%s webrtcbin refused the answer: %s",
                     h->room->id, h->peer_id, err ? err->message : "unknown error");
    gw_media_room_invoke(h->room, h->peer_id, deliver_state,
                         GINT_TO_POINTER(GW_MEDIA_PEER_FAILED), NULL);
  }
  gst_promise_unref(promise);
}

gboolean
gw_peer_set_answer(GwPeer *peer, const char *text, GError **error)
{
  if (!peer->offer_pending || !peer->last_offer) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_WRONG_STATE,
                "no offer is waiting for an answer");
    return FALSE;
  }
  g_autoptr(GstSDPMessage) answer = gw_sdp_parse(text, peer->room->config->max_sdp_length, error);
  if (!answer || !gw_sdp_check_answer(peer->last_offer, answer, error))
    return FALSE;

  GstWebRTCSessionDescription *desc =
      gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, g_steal_pointer(&answer));
  /* The handle's serial carries the m-line count this answer negotiates. */
  GstPromise *promise = gst_promise_new_with_change_func(
      on_remote_set, peer_handle_new(peer, gst_sdp_message_medias_len(peer->last_offer)),
      peer_handle_destroy);
  g_signal_emit_by_name(peer->webrtc, "set-remote-description", desc, promise);
  gst_webrtc_session_description_free(desc);

  peer->n_offered_mlines = gst_sdp_message_medias_len(peer->last_offer);
  g_clear_pointer(&peer->last_offer, gst_sdp_message_free);
  peer->offer_pending = FALSE;
  GW_MEDIA_LOG(G_LOG_LEVEL_INFO, peer->room, peer->id, "answer %u applied", peer->offer_serial);
  if (peer->offer_wanted)
    gw_peer_request_offer(peer);
  return TRUE;
}

gboolean
gw_peer_add_ice_candidate(GwPeer *peer, guint mline, const char *candidate, GError **error)
{
  guint known = MAX(peer->n_offered_mlines,
                    peer->last_offer ? gst_sdp_message_medias_len(peer->last_offer) : 0);
  if (mline >= known) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_BAD_SDP,
                "candidate for m-line %u, but the session has %u", mline, known);
    return FALSE;
  }
  if (strlen(candidate) > GW_PEER_MAX_CANDIDATE) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_LIMIT, "candidate longer than %d bytes",
                GW_PEER_MAX_CANDIDATE);
    return FALSE;
  }
  if (peer->candidates >= peer->room->config->max_candidates) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_LIMIT,
                "more than %u ICE candidates from one peer", peer->room->config->max_candidates);
    return FALSE;
  }
  peer->candidates++;
  g_signal_emit_by_name(peer->webrtc, "add-ice-candidate", mline, candidate);
  return TRUE;
}

/* ---- life cycle ---- */

/*
 * A browser sends audio, camera and screen, each on one SSRC (RTX rides on the
 * same stream). Every other SSRC a peer makes up would get its own stream, with a
 * jitterbuffer thread, in rtpbin: a peer cycling through SSRCs could use up the
 * gateway's threads (tests/bench/rogue.py). Past this many, rtpbin ignores new
 * SSRCs; a stream that ended (BYE, timeout) frees its place, so a restarted
 * screen share still gets one.
 */
#define PEER_MAX_STREAMS 10

/* Counts the SSRCs a peer's packets came from, on a streaming thread. */
typedef struct {
  char *room_id;
  char *peer_id;
  gint streams; /* atomic */
} StreamCount;

static void
stream_count_free(gpointer data, GClosure *closure)
{
  StreamCount *count = data;

  g_free(count->room_id);
  g_free(count->peer_id);
  g_free(count);
}

static void
on_new_ssrc(GstElement *rtpbin, guint session, guint ssrc, StreamCount *count)
{
  gint n = g_atomic_int_add(&count->streams, 1) + 1;

  /* Once at message level: more is a broken or hostile client, not a reason to flood the log. */
  if (n == PEER_MAX_STREAMS + 1)
    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "ROOM", "%s", count->room_id, "PEER", "%s",
                     count->peer_id, "MESSAGE",
                     "room=%s peer=%s sends on more SSRCs than a browser negotiates (%d); "
                     "streams past %d are ignored",
                     count->room_id, count->peer_id, n, PEER_MAX_STREAMS);
  else
    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG, "ROOM", "%s", count->room_id, "PEER", "%s",
                     count->peer_id, "MESSAGE", "room=%s peer=%s new SSRC %08x (%d so far)",
                     count->room_id, count->peer_id, ssrc, n);
}

static void
limit_streams(GwMediaRoom *room, const char *peer_id, GstElement *webrtc)
{
  g_autoptr(GstElement) rtpbin = gst_bin_get_by_name(GST_BIN(webrtc), "rtpbin");

  if (rtpbin == NULL || !g_object_class_find_property(G_OBJECT_GET_CLASS(rtpbin), "max-streams")) {
    GW_MEDIA_LOG(G_LOG_LEVEL_WARNING, room, peer_id,
                 "cannot limit the streams a peer may open (no rtpbin max-streams)");
    return;
  }
  g_object_set(rtpbin, "max-streams", (guint)PEER_MAX_STREAMS, NULL);
  StreamCount *count = g_new0(StreamCount, 1);
  count->room_id = g_strdup(room->id);
  count->peer_id = g_strdup(peer_id);
  g_signal_connect_data(rtpbin, "on-new-ssrc", G_CALLBACK(on_new_ssrc), count, stream_count_free,
                        0);
}

GwPeer *
gw_peer_new(GwMediaRoom *room, const char *peer_id, GError **error)
{
  g_autofree char *name = g_strdup_printf("peer-%s", peer_id);
  GstElement *webrtc = gst_element_factory_make("webrtcbin", name);
  if (!webrtc) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_MISSING_ELEMENT,
                "GStreamer element webrtcbin is missing (install gstreamer1.0-plugins-bad)");
    return NULL;
  }
  GwPeer *peer = g_new0(GwPeer, 1);
  peer->room = room;
  peer->id = g_strdup(peer_id);
  peer->webrtc = gst_object_ref_sink(webrtc);
  peer->slots = g_ptr_array_new_with_free_func((GDestroyNotify)slot_free);
  peer->stray_tees = g_ptr_array_new();
  peer->next_pt = 96;

  g_object_set(webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency",
               room->config->video_jitterbuffer_ms, NULL);
  g_autoptr(GstElement) rtpbin = gst_bin_get_by_name(GST_BIN(webrtc), "rtpbin");
  if (rtpbin)
    g_signal_connect(rtpbin, "new-jitterbuffer", G_CALLBACK(on_new_jitterbuffer),
                     GUINT_TO_POINTER(room->config->jitterbuffer_ms));
  limit_streams(room, peer_id, webrtc);
  note_jitterbuffer_keys(room->config);
  if (!gw_lean_install_peer(webrtc, !room->config->video_jitterbuffer))
    GW_MEDIA_LOG(G_LOG_LEVEL_INFO, room, peer_id, "audio and video keep their jitter buffers (no request-jitterbuffer)");
  g_signal_connect_data(webrtc, "on-ice-candidate", G_CALLBACK(on_ice_candidate),
                        peer_handle_new(peer, 0), peer_handle_free, 0);
  g_signal_connect_data(webrtc, "pad-added", G_CALLBACK(on_pad_added), peer_handle_new(peer, 0),
                        peer_handle_free, 0);
  g_signal_connect_data(webrtc, "notify::connection-state", G_CALLBACK(on_connection_state),
                        peer_handle_new(peer, 0), peer_handle_free, 0);

  /* libnice skips loopback and may skip other addresses an operator wants
   * announced: add them explicitly. */
  GstObject *ice = NULL;
  g_object_get(webrtc, "ice-agent", &ice, NULL);
  /* UPnP makes libnice probe every interface for a router to open ports on:
   * traffic beyond what a call needs, and a server has no such router. */
  GObject *agent = NULL;
  if (ice && g_object_class_find_property(G_OBJECT_GET_CLASS(ice), "agent"))
    g_object_get(ice, "agent", &agent, NULL);
  if (agent && g_object_class_find_property(G_OBJECT_GET_CLASS(agent), "upnp"))
    g_object_set(agent, "upnp", FALSE, NULL);
  g_clear_object(&agent);
  for (char **a = room->config->ice_local_addresses; ice && a && *a; a++) {
    gboolean ok = FALSE;
    g_signal_emit_by_name(ice, "add-local-ip-address", *a, &ok);
    if (!ok)
      GW_MEDIA_LOG(G_LOG_LEVEL_MESSAGE, room, peer_id, "ICE refused local address %s", *a);
  }
  /* media.udp_port_min/max: the ports a firewall opens to the gateway (config checked
   * both are set, in order). libnice takes them for the UDP and ICE-TCP sockets. */
  if (ice && room->config->udp_port_min != 0)
    g_object_set(ice, "min-rtp-port", room->config->udp_port_min, "max-rtp-port",
                 room->config->udp_port_max, NULL);
  g_clear_object(&ice);

  gst_bin_add(GST_BIN(room->pipeline), webrtc);
  if (!gw_peer_add_slot(peer, GW_MEDIA_SOURCE_AUDIO, GW_TRACK_CLIENT_SENDS, peer_id, error) ||
      !gw_peer_add_slot(peer, GW_MEDIA_SOURCE_CAMERA, GW_TRACK_CLIENT_SENDS, peer_id, error)) {
    gw_peer_free(peer);
    return NULL;
  }
  gst_element_sync_state_with_parent(webrtc);
  peer->state = GW_MEDIA_PEER_CONNECTING;
  return peer;
}

/*
 * webrtcbin 1.22 leak, worked around: each transport's receive bin listens to
 * its ICE transport's notify::state and, on a change while blocked, adds a pad
 * block that holds a reference to the bin. A change that comes after the bin
 * went to NULL (a peer that leaves while ICE still gathers or checks) leaves
 * that block, and with it the bin, its nicesrc and the libnice agent's sockets,
 * behind for good: about one peer in fifteen in tests/bench/soak.py. The
 * listener is not disconnected by GStreamer, so it is here, before NULL.
 */
static void
detach_receive_bins(GstElement *webrtc)
{
  GPtrArray *ice = g_ptr_array_new_with_free_func(gst_object_unref);
  GArray *transceivers = NULL;
  g_signal_emit_by_name(webrtc, "get-transceivers", &transceivers);
  for (guint i = 0; transceivers && i < transceivers->len; i++) {
    GstWebRTCRTPTransceiver *t = g_array_index(transceivers, GstWebRTCRTPTransceiver *, i);
    g_autoptr(GstWebRTCRTPReceiver) receiver = NULL;
    g_object_get(t, "receiver", &receiver, NULL);
    g_autoptr(GstWebRTCDTLSTransport) dtls = NULL;
    if (receiver)
      g_object_get(receiver, "transport", &dtls, NULL);
    GstWebRTCICETransport *transport = NULL;
    if (dtls)
      g_object_get(dtls, "transport", &transport, NULL);
    if (transport && !g_ptr_array_find(ice, transport, NULL))
      g_ptr_array_add(ice, transport);
    else if (transport)
      gst_object_unref(transport);
  }
  g_clear_pointer(&transceivers, g_array_unref);
  GstIterator *it = gst_bin_iterate_elements(GST_BIN(webrtc));
  GValue item = G_VALUE_INIT;
  for (GstIteratorResult r; (r = gst_iterator_next(it, &item)) != GST_ITERATOR_DONE;) {
    if (r == GST_ITERATOR_RESYNC) {
      gst_iterator_resync(it); /* disconnecting twice does no harm */
      continue;
    }
    if (r == GST_ITERATOR_ERROR)
      break;
    GstElement *child = g_value_get_object(&item);
    if (g_str_equal(G_OBJECT_TYPE_NAME(child), "TransportReceiveBin")) {
      for (guint i = 0; i < ice->len; i++)
        g_signal_handlers_disconnect_matched(g_ptr_array_index(ice, i), G_SIGNAL_MATCH_DATA, 0,
                                             0, NULL, NULL, child);
    }
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(it);
  g_ptr_array_unref(ice);
}

/* Downstream branches into and out of this peer must be unlinked first (media-room.c). */
void
gw_peer_free(GwPeer *peer)
{
  g_signal_handlers_disconnect_matched(peer->webrtc, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                       on_ice_candidate, NULL);
  g_signal_handlers_disconnect_matched(peer->webrtc, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                       on_pad_added, NULL);
  g_signal_handlers_disconnect_matched(peer->webrtc, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                       on_connection_state, NULL);
  detach_receive_bins(peer->webrtc);
  gst_element_set_state(peer->webrtc, GST_STATE_NULL);
  GstObject *parent = gst_object_get_parent(GST_OBJECT(peer->webrtc));
  if (parent) {
    gst_bin_remove(GST_BIN(parent), peer->webrtc);
    gst_object_unref(parent);
  }
  for (guint i = 0; i < peer->slots->len; i++) {
    GwSlot *slot = g_ptr_array_index(peer->slots, i);
    if (slot->tee) {
      gw_forward_drop_tee(peer->room->pipeline, slot->tee);
      gst_clear_object(&slot->tee);
    }
  }
  for (guint i = 0; i < peer->stray_tees->len; i++) {
    GstElement *tee = g_ptr_array_index(peer->stray_tees, i);
    gw_forward_drop_tee(peer->room->pipeline, tee);
    gst_object_unref(tee);
  }
  g_ptr_array_unref(peer->stray_tees);
  g_ptr_array_unref(peer->slots);
  g_clear_pointer(&peer->last_offer, gst_sdp_message_free);
  gst_object_unref(peer->webrtc);
  g_free(peer->id);
  g_free(peer);
}
