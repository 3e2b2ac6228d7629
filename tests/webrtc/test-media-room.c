/* SPDX-License-Identifier: Apache-2.0 */
/* Media room tests: real rooms of both kinds (webrtcbins in one pipeline, native participants),
 * offers inspected as the browser would. */
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <string.h>

#include "webrtc/media-room.h"
#include "webrtc/sdp-edit.h"

typedef struct {
  char *peer;
  char *sdp;
  GPtrArray *tracks; /* "source/direction/producer" strings */
} Offer;

typedef struct {
  GwConfig *config;
  GwMediaRoom *room;
  GPtrArray *offers; /* Offer* in arrival order */
  guint candidates;
} Fixture;

static void
offer_free(Offer *o)
{
  g_free(o->peer);
  g_free(o->sdp);
  g_ptr_array_unref(o->tracks);
  g_free(o);
}

static void
on_offer(gpointer user_data, const char *peer_id, const char *sdp, const GwTrackInfo *tracks,
         guint n_tracks)
{
  Fixture *f = user_data;
  Offer *o = g_new0(Offer, 1);
  o->peer = g_strdup(peer_id);
  o->sdp = g_strdup(sdp);
  o->tracks = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < n_tracks; i++) {
    g_assert_cmpuint(tracks[i].mline, ==, i);
    g_assert_nonnull(tracks[i].mid);
    g_ptr_array_add(o->tracks,
                    g_strdup_printf("%s/%s/%s", gw_media_source_to_string(tracks[i].source),
                                    tracks[i].direction == GW_TRACK_CLIENT_SENDS ? "send" : "recv",
                                    tracks[i].peer_id));
  }
  g_ptr_array_add(f->offers, o);
}

static void
on_candidate(gpointer user_data, const char *peer_id, guint mline, const char *candidate)
{
  Fixture *f = user_data;
  f->candidates++;
}

static const GwMediaRoomCallbacks callbacks = {
    .offer = on_offer,
    .ice_candidate = on_candidate,
};

static void
fixture_setup(Fixture *f, gconstpointer data)
{
  f->config = gw_config_new_default();
  /* Every case runs with both kinds of participant (media.engine). */
  g_free(f->config->engine);
  f->config->engine = g_strdup(data ? data : "native");
  f->offers = g_ptr_array_new_with_free_func((GDestroyNotify)offer_free);
  g_autoptr(GError) error = NULL;
  f->room = gw_media_room_new(f->config, "test", &callbacks, f, &error);
  g_assert_no_error(error);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
  gw_media_room_free(f->room);
  /* Let queued hand-offs run: they must see the closed room and do nothing. */
  while (g_main_context_iteration(NULL, FALSE))
    ;
  g_ptr_array_unref(f->offers);
  gw_config_unref(f->config);
}

/* Iterates the main context until @n offers arrived or 10 s passed. */
static void
wait_offers(Fixture *f, guint n)
{
  gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (f->offers->len < n && g_get_monotonic_time() < deadline)
    g_main_context_iteration(NULL, FALSE) || (g_usleep(1000), TRUE);
  g_assert_cmpuint(f->offers->len, >=, n);
}

static Offer *
last_offer_for(Fixture *f, const char *peer)
{
  for (guint i = f->offers->len; i > 0; i--) {
    Offer *o = g_ptr_array_index(f->offers, i - 1);
    if (g_str_equal(o->peer, peer))
      return o;
  }
  return NULL;
}

/* Every payload type (media and RTX) appears on one m-line only. */
static void
assert_unique_payload_types(const char *text)
{
  g_autoptr(GError) error = NULL;
  GstSDPMessage *sdp = gw_sdp_parse(text, 1 << 20, &error);
  g_assert_no_error(error);
  g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; i < gst_sdp_message_medias_len(sdp); i++) {
    const GstSDPMedia *m = gst_sdp_message_get_media(sdp, i);
    for (guint f = 0; f < gst_sdp_media_formats_len(m); f++) {
      const char *pt = gst_sdp_media_get_format(m, f);
      if (g_hash_table_contains(seen, pt))
        g_error("payload type %s is used on two m-lines:\n%s", pt, text);
      g_hash_table_add(seen, (gpointer)pt);
    }
  }
  gst_sdp_message_free(sdp);
}

static void
test_first_peer_offer(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(gw_media_room_add_peer(f->room, "a", NULL, &error));
  wait_offers(f, 1);
  Offer *o = last_offer_for(f, "a");
  g_assert_nonnull(o);
  g_assert_true(g_str_has_prefix(o->sdp, "v=0"));
  g_assert_cmpuint(o->tracks->len, ==, 2);
  g_assert_cmpstr(g_ptr_array_index(o->tracks, 0), ==, "audio/send/a");
  g_assert_cmpstr(g_ptr_array_index(o->tracks, 1), ==, "camera/send/a");
  /* webrtcbin writes OPUS, the native offer (GstSDP) opus */
  g_assert_true(strstr(o->sdp, "OPUS/48000") || strstr(o->sdp, "opus/48000"));
  g_assert_nonnull(strstr(o->sdp, "VP8/90000"));
  g_assert_nonnull(strstr(o->sdp, "a=recvonly"));
  g_assert_nonnull(strstr(o->sdp, "BUNDLE"));
  assert_unique_payload_types(o->sdp);
  g_assert_cmpuint(gw_media_room_get_peer_count(f->room), ==, 1);

  /* The same id twice is a programming error of the caller, refused cleanly. */
  g_assert_false(gw_media_room_add_peer(f->room, "a", NULL, &error));
  g_assert_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_WRONG_STATE);
}

static void
test_second_peer_and_screen(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(gw_media_room_add_peer(f->room, "a", NULL, &error));
  wait_offers(f, 1);
  g_assert_true(gw_media_room_add_peer(f->room, "b", NULL, &error));
  wait_offers(f, 2);

  Offer *b = last_offer_for(f, "b");
  g_assert_nonnull(b);
  g_assert_cmpuint(b->tracks->len, ==, 4);
  g_assert_cmpstr(g_ptr_array_index(b->tracks, 2), ==, "audio/recv/a");
  g_assert_cmpstr(g_ptr_array_index(b->tracks, 3), ==, "camera/recv/a");
  g_assert_nonnull(strstr(b->sdp, "a=sendonly"));
  assert_unique_payload_types(b->sdp);

  /* a's offer is still unanswered, so its renegotiation waits: nothing new for a yet. */
  g_assert_cmpuint(last_offer_for(f, "a")->tracks->len, ==, 2);

  /* Screen share from b: b gets a send slot, a a receive slot (once a answers). */
  g_assert_true(gw_media_room_start_screen(f->room, "b", &error));
  g_assert_no_error(error);
  /* b must answer its first offer before it is re-offered; nothing arrives meanwhile. */
  g_assert_true(gw_media_room_start_screen(f->room, "b", &error)); /* idempotent */

  /* Wrong-state and bad input refusals. */
  g_assert_false(gw_media_room_set_answer(f->room, "nobody", "v=0", &error));
  g_assert_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_NO_PEER);
  g_clear_error(&error);
  g_assert_false(gw_media_room_set_answer(f->room, "a", "garbage", &error));
  g_assert_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_BAD_SDP);
  g_clear_error(&error);
  g_assert_false(gw_media_room_add_ice_candidate(f->room, "a", 7, "candidate:1 1 UDP 1 127.0.0.1 9 typ host", &error));
  g_assert_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_BAD_SDP);
  g_clear_error(&error);

  gw_media_room_remove_peer(f->room, "b");
  g_assert_cmpuint(gw_media_room_get_peer_count(f->room), ==, 1);
  gw_media_room_remove_peer(f->room, "b"); /* unknown: ignored */
}

/* A room's one video codec: the first browser's preference among those the
 * config allows; browsers that cannot do it are refused and change nothing. */
static void
test_video_codec(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  const char *const prefers_h264[] = {"h264", "vp8", NULL};
  const char *const vp8_only[] = {"vp8", NULL};
  const char *const both[] = {"vp8", "h264", NULL};

  g_assert_null(gw_media_room_get_video_codec(f->room));
  g_assert_true(gw_media_room_add_peer(f->room, "a", prefers_h264, &error));
  g_assert_cmpstr(gw_media_room_get_video_codec(f->room), ==, "h264");
  wait_offers(f, 1);
  Offer *a = last_offer_for(f, "a");
  g_assert_nonnull(strstr(a->sdp, "H264/90000"));
  g_assert_nonnull(strstr(a->sdp, "packetization-mode=1"));
  g_assert_nonnull(strstr(a->sdp, "profile-level-id=42e01f"));
  g_assert_null(strstr(a->sdp, "VP8"));

  /* No list means VP8 only: refused, and the room is as it was. */
  g_assert_false(gw_media_room_add_peer(f->room, "b", NULL, &error));
  g_assert_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_CODEC);
  g_assert_nonnull(strstr(error->message, "H.264"));
  g_clear_error(&error);
  g_assert_false(gw_media_room_add_peer(f->room, "b", vp8_only, &error));
  g_assert_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_CODEC);
  g_clear_error(&error);
  g_assert_cmpuint(gw_media_room_get_peer_count(f->room), ==, 1);

  /* A browser that prefers VP8 but can do H.264 joins the H.264 room. */
  g_assert_true(gw_media_room_add_peer(f->room, "c", both, &error));
  wait_offers(f, 2);
  Offer *c = last_offer_for(f, "c");
  g_assert_nonnull(strstr(c->sdp, "H264/90000"));
  g_assert_null(strstr(c->sdp, "VP8"));
  assert_unique_payload_types(c->sdp);

  /* Once empty, the room chooses again. */
  gw_media_room_remove_peer(f->room, "a");
  gw_media_room_remove_peer(f->room, "c");
  g_assert_null(gw_media_room_get_video_codec(f->room));
  g_assert_true(gw_media_room_add_peer(f->room, "d", both, &error));
  g_assert_cmpstr(gw_media_room_get_video_codec(f->room), ==, "vp8");
}

/* The operator's list wins over the browser's: H.264 only. */
static void
test_video_codec_config(void)
{
  g_autoptr(GError) error = NULL;
  const char *text = "[media]\nvideo_codecs = h264\n";
  GwConfig *config = gw_config_parse(text, strlen(text), NULL, &error);
  g_assert_no_error(error);
  Fixture f = {.config = config};
  f.offers = g_ptr_array_new_with_free_func((GDestroyNotify)offer_free);
  f.room = gw_media_room_new(config, "test", &callbacks, &f, &error);
  g_assert_no_error(error);

  const char *const vp8_only[] = {"vp8", NULL};
  const char *const both[] = {"vp8", "h264", NULL};
  g_assert_false(gw_media_room_add_peer(f.room, "a", vp8_only, &error));
  g_assert_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_CODEC);
  g_assert_nonnull(strstr(error->message, "h264"));
  g_clear_error(&error);
  g_assert_cmpuint(gw_media_room_get_peer_count(f.room), ==, 0);
  g_assert_true(gw_media_room_add_peer(f.room, "a", both, &error));
  g_assert_cmpstr(gw_media_room_get_video_codec(f.room), ==, "h264");
  fixture_teardown(&f, NULL);
}

int
main(int argc, char **argv)
{
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, NULL);
  static const char *const engines[] = {"native", "webrtcbin"};
  for (guint i = 0; i < G_N_ELEMENTS(engines); i++) {
    g_autofree char *first = g_strdup_printf("/media-room/%s/first-peer-offer", engines[i]);
    g_autofree char *second = g_strdup_printf("/media-room/%s/second-peer-and-screen", engines[i]);
    g_autofree char *codec = g_strdup_printf("/media-room/%s/video-codec", engines[i]);
    g_test_add(first, Fixture, engines[i], fixture_setup, test_first_peer_offer, fixture_teardown);
    g_test_add(second, Fixture, engines[i], fixture_setup, test_second_peer_and_screen,
               fixture_teardown);
    g_test_add(codec, Fixture, engines[i], fixture_setup, test_video_codec, fixture_teardown);
  }
  g_test_add_func("/media-room/video-codec-config", test_video_codec_config);
  return g_test_run();
}
