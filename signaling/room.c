/* SPDX-License-Identifier: Apache-2.0 */
/* A signaling room: the sessions in one call and the media room that forwards between them. */
#include "signaling/room.h"

#include "signaling/nat-mapping.h"
#include "signaling/protocol.h"
#include "signaling/signaling-log.h"

struct _GwRoom {
  char *id;
  GwConfig *config;
  GwMediaRoom *media;
  GPtrArray *sessions; /* GwSession (not owned), in joining order */
  GwContact *contact;
  gboolean media_connected; /* some peer's media came up at least once */
  char *first_leaver;       /* role of the first to leave an answered call, for ended_by */
  guint expiry_source;      /* while empty and waiting for a rejoin, see gw_room_set_expiry */
  guint quality_source;     /* samples the customer's media while the call is answered */
};

/* How often an answered call's quality is sampled into the metrics store. */
#define QUALITY_INTERVAL_S 20

static void sample_all(GwRoom *room);
static gboolean on_quality_tick(gpointer data);

static GwSession *
find_session(GwRoom *room, const char *peer_id)
{
  for (guint i = 0; i < room->sessions->len; i++) {
    GwSession *session = g_ptr_array_index(room->sessions, i);
    if (g_strcmp0(gw_session_get_peer_id(session), peer_id) == 0)
      return session;
  }
  return NULL;
}

/* The media callbacks run on the control thread, outside any gw_media_room_*
 * call; a peer that has left by then is simply no longer found. */
static void
on_media_offer(gpointer user_data, const char *peer_id, const char *sdp, const GwTrackInfo *tracks,
               guint n_tracks)
{
  GwRoom *room = user_data;
  GwSession *session = find_session(room, peer_id);

  if (session == NULL)
    return;
  /* Behind a 1:1 NAT browsers must see the public address (media.public_address). */
  g_autofree char *announced = gw_nat_map_sdp(sdp, room->config->public_address);
  g_autofree char *json = gw_protocol_build_offer(announced, tracks, n_tracks);
  gw_signaling_log(G_LOG_LEVEL_INFO, room->id, peer_id, "offer sent (%u tracks)", n_tracks);
  gw_signaling_log(G_LOG_LEVEL_DEBUG, room->id, peer_id, "offer sdp:\n%s", announced);
  gw_session_send(session, json);
}

static void
on_media_ice_candidate(gpointer user_data, const char *peer_id, guint mline, const char *candidate)
{
  GwRoom *room = user_data;
  GwSession *session = find_session(room, peer_id);

  if (session == NULL)
    return;
  g_autofree char *announced = gw_nat_map_candidate(candidate, room->config->public_address);
  g_autofree char *json = gw_protocol_build_ice(mline, announced);
  gw_signaling_log(G_LOG_LEVEL_DEBUG, room->id, peer_id, "gateway candidate %u: %s", mline,
                   announced);
  gw_session_send(session, json);
}

static void
on_media_peer_state(gpointer user_data, const char *peer_id, GwMediaPeerState state)
{
  GwRoom *room = user_data;
  GwSession *session = find_session(room, peer_id);

  if (session == NULL)
    return;
  if (state == GW_MEDIA_PEER_CONNECTED)
    room->media_connected = TRUE;
  /* A call whose media never came up at all is a failed contact; one that
   * worked and then broke may still come back (rejoin). */
  if (state == GW_MEDIA_PEER_FAILED && !room->media_connected)
    gw_contact_fail(room->contact, "media-failed");
  g_autofree char *json = gw_protocol_build_media(state);
  gw_signaling_log(state == GW_MEDIA_PEER_FAILED ? G_LOG_LEVEL_WARNING : G_LOG_LEVEL_INFO, room->id,
                   peer_id, "media %s",
                   state == GW_MEDIA_PEER_CONNECTED ? "connected"
                   : state == GW_MEDIA_PEER_FAILED  ? "failed"
                                                    : "connecting");
  gw_session_send(session, json);
}

static const GwMediaRoomCallbacks media_callbacks = {
    .offer = on_media_offer,
    .ice_candidate = on_media_ice_candidate,
    .peer_state = on_media_peer_state,
};

GwRoom *
gw_room_new(GwConfig *config, const char *room_id, const GwContactSink *sink,
            const GwContactInfo *contact, GError **error)
{
  g_autoptr(GError) media_error = NULL;
  GwRoom *room = g_new0(GwRoom, 1);
  GwContactInfo info = {0};

  if (contact != NULL)
    info = *contact;
  info.room_id = room_id;
  room->id = g_strdup(room_id);
  room->config = gw_config_ref(config);
  room->sessions = g_ptr_array_new();
  room->contact = gw_contact_new(sink, &info);
  room->quality_source = g_timeout_add_seconds(QUALITY_INTERVAL_S, on_quality_tick, room);
  /* The room is the callbacks' user data: it outlives its media room. */
  room->media = gw_media_room_new(config, room_id, &media_callbacks, room, &media_error);
  if (room->media == NULL) {
    gw_signaling_log(G_LOG_LEVEL_WARNING, room_id, NULL, "cannot create the media room: %s",
                     media_error->message);
    g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_INTERNAL,
                        "the gateway cannot start a call right now");
    gw_room_free(room);
    return NULL;
  }
  return room;
}

void
gw_room_free(GwRoom *room)
{
  if (room == NULL)
    return;
  gw_room_set_expiry(room, 0);
  g_clear_handle_id(&room->quality_source, g_source_remove);
  if (room->contact != NULL) {
    if (room->media != NULL)
      sample_all(room); /* the last sample of a call cut by a shutdown */
    gw_contact_close(room->contact, "shutdown", "system");
  }
  g_clear_pointer(&room->contact, gw_contact_free);
  g_clear_pointer(&room->media, gw_media_room_free);
  g_ptr_array_unref(room->sessions);
  g_free(room->first_leaver);
  gw_config_unref(room->config);
  g_free(room->id);
  g_free(room);
}

const char *
gw_room_get_id(GwRoom *room)
{
  return room->id;
}

guint
gw_room_get_size(GwRoom *room)
{
  return room->sessions->len;
}

GwContact *
gw_room_get_contact(GwRoom *room)
{
  return room->contact;
}

gboolean
gw_room_has_account(GwRoom *room, const char *account_id)
{
  for (guint i = 0; i < room->sessions->len; i++) {
    GwSession *session = g_ptr_array_index(room->sessions, i);
    if (gw_session_get_role(session) == GW_ROLE_ADVISOR &&
        g_strcmp0(gw_session_get_account_id(session), account_id) == 0)
      return TRUE;
  }
  return FALSE;
}

gboolean
gw_room_has_role(GwRoom *room, GwRole role)
{
  for (guint i = 0; i < room->sessions->len; i++) {
    if (gw_session_get_role(g_ptr_array_index(room->sessions, i)) == role)
      return TRUE;
  }
  return FALSE;
}

/* The advisor already in the room, whose account answers a customer arriving. */
static GwSession *
find_advisor(GwRoom *room)
{
  for (guint i = 0; i < room->sessions->len; i++) {
    GwSession *session = g_ptr_array_index(room->sessions, i);
    if (gw_session_get_role(session) == GW_ROLE_ADVISOR)
      return session;
  }
  return NULL;
}

/*
 * One quality sample of the customer's side of an answered call: how the
 * gateway's media reaches the customer, from the receiver reports of its
 * browser (docs/metrics.md). Nothing is recorded until the browser has
 * reported at least once: a sample without round trip and loss would pull
 * the means towards zero.
 */
static void
sample_quality(GwRoom *room, GwSession *session)
{
  const char *peer_id = gw_session_get_peer_id(session);
  GwMediaQuality quality;

  if (gw_session_get_role(session) != GW_ROLE_CUSTOMER ||
      gw_contact_get_phase(room->contact) != GW_CONTACT_PHASE_ANSWERED)
    return;
  if (!gw_media_room_sample_quality(room->media, peer_id, &quality)) {
    gw_signaling_log(G_LOG_LEVEL_DEBUG, room->id, peer_id, "no quality sample: no media yet");
    return;
  }
  gw_signaling_log(
      G_LOG_LEVEL_DEBUG, room->id, peer_id,
      "quality: round trip %.1f ms, %.2f %% lost, %.0f kbit/s%s", quality.rtt_ms, quality.loss_pct,
      quality.kbps,
      quality.rtt_ms < 0 || quality.loss_pct < 0 ? " (no receiver report yet: not kept)" : "");
  if (quality.rtt_ms >= 0 && quality.loss_pct >= 0)
    gw_contact_quality(room->contact, quality.rtt_ms, quality.loss_pct, quality.kbps);
}

static void
sample_all(GwRoom *room)
{
  for (guint i = 0; i < room->sessions->len; i++)
    sample_quality(room, g_ptr_array_index(room->sessions, i));
}

static gboolean
on_quality_tick(gpointer data)
{
  sample_all(data);
  return G_SOURCE_CONTINUE;
}

/* Runs once @session is listed: what its arrival means for the contact. */
static void
contact_on_join(GwRoom *room, GwSession *session)
{
  GwContact *contact = room->contact;
  GwRole role = gw_session_get_role(session);
  GwSession *advisor = find_advisor(room);

  /* Guests come and go in someone else's contact: no events of their own. */
  if (role == GW_ROLE_GUEST)
    return;

  if (gw_contact_get_phase(contact) == GW_CONTACT_PHASE_ANSWERED) {
    gw_contact_rejoin(contact, gw_role_to_string(role));
    /* Whoever left first came back: a later ending is nobody's leaving yet. */
    if (room->sessions->len >= 2)
      g_clear_pointer(&room->first_leaver, g_free);
    return;
  }
  if (role == GW_ROLE_CUSTOMER)
    gw_contact_offer(contact);
  if (advisor != NULL && gw_room_has_role(room, GW_ROLE_CUSTOMER))
    gw_contact_answer(contact, gw_session_get_account_id(advisor));
}

GwMediaRoom *
gw_room_get_media(GwRoom *room)
{
  return room->media;
}

gboolean
gw_room_add_session(GwRoom *room, GwSession *session, GError **error)
{
  const char *peer_id = gw_session_get_peer_id(session);
  g_autoptr(GError) media_error = NULL;

  /* The same page on a new connection (a reload, a network switch): its old
   * session goes first, so it does not count against the room's size. */
  GwSession *stale = gw_room_find_resumed(room, session);
  if (stale != NULL)
    gw_session_supersede(stale);

  if (room->sessions->len >= room->config->max_participants) {
    g_set_error(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_ROOM_FULL,
                "this room already has %u participants", room->config->max_participants);
    return FALSE;
  }
  /* Offers come later, from the main loop, so `welcome` still reaches the
   * browser first; adding the peer first means a failure changes nothing. */
  if (!gw_media_room_add_peer(room->media, peer_id, gw_session_get_video_codecs(session),
                              &media_error)) {
    if (g_error_matches(media_error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_CODEC)) {
      gw_signaling_log(G_LOG_LEVEL_MESSAGE, room->id, peer_id, "refused: %s",
                       media_error->message);
      g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_CODEC,
                          media_error->message);
      return FALSE;
    }
    gw_signaling_log(G_LOG_LEVEL_WARNING, room->id, peer_id, "cannot add the media peer: %s",
                     media_error->message);
    g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_INTERNAL,
                        "the gateway cannot connect you right now");
    return FALSE;
  }

  g_autofree GwParticipantInfo *others = g_new0(GwParticipantInfo, room->sessions->len + 1);
  for (guint i = 0; i < room->sessions->len; i++) {
    GwSession *other = g_ptr_array_index(room->sessions, i);
    others[i].peer = gw_session_get_peer_id(other);
    others[i].role = gw_session_get_role(other);
    others[i].name = gw_session_get_name(other);
  }
  g_autoptr(GwTurnCredentials) turn =
      gw_turn_credentials_new(room->config, peer_id, g_get_real_time() / G_USEC_PER_SEC);
  g_autofree char *welcome = gw_protocol_build_welcome(
      peer_id, room->id, gw_session_get_role(session), others, room->sessions->len, turn);
  g_autofree char *joined = gw_protocol_build_participant_joined(
      peer_id, gw_session_get_role(session), gw_session_get_name(session));

  gw_session_send(session, welcome);
  gw_room_broadcast(room, joined, NULL);
  g_ptr_array_add(room->sessions, session);
  gw_signaling_log(G_LOG_LEVEL_INFO, room->id, peer_id, "joined as %s (%u in the room)%s",
                   gw_role_to_string(gw_session_get_role(session)), room->sessions->len,
                   stale != NULL ? ", replacing its old connection" : "");
  gw_room_set_expiry(room, 0);
  contact_on_join(room, session);
  return TRUE;
}

/* Runs once @session is no longer listed. */
static void
contact_on_leave(GwRoom *room, GwSession *session)
{
  GwContact *contact = room->contact;
  gboolean guest = gw_session_get_role(session) == GW_ROLE_GUEST;
  const char *role = gw_role_to_string(gw_session_get_role(session));

  gw_contact_screen(contact, gw_session_get_peer_id(session), role, FALSE);
  if (!guest && gw_contact_get_phase(contact) == GW_CONTACT_PHASE_OFFERED &&
      !gw_room_has_role(room, GW_ROLE_CUSTOMER)) {
    gw_contact_abandon(contact);
    return;
  }
  if (gw_contact_get_phase(contact) != GW_CONTACT_PHASE_ANSWERED)
    return;
  if (!guest && room->first_leaver == NULL)
    room->first_leaver = g_strdup(role);
  /* Guests alone do not keep a contact going. */
  if (!gw_room_has_role(room, GW_ROLE_CUSTOMER) && !gw_room_has_role(room, GW_ROLE_ADVISOR) &&
      room->config->rejoin_grace_seconds == 0)
    gw_contact_end(contact, "disconnected", room->first_leaver);
}

gboolean
gw_room_awaits_rejoin(GwRoom *room)
{
  return room->config->rejoin_grace_seconds > 0 &&
         gw_contact_get_phase(room->contact) == GW_CONTACT_PHASE_ANSWERED;
}

void
gw_room_set_expiry(GwRoom *room, guint source_id)
{
  if (room->expiry_source != 0 && room->expiry_source != source_id)
    g_source_remove(room->expiry_source);
  room->expiry_source = source_id;
}

gboolean
gw_room_expire(GwRoom *room)
{
  room->expiry_source = 0; /* the source is running out by itself */
  if (room->sessions->len > 0)
    return FALSE;
  gw_signaling_log(G_LOG_LEVEL_INFO, room->id, NULL, "nobody came back within %u s",
                   room->config->rejoin_grace_seconds);
  gw_contact_end(room->contact, "disconnected", room->first_leaver);
  return TRUE;
}

GwSession *
gw_room_find_resumed(GwRoom *room, GwSession *session)
{
  const char *resume = gw_session_get_resume(session);

  if (resume == NULL)
    return NULL;
  for (guint i = 0; i < room->sessions->len; i++) {
    GwSession *other = g_ptr_array_index(room->sessions, i);
    if (other != session && gw_session_get_role(other) == gw_session_get_role(session) &&
        g_strcmp0(gw_session_get_resume(other), resume) == 0)
      return other;
  }
  return NULL;
}

void
gw_room_screen_changed(GwRoom *room, GwSession *session, gboolean start)
{
  gw_contact_screen(room->contact, gw_session_get_peer_id(session),
                    gw_role_to_string(gw_session_get_role(session)), start);
}

gboolean
gw_room_relay_pointer(GwRoom *room, GwSession *from, const GwMessage *message, GError **error)
{
  GwSession *sharer = find_session(room, message->pointer.screen);

  if (sharer == NULL || !gw_session_is_sharing(sharer)) {
    g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_WRONG_STATE,
                        "nobody in this room shares that screen");
    return FALSE;
  }
  g_autofree char *json =
      gw_protocol_build_pointer(gw_session_get_peer_id(from), message->pointer.screen,
                                message->pointer.show, message->pointer.x, message->pointer.y);
  gw_room_broadcast(room, json, from);
  return TRUE;
}

void
gw_room_remove_session(GwRoom *room, GwSession *session, const char *reason)
{
  const char *peer_id = gw_session_get_peer_id(session);
  guint index = 0;

  if (!g_ptr_array_find(room->sessions, session, &index))
    return;
  /* The last sample of the customer's media, while it is still there (short calls get one). */
  sample_quality(room, session);
  g_ptr_array_remove_index(room->sessions, index);
  gw_media_room_remove_peer(room->media, peer_id);
  /* Only a call that was answered waits for someone to come back. */
  guint grace = gw_contact_get_phase(room->contact) == GW_CONTACT_PHASE_ANSWERED
                    ? room->config->rejoin_grace_seconds
                    : 0;
  g_autofree char *left = gw_protocol_build_participant_left(peer_id, reason, grace);
  gw_room_broadcast(room, left, NULL);
  gw_signaling_log(G_LOG_LEVEL_INFO, room->id, peer_id, "left (%u in the room)",
                   room->sessions->len);
  contact_on_leave(room, session);
}

void
gw_room_broadcast(GwRoom *room, const char *json, GwSession *except)
{
  for (guint i = 0; i < room->sessions->len; i++) {
    GwSession *session = g_ptr_array_index(room->sessions, i);
    if (session != except)
      gw_session_send(session, json);
  }
}

void
gw_room_hang_up(GwRoom *room, GwSession *by)
{
  g_autofree char *ended =
      gw_protocol_build_ended("hangup", gw_session_get_peer_id(by), NULL, NULL);
  g_autofree char *rating_token = NULL;
  g_autofree char *ended_rated = NULL;

  sample_all(room); /* the last quality sample of an answered call */
  /* Take the list first: ending a session must not find itself still listed. */
  g_autoptr(GPtrArray) sessions = g_steal_pointer(&room->sessions);

  room->sessions = g_ptr_array_new();
  gw_signaling_log(G_LOG_LEVEL_INFO, room->id, gw_session_get_peer_id(by),
                   "hung up for %u participants", sessions->len);
  /* A customer hanging up while still waiting has abandoned the contact. */
  gw_contact_close(room->contact, "hangup", gw_role_to_string(gw_session_get_role(by)));
  /* The customer of an answered call may rate it afterwards (rate.html). */
  rating_token = gw_contact_rating_token(room->contact);
  if (rating_token != NULL)
    ended_rated =
        gw_protocol_build_ended("hangup", gw_session_get_peer_id(by), rating_token, NULL);
  for (guint i = 0; i < sessions->len; i++) {
    GwSession *session = g_ptr_array_index(sessions, i);
    gboolean rates = ended_rated != NULL && gw_session_get_role(session) == GW_ROLE_CUSTOMER;
    /* A logged-in advisor wraps the call up afterwards (journey, outcome). */
    g_autofree char *wrap_up =
        gw_session_get_role(session) == GW_ROLE_ADVISOR
            ? gw_contact_wrap_up_token(room->contact, gw_session_get_account_id(session))
            : NULL;
    g_autofree char *ended_wrap =
        wrap_up != NULL
            ? gw_protocol_build_ended("hangup", gw_session_get_peer_id(by), NULL, wrap_up)
            : NULL;

    gw_session_send(session, ended_wrap != NULL ? ended_wrap : rates ? ended_rated : ended);
    gw_session_end(session, SOUP_WEBSOCKET_CLOSE_NORMAL, "hangup");
  }
}
