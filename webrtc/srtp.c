/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SRTP for RTP packets (RFC 3711), AES-CM-128 with HMAC-SHA1 (80- or 32-bit
 * tags), on OpenSSL.
 *
 * Written by hand on OpenSSL's AES-CTR and HMAC (SRTCP too, at the end) because the SRTP library
 * Debian has, libsrtp 2.5, is built on NSS, which makes and frees a key
 * context per packet: 4.7 us to protect a 1200-byte packet on this machine,
 * against 1.0-1.3 us for the same work with contexts kept (OpenSSL). With
 * two SRTP operations per forwarded packet that was about a tenth of the
 * gateway's CPU. libsrtp stays the reference: the tests compare every byte
 * with it (tests/webrtc/test-srtp.c).
 *
 * The packet index follows libsrtp's replay database (srtp_rdbx_*) exactly,
 * for sending as for receiving, so that both ends agree on the rollover
 * counter in every case libsrtp would: the first packet starts the count at
 * its own sequence number with rollover counter 0, and later ones are placed
 * within 2^15 of the highest so far (RFC 3711 3.3.1).
 */
#include "webrtc/srtp.h"

#include "webrtc/bytes.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

#define KEY_LEN 16
#define SALT_LEN 14
#define AUTH_KEY_LEN 20
#define SEQ_MEDIAN 0x8000
#define SEQ_MAX 0x10000
#define INDEX_MASK G_GUINT64_CONSTANT(0xffffffffffff) /* 48 bits */
#define STREAMS 16

typedef struct {
  guint32 ssrc;
  gboolean used;
  guint64 last_use;
  guint64 index;                       /* the highest packet index so far (48 bits) */
  guint64 window[GW_SRTP_WINDOW / 64]; /* bit (i % WINDOW): index i was seen, for i in
                                        * (index - WINDOW, index] */
} Stream;

struct _GwSrtp {
  gboolean rtcp; /* an SRTCP context: keys of labels 3-5, streams count SRTCP indices */
  guint tag_len;
  EVP_CIPHER_CTX *cipher; /* AES-128-CTR with the session key */
  EVP_MAC_CTX *mac;       /* HMAC-SHA1 with the session auth key */
  guint8 salt[SALT_LEN];  /* the session salt */
  Stream streams[STREAMS];
  guint64 uses;
  GHashTable *srtcp_sent; /* SRTCP: sender SSRC -> last index sent, never forgotten (a
                           * restarted count would reuse a keystream, RFC 3711 9.1) */
};

/* ---- keys (RFC 3711 4.3.1, key derivation rate 0) ---- */

/* AES-CM keystream of @len bytes under @key from the counter block @iv. */
static gboolean
keystream(const guint8 *key, const guint8 iv[16], guint8 *out, int len)
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  guint8 zeros[32] = {0};
  int n = 0;
  gboolean ok = ctx && len <= (int)sizeof zeros &&
                EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), NULL, key, iv) == 1 &&
                EVP_EncryptUpdate(ctx, out, &n, zeros, len) == 1 && n == len;
  EVP_CIPHER_CTX_free(ctx);
  return ok;
}

static gboolean
derive(const guint8 *master_key, const guint8 *master_salt, guint8 label, guint8 *out, int len)
{
  /* x = key_id XOR master salt, key_id = label || 48 zero bits (r = 0), as the
   * top 112 bits of the counter block. */
  guint8 iv[16] = {0};
  memcpy(iv, master_salt, SALT_LEN);
  iv[7] ^= label;
  return keystream(master_key, iv, out, len);
}

/* Labels 0-2 give SRTP's keys, 3-5 SRTCP's (RFC 3711 4.3.2). */
static GwSrtp *
context_new(GwSrtpProfile profile, const guint8 *master, gsize master_len, gboolean rtcp)
{
  if (!master || master_len != GW_SRTP_MASTER_LEN)
    return NULL;
  GwSrtp *s = g_new0(GwSrtp, 1);
  s->rtcp = rtcp;
  if (rtcp)
    s->srtcp_sent = g_hash_table_new(NULL, NULL);
  s->tag_len = profile == GW_SRTP_AES_CM_128_HMAC_SHA1_32 ? 4 : 10;
  guint8 key[KEY_LEN], auth_key[AUTH_KEY_LEN];
  guint8 label = rtcp ? 0x03 : 0x00;
  gboolean ok = derive(master, master + KEY_LEN, label, key, KEY_LEN) &&
                derive(master, master + KEY_LEN, label + 1, auth_key, AUTH_KEY_LEN) &&
                derive(master, master + KEY_LEN, label + 2, s->salt, SALT_LEN);
  if (ok) {
    s->cipher = EVP_CIPHER_CTX_new();
    ok = s->cipher && EVP_EncryptInit_ex(s->cipher, EVP_aes_128_ctr(), NULL, key, NULL) == 1;
  }
  if (ok) {
    EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    s->mac = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
    EVP_MAC_free(hmac);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA1", 0),
        OSSL_PARAM_construct_end(),
    };
    ok = s->mac && EVP_MAC_init(s->mac, auth_key, AUTH_KEY_LEN, params) == 1;
  }
  OPENSSL_cleanse(key, sizeof key);
  OPENSSL_cleanse(auth_key, sizeof auth_key);
  if (!ok) {
    gw_srtp_free(s);
    return NULL;
  }
  return s;
}

GwSrtp *
gw_srtp_new(GwSrtpProfile profile, const guint8 *master, gsize master_len)
{
  return context_new(profile, master, master_len, FALSE);
}

GwSrtp *
gw_srtcp_new(GwSrtpProfile profile, const guint8 *master, gsize master_len)
{
  return context_new(profile, master, master_len, TRUE);
}

void
gw_srtp_free(GwSrtp *srtp)
{
  if (!srtp)
    return;
  EVP_CIPHER_CTX_free(srtp->cipher);
  EVP_MAC_CTX_free(srtp->mac);
  if (srtp->srtcp_sent)
    g_hash_table_unref(srtp->srtcp_sent);
  OPENSSL_cleanse(srtp, sizeof *srtp);
  g_free(srtp);
}

/* ---- the packet index and the replay window (libsrtp's srtp_rdbx_*) ---- */

static Stream *
stream_for(GwSrtp *s, guint32 ssrc)
{
  Stream *lru = &s->streams[0];
  for (guint i = 0; i < STREAMS; i++) {
    Stream *st = &s->streams[i];
    if (st->used && st->ssrc == ssrc)
      return st;
    if (!st->used || (lru->used && st->last_use < lru->last_use))
      lru = st;
  }
  /* A new SSRC takes a free slot, or the one used longest ago. */
  memset(lru, 0, sizeof *lru);
  lru->ssrc = ssrc;
  lru->used = TRUE;
  return lru;
}

static Stream *
stream_known(GwSrtp *s, guint32 ssrc)
{
  for (guint i = 0; i < STREAMS; i++)
    if (s->streams[i].used && s->streams[i].ssrc == ssrc)
      return &s->streams[i];
  return NULL;
}

/* The index of sequence number @seq, and how far it is ahead of the highest. */
static gint
estimate(const Stream *st, guint seq, guint64 *index)
{
  if (st->index <= SEQ_MEDIAN) {
    /* No rollover counter yet: the number stands as it is. */
    *index = seq;
    return (gint)seq - (gint)st->index;
  }
  guint32 roc = (guint32)(st->index >> 16), guess_roc;
  gint local = (gint)(st->index & 0xffff), difference;
  if (local < SEQ_MEDIAN) {
    if ((gint)seq - local > SEQ_MEDIAN) {
      guess_roc = roc - 1;
      difference = (gint)seq - local - SEQ_MAX;
    } else {
      guess_roc = roc;
      difference = (gint)seq - local;
    }
  } else if (local - SEQ_MEDIAN > (gint)seq) {
    guess_roc = roc + 1;
    difference = (gint)seq - local + SEQ_MAX;
  } else {
    guess_roc = roc;
    difference = (gint)seq - local;
  }
  *index = ((guint64)guess_roc << 16 | seq) & INDEX_MASK;
  return difference;
}

typedef enum { INDEX_NEW, INDEX_SEEN, INDEX_TOO_OLD } IndexCheck;

static gboolean
window_bit(const Stream *st, guint64 index)
{
  guint bit = (guint)(index % GW_SRTP_WINDOW);
  return (st->window[bit / 64] >> (bit % 64)) & 1;
}

static IndexCheck
check(const Stream *st, gint delta, guint64 index)
{
  if (delta > 0)
    return INDEX_NEW;
  if (GW_SRTP_WINDOW - 1 + delta < 0)
    return INDEX_TOO_OLD;
  return window_bit(st, index) ? INDEX_SEEN : INDEX_NEW;
}

static void
add(Stream *st, gint delta, guint64 index)
{
  if (delta > 0) {
    /* Forget the bits the window moves past. */
    if (delta >= GW_SRTP_WINDOW) {
      memset(st->window, 0, sizeof st->window);
    } else {
      for (guint64 i = st->index + 1; i <= st->index + (guint64)delta; i++) {
        guint bit = (guint)(i % GW_SRTP_WINDOW);
        st->window[bit / 64] &= ~(G_GUINT64_CONSTANT(1) << (bit % 64));
      }
    }
    st->index = (st->index + (guint64)delta) & INDEX_MASK;
  }
  guint bit = (guint)(index % GW_SRTP_WINDOW);
  st->window[bit / 64] |= G_GUINT64_CONSTANT(1) << (bit % 64);
}

/* ---- one packet ---- */

/* Bytes of the RTP header (with CSRCs and extension), or 0 if @pkt is not RTP. */
static gsize
header_len(const guint8 *pkt, gsize len)
{
  if (len < 12 || (pkt[0] & 0xc0) != 0x80)
    return 0;
  gsize n = 12 + 4u * (pkt[0] & 0x0f);
  if (pkt[0] & 0x10) {
    if (n + 4 > len)
      return 0;
    n += 4 + 4u * ((gsize)pkt[n + 2] << 8 | pkt[n + 3]);
  }
  return n <= len ? n : 0;
}

/* Encrypts (or decrypts) @pkt[@from, @to) for @ssrc at @index (RFC 3711 4.1.1). */
static gboolean
apply_keystream(GwSrtp *s, guint8 *pkt, gsize from, gsize to, guint32 ssrc, guint64 index)
{
  guint8 iv[16] = {0};
  memcpy(iv, s->salt, SALT_LEN);
  for (guint i = 0; i < 4; i++)
    iv[4 + i] ^= (guint8)(ssrc >> (24 - 8 * i));
  for (guint i = 0; i < 6; i++)
    iv[8 + i] ^= (guint8)(index >> (40 - 8 * i));
  int n = 0;
  return EVP_EncryptInit_ex(s->cipher, NULL, NULL, NULL, iv) == 1 &&
         EVP_EncryptUpdate(s->cipher, pkt + from, &n, pkt + from, (int)(to - from)) == 1 &&
         n == (int)(to - from);
}

/* The tag over @pkt[0, @len) and the rollover counter of @index (RFC 3711 4.2). */
static gboolean
auth_tag(GwSrtp *s, const guint8 *pkt, gsize len, guint64 index, guint8 out[20], gboolean with_roc)
{
  guint32 roc = (guint32)(index >> 16);
  guint8 roc_be[4] = {(guint8)(roc >> 24), (guint8)(roc >> 16), (guint8)(roc >> 8), (guint8)roc};
  gsize n = 0;
  /* A NULL key starts again with the same key (no new key schedule). SRTCP
   * authenticates only the packet: its index is inside it. */
  return EVP_MAC_init(s->mac, NULL, 0, NULL) == 1 && EVP_MAC_update(s->mac, pkt, len) == 1 &&
         (!with_roc || EVP_MAC_update(s->mac, roc_be, sizeof roc_be) == 1) &&
         EVP_MAC_final(s->mac, out, &n, 20) == 1 && n == 20;
}

/* The tag after @pkt[0, @len) is the one @s computes (with @index's rollover counter for SRTP). */
static gboolean
tag_matches(GwSrtp *s, const guint8 *pkt, gsize len, guint64 index, gboolean with_roc)
{
  guint8 mac[20];
  return auth_tag(s, pkt, len, index, mac, with_roc) &&
         CRYPTO_memcmp(mac, pkt + len, s->tag_len) == 0;
}

/* The SSRC of an RTP packet (an SRTCP packet's sender: gw_read32(pkt + 4)). */
static guint32
ssrc_of(const guint8 *pkt)
{
  return gw_read32(pkt + 8);
}

gsize
gw_srtp_protect(GwSrtp *s, guint8 *pkt, gsize len, gsize size)
{
  gsize header = s->rtcp ? 0 : header_len(pkt, len);
  if (header == 0 || size < len + s->tag_len)
    return 0;
  Stream *st = stream_for(s, ssrc_of(pkt));
  st->last_use = ++s->uses;
  guint64 index;
  gint delta = estimate(st, (guint)pkt[2] << 8 | pkt[3], &index);
  IndexCheck seen = check(st, delta, index);
  if (seen == INDEX_TOO_OLD)
    return 0;
  /* A resend (INDEX_SEEN) is protected again under the same index. */
  guint8 mac[20];
  if (!apply_keystream(s, pkt, header, len, st->ssrc, index) ||
      !auth_tag(s, pkt, len, index, mac, TRUE))
    return 0;
  if (seen == INDEX_NEW)
    add(st, delta, index);
  memcpy(pkt + len, mac, s->tag_len);
  return len + s->tag_len;
}

gsize
gw_srtp_unprotect(GwSrtp *s, guint8 *pkt, gsize len)
{
  if (s->rtcp || len < 12 + s->tag_len)
    return 0;
  gsize rtp_len = len - s->tag_len;
  gsize header = header_len(pkt, rtp_len);
  if (header == 0)
    return 0;
  /* Look the stream up without making one: a forged packet must not push out a real one. */
  guint32 ssrc = ssrc_of(pkt);
  Stream *st = stream_known(s, ssrc), fresh = {.ssrc = ssrc, .used = TRUE};
  const Stream *view = st ? st : &fresh;
  guint64 index;
  gint delta = estimate(view, (guint)pkt[2] << 8 | pkt[3], &index);
  if (check(view, delta, index) != INDEX_NEW)
    return 0;
  if (!tag_matches(s, pkt, rtp_len, index, TRUE))
    return 0;
  if (!apply_keystream(s, pkt, header, rtp_len, ssrc, index))
    return 0;
  if (!st)
    st = stream_for(s, ssrc);
  st->last_use = ++s->uses;
  add(st, delta, index);
  return rtp_len;
}

/* ---- SRTCP (RFC 3711 3.4) ----
 *
 * The first eight bytes (header and sender SSRC) stay clear; the rest is
 * encrypted with the keystream of (SSRC, SRTCP index), the index (31 bits,
 * counted per sender SSRC from 1, as libsrtp counts) follows with the E flag,
 * and the tag covers all of it. The receiving side keeps libsrtp's replay
 * database for SRTCP (srtp_rdb_*): a window of 128 indices whose start
 * moves with the highest index seen; in a Stream, `index` is the window's
 * start and window[0..1] its 128 bits. The sending side counts in srtcp_sent.
 */
#define SRTCP_HEADER 8
#define SRTCP_E_FLAG 0x80000000u
#define SRTCP_INDEX_MAX 0x7fffffffu
#define SRTCP_WINDOW 128

static gboolean
rdb_bit(const Stream *st, guint32 offset)
{
  return (st->window[offset / 64] >> (offset % 64)) & 1;
}

static gboolean
rdb_check(const Stream *st, guint32 index)
{
  if (index >= st->index + SRTCP_WINDOW)
    return TRUE;
  if (index < st->index)
    return FALSE; /* older than the window */
  return !rdb_bit(st, (guint32)(index - st->index));
}

static void
rdb_add(Stream *st, guint32 index)
{
  guint64 delta = index - st->index;
  if (delta >= SRTCP_WINDOW) {
    /* The window moves on so that @index is its last bit. */
    guint64 shift = delta - (SRTCP_WINDOW - 1);
    guint64 lo = st->window[0], hi = st->window[1];
    if (shift >= SRTCP_WINDOW) {
      lo = hi = 0;
    } else if (shift >= 64) {
      lo = hi >> (shift - 64);
      hi = 0;
    } else if (shift > 0) {
      lo = lo >> shift | hi << (64 - shift);
      hi >>= shift;
    }
    st->window[0] = lo;
    st->window[1] = hi;
    st->index += shift;
    delta = SRTCP_WINDOW - 1;
  }
  st->window[delta / 64] |= G_GUINT64_CONSTANT(1) << (delta % 64);
}

gsize
gw_srtcp_protect(GwSrtp *s, guint8 *pkt, gsize len, gsize size)
{
  if (!s->rtcp || len < SRTCP_HEADER || (pkt[0] & 0xc0) != 0x80 ||
      size < len + GW_SRTCP_TRAILER + s->tag_len)
    return 0;
  guint32 ssrc = gw_read32(pkt + 4);
  guint32 last = GPOINTER_TO_UINT(g_hash_table_lookup(s->srtcp_sent, GUINT_TO_POINTER(ssrc)));
  if (last >= SRTCP_INDEX_MAX)
    return 0; /* libsrtp: the key has expired */
  guint32 index = last + 1;
  guint8 mac[20];
  if (!apply_keystream(s, pkt, SRTCP_HEADER, len, ssrc, index))
    return 0;
  guint32 trailer = SRTCP_E_FLAG | index;
  for (guint i = 0; i < 4; i++)
    pkt[len + i] = (guint8)(trailer >> (24 - 8 * i));
  if (!auth_tag(s, pkt, len + GW_SRTCP_TRAILER, 0, mac, FALSE))
    return 0;
  g_hash_table_insert(s->srtcp_sent, GUINT_TO_POINTER(ssrc), GUINT_TO_POINTER(index));
  memcpy(pkt + len + GW_SRTCP_TRAILER, mac, s->tag_len);
  return len + GW_SRTCP_TRAILER + s->tag_len;
}

gsize
gw_srtcp_unprotect(GwSrtp *s, guint8 *pkt, gsize len)
{
  if (!s->rtcp || len < SRTCP_HEADER + GW_SRTCP_TRAILER + s->tag_len || (pkt[0] & 0xc0) != 0x80)
    return 0;
  gsize rtcp_len = len - s->tag_len - GW_SRTCP_TRAILER;
  guint32 trailer = gw_read32(pkt + rtcp_len);
  if (!(trailer & SRTCP_E_FLAG))
    return 0; /* not encrypted: refused, as libsrtp refuses it under an encrypting policy */
  guint32 index = trailer & SRTCP_INDEX_MAX;
  guint32 ssrc = gw_read32(pkt + 4);
  Stream *st = stream_known(s, ssrc), fresh = {.ssrc = ssrc, .used = TRUE};
  if (!rdb_check(st ? st : &fresh, index))
    return 0;
  if (!tag_matches(s, pkt, len - s->tag_len, 0, FALSE))
    return 0;
  if (!apply_keystream(s, pkt, SRTCP_HEADER, rtcp_len, ssrc, index))
    return 0;
  if (!st)
    st = stream_for(s, ssrc);
  st->last_use = ++s->uses;
  rdb_add(st, index);
  return rtcp_len;
}
