/* SPDX-License-Identifier: Apache-2.0 */
/* The rooms open on this node, keyed by room id, with the node-wide room limit. */
#pragma once

#include <glib.h>

#include "config/config.h"
#include "signaling/contact-ledger.h"
#include "signaling/room.h"

G_BEGIN_DECLS

/* typedef struct _GwRoomDirectory GwRoomDirectory; is in session.h */

/**
 * gw_room_directory_new:
 * @config: (transfer none): a reference is kept
 * @sink: (transfer none): where every room's contact reports; must outlive the directory
 * @ledger: (transfer none): told what became of each room's contact when the
 *   room closes; must outlive the directory
 * Returns: (transfer full)
 */
GwRoomDirectory *gw_room_directory_new(GwConfig *config, const GwContactSink *sink,
                                       GwContactLedger *ledger);

/**
 * gw_room_directory_set_rating_key:
 * @key: (transfer none): signs the rating token a customer gets when an
 *   answered call ends (signaling/rating-token.h); a reference is kept
 */
void gw_room_directory_set_rating_key(GwRoomDirectory *directory, GBytes *key);

/** gw_room_directory_free: frees every room left (see gw_room_free()). */
void gw_room_directory_free(GwRoomDirectory *directory);

/** gw_room_directory_lookup: Returns: (transfer none) (nullable) */
GwRoom *gw_room_directory_lookup(GwRoomDirectory *directory, const char *room_id);

/**
 * gw_room_directory_create:
 * @contact: (nullable): what the room's contact is about (journey, queue, id), copied
 *
 * Opens a new room (which must not exist yet); refuses with `capacity` past
 * config->max_rooms. The contact's node is this host.
 * Returns: (transfer none) (nullable): owned by the directory
 */
GwRoom *gw_room_directory_create(GwRoomDirectory *directory, const char *room_id,
                                 const GwContactInfo *contact, GError **error);

/**
 * gw_room_directory_remove: closes and frees @room, and records in the ledger
 * whether its contact took place (finished) or not (abandoned).
 */
void gw_room_directory_remove(GwRoomDirectory *directory, GwRoom *room);

/**
 * gw_room_directory_release:
 * Someone left @room. An empty room closes (gw_room_directory_remove), unless
 * its answered call waits for a rejoin (gw_room_awaits_rejoin): then it stays
 * for limits.rejoin_grace_seconds and closes only if still empty by then.
 */
void gw_room_directory_release(GwRoomDirectory *directory, GwRoom *room);

/**
 * gw_room_directory_find_advisor:
 * Returns: (transfer none) (nullable): the room in which the advisor account
 * @account_id is, other than @except (nullable), if any: an advisor takes one
 * call at a time.
 */
GwRoom *gw_room_directory_find_advisor(GwRoomDirectory *directory, const char *account_id,
                                       const char *except);

guint gw_room_directory_get_room_count(GwRoomDirectory *directory);
guint gw_room_directory_get_participant_count(GwRoomDirectory *directory);

G_END_DECLS
