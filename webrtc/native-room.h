/* SPDX-License-Identifier: Apache-2.0 */
/* The participants of a room without webrtcbin (media.engine = native): slots, offers and
 * answers on the control thread (native-room.c), media on a media loop (native-media.c).
 * media-room.c hands each public call here when the room is native; the contract is
 * media-room.h's. */
#pragma once

#include "webrtc/media-room.h"

G_BEGIN_DECLS

typedef struct _GwNativeRoom GwNativeRoom;

GwNativeRoom *gw_native_room_new(GwMediaRoom *room, GError **error);
void gw_native_room_free(GwNativeRoom *native);
gboolean gw_native_room_add_peer(GwNativeRoom *native, const char *peer_id, GError **error);
void gw_native_room_remove_peer(GwNativeRoom *native, const char *peer_id);
gboolean gw_native_room_set_answer(GwNativeRoom *native, const char *peer_id, const char *sdp,
                                   GError **error);
gboolean gw_native_room_add_ice_candidate(GwNativeRoom *native, const char *peer_id, guint mline,
                                          const char *candidate, GError **error);
gboolean gw_native_room_start_screen(GwNativeRoom *native, const char *peer_id, GError **error);
gboolean gw_native_room_sample_quality(GwNativeRoom *native, const char *peer_id,
                                       GwMediaQuality *quality);
guint gw_native_room_get_peer_count(GwNativeRoom *native);
gboolean gw_native_room_has_peer(GwNativeRoom *native, const char *peer_id);

G_END_DECLS
