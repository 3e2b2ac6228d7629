/* SPDX-License-Identifier: Apache-2.0 */
/* The packets a sender still owes: which sequence numbers of one video stream to ask for
 * again (Generic NACK, RFC 4585), and when (missing.c). Pure: no I/O, no clock of its own,
 * so tests and fuzzers reach it directly. Not thread-safe. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define GW_MISSING_MAX 128            /* sequence numbers waited for at once; older ones go */
#define GW_MISSING_TRIES 4            /* requests per packet */
#define GW_MISSING_GIVE_UP_US 1000000 /* and for at most this long */
#define GW_MISSING_JUMP 256           /* further ahead than this: a new start, nothing asked */
#define GW_MISSING_BACK 1000          /* further back than this: a new start too */
#define GW_MISSING_RETRY_US 40000     /* between requests, until a resend was timed */
#define GW_MISSING_RETRY_MIN_US 10000
#define GW_MISSING_RETRY_MAX_US 200000

typedef struct _GwMissing GwMissing;

/** gw_missing_new: (transfer full) an empty tracker; free with gw_missing_free(). */
GwMissing *gw_missing_new(void);
void gw_missing_free(GwMissing *missing);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GwMissing, gw_missing_free)

typedef enum {
  GW_MISSING_NEW,    /* the newest so far (or a new start) */
  GW_MISSING_FILLED, /* one that was missing: it no longer is */
  GW_MISSING_OLD,    /* older and not missing: a duplicate, or given up */
} GwMissingResult;

/**
 * gw_missing_packet: a packet with sequence number @seq arrived at @now_us (in order,
 * late, or as a resend). A gap before it makes the packets in it missing, due at once.
 */
GwMissingResult gw_missing_packet(GwMissing *missing, guint16 seq, gint64 now_us);

/**
 * gw_missing_write_nack:
 * Writes the Generic NACK FCI entries (PID and BLP, 4 bytes each) for every packet due
 * at @now_us into @fci (room for @max_entries), and schedules each one's next request
 * @retry_us later. A packet asked for GW_MISSING_TRIES times is not asked for again but
 * still waited for (its resend may come); one missing for longer than
 * GW_MISSING_GIVE_UP_US is given up.
 * Returns: the entries written (0: nothing due).
 */
guint gw_missing_write_nack(GwMissing *missing, gint64 now_us, gint64 retry_us, guint8 *fci,
                            guint max_entries);

/**
 * gw_missing_retry_us: how long to wait before asking again: 1.5 times what resends have
 * taken to come (from the first request: the sender's pacing and the round trip), within
 * 10..200 ms; 40 ms until one came. Asking sooner only makes a sender that already resent
 * ignore the request (Chrome resends a packet at most once per round trip), and a resend
 * lost on the way is then never asked for again.
 */
gint64 gw_missing_retry_us(GwMissing *missing);

/** gw_missing_count: packets waited for now. */
guint gw_missing_count(GwMissing *missing);

/** gw_missing_asked: sequence numbers asked for so far (each request counts). */
guint64 gw_missing_asked(GwMissing *missing);

G_END_DECLS
