/* SPDX-License-Identifier: Apache-2.0 */
/* The native participant's offers and the reading of browsers' answers, on GstSDPMessage. */
#include "webrtc/sdp-offer.h"

#include <gst/sdp/sdp.h>
#include <string.h>

#include "webrtc/sdp-edit.h"

#define PROTO "UDP/TLS/RTP/SAVPF"
#define MAX_MID_LENGTH 32
#define MAX_MSID_LENGTH 64 /* RFC 8830 */
#define MAX_CNAME_LENGTH 255
#define MIN_UFRAG 4 /* RFC 8839 */
#define MIN_PWD 22
#define MAX_ICE_CREDENTIAL 256

typedef struct {
  const char *media;
  const char *rtpmap; /* encoding/clock[/channels], compared without case */
  const char *fmtp;   /* (nullable) */
  gboolean video;     /* video gets RTX on pt + 1 and the full feedback set */
} CodecInfo;

static const CodecInfo codecs[] = {
    [GW_SDP_CODEC_OPUS] = {"audio", "opus/48000/2", "minptime=10;useinbandfec=1", FALSE},
    [GW_SDP_CODEC_VP8] = {"video", "VP8/90000", NULL, TRUE},
    [GW_SDP_CODEC_H264] = {"video", "H264/90000",
                           "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
                           TRUE},
};

/* How the gateway offers each GwSdpDirection, and how the browser answers it. */
static const char *const offered[] = {
    [GW_SDP_GATEWAY_RECEIVES] = "recvonly",
    [GW_SDP_GATEWAY_SENDS] = "sendonly",
    [GW_SDP_INACTIVE] = "inactive",
};
static const char *const answered[] = {
    [GW_SDP_GATEWAY_RECEIVES] = "sendonly",
    [GW_SDP_GATEWAY_SENDS] = "recvonly",
    [GW_SDP_INACTIVE] = "inactive",
};

/* What Chrome offers for video itself; audio only takes transport-cc. */
static const char *const video_feedback[] = {"nack", "nack pli", "ccm fir", "goog-remb",
                                             "transport-cc"};

static const struct {
  const char *name;
  guint bytes;
} fingerprint_hashes[] = {
    {"sha-1", 20}, {"sha-224", 28}, {"sha-256", 32}, {"sha-384", 48}, {"sha-512", 64},
};

/* ---- checks on strings that end up in SDP lines ---- */

/* RFC 4566 token-char: visible ASCII but for a few separators. */
static gboolean
is_token(const char *s, gsize max_length)
{
  if (s == NULL || s[0] == '\0' || strnlen(s, max_length + 1) > max_length)
    return FALSE;
  for (const char *c = s; *c; c++) {
    if (*c <= 0x20 || *c >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", *c) != NULL)
      return FALSE;
  }
  return TRUE;
}

/* Visible ASCII, and with @spaces also SP: never CR, LF or NUL, which would end the line. */
static gboolean
is_printable(const char *s, gsize min_length, gsize max_length, gboolean spaces)
{
  if (s == NULL)
    return FALSE;
  gsize length = strnlen(s, max_length + 1);
  if (length < min_length || length > max_length)
    return FALSE;
  for (const char *c = s; *c; c++) {
    if (*c >= 0x7f || *c < 0x20 || (*c == ' ' && !spaces))
      return FALSE;
  }
  return TRUE;
}

/* RFC 8839 ice-char: ALPHA / DIGIT / "+" / "/". */
static gboolean
is_ice_credential(const char *s, gsize min_length)
{
  if (!is_printable(s, min_length, MAX_ICE_CREDENTIAL, FALSE))
    return FALSE;
  for (const char *c = s; *c; c++) {
    if (!g_ascii_isalnum(*c) && *c != '+' && *c != '/')
      return FALSE;
  }
  return TRUE;
}

/* RFC 8122: "<hash-func> XX:XX:...", as many bytes as the hash has. */
static gboolean
is_fingerprint(const char *s)
{
  if (!is_printable(s, 1, 256, TRUE))
    return FALSE;
  const char *space = strchr(s, ' ');
  if (space == NULL)
    return FALSE;
  guint bytes = 0;
  for (gsize i = 0; i < G_N_ELEMENTS(fingerprint_hashes); i++) {
    if ((gsize)(space - s) == strlen(fingerprint_hashes[i].name) &&
        g_ascii_strncasecmp(s, fingerprint_hashes[i].name, (gsize)(space - s)) == 0)
      bytes = fingerprint_hashes[i].bytes;
  }
  const char *hex = space + 1;
  if (bytes == 0 || strlen(hex) != bytes * 3 - 1)
    return FALSE;
  for (guint i = 0; i < bytes; i++) {
    const char *pair = hex + i * 3;
    if (!g_ascii_isxdigit(pair[0]) || !g_ascii_isxdigit(pair[1]) ||
        (i + 1 < bytes && pair[2] != ':'))
      return FALSE;
  }
  return TRUE;
}

static gboolean
is_candidate(const char *s)
{
  return is_printable(s, strlen("candidate:") + 1, GW_SDP_MAX_CANDIDATE_LENGTH, TRUE) &&
         g_str_has_prefix(s, "candidate:");
}

/* ---- the offer ---- */

static gboolean bad_offer(GError **error, gint code, const char *format, ...) G_GNUC_PRINTF(3, 4);

static gboolean
bad_offer(GError **error, gint code, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  g_autofree char *message = g_strdup_vprintf(format, args);
  va_end(args);
  g_set_error(error, GW_MEDIA_ERROR, code, "the offer: %s", message);
  return FALSE;
}

/* Whether @pt is already used by a slot before @index (as its own or its RTX payload type). */
static gboolean
pt_taken(const GwSdpOffer *offer, guint index, guint pt)
{
  for (guint j = 0; j < index; j++) {
    const GwSdpSlot *other = &offer->slots[j];
    if (other->pt == pt || (codecs[other->codec].video && other->pt + 1 == pt))
      return TRUE;
  }
  return FALSE;
}

static gboolean
ssrc_taken(const GwSdpOffer *offer, guint index, guint32 ssrc)
{
  for (guint j = 0; j < index; j++) {
    const GwSdpSlot *other = &offer->slots[j];
    if (other->direction == GW_SDP_GATEWAY_SENDS && !other->stopped &&
        (other->ssrc == ssrc || (codecs[other->codec].video && other->rtx_ssrc == ssrc)))
      return TRUE;
  }
  return FALSE;
}

static gboolean
check_slot(const GwSdpOffer *offer, guint i, GError **error)
{
  const GwSdpSlot *slot = &offer->slots[i];
  if (!is_token(slot->mid, MAX_MID_LENGTH))
    return bad_offer(error, GW_MEDIA_ERROR_INTERNAL,
                     "slot %u has no mid or one that is not a token of at most %d characters", i,
                     MAX_MID_LENGTH);
  for (guint j = 0; j < i; j++) {
    if (g_str_equal(offer->slots[j].mid, slot->mid))
      return bad_offer(error, GW_MEDIA_ERROR_INTERNAL, "slots %u and %u share mid \"%s\"", j, i,
                       slot->mid);
  }
  if ((guint)slot->codec >= G_N_ELEMENTS(codecs) || (guint)slot->direction > GW_SDP_INACTIVE)
    return bad_offer(error, GW_MEDIA_ERROR_INTERNAL,
                     "slot %u (mid %s) has no such codec or direction", i, slot->mid);
  gboolean video = codecs[slot->codec].video;
  if (slot->pt < 96 || slot->pt > (video ? 126u : 127u))
    return bad_offer(error, GW_MEDIA_ERROR_INTERNAL,
                     "slot %u (mid %s): payload type %u is outside 96..%u", i, slot->mid, slot->pt,
                     video ? 126u : 127u);
  if (pt_taken(offer, i, slot->pt) || (video && pt_taken(offer, i, slot->pt + 1)))
    return bad_offer(error, GW_MEDIA_ERROR_INTERNAL,
                     "slot %u (mid %s): payload type %u%s is taken by an earlier slot", i,
                     slot->mid, slot->pt, video ? " or its RTX" : "");
  if (!video && (slot->start_kbps != 0 || slot->max_kbps != 0))
    return bad_offer(error, GW_MEDIA_ERROR_INTERNAL, "slot %u (mid %s): bitrates are for video", i,
                     slot->mid);
  if ((slot->start_kbps == 0) != (slot->max_kbps == 0))
    return bad_offer(error, GW_MEDIA_ERROR_INTERNAL,
                     "slot %u (mid %s): give both bitrates or neither", i, slot->mid);
  if (slot->direction != GW_SDP_GATEWAY_SENDS || slot->stopped)
    return TRUE;
  if (slot->ssrc == 0 || (video && (slot->rtx_ssrc == 0 || slot->rtx_ssrc == slot->ssrc)) ||
      ssrc_taken(offer, i, slot->ssrc) || (video && ssrc_taken(offer, i, slot->rtx_ssrc)))
    return bad_offer(error, GW_MEDIA_ERROR_INTERNAL,
                     "slot %u (mid %s) sends without distinct, non-zero SSRCs of its own", i,
                     slot->mid);
  if (!is_token(slot->msid_stream, MAX_MSID_LENGTH) || !is_token(slot->msid_track, MAX_MSID_LENGTH))
    return bad_offer(
        error, GW_MEDIA_ERROR_INTERNAL,
        "slot %u (mid %s) sends without a stream and track id (tokens of at most %d characters)", i,
        slot->mid, MAX_MSID_LENGTH);
  return TRUE;
}

static gboolean
check_offer(const GwSdpOffer *offer, GError **error)
{
  if (offer->n_slots == 0 || offer->slots == NULL)
    return bad_offer(error, GW_MEDIA_ERROR_INTERNAL, "no slots");
  if (offer->n_slots > GW_SDP_MAX_MLINES)
    return bad_offer(error, GW_MEDIA_ERROR_LIMIT, "%u slots, past the limit of %d", offer->n_slots,
                     GW_SDP_MAX_MLINES);
  if (offer->n_candidates > GW_SDP_MAX_CANDIDATES)
    return bad_offer(error, GW_MEDIA_ERROR_LIMIT, "%u candidates, past the limit of %d",
                     offer->n_candidates, GW_SDP_MAX_CANDIDATES);
  if (!is_ice_credential(offer->ice_ufrag, MIN_UFRAG) ||
      !is_ice_credential(offer->ice_pwd, MIN_PWD))
    return bad_offer(error, GW_MEDIA_ERROR_INTERNAL,
                     "the ICE ufrag or pwd is not %d..%d or %d..%d ice-chars", MIN_UFRAG,
                     MAX_ICE_CREDENTIAL, MIN_PWD, MAX_ICE_CREDENTIAL);
  if (!is_fingerprint(offer->fingerprint))
    return bad_offer(error, GW_MEDIA_ERROR_INTERNAL, "the fingerprint is not \"sha-256 AB:...\"");
  if (!is_printable(offer->cname, 1, MAX_CNAME_LENGTH, FALSE))
    return bad_offer(error, GW_MEDIA_ERROR_INTERNAL, "the CNAME is empty or not printable");
  if (offer->session_id > G_MAXINT64)
    return bad_offer(error, GW_MEDIA_ERROR_INTERNAL, "the session id is 2^63 or more");
  for (guint i = 0; i < offer->n_candidates; i++) {
    if (offer->candidates == NULL || !is_candidate(offer->candidates[i]))
      return bad_offer(
          error, GW_MEDIA_ERROR_INTERNAL,
          "candidate %u is not one printable \"candidate:...\" line of at most %d characters", i,
          GW_SDP_MAX_CANDIDATE_LENGTH);
  }
  gboolean any_live = FALSE;
  for (guint i = 0; i < offer->n_slots; i++) {
    if (!check_slot(offer, i, error))
      return FALSE;
    any_live |= !offer->slots[i].stopped;
  }
  if (!any_live)
    return bad_offer(error, GW_MEDIA_ERROR_INTERNAL, "every slot is stopped");
  return TRUE;
}

static void add_attribute_printf(GstSDPMedia *media, const char *key, const char *format, ...)
    G_GNUC_PRINTF(3, 4);

static void
add_attribute_printf(GstSDPMedia *media, const char *key, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  g_autofree char *value = g_strdup_vprintf(format, args);
  va_end(args);
  gst_sdp_media_add_attribute(media, key, value);
}

/* a=ssrc lines for what the gateway sends, so the browser maps its SSRCs (and RTX) to the
 * m-line before RTP arrives (the offer has no mid header extension to do it). */
static void
add_ssrc_attributes(GstSDPMedia *media, const GwSdpOffer *offer, const GwSdpSlot *slot)
{
  if (codecs[slot->codec].video)
    add_attribute_printf(media, "ssrc-group", "FID %u %u", slot->ssrc, slot->rtx_ssrc);
  add_attribute_printf(media, "ssrc", "%u cname:%s", slot->ssrc, offer->cname);
  if (codecs[slot->codec].video)
    add_attribute_printf(media, "ssrc", "%u cname:%s", slot->rtx_ssrc, offer->cname);
}

static void
add_codec_attributes(GstSDPMedia *media, const GwSdpSlot *slot)
{
  const CodecInfo *codec = &codecs[slot->codec];
  add_attribute_printf(media, "rtpmap", "%u %s", slot->pt, codec->rtpmap);
  if (codec->video) {
    for (gsize f = 0; f < G_N_ELEMENTS(video_feedback); f++)
      add_attribute_printf(media, "rtcp-fb", "%u %s", slot->pt, video_feedback[f]);
  } else {
    add_attribute_printf(media, "rtcp-fb", "%u transport-cc", slot->pt);
  }
  if (codec->fmtp)
    add_attribute_printf(media, "fmtp", "%u %s", slot->pt, codec->fmtp);
  if (codec->video) {
    add_attribute_printf(media, "rtpmap", "%u rtx/90000", slot->pt + 1);
    add_attribute_printf(media, "fmtp", "%u apt=%u", slot->pt + 1, slot->pt);
  }
}

/* One m-line, in the order Chrome writes its own: transport, mid, extensions, direction,
 * msid, RTCP, codecs, SSRCs, then the candidates on the BUNDLE tag. */
static void
add_media(GstSDPMessage *sdp, const GwSdpOffer *offer, guint index, gboolean bundle_tag)
{
  const GwSdpSlot *slot = &offer->slots[index];
  GstSDPMedia media = {0}; /* gst_sdp_media_init frees what it finds */
  gst_sdp_media_init(&media);
  gst_sdp_media_set_media(&media, codecs[slot->codec].media);
  gst_sdp_media_set_port_info(&media, slot->stopped ? 0 : 9, 0);
  gst_sdp_media_set_proto(&media, PROTO);
  g_autofree char *pt = g_strdup_printf("%u", slot->pt);
  gst_sdp_media_add_format(&media, pt);
  if (codecs[slot->codec].video) {
    g_autofree char *rtx = g_strdup_printf("%u", slot->pt + 1);
    gst_sdp_media_add_format(&media, rtx);
  }
  gst_sdp_media_add_connection(&media, "IN", "IP4", "0.0.0.0", 0, 0);
  gst_sdp_media_add_attribute(&media, "ice-ufrag", offer->ice_ufrag);
  gst_sdp_media_add_attribute(&media, "ice-pwd", offer->ice_pwd);
  gst_sdp_media_add_attribute(&media, "fingerprint", offer->fingerprint);
  gst_sdp_media_add_attribute(&media, "setup", "actpass");
  gst_sdp_media_add_attribute(&media, "mid", slot->mid);
  add_attribute_printf(&media, "extmap", "%d %s", GW_SDP_TWCC_ID, GW_SDP_TWCC_URI);
  gst_sdp_media_add_attribute(&media, offered[slot->stopped ? GW_SDP_INACTIVE : slot->direction],
                              "");
  gboolean sends = slot->direction == GW_SDP_GATEWAY_SENDS && !slot->stopped;
  /* Which stream and track the browser shows this m-line's media as. */
  if (sends)
    add_attribute_printf(&media, "msid", "%s %s", slot->msid_stream, slot->msid_track);
  gst_sdp_media_add_attribute(&media, "rtcp-mux", "");
  gst_sdp_media_add_attribute(&media, "rtcp-mux-only", ""); /* RFC 8858: no RTCP port of its own */
  gst_sdp_media_add_attribute(&media, "rtcp-rsize", "");
  add_codec_attributes(&media, slot);
  if (sends)
    add_ssrc_attributes(&media, offer, slot);
  if (bundle_tag) {
    for (guint c = 0; c < offer->n_candidates; c++)
      gst_sdp_media_add_attribute(&media, "candidate", offer->candidates[c] + strlen("candidate:"));
    if (offer->end_of_candidates)
      gst_sdp_media_add_attribute(&media, "end-of-candidates", "");
  }
  gst_sdp_message_add_media(sdp, &media); /* takes the contents */
}

/* The offer as a message: written out by gw_sdp_offer_write, compared with answers. */
static GstSDPMessage *
build_offer(const GwSdpOffer *offer, GError **error)
{
  g_return_val_if_fail(offer != NULL, NULL);
  if (!check_offer(offer, error))
    return NULL;

  g_autoptr(GstSDPMessage) sdp = NULL;
  gst_sdp_message_new(&sdp);
  gst_sdp_message_set_version(sdp, "0");
  g_autofree char *id = g_strdup_printf("%" G_GUINT64_FORMAT, offer->session_id);
  g_autofree char *version = g_strdup_printf("%" G_GUINT64_FORMAT, offer->session_version);
  gst_sdp_message_set_origin(sdp, "-", id, version, "IN", "IP4", "0.0.0.0");
  gst_sdp_message_set_session_name(sdp, "-");
  gst_sdp_message_add_time(sdp, "0", "0", NULL);
  gst_sdp_message_add_attribute(sdp, "ice-options", "trickle");

  g_autoptr(GString) bundle = g_string_new("BUNDLE");
  for (guint i = 0; i < offer->n_slots; i++) {
    if (!offer->slots[i].stopped)
      g_string_append_printf(bundle, " %s", offer->slots[i].mid);
  }
  gst_sdp_message_add_attribute(sdp, "group", bundle->str);
  /* No a=msid-semantic: Chrome takes stream ids from a=msid in the m-line, and the session
   * attribute is only a Plan B leftover there. */

  gboolean tagged = FALSE;
  for (guint i = 0; i < offer->n_slots; i++) {
    const GwSdpSlot *slot = &offer->slots[i];
    add_media(sdp, offer, i, !slot->stopped && !tagged);
    tagged |= !slot->stopped;
    if (slot->max_kbps > 0 &&
        !gw_sdp_set_video_bitrate(sdp, i, slot->pt, slot->start_kbps, slot->max_kbps))
      g_assert_not_reached(); /* the m-line was just written with that payload type */
  }
  return g_steal_pointer(&sdp);
}

char *
gw_sdp_offer_write(const GwSdpOffer *offer, GError **error)
{
  g_autoptr(GstSDPMessage) sdp = build_offer(offer, error);
  if (sdp == NULL)
    return NULL;
  return gst_sdp_message_as_text(sdp);
}

/* ---- the answer ---- */

/* What the peer wrote, for an error message: messages may end up in logs and in the reply
 * to the peer, so at most QUOTE_LENGTH characters of printable ASCII ('?' for the rest). */
#define QUOTE_LENGTH 24
typedef struct {
  char text[QUOTE_LENGTH + 4];
} Quote;

static Quote
quote(const char *s)
{
  Quote q = {{0}};
  gsize n = 0;
  for (; s && s[n] && n < QUOTE_LENGTH; n++)
    q.text[n] = s[n] >= 0x20 && s[n] < 0x7f ? s[n] : '?';
  if (s && s[n])
    memcpy(q.text + n, "...", 3);
  return q;
}

static gboolean bad_media(GError **error, gint code, guint index, const char *mid,
                          const char *format, ...) G_GNUC_PRINTF(5, 6);

static gboolean
bad_media(GError **error, gint code, guint index, const char *mid, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  g_autofree char *message = g_strdup_vprintf(format, args);
  va_end(args);
  g_set_error(error, GW_MEDIA_ERROR, code, "m-line %u (mid %s) of the answer: %s", index, mid,
              message);
  return FALSE;
}

/* Parses a whole decimal field of @s up to a space (or the end) into @out; advances @s. */
static gboolean
read_number(const char **s, guint64 max, guint64 *out)
{
  const char *end = strchr(*s, ' ');
  gsize length = end ? (gsize)(end - *s) : strlen(*s);
  if (length == 0 || length > 20)
    return FALSE;
  char digits[21];
  memcpy(digits, *s, length);
  digits[length] = '\0';
  if (!g_ascii_string_to_unsigned(digits, 10, 0, max, out, NULL))
    return FALSE;
  *s += length;
  if (**s == ' ')
    (*s)++;
  return TRUE;
}

/* Exactly one direction attribute; sendrecv (also what none means, RFC 4566) never fits
 * the gateway's one-way offers. */
static gboolean
read_direction(const GstSDPMedia *media, GwSdpDirection *out)
{
  guint found = 0;
  for (guint a = 0; a < gst_sdp_media_attributes_len(media); a++) {
    const char *key = gst_sdp_media_get_attribute(media, a)->key;
    for (guint d = 0; d < G_N_ELEMENTS(answered); d++) {
      if (g_str_equal(key, answered[d])) {
        *out = (GwSdpDirection)d;
        found++;
      }
    }
  }
  return found == 1;
}

/* Every listed payload type must be the slot's own or its RTX; the slot's own must be kept. */
static gboolean
read_payload_types(const GwSdpSlot *slot, guint index, const GstSDPMedia *media,
                   GwSdpAnswerMedia *out, GError **error)
{
  gboolean video = codecs[slot->codec].video;
  for (guint f = 0; f < gst_sdp_media_formats_len(media); f++) {
    guint64 pt;
    if (!g_ascii_string_to_unsigned(gst_sdp_media_get_format(media, f), 10, 0, 127, &pt, NULL))
      return bad_media(error, GW_MEDIA_ERROR_BAD_SDP, index, slot->mid,
                       "\"%s\" is not a payload type",
                       quote(gst_sdp_media_get_format(media, f)).text);
    if (pt == slot->pt)
      out->pt = slot->pt;
    else if (video && pt == slot->pt + 1)
      out->rtx_pt = slot->pt + 1;
    else
      return bad_media(error, GW_MEDIA_ERROR_BAD_SDP, index, slot->mid,
                       "payload type %u was not offered on it", (guint)pt);
  }
  if (out->pt == 0)
    return bad_media(error, GW_MEDIA_ERROR_BAD_SDP, index, slot->mid,
                     "it drops payload type %u (%s)", slot->pt, codecs[slot->codec].rtpmap);

  /* An answer may not rename what a payload type carries. */
  for (guint a = 0; a < gst_sdp_media_attributes_len(media); a++) {
    const GstSDPAttribute *attr = gst_sdp_media_get_attribute(media, a);
    const char *rest = attr->value;
    guint64 pt;
    if (!g_str_equal(attr->key, "rtpmap") || rest == NULL || !read_number(&rest, 127, &pt))
      continue;
    const char *want = pt == slot->pt                  ? codecs[slot->codec].rtpmap
                       : (video && pt == slot->pt + 1) ? "rtx/90000"
                                                       : NULL;
    /* Channels are optional for one-channel codecs only, but Chrome always writes Opus's. */
    if (want && g_ascii_strcasecmp(rest, want) != 0)
      return bad_media(error, GW_MEDIA_ERROR_BAD_SDP, index, slot->mid,
                       "payload type %u is \"%s\", the offer made it \"%s\"", (guint)pt,
                       quote(rest).text, want);
  }
  return TRUE;
}

/* RTCP feedback and the transport-cc extension the browser kept. */
static gboolean
read_feedback(const GwSdpSlot *slot, guint index, const GstSDPMedia *media, GwSdpAnswerMedia *out,
              GError **error)
{
  static const struct {
    const char *value;
    GwSdpFeedback flag;
  } kinds[] = {{"nack", GW_SDP_FB_NACK},
               {"nack pli", GW_SDP_FB_PLI},
               {"ccm fir", GW_SDP_FB_FIR},
               {"goog-remb", GW_SDP_FB_REMB},
               {"transport-cc", GW_SDP_FB_TWCC}};
  g_autofree char *own = g_strdup_printf("%u ", slot->pt);
  for (guint a = 0; a < gst_sdp_media_attributes_len(media); a++) {
    const GstSDPAttribute *attr = gst_sdp_media_get_attribute(media, a);
    if (attr->value == NULL)
      continue;
    if (g_str_equal(attr->key, "rtcp-fb")) {
      const char *rest = g_str_has_prefix(attr->value, own)    ? attr->value + strlen(own)
                         : g_str_has_prefix(attr->value, "* ") ? attr->value + 2
                                                               : NULL;
      for (gsize k = 0; rest && k < G_N_ELEMENTS(kinds); k++) {
        if (g_str_equal(rest, kinds[k].value))
          out->feedback |= kinds[k].flag;
      }
      continue;
    }
    /* a=extmap:<id>[/<direction>] <uri> [<attributes>] */
    const char *space = strchr(attr->value, ' ');
    if (!g_str_equal(attr->key, "extmap") || space == NULL ||
        !g_str_has_prefix(space + 1, GW_SDP_TWCC_URI) ||
        (space[1 + strlen(GW_SDP_TWCC_URI)] != '\0' && space[1 + strlen(GW_SDP_TWCC_URI)] != ' '))
      continue;
    g_autofree char *id_text = g_strndup(attr->value, strcspn(attr->value, "/ "));
    guint64 id;
    /* One-byte headers only: the offer has no a=extmap-allow-mixed, and 15 is reserved. */
    if (!g_ascii_string_to_unsigned(id_text, 10, 1, 14, &id, NULL) || out->twcc_id != 0)
      return bad_media(error, GW_MEDIA_ERROR_BAD_SDP, index, slot->mid,
                       "transport-cc is mapped twice or to an id outside 1..14 (\"%s\")",
                       quote(attr->value).text);
    out->twcc_id = (guint)id;
  }
  return TRUE;
}

/* a=ssrc and a=ssrc-group:FID: which SSRCs the browser sends on this m-line. */
static gboolean
read_ssrcs(const GwSdpSlot *slot, guint index, const GstSDPMedia *media, GwSdpAnswerMedia *out,
           GError **error)
{
  guint lines = 0;
  const char *fid = NULL;
  for (guint a = 0; a < gst_sdp_media_attributes_len(media); a++) {
    const GstSDPAttribute *attr = gst_sdp_media_get_attribute(media, a);
    if (g_str_equal(attr->key, "ssrc-group") && attr->value &&
        g_str_has_prefix(attr->value, "FID ")) {
      if (fid != NULL)
        return bad_media(error, GW_MEDIA_ERROR_BAD_SDP, index, slot->mid,
                         "more than one a=ssrc-group:FID");
      fid = attr->value + strlen("FID ");
      continue;
    }
    if (!g_str_equal(attr->key, "ssrc"))
      continue;
    if (++lines > GW_SDP_MAX_SSRC_LINES)
      return bad_media(error, GW_MEDIA_ERROR_LIMIT, index, slot->mid, "more than %d a=ssrc lines",
                       GW_SDP_MAX_SSRC_LINES);
    const char *rest = attr->value ? attr->value : "";
    guint64 ssrc;
    if (!read_number(&rest, G_MAXUINT32, &ssrc))
      return bad_media(error, GW_MEDIA_ERROR_BAD_SDP, index, slot->mid,
                       "a=ssrc:%s does not start with an SSRC", quote(attr->value).text);
    gboolean known = FALSE;
    for (guint s = 0; s < out->n_ssrcs; s++)
      known |= out->ssrcs[s] == ssrc;
    if (!known)
      out->ssrcs[out->n_ssrcs++] = (guint32)ssrc;
  }
  if (fid == NULL) {
    out->ssrc = out->n_ssrcs > 0 ? out->ssrcs[0] : 0;
    return TRUE;
  }
  guint64 pair[2];
  const char *rest = fid;
  if (!read_number(&rest, G_MAXUINT32, &pair[0]) || !read_number(&rest, G_MAXUINT32, &pair[1]) ||
      *rest != '\0' || pair[0] == pair[1])
    return bad_media(error, GW_MEDIA_ERROR_BAD_SDP, index, slot->mid,
                     "a=ssrc-group:FID %s is not two distinct SSRCs", quote(fid).text);
  for (guint p = 0; p < 2; p++) {
    gboolean known = FALSE;
    for (guint s = 0; s < out->n_ssrcs; s++)
      known |= out->ssrcs[s] == pair[p];
    /* RFC 5576: a group names SSRCs the m-line describes. webrtcbin 1.22 writes
     * "FID 0 <rtx>" before media flowed: such a group says nothing we can use, so neither
     * SSRC is taken from the m-line (the gateway takes the first that comes). */
    if (!known || pair[p] == 0) {
      out->ssrc = out->rtx_ssrc = 0;
      return TRUE;
    }
  }
  out->ssrc = (guint32)pair[0];
  out->rtx_ssrc = (guint32)pair[1];
  return TRUE;
}

static gboolean
read_media(const GwSdpSlot *slot, guint index, const GstSDPMedia *media, GwSdpAnswerMedia *out,
           GError **error)
{
  if (gst_sdp_media_get_port(media) == 0) {
    out->rejected = TRUE;
    out->direction = GW_SDP_INACTIVE;
    return TRUE;
  }
  if (slot->stopped)
    return bad_media(error, GW_MEDIA_ERROR_BAD_SDP, index, slot->mid,
                     "the offer stopped it (port 0) but the answer accepts it");
  if (g_strcmp0(gst_sdp_media_get_proto(media), PROTO) != 0)
    return bad_media(error, GW_MEDIA_ERROR_BAD_SDP, index, slot->mid,
                     "the profile is \"%s\", not " PROTO, gst_sdp_media_get_proto(media));
  if (!read_direction(media, &out->direction) ||
      (out->direction != slot->direction && out->direction != GW_SDP_INACTIVE))
    return bad_media(error, GW_MEDIA_ERROR_BAD_SDP, index, slot->mid,
                     "the direction does not fit the offer's %s (the answer must say %s or "
                     "inactive, once)",
                     offered[slot->direction], answered[slot->direction]);
  return read_payload_types(slot, index, media, out, error) &&
         read_feedback(slot, index, media, out, error) &&
         read_ssrcs(slot, index, media, out, error);
}

/* RTP on one transport is told apart by SSRC, so no SSRC may belong to two m-lines. */
static gboolean
check_ssrcs_unique(const GwSdpOffer *offer, const GwSdpAnswer *answer, GError **error)
{
  for (guint i = 0; i < answer->n_media; i++) {
    for (guint s = 0; s < answer->media[i].n_ssrcs; s++) {
      for (guint j = 0; j < i; j++) {
        for (guint t = 0; t < answer->media[j].n_ssrcs; t++) {
          if (answer->media[j].ssrcs[t] == answer->media[i].ssrcs[s])
            return bad_media(error, GW_MEDIA_ERROR_BAD_SDP, i, offer->slots[i].mid,
                             "SSRC %u is m-line %u's too", answer->media[i].ssrcs[s], j);
        }
      }
    }
  }
  return TRUE;
}

/* The gateway only does BUNDLE: one group must hold every accepted m-line. */
static gboolean
check_bundle(const GwSdpOffer *offer, const GstSDPMessage *sdp, const GwSdpAnswer *answer,
             guint first, GError **error)
{
  g_auto(GStrv) members = NULL;
  for (guint a = 0; a < gst_sdp_message_attributes_len(sdp) && members == NULL; a++) {
    const GstSDPAttribute *attr = gst_sdp_message_get_attribute(sdp, a);
    if (!g_str_equal(attr->key, "group") || attr->value == NULL ||
        !g_str_has_prefix(attr->value, "BUNDLE "))
      continue;
    g_auto(GStrv) group = g_strsplit(attr->value + strlen("BUNDLE "), " ", -1);
    if (g_strv_contains((const char *const *)group, offer->slots[first].mid))
      members = g_steal_pointer(&group);
  }
  for (guint i = first; i < answer->n_media; i++) {
    if (answer->media[i].rejected)
      continue;
    if (members == NULL)
      return bad_media(error, GW_MEDIA_ERROR_BAD_SDP, i, offer->slots[i].mid,
                       "no BUNDLE group holds it; the gateway only does BUNDLE");
    if (!g_strv_contains((const char *const *)members, offer->slots[i].mid))
      return bad_media(error, GW_MEDIA_ERROR_BAD_SDP, i, offer->slots[i].mid,
                       "it is not in mid %s's BUNDLE group; the gateway only does one",
                       offer->slots[first].mid);
  }
  return TRUE;
}

/* @key of m-line @index, or of the session when the m-line does not say. */
static const char *
transport_attribute(const GstSDPMessage *sdp, guint index, const char *key)
{
  const char *value = gst_sdp_media_get_attribute_val(gst_sdp_message_get_media(sdp, index), key);
  return value ? value : gst_sdp_message_get_attribute_val(sdp, key);
}

/* ICE credentials, fingerprint and DTLS role of the BUNDLE transport: from the first
 * accepted m-line (or the session). Every accepted m-line that repeats one must agree; so
 * only one fingerprint is taken, though RFC 8122 allows several (no browser sends them). */
static gboolean
read_transport(const GwSdpOffer *offer, const GstSDPMessage *sdp, guint first, GwSdpAnswer *out,
               GError **error)
{
  static const char *const keys[] = {"ice-ufrag", "ice-pwd", "fingerprint", "setup"};
  const char *mid = offer->slots[first].mid;
  const char *values[G_N_ELEMENTS(keys)];
  for (gsize k = 0; k < G_N_ELEMENTS(keys); k++) {
    values[k] = transport_attribute(sdp, first, keys[k]);
    if (values[k] == NULL)
      return bad_media(error, GW_MEDIA_ERROR_BAD_SDP, first, mid, "no a=%s in it or in the session",
                       keys[k]);
  }
  if (!is_ice_credential(values[0], MIN_UFRAG))
    return bad_media(error, GW_MEDIA_ERROR_BAD_SDP, first, mid,
                     "the ice-ufrag is not %d..%d ice-chars", MIN_UFRAG, MAX_ICE_CREDENTIAL);
  if (!is_ice_credential(values[1], MIN_PWD))
    return bad_media(error, GW_MEDIA_ERROR_BAD_SDP, first, mid,
                     "the ice-pwd is not %d..%d ice-chars", MIN_PWD, MAX_ICE_CREDENTIAL);
  if (!is_fingerprint(values[2]))
    return bad_media(error, GW_MEDIA_ERROR_BAD_SDP, first, mid,
                     "the fingerprint is not \"<sha-1|sha-2 hash> XX:XX:...\"");
  if (g_str_equal(values[3], "active"))
    out->dtls_role = GW_SDP_DTLS_SERVER;
  else if (g_str_equal(values[3], "passive"))
    out->dtls_role = GW_SDP_DTLS_CLIENT;
  else
    return bad_media(error, GW_MEDIA_ERROR_BAD_SDP, first, mid,
                     "a=setup:%s; an answer must choose active or passive", quote(values[3]).text);

  for (guint i = first; i < out->n_media; i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media(sdp, i);
    for (guint a = 0; a < gst_sdp_media_attributes_len(media) && !out->media[i].rejected; a++) {
      const GstSDPAttribute *attr = gst_sdp_media_get_attribute(media, a);
      for (gsize k = 0; k < G_N_ELEMENTS(keys); k++) {
        if (g_str_equal(attr->key, keys[k]) && g_strcmp0(attr->value, values[k]) != 0)
          return bad_media(error, GW_MEDIA_ERROR_BAD_SDP, i, offer->slots[i].mid,
                           "a second, different a=%s on the BUNDLE transport", keys[k]);
      }
    }
  }
  out->ice_ufrag = g_strdup(values[0]);
  out->ice_pwd = g_strdup(values[1]);
  out->fingerprint = g_strdup(values[2]);
  return TRUE;
}

static gboolean
read_candidates(const GwSdpOffer *offer, const GstSDPMessage *sdp, GwSdpAnswer *out, GError **error)
{
  out->end_of_candidates = gst_sdp_message_get_attribute_val(sdp, "end-of-candidates") != NULL;
  for (guint i = 0; i < out->n_media; i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media(sdp, i);
    if (out->media[i].rejected)
      continue;
    for (guint a = 0; a < gst_sdp_media_attributes_len(media); a++) {
      const GstSDPAttribute *attr = gst_sdp_media_get_attribute(media, a);
      if (g_str_equal(attr->key, "end-of-candidates")) {
        out->end_of_candidates = TRUE;
        continue;
      }
      if (!g_str_equal(attr->key, "candidate"))
        continue;
      if (out->n_candidates == GW_SDP_MAX_CANDIDATES)
        return bad_media(error, GW_MEDIA_ERROR_LIMIT, i, offer->slots[i].mid,
                         "more than %d candidates in the answer", GW_SDP_MAX_CANDIDATES);
      g_autofree char *candidate = g_strconcat("candidate:", attr->value, NULL);
      if (!is_candidate(candidate))
        return bad_media(error, GW_MEDIA_ERROR_BAD_SDP, i, offer->slots[i].mid,
                         "a candidate is empty, not printable or over %d characters",
                         GW_SDP_MAX_CANDIDATE_LENGTH);
      out->candidates[out->n_candidates].mline = i;
      out->candidates[out->n_candidates++].candidate = g_steal_pointer(&candidate);
    }
  }
  return TRUE;
}

gboolean
gw_sdp_offer_read_answer(const GwSdpOffer *offer, const char *text, gsize max_length,
                         GwSdpAnswer *out, GError **error)
{
  g_return_val_if_fail(offer != NULL && text != NULL && out != NULL, FALSE);
  memset(out, 0, sizeof *out);

  g_autoptr(GstSDPMessage) offer_sdp = build_offer(offer, error);
  if (offer_sdp == NULL)
    return FALSE;
  g_autoptr(GstSDPMessage) sdp = gw_sdp_parse(text, max_length, error);
  if (sdp == NULL)
    return FALSE;
  if (gst_sdp_message_medias_len(sdp) > GW_SDP_MAX_MLINES) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_LIMIT,
                "the answer has %u m-lines, past the limit of %d", gst_sdp_message_medias_len(sdp),
                GW_SDP_MAX_MLINES);
    return FALSE;
  }
  /* Same m-lines, kinds and mids as the offer, in order. */
  if (!gw_sdp_check_answer(offer_sdp, sdp, error))
    return FALSE;

  g_auto(GwSdpAnswer) answer = {0};
  answer.n_media = offer->n_slots;
  guint first = G_MAXUINT;
  for (guint i = 0; i < answer.n_media; i++) {
    if (!read_media(&offer->slots[i], i, gst_sdp_message_get_media(sdp, i), &answer.media[i],
                    error))
      return FALSE;
    if (!answer.media[i].rejected && first == G_MAXUINT)
      first = i;
  }
  if (first == G_MAXUINT) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_BAD_SDP,
                "the answer rejects every m-line: there is nothing to connect");
    return FALSE;
  }
  if (!check_ssrcs_unique(offer, &answer, error) ||
      !check_bundle(offer, sdp, &answer, first, error) ||
      !read_transport(offer, sdp, first, &answer, error) ||
      !read_candidates(offer, sdp, &answer, error))
    return FALSE;

  *out = answer;
  memset(&answer, 0, sizeof answer); /* @out owns the strings now */
  return TRUE;
}

void
gw_sdp_answer_clear(GwSdpAnswer *answer)
{
  if (answer == NULL)
    return;
  g_free(answer->ice_ufrag);
  g_free(answer->ice_pwd);
  g_free(answer->fingerprint);
  for (guint c = 0; c < answer->n_candidates; c++)
    g_free(answer->candidates[c].candidate);
  memset(answer, 0, sizeof *answer);
}
