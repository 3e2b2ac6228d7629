/* SPDX-License-Identifier: Apache-2.0 */
/* A media room: one GStreamer pipeline holding one webrtcbin per participant,
 * forwarding every participant's RTP to every other participant, no transcoding. */
#pragma once

#include <glib.h>

#include "config/config.h"

G_BEGIN_DECLS

#define GW_MEDIA_ERROR (gw_media_error_quark())
GQuark gw_media_error_quark(void);

typedef enum {
  GW_MEDIA_ERROR_NO_PEER,     /* no such peer in this room */
  GW_MEDIA_ERROR_WRONG_STATE, /* e.g. an answer while no offer is outstanding */
  GW_MEDIA_ERROR_BAD_SDP,     /* the SDP does not parse or does not fit our offer */
  GW_MEDIA_ERROR_LIMIT,       /* a configured limit (SDP length, candidates) was hit */
  GW_MEDIA_ERROR_MISSING_ELEMENT, /* a GStreamer element is not installed */
  GW_MEDIA_ERROR_CODEC,       /* the peer cannot do the room's video codec */
  GW_MEDIA_ERROR_INTERNAL,
} GwMediaError;

typedef enum {
  GW_MEDIA_SOURCE_AUDIO,
  GW_MEDIA_SOURCE_CAMERA,
  GW_MEDIA_SOURCE_SCREEN,
} GwMediaSource;

/* Seen from the browser: it sends on this m-line, or receives on it. */
typedef enum {
  GW_TRACK_CLIENT_SENDS,
  GW_TRACK_CLIENT_RECEIVES,
} GwTrackDirection;

/* One m-line of an offer, so the browser knows what to attach and what it shows. */
typedef struct {
  const char *mid;
  guint mline;
  GwMediaSource source;
  GwTrackDirection direction;
  const char *peer_id; /* who produces this track (the receiving peer itself for SENDS) */
} GwTrackInfo;

typedef enum {
  GW_MEDIA_PEER_CONNECTING,
  GW_MEDIA_PEER_CONNECTED,
  GW_MEDIA_PEER_FAILED,
} GwMediaPeerState;

/*
 * Callbacks always run on the control thread (the thread-default main context
 * at gw_media_room_new()), never from a GStreamer thread, and never from inside
 * a gw_media_room_* call. Strings and arrays are valid only during the call.
 */
typedef struct {
  void (*offer)(gpointer user_data, const char *peer_id, const char *sdp,
                const GwTrackInfo *tracks, guint n_tracks);
  void (*ice_candidate)(gpointer user_data, const char *peer_id, guint mline,
                        const char *candidate);
  void (*peer_state)(gpointer user_data, const char *peer_id, GwMediaPeerState state);
} GwMediaRoomCallbacks;

typedef struct _GwMediaRoom GwMediaRoom;

/**
 * gw_media_check_elements:
 * Checks that every GStreamer element the gateway needs is installed.
 * Returns: FALSE with @error naming the element and the Debian package.
 */
gboolean gw_media_check_elements(GError **error);

/**
 * gw_media_room_new:
 * @config: (transfer none): limits and ICE settings; a reference is kept
 * @callbacks: (transfer none): copied
 * @user_data: passed to every callback; must outlive the room
 *
 * Returns: (transfer full) (nullable): a room with a PLAYING, empty pipeline.
 */
GwMediaRoom *gw_media_room_new(GwConfig *config, const char *room_id,
                               const GwMediaRoomCallbacks *callbacks, gpointer user_data,
                               GError **error);

/**
 * gw_media_room_free:
 * Tears down every peer and the pipeline. No callback runs after this returns.
 */
void gw_media_room_free(GwMediaRoom *room);

/**
 * gw_media_room_add_peer:
 * @video_codecs: (nullable): the video codecs the peer's browser can send and
 *   receive, lowercase ("vp8", "h264"), in its order of preference; NULL means
 *   VP8 only
 *
 * Creates the peer's webrtcbin with receive slots for its audio and camera and
 * send slots for every track the other peers already have, then sends it an
 * offer (through the offer callback). Every other peer is re-offered a send slot
 * for the newcomer's audio and camera.
 *
 * Nothing is transcoded, so a room has one video codec: the first peer into an
 * empty room picks it (its first preference that config->video_codecs allows).
 * Fails with GW_MEDIA_ERROR_CODEC, changing nothing, for a peer that cannot do it.
 */
gboolean gw_media_room_add_peer(GwMediaRoom *room, const char *peer_id,
                                const char *const *video_codecs, GError **error);

/** gw_media_room_get_video_codec: "vp8" or "h264"; NULL while the room is empty. */
const char *gw_media_room_get_video_codec(GwMediaRoom *room);

/**
 * gw_media_room_remove_peer:
 * Detaches the peer's tracks from everyone else and destroys its webrtcbin.
 * Unknown peers are ignored.
 */
void gw_media_room_remove_peer(GwMediaRoom *room, const char *peer_id);

/**
 * gw_media_room_set_answer:
 * Applies the browser's answer to the outstanding offer. Fails (and changes
 * nothing) on an answer without an outstanding offer, an over-long or
 * unparseable SDP, or one whose m-lines do not match the offer.
 */
gboolean gw_media_room_set_answer(GwMediaRoom *room, const char *peer_id, const char *sdp,
                                  GError **error);

/**
 * gw_media_room_add_ice_candidate:
 * Fails past config->max_candidates per peer, or for an m-line index the
 * offer does not have.
 */
gboolean gw_media_room_add_ice_candidate(GwMediaRoom *room, const char *peer_id, guint mline,
                                         const char *candidate, GError **error);

/**
 * gw_media_room_start_screen:
 * The first call for a peer adds a receive slot for its screen and a send
 * slot on every other peer, and renegotiates them all (server-side offers).
 * Later calls find the slots in place and return TRUE without renegotiating:
 * the browser replaces the track on its existing sender.
 */
gboolean gw_media_room_start_screen(GwMediaRoom *room, const char *peer_id, GError **error);

/* How the gateway's media reaches one participant, from its receiver reports. */
typedef struct {
  double rtt_ms;   /* round trip, the largest its receiver reports give; < 0: no report yet */
  double loss_pct; /* the fraction lost in its latest report blocks, in percent; < 0: none */
  double kbps;     /* what the gateway sent it since the previous sample (or since it joined) */
} GwMediaQuality;

/**
 * gw_media_room_sample_quality: fills @quality for @peer_id from its RTP
 * session. Control thread.
 * Returns: FALSE if there is no such peer or its media never came up.
 */
gboolean gw_media_room_sample_quality(GwMediaRoom *room, const char *peer_id,
                                      GwMediaQuality *quality);

/** gw_media_room_get_peer_count: peers currently in the room. */
guint gw_media_room_get_peer_count(GwMediaRoom *room);

/** gw_media_source_to_string: "audio", "camera" or "screen". */
const char *gw_media_source_to_string(GwMediaSource source);

G_END_DECLS
