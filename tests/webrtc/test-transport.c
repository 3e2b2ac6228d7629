/* SPDX-License-Identifier: Apache-2.0 */
/* webrtc/transport.c against a real WebRTC stack: GStreamer's webrtcbin calls a
 * GwTransport on loopback (ICE, DTLS-SRTP both roles, SRTP and SRTCP both ways). */
#define GST_USE_UNSTABLE_API
#include <gst/gst.h>
#include <gst/rtp/rtp.h>
#include <gst/webrtc/webrtc.h>
#include <string.h>

#include "tests/webrtc/loopback-client.h"
#include "webrtc/media-room.h"
#include "webrtc/transport.h"

#define ECHO_SSRC 0x0BA11E00u
#define WAIT_US (15 * G_USEC_PER_SEC)

typedef struct {
  GwDtlsCert *cert;
  GwTransport *t;
  GstElement *pipeline, *webrtc;
  GwDtlsRole role;
  const char *fingerprint; /* NULL: the client's own */
  GwTransportState state;
  guint states_seen; /* bit per state */
  guint rtp_in, rtcp_in, rtp_echoed, rtp_wrong;
  gint client_rtp; /* atomic: echoed packets the client's webrtcbin handed out */
  gboolean gathered;
  guint local_candidates;
} Fixture;

typedef struct {
  Fixture *f;
  char *text;
} Hop;

static void
hop(Fixture *f, const char *text, GSourceFunc fn)
{
  Hop *h = g_new0(Hop, 1);
  h->f = f;
  h->text = g_strdup(text);
  g_main_context_invoke_full(NULL, G_PRIORITY_DEFAULT, fn, h, NULL);
  /* freed by fn */
}

/* ---- the transport's side ---- */

static void
on_rtp(gpointer user_data, guint8 *pkt, gsize len)
{
  Fixture *f = user_data;
  if (len < 12 || (pkt[1] & 0x7f) != 96) {
    f->rtp_wrong++;
    return;
  }
  f->rtp_in++;
  /* Echo it under our own SSRC, as a forwarder would. */
  guint8 out[1500 + GW_SRTP_MAX_TAG];
  if (len > 1500)
    return;
  memcpy(out, pkt, len);
  out[8] = ECHO_SSRC >> 24;
  out[9] = (ECHO_SSRC >> 16) & 0xff;
  out[10] = (ECHO_SSRC >> 8) & 0xff;
  out[11] = ECHO_SSRC & 0xff;
  if (gw_transport_send_rtp(f->t, out, len, sizeof out))
    f->rtp_echoed++;
}

static void
on_rtcp(gpointer user_data, guint8 *pkt, gsize len)
{
  Fixture *f = user_data;
  g_assert_cmpuint(len, >=, 8);
  g_assert_cmpuint(pkt[0] >> 6, ==, 2);
  f->rtcp_in++;
}

static void
on_state(gpointer user_data, GwTransportState state)
{
  Fixture *f = user_data;
  f->state = state;
  f->states_seen |= 1u << state;
}

static void
on_local_candidate(gpointer user_data, const char *candidate)
{
  Fixture *f = user_data;
  if (!candidate) {
    f->gathered = TRUE;
    return;
  }
  g_assert_true(g_str_has_prefix(candidate, "candidate:"));
  f->local_candidates++;
  g_signal_emit_by_name(f->webrtc, "add-ice-candidate", 0u, candidate);
}

static const GwTransportCallbacks callbacks = {
    .rtp = on_rtp,
    .rtcp = on_rtcp,
    .state = on_state,
    .candidate = on_local_candidate,
};

/* ---- the client's side (webrtcbin, its own threads: everything hops to the main context) ---- */

static gboolean
deliver_candidate(gpointer p)
{
  Hop *h = p;
  g_autoptr(GError) error = NULL;
  if (h->f->t && !gw_transport_add_remote_candidate(h->f->t, h->text, &error))
    g_error("candidate refused: %s", error->message);
  g_free(h->text);
  g_free(h);
  return G_SOURCE_REMOVE;
}

static void
on_client_candidate(GstElement *webrtc, guint mline, const char *candidate, Fixture *f)
{
  hop(f, candidate, deliver_candidate);
}

static void
count_buffer(GstElement *sink, GstBuffer *buffer, GstPad *pad, Fixture *f)
{
  g_atomic_int_inc(&f->client_rtp);
}

static void
on_client_pad(GstElement *webrtc, GstPad *pad, Fixture *f)
{
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC)
    return;
  GstElement *sink = gst_element_factory_make("fakesink", NULL);
  g_object_set(sink, "signal-handoffs", TRUE, "async", FALSE, "sync", FALSE, NULL);
  g_signal_connect(sink, "handoff", G_CALLBACK(count_buffer), f);
  gst_bin_add(GST_BIN(f->pipeline), sink);
  gst_element_sync_state_with_parent(sink);
  g_autoptr(GstPad) sinkpad = gst_element_get_static_pad(sink, "sink");
  g_assert_cmpint(gst_pad_link(pad, sinkpad), ==, GST_PAD_LINK_OK);
}

static const char *
media_attribute(const GstSDPMessage *sdp, const char *key)
{
  const char *v = gst_sdp_media_get_attribute_val(gst_sdp_message_get_media(sdp, 0), key);
  return v ? v : gst_sdp_message_get_attribute_val(sdp, key);
}

/* The answer a forwarder would give: the client's one video m-line, sendrecv, our ICE
 * credentials and certificate, and the DTLS role the fixture asks for. */
static char *
make_answer(Fixture *f, const GstSDPMessage *offer)
{
  const char *ufrag, *pwd;
  gw_transport_get_ice_credentials(f->t, &ufrag, &pwd);
  return g_strdup_printf("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
                         "a=group:BUNDLE %s\r\n"
                         "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n"
                         "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=fingerprint:%s\r\n"
                         "a=setup:%s\r\na=mid:%s\r\na=sendrecv\r\na=rtcp-mux\r\n"
                         "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\n"
                         "a=ssrc:%u cname:gw\r\n",
                         media_attribute(offer, "mid"), ufrag, pwd,
                         gw_dtls_cert_fingerprint(f->cert),
                         f->role == GW_DTLS_ROLE_SERVER ? "passive" : "active",
                         media_attribute(offer, "mid"), ECHO_SSRC);
}

static gboolean
deliver_offer(gpointer p)
{
  Hop *h = p;
  Fixture *f = h->f;
  g_autoptr(GError) error = NULL;
  GstSDPMessage *offer = NULL;
  g_assert_cmpint(gst_sdp_message_new_from_text(h->text, &offer), ==, GST_SDP_OK);
  g_autofree char *answer_text = make_answer(f, offer);

  const char *fingerprint = f->fingerprint ? f->fingerprint : media_attribute(offer, "fingerprint");
  g_assert_true(gw_transport_set_remote(f->t, media_attribute(offer, "ice-ufrag"),
                                        media_attribute(offer, "ice-pwd"), fingerprint, f->role,
                                        &error));
  g_assert_no_error(error);
  g_assert_true(gw_transport_gather(f->t, &error));
  g_assert_no_error(error);

  GstSDPMessage *answer_sdp = NULL;
  g_assert_cmpint(gst_sdp_message_new_from_text(answer_text, &answer_sdp), ==, GST_SDP_OK);
  GstWebRTCSessionDescription *answer =
      gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, answer_sdp);
  g_signal_emit_by_name(f->webrtc, "set-remote-description", answer, NULL);
  gst_webrtc_session_description_free(answer);
  gst_sdp_message_free(offer);
  g_free(h->text);
  g_free(h);
  return G_SOURCE_REMOVE;
}

static void
on_offer_created(GstPromise *promise, gpointer data)
{
  Fixture *f = data;
  const GstStructure *reply = gst_promise_get_reply(promise);
  GstWebRTCSessionDescription *offer = NULL;
  gst_structure_get(reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, NULL);
  gst_promise_unref(promise);
  g_assert_nonnull(offer);
  g_signal_emit_by_name(f->webrtc, "set-local-description", offer, NULL);
  g_autofree char *text = gst_sdp_message_as_text(offer->sdp);
  gst_webrtc_session_description_free(offer);
  hop(f, text, deliver_offer);
}

static void
on_negotiation_needed(GstElement *webrtc, Fixture *f)
{
  g_signal_emit_by_name(webrtc, "create-offer", NULL,
                        gst_promise_new_with_change_func(on_offer_created, f, NULL));
}

static void
fixture_start(Fixture *f, GwDtlsRole role, const char *fingerprint)
{
  g_autoptr(GError) error = NULL;
  f->role = role;
  f->fingerprint = fingerprint;
  f->cert = gw_dtls_cert_new(&error);
  g_assert_no_error(error);
  const char *addresses[] = {"127.0.0.1", NULL};
  GwTransportSettings settings = {
      .context = g_main_context_default(),
      .cert = f->cert,
      .local_addresses = addresses,
      .controlling = FALSE, /* the client offers, so it controls */
      .log_prefix = "test",
  };
  f->t = gw_transport_new(&settings, &callbacks, f, &error);
  g_assert_no_error(error);
  g_assert_nonnull(f->t);
  g_assert_cmpint(gw_transport_get_state(f->t), ==, GW_TRANSPORT_NEW);

  f->pipeline = gst_parse_launch(
      "webrtcbin name=w bundle-policy=max-bundle "
      "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 ! "
      "vp8enc deadline=1 cpu-used=8 ! rtpvp8pay pt=96 ! "
      "application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000 ! w.",
      &error);
  g_assert_no_error(error);
  f->webrtc = gst_bin_get_by_name(GST_BIN(f->pipeline), "w");
  g_signal_connect(f->webrtc, "on-negotiation-needed", G_CALLBACK(on_negotiation_needed), f);
  g_signal_connect(f->webrtc, "on-ice-candidate", G_CALLBACK(on_client_candidate), f);
  g_signal_connect(f->webrtc, "pad-added", G_CALLBACK(on_client_pad), f);
  gw_test_client_loopback_only(f->webrtc);
  /* The echo comes back sendrecv: let the client's transceiver receive too. */
  gst_element_set_state(f->pipeline, GST_STATE_PLAYING);
}

static void
fixture_stop(Fixture *f)
{
  gst_element_set_state(f->pipeline, GST_STATE_NULL);
  gst_clear_object(&f->webrtc);
  gst_clear_object(&f->pipeline);
  /* Hops still queued find no transport. */
  g_clear_pointer(&f->t, gw_transport_free);
  while (g_main_context_iteration(NULL, FALSE))
    ;
  gw_dtls_cert_unref(f->cert);
}

/* Runs the main context until @done or WAIT_US; returns whether @done became true. */
static gboolean
run_until(Fixture *f, gboolean (*done)(Fixture *f))
{
  gint64 end = g_get_monotonic_time() + WAIT_US;
  while (!done(f) && g_get_monotonic_time() < end)
    g_main_context_iteration(NULL, FALSE) || (g_usleep(2000), TRUE);
  return done(f);
}

static gboolean
media_both_ways(Fixture *f)
{
  return f->rtp_in >= 60 && f->rtcp_in >= 1 && g_atomic_int_get(&f->client_rtp) >= 30;
}

static void
check_call(GwDtlsRole role)
{
  Fixture f = {0};
  fixture_start(&f, role, NULL);
  gboolean ok = run_until(&f, media_both_ways);
  GwTransportCounters c;
  gw_transport_get_counters(f.t, &c);
  g_test_message("role %s: state %d, %u local candidates, RTP in %u (echoed %u, wrong PT %u), "
                 "RTCP in %u, client got %d; counters: rtp %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
                 " rtcp %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT " dropped %" G_GUINT64_FORMAT,
                 role == GW_DTLS_ROLE_SERVER ? "server" : "client", f.state, f.local_candidates,
                 f.rtp_in, f.rtp_echoed, f.rtp_wrong, f.rtcp_in, g_atomic_int_get(&f.client_rtp),
                 c.rtp_received, c.rtp_sent, c.rtcp_received, c.rtcp_sent, c.dropped);
  g_assert_true(ok);
  g_assert_cmpint(f.state, ==, GW_TRANSPORT_CONNECTED);
  g_assert_true(f.states_seen & (1u << GW_TRANSPORT_CONNECTING));
  g_assert_cmpuint(f.local_candidates, >=, 1);
  g_assert_cmpuint(f.rtp_wrong, ==, 0);
  g_assert_cmpuint(c.rtp_received, ==, f.rtp_in);
  g_assert_cmpuint(c.rtp_sent, ==, f.rtp_echoed);
  g_assert_cmpuint(c.rtcp_received, ==, f.rtcp_in);

  /* Our own RTCP reaches the client's session as SRTCP: a receiver report. */
  guint8 rr[8 + GW_SRTCP_TRAILER + GW_SRTP_MAX_TAG] = {0x80, 201, 0, 1};
  memcpy(rr + 4, (guint8[]){0x0B, 0xA1, 0x1E, 0x00}, 4);
  g_assert_true(gw_transport_send_rtcp(f.t, rr, 8, sizeof rr));

  gw_transport_close(f.t);
  g_assert_cmpint(f.state, ==, GW_TRANSPORT_CLOSED);
  guint8 late[64] = {0x80, 96};
  g_assert_false(gw_transport_send_rtp(f.t, late, 12, sizeof late));
  fixture_stop(&f);
}

static void
test_call_as_dtls_server(void)
{
  check_call(GW_DTLS_ROLE_SERVER);
}

static void
test_call_as_dtls_client(void)
{
  check_call(GW_DTLS_ROLE_CLIENT);
}

static gboolean
failed(Fixture *f)
{
  return f->state == GW_TRANSPORT_FAILED;
}

/* A certificate that is not the one the offer named: DTLS refuses it, nothing flows. */
static void
test_wrong_fingerprint(void)
{
  Fixture f = {0};
  fixture_start(&f, GW_DTLS_ROLE_SERVER,
                "sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
                "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF");
  g_assert_true(run_until(&f, failed));
  g_assert_cmpuint(f.rtp_in, ==, 0);
  g_assert_false(f.states_seen & (1u << GW_TRANSPORT_CONNECTED));
  guint8 pkt[64] = {0x80, 96};
  g_assert_false(gw_transport_send_rtp(f.t, pkt, 12, sizeof pkt));
  fixture_stop(&f);
}

/* What a peer or a signaling bug can hand the transport before any media. */
static void
test_bad_input(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwDtlsCert) cert = gw_dtls_cert_new(&error);
  g_assert_no_error(error);
  const char *bad_addresses[] = {"not-an-address", NULL};
  GwTransportSettings settings = {
      .context = g_main_context_default(), .cert = cert, .local_addresses = bad_addresses};
  g_assert_null(gw_transport_new(&settings, &callbacks, NULL, &error));
  g_assert_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_INTERNAL);
  g_clear_error(&error);

  const char *addresses[] = {"127.0.0.1", NULL};
  settings.local_addresses = addresses;
  Fixture f = {0};
  g_autoptr(GwTransport) t = gw_transport_new(&settings, &callbacks, &f, &error);
  g_assert_no_error(error);
  const char *ufrag, *pwd;
  gw_transport_get_ice_credentials(t, &ufrag, &pwd);
  g_assert_cmpuint(strlen(ufrag), >=, 4);
  g_assert_cmpuint(strlen(pwd), >=, 22);

  /* Nothing goes out before the keys. */
  guint8 pkt[64] = {0x80, 96};
  g_assert_false(gw_transport_send_rtp(t, pkt, 12, sizeof pkt));
  g_assert_false(gw_transport_send_rtcp(t, pkt, 8, sizeof pkt));

  g_assert_false(gw_transport_add_remote_candidate(t, "candidate:garbage", &error));
  g_assert_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_BAD_SDP);
  g_clear_error(&error);

  g_assert_false(gw_transport_set_remote(t, "abcd", "0123456789abcdefghijklmn", "sha-256 zz",
                                         GW_DTLS_ROLE_SERVER, &error));
  g_assert_error(error, GW_DTLS_ERROR, GW_DTLS_ERROR_FINGERPRINT);
  g_clear_error(&error);
  g_assert_cmpint(gw_transport_get_state(t), ==, GW_TRANSPORT_NEW);

  g_assert_true(gw_transport_set_remote(t, "abcd", "0123456789abcdefghijklmn",
                                        gw_dtls_cert_fingerprint(cert), GW_DTLS_ROLE_SERVER,
                                        &error));
  g_assert_no_error(error);
  g_assert_false(gw_transport_set_remote(t, "abcd", "0123456789abcdefghijklmn",
                                         gw_dtls_cert_fingerprint(cert), GW_DTLS_ROLE_SERVER,
                                         &error));
  g_assert_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_WRONG_STATE);
  g_clear_error(&error);

  /* Candidates past the limit are refused (ports 9 are never reached: no traffic). */
  guint added = 0;
  for (guint i = 0; i < GW_TRANSPORT_MAX_CANDIDATES + 5; i++) {
    g_autofree char *c =
        g_strdup_printf("candidate:%u 1 udp 2122260223 127.0.0.1 %u typ host", i, 9 + i);
    if (gw_transport_add_remote_candidate(t, c, &error))
      added++;
    else
      break;
  }
  g_assert_cmpuint(added, ==, GW_TRANSPORT_MAX_CANDIDATES);
  g_assert_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_LIMIT);
  g_assert_true(gw_transport_add_remote_candidate(t, NULL, NULL)); /* end of candidates */
}

int
main(int argc, char **argv)
{
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/transport/call-as-dtls-server", test_call_as_dtls_server);
  g_test_add_func("/transport/call-as-dtls-client", test_call_as_dtls_client);
  g_test_add_func("/transport/wrong-fingerprint", test_wrong_fingerprint);
  g_test_add_func("/transport/bad-input", test_bad_input);
  return g_test_run();
}
