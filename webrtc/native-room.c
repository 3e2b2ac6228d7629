/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The participants of a room without webrtcbin, on the control thread: which
 * m-line (slot) of whom carries what, the offers the gateway writes
 * (sdp-offer.c) and the answers it reads, and what the media plane
 * (native-media.c, on a media loop) is told to connect.
 *
 * The slots follow media-room.c's rules: a participant's own audio and camera
 * first, then one m-line per track of every other participant; m-lines are
 * never removed, and one a departed participant left is reused for the next
 * one of the same kind. Unlike webrtcbin, the gateway picks the SSRC of every
 * stream it sends and names it in the offer (a=ssrc), so a browser never has
 * to demultiplex by payload type alone (media-room.c's rule 10 does not arise).
 */
#include "webrtc/native-room.h"

#include "webrtc/feedback.h"
#include "webrtc/media-room-private.h"
#include "webrtc/native-media.h"
#include "webrtc/sdp-offer.h"

#include <string.h>

#define FIRST_PT 96
#define LAST_PT 126 /* video's RTX takes pt + 1 */

typedef struct _NativePeer NativePeer;

typedef struct {
  guint mline;
  char mid[16];
  GwMediaSource source;
  GwTrackDirection direction;
  char *producer_id; /* CLIENT_RECEIVES: whose track; NULL once that peer left */
  guint pt;
  guint32 ssrc, rtx_ssrc; /* CLIENT_RECEIVES: what the gateway sends under */
  gboolean negotiated;
} NativeSlot;

struct _NativePeer {
  char *id;
  guint key;        /* the media plane's name for it */
  GPtrArray *slots; /* NativeSlot*, m-line order */
  guint next_pt;
  char *ufrag, *pwd;
  guint64 session_version;
  gboolean offer_pending, offer_wanted, remote_set;
  GPtrArray *early_candidates; /* found before the first offer went out: sent after it */
  /* the offer the browser must answer, as written (its strings owned by offer_strings) */
  GwSdpOffer offer;
  GwSdpSlot *offer_slots;
  GPtrArray *offer_strings;
  guint candidates;
  GwMediaPeerState state;
  guint64 sampled_bytes;
  gint64 sampled_us;
};

struct _GwNativeRoom {
  GwMediaRoom *room; /* not a reference: the room owns this */
  GwNativeMedia *media;
  GMainContext *media_context;
  GwDtlsCert *cert;
  GHashTable *peers; /* id -> NativePeer* (owned) */
  GPtrArray *order;  /* NativePeer*, join order */
  guint next_key;
  guint64 session_id;
  char cname[17];
};

static GwDtlsCert *
process_certificate(GError **error)
{
  static GMutex lock;
  static GwDtlsCert *cert;
  g_mutex_lock(&lock);
  if (!cert)
    cert = gw_dtls_cert_new(error);
  GwDtlsCert *result = cert ? gw_dtls_cert_ref(cert) : NULL;
  g_mutex_unlock(&lock);
  return result;
}

static void
slot_free(gpointer data)
{
  NativeSlot *slot = data;
  g_free(slot->producer_id);
  g_free(slot);
}

static void
clear_offer(NativePeer *peer)
{
  g_clear_pointer(&peer->offer_slots, g_free);
  g_clear_pointer(&peer->offer_strings, g_ptr_array_unref);
  memset(&peer->offer, 0, sizeof peer->offer);
}

static void
peer_free(gpointer data)
{
  NativePeer *peer = data;
  clear_offer(peer);
  g_ptr_array_unref(peer->slots);
  g_ptr_array_unref(peer->early_candidates);
  g_free(peer->id);
  g_free(peer->ufrag);
  g_free(peer->pwd);
  g_free(peer);
}

static NativePeer *
lookup(GwNativeRoom *native, const char *peer_id, GError **error)
{
  NativePeer *peer = g_hash_table_lookup(native->peers, peer_id);
  if (!peer)
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_NO_PEER, "no peer %s in this room", peer_id);
  return peer;
}

static NativePeer *
peer_by_key(GwNativeRoom *native, guint key)
{
  for (guint i = 0; i < native->order->len; i++) {
    NativePeer *peer = g_ptr_array_index(native->order, i);
    if (peer->key == key)
      return peer;
  }
  return NULL;
}

static gboolean
is_video(const NativeSlot *slot)
{
  return slot->source != GW_MEDIA_SOURCE_AUDIO;
}

static NativeSlot *
find_slot(NativePeer *peer, GwTrackDirection direction, GwMediaSource source,
          const char *producer_id)
{
  for (guint i = 0; i < peer->slots->len; i++) {
    NativeSlot *s = g_ptr_array_index(peer->slots, i);
    if (s->direction == direction && s->source == source &&
        g_strcmp0(s->producer_id, producer_id) == 0)
      return s;
  }
  return NULL;
}

static guint32
fresh_ssrc(void)
{
  guint32 ssrc;
  do
    ssrc = g_random_int();
  while (ssrc == 0);
  return ssrc;
}

static NativeSlot *
add_slot(GwNativeRoom *native, NativePeer *peer, GwMediaSource source, GwTrackDirection direction,
         const char *producer_id, GError **error)
{
  guint width = source == GW_MEDIA_SOURCE_AUDIO ? 1 : 2;
  if (peer->slots->len >= GW_SDP_MAX_MLINES || peer->next_pt + width - 1 > LAST_PT + 1) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_LIMIT, "no room for another m-line");
    return NULL;
  }
  NativeSlot *slot = g_new0(NativeSlot, 1);
  slot->mline = peer->slots->len;
  g_snprintf(slot->mid, sizeof slot->mid, "%s%u",
             source == GW_MEDIA_SOURCE_AUDIO ? "audio" : "video", slot->mline);
  slot->source = source;
  slot->direction = direction;
  slot->producer_id = g_strdup(producer_id);
  slot->pt = peer->next_pt;
  peer->next_pt += width;
  if (direction == GW_TRACK_CLIENT_RECEIVES) {
    slot->ssrc = fresh_ssrc();
    slot->rtx_ssrc = is_video(slot) ? fresh_ssrc() : 0;
  }
  g_ptr_array_add(peer->slots, slot);
  return slot;
}

/* ---- hand-offs to the control thread ---- */

typedef struct {
  GwMediaRoom *room;
  guint key;
  GwTransportState state;
  char *candidate;
  gboolean offer;
} Hop;

static void
hop_free(gpointer data)
{
  Hop *hop = data;
  gw_media_room_unref(hop->room);
  g_free(hop->candidate);
  g_free(hop);
}

static void send_offer(GwNativeRoom *native, NativePeer *peer);

static void
apply_state(GwNativeRoom *native, NativePeer *peer, GwTransportState state)
{
  GwMediaRoom *room = native->room;
  GwMediaPeerState next = peer->state;
  if (state == GW_TRANSPORT_CONNECTED)
    next = GW_MEDIA_PEER_CONNECTED;
  else if (state == GW_TRANSPORT_FAILED || state == GW_TRANSPORT_CLOSED)
    next = GW_MEDIA_PEER_FAILED;
  if (next == peer->state)
    return;
  peer->state = next;
  GW_MEDIA_LOG(G_LOG_LEVEL_INFO, room, peer->id, "media %s",
               next == GW_MEDIA_PEER_CONNECTED ? "connected" : "failed");
  if (room->callbacks.peer_state)
    room->callbacks.peer_state(room->user_data, peer->id, next);
}

static gboolean
hop_run(gpointer data)
{
  Hop *hop = data;
  GwMediaRoom *room = hop->room;
  if (gw_media_room_is_closed(room) || !room->native)
    return G_SOURCE_REMOVE;
  NativePeer *peer = peer_by_key(room->native, hop->key);
  if (!peer)
    return G_SOURCE_REMOVE;
  if (hop->offer)
    send_offer(room->native, peer);
  else if (hop->candidate && peer->session_version == 0)
    g_ptr_array_add(peer->early_candidates, g_strdup(hop->candidate));
  else if (hop->candidate && room->callbacks.ice_candidate)
    room->callbacks.ice_candidate(room->user_data, peer->id, 0, hop->candidate);
  else if (!hop->candidate)
    apply_state(room->native, peer, hop->state);
  return G_SOURCE_REMOVE;
}

static void
hop(GwMediaRoom *room, Hop *h)
{
  h->room = gw_media_room_ref(room);
  GSource *source = g_idle_source_new();
  g_source_set_callback(source, hop_run, h, hop_free);
  g_source_attach(source, room->context);
  g_source_unref(source);
}

static void
on_media_state(gpointer user_data, guint key, GwTransportState state)
{
  Hop *h = g_new0(Hop, 1);
  h->key = key;
  h->state = state;
  hop(user_data, h);
}

static void
on_media_candidate(gpointer user_data, guint key, const char *candidate)
{
  if (!candidate)
    return; /* gathering done: browsers need no end-of-candidates from us */
  Hop *h = g_new0(Hop, 1);
  h->key = key;
  h->candidate = g_strdup(candidate);
  hop(user_data, h);
}

/* ---- offers ---- */

static GwSdpCodec
slot_codec(GwNativeRoom *native, const NativeSlot *slot)
{
  if (!is_video(slot))
    return GW_SDP_CODEC_OPUS;
  return g_strcmp0(native->room->video_codec, "h264") == 0 ? GW_SDP_CODEC_H264 : GW_SDP_CODEC_VP8;
}

static const char *
keep_string(NativePeer *peer, const char *s)
{
  char *copy = g_strdup(s);
  g_ptr_array_add(peer->offer_strings, copy);
  return copy;
}

/* Writes @peer's offer from its slots now, and sends it (offer callback). */
static void
send_offer(GwNativeRoom *native, NativePeer *peer)
{
  GwMediaRoom *room = native->room;
  GwConfig *config = room->config;
  if (peer->offer_pending) {
    peer->offer_wanted = TRUE;
    return;
  }
  clear_offer(peer);
  peer->offer_strings = g_ptr_array_new_with_free_func(g_free);
  peer->offer_slots = g_new0(GwSdpSlot, peer->slots->len);
  g_autofree GwTrackInfo *tracks = g_new0(GwTrackInfo, peer->slots->len);
  for (guint i = 0; i < peer->slots->len; i++) {
    NativeSlot *slot = g_ptr_array_index(peer->slots, i);
    GwSdpSlot *o = &peer->offer_slots[i];
    o->mid = keep_string(peer, slot->mid);
    o->codec = slot_codec(native, slot);
    o->pt = slot->pt;
    if (slot->direction == GW_TRACK_CLIENT_SENDS) {
      o->direction = GW_SDP_GATEWAY_RECEIVES;
      if (is_video(slot)) {
        o->start_kbps = config->start_kbps;
        o->max_kbps = slot->source == GW_MEDIA_SOURCE_SCREEN ? config->screen_max_kbps
                                                             : config->camera_max_kbps;
      }
    } else {
      o->direction = slot->producer_id ? GW_SDP_GATEWAY_SENDS : GW_SDP_INACTIVE;
      o->ssrc = slot->ssrc;
      o->rtx_ssrc = slot->rtx_ssrc;
      o->msid_stream = keep_string(peer, slot->producer_id ? slot->producer_id : "-");
      o->msid_track = o->mid;
    }
    tracks[i].mid = o->mid;
    tracks[i].mline = i;
    tracks[i].source = slot->source;
    tracks[i].direction = slot->direction;
    tracks[i].peer_id = slot->direction == GW_TRACK_CLIENT_SENDS
                            ? peer->id
                            : (slot->producer_id ? slot->producer_id : "");
  }
  peer->offer = (GwSdpOffer){
      .ice_ufrag = peer->ufrag,
      .ice_pwd = peer->pwd,
      .fingerprint = gw_dtls_cert_fingerprint(native->cert),
      .cname = native->cname,
      .session_id = native->session_id,
      .session_version = ++peer->session_version,
      .slots = peer->offer_slots,
      .n_slots = peer->slots->len,
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *sdp = gw_sdp_offer_write(&peer->offer, &error);
  if (!sdp) {
    GW_MEDIA_LOG(G_LOG_LEVEL_CRITICAL, room, peer->id, "cannot write an offer: %s", error->message);
    return;
  }
  peer->offer_pending = TRUE;
  GW_MEDIA_LOG(G_LOG_LEVEL_INFO, room, peer->id, "offer %" G_GUINT64_FORMAT " with %u m-lines",
               peer->session_version, peer->slots->len);
  GW_MEDIA_LOG(G_LOG_LEVEL_DEBUG, room, peer->id, "offer sdp:\n%s", sdp);
  if (room->callbacks.offer)
    room->callbacks.offer(room->user_data, peer->id, sdp, tracks, peer->slots->len);
  /* A browser refuses candidates before it has the offer (no remote description yet): the
   * agent starts gathering when the peer is added, so the first ones wait for it. */
  for (guint i = 0; i < peer->early_candidates->len && room->callbacks.ice_candidate; i++)
    room->callbacks.ice_candidate(room->user_data, peer->id, 0,
                                  g_ptr_array_index(peer->early_candidates, i));
  g_ptr_array_set_size(peer->early_candidates, 0);
}

/* Offers are written on the next turn of the control loop, never inside a call. */
static void
request_offer(GwNativeRoom *native, NativePeer *peer)
{
  Hop *h = g_new0(Hop, 1);
  h->key = peer->key;
  h->offer = TRUE;
  hop(native->room, h);
}

/* ---- media plane wiring ---- */

static void
connect_output(GwNativeRoom *native, NativePeer *consumer, NativeSlot *down)
{
  NativePeer *producer =
      down->producer_id ? g_hash_table_lookup(native->peers, down->producer_id) : NULL;
  NativeSlot *up = producer ? find_slot(producer, GW_TRACK_CLIENT_SENDS, down->source, NULL) : NULL;
  gw_native_media_set_output(native->media, consumer->key, down->mline, down->pt, down->ssrc,
                             is_video(down), up ? producer->key : 0, up ? up->mline : 0);
}

/* Gives @consumer an m-line carrying @producer's @source, reusing one a departed
 * participant left behind (a fresh SSRC: it is a new stream for the browser). */
static gboolean
add_downstream(GwNativeRoom *native, NativePeer *consumer, NativePeer *producer,
               GwMediaSource source, GError **error)
{
  NativeSlot *slot = NULL;
  for (guint i = 0; i < consumer->slots->len && !slot; i++) {
    NativeSlot *s = g_ptr_array_index(consumer->slots, i);
    if (gw_media_slot_reusable(s->direction, s->producer_id, s->source, source))
      slot = s;
  }
  if (slot) {
    slot->source = source;
    slot->producer_id = g_strdup(producer->id);
    slot->ssrc = fresh_ssrc();
    slot->rtx_ssrc = is_video(slot) ? fresh_ssrc() : 0;
    slot->negotiated = FALSE;
    return TRUE;
  }
  return add_slot(native, consumer, source, GW_TRACK_CLIENT_RECEIVES, producer->id, error) != NULL;
}

/* ---- public API (media-room.c hands each call here) ---- */

GwNativeRoom *
gw_native_room_new(GwMediaRoom *room, GError **error)
{
  g_autoptr(GwDtlsCert) cert = process_certificate(error);
  if (!cert)
    return NULL;
  GwNativeRoom *native = g_new0(GwNativeRoom, 1);
  native->room = room;
  native->cert = g_steal_pointer(&cert);
  native->peers = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, peer_free);
  native->order = g_ptr_array_new();
  native->session_id = g_random_int() & 0x7fffffff;
  native->session_id = native->session_id << 31 | g_random_int();
  for (guint i = 0; i < 16; i++)
    native->cname[i] = "abcdefghijklmnopqrstuvwxyz012345"[g_random_int_range(0, 32)];
  native->media_context = gw_media_loop_next(g_get_num_processors());
  GwNativeMediaSettings settings = {
      .keyframe_min_interval_ms = room->config->keyframe_min_interval_ms,
      .history_ms = 1000,
      .max_bps = (room->config->camera_max_kbps + room->config->screen_max_kbps) * 1000 +
                 FEEDBACK_AUDIO_BPS,
  };
  GwNativeMediaEvents events = {.state = on_media_state, .candidate = on_media_candidate};
  native->media = gw_native_media_new(native->media_context, &settings, &events,
                                      gw_media_room_ref(room), (GDestroyNotify)gw_media_room_unref);
  return native;
}

void
gw_native_room_free(GwNativeRoom *native)
{
  if (!native)
    return;
  gw_native_media_free(native->media);
  g_ptr_array_unref(native->order);
  g_hash_table_unref(native->peers);
  gw_dtls_cert_unref(native->cert);
  g_free(native);
}

gboolean
gw_native_room_has_peer(GwNativeRoom *native, const char *peer_id)
{
  return g_hash_table_contains(native->peers, peer_id);
}

guint
gw_native_room_get_peer_count(GwNativeRoom *native)
{
  return native->order->len;
}

gboolean
gw_native_room_add_peer(GwNativeRoom *native, const char *peer_id, GError **error)
{
  GwMediaRoom *room = native->room;
  NativePeer *peer = g_new0(NativePeer, 1);
  peer->id = g_strdup(peer_id);
  peer->key = ++native->next_key;
  peer->slots = g_ptr_array_new_with_free_func(slot_free);
  peer->early_candidates = g_ptr_array_new_with_free_func(g_free);
  peer->next_pt = FIRST_PT;
  peer->state = GW_MEDIA_PEER_CONNECTING;
  peer->sampled_us = g_get_monotonic_time(); /* the first sample counts from joining */
  if (!add_slot(native, peer, GW_MEDIA_SOURCE_AUDIO, GW_TRACK_CLIENT_SENDS, NULL, error) ||
      !add_slot(native, peer, GW_MEDIA_SOURCE_CAMERA, GW_TRACK_CLIENT_SENDS, NULL, error)) {
    peer_free(peer);
    return FALSE;
  }
  for (guint p = 0; p < native->order->len; p++) {
    NativePeer *other = g_ptr_array_index(native->order, p);
    for (guint i = 0; i < other->slots->len; i++) {
      NativeSlot *s = g_ptr_array_index(other->slots, i);
      if (s->direction == GW_TRACK_CLIENT_SENDS &&
          !add_downstream(native, peer, other, s->source, error)) {
        peer_free(peer);
        return FALSE;
      }
    }
  }

  g_autofree char *prefix = g_strdup_printf("room=%s peer=%s", room->id, peer_id);
  GwTransportSettings settings = {
      .context = native->media_context,
      .cert = native->cert,
      .local_addresses = (const char *const *)room->config->ice_local_addresses,
      .port_min = room->config->udp_port_min,
      .port_max = room->config->udp_port_max,
      .controlling = TRUE, /* the gateway offers */
      .log_prefix = prefix,
  };
  static const GwTransportCallbacks none = {0};
  GwTransport *transport = gw_transport_new(&settings, &none, NULL, error);
  if (!transport) {
    peer_free(peer);
    return FALSE;
  }
  const char *ufrag, *pwd;
  gw_transport_get_ice_credentials(transport, &ufrag, &pwd);
  peer->ufrag = g_strdup(ufrag);
  peer->pwd = g_strdup(pwd);
  g_hash_table_insert(native->peers, peer->id, peer);
  g_ptr_array_add(native->order, peer);
  gw_native_media_add_peer(native->media, peer->key, transport);

  for (guint p = 0; p < native->order->len; p++) {
    NativePeer *other = g_ptr_array_index(native->order, p);
    if (other == peer)
      continue;
    g_autoptr(GError) local = NULL;
    if (!add_downstream(native, other, peer, GW_MEDIA_SOURCE_AUDIO, &local) ||
        !add_downstream(native, other, peer, GW_MEDIA_SOURCE_CAMERA, &local))
      GW_MEDIA_LOG(G_LOG_LEVEL_WARNING, room, other->id, "cannot receive %s: %s", peer_id,
                   local->message);
    request_offer(native, other);
  }
  request_offer(native, peer);
  GW_MEDIA_LOG(G_LOG_LEVEL_INFO, room, peer_id, "peer added (%u in room, native)",
               native->order->len);
  return TRUE;
}

void
gw_native_room_remove_peer(GwNativeRoom *native, const char *peer_id)
{
  NativePeer *peer = g_hash_table_lookup(native->peers, peer_id);
  if (!peer)
    return;
  for (guint p = 0; p < native->order->len; p++) {
    NativePeer *other = g_ptr_array_index(native->order, p);
    if (other == peer)
      continue;
    for (guint i = 0; i < other->slots->len; i++) {
      NativeSlot *s = g_ptr_array_index(other->slots, i);
      if (s->direction == GW_TRACK_CLIENT_RECEIVES && g_strcmp0(s->producer_id, peer_id) == 0) {
        g_clear_pointer(&s->producer_id, g_free); /* free for the next participant */
        connect_output(native, other, s);         /* stops it */
      }
    }
  }
  gw_native_media_remove_peer(native->media, peer->key);
  g_ptr_array_remove(native->order, peer);
  g_autofree char *id = g_strdup(peer_id);
  g_hash_table_remove(native->peers, peer_id);
  GW_MEDIA_LOG(G_LOG_LEVEL_INFO, native->room, id, "peer removed (%u in room)", native->order->len);
}

static guint
clock_rate_of(const NativeSlot *slot)
{
  return is_video(slot) ? 90000 : 48000;
}

gboolean
gw_native_room_set_answer(GwNativeRoom *native, const char *peer_id, const char *sdp,
                          GError **error)
{
  GwMediaRoom *room = native->room;
  NativePeer *peer = lookup(native, peer_id, error);
  if (!peer)
    return FALSE;
  if (!peer->offer_pending) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_WRONG_STATE,
                "an answer, but no offer is outstanding");
    return FALSE;
  }
  g_auto(GwSdpAnswer) answer = {0};
  if (!gw_sdp_offer_read_answer(&peer->offer, sdp, room->config->max_sdp_length, &answer, error))
    return FALSE;
  if (!peer->remote_set) {
    peer->remote_set = TRUE;
    gw_native_media_set_remote(
        native->media, peer->key, answer.ice_ufrag, answer.ice_pwd, answer.fingerprint,
        answer.dtls_role == GW_SDP_DTLS_SERVER ? GW_DTLS_ROLE_SERVER : GW_DTLS_ROLE_CLIENT);
    guint twcc = 0;
    for (guint i = 0; i < answer.n_media && twcc == 0; i++)
      twcc = answer.media[i].rejected ? 0 : answer.media[i].twcc_id;
    gw_native_media_set_twcc(native->media, peer->key, twcc);
  }
  for (guint i = 0; i < answer.n_candidates && peer->candidates < room->config->max_candidates;
       i++, peer->candidates++)
    gw_native_media_add_candidate(native->media, peer->key, answer.candidates[i].candidate);
  if (answer.end_of_candidates)
    gw_native_media_add_candidate(native->media, peer->key, NULL);

  for (guint i = 0; i < answer.n_media && i < peer->slots->len; i++) {
    NativeSlot *slot = g_ptr_array_index(peer->slots, i);
    const GwSdpAnswerMedia *m = &answer.media[i];
    slot->negotiated = !m->rejected;
    if (m->rejected)
      continue;
    if (slot->direction == GW_TRACK_CLIENT_SENDS) {
      gw_native_media_set_input(native->media, peer->key, slot->mline, slot->pt, m->rtx_pt,
                                clock_rate_of(slot), is_video(slot), m->ssrc, m->rtx_ssrc);
    } else {
      connect_output(native, peer, slot);
    }
  }
  peer->offer_pending = FALSE;
  GW_MEDIA_LOG(G_LOG_LEVEL_INFO, room, peer_id, "answer %" G_GUINT64_FORMAT " applied",
               peer->session_version);
  if (peer->offer_wanted) {
    peer->offer_wanted = FALSE;
    request_offer(native, peer);
  }
  return TRUE;
}

gboolean
gw_native_room_add_ice_candidate(GwNativeRoom *native, const char *peer_id, guint mline,
                                 const char *candidate, GError **error)
{
  GwMediaRoom *room = native->room;
  NativePeer *peer = lookup(native, peer_id, error);
  if (!peer)
    return FALSE;
  if (peer->candidates >= room->config->max_candidates) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_LIMIT, "more than %u ICE candidates",
                room->config->max_candidates);
    return FALSE;
  }
  if (mline >= peer->slots->len) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_BAD_SDP,
                "an ICE candidate for m-line %u, and the offer has %u", mline, peer->slots->len);
    return FALSE;
  }
  gboolean end = candidate == NULL || *candidate == '\0';
  if (!end && (strlen(candidate) > GW_SDP_MAX_CANDIDATE_LENGTH ||
               !(g_str_has_prefix(candidate, "candidate:") ||
                 g_str_has_prefix(candidate, "a=candidate:")))) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_BAD_SDP, "not an ICE candidate");
    return FALSE;
  }
  peer->candidates++;
  /* With BUNDLE every m-line's candidates are the one transport's. */
  gw_native_media_add_candidate(native->media, peer->key, end ? NULL : candidate);
  return TRUE;
}

gboolean
gw_native_room_start_screen(GwNativeRoom *native, const char *peer_id, GError **error)
{
  GwMediaRoom *room = native->room;
  NativePeer *peer = lookup(native, peer_id, error);
  if (!peer)
    return FALSE;
  if (find_slot(peer, GW_TRACK_CLIENT_SENDS, GW_MEDIA_SOURCE_SCREEN, NULL))
    return TRUE;
  if (!add_slot(native, peer, GW_MEDIA_SOURCE_SCREEN, GW_TRACK_CLIENT_SENDS, NULL, error))
    return FALSE;
  request_offer(native, peer);
  for (guint p = 0; p < native->order->len; p++) {
    NativePeer *other = g_ptr_array_index(native->order, p);
    if (other == peer)
      continue;
    g_autoptr(GError) local = NULL;
    if (!add_downstream(native, other, peer, GW_MEDIA_SOURCE_SCREEN, &local))
      GW_MEDIA_LOG(G_LOG_LEVEL_WARNING, room, other->id, "cannot receive the screen of %s: %s",
                   peer_id, local->message);
    request_offer(native, other);
  }
  GW_MEDIA_LOG(G_LOG_LEVEL_INFO, room, peer_id, "screen slot added");
  return TRUE;
}

gboolean
gw_native_room_sample_quality(GwNativeRoom *native, const char *peer_id, GwMediaQuality *quality)
{
  NativePeer *peer = g_hash_table_lookup(native->peers, peer_id);
  GwNativeQuality q;
  if (!peer || !gw_native_media_get_quality(native->media, peer->key, &q) ||
      q.counters.rtp_received + q.counters.rtp_sent == 0)
    return FALSE;
  gint64 now = g_get_monotonic_time();
  quality->rtt_ms = q.rtt_ms;
  quality->loss_pct = q.loss_pct;
  quality->kbps = now > peer->sampled_us ? (double)(q.bytes_sent - peer->sampled_bytes) * 8.0 *
                                               1000.0 / (double)(now - peer->sampled_us)
                                         : 0;
  peer->sampled_bytes = q.bytes_sent;
  peer->sampled_us = now;
  return TRUE;
}
