/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for the SRTP implementation (webrtc/srtp.c) against the reference, libsrtp 2. */
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

static srtp_t
ref_new(const Profile *prof, const guint8 *key, gboolean sender)
{
  srtp_policy_t policy;
  memset(&policy, 0, sizeof policy);
  if (prof->profile == GW_SRTP_AES_CM_128_HMAC_SHA1_80)
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
  else
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp);
  srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
  policy.ssrc.type = sender ? ssrc_any_outbound : ssrc_any_inbound;
  policy.key = (unsigned char *)key;
  policy.window_size = 1024;
  policy.allow_repeat_tx = 1;
  srtp_t ctx = NULL;
  g_assert_cmpint(srtp_create(&ctx, &policy), ==, srtp_err_status_ok);
  return ctx;
}

static void
ref_protect(srtp_t ref, Packet *pkt)
{
  int len = (int)pkt->len;
  g_assert_cmpint(srtp_protect(ref, pkt->data, &len), ==, srtp_err_status_ok);
  pkt->len = (gsize)len;
}

/* TRUE if libsrtp accepts @pkt; then @pkt is the RTP packet. */
static gboolean
ref_unprotect(srtp_t ref, Packet *pkt)
{
  int len = (int)pkt->len;
  if (srtp_unprotect(ref, pkt->data, &len) != srtp_err_status_ok)
    return FALSE;
  pkt->len = (gsize)len;
  return TRUE;
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
  int status = g_test_run();
  srtp_shutdown();
  return status;
}
