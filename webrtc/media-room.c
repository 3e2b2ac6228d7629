/* SPDX-License-Identifier: Apache-2.0 */
/* A media room: one pipeline, one webrtcbin per participant, everyone's tracks to everyone else. */
#include "webrtc/direct.h"
#include "webrtc/feedback.h"
#include "webrtc/lean.h"
#include "webrtc/media-room-private.h"
#include "webrtc/native-room.h"

G_DEFINE_QUARK(gw-media-error-quark, gw_media_error)

const char *
gw_media_source_to_string(GwMediaSource source)
{
  switch (source) {
  case GW_MEDIA_SOURCE_AUDIO:
    return "audio";
  case GW_MEDIA_SOURCE_CAMERA:
    return "camera";
  case GW_MEDIA_SOURCE_SCREEN:
    return "screen";
  }
  return "unknown";
}

gboolean
gw_media_check_elements(GError **error)
{
  static const struct {
    const char *element;
    const char *package;
  } needed[] = {
      {"webrtcbin", "gstreamer1.0-plugins-bad"}, {"dtlssrtpenc", "gstreamer1.0-plugins-bad"},
      {"srtpenc", "gstreamer1.0-plugins-bad"},   {"nicesrc", "gstreamer1.0-nice"},
      {"nicesink", "gstreamer1.0-nice"},         {"rtpbin", "gstreamer1.0-plugins-good"},
      {"rtprtxsend", "gstreamer1.0-plugins-good"}, {"tee", "libgstreamer1.0-0"},
      {"queue", "libgstreamer1.0-0"},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(needed); i++) {
    g_autoptr(GstElementFactory) f = gst_element_factory_find(needed[i].element);
    if (!f) {
      g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_MISSING_ELEMENT,
                  "GStreamer element \"%s\" is missing: install the Debian package %s",
                  needed[i].element, needed[i].package);
      return FALSE;
    }
  }
  return TRUE;
}

/* ---- elements added to the pipeline ---- */

typedef struct {
  void (*fn)(GstElement *element);
} Visit;

static void
visit_item(const GValue *item, gpointer data)
{
  ((Visit *)data)->fn(g_value_get_object(item));
}

void
gw_media_visit_added(GstElement *element, void (*fn)(GstElement *element))
{
  fn(element);
  if (!GST_IS_BIN(element))
    return;
  Visit visit = {fn};
  GstIterator *it = gst_bin_iterate_recurse(GST_BIN(element));
  while (gst_iterator_foreach(it, visit_item, &visit) == GST_ITERATOR_RESYNC)
    gst_iterator_resync(it);
  gst_iterator_free(it);
}

static void
on_deep_element_added(GstBin *bin, GstBin *sub_bin, GstElement *element, gpointer fn)
{
  gw_media_visit_added(element, (void (*)(GstElement *))fn);
}

void
gw_media_watch_added(GstElement *pipeline, void (*fn)(GstElement *element))
{
  g_signal_connect(pipeline, "deep-element-added", G_CALLBACK(on_deep_element_added), (gpointer)fn);
}

gboolean
gw_media_element_is(GstElement *element, const char *factory_name)
{
  GstElementFactory *factory = gst_element_get_factory(element);
  return factory && g_str_equal(GST_OBJECT_NAME(factory), factory_name);
}

/* ---- reference counting and hand-off to the control thread ---- */

static void
room_clear(gpointer data)
{
  GwMediaRoom *room = data;
  g_clear_pointer(&room->peers, g_hash_table_unref);
  g_clear_pointer(&room->order, g_ptr_array_unref);
  gst_clear_object(&room->pipeline);
  g_main_context_unref(room->context);
  gw_config_unref(room->config);
  g_free(room->id);
}

GwMediaRoom *
gw_media_room_ref(GwMediaRoom *room)
{
  return g_atomic_rc_box_acquire(room);
}

void
gw_media_room_unref(GwMediaRoom *room)
{
  g_atomic_rc_box_release_full(room, room_clear);
}

gboolean
gw_media_room_is_closed(GwMediaRoom *room)
{
  return g_atomic_int_get(&room->closed) != 0;
}

GwPeer *
gw_media_room_lookup(GwMediaRoom *room, const char *peer_id)
{
  return room->peers ? g_hash_table_lookup(room->peers, peer_id) : NULL;
}

typedef struct {
  GwMediaRoom *room;
  char *peer_id;
  void (*func)(GwMediaRoom *, GwPeer *, gpointer);
  gpointer data;
  GDestroyNotify free_data;
} Invocation;

static gboolean
invocation_run(gpointer p)
{
  Invocation *inv = p;
  if (!gw_media_room_is_closed(inv->room)) {
    GwPeer *peer = gw_media_room_lookup(inv->room, inv->peer_id);
    if (peer)
      inv->func(inv->room, peer, inv->data);
  }
  return G_SOURCE_REMOVE;
}

static void
invocation_free(gpointer p)
{
  Invocation *inv = p;
  if (inv->free_data)
    inv->free_data(inv->data);
  gw_media_room_unref(inv->room);
  g_free(inv->peer_id);
  g_free(inv);
}

void
gw_media_room_invoke(GwMediaRoom *room, const char *peer_id,
                     void (*func)(GwMediaRoom *, GwPeer *, gpointer), gpointer data,
                     GDestroyNotify free_data)
{
  Invocation *inv = g_new0(Invocation, 1);
  inv->room = gw_media_room_ref(room);
  inv->peer_id = g_strdup(peer_id);
  inv->func = func;
  inv->data = data;
  inv->free_data = free_data;
  /* Always through an idle source, even from the control thread itself:
   * webrtcbin emits some signals synchronously inside our own calls. */
  GSource *source = g_idle_source_new();
  g_source_set_callback(source, invocation_run, inv, invocation_free);
  g_source_attach(source, room->context);
  g_source_unref(source);
}

/* ---- pipeline bus ---- */

static char *
peer_of_element(GstObject *obj)
{
  for (GstObject *o = gst_object_ref(obj); o;) {
    const char *name = GST_OBJECT_NAME(o);
    if (name && g_str_has_prefix(name, "peer-")) {
      char *id = g_strdup(name + 5);
      gst_object_unref(o);
      return id;
    }
    GstObject *parent = gst_object_get_parent(o);
    gst_object_unref(o);
    o = parent;
  }
  return NULL;
}

static gboolean
on_bus_message(GstBus *bus, GstMessage *msg, gpointer data)
{
  GwMediaRoom *room = data;
  switch (GST_MESSAGE_TYPE(msg)) {
  case GST_MESSAGE_ERROR: {
    g_autoptr(GError) err = NULL;
    g_autofree char *debug = NULL;
    gst_message_parse_error(msg, &err, &debug);
    g_autofree char *peer_id = peer_of_element(GST_MESSAGE_SRC(msg));
    GW_MEDIA_LOG(G_LOG_LEVEL_MESSAGE, room, peer_id, "GStreamer error from %s: %s",
                 GST_MESSAGE_SRC_NAME(msg), err->message);
    GW_MEDIA_LOG(G_LOG_LEVEL_DEBUG, room, peer_id, "GStreamer error detail: %s",
                 debug ? debug : "");
    GwPeer *peer = peer_id ? gw_media_room_lookup(room, peer_id) : NULL;
    if (peer && peer->state != GW_MEDIA_PEER_FAILED) {
      peer->state = GW_MEDIA_PEER_FAILED;
      if (room->callbacks.peer_state)
        room->callbacks.peer_state(room->user_data, peer->id, GW_MEDIA_PEER_FAILED);
    }
    break;
  }
  case GST_MESSAGE_WARNING: {
    g_autoptr(GError) err = NULL;
    gst_message_parse_warning(msg, &err, NULL);
    GW_MEDIA_LOG(G_LOG_LEVEL_INFO, room, NULL, "GStreamer warning from %s: %s",
                 GST_MESSAGE_SRC_NAME(msg), err->message);
    break;
  }
  case GST_MESSAGE_LATENCY:
    gst_bin_recalculate_latency(GST_BIN(room->pipeline));
    break;
  default:
    break;
  }
  return G_SOURCE_CONTINUE;
}

/* ---- public API ---- */

/* A room whose participants are not webrtcbins (media.engine = native): no pipeline. */
static GwMediaRoom *
new_native_room(GwConfig *config, const char *room_id, const GwMediaRoomCallbacks *callbacks,
                gpointer user_data, GError **error)
{
  GwMediaRoom *room = g_atomic_rc_box_new0(GwMediaRoom);
  room->config = gw_config_ref(config);
  room->id = g_strdup(room_id);
  room->callbacks = *callbacks;
  room->user_data = user_data;
  room->context = g_main_context_ref_thread_default();
  room->peers = g_hash_table_new(g_str_hash, g_str_equal);
  room->order = g_ptr_array_new();
  room->native = gw_native_room_new(room, error);
  if (!room->native) {
    gw_media_room_unref(room);
    return NULL;
  }
  GW_MEDIA_LOG(G_LOG_LEVEL_INFO, room, NULL, "media room created (native)");
  return room;
}

GwMediaRoom *
gw_media_room_new(GwConfig *config, const char *room_id, const GwMediaRoomCallbacks *callbacks,
                  gpointer user_data, GError **error)
{
  if (g_strcmp0(config->engine, "native") == 0)
    return new_native_room(config, room_id, callbacks, user_data, error);
  g_autofree char *name = g_strdup_printf("room-%s", room_id);
  GstElement *pipeline = gst_pipeline_new(name);
  if (!pipeline) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_INTERNAL, "cannot create a pipeline");
    return NULL;
  }
  GwMediaRoom *room = g_atomic_rc_box_new0(GwMediaRoom);
  room->config = gw_config_ref(config);
  room->id = g_strdup(room_id);
  room->callbacks = *callbacks;
  room->user_data = user_data;
  room->context = g_main_context_ref_thread_default();
  room->pipeline = gst_object_ref_sink(pipeline);
  gw_feedback_watch_pipeline(pipeline);
  gw_lean_watch_pipeline(pipeline, !config->receive_queue);
  if (!config->webrtcbin_receive)
    gw_direct_watch_pipeline(pipeline);
  if (!config->webrtcbin_send)
    gw_direct_watch_rtcp_out(pipeline);
  room->peers = g_hash_table_new(g_str_hash, g_str_equal);
  room->order = g_ptr_array_new();

  g_autoptr(GstBus) bus = gst_pipeline_get_bus(GST_PIPELINE(pipeline));
  room->bus_source = gst_bus_create_watch(bus);
  g_source_set_callback(room->bus_source, (GSourceFunc)(void (*)(void))on_bus_message, room, NULL);
  g_source_attach(room->bus_source, room->context);

  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_INTERNAL, "the room pipeline won't start");
    gw_media_room_free(room);
    return NULL;
  }
  GW_MEDIA_LOG(G_LOG_LEVEL_INFO, room, NULL, "media room created");
  return room;
}

/* Gives @consumer an m-line carrying @producer's @source: reuses an m-line a
 * departed participant left behind (webrtcbin 1.22 cannot remove one) or adds one. */
static gboolean
add_downstream(GwMediaRoom *room, GwPeer *consumer, GwPeer *producer, GwMediaSource source,
               GError **error)
{
  GwSlot *slot = NULL;
  for (guint i = 0; i < consumer->slots->len && !slot; i++) {
    GwSlot *s = g_ptr_array_index(consumer->slots, i);
    if (gw_media_slot_reusable(s->direction, s->producer_id, s->source, source))
      slot = s;
  }
  if (slot) {
    slot->source = source;
    slot->producer_id = g_strdup(producer->id);
  } else {
    slot = gw_peer_add_slot(consumer, source, GW_TRACK_CLIENT_RECEIVES, producer->id, error);
    if (!slot)
      return FALSE;
  }
  gw_media_room_downstream_ready(room, slot);
  return TRUE;
}

/* Links @down to its producer's tee once both ends exist and @down is negotiated. */
void
gw_media_room_downstream_ready(GwMediaRoom *room, GwSlot *down)
{
  if (!down->negotiated || !down->producer_id)
    return;
  GwPeer *producer = gw_media_room_lookup(room, down->producer_id);
  GwSlot *up = producer ? gw_peer_find_slot(producer, GW_TRACK_CLIENT_SENDS, down->source,
                                            producer->id)
                        : NULL;
  if (up && up->tee && down->tee_of_branch != up->tee)
    gw_forward_link(room, up, down);
}

void
gw_media_room_upstream_ready(GwMediaRoom *room, GwPeer *producer, GwSlot *up)
{
  for (guint p = 0; p < room->order->len; p++) {
    GwPeer *consumer = g_ptr_array_index(room->order, p);
    if (consumer == producer)
      continue;
    GwSlot *down =
        gw_peer_find_slot(consumer, GW_TRACK_CLIENT_RECEIVES, up->source, producer->id);
    if (down && down->negotiated && down->tee_of_branch != up->tee)
      gw_forward_link(room, up, down);
  }
}

static const char *
codec_display_name(const char *codec)
{
  return g_strcmp0(codec, "h264") == 0 ? "H.264" : "VP8";
}

/* The codec this peer will use: the room's, or for the first peer its first
 * preference the config allows. Returns a static string, or NULL with @error. */
static const char *
choose_video_codec(GwMediaRoom *room, const char *const *video_codecs, GError **error)
{
  guint peers = gw_media_room_get_peer_count(room);
  static const char *const vp8_only[] = {"vp8", NULL};
  static const char *const known[] = {"vp8", "h264", NULL};
  const char *const *offered = video_codecs ? video_codecs : vp8_only;

  if (peers > 0) {
    if (g_strv_contains(offered, room->video_codec))
      return room->video_codec;
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_CODEC,
                "this call's video is %s, which this browser cannot send or show",
                codec_display_name(room->video_codec));
    return NULL;
  }
  for (guint i = 0; offered[i]; i++) {
    if (!g_strv_contains((const char *const *)room->config->video_codecs, offered[i]))
      continue;
    for (guint k = 0; known[k]; k++) {
      if (g_str_equal(offered[i], known[k]))
        return known[k];
    }
  }
  g_autofree char *allowed = g_strjoinv(", ", room->config->video_codecs);
  g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_CODEC,
              "this browser can do none of the video codecs allowed here (%s)", allowed);
  return NULL;
}

const char *
gw_media_room_get_video_codec(GwMediaRoom *room)
{
  return gw_media_room_get_peer_count(room) > 0 ? room->video_codec : NULL;
}

gboolean
gw_media_room_add_peer(GwMediaRoom *room, const char *peer_id, const char *const *video_codecs,
                       GError **error)
{
  if (room->native ? gw_native_room_has_peer(room->native, peer_id)
                   : gw_media_room_lookup(room, peer_id) != NULL) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_WRONG_STATE, "peer %s is already here",
                peer_id);
    return FALSE;
  }
  const char *codec = choose_video_codec(room, video_codecs, error);
  if (!codec)
    return FALSE;
  if (gw_media_room_get_peer_count(room) == 0) {
    room->video_codec = codec;
    GW_MEDIA_LOG(G_LOG_LEVEL_INFO, room, peer_id, "room video codec: %s",
                 codec_display_name(codec));
  }
  if (room->native)
    return gw_native_room_add_peer(room->native, peer_id, error);
  GwPeer *peer = gw_peer_new(room, peer_id, error);
  if (!peer)
    return FALSE;

  /* Everything the others already send, to the newcomer. */
  for (guint p = 0; p < room->order->len; p++) {
    GwPeer *other = g_ptr_array_index(room->order, p);
    for (guint i = 0; i < other->slots->len; i++) {
      GwSlot *s = g_ptr_array_index(other->slots, i);
      if (s->direction == GW_TRACK_CLIENT_SENDS &&
          !add_downstream(room, peer, other, s->source, error)) {
        for (guint j = 0; j < peer->slots->len; j++)
          gw_forward_unlink(room, g_ptr_array_index(peer->slots, j));
        gw_peer_free(peer);
        return FALSE;
      }
    }
  }
  g_hash_table_insert(room->peers, peer->id, peer);
  g_ptr_array_add(room->order, peer);

  /* The newcomer's audio and camera, to everyone else. */
  for (guint p = 0; p < room->order->len; p++) {
    GwPeer *other = g_ptr_array_index(room->order, p);
    if (other == peer)
      continue;
    g_autoptr(GError) local = NULL;
    if (!add_downstream(room, other, peer, GW_MEDIA_SOURCE_AUDIO, &local) ||
        !add_downstream(room, other, peer, GW_MEDIA_SOURCE_CAMERA, &local))
      GW_MEDIA_LOG(G_LOG_LEVEL_WARNING, room, other->id, "cannot receive %s: %s", peer_id,
                   local->message);
    gw_peer_request_offer(other);
  }
  gw_peer_request_offer(peer);
  GW_MEDIA_LOG(G_LOG_LEVEL_INFO, room, peer_id, "peer added (%u in room)", room->order->len);
  return TRUE;
}

static void
remove_peer(GwMediaRoom *room, GwPeer *peer)
{
  for (guint p = 0; p < room->order->len; p++) {
    GwPeer *other = g_ptr_array_index(room->order, p);
    for (guint i = 0; i < other->slots->len; i++) {
      GwSlot *s = g_ptr_array_index(other->slots, i);
      if (other == peer) {
        gw_forward_unlink(room, s);
      } else if (s->direction == GW_TRACK_CLIENT_RECEIVES &&
                 g_strcmp0(s->producer_id, peer->id) == 0) {
        gw_forward_unlink(room, s);
        g_clear_pointer(&s->producer_id, g_free); /* free for the next participant */
      }
    }
  }
  g_hash_table_remove(room->peers, peer->id);
  g_ptr_array_remove(room->order, peer);
  g_autofree char *id = g_strdup(peer->id);
  gw_peer_free(peer);
  GW_MEDIA_LOG(G_LOG_LEVEL_INFO, room, id, "peer removed (%u in room)", room->order->len);
}

void
gw_media_room_remove_peer(GwMediaRoom *room, const char *peer_id)
{
  if (room->native) {
    gw_native_room_remove_peer(room->native, peer_id);
    return;
  }
  GwPeer *peer = gw_media_room_lookup(room, peer_id);
  if (peer)
    remove_peer(room, peer);
}

static GwPeer *
lookup_or_error(GwMediaRoom *room, const char *peer_id, GError **error)
{
  GwPeer *peer = gw_media_room_lookup(room, peer_id);
  if (!peer)
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_NO_PEER, "no peer %s in room %s", peer_id,
                room->id);
  return peer;
}

gboolean
gw_media_room_set_answer(GwMediaRoom *room, const char *peer_id, const char *sdp, GError **error)
{
  if (room->native)
    return gw_native_room_set_answer(room->native, peer_id, sdp, error);
  GwPeer *peer = lookup_or_error(room, peer_id, error);
  return peer && gw_peer_set_answer(peer, sdp, error);
}

gboolean
gw_media_room_add_ice_candidate(GwMediaRoom *room, const char *peer_id, guint mline,
                                const char *candidate, GError **error)
{
  if (room->native)
    return gw_native_room_add_ice_candidate(room->native, peer_id, mline, candidate, error);
  GwPeer *peer = lookup_or_error(room, peer_id, error);
  return peer && gw_peer_add_ice_candidate(peer, mline, candidate, error);
}

gboolean
gw_media_room_start_screen(GwMediaRoom *room, const char *peer_id, GError **error)
{
  if (room->native)
    return gw_native_room_start_screen(room->native, peer_id, error);
  GwPeer *peer = lookup_or_error(room, peer_id, error);
  if (!peer)
    return FALSE;
  if (gw_peer_find_slot(peer, GW_TRACK_CLIENT_SENDS, GW_MEDIA_SOURCE_SCREEN, peer->id))
    return TRUE;
  if (!gw_peer_add_slot(peer, GW_MEDIA_SOURCE_SCREEN, GW_TRACK_CLIENT_SENDS, peer->id, error))
    return FALSE;
  gw_peer_request_offer(peer);
  for (guint p = 0; p < room->order->len; p++) {
    GwPeer *other = g_ptr_array_index(room->order, p);
    if (other == peer)
      continue;
    g_autoptr(GError) local = NULL;
    if (!add_downstream(room, other, peer, GW_MEDIA_SOURCE_SCREEN, &local))
      GW_MEDIA_LOG(G_LOG_LEVEL_WARNING, room, other->id, "cannot receive the screen of %s: %s",
                   peer_id, local->message);
    gw_peer_request_offer(other);
  }
  GW_MEDIA_LOG(G_LOG_LEVEL_INFO, room, peer_id, "screen slot added");
  return TRUE;
}

gboolean
gw_media_room_sample_quality(GwMediaRoom *room, const char *peer_id, GwMediaQuality *quality)
{
  if (room->native)
    return gw_native_room_sample_quality(room->native, peer_id, quality);
  GwPeer *peer = g_hash_table_lookup(room->peers, peer_id);
  return peer != NULL && gw_feedback_sample_quality(peer, quality);
}

guint
gw_media_room_get_peer_count(GwMediaRoom *room)
{
  return room->native ? gw_native_room_get_peer_count(room->native) : room->order->len;
}

void
gw_media_room_free(GwMediaRoom *room)
{
  if (!room)
    return;
  g_atomic_int_set(&room->closed, 1);
  if (room->native) {
    g_clear_pointer(&room->native, gw_native_room_free);
    GW_MEDIA_LOG(G_LOG_LEVEL_INFO, room, NULL, "media room closed");
    gw_media_room_unref(room);
    return;
  }
  gw_feedback_room_stop(room);
  while (room->order->len > 0)
    remove_peer(room, g_ptr_array_index(room->order, room->order->len - 1));
  gst_element_set_state(room->pipeline, GST_STATE_NULL);
  if (room->bus_source) {
    g_source_destroy(room->bus_source);
    g_clear_pointer(&room->bus_source, g_source_unref);
  }
  GW_MEDIA_LOG(G_LOG_LEVEL_INFO, room, NULL, "media room closed");
  gw_media_room_unref(room);
}
