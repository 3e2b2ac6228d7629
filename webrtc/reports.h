/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Receiver reports the gateway writes itself (RFC 3550 6.4.2, A.3, A.1).
 *
 * rtpsession writes report blocks only into its regular RTCP packets, and
 * under transport-wide feedback those hardly go out: every feedback packet
 * is an early one, and the next regular one is reckoned from the last packet
 * of either kind (forward reconsideration), so one always comes first. A
 * browser then learned its round trip and loss towards the gateway once in
 * 3-20 s, and the connection check often had no loss figure at all. This
 * counts what arrives per SSRC and writes a receiver report into an early
 * packet once a second while no regular one went out. No I/O: tests reach
 * it directly. Thread-safe.
 */
#pragma once

#include <gst/rtp/gstrtcpbuffer.h>

G_BEGIN_DECLS

#define GW_REPORTS_STREAMS 8                    /* SSRCs counted per peer; more are not reported */
#define GW_REPORTS_EVERY_US G_USEC_PER_SEC      /* at most one report a second */
#define GW_REPORTS_IDLE_US (5 * G_USEC_PER_SEC) /* a stream quiet this long is not reported */

typedef struct _GwReports GwReports;

/** gw_reports_new: Returns: (transfer full): a table with no streams; one reference. */
GwReports *gw_reports_new(void);
GwReports *gw_reports_ref(GwReports *reports);
void gw_reports_unref(gpointer reports);

/**
 * gw_reports_packet: notes an RTP packet from @ssrc with sequence number
 * @seq that arrived at @now_us (monotonic). A jump of more than 3000 ahead
 * (or 100 behind) counts only once two packets in sequence confirm it, and
 * then starts the stream's counts afresh, as RFC 3550 A.1 does.
 */
void gw_reports_packet(GwReports *reports, guint32 ssrc, guint16 seq, gint64 now_us);

/** gw_reports_sender_report: a sender report from @ssrc, NTP time @ntp, came at @now_us. */
void gw_reports_sender_report(GwReports *reports, guint32 ssrc, guint64 ntp, gint64 now_us);

/** gw_reports_regular: the RTP session sent a regular packet (its own blocks) at @now_us. */
void gw_reports_regular(GwReports *reports, gint64 now_us);

/* The interarrival jitter of @ssrc in its timestamp units, as the RTP session reckons it. */
typedef guint32 (*GwReportsJitterFn)(guint32 ssrc, gpointer user_data);

/**
 * gw_reports_write: if no report (ours or the session's) went out in the
 * last GW_REPORTS_EVERY_US, appends to @rtcp a receiver report from
 * @own_ssrc with a block per stream heard from in the last
 * GW_REPORTS_IDLE_US. @jitter may be NULL (jitter 0); it is called without
 * the table's lock. Returns: the blocks written (0: none due, none to
 * report, or no room in @rtcp).
 */
guint gw_reports_write(GwReports *reports, GstRTCPBuffer *rtcp, guint32 own_ssrc, gint64 now_us,
                       GwReportsJitterFn jitter, gpointer user_data);

/** gw_reports_written: receiver reports gw_reports_write() wrote so far. */
guint64 gw_reports_written(GwReports *reports);

G_END_DECLS
