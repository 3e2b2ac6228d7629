/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by media-room.c, peer.c and forward.c; not for other modules. */
#pragma once

#ifndef GST_USE_UNSTABLE_API
#define GST_USE_UNSTABLE_API
#endif
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include "webrtc/media-room.h"

G_BEGIN_DECLS

typedef struct _GwPeer GwPeer;
typedef struct _GwSlot GwSlot;

/*
 * A slot is one transceiver of one peer's webrtcbin: an m-line in its SDP.
 * CLIENT_SENDS slots receive the browser's track and feed a tee (upstream);
 * CLIENT_RECEIVES slots are fed from another peer's tee (downstream).
 */
struct _GwSlot {
  GwPeer *peer; /* owner, not a reference */
  GwMediaSource source;
  GwTrackDirection direction;
  char *producer_id; /* whose track this m-line carries; NULL once that peer left */
  guint pt;          /* payload type on this m-line; unique within the peer (BUNDLE demux) */
  GstCaps *caps;     /* the codec preferences of this m-line (owned) */
  gboolean negotiated; /* an answer covering this m-line has been applied */
  GstWebRTCRTPTransceiver *transceiver; /* owned reference */

  /* upstream: the tee the browser's RTP goes into, once the first packet came (owned) */
  GstElement *tee;

  /* downstream */
  GstPad *sink_pad;  /* webrtcbin request pad, owned reference */
  GstElement *queue; /* the branch's leaky queue, while linked, with media.branch_queue (owned) */
  GstElement *isolate; /* after the queue, feeding sink_pad: keeps sink_pad's errors from
                          the producer, answers NACKs (owned) */
  GstPad *tee_pad;     /* the producer tee's request pad feeding the branch, owned reference */
  GstElement *tee_of_branch; /* the tee tee_pad belongs to, owned reference */
};

struct _GwPeer {
  GwMediaRoom *room; /* not a reference: the room owns its peers */
  char *id;
  GstElement *webrtc; /* owned reference */
  GPtrArray *slots;   /* GwSlot*, creation order == m-line order */
  GPtrArray *stray_tees; /* tees no slot uses (replaced, or unasked-for media), owned */
  guint next_pt;

  GstSDPMessage *last_offer; /* the offer the browser must answer, while offer_pending */
  guint n_offered_mlines;
  gboolean offer_pending; /* an offer is out and not yet answered */
  gboolean offer_wanted;  /* renegotiate as soon as the pending one is answered */
  guint offer_serial;     /* drops stale offers */
  guint candidates;
  GwMediaPeerState state;
};

struct _GwMediaRoom {
  GwConfig *config;
  char *id;
  GwMediaRoomCallbacks callbacks;
  gpointer user_data;
  GMainContext *context;
  GstElement *pipeline;
  GSource *bus_source;
  GHashTable *peers;   /* id -> GwPeer* (owned) */
  GPtrArray *order;    /* GwPeer* in join order, not owned */
  const char *video_codec; /* static string: "vp8" or "h264"; NULL while empty */
  gint closed;         /* atomic: set once by gw_media_room_free */
  GSource *feedback_timer; /* feedback.c: link estimates and REMB caps, once media flows */
  struct _GwNativeRoom *native; /* media.engine = native: every call goes there (no pipeline) */
};

/* Whether a receive m-line a departed participant left behind (@producer_id NULL) can
 * carry a @wanted track: audio for audio, video (camera or screen) for video. Both kinds
 * of participant reuse m-lines so (webrtcbin 1.22 cannot remove one). */
static inline gboolean
gw_media_slot_reusable(GwTrackDirection direction, const char *producer_id, GwMediaSource has,
                       GwMediaSource wanted)
{
  return direction == GW_TRACK_CLIENT_RECEIVES && producer_id == NULL &&
         (has == GW_MEDIA_SOURCE_AUDIO) == (wanted == GW_MEDIA_SOURCE_AUDIO);
}

/* media-room.c */
GwMediaRoom *gw_media_room_ref(GwMediaRoom *room);
void gw_media_room_unref(GwMediaRoom *room);
gboolean gw_media_room_is_closed(GwMediaRoom *room);
GwPeer *gw_media_room_lookup(GwMediaRoom *room, const char *peer_id);
/* Runs @func(room, peer, data) on the control thread if the room is open and
 * the peer still exists; always frees @data with @free_data. Any thread. */
void gw_media_room_invoke(GwMediaRoom *room, const char *peer_id,
                          void (*func)(GwMediaRoom *, GwPeer *, gpointer), gpointer data,
                          GDestroyNotify free_data);
void gw_media_room_upstream_ready(GwMediaRoom *room, GwPeer *peer, GwSlot *slot);
void gw_media_room_downstream_ready(GwMediaRoom *room, GwSlot *slot);

/* peer.c */
GwPeer *gw_peer_new(GwMediaRoom *room, const char *peer_id, GError **error);
void gw_peer_free(GwPeer *peer);
GwSlot *gw_peer_add_slot(GwPeer *peer, GwMediaSource source, GwTrackDirection direction,
                         const char *producer_id, GError **error);
GwSlot *gw_peer_find_slot(GwPeer *peer, GwTrackDirection direction, GwMediaSource source,
                          const char *producer_id);
void gw_peer_request_offer(GwPeer *peer);
gboolean gw_peer_set_answer(GwPeer *peer, const char *sdp, GError **error);
gboolean gw_peer_add_ice_candidate(GwPeer *peer, guint mline, const char *candidate,
                                   GError **error);

/* forward.c */
void gw_forward_link(GwMediaRoom *room, GwSlot *upstream, GwSlot *downstream);
void gw_forward_unlink(GwMediaRoom *room, GwSlot *downstream);
/* Called from a streaming thread in pad-added: puts a tee behind @pad. */
GstElement *gw_forward_attach_tee(GstElement *pipeline, GstPad *pad, guint keyframe_interval_ms);
void gw_forward_drop_tee(GstElement *pipeline, GstElement *tee);

/* Calls @fn on @element and, when it is a bin, on every element inside it: the
 * pipeline's deep-element-added announces a bin added whole (dtlssrtpenc) alone,
 * not its children. media-room.c. */
void gw_media_visit_added(GstElement *element, void (*fn)(GstElement *element));

/* From now on calls @fn on every element made inside @pipeline, as above. media-room.c. */
void gw_media_watch_added(GstElement *pipeline, void (*fn)(GstElement *element));

/* @element was made by the factory named @factory_name. media-room.c. */
gboolean gw_media_element_is(GstElement *element, const char *factory_name);

#define GW_MEDIA_LOG(level, room, peer_id, fmt, ...)                                         \
  g_log_structured(G_LOG_DOMAIN, level, "ROOM", "%s", (room)->id, "PEER", "%s",             \
                   (peer_id) ? (peer_id) : "-", "MESSAGE", "room=%s peer=%s " fmt,           \
                   (room)->id, (peer_id) ? (peer_id) : "-", ##__VA_ARGS__)

G_END_DECLS
