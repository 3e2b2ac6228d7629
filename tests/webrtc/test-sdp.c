/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the SDP checks the gateway applies to browser answers. */
#include <string.h>

#include "webrtc/sdp-edit.h"

#define OFFER                                                                                      \
  "v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE audio0 video1\r\n"              \
  "m=audio 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:audio0\r\na=recvonly\r\n"          \
  "a=rtpmap:96 OPUS/48000/2\r\n"                                                                   \
  "m=video 9 UDP/TLS/RTP/SAVPF 97 98\r\nc=IN IP4 0.0.0.0\r\na=mid:video1\r\na=recvonly\r\n"       \
  "a=rtpmap:97 VP8/90000\r\na=rtpmap:98 rtx/90000\r\na=fmtp:98 apt=97\r\n"

#define ANSWER_HEAD "v=0\r\no=- 2 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
#define ANSWER_AUDIO                                                                               \
  "m=audio 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:audio0\r\na=sendonly\r\n"
#define ANSWER_VIDEO                                                                               \
  "m=video 9 UDP/TLS/RTP/SAVPF 97 98\r\nc=IN IP4 0.0.0.0\r\na=mid:video1\r\na=sendonly\r\n"

static GstSDPMessage *
parse_ok(const char *text)
{
  g_autoptr(GError) error = NULL;
  GstSDPMessage *sdp = gw_sdp_parse(text, 65536, &error);
  g_assert_no_error(error);
  g_assert_nonnull(sdp);
  return sdp;
}

static void
check_answer_fails(const char *answer_text, const char *expect_in_message)
{
  GstSDPMessage *offer = parse_ok(OFFER);
  GstSDPMessage *answer = parse_ok(answer_text);
  g_autoptr(GError) error = NULL;
  g_assert_false(gw_sdp_check_answer(offer, answer, &error));
  g_assert_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_BAD_SDP);
  if (!strstr(error->message, expect_in_message))
    g_error("expected \"%s\" in \"%s\"", expect_in_message, error->message);
  gst_sdp_message_free(offer);
  gst_sdp_message_free(answer);
}

static void
test_parse_refusals(void)
{
  static const struct {
    const char *text;
    GwMediaError code;
  } cases[] = {
      {"", GW_MEDIA_ERROR_BAD_SDP},
      {"hello", GW_MEDIA_ERROR_BAD_SDP},
      {"v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", GW_MEDIA_ERROR_BAD_SDP}, /* no media */
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;
    g_assert_null(gw_sdp_parse(cases[i].text, 65536, &error));
    g_assert_error(error, GW_MEDIA_ERROR, (gint)cases[i].code);
  }
  g_autoptr(GError) error = NULL;
  g_assert_null(gw_sdp_parse(OFFER, 20, &error));
  g_assert_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_LIMIT);
}

static void
test_parse_and_mid(void)
{
  GstSDPMessage *sdp = parse_ok(OFFER);
  g_assert_cmpuint(gst_sdp_message_medias_len(sdp), ==, 2);
  g_assert_cmpstr(gw_sdp_media_mid(sdp, 0), ==, "audio0");
  g_assert_cmpstr(gw_sdp_media_mid(sdp, 1), ==, "video1");
  g_assert_null(gw_sdp_media_mid(sdp, 2));
  g_assert_true(gw_sdp_media_has_payload(sdp, 1, 98));
  g_assert_false(gw_sdp_media_has_payload(sdp, 0, 97));
  g_assert_false(gw_sdp_media_has_payload(sdp, 5, 97));
  gst_sdp_message_free(sdp);
}

static void
test_answer_ok(void)
{
  GstSDPMessage *offer = parse_ok(OFFER);
  GstSDPMessage *answer = parse_ok(ANSWER_HEAD ANSWER_AUDIO ANSWER_VIDEO);
  g_autoptr(GError) error = NULL;
  g_assert_true(gw_sdp_check_answer(offer, answer, &error));
  g_assert_no_error(error);
  gst_sdp_message_free(answer);

  /* A rejected m-line (port 0) is acceptable whatever it lists. */
  answer = parse_ok(ANSWER_HEAD ANSWER_AUDIO
                    "m=video 0 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\na=mid:video1\r\n");
  g_assert_true(gw_sdp_check_answer(offer, answer, &error));
  gst_sdp_message_free(answer);
  gst_sdp_message_free(offer);
}

static void
test_answer_refusals(void)
{
  check_answer_fails(ANSWER_HEAD ANSWER_AUDIO, "has 1 m-lines");
  check_answer_fails(ANSWER_HEAD ANSWER_VIDEO ANSWER_AUDIO, "is video in the answer");
  check_answer_fails(ANSWER_HEAD ANSWER_AUDIO
                     "m=video 9 UDP/TLS/RTP/SAVPF 97\r\nc=IN IP4 0.0.0.0\r\na=mid:other\r\n",
                     "has mid \"other\"");
  check_answer_fails(ANSWER_HEAD ANSWER_AUDIO
                     "m=video 9 UDP/TLS/RTP/SAVPF 120\r\nc=IN IP4 0.0.0.0\r\na=mid:video1\r\n",
                     "keeps none of the offered payload types");
}

static void
test_video_bitrate(void)
{
  GstSDPMessage *sdp = parse_ok(OFFER);
  g_assert_true(gw_sdp_set_video_bitrate(sdp, 1, 97, 1000, 2500));
  g_autofree char *text = gst_sdp_message_as_text(sdp);
  g_assert_nonnull(strstr(text, "a=fmtp:97 x-google-start-bitrate=1000;x-google-max-bitrate=2500"));
  /* An existing fmtp keeps its parameters; start never exceeds max. */
  g_assert_true(gw_sdp_set_video_bitrate(sdp, 1, 98, 3000, 2000));
  g_free(text);
  text = gst_sdp_message_as_text(sdp);
  g_assert_nonnull(
      strstr(text, "a=fmtp:98 apt=97;x-google-start-bitrate=2000;x-google-max-bitrate=2000"));
  /* No such payload type or m-line: refused, nothing changed. */
  g_assert_false(gw_sdp_set_video_bitrate(sdp, 0, 97, 1000, 2000));
  g_assert_false(gw_sdp_set_video_bitrate(sdp, 9, 97, 1000, 2000));
  gst_sdp_message_free(sdp);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sdp/parse-refusals", test_parse_refusals);
  g_test_add_func("/sdp/parse-and-mid", test_parse_and_mid);
  g_test_add_func("/sdp/answer-ok", test_answer_ok);
  g_test_add_func("/sdp/answer-refusals", test_answer_refusals);
  g_test_add_func("/sdp/video-bitrate", test_video_bitrate);
  return g_test_run();
}
