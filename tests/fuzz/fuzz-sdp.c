/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the SDP checks a browser's answer meets (webrtc/sdp-edit.c). */
#include <stdint.h>
#include <string.h>

#include "webrtc/sdp-edit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The shape of offer the gateway writes: bundled audio and video, VP8 with RTX. */
#define OFFER                                                                                      \
  "v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE audio0 video1\r\n"              \
  "m=audio 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:audio0\r\na=recvonly\r\n"          \
  "a=rtpmap:96 OPUS/48000/2\r\n"                                                                   \
  "m=video 9 UDP/TLS/RTP/SAVPF 97 98\r\nc=IN IP4 0.0.0.0\r\na=mid:video1\r\na=recvonly\r\n"       \
  "a=rtpmap:97 VP8/90000\r\na=rtpmap:98 rtx/90000\r\na=fmtp:98 apt=97\r\n"

/* The default max_sdp_length; the limit check itself is exercised too. */
#define MAX_SDP 32768

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static GstSDPMessage *offer;
  g_autoptr(GError) error = NULL;

  if (offer == NULL) {
    offer = gw_sdp_parse(OFFER, MAX_SDP, NULL);
    g_assert(offer != NULL);
  }
  /* The protocol hands the parser a NUL-terminated string; an embedded NUL ends it. */
  g_autofree char *text = g_strndup((const char *)data, size);
  GstSDPMessage *answer = gw_sdp_parse(text, MAX_SDP, &error);

  g_assert((answer == NULL) != (error == NULL));
  if (answer == NULL) {
    g_assert(error->domain == GW_MEDIA_ERROR && error->message[0] != '\0');
    return 0;
  }
  g_assert(gst_sdp_message_medias_len(answer) > 0);

  g_autoptr(GError) check_error = NULL;
  gboolean ok = gw_sdp_check_answer(offer, answer, &check_error);
  g_assert(ok == (check_error == NULL));
  if (ok) {
    /* What was accepted matches the offer line by line. */
    g_assert(gst_sdp_message_medias_len(answer) == gst_sdp_message_medias_len(offer));
    for (guint i = 0; i < gst_sdp_message_medias_len(offer); i++)
      g_assert(g_strcmp0(gw_sdp_media_mid(offer, i), gw_sdp_media_mid(answer, i)) == 0);
  } else {
    g_assert(check_error->domain == GW_MEDIA_ERROR);
  }

  /* The bitrate edit on whatever parsed must leave SDP that serialises. */
  for (guint i = 0; i < gst_sdp_message_medias_len(answer) && i < 4; i++) {
    if (gw_sdp_set_video_bitrate(answer, i, 97, 1000, 2000)) {
      g_autofree char *again = gst_sdp_message_as_text(answer);
      g_assert(again != NULL && strstr(again, "x-google-max-bitrate=2000") != NULL);
    }
  }
  gst_sdp_message_free(answer);
  return 0;
}
