/* SPDX-License-Identifier: Apache-2.0 */
/* A signaling room: the sessions in one call and the media room that forwards between them. */
#pragma once

#include <glib.h>

#include "config/config.h"
#include "signaling/contact.h"
#include "signaling/session.h"
#include "webrtc/media-room.h"

G_BEGIN_DECLS

typedef struct _GwRoom GwRoom;

/**
 * gw_room_new:
 * @config: (transfer none): a reference is kept
 * @sink: (transfer none): where the room's contact reports; must outlive the room
 * @contact: (transfer none) (nullable): what the contact is about (copied); its
 *   room_id is ignored
 *
 * Creates the room, its GwContact and its GwMediaRoom (a PLAYING pipeline).
 * Returns: (transfer full) (nullable): NULL with @error in GW_PROTOCOL_ERROR (internal)
 */
GwRoom *gw_room_new(GwConfig *config, const char *room_id, const GwContactSink *sink,
                    const GwContactInfo *contact, GError **error);

/**
 * gw_room_free:
 * Closes the contact if it is still open (reason "shutdown", by "system") and
 * frees the media room; sessions still listed are forgotten, not told.
 */
void gw_room_free(GwRoom *room);

/** gw_room_get_id: (transfer none) */
const char *gw_room_get_id(GwRoom *room);

/** gw_room_get_size: sessions currently in the room. */
guint gw_room_get_size(GwRoom *room);

/** gw_room_get_contact: (transfer none): the contact this room serves */
GwContact *gw_room_get_contact(GwRoom *room);

/** gw_room_has_account: whether a session logged in as advisor account @account_id is in the room. */
gboolean gw_room_has_account(GwRoom *room, const char *account_id);

/** gw_room_has_role: whether a session of @role is in the room. */
gboolean gw_room_has_role(GwRoom *room, GwRole role);

/** gw_room_get_media: (transfer none) */
GwMediaRoom *gw_room_get_media(GwRoom *room);

/**
 * gw_room_add_session:
 * @session: (transfer none): must stay valid until removed
 *
 * Refuses with room-full past config->max_participants. Otherwise adds the
 * session's peer to the media room (which offers asynchronously), sends it
 * `welcome` listing the others, and tells the others `participant-joined`.
 * A customer arriving offers the contact; an advisor with a customer answers
 * it; someone coming back into an answered call is a rejoin.
 * Nothing changes on failure.
 */
gboolean gw_room_add_session(GwRoom *room, GwSession *session, GError **error);

/**
 * gw_room_remove_session:
 * @reason: "disconnected" (the socket went away) or "reconnecting" (the same
 *   page came back on a new connection, see gw_room_find_resumed())
 *
 * Removes the session's peer from the media room and tells the others
 * `participant-left`; with "disconnected" in an answered call it says how
 * long the call waits for them (limits.rejoin_grace_seconds). A waiting
 * customer leaving abandons the contact; the last one leaving an answered call
 * ends it, at once when there is no grace period, else at gw_room_expire().
 */
void gw_room_remove_session(GwRoom *room, GwSession *session, const char *reason);

/**
 * gw_room_find_resumed:
 * Returns: (transfer none) (nullable): the session in the room that @session
 * replaces: same role and the same non-NULL resume secret (docs/protocol.md,
 * "Rejoin").
 */
GwSession *gw_room_find_resumed(GwRoom *room, GwSession *session);

/**
 * gw_room_awaits_rejoin:
 * Whether this empty room should wait for its participants to come back: its
 * contact was answered and has not ended, and the grace period is not 0.
 */
gboolean gw_room_awaits_rejoin(GwRoom *room);

/**
 * gw_room_set_expiry:
 * @source_id: a main-context source that will expire this empty room, or 0;
 *   the room removes it when someone joins or when it is freed
 */
void gw_room_set_expiry(GwRoom *room, guint source_id);

/**
 * gw_room_expire:
 * Called by the expiry source set with gw_room_set_expiry(), which it forgets.
 * If nobody came back within the grace period the contact ends (reason
 * "disconnected", by whoever left first) and it returns TRUE: the caller
 * frees the room.
 */
gboolean gw_room_expire(GwRoom *room);

/**
 * gw_room_broadcast:
 * @except: (nullable): a session not to send to
 */
void gw_room_broadcast(GwRoom *room, const char *json, GwSession *except);

/**
 * gw_room_screen_changed:
 * @session has started or stopped sharing its screen (for the contact's events).
 */
void gw_room_screen_changed(GwRoom *room, GwSession *session, gboolean start);

/**
 * gw_room_relay_pointer:
 * @from: (transfer none): the advisor who points
 * @message: (transfer none): a parsed `pointer` message
 *
 * Sends the pointer to everyone in the room but @from, naming the screen it points at.
 * Returns: FALSE with GW_PROTOCOL_ERROR_WRONG_STATE in @error when nobody in the room shares
 * that screen (its share may have stopped just as the advisor clicked); nothing is sent then.
 */
gboolean gw_room_relay_pointer(GwRoom *room, GwSession *from, const GwMessage *message,
                               GError **error);

/**
 * gw_room_hang_up:
 * Sends `ended` (by @by) to every session, ends each one (close code 1000)
 * and empties the room; the contact ends (reason "hangup", by @by's role). The
 * caller frees the room afterwards.
 */
void gw_room_hang_up(GwRoom *room, GwSession *by);

G_END_DECLS
