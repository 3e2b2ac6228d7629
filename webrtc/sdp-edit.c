/* SPDX-License-Identifier: Apache-2.0 */
/* SDP checks and edits on GstSDPMessage; no I/O, so tests and fuzzers reach them directly. */
#include "webrtc/sdp-edit.h"

#include <string.h>

GstSDPMessage *
gw_sdp_parse(const char *text, gsize max_length, GError **error)
{
  g_return_val_if_fail(text != NULL, NULL);

  gsize length = strnlen(text, max_length + 1);
  if (length == 0) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_BAD_SDP, "the SDP is empty");
    return NULL;
  }
  if (length > max_length) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_LIMIT,
                "the SDP is longer than the limit of %" G_GSIZE_FORMAT " bytes", max_length);
    return NULL;
  }
  /* gst_sdp_message_parse_buffer accepts almost anything; insist on the basics. */
  if (!g_str_has_prefix(text, "v=0")) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_BAD_SDP, "the SDP does not start with v=0");
    return NULL;
  }

  g_autoptr(GstSDPMessage) sdp = NULL;
  if (gst_sdp_message_new(&sdp) != GST_SDP_OK ||
      gst_sdp_message_parse_buffer((const guint8 *)text, (guint)length, sdp) != GST_SDP_OK) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_BAD_SDP, "the SDP does not parse");
    return NULL;
  }
  if (gst_sdp_message_medias_len(sdp) == 0) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_BAD_SDP, "the SDP has no media");
    return NULL;
  }
  return g_steal_pointer(&sdp);
}

const char *
gw_sdp_media_mid(const GstSDPMessage *sdp, guint index)
{
  if (index >= gst_sdp_message_medias_len(sdp))
    return NULL;
  return gst_sdp_media_get_attribute_val(gst_sdp_message_get_media(sdp, index), "mid");
}

gboolean
gw_sdp_media_has_payload(const GstSDPMessage *sdp, guint index, guint pt)
{
  if (index >= gst_sdp_message_medias_len(sdp))
    return FALSE;
  const GstSDPMedia *media = gst_sdp_message_get_media(sdp, index);
  g_autofree char *wanted = g_strdup_printf("%u", pt);
  for (guint i = 0; i < gst_sdp_media_formats_len(media); i++) {
    if (g_strcmp0(gst_sdp_media_get_format(media, i), wanted) == 0)
      return TRUE;
  }
  return FALSE;
}

gboolean
gw_sdp_check_answer(const GstSDPMessage *offer, const GstSDPMessage *answer, GError **error)
{
  guint n = gst_sdp_message_medias_len(offer);
  if (gst_sdp_message_medias_len(answer) != n) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_BAD_SDP,
                "the answer has %u m-lines, the offer has %u",
                gst_sdp_message_medias_len(answer), n);
    return FALSE;
  }
  for (guint i = 0; i < n; i++) {
    const GstSDPMedia *om = gst_sdp_message_get_media(offer, i);
    const GstSDPMedia *am = gst_sdp_message_get_media(answer, i);
    if (g_strcmp0(gst_sdp_media_get_media(om), gst_sdp_media_get_media(am)) != 0) {
      g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_BAD_SDP,
                  "m-line %u is %s in the answer but %s in the offer", i,
                  gst_sdp_media_get_media(am), gst_sdp_media_get_media(om));
      return FALSE;
    }
    if (g_strcmp0(gw_sdp_media_mid(offer, i), gw_sdp_media_mid(answer, i)) != 0) {
      g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_BAD_SDP,
                  "m-line %u has mid \"%s\" in the answer but \"%s\" in the offer", i,
                  gw_sdp_media_mid(answer, i) ? gw_sdp_media_mid(answer, i) : "",
                  gw_sdp_media_mid(offer, i) ? gw_sdp_media_mid(offer, i) : "");
      return FALSE;
    }
    /* A rejected m-line (port 0) carries no usable formats; nothing more to check. */
    if (gst_sdp_media_get_port(am) == 0)
      continue;
    gboolean any = FALSE;
    for (guint f = 0; f < gst_sdp_media_formats_len(am) && !any; f++) {
      guint64 pt;
      if (g_ascii_string_to_unsigned(gst_sdp_media_get_format(am, f), 10, 0, 127, &pt, NULL) &&
          gw_sdp_media_has_payload(offer, i, (guint)pt))
        any = TRUE;
    }
    if (!any) {
      g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_BAD_SDP,
                  "m-line %u of the answer keeps none of the offered payload types", i);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
gw_sdp_set_video_bitrate(GstSDPMessage *sdp, guint index, guint pt, guint start_kbps,
                         guint max_kbps)
{
  if (!gw_sdp_media_has_payload(sdp, index, pt))
    return FALSE;
  GstSDPMedia *media = (GstSDPMedia *)gst_sdp_message_get_media(sdp, index);
  g_autofree char *prefix = g_strdup_printf("%u ", pt);
  g_autofree char *params = g_strdup_printf("x-google-start-bitrate=%u;x-google-max-bitrate=%u",
                                            MIN(start_kbps, max_kbps), max_kbps);
  for (guint i = 0; i < gst_sdp_media_attributes_len(media); i++) {
    const GstSDPAttribute *attr = gst_sdp_media_get_attribute(media, i);
    if (g_strcmp0(attr->key, "fmtp") == 0 && attr->value && g_str_has_prefix(attr->value, prefix)) {
      GstSDPAttribute replaced;
      g_autofree char *value = g_strdup_printf("%s;%s", attr->value, params);
      gst_sdp_attribute_set(&replaced, "fmtp", value);
      return gst_sdp_media_replace_attribute(media, i, &replaced) == GST_SDP_OK;
    }
  }
  g_autofree char *value = g_strdup_printf("%u %s", pt, params);
  return gst_sdp_media_add_attribute(media, "fmtp", value) == GST_SDP_OK;
}
