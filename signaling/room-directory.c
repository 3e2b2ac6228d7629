/* SPDX-License-Identifier: Apache-2.0 */
/* The rooms open on this node, keyed by room id, with the node-wide room limit. */
#include "signaling/room-directory.h"

#include "signaling/protocol.h"
#include "signaling/signaling-log.h"

struct _GwRoomDirectory {
  GwConfig *config;
  GHashTable *rooms; /* room id (owned by the room) → GwRoom (owned) */
  const GwContactSink *sink; /* not owned */
  GwContactLedger *ledger;   /* not owned */
  GBytes *rating_key;        /* nullable */
};

GwRoomDirectory *
gw_room_directory_new(GwConfig *config, const GwContactSink *sink, GwContactLedger *ledger)
{
  GwRoomDirectory *directory = g_new0(GwRoomDirectory, 1);

  directory->config = gw_config_ref(config);
  directory->sink = sink;
  directory->ledger = ledger;
  directory->rooms =
      g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)gw_room_free);
  return directory;
}

void
gw_room_directory_free(GwRoomDirectory *directory)
{
  if (directory == NULL)
    return;
  g_hash_table_destroy(directory->rooms);
  g_clear_pointer(&directory->rating_key, g_bytes_unref);
  gw_config_unref(directory->config);
  g_free(directory);
}

void
gw_room_directory_set_rating_key(GwRoomDirectory *directory, GBytes *key)
{
  g_clear_pointer(&directory->rating_key, g_bytes_unref);
  directory->rating_key = key != NULL ? g_bytes_ref(key) : NULL;
}

GwRoom *
gw_room_directory_lookup(GwRoomDirectory *directory, const char *room_id)
{
  return g_hash_table_lookup(directory->rooms, room_id);
}

/* A customer turned away before a room existed still counts: offered, then failed (@reason). */
static void
record_refused(GwRoomDirectory *directory, const GwContactInfo *contact, const char *reason)
{
  GwContactInfo info = *contact;

  if (info.node == NULL)
    info.node = g_get_host_name();
  GwContact *refused = gw_contact_new(directory->sink, &info);
  gw_contact_offer(refused);
  gw_contact_fail(refused, reason);
  gw_contact_free(refused);
}

GwRoom *
gw_room_directory_create(GwRoomDirectory *directory, const char *room_id,
                         const GwContactInfo *contact, GError **error)
{
  GwContactInfo info = {0};

  g_return_val_if_fail(gw_room_directory_lookup(directory, room_id) == NULL, NULL);

  if (g_hash_table_size(directory->rooms) >= directory->config->max_rooms) {
    g_set_error(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_CAPACITY,
                "this gateway is at its limit of %u rooms; try again later",
                directory->config->max_rooms);
    if (contact != NULL)
      record_refused(directory, contact, "capacity");
    return NULL;
  }
  if (contact != NULL)
    info = *contact;
  if (info.node == NULL)
    info.node = g_get_host_name();
  info.rating_key = directory->rating_key;
  GwRoom *room = gw_room_new(directory->config, room_id, directory->sink, &info, error);
  if (room == NULL)
    return NULL;
  g_hash_table_insert(directory->rooms, (gpointer)gw_room_get_id(room), room);
  gw_signaling_log(G_LOG_LEVEL_INFO, room_id, NULL, "room opened (%u open)",
                   g_hash_table_size(directory->rooms));
  return room;
}

void
gw_room_directory_remove(GwRoomDirectory *directory, GwRoom *room)
{
  g_autofree char *room_id = g_strdup(gw_room_get_id(room));

  GwContact *contact = gw_room_get_contact(room);

  g_return_if_fail(g_hash_table_lookup(directory->rooms, room_id) == room);
  /* Keyed by room id: a join link names its room, whichever contact ran in it. */
  if (gw_contact_was_answered(contact))
    gw_contact_ledger_mark(directory->ledger, room_id, GW_CONTACT_LEDGER_FINISHED,
                           g_get_real_time() / G_USEC_PER_SEC);
  else if (gw_contact_get_phase(contact) != GW_CONTACT_PHASE_NEW)
    gw_contact_ledger_mark(directory->ledger, room_id, GW_CONTACT_LEDGER_ABANDONED,
                           g_get_real_time() / G_USEC_PER_SEC);
  g_hash_table_remove(directory->rooms, room_id);
  gw_signaling_log(G_LOG_LEVEL_INFO, room_id, NULL, "room closed (%u open)",
                   g_hash_table_size(directory->rooms));
}

typedef struct {
  GwRoomDirectory *directory;
  char *room_id;
} Expiry;

static void
expiry_free(gpointer data)
{
  Expiry *expiry = data;
  g_free(expiry->room_id);
  g_free(expiry);
}

static gboolean
on_room_expired(gpointer data)
{
  Expiry *expiry = data;
  GwRoom *room = gw_room_directory_lookup(expiry->directory, expiry->room_id);

  /* The room removes this source when someone joins or it is freed. */
  if (room != NULL && gw_room_expire(room))
    gw_room_directory_remove(expiry->directory, room);
  return G_SOURCE_REMOVE;
}

void
gw_room_directory_release(GwRoomDirectory *directory, GwRoom *room)
{
  if (gw_room_get_size(room) > 0)
    return;
  if (!gw_room_awaits_rejoin(room)) {
    gw_room_directory_remove(directory, room);
    return;
  }
  Expiry *expiry = g_new0(Expiry, 1);
  expiry->directory = directory;
  expiry->room_id = g_strdup(gw_room_get_id(room));
  guint grace = directory->config->rejoin_grace_seconds;
  gw_room_set_expiry(room, g_timeout_add_seconds_full(G_PRIORITY_DEFAULT, grace,
                                                      on_room_expired, expiry, expiry_free));
  gw_signaling_log(G_LOG_LEVEL_INFO, gw_room_get_id(room), NULL,
                   "everyone is gone: the call waits %u s for someone to come back", grace);
}

GwRoom *
gw_room_directory_find_advisor(GwRoomDirectory *directory, const char *account_id,
                               const char *except)
{
  GHashTableIter iter;
  gpointer id, room;

  if (account_id == NULL)
    return NULL;
  g_hash_table_iter_init(&iter, directory->rooms);
  while (g_hash_table_iter_next(&iter, &id, &room)) {
    if (g_strcmp0(id, except) != 0 && gw_room_has_account(room, account_id))
      return room;
  }
  return NULL;
}

guint
gw_room_directory_get_room_count(GwRoomDirectory *directory)
{
  return g_hash_table_size(directory->rooms);
}

guint
gw_room_directory_get_participant_count(GwRoomDirectory *directory)
{
  GHashTableIter iter;
  gpointer room;
  guint count = 0;

  g_hash_table_iter_init(&iter, directory->rooms);
  while (g_hash_table_iter_next(&iter, NULL, &room))
    count += gw_room_get_size(room);
  return count;
}
