/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for the SRTP and SRTCP implementation (webrtc/srtp.c) against the reference, libsrtp 2. */
#include <stdio.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "webrtc/srtp.h"

/* Room for the largest packet (1200 bytes) plus libsrtp's worst-case trailer. */
#define ROOM 1400

G_DEFINE_AUTOPTR_CLEANUP_FUNC(srtp_ctx_t, srtp_dealloc)

typedef struct {
  /* libsrtp reads the header as 32-bit words */
  _Alignas(guint32) guint8 data[ROOM];
  gsize len;
} Packet;

typedef struct {
  GwSrtpProfile profile;
  gsize tag;
} Profile;

static const Profile profile_80 = {GW_SRTP_AES_CM_128_HMAC_SHA1_80, 10};
static const Profile profile_32 = {GW_SRTP_AES_CM_128_HMAC_SHA1_32, 4};

/* RFC 3711 B.2's master key and salt, and one drawn from a fixed seed in main(). */
static const guint8 key_rfc[GW_SRTP_MASTER_LEN] = {
    0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41,
    0x39, 0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6};
static guint8 key_seeded[GW_SRTP_MASTER_LEN];

/* --- RTP packets written by hand --- */

typedef struct {
  guint32 ssrc;
  guint16 seq;
  guint version;
  guint csrcs;        /* 0 .. 15 */
  gboolean extension; /* a one-byte-header (0xBEDE) block of two words */
  gboolean padding;   /* the P bit, with the padding count in the last byte */
  gsize payload;      /* bytes after the header, padding included */
} Shape;

static void
put32(guint8 *p, guint32 value)
{
  p[0] = (guint8)(value >> 24);
  p[1] = (guint8)(value >> 16);
  p[2] = (guint8)(value >> 8);
  p[3] = (guint8)value;
}

/* The payload is the same for the same SSRC and sequence number, so a resend is byte for byte
 * the packet sent first. */
static void
rtp_build(Packet *pkt, const Shape *s)
{
  guint8 *p = pkt->data;
  gsize n = 12;

  g_assert_cmpuint(s->csrcs, <=, 15);
  memset(pkt->data, 0, sizeof pkt->data);
  p[0] = (guint8)(s->version << 6 | (s->padding ? 0x20 : 0) | (s->extension ? 0x10 : 0) | s->csrcs);
  p[1] = (guint8)((s->seq % 7 == 0 ? 0x80 : 0) | 111);
  p[2] = (guint8)(s->seq >> 8);
  p[3] = (guint8)s->seq;
  put32(p + 4, s->seq * 960u + s->ssrc);
  put32(p + 8, s->ssrc);
  for (guint i = 0; i < s->csrcs; i++, n += 4)
    put32(p + n, 0xc0000000u + i);
  if (s->extension) {
    /* ID 1 (one byte), ID 2 (three bytes), two bytes of padding */
    static const guint8 ext[] = {0xbe, 0xde, 0x00, 0x02, 0x10, 0xaa,
                                 0x22, 0x01, 0x02, 0x03, 0x00, 0x00};
    memcpy(p + n, ext, sizeof ext);
    n += sizeof ext;
  }
  g_assert_cmpuint(n + s->payload, <=, 1200);
  g_autoptr(GRand) rand = g_rand_new_with_seed(s->ssrc ^ (s->seq * 2654435761u));
  for (gsize i = 0; i < s->payload; i++)
    p[n + i] = (guint8)g_rand_int(rand);
  if (s->padding) {
    g_assert_cmpuint(s->payload, >, 0);
    gsize pad = MIN(s->payload, 1 + s->seq % 4);
    memset(p + n + s->payload - pad, 0, pad);
    p[n + s->payload - 1] = (guint8)pad;
  }
  pkt->len = n + s->payload;
}

/* The @i-th of a mix of shapes: header only up to 1200 bytes, some with CSRCs, an extension
 * or padding. */
static Shape
shape_nth(guint32 ssrc, guint16 seq, guint i)
{
  static const gsize payloads[] = {0, 1, 15, 16, 17, 100, 160, 333, 1000};
  Shape s = {.ssrc = ssrc, .seq = seq, .version = 2};

  s.csrcs = i % 5 == 1 ? 1 + i % 15 : 0;
  s.extension = i % 3 == 2;
  s.padding = i % 4 == 3;
  gsize header = 12 + 4 * s.csrcs + (s.extension ? 12 : 0);
  s.payload = i % 11 == 10 ? 1200 - header : payloads[i % G_N_ELEMENTS(payloads)];
  if (s.payload == 0)
    s.padding = FALSE;
  return s;
}

static void
packet_nth(Packet *pkt, guint32 ssrc, guint16 seq, guint i)
{
  Shape s = shape_nth(ssrc, seq, i);
  rtp_build(pkt, &s);
}

static char *
hex(const guint8 *data, gsize len)
{
  GString *out = g_string_sized_new(len * 2 + 1);
  for (gsize i = 0; i < len; i++)
    g_string_append_printf(out, "%02x", data[i]);
  return g_string_free(out, FALSE);
}

/* Fails with both packets in hex when they differ, so a report can quote them. */
static void
assert_same(const char *what, const Packet *got, const Packet *want)
{
  if (got->len == want->len && memcmp(got->data, want->data, got->len) == 0)
    return;
  gsize at = 0;
  while (at < MIN(got->len, want->len) && got->data[at] == want->data[at])
    at++;
  g_autofree char *got_hex = hex(got->data, got->len);
  g_autofree char *want_hex = hex(want->data, want->len);
  fprintf(stderr, "%s: first difference at byte %zu\n  got  (%zu) %s\n  want (%zu) %s\n", what, at,
          got->len, got_hex, want->len, want_hex);
  g_assert_cmpmem(got->data, got->len, want->data, want->len);
}

/* --- The two implementations --- */

/* libsrtp as GStreamer's srtpenc and srtpdec set it up: the profile's tag for RTCP as for RTP.
 * Without @encrypt, SRTCP is authenticated only (the E flag clear). */
static srtp_t
ref_rtcp_new(const Profile *prof, const guint8 *key, gboolean sender, gboolean encrypt)
{
  srtp_policy_t policy;
  memset(&policy, 0, sizeof policy);
  if (prof->profile == GW_SRTP_AES_CM_128_HMAC_SHA1_80) {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
  } else {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtcp);
  }
  if (!encrypt)
    policy.rtcp.sec_serv = sec_serv_auth;
  policy.ssrc.type = sender ? ssrc_any_outbound : ssrc_any_inbound;
  policy.key = (unsigned char *)key;
  policy.window_size = 1024;
  policy.allow_repeat_tx = 1;
  srtp_t ctx = NULL;
  g_assert_cmpint(srtp_create(&ctx, &policy), ==, srtp_err_status_ok);
  return ctx;
}

/* The same for the RTP tests (which never use its RTCP policy). */
static srtp_t
ref_new(const Profile *prof, const guint8 *key, gboolean sender)
{
  return ref_rtcp_new(prof, key, sender, TRUE);
}

/* libsrtp's protect or unprotect (srtp_protect, srtp_unprotect_rtcp, ...) of @pkt in place.
 * Returns: TRUE if it succeeded (then @pkt has the new length). */
typedef srtp_err_status_t (*RefOp)(srtp_t ctx, void *pkt, int *len);

static gboolean
ref_apply(srtp_t ref, Packet *pkt, RefOp op)
{
  int len = (int)pkt->len;
  if (op(ref, pkt->data, &len) != srtp_err_status_ok)
    return FALSE;
  pkt->len = (gsize)len;
  return TRUE;
}

static void
ref_protect(srtp_t ref, Packet *pkt)
{
  g_assert_true(ref_apply(ref, pkt, srtp_protect));
}

/* TRUE if libsrtp accepts @pkt; then @pkt is the RTP packet. */
static gboolean
ref_unprotect(srtp_t ref, Packet *pkt)
{
  return ref_apply(ref, pkt, srtp_unprotect);
}

static GwSrtp *
ours_new(const Profile *prof, const guint8 *key)
{
  GwSrtp *srtp = gw_srtp_new(prof->profile, key, GW_SRTP_MASTER_LEN);
  g_assert_nonnull(srtp);
  return srtp;
}

static void
ours_protect(GwSrtp *ours, const Profile *prof, Packet *pkt)
{
  gsize len = pkt->len;
  pkt->len = gw_srtp_protect(ours, pkt->data, len, sizeof pkt->data);
  g_assert_cmpuint(pkt->len, ==, len + prof->tag);
}

static gboolean
ours_unprotect(GwSrtp *ours, Packet *pkt)
{
  gsize len = gw_srtp_unprotect(ours, pkt->data, pkt->len);
  g_assert_cmpuint(len, <=, pkt->len);
  if (len == 0)
    return FALSE;
  pkt->len = len;
  return TRUE;
}

/* Protects @plain with both senders, checks the two are byte-identical and leaves the SRTP
 * packet in @srtp. */
static void
protect_both(GwSrtp *ours, srtp_t ref, const Profile *prof, const Packet *plain, Packet *srtp)
{
  Packet *theirs = g_new(Packet, 1);
  *srtp = *plain;
  *theirs = *plain;
  ours_protect(ours, prof, srtp);
  ref_protect(ref, theirs);
  assert_same("protect: ours vs libsrtp", srtp, theirs);
  g_free(theirs);
}

/* Offers @srtp to both receivers; they must agree, and what they accept must be @plain.
 * Returns whether it was accepted. */
static gboolean
unprotect_both(GwSrtp *ours, srtp_t ref, const Packet *srtp, const Packet *plain)
{
  g_autofree Packet *a = g_new(Packet, 1);
  g_autofree Packet *b = g_new(Packet, 1);
  *a = *srtp;
  *b = *srtp;
  gboolean ours_ok = ours_unprotect(ours, a);
  gboolean ref_ok = ref_unprotect(ref, b);
  if (ours_ok != ref_ok)
    g_error(
        "seq %u ssrc %08x: ours %s, libsrtp %s", srtp->data[2] << 8 | srtp->data[3],
        (guint)(srtp->data[8] << 24 | srtp->data[9] << 16 | srtp->data[10] << 8 | srtp->data[11]),
        ours_ok ? "accepts" : "rejects", ref_ok ? "accepts" : "rejects");
  if (ours_ok) {
    assert_same("unprotect: ours vs original", a, plain);
    assert_same("unprotect: libsrtp vs original", b, plain);
  }
  return ours_ok;
}

/* --- Tests --- */

static void
test_new_master_length(void)
{
  static const gsize wrong[] = {0, 1, 16, 29, 31, 32, 46};
  for (guint i = 0; i < G_N_ELEMENTS(wrong); i++) {
    g_assert_null(gw_srtp_new(GW_SRTP_AES_CM_128_HMAC_SHA1_80, key_rfc, wrong[i]));
    g_assert_null(gw_srtp_new(GW_SRTP_AES_CM_128_HMAC_SHA1_32, key_rfc, wrong[i]));
  }
  g_autoptr(GwSrtp) a = gw_srtp_new(GW_SRTP_AES_CM_128_HMAC_SHA1_80, key_rfc, 30);
  g_autoptr(GwSrtp) b = gw_srtp_new(GW_SRTP_AES_CM_128_HMAC_SHA1_32, key_rfc, 30);
  g_assert_nonnull(a);
  g_assert_nonnull(b);
}

/* Our packets are libsrtp's, byte for byte, and libsrtp takes them back. */
static void
test_protect_matches(gconstpointer data)
{
  const Profile *prof = data;
  const guint8 *keys[] = {key_rfc, key_seeded};
  static const guint16 starts[] = {0, 1000, 40000};

  for (guint k = 0; k < G_N_ELEMENTS(keys); k++) {
    for (guint s = 0; s < G_N_ELEMENTS(starts); s++) {
      g_autoptr(GwSrtp) ours = ours_new(prof, keys[k]);
      g_autoptr(GwSrtp) ours_rx = ours_new(prof, keys[k]);
      g_autoptr(srtp_ctx_t) ref = ref_new(prof, keys[k], TRUE);
      g_autoptr(srtp_ctx_t) ref_rx = ref_new(prof, keys[k], FALSE);
      guint32 ssrc = 0x11223344u + k * 0x01010101u + s;
      for (guint i = 0; i < 60; i++) {
        Packet plain, srtp;
        packet_nth(&plain, ssrc, (guint16)(starts[s] + i), i);
        protect_both(ours, ref, prof, &plain, &srtp);
        g_assert_true(unprotect_both(ours_rx, ref_rx, &srtp, &plain));
      }
    }
  }
}

/* What libsrtp protects, we unprotect. */
static void
test_unprotect_from_libsrtp(gconstpointer data)
{
  const Profile *prof = data;
  const guint8 *keys[] = {key_rfc, key_seeded};

  for (guint k = 0; k < G_N_ELEMENTS(keys); k++) {
    g_autoptr(GwSrtp) ours_rx = ours_new(prof, keys[k]);
    g_autoptr(srtp_ctx_t) ref = ref_new(prof, keys[k], TRUE);
    for (guint i = 0; i < 80; i++) {
      Packet plain, srtp;
      packet_nth(&plain, 0xcafe0000u + k, (guint16)(7000 + i), i + 3);
      srtp = plain;
      ref_protect(ref, &srtp);
      g_assert_true(ours_unprotect(ours_rx, &srtp));
      assert_same("unprotect libsrtp's: ours vs original", &srtp, &plain);
    }
  }
}

/* A stream through the wrap of the sequence number: the rollover counter goes up. */
static void
test_rollover(gconstpointer data)
{
  const Profile *prof = data;
  /* (libsrtp takes any jump as forward while the index is under 2^15, where RFC 3711 would
   * guess the rollover counter -1: the jumps here stay clear of that) */
  static const guint16 starts[] = {65000, 65530, 65535, 40000};

  for (guint s = 0; s < G_N_ELEMENTS(starts); s++) {
    g_autoptr(GwSrtp) ours = ours_new(prof, key_rfc);
    g_autoptr(GwSrtp) ours_rx = ours_new(prof, key_rfc);
    g_autoptr(srtp_ctx_t) ref = ref_new(prof, key_rfc, TRUE);
    g_autoptr(srtp_ctx_t) ref_rx = ref_new(prof, key_rfc, FALSE);
    guint32 ssrc = 0x0badf00du + s;
    guint32 index = starts[s];
    guint32 end = 65536 + 6;
    for (guint i = 0; index < end; i++, index++) {
      Packet plain, srtp;
      packet_nth(&plain, ssrc, (guint16)index, i);
      protect_both(ours, ref, prof, &plain, &srtp);
      g_assert_true(unprotect_both(ours_rx, ref_rx, &srtp, &plain));
      /* jump ahead to just before the wrap once the stream is established */
      if (index == starts[s] + 20 && index < 65500)
        index = 65500;
    }
  }

  /* Three more wraps in steps of 997: every packet under half the sequence space ahead. */
  g_autoptr(GwSrtp) ours = ours_new(prof, key_seeded);
  g_autoptr(GwSrtp) ours_rx = ours_new(prof, key_seeded);
  g_autoptr(srtp_ctx_t) ref = ref_new(prof, key_seeded, TRUE);
  g_autoptr(srtp_ctx_t) ref_rx = ref_new(prof, key_seeded, FALSE);
  guint64 index = 65530;
  for (guint i = 0; index < 4 * 65536ull + 100; i++, index += 997) {
    Packet plain, srtp;
    packet_nth(&plain, 0x5eed, (guint16)index, i);
    protect_both(ours, ref, prof, &plain, &srtp);
    g_assert_true(unprotect_both(ours_rx, ref_rx, &srtp, &plain));
  }
}

/* Packets that cross the wrap late: the receiver takes them with the previous rollover
 * counter, once. */
static void
test_rollover_reordered(gconstpointer data)
{
  const Profile *prof = data;
  g_autoptr(GwSrtp) ours_rx = ours_new(prof, key_rfc);
  g_autoptr(srtp_ctx_t) ref = ref_new(prof, key_rfc, TRUE);
  g_autoptr(srtp_ctx_t) ref_rx = ref_new(prof, key_rfc, FALSE);
  Packet plain[12], srtp[12];

  /* 65530 .. 65535, 0 .. 5 */
  for (guint i = 0; i < 12; i++) {
    packet_nth(&plain[i], 0xabcdef01u, (guint16)(65530 + i), i);
    srtp[i] = plain[i];
    ref_protect(ref, &srtp[i]);
  }
  static const guint order[] = {0, 1, 2, 3, 6, 7, 5, 4, 9, 8, 11, 10};
  for (guint i = 0; i < G_N_ELEMENTS(order); i++)
    g_assert_true(unprotect_both(ours_rx, ref_rx, &srtp[order[i]], &plain[order[i]]));
  for (guint i = 0; i < 12; i++)
    g_assert_false(unprotect_both(ours_rx, ref_rx, &srtp[i], &plain[i]));
}

/* Protecting a sequence number again, after newer ones, gives the bytes of the first time. */
static void
test_resend(gconstpointer data)
{
  const Profile *prof = data;
  static const guint16 starts[] = {100, 65520};

  for (guint s = 0; s < G_N_ELEMENTS(starts); s++) {
    g_autoptr(GwSrtp) ours = ours_new(prof, key_rfc);
    g_autoptr(srtp_ctx_t) ref = ref_new(prof, key_rfc, TRUE);
    Packet *first = g_new(Packet, 41);
    for (guint i = 0; i < 41; i++) {
      Packet plain;
      packet_nth(&plain, 0x7e5e4d00u, (guint16)(starts[s] + i), i);
      protect_both(ours, ref, prof, &plain, &first[i]);
    }
    /* the newest, older ones, the first; across the wrap for the second start */
    static const guint again[] = {40, 10, 0, 39, 16, 17, 10};
    for (guint j = 0; j < G_N_ELEMENTS(again); j++) {
      Packet plain, srtp;
      guint i = again[j];
      packet_nth(&plain, 0x7e5e4d00u, (guint16)(starts[s] + i), i);
      protect_both(ours, ref, prof, &plain, &srtp);
      assert_same("resend: ours vs first time", &srtp, &first[i]);
    }
    /* and the stream goes on as before */
    Packet plain, srtp;
    packet_nth(&plain, 0x7e5e4d00u, (guint16)(starts[s] + 41), 41);
    protect_both(ours, ref, prof, &plain, &srtp);
    g_free(first);
  }
}

/* A resend further back than the window is refused, as libsrtp refuses it; one just inside
 * is protected as the first time. */
static void
test_resend_too_old(gconstpointer data)
{
  const Profile *prof = data;
  g_autoptr(GwSrtp) ours = ours_new(prof, key_rfc);
  g_autoptr(srtp_ctx_t) ref = ref_new(prof, key_rfc, TRUE);
  const guint first = 65000, count = 1101;
  Packet *sent = g_new(Packet, count);
  Packet plain, srtp;

  for (guint i = 0; i < count; i++) {
    Shape s = {.ssrc = 0x01d, .seq = (guint16)(first + i), .version = 2, .payload = 20};
    rtp_build(&plain, &s);
    protect_both(ours, ref, prof, &plain, &sent[i]);
  }
  static const guint again[] = {0, 76, 77, 1100, 500};
  for (guint j = 0; j < G_N_ELEMENTS(again); j++) {
    guint i = again[j];
    Shape s = {.ssrc = 0x01d, .seq = (guint16)(first + i), .version = 2, .payload = 20};
    rtp_build(&plain, &s);
    if (i < 77) {
      srtp = plain;
      int len = (int)srtp.len;
      g_assert_cmpint(srtp_protect(ref, srtp.data, &len), ==, srtp_err_status_replay_old);
      g_assert_cmpuint(gw_srtp_protect(ours, srtp.data, srtp.len, sizeof srtp.data), ==, 0);
    } else {
      protect_both(ours, ref, prof, &plain, &srtp);
      assert_same("resend: ours vs first time", &srtp, &sent[i]);
    }
  }
  g_free(sent);
}

/* Flip each bit of a packet in turn: all rejected, and the context is as it was, so the
 * untouched packet is still accepted. */
static void
test_unprotect_tampered(gconstpointer data)
{
  const Profile *prof = data;
  g_autoptr(GwSrtp) ours_rx = ours_new(prof, key_rfc);
  g_autoptr(srtp_ctx_t) ref = ref_new(prof, key_rfc, TRUE);
  g_autoptr(srtp_ctx_t) ref_rx = ref_new(prof, key_rfc, FALSE);
  Packet plain, srtp, bad, out;

  for (guint i = 0; i < 5; i++) {
    packet_nth(&plain, 0x1234, (guint16)(5000 + i), i);
    srtp = plain;
    ref_protect(ref, &srtp);
    g_assert_true(unprotect_both(ours_rx, ref_rx, &srtp, &plain));
  }
  Shape shape = {.ssrc = 0x1234,
                 .seq = 5005,
                 .version = 2,
                 .csrcs = 2,
                 .extension = TRUE,
                 .padding = TRUE,
                 .payload = 100};
  rtp_build(&plain, &shape);
  srtp = plain;
  ref_protect(ref, &srtp);
  for (gsize bit = 0; bit < srtp.len * 8; bit++) {
    bad = srtp;
    bad.data[bit / 8] ^= (guint8)(0x80 >> bit % 8);
    gsize len = gw_srtp_unprotect(ours_rx, bad.data, bad.len);
    if (len != 0)
      g_error("bit %zu of %zu flipped: accepted (%zu bytes)", bit, srtp.len * 8, len);
  }
  out = srtp;
  g_assert_true(ours_unprotect(ours_rx, &out));
  assert_same("after the flipped ones: ours vs original", &out, &plain);
  g_assert_true(ref_unprotect(ref_rx, &srtp));

  /* bits of the header flipped on a packet ahead: the ROC guess or window must not move */
  for (guint i = 6; i < 10; i++) {
    packet_nth(&plain, 0x1234, (guint16)(5000 + i), i);
    srtp = plain;
    ref_protect(ref, &srtp);
    static const guint8 masks[] = {0x80, 0x40, 0x20, 0x01};
    bad = srtp;
    bad.data[2] ^= masks[i - 6];
    g_assert_cmpuint(gw_srtp_unprotect(ours_rx, bad.data, bad.len), ==, 0);
    bad = srtp;
    bad.data[bad.len - 1] ^= masks[i - 6];
    g_assert_cmpuint(gw_srtp_unprotect(ours_rx, bad.data, bad.len), ==, 0);
    g_assert_true(unprotect_both(ours_rx, ref_rx, &srtp, &plain));
  }
}

/* Replays, late packets inside the window and too old ones, decided as libsrtp does. */
static void
test_unprotect_replay(gconstpointer data)
{
  const Profile *prof = data;
  g_autoptr(GwSrtp) ours_rx = ours_new(prof, key_rfc);
  g_autoptr(srtp_ctx_t) ref = ref_new(prof, key_rfc, TRUE);
  g_autoptr(srtp_ctx_t) ref_rx = ref_new(prof, key_rfc, FALSE);
  const guint first = 1000, count = 2001;
  Packet *plain = g_new(Packet, count);
  Packet *srtp = g_new(Packet, count);

  for (guint i = 0; i < count; i++) {
    packet_nth(&plain[i], 0x4e9, (guint16)(first + i), i % 10);
    srtp[i] = plain[i];
    ref_protect(ref, &srtp[i]);
  }
  /* Offsets from @first and whether they are accepted. */
  static const struct {
    guint at;
    gboolean accepted;
  } steps[] = {
      {0, TRUE},     {1, TRUE},     {2, TRUE},    {3, TRUE},    {4, TRUE},    {2, FALSE},
      {4, FALSE},    {0, FALSE},    {6, TRUE},    {7, TRUE},    {5, TRUE},    {5, FALSE},
      {20, TRUE},    {8, TRUE},     {19, TRUE},   {8, FALSE},   {19, FALSE},  {20, FALSE},
      {2000, TRUE},  {2000, FALSE}, {976, FALSE}, {977, TRUE},  {977, FALSE}, {976, FALSE},
      {500, FALSE},  {20, FALSE},   {978, TRUE},  {1999, TRUE}, {1500, TRUE}, {1500, FALSE},
      {1999, FALSE}, {1998, TRUE},  {975, FALSE}, {979, TRUE},
  };
  for (guint i = 0; i < G_N_ELEMENTS(steps); i++) {
    guint at = steps[i].at;
    gboolean ok = unprotect_both(ours_rx, ref_rx, &srtp[at], &plain[at]);
    if (ok != steps[i].accepted)
      g_error("step %u, seq %u: %s, expected %s", i, first + at, ok ? "accepted" : "rejected",
              steps[i].accepted ? "accepted" : "rejected");
  }
  g_free(plain);
  g_free(srtp);
}

/* A window that slides packet by packet: a late packet is judged by its own index, not by
 * the one 1024 before it that used the same place in the window. */
static void
test_unprotect_window_slides(gconstpointer data)
{
  const Profile *prof = data;
  g_autoptr(GwSrtp) ours_rx = ours_new(prof, key_seeded);
  g_autoptr(srtp_ctx_t) ref = ref_new(prof, key_seeded, TRUE);
  g_autoptr(srtp_ctx_t) ref_rx = ref_new(prof, key_seeded, FALSE);
  const guint first = 64000, count = 2600;
  Packet *plain = g_new(Packet, count);
  Packet *srtp = g_new(Packet, count);

  for (guint i = 0; i < count; i++) {
    Shape s = {.ssrc = 0x51, .seq = (guint16)(first + i), .version = 2, .payload = i % 50};
    rtp_build(&plain[i], &s);
    srtp[i] = plain[i];
    ref_protect(ref, &srtp[i]);
  }
  for (guint i = 0; i < count; i++) {
    if (i != 150 && i != 1100 && i != 2500 && i % 700 != 699)
      g_assert_true(unprotect_both(ours_rx, ref_rx, &srtp[i], &plain[i]));
  }
  /* late: 2500 and 2099 (100 and 501 back), 1100 and 1399 (1500 and 1201 back) too old */
  static const guint late[] = {2500, 2099, 1100, 1399, 150, 2500, 2099};
  static const gboolean accepted[] = {TRUE, TRUE, FALSE, FALSE, FALSE, FALSE, FALSE};
  for (guint i = 0; i < G_N_ELEMENTS(late); i++) {
    if (unprotect_both(ours_rx, ref_rx, &srtp[late[i]], &plain[late[i]]) != accepted[i])
      g_error("late packet %u: %s", late[i], accepted[i] ? "rejected" : "accepted");
  }
  g_free(plain);
  g_free(srtp);
}

/* Not RTP, too short or of another version: rejected by unprotect, refused by protect. */
static void
test_malformed(gconstpointer data)
{
  const Profile *prof = data;
  g_autoptr(GwSrtp) ours = ours_new(prof, key_rfc);
  g_autoptr(GwSrtp) ours_rx = ours_new(prof, key_rfc);
  g_autoptr(srtp_ctx_t) ref = ref_new(prof, key_rfc, TRUE);
  g_autoptr(srtp_ctx_t) ref_rx = ref_new(prof, key_rfc, FALSE);
  Packet plain, srtp, cut;

  /* A header-only packet, then every shorter length. */
  Shape shape = {.ssrc = 0x5107, .seq = 300, .version = 2};
  rtp_build(&plain, &shape);
  srtp = plain;
  ref_protect(ref, &srtp);
  g_assert_cmpuint(srtp.len, ==, 12 + prof->tag);
  for (gsize len = 0; len < srtp.len; len++) {
    cut = srtp;
    g_assert_cmpuint(gw_srtp_unprotect(ours_rx, cut.data, len), ==, 0);
  }
  g_assert_true(unprotect_both(ours_rx, ref_rx, &srtp, &plain));
  /* CSRCs or an extension beyond the end */
  shape.seq++;
  shape.csrcs = 15;
  rtp_build(&plain, &shape);
  plain.data[0] = 0x80 | 15;
  g_assert_cmpuint(gw_srtp_unprotect(ours_rx, plain.data, 12 + 59), ==, 0);
  plain.data[0] = 0x90;
  plain.data[12] = 0xbe;
  plain.data[13] = 0xde;
  plain.data[14] = 0x00;
  plain.data[15] = 40; /* 160 bytes */
  g_assert_cmpuint(gw_srtp_unprotect(ours_rx, plain.data, 12 + 4 + 159 + prof->tag), ==, 0);
  g_assert_cmpuint(gw_srtp_unprotect(ours_rx, plain.data, 12 + 3 + prof->tag), ==, 0);

  /* Versions 0, 1 and 3, authentic (libsrtp does not look at the version) */
  for (guint v = 0; v < 4; v++) {
    if (v == 2)
      continue;
    Shape other = {.ssrc = 0x5107, .seq = (guint16)(400 + v), .version = v, .payload = 40};
    rtp_build(&plain, &other);
    srtp = plain;
    ref_protect(ref, &srtp);
    g_assert_cmpuint(gw_srtp_unprotect(ours_rx, srtp.data, srtp.len), ==, 0);
  }
  /* and the stream still goes on */
  packet_nth(&plain, 0x5107, 500, 1);
  srtp = plain;
  ref_protect(ref, &srtp);
  g_assert_true(unprotect_both(ours_rx, ref_rx, &srtp, &plain));

  /* protect: shorter than a header, another version, a header past the end */
  packet_nth(&plain, 0x5108, 10, 0);
  for (gsize len = 0; len < 12; len++)
    g_assert_cmpuint(gw_srtp_protect(ours, plain.data, len, sizeof plain.data), ==, 0);
  for (guint v = 0; v < 4; v++) {
    if (v == 2)
      continue;
    Shape other = {.ssrc = 0x5108, .seq = 11, .version = v, .payload = 40};
    rtp_build(&plain, &other);
    g_assert_cmpuint(gw_srtp_protect(ours, plain.data, plain.len, sizeof plain.data), ==, 0);
  }
  Shape csrcs = {.ssrc = 0x5108, .seq = 12, .version = 2, .csrcs = 15};
  rtp_build(&plain, &csrcs);
  g_assert_cmpuint(gw_srtp_protect(ours, plain.data, 12 + 59, sizeof plain.data), ==, 0);
  Shape ext = {.ssrc = 0x5108, .seq = 13, .version = 2, .extension = TRUE};
  rtp_build(&plain, &ext);
  g_assert_cmpuint(gw_srtp_protect(ours, plain.data, 12 + 3, sizeof plain.data), ==, 0);
  g_assert_cmpuint(gw_srtp_protect(ours, plain.data, 12 + 11, sizeof plain.data), ==, 0);
  plain.data[15] = 200; /* 800 bytes of extension */
  g_assert_cmpuint(gw_srtp_protect(ours, plain.data, 400, sizeof plain.data), ==, 0);

  /* Headers that end exactly at the end are fine. */
  for (guint16 seq = 14; seq < 16; seq++) {
    Shape exact = {.ssrc = 0x5108, .seq = seq, .version = 2, .csrcs = 15, .extension = seq == 15};
    rtp_build(&plain, &exact);
    protect_both(ours, ref, prof, &plain, &srtp);
    g_assert_true(unprotect_both(ours_rx, ref_rx, &srtp, &plain));
  }
}

/* protect needs room for the tag: one byte short is refused. */
static void
test_protect_room(gconstpointer data)
{
  const Profile *prof = data;
  g_autoptr(GwSrtp) ours = ours_new(prof, key_rfc);
  g_autoptr(GwSrtp) ours_rx = ours_new(prof, key_rfc);
  g_autoptr(srtp_ctx_t) ref = ref_new(prof, key_rfc, TRUE);
  Packet plain, srtp, theirs;

  for (guint i = 0; i < 4; i++) {
    packet_nth(&plain, 0x700, (guint16)(60 + i), i);
    srtp = plain;
    for (gsize size = plain.len; size < plain.len + prof->tag; size++)
      g_assert_cmpuint(gw_srtp_protect(ours, srtp.data, srtp.len, size), ==, 0);
    srtp = plain;
    srtp.len = gw_srtp_protect(ours, srtp.data, plain.len, plain.len + prof->tag);
    g_assert_cmpuint(srtp.len, ==, plain.len + prof->tag);
    theirs = plain;
    ref_protect(ref, &theirs);
    assert_same("protect into exact room: ours vs libsrtp", &srtp, &theirs);
    g_assert_true(ours_unprotect(ours_rx, &srtp));
    assert_same("unprotect: ours vs original", &srtp, &plain);
  }
}

/* Three SSRCs interleaved, crossing the wrap at different times: separate rollover counters and
 * windows. */
static void
test_interleaved_ssrcs(gconstpointer data)
{
  const Profile *prof = data;
  g_autoptr(GwSrtp) ours = ours_new(prof, key_seeded);
  g_autoptr(GwSrtp) ours_rx = ours_new(prof, key_seeded);
  g_autoptr(srtp_ctx_t) ref = ref_new(prof, key_seeded, TRUE);
  g_autoptr(srtp_ctx_t) ref_rx = ref_new(prof, key_seeded, FALSE);
  Packet plain, srtp;

  for (guint i = 0; i < 40; i++) {
    packet_nth(&plain, 0xaaaa0001, (guint16)(65515 + i), i);
    protect_both(ours, ref, prof, &plain, &srtp);
    g_assert_true(unprotect_both(ours_rx, ref_rx, &srtp, &plain));
    packet_nth(&plain, 0xbbbb0002, (guint16)(10 + i), i + 1);
    protect_both(ours, ref, prof, &plain, &srtp);
    g_assert_true(unprotect_both(ours_rx, ref_rx, &srtp, &plain));
    /* sequence numbers the other SSRC had ten packets before, and a replay */
    packet_nth(&plain, 0xcccc0003, (guint16)(65505 + i), i + 2);
    protect_both(ours, ref, prof, &plain, &srtp);
    g_assert_true(unprotect_both(ours_rx, ref_rx, &srtp, &plain));
    g_assert_false(unprotect_both(ours_rx, ref_rx, &srtp, &plain));
  }
}

#define LRU_SSRCS 17
#define LRU_SSRC(n) (0x55000000u + (n))

/* Seventeen SSRCs, each past the wrap (rollover counter 1): the seventeenth replaces the least
 * recently used; the others keep their rollover counter and window. */
static void
test_lru_protect(gconstpointer data)
{
  const Profile *prof = data;
  g_autoptr(GwSrtp) ours = ours_new(prof, key_rfc);
  g_autoptr(srtp_ctx_t) ref = ref_new(prof, key_rfc, TRUE);
  Packet plain, srtp;

  for (guint n = 0; n < LRU_SSRCS - 1; n++) {
    for (guint i = 0; i < 8; i++) {
      packet_nth(&plain, LRU_SSRC(n), (guint16)(65532 + i), i);
      protect_both(ours, ref, prof, &plain, &srtp);
    }
  }
  /* SSRC 0 used again: SSRC 1 is now the least recently used */
  packet_nth(&plain, LRU_SSRC(0), 4, 8);
  protect_both(ours, ref, prof, &plain, &srtp);
  for (guint i = 0; i < 8; i++) {
    packet_nth(&plain, LRU_SSRC(16), (guint16)(65532 + i), i);
    protect_both(ours, ref, prof, &plain, &srtp);
  }
  for (guint n = 0; n < LRU_SSRCS; n++) {
    if (n != 1) {
      packet_nth(&plain, LRU_SSRC(n), 5, 9);
      protect_both(ours, ref, prof, &plain, &srtp);
    }
  }
  /* SSRC 1 was forgotten: a new stream, whatever its rollover counter (and it takes the place
   * of SSRC 2, now the least recently used) */
  packet_nth(&plain, LRU_SSRC(1), 5, 9);
  srtp = plain;
  ours_protect(ours, prof, &srtp);
}

static void
test_lru_unprotect(gconstpointer data)
{
  const Profile *prof = data;
  g_autoptr(GwSrtp) ours_rx = ours_new(prof, key_rfc);
  g_autoptr(srtp_ctx_t) ref = ref_new(prof, key_rfc, TRUE);
  g_autoptr(srtp_ctx_t) ref_rx = ref_new(prof, key_rfc, FALSE);
  Packet plain, srtp, bad;
  Packet *last = g_new(Packet, LRU_SSRCS);

  for (guint n = 0; n < LRU_SSRCS - 1; n++) {
    for (guint i = 0; i < 8; i++) {
      packet_nth(&plain, LRU_SSRC(n), (guint16)(65532 + i), i);
      srtp = plain;
      ref_protect(ref, &srtp);
      g_assert_true(unprotect_both(ours_rx, ref_rx, &srtp, &plain));
    }
  }
  /* Forged packets from new SSRCs take nobody's place. */
  for (guint f = 0; f < 4; f++) {
    packet_nth(&plain, LRU_SSRC(100 + f), 65535, f);
    srtp = plain;
    ref_protect(ref, &srtp);
    srtp.data[srtp.len - 1] ^= 1;
    g_assert_false(unprotect_both(ours_rx, ref_rx, &srtp, &plain));
  }
  /* SSRC 0 used again, a failed packet on SSRC 1 does not count as use: SSRC 1 is the least
   * recently used */
  packet_nth(&plain, LRU_SSRC(0), 4, 8);
  srtp = plain;
  ref_protect(ref, &srtp);
  g_assert_true(unprotect_both(ours_rx, ref_rx, &srtp, &plain));
  packet_nth(&plain, LRU_SSRC(1), 4, 8);
  srtp = plain;
  ref_protect(ref, &srtp);
  bad = srtp;
  bad.data[20] ^= 0x10;
  g_assert_false(unprotect_both(ours_rx, ref_rx, &bad, &plain));
  /* not offered to ours: SSRC 1 stays least recently used (libsrtp needs it for its window) */
  g_assert_true(ref_unprotect(ref_rx, &srtp));

  for (guint i = 0; i < 8; i++) {
    packet_nth(&plain, LRU_SSRC(16), (guint16)(65532 + i), i);
    srtp = plain;
    ref_protect(ref, &srtp);
    g_assert_true(unprotect_both(ours_rx, ref_rx, &srtp, &plain));
  }
  /* Everyone but SSRC 1 still has rollover counter 1: seq 5 is accepted, its replay not. */
  for (guint n = 0; n < LRU_SSRCS; n++) {
    packet_nth(&plain, LRU_SSRC(n), 5, 9);
    srtp = plain;
    ref_protect(ref, &srtp);
    if (n == 1) {
      g_assert_true(ref_unprotect(ref_rx, &srtp));
      continue;
    }
    if (!unprotect_both(ours_rx, ref_rx, &srtp, &plain))
      g_error("SSRC %u of %u lost its state", n, LRU_SSRCS);
    last[n] = srtp;
  }
  for (guint n = 0; n < LRU_SSRCS; n++) {
    if (n != 1)
      g_assert_cmpuint(gw_srtp_unprotect(ours_rx, last[n].data, last[n].len), ==, 0);
  }
  g_free(last);
}

/* --- SRTCP: RTCP compounds written by hand --- */

typedef enum {
  COMPOUND_SR_SDES, /* a sender report with one report block, and the CNAME */
  COMPOUND_RR,      /* a receiver report with one to three report blocks */
  COMPOUND_PLI,     /* reduced-size (RFC 5506): one 12-byte feedback packet */
  COMPOUND_LONG,    /* an SR with 31 report blocks, the CNAME and a long NACK: 1012 bytes */
  COMPOUND_KINDS,
} CompoundKind;

/* The first two words of an RTCP packet of @words words: version 2, @count, @pt, @ssrc. */
static gsize
rtcp_start(guint8 *p, guint count, guint8 pt, gsize words, guint32 ssrc)
{
  p[0] = (guint8)(0x80 | count);
  p[1] = pt;
  p[2] = (guint8)((words - 1) >> 8);
  p[3] = (guint8)(words - 1);
  put32(p + 4, ssrc);
  return 8;
}

static gsize
rtcp_fill(guint8 *p, gsize from, gsize to, GRand *rand)
{
  for (gsize i = from; i < to; i++)
    p[i] = (guint8)g_rand_int(rand);
  return to;
}

static gsize
rtcp_sr(guint8 *p, guint32 ssrc, guint blocks, GRand *rand)
{
  rtcp_start(p, blocks, 200, 7 + 6 * blocks, ssrc);
  return rtcp_fill(p, 8, 28 + 24 * blocks, rand);
}

static gsize
rtcp_rr(guint8 *p, guint32 ssrc, guint blocks, GRand *rand)
{
  rtcp_start(p, blocks, 201, 2 + 6 * blocks, ssrc);
  return rtcp_fill(p, 8, 8 + 24 * blocks, rand);
}

/* One chunk with a 14-byte CNAME: 4 + 4 + 2 + 14 + a null, padded to 28 bytes. */
static gsize
rtcp_sdes(guint8 *p, guint32 ssrc)
{
  char cname[15];
  g_snprintf(cname, sizeof cname, "balie-%08x", ssrc);
  rtcp_start(p, 1, 202, 7, ssrc);
  p[8] = 1;
  p[9] = 14;
  memcpy(p + 10, cname, 14);
  memset(p + 24, 0, 4);
  return 28;
}

/* PSFB or RTPFB (@pt) with FMT @fmt for @media, @fci words of feedback control information. */
static gsize
rtcp_feedback(guint8 *p, guint8 pt, guint fmt, guint32 ssrc, guint32 media, guint fci, GRand *rand)
{
  rtcp_start(p, fmt, pt, 3 + fci, ssrc);
  put32(p + 8, media);
  return rtcp_fill(p, 12, 12 + 4 * fci, rand);
}

/* The @n-th compound of @ssrc, of @kind; the same for the same arguments. */
static void
compound_build(Packet *pkt, guint32 ssrc, guint n, CompoundKind kind)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed(ssrc ^ (n * 2654435761u) ^ kind);
  guint8 *p = pkt->data;
  gsize len = 0;

  memset(pkt->data, 0, sizeof pkt->data);
  switch (kind) {
  case COMPOUND_SR_SDES:
    len = rtcp_sr(p, ssrc, 1, rand);
    len += rtcp_sdes(p + len, ssrc);
    break;
  case COMPOUND_RR:
    len = rtcp_rr(p, ssrc, 1 + n % 3, rand);
    break;
  case COMPOUND_PLI:
    len = rtcp_feedback(p, 206, 1, ssrc, 0x3ed1a000u + n, 0, rand);
    break;
  case COMPOUND_LONG:
    len = rtcp_sr(p, ssrc, 31, rand);
    len += rtcp_sdes(p + len, ssrc);
    len += rtcp_feedback(p + len, 205, 1, ssrc, 0x3ed1a000u, 50, rand);
    break;
  default:
    g_assert_not_reached();
  }
  pkt->len = len;
}

static guint32
get32(const guint8 *p)
{
  return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

/* The E flag and SRTCP index of an SRTCP packet: the word before the tag. */
static guint32
srtcp_trailer(const Packet *pkt, const Profile *prof)
{
  g_assert_cmpuint(pkt->len, >=, 8 + GW_SRTCP_TRAILER + prof->tag);
  return get32(pkt->data + pkt->len - prof->tag - GW_SRTCP_TRAILER);
}

/* --- SRTCP: the two implementations --- */

static void
ref_protect_rtcp(srtp_t ref, Packet *pkt)
{
  g_assert_true(ref_apply(ref, pkt, srtp_protect_rtcp));
}

/* TRUE if libsrtp accepts @pkt; then @pkt is the RTCP compound. */
static gboolean
ref_unprotect_rtcp(srtp_t ref, Packet *pkt)
{
  return ref_apply(ref, pkt, srtp_unprotect_rtcp);
}

static GwSrtp *
ours_rtcp_new(const Profile *prof, const guint8 *key)
{
  GwSrtp *srtcp = gw_srtcp_new(prof->profile, key, GW_SRTP_MASTER_LEN);
  g_assert_nonnull(srtcp);
  return srtcp;
}

static void
ours_protect_rtcp(GwSrtp *ours, const Profile *prof, Packet *pkt)
{
  gsize len = pkt->len;
  pkt->len = gw_srtcp_protect(ours, pkt->data, len, sizeof pkt->data);
  g_assert_cmpuint(pkt->len, ==, len + GW_SRTCP_TRAILER + prof->tag);
}

/* Accepted packets lose exactly the trailer and the tag. */
static gboolean
ours_unprotect_rtcp(GwSrtp *ours, const Profile *prof, Packet *pkt)
{
  gsize len = gw_srtcp_unprotect(ours, pkt->data, pkt->len);
  if (len == 0)
    return FALSE;
  g_assert_cmpuint(pkt->len, >=, 8 + GW_SRTCP_TRAILER + prof->tag);
  g_assert_cmpuint(len, ==, pkt->len - GW_SRTCP_TRAILER - prof->tag);
  pkt->len = len;
  return TRUE;
}

static void
protect_rtcp_both(GwSrtp *ours, srtp_t ref, const Profile *prof, const Packet *plain, Packet *srtcp)
{
  g_autofree Packet *theirs = g_new(Packet, 1);
  *srtcp = *plain;
  *theirs = *plain;
  ours_protect_rtcp(ours, prof, srtcp);
  ref_protect_rtcp(ref, theirs);
  assert_same("SRTCP protect: ours vs libsrtp", srtcp, theirs);
}

static gboolean
unprotect_rtcp_both(GwSrtp *ours, srtp_t ref, const Profile *prof, const Packet *srtcp,
                    const Packet *plain)
{
  g_autofree Packet *a = g_new(Packet, 1);
  g_autofree Packet *b = g_new(Packet, 1);
  *a = *srtcp;
  *b = *srtcp;
  gboolean ours_ok = ours_unprotect_rtcp(ours, prof, a);
  gboolean ref_ok = ref_unprotect_rtcp(ref, b);
  if (ours_ok != ref_ok)
    g_error("SRTCP SSRC %08x, trailer %08x: ours %s, libsrtp %s", get32(srtcp->data + 4),
            srtcp->len >= 8 + GW_SRTCP_TRAILER + prof->tag ? srtcp_trailer(srtcp, prof) : 0,
            ours_ok ? "accepts" : "rejects", ref_ok ? "accepts" : "rejects");
  if (ours_ok) {
    assert_same("SRTCP unprotect: ours vs original", a, plain);
    assert_same("SRTCP unprotect: libsrtp vs original", b, plain);
  }
  return ours_ok;
}

/* --- SRTCP tests --- */

static void
test_srtcp_new_master_length(void)
{
  static const gsize wrong[] = {0, 1, 16, 29, 31, 32, 46};
  for (guint i = 0; i < G_N_ELEMENTS(wrong); i++) {
    g_assert_null(gw_srtcp_new(GW_SRTP_AES_CM_128_HMAC_SHA1_80, key_rfc, wrong[i]));
    g_assert_null(gw_srtcp_new(GW_SRTP_AES_CM_128_HMAC_SHA1_32, key_rfc, wrong[i]));
  }
  g_assert_null(gw_srtcp_new(GW_SRTP_AES_CM_128_HMAC_SHA1_80, NULL, GW_SRTP_MASTER_LEN));
  g_autoptr(GwSrtp) a = gw_srtcp_new(GW_SRTP_AES_CM_128_HMAC_SHA1_80, key_rfc, 30);
  g_autoptr(GwSrtp) b = gw_srtcp_new(GW_SRTP_AES_CM_128_HMAC_SHA1_32, key_rfc, 30);
  g_assert_nonnull(a);
  g_assert_nonnull(b);
}

#define SRTCP_SENDERS 3

/* Compounds of every kind from three senders, interleaved unevenly: ours are libsrtp's byte for
 * byte, each SSRC counting its own index from 1, and both receivers take them back. */
static void
test_srtcp_protect_matches(gconstpointer data)
{
  const Profile *prof = data;
  const guint8 *keys[] = {key_rfc, key_seeded};
  static const guint32 ssrcs[SRTCP_SENDERS] = {0x11223344u, 0x11223345u, 0xfedcba98u};
  static const guint order[] = {0, 1, 0, 2, 0, 0, 1, 2, 2, 2, 1, 0};

  for (guint k = 0; k < G_N_ELEMENTS(keys); k++) {
    g_autoptr(GwSrtp) ours = ours_rtcp_new(prof, keys[k]);
    g_autoptr(GwSrtp) ours_rx = ours_rtcp_new(prof, keys[k]);
    g_autoptr(srtp_ctx_t) ref = ref_rtcp_new(prof, keys[k], TRUE, TRUE);
    g_autoptr(srtp_ctx_t) ref_rx = ref_rtcp_new(prof, keys[k], FALSE, TRUE);
    guint32 next[SRTCP_SENDERS] = {1, 1, 1};
    for (guint i = 0; i < 96; i++) {
      guint s = order[i % G_N_ELEMENTS(order)];
      Packet plain, srtcp;
      compound_build(&plain, ssrcs[s], i, (i + i / 12) % COMPOUND_KINDS);
      protect_rtcp_both(ours, ref, prof, &plain, &srtcp);
      g_assert_cmphex(srtcp_trailer(&srtcp, prof), ==, 0x80000000u | next[s]++);
      g_assert_true(unprotect_rtcp_both(ours_rx, ref_rx, prof, &srtcp, &plain));
    }
  }
}

/* What libsrtp protects, we unprotect, and what we protect, libsrtp unprotects; each time the
 * exact compound comes back. */
static void
test_srtcp_round_trip_libsrtp(gconstpointer data)
{
  const Profile *prof = data;
  const guint8 *keys[] = {key_rfc, key_seeded};

  for (guint k = 0; k < G_N_ELEMENTS(keys); k++) {
    g_autoptr(GwSrtp) ours = ours_rtcp_new(prof, keys[k]);
    g_autoptr(GwSrtp) ours_rx = ours_rtcp_new(prof, keys[k]);
    g_autoptr(srtp_ctx_t) ref = ref_rtcp_new(prof, keys[k], TRUE, TRUE);
    g_autoptr(srtp_ctx_t) ref_rx = ref_rtcp_new(prof, keys[k], FALSE, TRUE);
    for (guint i = 0; i < 40; i++) {
      Packet plain, srtcp;
      compound_build(&plain, 0xcafe0000u + k + i % 2, i, i % COMPOUND_KINDS);
      srtcp = plain;
      ref_protect_rtcp(ref, &srtcp);
      g_assert_true(ours_unprotect_rtcp(ours_rx, prof, &srtcp));
      assert_same("SRTCP unprotect libsrtp's: ours vs original", &srtcp, &plain);

      compound_build(&plain, 0xbeef0000u + k + i % 2, i, (i + 1) % COMPOUND_KINDS);
      srtcp = plain;
      ours_protect_rtcp(ours, prof, &srtcp);
      g_assert_true(ref_unprotect_rtcp(ref_rx, &srtcp));
      assert_same("SRTCP libsrtp unprotects ours: libsrtp vs original", &srtcp, &plain);
    }
  }
}

/* The layout, without libsrtp: the first eight bytes in the clear, the rest encrypted, then the
 * E flag with index 1, 2, 3 ... of the sender SSRC, then the tag. */
static void
test_srtcp_trailer(gconstpointer data)
{
  const Profile *prof = data;
  g_autoptr(GwSrtp) ours = ours_rtcp_new(prof, key_rfc);
  static const guint32 ssrcs[] = {0xa1, 0xa2, 0xa1, 0xa1, 0xa3, 0xa2, 0xa1};
  static const guint8 indices[] = {1, 1, 2, 3, 1, 2, 4};

  for (guint i = 0; i < G_N_ELEMENTS(ssrcs); i++) {
    Packet plain, srtcp;
    compound_build(&plain, ssrcs[i], i, i % 2 ? COMPOUND_SR_SDES : COMPOUND_LONG);
    srtcp = plain;
    ours_protect_rtcp(ours, prof, &srtcp);
    g_assert_cmpmem(srtcp.data, 8, plain.data, 8);
    gsize same = 0;
    for (gsize j = 8; j < plain.len; j++)
      same += srtcp.data[j] == plain.data[j];
    g_assert_cmpuint(same, <, (plain.len - 8) / 16);
    const guint8 trailer[GW_SRTCP_TRAILER] = {0x80, 0, 0, indices[i]};
    g_assert_cmpmem(srtcp.data + plain.len, GW_SRTCP_TRAILER, trailer, sizeof trailer);
  }
}

/* Each bit of a compound flipped in turn (header, encrypted part, trailer, tag): libsrtp and ours
 * reject them all, and the context is as it was, so the untouched packet, and the ones after it,
 * are still accepted. */
static void
test_srtcp_unprotect_tampered(gconstpointer data)
{
  const Profile *prof = data;
  g_autoptr(GwSrtp) ours_rx = ours_rtcp_new(prof, key_rfc);
  g_autoptr(srtp_ctx_t) ref = ref_rtcp_new(prof, key_rfc, TRUE, TRUE);
  g_autoptr(srtp_ctx_t) ref_rx = ref_rtcp_new(prof, key_rfc, FALSE, TRUE);
  Packet plain, srtcp, bad;

  for (guint i = 0; i < 3; i++) {
    compound_build(&plain, 0x1234, i, i % COMPOUND_KINDS);
    srtcp = plain;
    ref_protect_rtcp(ref, &srtcp);
    g_assert_true(unprotect_rtcp_both(ours_rx, ref_rx, prof, &srtcp, &plain));
  }
  static const CompoundKind kinds[] = {COMPOUND_SR_SDES, COMPOUND_PLI};
  for (guint k = 0; k < G_N_ELEMENTS(kinds); k++) {
    compound_build(&plain, 0x1234, 3 + k, kinds[k]);
    srtcp = plain;
    ref_protect_rtcp(ref, &srtcp);
    for (gsize bit = 0; bit < srtcp.len * 8; bit++) {
      bad = srtcp;
      bad.data[bit / 8] ^= (guint8)(0x80 >> bit % 8);
      if (unprotect_rtcp_both(ours_rx, ref_rx, prof, &bad, &plain))
        g_error("bit %zu of %zu flipped: accepted", bit, srtcp.len * 8);
    }
    /* every byte replaced by its complement, and the tag and trailer zeroed */
    for (gsize at = 0; at < srtcp.len; at++) {
      bad = srtcp;
      bad.data[at] = (guint8)~bad.data[at];
      g_assert_false(unprotect_rtcp_both(ours_rx, ref_rx, prof, &bad, &plain));
    }
    bad = srtcp;
    memset(bad.data + bad.len - prof->tag, 0, prof->tag);
    g_assert_false(unprotect_rtcp_both(ours_rx, ref_rx, prof, &bad, &plain));
    bad = srtcp;
    memset(bad.data + bad.len - prof->tag - GW_SRTCP_TRAILER, 0, GW_SRTCP_TRAILER);
    g_assert_false(unprotect_rtcp_both(ours_rx, ref_rx, prof, &bad, &plain));
    g_assert_true(unprotect_rtcp_both(ours_rx, ref_rx, prof, &srtcp, &plain));
  }
  /* A forged index far ahead (bit 0x40 of the trailer's second byte: + 2^22) must not move the
   * window: the genuine packets after it are still accepted. */
  for (guint i = 5; i < 9; i++) {
    compound_build(&plain, 0x1234, i, i % COMPOUND_KINDS);
    srtcp = plain;
    ref_protect_rtcp(ref, &srtcp);
    bad = srtcp;
    bad.data[bad.len - prof->tag - GW_SRTCP_TRAILER + 1] ^= 0x40;
    g_assert_cmpuint(gw_srtcp_unprotect(ours_rx, bad.data, bad.len), ==, 0);
    g_assert_true(unprotect_rtcp_both(ours_rx, ref_rx, prof, &srtcp, &plain));
  }
}

/* SRTCP index @i (1 ...) of @ssrc, protected by libsrtp with key_rfc, and its compound. */
static void
replay_packets(const Profile *prof, guint32 ssrc, guint count, Packet *plain, Packet *srtcp)
{
  g_autoptr(srtp_ctx_t) ref = ref_rtcp_new(prof, key_rfc, TRUE, TRUE);
  for (guint i = 1; i <= count; i++) {
    compound_build(&plain[i], ssrc, i, i % COMPOUND_KINDS);
    srtcp[i] = plain[i];
    ref_protect_rtcp(ref, &srtcp[i]);
    g_assert_cmphex(srtcp_trailer(&srtcp[i], prof), ==, 0x80000000u | i);
  }
}

/* Replays, late packets inside the 128-index window (which holds the highest and the 127 before
 * it, as libsrtp's srtp_rdb_t) and too old ones. */
static void
test_srtcp_unprotect_replay(gconstpointer data)
{
  const Profile *prof = data;
  g_autoptr(GwSrtp) ours_rx = ours_rtcp_new(prof, key_rfc);
  g_autoptr(srtp_ctx_t) ref_rx = ref_rtcp_new(prof, key_rfc, FALSE, TRUE);
  const guint count = 400;
  Packet *plain = g_new(Packet, count + 1);
  Packet *srtcp = g_new(Packet, count + 1);
  replay_packets(prof, 0x4e9, count, plain, srtcp);

  /* SRTCP indices and whether they are accepted. */
  static const struct {
    guint index;
    gboolean accepted;
  } steps[] = {
      {1, TRUE},    {2, TRUE},   {3, TRUE},    {2, FALSE},   {1, FALSE},   {3, FALSE},  {5, TRUE},
      {4, TRUE},    {4, FALSE},  {5, FALSE},   {200, TRUE},  {200, FALSE}, {72, FALSE}, {73, TRUE},
      {73, FALSE},  {150, TRUE}, {199, TRUE},  {150, FALSE}, {201, TRUE},  {73, FALSE}, {74, TRUE},
      {74, FALSE},  {400, TRUE}, {272, FALSE}, {273, TRUE},  {273, FALSE}, {399, TRUE}, {330, TRUE},
      {330, FALSE}, {5, FALSE},  {274, TRUE},  {400, FALSE}, {201, FALSE}, {398, TRUE},
  };
  for (guint i = 0; i < G_N_ELEMENTS(steps); i++) {
    guint at = steps[i].index;
    gboolean ok = unprotect_rtcp_both(ours_rx, ref_rx, prof, &srtcp[at], &plain[at]);
    if (ok != steps[i].accepted)
      g_error("step %u, SRTCP index %u: %s, expected %s", i, at, ok ? "accepted" : "rejected",
              steps[i].accepted ? "accepted" : "rejected");
  }
  g_free(plain);
  g_free(srtcp);
}

typedef struct {
  guint32 key; /* where it goes in the delivery order */
  guint ssrc;  /* 0 or 1 */
  guint index;
} Delivery;

static int
delivery_compare(gconstpointer a, gconstpointer b)
{
  const Delivery *x = a, *y = b;
  return x->key < y->key ? -1 : x->key > y->key;
}

/* Two senders' indices 1 .. 300 and 60 copies, each put up to 250 places later: delivered late,
 * too late and twice. Ours decides packet by packet as libsrtp does, and as the window rule
 * says: accepted if not seen and less than 128 behind the highest. */
static void
test_srtcp_replay_shuffled(gconstpointer data)
{
  const Profile *prof = data;
  g_autoptr(GwSrtp) ours_rx = ours_rtcp_new(prof, key_rfc);
  g_autoptr(srtp_ctx_t) ref_rx = ref_rtcp_new(prof, key_rfc, FALSE, TRUE);
  g_autoptr(GRand) rand = g_rand_new_with_seed(3711 + prof->tag);
  enum { COUNT = 300, COPIES = 60, DELIVERIES = 2 * (COUNT + COPIES) };
  static const guint32 ssrcs[2] = {0x0dd0beefu, 0x0dd0bee0u};
  Packet *plain = g_new(Packet, 2 * (COUNT + 1));
  Packet *srtcp = g_new(Packet, 2 * (COUNT + 1));
  gboolean *seen = g_new0(gboolean, 2 * (COUNT + 1));
  Delivery *order = g_new(Delivery, DELIVERIES);
  guint highest[2] = {0, 0}, accepted = 0, replayed = 0, too_old = 0, d = 0;

  for (guint s = 0; s < 2; s++) {
    replay_packets(prof, ssrcs[s], COUNT, plain + s * (COUNT + 1), srtcp + s * (COUNT + 1));
    for (guint i = 1; i <= COUNT + COPIES; i++) {
      guint index = i <= COUNT ? i : (guint)g_rand_int_range(rand, 1, COUNT + 1);
      guint32 late = g_rand_int_range(rand, 0, 3) == 0 ? g_rand_int_range(rand, 0, 250)
                                                       : g_rand_int_range(rand, 0, 40);
      order[d++] = (Delivery){.key = 2 * (index + late) + s, .ssrc = s, .index = index};
    }
  }
  qsort(order, DELIVERIES, sizeof *order, delivery_compare);
  for (d = 0; d < DELIVERIES; d++) {
    guint s = order[d].ssrc, at = order[d].index, n = s * (COUNT + 1) + at;
    gboolean want = !seen[n] && at + 128 > highest[s];
    gboolean ok = unprotect_rtcp_both(ours_rx, ref_rx, prof, &srtcp[n], &plain[n]);
    if (ok != want)
      g_error("SSRC %08x index %u (highest %u, %s): %s", ssrcs[s], at, highest[s],
              seen[n] ? "seen" : "not seen", ok ? "accepted" : "rejected");
    if (ok) {
      accepted++;
      seen[n] = TRUE;
      highest[s] = MAX(highest[s], at);
    } else if (seen[n]) {
      replayed++;
    } else {
      too_old++;
    }
  }
  g_test_message("accepted %u, replays %u, too old %u", accepted, replayed, too_old);
  g_assert_cmpuint(accepted, >, 400);
  g_assert_cmpuint(replayed, >, 30);
  g_assert_cmpuint(too_old, >, 30);
  g_free(plain);
  g_free(srtcp);
  g_free(seen);
  g_free(order);
}

/* SRTCP authenticated only (libsrtp with sec_serv_auth for RTCP): the E flag is clear and the
 * compound in the clear. A libsrtp receiver whose policy encrypts (GStreamer's) refuses it with
 * srtp_err_status_cant_check, and so does ours. */
static void
test_srtcp_unencrypted(gconstpointer data)
{
  const Profile *prof = data;
  g_autoptr(GwSrtp) ours_rx = ours_rtcp_new(prof, key_seeded);
  g_autoptr(srtp_ctx_t) ref = ref_rtcp_new(prof, key_seeded, TRUE, FALSE);
  g_autoptr(srtp_ctx_t) ref_rx_conf = ref_rtcp_new(prof, key_seeded, FALSE, TRUE);

  for (guint i = 0; i < 8; i++) {
    Packet plain, srtcp, bad, conf;
    compound_build(&plain, 0xe0e0e0e0u, i, i % COMPOUND_KINDS);
    srtcp = plain;
    ref_protect_rtcp(ref, &srtcp);
    g_assert_cmpuint(srtcp.len, ==, plain.len + GW_SRTCP_TRAILER + prof->tag);
    g_assert_cmpmem(srtcp.data, plain.len, plain.data, plain.len);
    g_assert_cmphex(srtcp_trailer(&srtcp, prof), ==, i + 1);

    conf = srtcp;
    int len = (int)conf.len;
    g_assert_cmpint(srtp_unprotect_rtcp(ref_rx_conf, conf.data, &len), ==,
                    srtp_err_status_cant_check);

    /* ...and so does ours, whose policy is always to encrypt, leaving the
     * context as it was. */
    Packet copy = srtcp;
    g_assert_cmpuint(gw_srtcp_unprotect(ours_rx, copy.data, copy.len), ==, 0);
    g_assert_cmpmem(copy.data, copy.len, srtcp.data, srtcp.len);
    bad = srtcp;
    bad.data[plain.len] |= 0x80; /* claims to be encrypted: the tag no longer fits */
    g_assert_cmpuint(gw_srtcp_unprotect(ours_rx, bad.data, bad.len), ==, 0);
  }
  /* Nothing was let in: an encrypted packet of that sender with index 1 still is. */
  Packet plain, srtcp;
  compound_build(&plain, 0xe0e0e0e0u, 0, 0);
  srtcp = plain;
  g_autoptr(GwSrtp) ours_tx = ours_rtcp_new(prof, key_seeded);
  srtcp.len = gw_srtcp_protect(ours_tx, srtcp.data, srtcp.len, sizeof srtcp.data);
  g_assert_cmphex(srtcp_trailer(&srtcp, prof), ==, 0x80000001u);
  g_assert_cmpuint(gw_srtcp_unprotect(ours_rx, srtcp.data, srtcp.len), ==, plain.len);
  g_assert_cmpmem(srtcp.data, plain.len, plain.data, plain.len);
}

/* Not SRTCP, too short or of another version, or the wrong kind of context: unprotect rejects,
 * protect refuses and leaves the packet as it was. */
static void
test_srtcp_malformed(gconstpointer data)
{
  const Profile *prof = data;
  g_autoptr(GwSrtp) ours = ours_rtcp_new(prof, key_rfc);
  g_autoptr(GwSrtp) ours_rx = ours_rtcp_new(prof, key_rfc);
  g_autoptr(srtp_ctx_t) ref = ref_rtcp_new(prof, key_rfc, TRUE, TRUE);
  g_autoptr(srtp_ctx_t) ref_rx = ref_rtcp_new(prof, key_rfc, FALSE, TRUE);
  Packet plain, srtcp, copy;
  const gsize least = 8 + GW_SRTCP_TRAILER + prof->tag;

  /* An RR without report blocks is the shortest RTCP (8 bytes); every shorter SRTCP length, each
   * in a buffer of exactly that size so ASan sees a read past it. */
  compound_build(&plain, 0x5107, 0, COMPOUND_RR);
  plain.data[0] = 0x80;
  plain.data[3] = 1;
  plain.len = 8;
  srtcp = plain;
  ref_protect_rtcp(ref, &srtcp);
  g_assert_cmpuint(srtcp.len, ==, least);
  for (gsize len = 0; len < srtcp.len; len++) {
    g_autofree guint8 *cut = g_memdup2(srtcp.data, len);
    g_assert_cmpuint(gw_srtcp_unprotect(ours_rx, cut, len), ==, 0);
  }
  /* a longer compound cut anywhere */
  compound_build(&plain, 0x5107, 1, COMPOUND_SR_SDES);
  Packet whole = plain;
  ref_protect_rtcp(ref, &whole);
  for (gsize len = 0; len < whole.len; len++) {
    g_autofree guint8 *cut = g_memdup2(whole.data, len);
    g_assert_cmpuint(gw_srtcp_unprotect(ours_rx, cut, len), ==, 0);
  }
  /* and at exactly the least length, the 8-byte RR is accepted */
  compound_build(&plain, 0x5107, 0, COMPOUND_RR);
  plain.data[0] = 0x80;
  plain.data[3] = 1;
  plain.len = 8;
  g_assert_true(unprotect_rtcp_both(ours_rx, ref_rx, prof, &srtcp, &plain));
  compound_build(&plain, 0x5107, 1, COMPOUND_SR_SDES);
  g_assert_true(unprotect_rtcp_both(ours_rx, ref_rx, prof, &whole, &plain));

  /* Versions 0, 1 and 3, authentic (libsrtp does not look at the version): unprotect rejects
   * them, protect refuses them. */
  for (guint v = 0; v < 4; v++) {
    if (v == 2)
      continue;
    compound_build(&plain, 0x5107, 10 + v, COMPOUND_SR_SDES);
    plain.data[0] = (guint8)(v << 6 | (plain.data[0] & 0x3f));
    srtcp = plain;
    ref_protect_rtcp(ref, &srtcp);
    g_assert_cmpuint(gw_srtcp_unprotect(ours_rx, srtcp.data, srtcp.len), ==, 0);
    copy = plain;
    g_assert_cmpuint(gw_srtcp_protect(ours, copy.data, copy.len, sizeof copy.data), ==, 0);
    g_assert_cmpmem(copy.data, copy.len, plain.data, plain.len);
  }
  /* protect: shorter than eight bytes */
  compound_build(&plain, 0x5108, 0, COMPOUND_PLI);
  for (gsize len = 0; len < 8; len++) {
    copy = plain;
    g_assert_cmpuint(gw_srtcp_protect(ours, copy.data, len, sizeof copy.data), ==, 0);
    g_assert_cmpmem(copy.data, plain.len, plain.data, plain.len);
  }

  /* The stream goes on: the refusals took no index, so ours is still libsrtp's. */
  g_autoptr(srtp_ctx_t) ref_tx = ref_rtcp_new(prof, key_rfc, TRUE, TRUE);
  for (guint i = 0; i < 6; i++) {
    compound_build(&plain, i % 2 ? 0x5108 : 0x5107, 20 + i, i % COMPOUND_KINDS);
    protect_rtcp_both(ours, ref_tx, prof, &plain, &srtcp);
    g_assert_cmphex(srtcp_trailer(&srtcp, prof), ==, 0x80000001u + i / 2);
  }
  compound_build(&plain, 0x5107, 30, COMPOUND_RR);
  srtcp = plain;
  ref_protect_rtcp(ref, &srtcp);
  g_assert_true(unprotect_rtcp_both(ours_rx, ref_rx, prof, &srtcp, &plain));
}

/* protect needs room for the trailer and the tag: any less is refused, takes no index and leaves
 * the packet alone; exactly enough gives libsrtp's packet. */
static void
test_srtcp_protect_room(gconstpointer data)
{
  const Profile *prof = data;
  g_autoptr(GwSrtp) ours = ours_rtcp_new(prof, key_rfc);
  g_autoptr(GwSrtp) ours_rx = ours_rtcp_new(prof, key_rfc);
  g_autoptr(srtp_ctx_t) ref = ref_rtcp_new(prof, key_rfc, TRUE, TRUE);
  Packet plain, srtcp, theirs;

  for (guint i = 0; i < COMPOUND_KINDS; i++) {
    compound_build(&plain, 0x700, i, i);
    gsize need = plain.len + GW_SRTCP_TRAILER + prof->tag;
    for (gsize size = 0; size < need; size++) {
      srtcp = plain;
      g_assert_cmpuint(gw_srtcp_protect(ours, srtcp.data, srtcp.len, size), ==, 0);
      g_assert_cmpmem(srtcp.data, plain.len, plain.data, plain.len);
    }
    srtcp = plain;
    srtcp.len = gw_srtcp_protect(ours, srtcp.data, plain.len, need);
    g_assert_cmpuint(srtcp.len, ==, need);
    theirs = plain;
    ref_protect_rtcp(ref, &theirs);
    assert_same("SRTCP protect into exact room: ours vs libsrtp", &srtcp, &theirs);
    g_assert_cmphex(srtcp_trailer(&srtcp, prof), ==, 0x80000001u + i);
    g_assert_true(ours_unprotect_rtcp(ours_rx, prof, &srtcp));
    assert_same("SRTCP unprotect: ours vs original", &srtcp, &plain);
  }
}

/* An SRTCP context is refused by the SRTP functions and an SRTP one by the SRTCP functions,
 * before either touches the packet or its state. */
static void
test_srtcp_wrong_context(gconstpointer data)
{
  const Profile *prof = data;
  g_autoptr(GwSrtp) srtp = ours_new(prof, key_rfc);
  g_autoptr(GwSrtp) srtcp = ours_rtcp_new(prof, key_rfc);
  g_autoptr(GwSrtp) srtcp_rx = ours_rtcp_new(prof, key_rfc);
  g_autoptr(srtp_ctx_t) ref = ref_rtcp_new(prof, key_rfc, TRUE, TRUE);
  g_autoptr(srtp_ctx_t) ref_rx = ref_rtcp_new(prof, key_rfc, FALSE, TRUE);
  Packet rtp, rtcp, copy, protected_rtp, protected_rtcp;

  packet_nth(&rtp, 0x600d, 77, 2);
  copy = rtp;
  g_assert_cmpuint(gw_srtp_protect(srtcp, copy.data, copy.len, sizeof copy.data), ==, 0);
  g_assert_cmpmem(copy.data, rtp.len, rtp.data, rtp.len);
  protected_rtp = rtp;
  ours_protect(srtp, prof, &protected_rtp);
  copy = protected_rtp;
  g_assert_cmpuint(gw_srtp_unprotect(srtcp, copy.data, copy.len), ==, 0);

  compound_build(&rtcp, 0x600d, 0, COMPOUND_SR_SDES);
  copy = rtcp;
  g_assert_cmpuint(gw_srtcp_protect(srtp, copy.data, copy.len, sizeof copy.data), ==, 0);
  g_assert_cmpmem(copy.data, rtcp.len, rtcp.data, rtcp.len);
  protected_rtcp = rtcp;
  ref_protect_rtcp(ref, &protected_rtcp);
  copy = protected_rtcp;
  g_assert_cmpuint(gw_srtcp_unprotect(srtp, copy.data, copy.len), ==, 0);

  /* The SRTCP contexts did not move: index 1 still comes first, and is accepted once. */
  g_autoptr(srtp_ctx_t) ref_again = ref_rtcp_new(prof, key_rfc, TRUE, TRUE);
  protect_rtcp_both(srtcp, ref_again, prof, &rtcp, &copy);
  g_assert_cmphex(srtcp_trailer(&copy, prof), ==, 0x80000001u);
  g_assert_true(unprotect_rtcp_both(srtcp_rx, ref_rx, prof, &protected_rtcp, &rtcp));
  g_assert_false(unprotect_rtcp_both(srtcp_rx, ref_rx, prof, &protected_rtcp, &rtcp));
}

/* Seventeen senders in turn, three rounds: each keeps counting its own index, as libsrtp does.
 * Starting a forgotten sender again at index 1 would encrypt a new compound with the keystream
 * of an old one (RFC 3711 9.1), and the receiver would drop it as a replay. */
static void
test_srtcp_many_senders(gconstpointer data)
{
  const Profile *prof = data;
  g_autoptr(GwSrtp) ours = ours_rtcp_new(prof, key_rfc);
  g_autoptr(srtp_ctx_t) ref = ref_rtcp_new(prof, key_rfc, TRUE, TRUE);
  Packet plain, srtcp;

  for (guint round = 0; round < 3; round++) {
    for (guint n = 0; n < LRU_SSRCS; n++) {
      compound_build(&plain, LRU_SSRC(n), round, (n + round) % COMPOUND_KINDS);
      protect_rtcp_both(ours, ref, prof, &plain, &srtcp);
      g_assert_cmphex(srtcp_trailer(&srtcp, prof), ==, 0x80000001u + round);
    }
  }
}

/* Sixteen senders known to a receiver: forged packets from new SSRCs take nobody's window, so
 * each sender's last packet is still a replay. */
static void
test_srtcp_forged_senders(gconstpointer data)
{
  const Profile *prof = data;
  g_autoptr(GwSrtp) ours_rx = ours_rtcp_new(prof, key_rfc);
  g_autoptr(srtp_ctx_t) ref = ref_rtcp_new(prof, key_rfc, TRUE, TRUE);
  g_autoptr(srtp_ctx_t) ref_rx = ref_rtcp_new(prof, key_rfc, FALSE, TRUE);
  Packet *plain = g_new(Packet, LRU_SSRCS - 1);
  Packet *last = g_new(Packet, LRU_SSRCS - 1);
  Packet forged, bad;

  for (guint i = 0; i < 3; i++) {
    for (guint n = 0; n < LRU_SSRCS - 1; n++) {
      compound_build(&plain[n], LRU_SSRC(n), i, (n + i) % COMPOUND_KINDS);
      last[n] = plain[n];
      ref_protect_rtcp(ref, &last[n]);
      g_assert_true(unprotect_rtcp_both(ours_rx, ref_rx, prof, &last[n], &plain[n]));
    }
  }
  for (guint f = 0; f < 8; f++) {
    compound_build(&forged, LRU_SSRC(100 + f), f, f % COMPOUND_KINDS);
    bad = forged;
    ref_protect_rtcp(ref, &bad);
    bad.data[bad.len - 1] ^= 1;
    g_assert_false(unprotect_rtcp_both(ours_rx, ref_rx, prof, &bad, &forged));
  }
  for (guint n = 0; n < LRU_SSRCS - 1; n++) {
    if (unprotect_rtcp_both(ours_rx, ref_rx, prof, &last[n], &plain[n]))
      g_error("SSRC %u of %u: a replay accepted after forged packets", n, LRU_SSRCS - 1);
  }
  g_free(plain);
  g_free(last);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_assert_cmpint(srtp_init(), ==, srtp_err_status_ok);
  g_autoptr(GRand) rand = g_rand_new_with_seed(3711);
  for (guint i = 0; i < GW_SRTP_MASTER_LEN; i++)
    key_seeded[i] = (guint8)g_rand_int(rand);

  g_test_add_func("/srtp/new/master-length", test_new_master_length);
  const struct {
    const char *name;
    const Profile *prof;
  } profiles[] = {{"80", &profile_80}, {"32", &profile_32}};
  const struct {
    const char *name;
    GTestDataFunc func;
  } cases[] = {
      {"protect-matches-libsrtp", test_protect_matches},
      {"unprotect-from-libsrtp", test_unprotect_from_libsrtp},
      {"rollover", test_rollover},
      {"rollover-reordered", test_rollover_reordered},
      {"resend", test_resend},
      {"resend-too-old", test_resend_too_old},
      {"unprotect-tampered", test_unprotect_tampered},
      {"unprotect-replay", test_unprotect_replay},
      {"unprotect-window-slides", test_unprotect_window_slides},
      {"malformed", test_malformed},
      {"protect-room", test_protect_room},
      {"interleaved-ssrcs", test_interleaved_ssrcs},
      {"lru-protect", test_lru_protect},
      {"lru-unprotect", test_lru_unprotect},
  };
  for (guint p = 0; p < G_N_ELEMENTS(profiles); p++) {
    for (guint c = 0; c < G_N_ELEMENTS(cases); c++) {
      g_autofree char *path = g_strdup_printf("/srtp/%s/%s", profiles[p].name, cases[c].name);
      g_test_add_data_func(path, profiles[p].prof, cases[c].func);
    }
  }

  g_test_add_func("/srtcp/new/master-length", test_srtcp_new_master_length);
  const struct {
    const char *name;
    GTestDataFunc func;
  } srtcp_cases[] = {
      {"protect-matches-libsrtp", test_srtcp_protect_matches},
      {"round-trip-libsrtp", test_srtcp_round_trip_libsrtp},
      {"trailer", test_srtcp_trailer},
      {"unprotect-tampered", test_srtcp_unprotect_tampered},
      {"unprotect-replay", test_srtcp_unprotect_replay},
      {"replay-shuffled", test_srtcp_replay_shuffled},
      {"unencrypted", test_srtcp_unencrypted},
      {"malformed", test_srtcp_malformed},
      {"protect-room", test_srtcp_protect_room},
      {"wrong-context", test_srtcp_wrong_context},
      {"many-senders", test_srtcp_many_senders},
      {"forged-senders", test_srtcp_forged_senders},
  };
  for (guint p = 0; p < G_N_ELEMENTS(profiles); p++) {
    for (guint c = 0; c < G_N_ELEMENTS(srtcp_cases); c++) {
      g_autofree char *path =
          g_strdup_printf("/srtcp/%s/%s", profiles[p].name, srtcp_cases[c].name);
      g_test_add_data_func(path, profiles[p].prof, srtcp_cases[c].func);
    }
  }
  int status = g_test_run();
  srtp_shutdown();
  return status;
}
