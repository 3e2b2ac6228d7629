/* SPDX-License-Identifier: Apache-2.0 */
/* Transport-wide congestion control feedback (RTPFB FMT=15) written by the receiver of a
 * browser's media, as libwebrtc's receiver writes it; no I/O, so tests and fuzzers reach it
 * directly. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Sequence numbers kept, received or not: a feedback never covers more (one packet every
 * 488 us for 500 ms, ~25 Mbit/s of video; 8.3 KiB per receiver, allocated once). When a
 * packet lies further ahead, the oldest fall out, reported or not. */
#define GW_TWCC_RECV_MAX_PACKETS 1024

/* How long a reported sequence number stays kept at least, so that a late packet can still
 * be reported: 500 ms after it arrived (or, not received, after the gap before a later one
 * was seen), in the arrival times given to gw_twcc_recv_add(). They leave in sequence order,
 * so one stays while an earlier one is younger. */
#define GW_TWCC_RECV_WINDOW_US 500000

/* A packet more than this far behind the highest sequence number received is taken for a
 * peer that restarted its numbering. */
#define GW_TWCC_RECV_MAX_JUMP 0x2000

/* The smallest @size with which gw_twcc_recv_write() always writes something when there is
 * something to report: the headers, two chunks, a large delta. */
#define GW_TWCC_RECV_MIN_SIZE 28

/* The largest arrival time gw_twcc_recv_add() takes (2^62 us, 146,000 years of a monotonic
 * clock), so that no sum of times and deltas can overflow. */
#define GW_TWCC_RECV_MAX_ARRIVAL_US (G_GINT64_CONSTANT(1) << 62)

/* Arrivals of one media source's packets and what of them was reported. Not thread-safe:
 * the caller locks. */
typedef struct _GwTwccRecv GwTwccRecv;

/**
 * gw_twcc_recv_new:
 * Returns: (transfer full): a receiver that has seen nothing; free with gw_twcc_recv_free().
 */
GwTwccRecv *gw_twcc_recv_new(void);

/** gw_twcc_recv_free: frees @recv (nullable). */
void gw_twcc_recv_free(GwTwccRecv *recv);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GwTwccRecv, gw_twcc_recv_free)

/**
 * gw_twcc_recv_add:
 * Notes that the packet with transport-wide sequence number @seq (the header extension's 16
 * bits) arrived at @arrival_us (a monotonic clock in microseconds, 0 to
 * GW_TWCC_RECV_MAX_ARRIVAL_US).
 *
 * @seq is unwrapped to the nearest of its 64-bit values to the highest received so far.
 * A duplicate is ignored (the first arrival is kept). A packet already reported as not
 * received, and still kept, is reported again, with everything after it, by the next
 * feedback. One before everything kept is kept too (it is reported with the numbers up to
 * the rest, not received), unless numbers between were already dropped or the span would
 * exceed GW_TWCC_RECV_MAX_PACKETS: then it is ignored. Further ahead than
 * GW_TWCC_RECV_MAX_PACKETS from the first kept, the oldest are dropped, reported or not, and
 * with them the losses that would lead the next feedback.
 *
 * A packet more than GW_TWCC_RECV_MAX_JUMP behind the highest (a peer restarting its
 * numbering), or so far ahead that nothing kept stays within GW_TWCC_RECV_MAX_PACKETS of it,
 * starts afresh: everything kept is dropped, reported or not, and the next feedback starts
 * at @seq. So no feedback covers more than GW_TWCC_RECV_MAX_PACKETS numbers.
 */
void gw_twcc_recv_add(GwTwccRecv *recv, guint16 seq, gint64 arrival_us);

/**
 * gw_twcc_recv_pending:
 * Returns: how many sequence numbers the next feedbacks will cover (at most
 * GW_TWCC_RECV_MAX_PACKETS): from the first not reported yet to the highest received.
 */
guint gw_twcc_recv_pending(const GwTwccRecv *recv);

/**
 * gw_twcc_recv_write:
 * Writes one complete RTCP packet into @buf, at most @size bytes: the header (V=2, P when
 * padded, FMT=15, PT=205, length), @sender_ssrc, @media_ssrc, then the feedback of
 * draft-holmer-rmcat-transport-wide-cc-extensions-01 section 3.1, covering from the first
 * sequence number not reported yet up to the highest received, or less: a packet ends at the
 * last received packet that fits @size, and before a packet whose arrival is not within a
 * signed 16-bit count of 250 us (8.19 s) of the previous one's. Call again until it returns 0.
 * The reference time is the first received packet's arrival in 64 ms, rounded down, its 24
 * low bits; the feedback packet count starts at 0 and goes up by 1 per packet written.
 *
 * Returns: the packet's length in bytes (a multiple of 4, padded as RFC 3550 says), or 0
 * when there is nothing to report or when not even one received packet fits @size
 * (gw_twcc_recv_pending() tells which). Returning 0 changes nothing: what is pending stays
 * pending, and a @size of GW_TWCC_RECV_MIN_SIZE or more always fits something.
 */
gsize gw_twcc_recv_write(GwTwccRecv *recv, guint32 sender_ssrc, guint32 media_ssrc, guint8 *buf,
                         gsize size);

G_END_DECLS
