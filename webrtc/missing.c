/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The packets a sender still owes, as Janus and lean.c's pass-through ask for them:
 * a gap is asked for at once, again every retry interval (the caller's: 1.5 round
 * trips), at most GW_MISSING_TRIES times and for at most GW_MISSING_GIVE_UP_US;
 * a packet that arrives (late, or as a resend) is no longer asked for. Bounded
 * against a peer making up sequence numbers: GW_MISSING_MAX waited for at once,
 * and a jump of more than GW_MISSING_JUMP ahead or GW_MISSING_BACK back is a new
 * start, with nothing asked.
 *
 * Written by hand: a few dozen lines; rtpjitterbuffer does this inside GStreamer
 * only, libwebrtc's NackRequester is C++.
 */
#include "webrtc/missing.h"

#include <string.h>

#include "webrtc/bytes.h"

typedef struct {
  guint16 seq;
  guint8 tries;
  gint64 since_us, due_us;
  gint64 asked_us; /* the first request, 0: none yet */
} Owed;

struct _GwMissing {
  gboolean started;
  guint16 highest;
  Owed owed[GW_MISSING_MAX]; /* oldest first */
  guint n;
  guint64 asked;
  gint64 resend_us; /* how long a resend takes to come, smoothed; 0: not measured yet */
};

GwMissing *
gw_missing_new(void)
{
  return g_new0(GwMissing, 1);
}

void
gw_missing_free(GwMissing *missing)
{
  g_free(missing);
}

static void
forget(GwMissing *m, guint i)
{
  memmove(&m->owed[i], &m->owed[i + 1], (m->n - i - 1) * sizeof m->owed[0]);
  m->n--;
}

GwMissingResult
gw_missing_packet(GwMissing *m, guint16 seq, gint64 now_us)
{
  if (!m->started) {
    m->started = TRUE;
    m->highest = seq;
    return GW_MISSING_NEW;
  }
  gint diff = (gint16)(guint16)(seq - m->highest);
  if (diff > GW_MISSING_JUMP || diff < -GW_MISSING_BACK) {
    m->highest = seq; /* a new start (a restarted sender, or made-up numbers) */
    m->n = 0;
    return GW_MISSING_NEW;
  }
  if (diff <= 0) {
    for (guint i = 0; i < m->n; i++) {
      if (m->owed[i].seq == seq) {
        /* From the first request: the sender's pacing and the round trip together. */
        if (m->owed[i].asked_us != 0) {
          gint64 sample = MIN(now_us - m->owed[i].asked_us, GW_MISSING_GIVE_UP_US);
          m->resend_us = m->resend_us ? (7 * m->resend_us + sample) / 8 : sample;
        }
        forget(m, i);
        return GW_MISSING_FILLED;
      }
    }
    return GW_MISSING_OLD;
  }
  for (guint16 s = (guint16)(m->highest + 1); s != seq; s++) {
    if (m->n == GW_MISSING_MAX)
      forget(m, 0);
    m->owed[m->n++] = (Owed){.seq = s, .tries = 0, .since_us = now_us, .due_us = now_us};
  }
  m->highest = seq;
  return GW_MISSING_NEW;
}

guint
gw_missing_write_nack(GwMissing *m, gint64 now_us, gint64 retry_us, guint8 *fci, guint max_entries)
{
  /* A packet asked for GW_MISSING_TRIES times is still waited for (its resend may be on
   * its way) until GW_MISSING_GIVE_UP_US, but not asked for again. */
  for (guint i = 0; i < m->n;) {
    if (now_us - m->owed[i].since_us > GW_MISSING_GIVE_UP_US)
      forget(m, i);
    else
      i++;
  }
  guint entries = 0;
  guint16 pid = 0, blp = 0;
  for (guint i = 0; i < m->n; i++) {
    Owed *o = &m->owed[i];
    if (o->due_us > now_us || o->tries >= GW_MISSING_TRIES)
      continue;
    guint16 offset = (guint16)(o->seq - pid);
    if (entries > 0 && offset >= 1 && offset <= 16) {
      blp |= (guint16)(1u << (offset - 1));
    } else {
      if (entries > 0)
        gw_write16(fci + 4 * (entries - 1) + 2, blp);
      if (entries == max_entries)
        break;
      pid = o->seq;
      blp = 0;
      gw_write16(fci + 4 * entries, pid);
      entries++;
    }
    if (o->tries == 0)
      o->asked_us = now_us;
    o->tries++;
    o->due_us = now_us + retry_us;
    m->asked++;
  }
  if (entries > 0)
    gw_write16(fci + 4 * (entries - 1) + 2, blp);
  return entries;
}

gint64
gw_missing_retry_us(GwMissing *missing)
{
  if (missing->resend_us == 0)
    return GW_MISSING_RETRY_US;
  return CLAMP(missing->resend_us * 3 / 2, GW_MISSING_RETRY_MIN_US, GW_MISSING_RETRY_MAX_US);
}

guint
gw_missing_count(GwMissing *missing)
{
  return missing->n;
}

guint64
gw_missing_asked(GwMissing *missing)
{
  return missing->asked;
}
