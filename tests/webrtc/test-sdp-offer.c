/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the native participant's offers and the reading of browsers' answers. */
#define GST_USE_UNSTABLE_API
#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>
#include <string.h>

#include "tests/fuzz/sdp-offer-slots.h"
#include "webrtc/sdp-offer.h"

#define UFRAG SDP_OFFER_UFRAG
#define PWD SDP_OFFER_PWD
#define FINGERPRINT SDP_OFFER_FINGERPRINT
#define CNAME "balie/gw+1"
#define MAX_SDP 32768

/* What webrtcbin offers a browser today for its audio and camera (the gateway's real offer,
 * captured): the native offer must say at least the same. */
#define WEBRTCBIN_OFFER                                                                            \
  "v=0\r\n"                                                                                        \
  "o=- 1129586879062890332 0 IN IP4 0.0.0.0\r\n"                                                   \
  "s=-\r\n"                                                                                        \
  "t=0 0\r\n"                                                                                      \
  "a=ice-options:trickle\r\n"                                                                      \
  "a=group:BUNDLE audio0 video1\r\n"                                                               \
  "m=audio 9 UDP/TLS/RTP/SAVPF 96\r\n"                                                             \
  "c=IN IP4 0.0.0.0\r\n"                                                                           \
  "a=setup:actpass\r\n"                                                                            \
  "a=ice-ufrag:WlKOdM6v37/9juL8t0Y2B8OgieKZpfxg\r\n"                                               \
  "a=ice-pwd:yOJApzdKi8FJgmiEpPjpSDIvTmowyvzk\r\n"                                                 \
  "a=rtcp-mux\r\n"                                                                                 \
  "a=rtcp-rsize\r\n"                                                                               \
  "a=recvonly\r\n"                                                                                 \
  "a=rtpmap:96 OPUS/48000/2\r\n"                                                                   \
  "a=rtcp-fb:96 transport-cc\r\n"                                                                  \
  "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"       \
  "a=fmtp:96 minptime=10;useinbandfec=1\r\n"                                                       \
  "a=mid:audio0\r\n"                                                                               \
  "a=fingerprint:sha-256 "                                                                         \
  "56:DD:76:56:45:B1:48:69:59:40:11:FE:9A:E7:FC:13:51:A2:8E:8B:7A:B9:56:70:76:87:DB:4D:AD:A8:F1:"  \
  "E6\r\n"                                                                                         \
  "a=rtcp-mux-only\r\n"                                                                            \
  "m=video 0 UDP/TLS/RTP/SAVPF 97 98\r\n"                                                          \
  "c=IN IP4 0.0.0.0\r\n"                                                                           \
  "a=setup:actpass\r\n"                                                                            \
  "a=ice-ufrag:WlKOdM6v37/9juL8t0Y2B8OgieKZpfxg\r\n"                                               \
  "a=ice-pwd:yOJApzdKi8FJgmiEpPjpSDIvTmowyvzk\r\n"                                                 \
  "a=bundle-only\r\n"                                                                              \
  "a=rtcp-mux\r\n"                                                                                 \
  "a=rtcp-rsize\r\n"                                                                               \
  "a=recvonly\r\n"                                                                                 \
  "a=rtpmap:97 VP8/90000\r\n"                                                                      \
  "a=rtcp-fb:97 nack\r\n"                                                                          \
  "a=rtcp-fb:97 nack pli\r\n"                                                                      \
  "a=rtcp-fb:97 ccm fir\r\n"                                                                       \
  "a=rtcp-fb:97 transport-cc\r\n"                                                                  \
  "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"       \
  "a=rtpmap:98 rtx/90000\r\n"                                                                      \
  "a=fmtp:98 apt=97\r\n"                                                                           \
  "a=mid:video1\r\n"                                                                               \
  "a=fingerprint:sha-256 "                                                                         \
  "56:DD:76:56:45:B1:48:69:59:40:11:FE:9A:E7:FC:13:51:A2:8E:8B:7A:B9:56:70:76:87:DB:4D:AD:A8:F1:"  \
  "E6\r\n"                                                                                         \
  "a=rtcp-mux-only\r\n"                                                                            \
  "a=fmtp:97 x-google-start-bitrate=1000;x-google-max-bitrate=2000\r\n"

/* Chrome's real answer to WEBRTCBIN_OFFER. */
#define CHROME_ANSWER                                                                              \
  "v=0\r\n"                                                                                        \
  "o=- 273938571530915735 2 IN IP4 127.0.0.1\r\n"                                                  \
  "s=-\r\n"                                                                                        \
  "t=0 0\r\n"                                                                                      \
  "a=group:BUNDLE audio0 video1\r\n"                                                               \
  "a=msid-semantic: WMS\r\n"                                                                       \
  "m=audio 9 UDP/TLS/RTP/SAVPF 96\r\n"                                                             \
  "c=IN IP4 0.0.0.0\r\n"                                                                           \
  "a=rtcp:9 IN IP4 0.0.0.0\r\n"                                                                    \
  "a=ice-ufrag:fQr2\r\n"                                                                           \
  "a=ice-pwd:rj+EynG9BTFZjlZauGQ2vb74\r\n"                                                         \
  "a=ice-options:trickle\r\n"                                                                      \
  "a=fingerprint:sha-256 "                                                                         \
  "60:A0:E8:12:99:F8:B8:D8:78:1B:59:83:37:96:96:17:34:0E:90:90:AC:3B:24:BA:F4:C5:E9:3F:FF:5C:8D:"  \
  "61\r\n"                                                                                         \
  "a=setup:active\r\n"                                                                             \
  "a=mid:audio0\r\n"                                                                               \
  "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"       \
  "a=sendonly\r\n"                                                                                 \
  "a=msid:- 8951dd1f-6162-4234-beab-d5a8c370805b\r\n"                                              \
  "a=rtcp-mux\r\n"                                                                                 \
  "a=rtcp-rsize\r\n"                                                                               \
  "a=rtpmap:96 OPUS/48000/2\r\n"                                                                   \
  "a=rtcp-fb:96 transport-cc\r\n"                                                                  \
  "a=fmtp:96 minptime=10;useinbandfec=1\r\n"                                                       \
  "a=ssrc:1383446103 cname:ZigMRoO8XkedBj/o\r\n"                                                   \
  "m=video 9 UDP/TLS/RTP/SAVPF 97 98\r\n"                                                          \
  "c=IN IP4 0.0.0.0\r\n"                                                                           \
  "a=rtcp:9 IN IP4 0.0.0.0\r\n"                                                                    \
  "a=ice-ufrag:fQr2\r\n"                                                                           \
  "a=ice-pwd:rj+EynG9BTFZjlZauGQ2vb74\r\n"                                                         \
  "a=ice-options:trickle\r\n"                                                                      \
  "a=fingerprint:sha-256 "                                                                         \
  "60:A0:E8:12:99:F8:B8:D8:78:1B:59:83:37:96:96:17:34:0E:90:90:AC:3B:24:BA:F4:C5:E9:3F:FF:5C:8D:"  \
  "61\r\n"                                                                                         \
  "a=setup:active\r\n"                                                                             \
  "a=mid:video1\r\n"                                                                               \
  "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"       \
  "a=sendonly\r\n"                                                                                 \
  "a=msid:- f312fcac-06d8-4bef-a076-246afbcc2402\r\n"                                              \
  "a=rtcp-mux\r\n"                                                                                 \
  "a=rtcp-rsize\r\n"                                                                               \
  "a=rtpmap:97 VP8/90000\r\n"                                                                      \
  "a=rtcp-fb:97 transport-cc\r\n"                                                                  \
  "a=rtcp-fb:97 ccm fir\r\n"                                                                       \
  "a=rtcp-fb:97 nack\r\n"                                                                          \
  "a=rtcp-fb:97 nack pli\r\n"                                                                      \
  "a=rtpmap:98 rtx/90000\r\n"                                                                      \
  "a=fmtp:98 apt=97\r\n"                                                                           \
  "a=ssrc-group:FID 525924055 513666496\r\n"                                                       \
  "a=ssrc:525924055 cname:ZigMRoO8XkedBj/o\r\n"                                                    \
  "a=ssrc:513666496 cname:ZigMRoO8XkedBj/o\r\n"

/* Audio and camera from the browser, as WEBRTCBIN_OFFER has them; then another peer's camera
 * and screen to it. */
static const GwSdpSlot slots[] = {
    SDP_OFFER_SLOTS_IN_AND_CAMERA_OUT,
    {.mid = "video3",
     .codec = GW_SDP_CODEC_VP8,
     .direction = GW_SDP_GATEWAY_SENDS,
     .pt = 101,
     .ssrc = 33333333,
     .rtx_ssrc = 44444444,
     .msid_stream = "peer-b",
     .msid_track = "peer-b-screen"},
};

static GwSdpOffer
offer_of(const GwSdpSlot *s, guint n)
{
  return (GwSdpOffer){.ice_ufrag = UFRAG,
                      .ice_pwd = PWD,
                      .fingerprint = FINGERPRINT,
                      .cname = CNAME,
                      .session_id = G_GUINT64_CONSTANT(1129586879062890332),
                      .session_version = 0,
                      .slots = s,
                      .n_slots = n};
}

static GstSDPMessage *
write_and_parse(const GwSdpOffer *offer)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = gw_sdp_offer_write(offer, &error);
  g_assert_no_error(error);
  g_assert_nonnull(text);
  g_test_message("offer:\n%s", text);
  g_assert_true(g_str_has_prefix(text, "v=0\r\n"));
  GstSDPMessage *sdp = NULL;
  g_assert_cmpint(gst_sdp_message_new(&sdp), ==, GST_SDP_OK);
  g_assert_cmpint(gst_sdp_message_parse_buffer((const guint8 *)text, (guint)strlen(text), sdp), ==,
                  GST_SDP_OK);
  return sdp;
}

/* Every value of @key in @media, joined with '|', in order ("" if none). */
static char *
values_of(const GstSDPMedia *media, const char *key)
{
  g_autoptr(GString) all = g_string_new(NULL);
  for (guint a = 0; a < gst_sdp_media_attributes_len(media); a++) {
    const GstSDPAttribute *attr = gst_sdp_media_get_attribute(media, a);
    if (g_str_equal(attr->key, key))
      g_string_append_printf(all, "%s%s", all->len ? "|" : "", attr->value ? attr->value : "");
  }
  return g_string_free(g_steal_pointer(&all), FALSE);
}

static void
assert_values(const GstSDPMedia *media, const char *key, const char *expected)
{
  g_autofree char *got = values_of(media, key);
  if (!g_str_equal(got, expected))
    g_error("m-line %s: a=%s is \"%s\", expected \"%s\"",
            gst_sdp_media_get_attribute_val(media, "mid"), key, got, expected);
}

/* The m-line of slot @s, attribute by attribute. */
static void
assert_media(const GstSDPMedia *media, const GwSdpSlot *s)
{
  gboolean video = s->codec != GW_SDP_CODEC_OPUS;
  g_assert_cmpstr(gst_sdp_media_get_media(media), ==, video ? "video" : "audio");
  g_assert_cmpuint(gst_sdp_media_get_port(media), ==, s->stopped ? 0 : 9);
  g_assert_cmpstr(gst_sdp_media_get_proto(media), ==, "UDP/TLS/RTP/SAVPF");
  g_assert_cmpuint(gst_sdp_media_formats_len(media), ==, video ? 2 : 1);
  g_autofree char *pt = g_strdup_printf("%u", s->pt);
  g_autofree char *rtx = g_strdup_printf("%u", s->pt + 1);
  g_assert_cmpstr(gst_sdp_media_get_format(media, 0), ==, pt);
  if (video)
    g_assert_cmpstr(gst_sdp_media_get_format(media, 1), ==, rtx);
  g_assert_cmpuint(gst_sdp_media_connections_len(media), ==, 1);
  const GstSDPConnection *c = gst_sdp_media_get_connection(media, 0);
  g_assert_cmpstr(c->nettype, ==, "IN");
  g_assert_cmpstr(c->addrtype, ==, "IP4");
  g_assert_cmpstr(c->address, ==, "0.0.0.0");

  assert_values(media, "ice-ufrag", UFRAG);
  assert_values(media, "ice-pwd", PWD);
  assert_values(media, "fingerprint", FINGERPRINT);
  assert_values(media, "setup", "actpass");
  assert_values(media, "mid", s->mid);
  assert_values(media, "extmap",
                "3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01");
  const char *direction = s->stopped                                ? "inactive"
                          : s->direction == GW_SDP_GATEWAY_RECEIVES ? "recvonly"
                          : s->direction == GW_SDP_GATEWAY_SENDS    ? "sendonly"
                                                                    : "inactive";
  static const char *const directions[] = {"sendrecv", "sendonly", "recvonly", "inactive"};
  guint n_directions = 0;
  for (gsize d = 0; d < G_N_ELEMENTS(directions); d++)
    n_directions += gst_sdp_media_get_attribute_val(media, directions[d]) != NULL;
  g_assert_cmpuint(n_directions, ==, 1);
  g_assert_nonnull(gst_sdp_media_get_attribute_val(media, direction));
  /* Flags: values_of() says "" for present and absent alike. */
  g_assert_cmpstr(gst_sdp_media_get_attribute_val(media, "rtcp-mux"), ==, "");
  g_assert_cmpstr(gst_sdp_media_get_attribute_val(media, "rtcp-mux-only"), ==, "");
  g_assert_cmpstr(gst_sdp_media_get_attribute_val(media, "rtcp-rsize"), ==, "");

  g_autofree char *rtpmap = NULL, *fb = NULL, *fmtp = NULL;
  if (video) {
    rtpmap = g_strdup_printf("%s %s/90000|%s rtx/90000", pt,
                             s->codec == GW_SDP_CODEC_VP8 ? "VP8" : "H264", rtx);
    fb = g_strdup_printf("%s nack|%s nack pli|%s ccm fir|%s goog-remb|%s transport-cc", pt, pt, pt,
                         pt, pt);
    g_autofree char *bitrate = g_strdup_printf("x-google-start-bitrate=%u;x-google-max-bitrate=%u",
                                               s->start_kbps, s->max_kbps);
    g_autofree char *apt = g_strdup_printf("%s apt=%s", rtx, pt);
    if (s->codec == GW_SDP_CODEC_H264)
      fmtp = g_strdup_printf(
          "%s level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f%s%s|%s", pt,
          s->max_kbps ? ";" : "", s->max_kbps ? bitrate : "", apt);
    else if (s->max_kbps) /* the bitrate edit adds a line at the end when there is none */
      fmtp = g_strdup_printf("%s|%s %s", apt, pt, bitrate);
    else
      fmtp = g_strdup(apt);
  } else {
    rtpmap = g_strdup_printf("%s opus/48000/2", pt);
    fb = g_strdup_printf("%s transport-cc", pt);
    fmtp = g_strdup_printf("%s minptime=10;useinbandfec=1", pt);
  }
  assert_values(media, "rtpmap", rtpmap);
  assert_values(media, "rtcp-fb", fb);
  assert_values(media, "fmtp", fmtp);

  if (s->direction == GW_SDP_GATEWAY_SENDS && !s->stopped) {
    g_autofree char *msid = g_strdup_printf("%s %s", s->msid_stream, s->msid_track);
    g_autofree char *ssrc =
        video ? g_strdup_printf("%u cname:" CNAME "|%u cname:" CNAME, s->ssrc, s->rtx_ssrc)
              : g_strdup_printf("%u cname:" CNAME, s->ssrc);
    g_autofree char *group =
        video ? g_strdup_printf("FID %u %u", s->ssrc, s->rtx_ssrc) : g_strdup("");
    assert_values(media, "msid", msid);
    assert_values(media, "ssrc", ssrc);
    assert_values(media, "ssrc-group", group);
  } else {
    assert_values(media, "msid", "");
    assert_values(media, "ssrc", "");
    assert_values(media, "ssrc-group", "");
  }
}

static void
test_offer_four_slots(void)
{
  GwSdpOffer offer = offer_of(slots, G_N_ELEMENTS(slots));
  offer.session_version = 7;
  g_autoptr(GstSDPMessage) sdp = write_and_parse(&offer);

  const GstSDPOrigin *origin = gst_sdp_message_get_origin(sdp);
  g_assert_cmpstr(origin->sess_id, ==, "1129586879062890332");
  g_assert_cmpstr(origin->sess_version, ==, "7");
  g_assert_cmpstr(gst_sdp_message_get_session_name(sdp), ==, "-");
  g_assert_cmpuint(gst_sdp_message_attributes_len(sdp), ==, 2);
  g_assert_cmpstr(gst_sdp_message_get_attribute_val(sdp, "ice-options"), ==, "trickle");
  g_assert_cmpstr(gst_sdp_message_get_attribute_val(sdp, "group"), ==,
                  "BUNDLE audio0 video1 video2 video3");

  g_assert_cmpuint(gst_sdp_message_medias_len(sdp), ==, G_N_ELEMENTS(slots));
  g_autoptr(GHashTable) pts = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; i < G_N_ELEMENTS(slots); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media(sdp, i);
    assert_media(media, &slots[i]);
    assert_values(media, "candidate", "");
    /* Every m-line has payload types of its own. */
    for (guint f = 0; f < gst_sdp_media_formats_len(media); f++)
      g_assert_true(g_hash_table_add(pts, (gpointer)gst_sdp_media_get_format(media, f)));
  }
  g_assert_cmpuint(g_hash_table_size(pts), ==, 7);
}

/* "key:value" of every attribute, case folded; ICE values are the same on both sides. */
static GPtrArray *
attribute_lines(const GstSDPMedia *media)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
  for (guint a = 0; a < gst_sdp_media_attributes_len(media); a++) {
    const GstSDPAttribute *attr = gst_sdp_media_get_attribute(media, a);
    g_autofree char *line = g_strdup_printf("%s:%s", attr->key, attr->value ? attr->value : "");
    g_ptr_array_add(lines, g_ascii_strdown(line, -1));
  }
  return lines;
}

/* Lines of @a that @b lacks, joined with '|'. */
static char *
missing_from(GPtrArray *a, GPtrArray *b)
{
  g_autoptr(GString) out = g_string_new(NULL);
  for (guint i = 0; i < a->len; i++) {
    if (!g_ptr_array_find_with_equal_func(b, a->pdata[i], g_str_equal, NULL))
      g_string_append_printf(out, "%s%s", out->len ? "|" : "", (char *)a->pdata[i]);
  }
  return g_string_free(g_steal_pointer(&out), FALSE);
}

/* The native offer for the same two slots says everything webrtcbin's says, but for the
 * bundle-only trick, and adds goog-remb (Chrome's own offers have it). */
static void
test_offer_like_webrtcbin(void)
{
  GwSdpOffer offer = offer_of(slots, 2);
  g_autoptr(GstSDPMessage) ours = write_and_parse(&offer);
  g_autoptr(GstSDPMessage) theirs = NULL;
  g_assert_cmpint(gst_sdp_message_new_from_text(WEBRTCBIN_OFFER, &theirs), ==, GST_SDP_OK);

  g_assert_cmpstr(gst_sdp_message_get_origin(ours)->sess_id, ==,
                  gst_sdp_message_get_origin(theirs)->sess_id);
  g_assert_cmpuint(gst_sdp_message_attributes_len(ours), ==,
                   gst_sdp_message_attributes_len(theirs));
  for (guint a = 0; a < gst_sdp_message_attributes_len(theirs); a++) {
    const GstSDPAttribute *attr = gst_sdp_message_get_attribute(theirs, a);
    g_assert_cmpstr(gst_sdp_message_get_attribute_val(ours, attr->key), ==, attr->value);
  }
  g_assert_cmpuint(gst_sdp_message_medias_len(ours), ==, 2);
  static const char *const only_theirs[] = {"", "bundle-only:"};
  static const char *const only_ours[] = {"", "rtcp-fb:97 goog-remb"};
  for (guint i = 0; i < 2; i++) {
    const GstSDPMedia *o = gst_sdp_message_get_media(ours, i);
    const GstSDPMedia *t = gst_sdp_message_get_media(theirs, i);
    g_assert_cmpstr(gst_sdp_media_get_media(o), ==, gst_sdp_media_get_media(t));
    g_assert_cmpstr(gst_sdp_media_get_proto(o), ==, gst_sdp_media_get_proto(t));
    g_assert_cmpuint(gst_sdp_media_formats_len(o), ==, gst_sdp_media_formats_len(t));
    for (guint f = 0; f < gst_sdp_media_formats_len(o); f++)
      g_assert_cmpstr(gst_sdp_media_get_format(o, f), ==, gst_sdp_media_get_format(t, f));
    g_autoptr(GPtrArray) ol = attribute_lines(o);
    g_autoptr(GPtrArray) tl = attribute_lines(t);
    g_autofree char *missing = missing_from(tl, ol);
    g_autofree char *extra = missing_from(ol, tl);
    g_assert_cmpstr(missing, ==, only_theirs[i]);
    g_assert_cmpstr(extra, ==, only_ours[i]);
    g_assert_cmpuint(gst_sdp_media_get_port(o), ==, 9); /* webrtcbin: 0 and bundle-only */
  }
}

/* H264 keeps its fmtp and gets the bitrates after it; INACTIVE and stopped slots keep their
 * m-lines; candidates go on the first m-line in the BUNDLE group. */
static void
test_offer_h264_stopped_candidates(void)
{
  const GwSdpSlot s[] = {
      {.mid = "a", .codec = GW_SDP_CODEC_OPUS, .stopped = TRUE, .pt = 111},
      {.mid = "b",
       .codec = GW_SDP_CODEC_H264,
       .direction = GW_SDP_GATEWAY_RECEIVES,
       .pt = 102,
       .start_kbps = 3000,
       .max_kbps = 1500},
      {.mid = "c", .codec = GW_SDP_CODEC_H264, .direction = GW_SDP_INACTIVE, .pt = 104},
      {.mid = "d",
       .codec = GW_SDP_CODEC_OPUS,
       .direction = GW_SDP_GATEWAY_SENDS,
       .pt = 127,
       .ssrc = 5,
       .msid_stream = "-",
       .msid_track = "t"},
  };
  const char *const candidates[] = {
      "candidate:1 1 UDP 2015363327 192.0.2.1 40000 typ host",
      "candidate:2 1 UDP 1015021823 198.51.100.7 50000 typ srflx raddr 192.0.2.1 rport 40000",
  };
  GwSdpOffer offer = offer_of(s, G_N_ELEMENTS(s));
  offer.candidates = candidates;
  offer.n_candidates = G_N_ELEMENTS(candidates);
  offer.end_of_candidates = TRUE;
  g_autoptr(GstSDPMessage) sdp = write_and_parse(&offer);

  g_assert_cmpstr(gst_sdp_message_get_attribute_val(sdp, "group"), ==, "BUNDLE b c d");
  GwSdpSlot expected_b = s[1];
  expected_b.start_kbps = 1500; /* never above the maximum */
  assert_media(gst_sdp_message_get_media(sdp, 0), &s[0]);
  assert_media(gst_sdp_message_get_media(sdp, 1), &expected_b);
  assert_media(gst_sdp_message_get_media(sdp, 2), &s[2]);
  assert_media(gst_sdp_message_get_media(sdp, 3), &s[3]);
  assert_values(gst_sdp_message_get_media(sdp, 1), "candidate",
                "1 1 UDP 2015363327 192.0.2.1 40000 typ host|"
                "2 1 UDP 1015021823 198.51.100.7 50000 typ srflx raddr 192.0.2.1 rport 40000");
  assert_values(gst_sdp_message_get_media(sdp, 1), "end-of-candidates", "");
  for (guint i = 0; i < 4; i++) {
    if (i != 1) {
      assert_values(gst_sdp_message_get_media(sdp, i), "candidate", "");
      g_assert_null(
          gst_sdp_media_get_attribute_val(gst_sdp_message_get_media(sdp, i), "end-of-candidates"));
    }
  }
}

static void
offer_fails(const GwSdpOffer *offer, GwMediaError code, const char *expect_in_message)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = gw_sdp_offer_write(offer, &error);
  g_assert_null(text);
  g_assert_error(error, GW_MEDIA_ERROR, (gint)code);
  if (!strstr(error->message, expect_in_message))
    g_error("expected \"%s\" in \"%s\"", expect_in_message, error->message);
}

/* A good offer of the four slots, in @s, to break one thing in. */
static GwSdpOffer
reset(GwSdpSlot s[G_N_ELEMENTS(slots)])
{
  memcpy(s, slots, sizeof slots);
  return offer_of(s, G_N_ELEMENTS(slots));
}

static void
test_offer_refusals(void)
{
  GwSdpSlot s[G_N_ELEMENTS(slots)];
  GwSdpOffer offer;

  offer = reset(s);
  s[2].pt = 98; /* video1's RTX */
  offer_fails(&offer, GW_MEDIA_ERROR_INTERNAL, "payload type 98 or its RTX is taken");
  offer = reset(s);
  s[3].pt = 127; /* no room for its RTX */
  offer_fails(&offer, GW_MEDIA_ERROR_INTERNAL, "outside 96..126");
  offer = reset(s);
  s[0].pt = 95;
  offer_fails(&offer, GW_MEDIA_ERROR_INTERNAL, "outside 96..127");
  offer = reset(s);
  s[3].mid = "video2";
  offer_fails(&offer, GW_MEDIA_ERROR_INTERNAL, "share mid \"video2\"");
  offer = reset(s);
  s[1].mid = "video 1";
  offer_fails(&offer, GW_MEDIA_ERROR_INTERNAL, "slot 1 has no mid");
  offer = reset(s);
  s[3].rtx_ssrc = s[2].ssrc;
  offer_fails(&offer, GW_MEDIA_ERROR_INTERNAL, "slot 3 (mid video3) sends without distinct");
  offer = reset(s);
  s[2].msid_track = NULL;
  offer_fails(&offer, GW_MEDIA_ERROR_INTERNAL, "without a stream and track id");
  offer = reset(s);
  s[0].max_kbps = 64;
  s[0].start_kbps = 32;
  offer_fails(&offer, GW_MEDIA_ERROR_INTERNAL, "bitrates are for video");
  offer = reset(s);
  s[1].start_kbps = 0;
  offer_fails(&offer, GW_MEDIA_ERROR_INTERNAL, "both bitrates or neither");
  offer = reset(s);
  offer.ice_ufrag = "abc";
  offer_fails(&offer, GW_MEDIA_ERROR_INTERNAL, "ufrag or pwd");
  /* Strings end up inside SDP lines: a line break would let them add lines of their own. */
  offer = reset(s);
  offer.ice_pwd = PWD "\r\na=setup:active";
  offer_fails(&offer, GW_MEDIA_ERROR_INTERNAL, "ufrag or pwd");
  offer = reset(s);
  offer.fingerprint = "sha-256 56:DD";
  offer_fails(&offer, GW_MEDIA_ERROR_INTERNAL, "fingerprint");
  offer = reset(s);
  offer.cname = "x\ny";
  offer_fails(&offer, GW_MEDIA_ERROR_INTERNAL, "CNAME");
  const char *bad_candidate[] = {"candidate:1 1 UDP 1 192.0.2.1 1 typ host\r\na=x"};
  offer = reset(s);
  offer.candidates = bad_candidate;
  offer.n_candidates = 1;
  offer_fails(&offer, GW_MEDIA_ERROR_INTERNAL, "candidate 0");
  offer = reset(s);
  offer.n_candidates = GW_SDP_MAX_CANDIDATES + 1;
  offer_fails(&offer, GW_MEDIA_ERROR_LIMIT, "33 candidates");
  offer = reset(s);
  offer.n_slots = 0;
  offer_fails(&offer, GW_MEDIA_ERROR_INTERNAL, "no slots");
  offer = reset(s);
  s[0].stopped = s[1].stopped = s[2].stopped = s[3].stopped = TRUE;
  offer_fails(&offer, GW_MEDIA_ERROR_INTERNAL, "every slot is stopped");
  offer = reset(s);
  offer.session_id = G_MAXUINT64;
  offer_fails(&offer, GW_MEDIA_ERROR_INTERNAL, "session id");

  GwSdpSlot many[GW_SDP_MAX_MLINES + 1];
  for (guint i = 0; i < G_N_ELEMENTS(many); i++)
    many[i] = (GwSdpSlot){.mid = "m", .codec = GW_SDP_CODEC_OPUS, .pt = 96 + i};
  offer = offer_of(many, G_N_ELEMENTS(many));
  offer_fails(&offer, GW_MEDIA_ERROR_LIMIT, "17 slots");
}

/* ---- answers ---- */

static char *
replace(const char *text, const char *from, const char *to)
{
  GString *s = g_string_new(text);
  g_assert_cmpuint(g_string_replace(s, from, to, 0), >, 0);
  return g_string_free(s, FALSE);
}

static void
read_ok(const GwSdpOffer *offer, const char *text, GwSdpAnswer *answer)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = gw_sdp_offer_read_answer(offer, text, MAX_SDP, answer, &error);
  g_assert_no_error(error);
  g_assert_true(ok);
}

static void
test_answer_chrome(void)
{
  GwSdpOffer offer = offer_of(slots, 2);
  g_auto(GwSdpAnswer) answer = {0};
  read_ok(&offer, CHROME_ANSWER, &answer);

  g_assert_cmpstr(answer.ice_ufrag, ==, "fQr2");
  g_assert_cmpstr(answer.ice_pwd, ==, "rj+EynG9BTFZjlZauGQ2vb74");
  g_assert_cmpstr(answer.fingerprint, ==,
                  "sha-256 60:A0:E8:12:99:F8:B8:D8:78:1B:59:83:37:96:96:17:34:0E:90:90:AC:3B:24:"
                  "BA:F4:C5:E9:3F:FF:5C:8D:61");
  g_assert_cmpint(answer.dtls_role, ==, GW_SDP_DTLS_SERVER);
  g_assert_cmpuint(answer.n_media, ==, 2);
  g_assert_cmpuint(answer.n_candidates, ==, 0);
  g_assert_false(answer.end_of_candidates);

  const GwSdpAnswerMedia *audio = &answer.media[0];
  g_assert_false(audio->rejected);
  g_assert_cmpint(audio->direction, ==, GW_SDP_GATEWAY_RECEIVES);
  g_assert_cmpuint(audio->pt, ==, 96);
  g_assert_cmpuint(audio->rtx_pt, ==, 0);
  g_assert_cmpuint(audio->feedback, ==, GW_SDP_FB_TWCC);
  g_assert_cmpuint(audio->twcc_id, ==, 3);
  g_assert_cmpuint(audio->ssrc, ==, 1383446103);
  g_assert_cmpuint(audio->rtx_ssrc, ==, 0);
  g_assert_cmpuint(audio->n_ssrcs, ==, 1);

  const GwSdpAnswerMedia *video = &answer.media[1];
  g_assert_false(video->rejected);
  g_assert_cmpint(video->direction, ==, GW_SDP_GATEWAY_RECEIVES);
  g_assert_cmpuint(video->pt, ==, 97);
  g_assert_cmpuint(video->rtx_pt, ==, 98);
  g_assert_cmpuint(video->feedback, ==,
                   GW_SDP_FB_NACK | GW_SDP_FB_PLI | GW_SDP_FB_FIR | GW_SDP_FB_TWCC);
  g_assert_cmpuint(video->twcc_id, ==, 3);
  g_assert_cmpuint(video->ssrc, ==, 525924055);
  g_assert_cmpuint(video->rtx_ssrc, ==, 513666496);
  g_assert_cmpuint(video->n_ssrcs, ==, 2);

  /* Passive makes the gateway the DTLS client; credentials at session level count too. */
  g_autofree char *passive = replace(CHROME_ANSWER, "a=setup:active", "a=setup:passive");
  g_auto(GwSdpAnswer) second = {0};
  read_ok(&offer, passive, &second);
  g_assert_cmpint(second.dtls_role, ==, GW_SDP_DTLS_CLIENT);
  g_autofree char *no_media_ice = replace(CHROME_ANSWER, "a=ice-ufrag:fQr2\r\n", "");
  g_autofree char *session_ice = replace(no_media_ice, "a=msid-semantic: WMS\r\n",
                                         "a=msid-semantic: WMS\r\na=ice-ufrag:s3ss\r\n");
  gw_sdp_answer_clear(&second);
  read_ok(&offer, session_ice, &second);
  g_assert_cmpstr(second.ice_ufrag, ==, "s3ss");
}

/* Chrome's answer to the four-slot offer: it receives on video2 and video3, so no SSRCs. */
#define CHROME_RECEIVES(mid, pt, rtx)                                                              \
  "m=video 9 UDP/TLS/RTP/SAVPF " pt " " rtx "\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"  \
  "a=ice-ufrag:fQr2\r\na=ice-pwd:rj+EynG9BTFZjlZauGQ2vb74\r\na=ice-options:trickle\r\n"            \
  "a=fingerprint:sha-256 "                                                                         \
  "60:A0:E8:12:99:F8:B8:D8:78:1B:59:83:37:96:96:17:34:0E:90:90:AC:3B:24:BA:F4:C5:E9:3F:FF:5C:8D:"  \
  "61\r\n"                                                                                         \
  "a=setup:active\r\na=mid:" mid "\r\n"                                                            \
  "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"       \
  "a=recvonly\r\na=rtcp-mux\r\na=rtcp-rsize\r\na=rtpmap:" pt " VP8/90000\r\n"                      \
  "a=rtcp-fb:" pt " goog-remb\r\na=rtcp-fb:" pt " transport-cc\r\na=rtcp-fb:" pt " ccm fir\r\n"    \
  "a=rtcp-fb:" pt " nack\r\na=rtcp-fb:" pt " nack pli\r\na=rtpmap:" rtx " rtx/90000\r\n"           \
  "a=fmtp:" rtx " apt=" pt "\r\n"

static char *
chrome_answer_four(void)
{
  g_autofree char *grouped =
      replace(CHROME_ANSWER, "BUNDLE audio0 video1", "BUNDLE audio0 video1 video2 video3");
  return g_strconcat(grouped, CHROME_RECEIVES("video2", "99", "100"),
                     CHROME_RECEIVES("video3", "101", "102"), NULL);
}

static void
test_answer_four_slots(void)
{
  GwSdpOffer offer = offer_of(slots, G_N_ELEMENTS(slots));
  g_autofree char *text = chrome_answer_four();
  g_auto(GwSdpAnswer) answer = {0};
  read_ok(&offer, text, &answer);
  g_assert_cmpuint(answer.n_media, ==, 4);
  for (guint i = 2; i < 4; i++) {
    const GwSdpAnswerMedia *m = &answer.media[i];
    g_assert_false(m->rejected);
    g_assert_cmpint(m->direction, ==, GW_SDP_GATEWAY_SENDS);
    g_assert_cmpuint(m->pt, ==, slots[i].pt);
    g_assert_cmpuint(m->rtx_pt, ==, slots[i].pt + 1);
    g_assert_cmpuint(m->feedback, ==,
                     GW_SDP_FB_NACK | GW_SDP_FB_PLI | GW_SDP_FB_FIR | GW_SDP_FB_REMB |
                         GW_SDP_FB_TWCC);
    g_assert_cmpuint(m->n_ssrcs, ==, 0);
    g_assert_cmpuint(m->ssrc, ==, 0);
  }

  /* A rejected m-line is read as rejected, and may leave the BUNDLE group. */
  g_autofree char *rejected =
      replace(text, "m=video 9 UDP/TLS/RTP/SAVPF 101 102", "m=video 0 UDP/TLS/RTP/SAVPF 101 102");
  g_autofree char *ungrouped = replace(rejected, " video3\r\n", "\r\n");
  g_auto(GwSdpAnswer) second = {0};
  read_ok(&offer, ungrouped, &second);
  g_assert_true(second.media[3].rejected);
  g_assert_false(second.media[2].rejected);

  /* Candidates, with their m-line index; the browser may stop sending on an m-line. */
  g_autofree char *inactive = replace(text,
                                      "a=mid:video3\r\n"
                                      "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-"
                                      "transport-wide-cc-extensions-01\r\na=recvonly",
                                      "a=mid:video3\r\na=inactive");
  g_autofree char *with_candidates =
      g_strconcat(inactive,
                  "a=candidate:2 1 udp 2122260223 192.0.2.9 50001 typ host generation 0\r\n"
                  "a=end-of-candidates\r\n",
                  NULL);
  g_autofree char *first_candidate = replace(
      with_candidates, "a=rtcp-fb:96 transport-cc\r\n",
      "a=rtcp-fb:96 transport-cc\r\na=candidate:1 1 udp 2122260223 192.0.2.9 50000 typ host\r\n");
  gw_sdp_answer_clear(&second);
  read_ok(&offer, first_candidate, &second);
  g_assert_cmpint(second.media[3].direction, ==, GW_SDP_INACTIVE);
  g_assert_cmpuint(second.media[3].twcc_id, ==, 0); /* dropped with its extmap line */
  g_assert_cmpuint(second.n_candidates, ==, 2);
  g_assert_cmpuint(second.candidates[0].mline, ==, 0);
  g_assert_cmpstr(second.candidates[0].candidate, ==,
                  "candidate:1 1 udp 2122260223 192.0.2.9 50000 typ host");
  g_assert_cmpuint(second.candidates[1].mline, ==, 3);
  g_assert_cmpstr(second.candidates[1].candidate, ==,
                  "candidate:2 1 udp 2122260223 192.0.2.9 50001 typ host generation 0");
  g_assert_true(second.end_of_candidates);
}

static void
answer_fails(const GwSdpOffer *offer, const char *text, GwMediaError code,
             const char *expect_in_message)
{
  g_autoptr(GError) error = NULL;
  GwSdpAnswer answer;
  memset(&answer, 0xa5, sizeof answer); /* must come back cleared */
  if (gw_sdp_offer_read_answer(offer, text, MAX_SDP, &answer, &error))
    g_error("accepted an answer that should fail with \"%s\":\n%s", expect_in_message, text);
  g_assert_error(error, GW_MEDIA_ERROR, (gint)code);
  if (!strstr(error->message, expect_in_message))
    g_error("expected \"%s\" in \"%s\"", expect_in_message, error->message);
  g_assert_null(answer.ice_ufrag);
  g_assert_cmpuint(answer.n_media, ==, 0);
  g_assert_cmpuint(answer.n_candidates, ==, 0);
}

/* @text with every line that starts with @prefix removed. */
static char *
without_lines(const char *text, const char *prefix)
{
  g_auto(GStrv) lines = g_strsplit(text, "\r\n", -1);
  g_autoptr(GString) out = g_string_new(NULL);
  guint removed = 0;
  for (guint i = 0; lines[i] && lines[i + 1]; i++) {
    if (g_str_has_prefix(lines[i], prefix))
      removed++;
    else
      g_string_append_printf(out, "%s\r\n", lines[i]);
  }
  g_assert_cmpuint(removed, >, 0);
  return g_string_free(g_steal_pointer(&out), FALSE);
}

/* answer_fails() on @text (transfer full), which it frees. */
static void
refuse(const GwSdpOffer *offer, char *text, GwMediaError code, const char *expect_in_message)
{
  answer_fails(offer, text, code, expect_in_message);
  g_free(text);
}

/* ICE credentials, fingerprint and DTLS role: present, well-formed, one of each. */
static void
test_answer_refusals_transport(void)
{
  GwSdpOffer offer = offer_of(slots, 2);
  const char *ok = CHROME_ANSWER;

  refuse(&offer, without_lines(ok, "a=fingerprint:"), GW_MEDIA_ERROR_BAD_SDP,
         "m-line 0 (mid audio0) of the answer: no a=fingerprint");
  refuse(&offer, replace(ok, "a=setup:active", "a=setup:actpass"), GW_MEDIA_ERROR_BAD_SDP,
         "a=setup:actpass; an answer must choose active or passive");
  refuse(&offer, without_lines(ok, "a=setup:"), GW_MEDIA_ERROR_BAD_SDP, "no a=setup");
  /* What the peer wrote is quoted short and printable: messages reach logs and the peer. */
  refuse(&offer, replace(ok, "a=setup:active", "a=setup:\xc3\xa9tonnamment-long-valeur-ici"),
         GW_MEDIA_ERROR_BAD_SDP,
         "a=setup:??tonnamment-long-valeur...; an answer must choose active or passive");
  refuse(&offer, without_lines(ok, "a=ice-ufrag:"), GW_MEDIA_ERROR_BAD_SDP, "no a=ice-ufrag");
  refuse(&offer, without_lines(ok, "a=ice-pwd:"), GW_MEDIA_ERROR_BAD_SDP, "no a=ice-pwd");
  refuse(&offer, replace(ok, "a=ice-ufrag:fQr2", "a=ice-ufrag:fQr"), GW_MEDIA_ERROR_BAD_SDP,
         "ice-ufrag is not 4..256");
  refuse(&offer, replace(ok, "rj+EynG9BTFZjlZauGQ2vb74", "rj+EynG9BTFZjlZauGQ2"),
         GW_MEDIA_ERROR_BAD_SDP, "ice-pwd is not 22..256");
  refuse(&offer, replace(ok, "sha-256 60:A0", "sha-256 60:A0:00"), GW_MEDIA_ERROR_BAD_SDP,
         "fingerprint is not");
  /* BUNDLE shares one transport: its m-lines may not disagree on it. */
  refuse(&offer, replace(ok, "a=mid:video1\r\n", "a=mid:video1\r\na=ice-ufrag:XXXX\r\n"),
         GW_MEDIA_ERROR_BAD_SDP,
         "m-line 1 (mid video1) of the answer: a second, different a=ice-ufrag");
}

/* Each m-line: the offer's mid, payload types, codec, profile and a fitting direction. */
static void
test_answer_refusals_mlines(void)
{
  GwSdpOffer offer = offer_of(slots, 2);
  const char *ok = CHROME_ANSWER;

  /* The m-lines must be the offer's. */
  {
    g_autofree char *a = replace(ok, "a=mid:audio0", "a=mid:SWAP");
    g_autofree char *b = replace(a, "a=mid:video1", "a=mid:audio0");
    refuse(&offer, replace(b, "a=mid:SWAP", "a=mid:video1"), GW_MEDIA_ERROR_BAD_SDP,
           "m-line 0 has mid \"video1\" in the answer but \"audio0\" in the offer");
  }
  refuse(&offer,
         replace(ok, "m=audio 9 UDP/TLS/RTP/SAVPF 96", "m=audio 9 UDP/TLS/RTP/SAVPF 96 111"),
         GW_MEDIA_ERROR_BAD_SDP,
         "m-line 0 (mid audio0) of the answer: payload type 111 was not offered");
  refuse(&offer, replace(ok, "m=video 9 UDP/TLS/RTP/SAVPF 97 98", "m=video 9 UDP/TLS/RTP/SAVPF 98"),
         GW_MEDIA_ERROR_BAD_SDP, "m-line 1 (mid video1) of the answer: it drops payload type 97");
  refuse(&offer, replace(ok, "a=rtpmap:97 VP8/90000", "a=rtpmap:97 H264/90000"),
         GW_MEDIA_ERROR_BAD_SDP,
         "payload type 97 is \"H264/90000\", the offer made it \"VP8/90000\"");
  refuse(&offer, replace(ok, "UDP/TLS/RTP/SAVPF 97 98", "RTP/AVP 97 98"), GW_MEDIA_ERROR_BAD_SDP,
         "the profile is \"RTP/AVP\"");
  refuse(&offer, replace(ok, "a=msid:- f312", "a=recvonly\r\na=msid:- f312"),
         GW_MEDIA_ERROR_BAD_SDP,
         "m-line 1 (mid video1) of the answer: the direction does not fit the offer's recvonly");
  refuse(&offer, without_lines(ok, "a=sendonly"), GW_MEDIA_ERROR_BAD_SDP, "direction does not fit");
  refuse(&offer, replace(ok, "a=extmap:3 http", "a=extmap:15 http"), GW_MEDIA_ERROR_BAD_SDP,
         "outside 1..14");

  /* Every m-line rejected: nothing to connect. */
  {
    g_autofree char *a = replace(ok, "m=audio 9 ", "m=audio 0 ");
    refuse(&offer, replace(a, "m=video 9 ", "m=video 0 "), GW_MEDIA_ERROR_BAD_SDP,
           "rejects every m-line");
  }
  /* What the offer stopped, the answer must reject. */
  {
    GwSdpSlot s[3] = {slots[0], slots[1], slots[2]};
    s[0].stopped = TRUE;
    GwSdpOffer stopped = offer_of(s, 3);
    g_autofree char *text = chrome_answer_four();
    g_autofree char *three =
        g_strndup(text, strstr(text, "m=video 9 UDP/TLS/RTP/SAVPF 101") - text);
    answer_fails(&stopped, three, GW_MEDIA_ERROR_BAD_SDP,
                 "m-line 0 (mid audio0) of the answer: the offer stopped it");
    g_autofree char *rejected = replace(three, "m=audio 9 ", "m=audio 0 ");
    g_auto(GwSdpAnswer) answer = {0};
    read_ok(&stopped, rejected, &answer);
    g_assert_true(answer.media[0].rejected);
    g_assert_cmpstr(answer.ice_ufrag, ==, "fQr2"); /* from video1, the first accepted */
  }
}

/* BUNDLE only, and SSRCs that tell the m-lines on it apart. */
static void
test_answer_refusals_bundle_ssrc(void)
{
  GwSdpOffer offer = offer_of(slots, 2);
  const char *ok = CHROME_ANSWER;

  /* BUNDLE only. */
  refuse(&offer, without_lines(ok, "a=group:BUNDLE"), GW_MEDIA_ERROR_BAD_SDP,
         "m-line 0 (mid audio0) of the answer: no BUNDLE group holds it; the gateway only does "
         "BUNDLE");
  refuse(
      &offer,
      replace(ok, "a=group:BUNDLE audio0 video1", "a=group:BUNDLE audio0\r\na=group:BUNDLE video1"),
      GW_MEDIA_ERROR_BAD_SDP,
      "m-line 1 (mid video1) of the answer: it is not in mid audio0's BUNDLE group");

  /* SSRCs. */
  refuse(&offer, replace(ok, "a=ssrc:1383446103 cname", "a=ssrc:525924055 cname"),
         GW_MEDIA_ERROR_BAD_SDP,
         "m-line 1 (mid video1) of the answer: SSRC 525924055 is m-line 0's too");
  /* A group naming an SSRC without an a=ssrc line, or SSRC 0 (webrtcbin 1.22 before its
   * media flowed), says nothing usable: read, but no SSRC is taken from the m-line. */
  const char *unusable[] = {"FID 525924055 7", "FID 0 513666496"};
  for (guint i = 0; i < G_N_ELEMENTS(unusable); i++) {
    g_autofree char *text = replace(ok, "FID 525924055 513666496", unusable[i]);
    g_auto(GwSdpAnswer) answer = {0};
    read_ok(&offer, text, &answer);
    g_assert_cmpuint(answer.media[1].ssrc, ==, 0);
    g_assert_cmpuint(answer.media[1].rtx_ssrc, ==, 0);
    g_assert_cmpuint(answer.media[0].ssrc, ==, 1383446103);
  }
  refuse(&offer, replace(ok, "a=ssrc:1383446103 cname", "a=ssrc:4294967296 cname"),
         GW_MEDIA_ERROR_BAD_SDP, "does not start with an SSRC");
}

/* The caps on what a peer can make the gateway hold. */
static void
test_answer_refusals_limits(void)
{
  GwSdpOffer offer = offer_of(slots, 2);
  const char *ok = CHROME_ANSWER;

  {
    g_autoptr(GString) many = g_string_new(ok);
    for (guint i = 0; i < GW_SDP_MAX_SSRC_LINES - 1; i++)
      g_string_append_printf(many, "a=ssrc:513666496 label:%u\r\n", i);
    refuse(&offer, g_strdup(many->str), GW_MEDIA_ERROR_LIMIT, "more than 8 a=ssrc lines");
  }

  {
    g_autoptr(GString) many = g_string_new(ok);
    for (guint i = 0; i <= GW_SDP_MAX_CANDIDATES; i++)
      g_string_append_printf(many, "a=candidate:%u 1 udp 1 192.0.2.1 %u typ host\r\n", i,
                             40000 + i);
    refuse(&offer, g_strdup(many->str), GW_MEDIA_ERROR_LIMIT, "more than 32 candidates");
  }
  {
    g_autoptr(GString) long_candidate = g_string_new(ok);
    g_string_append(long_candidate, "a=candidate:1 1 udp 1 192.0.2.1 4000 typ host");
    for (guint i = 0; i < GW_SDP_MAX_CANDIDATE_LENGTH; i++)
      g_string_append_c(long_candidate, 'x');
    g_string_append(long_candidate, "\r\n");
    refuse(&offer, g_strdup(long_candidate->str), GW_MEDIA_ERROR_BAD_SDP, "over 512 characters");
  }
  {
    g_autoptr(GError) error = NULL;
    g_auto(GwSdpAnswer) answer = {0};
    g_assert_false(gw_sdp_offer_read_answer(&offer, ok, strlen(ok) - 1, &answer, &error));
    g_assert_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_LIMIT);
  }
}

/* ---- webrtcbin as the answerer ---- */

typedef struct {
  GMutex lock;
  GCond cond;
  gboolean done;
} Waiter;

static void
on_promise_done(GstPromise *promise, gpointer data)
{
  Waiter *w = data;
  g_mutex_lock(&w->lock);
  w->done = TRUE;
  g_cond_signal(&w->cond);
  g_mutex_unlock(&w->lock);
}

/* Waits at most 5 s for @promise; fails on timeout or on an error reply. */
static const GstStructure *
wait_reply(GstPromise *promise, Waiter *w, const char *what)
{
  gint64 deadline = g_get_monotonic_time() + 5 * G_TIME_SPAN_SECOND;
  g_mutex_lock(&w->lock);
  while (!w->done && g_cond_wait_until(&w->cond, &w->lock, deadline))
    ;
  gboolean done = w->done;
  w->done = FALSE;
  g_mutex_unlock(&w->lock);
  if (!done)
    g_error("webrtcbin did not finish %s within 5 s", what);
  g_assert_cmpint(gst_promise_wait(promise), ==, GST_PROMISE_RESULT_REPLIED);
  const GstStructure *reply = gst_promise_get_reply(promise);
  GError *error = NULL;
  if (reply && gst_structure_has_field(reply, "error")) {
    gst_structure_get(reply, "error", G_TYPE_ERROR, &error, NULL);
    g_error("webrtcbin refused %s: %s", what, error ? error->message : "(no message)");
  }
  return reply;
}

/* webrtcbin (a real WebRTC stack) takes the native offer as a remote description, and its
 * answer reads back: same mids, same payload types, each m-line accepted. */
static void
test_webrtcbin_answers(void)
{
  GstElement *webrtc = gst_element_factory_make("webrtcbin", NULL);
  if (webrtc == NULL)
    g_error("no webrtcbin: install gstreamer1.0-plugins-bad and gstreamer1.0-nice");
  g_autoptr(GstElement) pipeline = gst_pipeline_new(NULL);
  gst_bin_add(GST_BIN(pipeline), webrtc);
  g_object_set(webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, NULL);
  g_assert_cmpint(gst_element_set_state(pipeline, GST_STATE_PLAYING), !=, GST_STATE_CHANGE_FAILURE);

  GwSdpOffer offer = offer_of(slots, G_N_ELEMENTS(slots));
  const char *candidates[] = {"candidate:1 1 UDP 2015363327 127.0.0.1 40000 typ host"};
  offer.candidates = candidates;
  offer.n_candidates = 1;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = gw_sdp_offer_write(&offer, &error);
  g_assert_no_error(error);
  GstSDPMessage *sdp = NULL;
  g_assert_cmpint(gst_sdp_message_new_from_text(text, &sdp), ==, GST_SDP_OK);
  GstWebRTCSessionDescription *description =
      gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, sdp);

  /* Like a browser with a microphone and a camera: it sends where the gateway receives, it
   * receives the rest and NACKs there (so it answers RTX). No NACKs on what it sends: with no
   * media flowing yet webrtcbin would write "a=ssrc-group:FID 0 <rtx>", which the reader
   * takes as naming no SSRC (test_answer_refusals_bundle_ssrc); Chrome's answer names them. */
  for (guint i = 0; i < G_N_ELEMENTS(slots); i++) {
    g_autoptr(GstCaps) caps = gst_caps_new_simple(
        "application/x-rtp", "media", G_TYPE_STRING, i == 0 ? "audio" : "video", "encoding-name",
        G_TYPE_STRING, i == 0 ? "OPUS" : "VP8", "clock-rate", G_TYPE_INT, i == 0 ? 48000 : 90000,
        "payload", G_TYPE_INT, (gint)slots[i].pt, NULL);
    GObject *transceiver = NULL;
    g_signal_emit_by_name(webrtc, "add-transceiver",
                          slots[i].direction == GW_SDP_GATEWAY_RECEIVES
                              ? GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY
                              : GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY,
                          caps, &transceiver);
    g_assert_nonnull(transceiver);
    g_object_set(transceiver, "do-nack", slots[i].direction == GW_SDP_GATEWAY_SENDS, NULL);
    g_object_unref(transceiver);
  }

  Waiter w = {0};
  g_mutex_init(&w.lock);
  g_cond_init(&w.cond);
  GstPromise *promise = gst_promise_new_with_change_func(on_promise_done, &w, NULL);
  g_signal_emit_by_name(webrtc, "set-remote-description", description, promise);
  wait_reply(promise, &w, "set-remote-description");
  gst_promise_unref(promise);
  gst_webrtc_session_description_free(description);

  promise = gst_promise_new_with_change_func(on_promise_done, &w, NULL);
  g_signal_emit_by_name(webrtc, "create-answer", NULL, promise);
  const GstStructure *reply = wait_reply(promise, &w, "create-answer");
  GstWebRTCSessionDescription *answer = NULL;
  g_assert_nonnull(reply);
  gst_structure_get(reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL);
  gst_promise_unref(promise);
  g_assert_nonnull(answer);
  g_autofree char *answer_text = gst_sdp_message_as_text(answer->sdp);
  gst_webrtc_session_description_free(answer);
  g_test_message("webrtcbin's answer:\n%s", answer_text);

  g_auto(GwSdpAnswer) read = {0};
  read_ok(&offer, answer_text, &read);
  g_assert_cmpuint(read.n_media, ==, G_N_ELEMENTS(slots));
  for (guint i = 0; i < read.n_media; i++) {
    g_assert_false(read.media[i].rejected);
    g_assert_cmpint(read.media[i].direction, ==, slots[i].direction);
    g_assert_cmpuint(read.media[i].pt, ==, slots[i].pt);
    if (slots[i].direction == GW_SDP_GATEWAY_SENDS)
      g_assert_cmpuint(read.media[i].rtx_pt, ==, slots[i].pt + 1);
  }
  g_assert_nonnull(read.ice_ufrag);
  g_assert_cmpint(read.dtls_role, ==, GW_SDP_DTLS_SERVER); /* webrtcbin answers active */

  gst_element_set_state(pipeline, GST_STATE_NULL);
  g_mutex_clear(&w.lock);
  g_cond_clear(&w.cond);
}

int
main(int argc, char **argv)
{
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sdp-offer/offer-four-slots", test_offer_four_slots);
  g_test_add_func("/sdp-offer/offer-like-webrtcbin", test_offer_like_webrtcbin);
  g_test_add_func("/sdp-offer/offer-h264-stopped-candidates", test_offer_h264_stopped_candidates);
  g_test_add_func("/sdp-offer/offer-refusals", test_offer_refusals);
  g_test_add_func("/sdp-offer/answer-chrome", test_answer_chrome);
  g_test_add_func("/sdp-offer/answer-four-slots", test_answer_four_slots);
  g_test_add_func("/sdp-offer/answer-refusals-transport", test_answer_refusals_transport);
  g_test_add_func("/sdp-offer/answer-refusals-mlines", test_answer_refusals_mlines);
  g_test_add_func("/sdp-offer/answer-refusals-bundle-ssrc", test_answer_refusals_bundle_ssrc);
  g_test_add_func("/sdp-offer/answer-refusals-limits", test_answer_refusals_limits);
  g_test_add_func("/sdp-offer/webrtcbin-answers", test_webrtcbin_answers);
  return g_test_run();
}
