/* SPDX-License-Identifier: Apache-2.0 */
/* Two GStreamer "browsers" call through a media room on loopback; we count what arrives. */
#define GST_USE_UNSTABLE_API
#include <gst/gst.h>
#include <gst/rtp/rtp.h>
#include <gst/webrtc/webrtc.h>

#include "tests/webrtc/loopback-client.h"
#include "webrtc/direct.h"
#include "webrtc/lean.h"
#include "webrtc/media-room-private.h"
#include "webrtc/media-room.h"

typedef struct _Fixture Fixture;

typedef struct {
  Fixture *f;
  const char *id;
  GstElement *pipeline;
  GstElement *webrtc;
  guint answers;
  gint received_video; /* RTP buffers, counted on streaming threads */
  gint received_audio;
  gint dropped; /* video packets a's sender drops before its webrtcbin */
  gint nacks;   /* Generic NACKs a's RTP session got from the gateway */
} Client;

struct _Fixture {
  GwConfig *config;
  GwMediaRoom *room;
  Client a, b;
};

/* Work from GStreamer threads hops to the test's main thread, as in the gateway. */
typedef struct {
  Client *c;
  guint mline;
  char *text;
} Hop;

static void
hop_free(gpointer p)
{
  Hop *h = p;
  g_free(h->text);
  g_free(h);
}

static void
hop(Client *c, guint mline, const char *text, GSourceFunc func)
{
  Hop *h = g_new0(Hop, 1);
  h->c = c;
  h->mline = mline;
  h->text = g_strdup(text);
  g_idle_add_full(G_PRIORITY_DEFAULT, func, h, hop_free);
}

static GstPadProbeReturn
count_buffers(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  g_atomic_int_inc((gint *)data);
  return GST_PAD_PROBE_OK;
}

static void
on_client_pad(GstElement *webrtc, GstPad *pad, Client *c)
{
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC)
    return;
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
  const char *media =
      caps ? gst_structure_get_string(gst_caps_get_structure(caps, 0), "media") : NULL;
  GstElement *sink = gst_element_factory_make("fakesink", NULL);
  g_object_set(sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add(GST_BIN(c->pipeline), sink);
  gst_element_sync_state_with_parent(sink);
  g_autoptr(GstPad) sinkpad = gst_element_get_static_pad(sink, "sink");
  gst_pad_link(pad, sinkpad);
  gst_pad_add_probe(sinkpad, GST_PAD_PROBE_TYPE_BUFFER, count_buffers,
                    g_strcmp0(media, "audio") == 0 ? &c->received_audio : &c->received_video, NULL);
}

static gboolean
deliver_client_candidate(gpointer p)
{
  Hop *h = p;
  g_autoptr(GError) error = NULL;
  if (h->c->f->room &&
      !gw_media_room_add_ice_candidate(h->c->f->room, h->c->id, h->mline, h->text, &error))
    g_message("candidate refused: %s", error->message);
  return G_SOURCE_REMOVE;
}

static void
on_client_candidate(GstElement *webrtc, guint mline, const char *candidate, Client *c)
{
  hop(c, mline, candidate, deliver_client_candidate);
}

static gboolean
deliver_answer(gpointer p)
{
  Hop *h = p;
  g_autoptr(GError) error = NULL;
  g_assert_true(gw_media_room_set_answer(h->c->f->room, h->c->id, h->text, &error));
  g_assert_no_error(error);
  h->c->answers++;
  return G_SOURCE_REMOVE;
}

/* Every tenth video packet a sends is lost on its way: the gateway asks for it. */
static gboolean
lost_on_the_way(GstBuffer *buffer, gint *dropped)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp))
    return FALSE;
  guint16 seq = gst_rtp_buffer_get_seq(&rtp);
  gst_rtp_buffer_unmap(&rtp);
  if (seq % 10 != 0)
    return FALSE;
  g_atomic_int_inc(dropped);
  return TRUE;
}

static gboolean
drop_from_list(GstBuffer **buffer, guint idx, gpointer data)
{
  if (lost_on_the_way(*buffer, data))
    gst_clear_buffer(buffer); /* removed from the list */
  return TRUE;
}

static GstPadProbeReturn
drop_some(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    return lost_on_the_way(GST_PAD_PROBE_INFO_BUFFER(info), data) ? GST_PAD_PROBE_DROP
                                                                  : GST_PAD_PROBE_OK;
  GstBufferList *list = gst_buffer_list_make_writable(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
  gst_buffer_list_foreach(list, drop_from_list, data);
  GST_PAD_PROBE_INFO_DATA(info) = list;
  return gst_buffer_list_length(list) > 0 ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
}

static void
on_client_feedback(GObject *session, guint type, guint fbtype, guint sender_ssrc, guint media_ssrc,
                   GstBuffer *fci, gpointer data)
{
  if (type == GST_RTCP_TYPE_RTPFB && fbtype == GST_RTCP_RTPFB_TYPE_NACK)
    g_atomic_int_inc((gint *)data);
}

/* Counts the NACKs @c's RTP session receives, once webrtcbin made it. */
static gboolean
watch_client_nacks(Client *c)
{
  g_autoptr(GstElement) rtpbin = gst_bin_get_by_name(GST_BIN(c->webrtc), "rtpbin");
  GObject *session = NULL;
  if (rtpbin)
    g_signal_emit_by_name(rtpbin, "get-internal-session", 0u, &session);
  if (!session)
    return FALSE;
  g_signal_connect(session, "on-feedback-rtcp", G_CALLBACK(on_client_feedback), &c->nacks);
  g_object_unref(session);
  return TRUE;
}

static void
on_answer_created(GstPromise *promise, gpointer data)
{
  Client *c = data;
  const GstStructure *reply = gst_promise_get_reply(promise);
  GstWebRTCSessionDescription *answer = NULL;
  gst_structure_get(reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL);
  gst_promise_unref(promise);
  g_assert_nonnull(answer);
  g_signal_emit_by_name(c->webrtc, "set-local-description", answer, NULL);
  g_autofree char *text = gst_sdp_message_as_text(answer->sdp);
  gst_webrtc_session_description_free(answer);
  hop(c, 0, text, deliver_answer);
}

static void
on_offer(gpointer user_data, const char *peer_id, const char *sdp, const GwTrackInfo *tracks,
         guint n_tracks)
{
  Fixture *f = user_data;
  Client *c = g_str_equal(peer_id, "a") ? &f->a : &f->b;
  GstSDPMessage *msg = NULL;
  gst_sdp_message_new_from_text(sdp, &msg);
  GstWebRTCSessionDescription *offer =
      gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, msg);
  g_signal_emit_by_name(c->webrtc, "set-remote-description", offer, NULL);
  gst_webrtc_session_description_free(offer);
  /* Like a browser, the client takes NACKs (and resends on RTX). */
  g_autoptr(GArray) transceivers = NULL;
  g_signal_emit_by_name(c->webrtc, "get-transceivers", &transceivers);
  for (guint i = 0; transceivers && i < transceivers->len; i++)
    g_object_set(g_array_index(transceivers, GObject *, i), "do-nack", TRUE, NULL);
  g_signal_emit_by_name(c->webrtc, "create-answer", NULL,
                        gst_promise_new_with_change_func(on_answer_created, c, NULL));
}

static void
on_gateway_candidate(gpointer user_data, const char *peer_id, guint mline, const char *candidate)
{
  Fixture *f = user_data;
  Client *c = g_str_equal(peer_id, "a") ? &f->a : &f->b;
  g_signal_emit_by_name(c->webrtc, "add-ice-candidate", mline, candidate);
}

static const GwMediaRoomCallbacks callbacks = {
    .offer = on_offer,
    .ice_candidate = on_gateway_candidate,
};

/* A live test source shaped like a browser's: Opus on 96, VP8 on 97 (the
 * room gives each peer's own audio and camera the first payload types). */
static void
client_start(Fixture *f, Client *c, const char *id)
{
  c->f = f;
  c->id = id;
  g_autoptr(GError) error = NULL;
  c->pipeline = gst_parse_launch(
      "webrtcbin name=w bundle-policy=max-bundle "
      "audiotestsrc is-live=true wave=sine ! opusenc ! rtpopuspay pt=96 ! "
      "application/x-rtp,media=audio,encoding-name=OPUS,payload=96 ! w. "
      "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=15/1 ! "
      "vp8enc deadline=1 cpu-used=8 ! rtpvp8pay name=vpay pt=97 ! "
      "application/x-rtp,media=video,encoding-name=VP8,payload=97 ! w.",
      &error);
  g_assert_no_error(error);
  c->webrtc = gst_bin_get_by_name(GST_BIN(c->pipeline), "w");
  if (g_str_equal(id, "a")) {
    g_autoptr(GstElement) pay = gst_bin_get_by_name(GST_BIN(c->pipeline), "vpay");
    g_autoptr(GstPad) pad = gst_element_get_static_pad(pay, "src");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, drop_some,
                      &c->dropped, NULL);
  }
  g_signal_connect(c->webrtc, "pad-added", G_CALLBACK(on_client_pad), c);
  g_signal_connect(c->webrtc, "on-ice-candidate", G_CALLBACK(on_client_candidate), c);
  gw_test_client_loopback_only(c->webrtc);
  gst_element_set_state(c->pipeline, GST_STATE_PLAYING);
  g_assert_true(gw_media_room_add_peer(f->room, id, NULL, &error));
  g_assert_no_error(error);
}

static void
client_stop(Client *c)
{
  if (!c->pipeline)
    return;
  gst_element_set_state(c->pipeline, GST_STATE_NULL);
  gst_clear_object(&c->webrtc);
  gst_clear_object(&c->pipeline);
}

/* Iterates the main context until @done(f) or @seconds passed. */
static gboolean
run_until(Fixture *f, gboolean (*done)(Fixture *), guint seconds)
{
  gint64 deadline = g_get_monotonic_time() + seconds * G_USEC_PER_SEC;
  while (!done(f) && g_get_monotonic_time() < deadline) {
    if (!g_main_context_iteration(NULL, FALSE))
      g_usleep(2000);
  }
  return done(f);
}

static gboolean
both_receive(Fixture *f)
{
  return g_atomic_int_get(&f->a.received_video) > 60 &&
         g_atomic_int_get(&f->b.received_video) > 60 &&
         g_atomic_int_get(&f->a.received_audio) > 50 && g_atomic_int_get(&f->b.received_audio) > 50;
}

static gboolean
a_got_nacks(Fixture *f)
{
  return g_atomic_int_get(&f->a.nacks) >= 3;
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
  f->config = gw_config_new_default();
  /* "queues": every thread hand-off the lean path leaves out is put back, and
   * packets leave through webrtcbin's send path and srtpdec decrypts what arrives;
   * "jitterbuffer": video keeps rtpbin's jitter buffer, which asks for lost packets. */
  f->config->receive_queue = g_strcmp0(data, "queues") == 0;
  f->config->branch_queue = g_strcmp0(data, "queues") == 0;
  f->config->webrtcbin_send = g_strcmp0(data, "queues") == 0;
  f->config->webrtcbin_receive = g_strcmp0(data, "queues") == 0;
  f->config->video_jitterbuffer = g_strcmp0(data, "jitterbuffer") == 0;
  g_free(f->config->engine);
  f->config->engine = g_strdup(g_strcmp0(data, "native") == 0 ? "native" : "webrtcbin");
  g_autoptr(GError) error = NULL;
  f->room = gw_media_room_new(f->config, "fwd", &callbacks, f, &error);
  g_assert_no_error(error);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
  g_clear_pointer(&f->room, gw_media_room_free);
  client_stop(&f->a);
  client_stop(&f->b);
  while (g_main_context_iteration(NULL, FALSE))
    ;
  gw_config_unref(f->config);
}

typedef struct {
  const char *factory;
  guint n;
} Count;

static void
count_element(const GValue *item, gpointer data)
{
  Count *count = data;
  GstElementFactory *factory = gst_element_get_factory(g_value_get_object(item));
  if (factory && g_str_equal(gst_plugin_feature_get_name(factory), count->factory))
    count->n++;
}

/* Calls @fn with a Count for @factory on every element of @pipeline (and inside
 * its bins with @recurse). Returns: the count. */
static guint
count_over(GstElement *pipeline, gboolean recurse, GstIteratorForeachFunction fn,
           const char *factory)
{
  Count count = {factory, 0};
  g_autoptr(GstIterator) it = recurse ? gst_bin_iterate_recurse(GST_BIN(pipeline))
                                      : gst_bin_iterate_elements(GST_BIN(pipeline));
  while (gst_iterator_foreach(it, fn, &count) == GST_ITERATOR_RESYNC) {
    count.n = 0;
    gst_iterator_resync(it);
  }
  return count.n;
}

static void
count_srtp_streams(const GValue *item, gpointer data)
{
  Count *count = data;
  GstElement *element = g_value_get_object(item);
  GstElementFactory *factory = gst_element_get_factory(element);
  if (!factory || !g_str_equal(gst_plugin_feature_get_name(factory), count->factory))
    return;
  GstStructure *stats = NULL;
  g_object_get(element, "stats", &stats, NULL);
  const GValue *streams = stats ? gst_structure_get_value(stats, "streams") : NULL;
  if (streams && GST_VALUE_HOLDS_ARRAY(streams))
    count->n += gst_value_array_get_size(streams);
  if (stats)
    gst_structure_free(stats);
}

/* The streams in the libsrtp sessions of every srtpenc or srtpdec (@factory) in @pipeline. */
static guint
count_libsrtp_streams(GstElement *pipeline, const char *factory)
{
  return count_over(pipeline, TRUE, count_srtp_streams, factory);
}

/* Elements made by @factory in @pipeline, or also inside its bins with @recurse
 * (webrtcbin's own elements). */
static guint
count_elements(GstElement *pipeline, const char *factory, gboolean recurse)
{
  return count_over(pipeline, recurse, count_element, factory);
}

static void
count_pads_into(const GValue *item, gpointer data)
{
  Count *into = data;
  GstElement *element = g_value_get_object(item);
  if (!GST_IS_BIN(element) || !g_str_equal(G_OBJECT_TYPE_NAME(element), "GstWebRTCBin"))
    return;
  GST_OBJECT_LOCK(element);
  for (GList *l = GST_ELEMENT(element)->sinkpads; l; l = l->next) {
    if (!GST_IS_GHOST_PAD(l->data) || !g_str_has_prefix(GST_PAD_NAME(l->data), "sink_"))
      continue;
    g_autoptr(GstPad) target = gst_ghost_pad_get_target(GST_GHOST_PAD(l->data));
    g_autoptr(GstObject) parent = target ? gst_pad_get_parent(target) : NULL;
    GstElementFactory *factory =
        parent && GST_IS_ELEMENT(parent) ? gst_element_get_factory(GST_ELEMENT(parent)) : NULL;
    if (factory && g_str_equal(GST_OBJECT_NAME(factory), into->factory))
      into->n++;
  }
  GST_OBJECT_UNLOCK(element);
}

/* webrtcbin sink pads in @pipeline whose target belongs to an element made by @factory. */
static guint
count_sink_pads_into(GstElement *pipeline, const char *factory)
{
  return count_over(pipeline, FALSE, count_pads_into, factory);
}

/* A sender report about every stream the gateway forwards to @c (audio and
 * video: lip sync needs both) has reached @c's RTP session, with the packets
 * counted. */
static gboolean
got_sender_reports(Client *c)
{
  g_autoptr(GstElement) rtpbin = gst_bin_get_by_name(GST_BIN(c->webrtc), "rtpbin");
  g_autoptr(GObject) session = NULL;
  if (rtpbin)
    g_signal_emit_by_name(rtpbin, "get-internal-session", 0u, &session);
  g_autoptr(GstStructure) stats = NULL;
  if (session)
    g_object_get(session, "stats", &stats, NULL);
  const GValue *value = stats ? gst_structure_get_value(stats, "source-stats") : NULL;
  if (!value)
    return FALSE;
  const GValueArray *sources = g_value_get_boxed(value);
  guint senders = 0;
  for (guint i = 0; sources && i < sources->n_values; i++) {
    const GstStructure *s = gst_value_get_structure(&sources->values[i]);
    gboolean internal = TRUE, sender = FALSE, have_sr = FALSE;
    guint packets = 0;
    gst_structure_get(s, "internal", G_TYPE_BOOLEAN, &internal, "is-sender", G_TYPE_BOOLEAN,
                      &sender, "have-sr", G_TYPE_BOOLEAN, &have_sr, "sr-packet-count", G_TYPE_UINT,
                      &packets, NULL);
    if (internal || !sender)
      continue;
    if (!have_sr || packets == 0)
      return FALSE;
    senders++;
  }
  return senders >= 2;
}

static gboolean
a_got_sender_reports(Fixture *f)
{
  return got_sender_reports(&f->a);
}

/* Sender reports to a leave directly: they keep coming, about once a second. */
static guint64 reports_before;

/* RTCP packets with report blocks (about what a sends) that reached a's session. */
static gint blocks_to_a;

static void
count_blocks(GObject *session, GstBuffer *buffer, gpointer unused)
{
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  if (!gst_rtcp_buffer_map(buffer, GST_MAP_READ, &rtcp))
    return;
  GstRTCPPacket packet;
  gboolean blocks = FALSE;
  for (gboolean more = gst_rtcp_buffer_get_first_packet(&rtcp, &packet); more;
       more = gst_rtcp_packet_move_to_next(&packet)) {
    GstRTCPType type = gst_rtcp_packet_get_type(&packet);
    if ((type == GST_RTCP_TYPE_RR || type == GST_RTCP_TYPE_SR) &&
        gst_rtcp_packet_get_rb_count(&packet) > 0)
      blocks = TRUE;
  }
  gst_rtcp_buffer_unmap(&rtcp);
  if (blocks)
    g_atomic_int_inc(&blocks_to_a);
}

static gboolean
a_got_blocks(Fixture *f)
{
  return g_atomic_int_get(&blocks_to_a) >= 3;
}

static gboolean
a_got_more_reports(Fixture *f)
{
  GwPeer *peer = gw_media_room_lookup(f->room, "a");
  GwDirectCounts counts;
  gw_direct_counts(peer->webrtc, &counts);
  return counts.reports >= reports_before + 3;
}

/* a and b join; audio and video flow both ways. */
static void
call_up(Fixture *f)
{
  client_start(f, &f->a, "a");
  client_start(f, &f->b, "b");
  gboolean ok = run_until(f, both_receive, 20);
  g_test_message("a got %d video / %d audio, b got %d video / %d audio; answers %u/%u",
                 f->a.received_video, f->a.received_audio, f->b.received_video, f->b.received_audio,
                 f->a.answers, f->b.answers);
  g_assert_true(ok);
}

/* b leaves: a's stream from b stops, a stays in the room alone. */
static void
b_leaves(Fixture *f)
{
  gw_media_room_remove_peer(f->room, "b");
  client_stop(&f->b);
  g_assert_cmpuint(gw_media_room_get_peer_count(f->room), ==, 1);
  gint before = g_atomic_int_get(&f->a.received_video);
  g_usleep(500 * 1000);
  while (g_main_context_iteration(NULL, FALSE))
    ;
  g_usleep(500 * 1000);
  g_assert_cmpint(g_atomic_int_get(&f->a.received_video) - before, <, 10);
}

static void
test_forward_both_ways(Fixture *f, gconstpointer data)
{
  guint64 sent_direct = gw_direct_total_packets();
  guint64 decrypted = gw_direct_total_received();
  guint64 skipped = gw_lean_receive_skipped();
  guint64 trimmed = gw_lean_send_trimmed();
  guint64 retired = gw_lean_receive_retired();
  guint64 sent_straight = gw_lean_send_shortcuts();
  guint64 received_straight = gw_lean_receive_shortcuts();

  guint64 receiver_reports = gw_direct_total_receiver_reports();
  guint64 rtcp_sent = gw_direct_total_rtcp_sent();
  guint64 dtls_retired = gw_direct_dtls_threads_retired();
  guint64 rtcp_received = gw_direct_total_rtcp_received();

  call_up(f);
  gboolean ok;
  /* a answered its first offer and the renegotiation that added b's tracks. */
  g_assert_cmpuint(f->a.answers, >=, 2);
  /* By default received packets skip webrtcbin's receive queue once it drained (lean.c). */
  skipped = gw_lean_receive_skipped() - skipped;
  g_test_message("%" G_GUINT64_FORMAT " packets skipped a receive queue", skipped);
  /* ...and then the two receive queues' threads are let go. */
  retired = gw_lean_receive_retired() - retired;
  if (f->config->receive_queue) {
    g_assert_cmpuint(skipped, ==, 0);
    g_assert_cmpuint(retired, ==, 0);
  } else {
    g_assert_cmpuint(skipped, >, 200);
    g_assert_cmpuint(retired, ==, 2);
  }
  /* Each of the four branches (two tracks each way) has a queue only with branch_queue. */
  guint queues = count_elements(f->room->pipeline, "queue", FALSE);
  g_assert_cmpuint(queues, ==, f->config->branch_queue ? 4 : 0);
  /* Each of the four sink pads feeds the BUNDLE funnel straight, past webrtcbin's
   * clocksync and FEC encoders (lean.c, 3d). */
  g_assert_cmpuint(gw_lean_send_trimmed() - trimmed, ==, 4);
  g_assert_cmpuint(count_sink_pads_into(f->room->pipeline, "rtpfunnel"), ==, 4);
  /* ...and leaves its RTP session straight for SRTP (lean.c, 3e). */
  sent_straight = gw_lean_send_shortcuts() - sent_straight;
  g_test_message("%" G_GUINT64_FORMAT " sent packets went straight to SRTP", sent_straight);
  /* By default they never reach the RTP session: they leave directly (direct.c). */
  sent_direct = gw_direct_total_packets() - sent_direct;
  g_test_message("%" G_GUINT64_FORMAT " sent packets left directly", sent_direct);
  GwPeer *peer_a = gw_media_room_lookup(f->room, "a");
  g_assert_nonnull(peer_a);
  if (f->config->webrtcbin_send) {
    g_assert_cmpuint(sent_straight, >, 200);
    g_assert_cmpuint(sent_direct, ==, 0);
    g_assert_false(gw_direct_active(peer_a->webrtc));
  } else {
    g_assert_cmpuint(sent_direct, >, 200);
    g_assert_cmpuint(sent_straight, ==, 0);
    g_assert_true(gw_direct_active(peer_a->webrtc));
    GwDirectCounts counts;
    gw_direct_counts(peer_a->webrtc, &counts);
    g_assert_cmpuint(counts.packets, >, 100);
    g_assert_cmpuint(counts.failed, ==, 0);
  }
  /* By default the gateway decrypts received RTP itself, past srtpdec (direct.c). */
  decrypted = gw_direct_total_received() - decrypted;
  g_test_message("%" G_GUINT64_FORMAT " received packets decrypted past srtpdec", decrypted);
  if (f->config->webrtcbin_receive)
    g_assert_cmpuint(decrypted, ==, 0);
  else
    g_assert_cmpuint(decrypted, >, 200);
  /* Either way a gets sender reports about what it gets (lip sync). */
  ok = run_until(f, a_got_sender_reports, 10);
  g_assert_true(ok);
  if (!f->config->webrtcbin_send) {
    /* ...not only in the RTP session's regular packets, which transport-wide
     * feedback keeps early ones ahead of (direct.c, append_reports). */
    g_autoptr(GstElement) rtpbin = gst_bin_get_by_name(GST_BIN(f->a.webrtc), "rtpbin");
    g_autoptr(GObject) session = NULL;
    g_signal_emit_by_name(rtpbin, "get-internal-session", 0u, &session);
    g_signal_connect(session, "on-receiving-rtcp", G_CALLBACK(count_blocks), NULL);
    g_atomic_int_set(&blocks_to_a, 0);
    GwDirectCounts counts;
    gw_direct_counts(peer_a->webrtc, &counts);
    reports_before = counts.reports;
    gint64 start = g_get_monotonic_time();
    ok = run_until(f, a_got_more_reports, 10);
    g_test_message("3 more sender reports in %.1f s", (g_get_monotonic_time() - start) / 1e6);
    g_assert_true(ok);
    /* ...and report blocks about what a sends, as often: the gateway writes
     * them into early RTCP while the session's regular packets stay away
     * (reports.c). */
    if (!f->config->webrtcbin_receive) {
      ok = run_until(f, a_got_blocks, 10);
      g_test_message("3 packets with report blocks in %.1f s",
                     (g_get_monotonic_time() - start) / 1e6);
      g_assert_true(ok);
    }
    g_signal_handlers_disconnect_by_func(session, count_blocks, NULL);
  }
  receiver_reports = gw_direct_total_receiver_reports() - receiver_reports;
  g_test_message("%" G_GUINT64_FORMAT " receiver reports written by the gateway", receiver_reports);
  if (!f->config->webrtcbin_receive)
    g_assert_cmpuint(receiver_reports, >, 0);
  /* The RTCP both ways is SRTCP of the gateway's own too, so srtpenc and
   * srtpdec never make a libsrtp session (direct.c, srtp.c): a's RTCP reached
   * the gateway's RTP session (the report blocks above read what a sent), and
   * the gateway's reached a (its sender reports). */
  rtcp_sent = gw_direct_total_rtcp_sent() - rtcp_sent;
  rtcp_received = gw_direct_total_rtcp_received() - rtcp_received;
  guint enc_streams = count_libsrtp_streams(f->room->pipeline, "srtpenc");
  guint dec_streams = count_libsrtp_streams(f->room->pipeline, "srtpdec");
  g_test_message("RTCP: %" G_GUINT64_FORMAT " sent and %" G_GUINT64_FORMAT
                 " received as SRTCP of the gateway's own; libsrtp streams: %u in srtpenc, %u in "
                 "srtpdec",
                 rtcp_sent, rtcp_received, enc_streams, dec_streams);
  if (f->config->webrtcbin_send) {
    g_assert_cmpuint(rtcp_sent, ==, 0);
    g_assert_cmpuint(enc_streams, >, 0);
  } else {
    g_assert_cmpuint(rtcp_sent, >, 5);
    g_assert_cmpuint(enc_streams, ==, 0);
  }
  /* Once a browser's packets decrypt, its peer's dtlsenc thread is let go
   * (direct.c); everything above went on without it. */
  dtls_retired = gw_direct_dtls_threads_retired() - dtls_retired;
  if (f->config->webrtcbin_receive) {
    g_assert_cmpuint(rtcp_received, ==, 0);
    g_assert_cmpuint(dec_streams, >, 0);
    g_assert_cmpuint(dtls_retired, ==, 0);
  } else {
    g_assert_cmpuint(rtcp_received, >, 3);
    g_assert_cmpuint(dec_streams, ==, 0);
    g_assert_cmpuint(dtls_retired, ==, 2);
  }
  received_straight = gw_lean_receive_shortcuts() - received_straight;
  g_test_message("%" G_GUINT64_FORMAT " received packets went straight to an RTP session",
                 received_straight);
  g_assert_cmpuint(received_straight, >, 200);
  /* No FEC decoder behind the received streams (lean.c); rtpbin's aux receivers stay. */
  g_assert_cmpuint(count_elements(f->room->pipeline, "rtpulpfecdec", TRUE), ==, 0);
  g_assert_cmpuint(count_elements(f->room->pipeline, "rtprtxreceive", TRUE), ==, 2);

  /* a's lost video is asked for: the NACKs the gateway writes into its RTCP
   * (lean.c, 1c) reach a's RTP session. */
  g_assert_true(watch_client_nacks(&f->a));
  ok = run_until(f, a_got_nacks, 10);
  g_test_message("a dropped %d video packets and got %d NACKs", g_atomic_int_get(&f->a.dropped),
                 g_atomic_int_get(&f->a.nacks));
  g_assert_true(ok);

  /* What reaches a, as its RTP session sees it: a first sample, then one over 500 ms. */
  GwMediaQuality quality = {0};
  g_assert_true(gw_media_room_sample_quality(f->room, "a", &quality));
  g_usleep(500 * 1000);
  while (g_main_context_iteration(NULL, FALSE))
    ;
  g_assert_true(gw_media_room_sample_quality(f->room, "a", &quality));
  g_test_message("a: rtt %.1f ms, loss %.1f %%, %.0f kbit/s", quality.rtt_ms, quality.loss_pct,
                 quality.kbps);
  g_assert_cmpfloat(quality.kbps, >, 10);
  /* a's receiver reports about what it gets were read, whichever way it left. */
  g_assert_cmpfloat(quality.rtt_ms, >=, 0);
  g_assert_cmpfloat(quality.loss_pct, >=, 0);
  g_assert_cmpfloat(quality.loss_pct, <=, 100);
  g_assert_false(gw_media_room_sample_quality(f->room, "nobody", &quality));

  b_leaves(f);
}

/* The same call through participants without webrtcbin (media.engine = native,
 * native-room.c): everything flows both ways, a hears about what it gets in sender
 * reports, a keyframe request reaches the sender, and a's quality sample reads its
 * receiver reports. */
static void
test_native_both_ways(Fixture *f, gconstpointer data)
{
  g_assert_null(f->room->pipeline);
  call_up(f);
  gboolean ok;
  g_assert_cmpuint(f->a.answers, >=, 2);
  ok = run_until(f, a_got_sender_reports, 10);
  g_assert_true(ok);

  GwMediaQuality quality = {0};
  g_assert_true(gw_media_room_sample_quality(f->room, "a", &quality));
  g_usleep(500 * 1000);
  while (g_main_context_iteration(NULL, FALSE))
    ;
  /* A round trip from the report blocks of either client: a GStreamer client under
   * transport-wide feedback sends its regular RTCP (the only kind with report blocks)
   * seldom (media-room.c's rule 13), sometimes not at all for half a minute. */
  ok = FALSE;
  GwMediaQuality b_quality = {0};
  for (guint i = 0; i < 120 && !ok; i++) {
    g_usleep(100 * 1000);
    while (g_main_context_iteration(NULL, FALSE))
      ;
    ok = (gw_media_room_sample_quality(f->room, "a", &quality) && quality.rtt_ms >= 0) ||
         (gw_media_room_sample_quality(f->room, "b", &b_quality) && b_quality.rtt_ms >= 0);
  }
  g_test_message("a: rtt %.1f ms, loss %.1f %%, %.0f kbit/s; b: rtt %.1f ms", quality.rtt_ms,
                 quality.loss_pct, quality.kbps, b_quality.rtt_ms);
  g_assert_true(ok);
  g_assert_cmpfloat(quality.kbps, >, 10);
  /* -1 while a sent no report block (above) */
  g_assert_true(quality.loss_pct == -1 || (quality.loss_pct >= 0 && quality.loss_pct <= 100));
  g_assert_false(gw_media_room_sample_quality(f->room, "nobody", &quality));

  b_leaves(f);
}

int
main(int argc, char **argv)
{
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, NULL);
  g_test_add("/forward/both-ways", Fixture, NULL, fixture_setup, test_forward_both_ways,
             fixture_teardown);
  g_test_add("/forward/both-ways-queues", Fixture, "queues", fixture_setup, test_forward_both_ways,
             fixture_teardown);
  g_test_add("/forward/both-ways-jitterbuffer", Fixture, "jitterbuffer", fixture_setup,
             test_forward_both_ways, fixture_teardown);
  g_test_add("/forward/native-both-ways", Fixture, "native", fixture_setup, test_native_both_ways,
             fixture_teardown);
  return g_test_run();
}
