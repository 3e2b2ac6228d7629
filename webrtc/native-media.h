/* SPDX-License-Identifier: Apache-2.0 */
/* The media plane of a room without webrtcbin (native-media.c): each participant's
 * transport, and every packet between them, on one media loop thread, as a Janus
 * handle's loop carries its packets. native-room.c drives it from the control thread. */
#pragma once

#include <glib.h>

#include "webrtc/transport.h"

G_BEGIN_DECLS

/* media-loop threads: a few process-wide threads, each running a GMainContext that many
 * rooms share (media-loop.c). */

/**
 * gw_media_loop_next:
 * Returns: (transfer none): the context of the next media loop thread, round robin over
 * @threads of them (started on first use; min 1, max 16; the first call decides).
 * The threads live as long as the process.
 */
GMainContext *gw_media_loop_next(guint threads);

typedef struct _GwNativeMedia GwNativeMedia;

/* Called on the media thread; the receiver hands the work to the control thread. */
typedef struct {
  void (*state)(gpointer user_data, guint peer, GwTransportState state);
  void (*candidate)(gpointer user_data, guint peer, const char *candidate);
} GwNativeMediaEvents;

typedef struct {
  guint keyframe_min_interval_ms; /* at most one keyframe request per sender in this time */
  guint history_ms;               /* video packets kept for NACKs */
  guint max_bps;                  /* an estimate above this is no limit */
} GwNativeMediaSettings;

/**
 * gw_native_media_new:
 * A room's media plane on @context (a media loop's). @user_data_free runs on the media
 * thread once the plane is gone (after gw_native_media_free), so events may hold a reference. Any
 * thread; every gw_native_media_* call after this runs its work on @context (asynchronously, in
 * call order), except gw_native_media_get_quality. Returns: (transfer full)
 */
GwNativeMedia *gw_native_media_new(GMainContext *context, const GwNativeMediaSettings *settings,
                                   const GwNativeMediaEvents *events, gpointer user_data,
                                   GDestroyNotify user_data_free);

/** gw_native_media_free: every transport closes; no event runs after it returns. */
void gw_native_media_free(GwNativeMedia *media);

/** gw_native_media_add_peer: @transport (transfer full), made for this context; gathers. */
void gw_native_media_add_peer(GwNativeMedia *media, guint peer, GwTransport *transport);

void gw_native_media_remove_peer(GwNativeMedia *media, guint peer);

/** gw_native_media_set_remote: the answer's ICE credentials, fingerprint and DTLS role. */
void gw_native_media_set_remote(GwNativeMedia *media, guint peer, const char *ufrag,
                                const char *pwd, const char *fingerprint, GwDtlsRole role);

/** gw_native_media_add_candidate: @candidate NULL: end of candidates. */
void gw_native_media_add_candidate(GwNativeMedia *media, guint peer, const char *candidate);

/** gw_native_media_set_twcc: the transport-wide sequence number's header extension id (0: none). */
void gw_native_media_set_twcc(GwNativeMedia *media, guint peer, guint ext_id);

/**
 * gw_native_media_set_input: @peer's m-line @mline carries what its browser sends:
 * payload type @pt (@rtx_pt its retransmissions, 0: none), @clock_rate, @video, on SSRC
 * @ssrc (@rtx_ssrc its retransmissions) as its answer names them; 0: the first that
 * comes, and another only once that one has been silent for a second.
 */
void gw_native_media_set_input(GwNativeMedia *media, guint peer, guint mline, guint pt,
                               guint rtx_pt, guint clock_rate, gboolean video, guint32 ssrc,
                               guint32 rtx_ssrc);

/**
 * gw_native_media_set_output: @peer's m-line @mline carries, from now on, what
 * @producer's m-line @producer_mline brings in, as payload type @pt under SSRC @ssrc
 * (the gateway's, in the offer). A producer of 0 stops it.
 */
void gw_native_media_set_output(GwNativeMedia *media, guint peer, guint mline, guint pt,
                                guint32 ssrc, gboolean video, guint producer, guint producer_mline);

typedef struct {
  double rtt_ms, loss_pct; /* < 0: no report yet */
  guint64 bytes_sent;      /* RTP bytes sent to the peer, all told */
  GwTransportCounters counters;
} GwNativeQuality;

/** gw_native_media_get_quality: the last figures of @peer; any thread. FALSE: no such peer. */
gboolean gw_native_media_get_quality(GwNativeMedia *media, guint peer, GwNativeQuality *out);

G_END_DECLS
