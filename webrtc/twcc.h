/* SPDX-License-Identifier: Apache-2.0 */
/* Transport-wide congestion control feedback (RTPFB FMT=15) parsed and matched against what
 * was sent; no I/O, so tests and fuzzers reach it directly. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Called once per packet the feedback covers, in sequence order. arrival_us is the
 * packet's arrival time at the receiver in microseconds on the receiver's clock
 * (reference time * 64000 + the sum of the deltas so far); 0 and meaningless when !received. */
typedef void (*GwTwccPacketFn)(guint16 seq, gboolean received, gint64 arrival_us,
                               gpointer user_data);

/**
 * gw_twcc_parse:
 * Parses one FCI (the bytes after the media SSRC of the RTPFB packet), in the format of
 * draft-holmer-rmcat-transport-wide-cc-extensions-01 section 3.1, and calls @fn for each
 * packet it covers. Bytes after the last delta (RTCP padding) are ignored, and so are the
 * symbols of the last chunk beyond the status count.
 * Returns: FALSE, having called @fn for nothing, if it is malformed: too short, chunks or
 * deltas running past @len, a reserved symbol (3), or a status count of 0 or above 0x2000
 * (8192). Everything is validated before @fn is first called.
 */
gboolean gw_twcc_parse(const guint8 *fci, gsize len, GwTwccPacketFn fn, gpointer user_data);

/* What was sent: the last GW_TWCC_HISTORY (1024) packets by transport sequence number
 * (over a second at 8 Mbit/s; a browser reports every 50-100 ms). */
#define GW_TWCC_HISTORY 1024

/* A ring of sent packets indexed by seq % GW_TWCC_HISTORY. Not thread-safe: the caller locks. */
typedef struct _GwTwccHistory GwTwccHistory;

/**
 * gw_twcc_history_new:
 * Returns: (transfer full): an empty history; free with gw_twcc_history_free().
 */
GwTwccHistory *gw_twcc_history_new(void);

/** gw_twcc_history_free: frees @history (nullable). */
void gw_twcc_history_free(GwTwccHistory *history);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GwTwccHistory, gw_twcc_history_free)

/**
 * gw_twcc_history_add:
 * Notes a packet sent with transport sequence number @seq, @size bytes (the RTP packet as
 * sent), at @sent_us on the sender's clock. It replaces whatever packet held its slot (the
 * one GW_TWCC_HISTORY sequence numbers earlier).
 */
void gw_twcc_history_add(GwTwccHistory *history, guint16 seq, guint size, gint64 sent_us);

typedef struct {
  guint sent;         /* packets the feedback covers that are in the history */
  guint received;     /* of those, reported received */
  guint bitrate_sent; /* bit/s: bytes of the covered packets over their send time span */
  guint bitrate_recv; /* bit/s: bytes of the received ones over their arrival time span */
} GwTwccStats;

/**
 * gw_twcc_history_feedback:
 * Matches one feedback FCI against the history and fills @out (zeroed when FALSE). Packets
 * not in the history (never sent, or overwritten by newer ones, or a slot holding a
 * different seq) are not counted. A packet reported twice (two feedbacks) counts each time:
 * the history is not changed. A time span is the latest time minus the earliest, whatever
 * the order; bitrates are 0 when fewer than 2 packets or a zero time span, and at most
 * G_MAXUINT.
 * Returns: FALSE if the FCI is malformed or covers no packet in the history.
 */
gboolean gw_twcc_history_feedback(GwTwccHistory *history, const guint8 *fci, gsize len,
                                  GwTwccStats *out);

G_END_DECLS
