/* SPDX-License-Identifier: Apache-2.0 */
/* One browser's WebSocket: the per-connection state machine of docs/protocol.md. */
#include "signaling/session.h"

#include "signaling/room-directory.h"
#include "signaling/room.h"
#include "signaling/signaling-log.h"

struct _GwSession {
  GwConfig *config;
  GwRoomDirectory *directory; /* not owned */
  SoupWebsocketConnection *connection;
  char *peer_id;
  GwSessionState state;
  GwRole role;
  char *name;
  GwRoom *room; /* not owned; set while joined */
  GwSessionClosedFunc closed_func;
  gpointer closed_data;
  gulong message_handler;
  gulong error_handler;
  gulong closed_handler;
};

const char *
gw_session_get_peer_id(GwSession *session)
{
  return session->peer_id;
}

const char *
gw_session_get_room_id(GwSession *session)
{
  return session->room != NULL ? gw_room_get_id(session->room) : NULL;
}

GwSessionState
gw_session_get_state(GwSession *session)
{
  return session->state;
}

GwRole
gw_session_get_role(GwSession *session)
{
  return session->role;
}

const char *
gw_session_get_name(GwSession *session)
{
  return session->name != NULL ? session->name : "";
}

void
gw_session_send(GwSession *session, const char *json)
{
  if (soup_websocket_connection_get_state(session->connection) != SOUP_WEBSOCKET_STATE_OPEN)
    return;
  soup_websocket_connection_send_text(session->connection, json);
}

void
gw_session_end(GwSession *session, gushort code, const char *reason)
{
  session->state = GW_SESSION_CLOSED;
  session->room = NULL;
  if (soup_websocket_connection_get_state(session->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close(session->connection, code, reason);
}

/* Replies `error` to a refused message; the connection stays open. */
static void
refuse(GwSession *session, const GError *error, const char *ref)
{
  GwProtocolError code = GW_PROTOCOL_ERROR_INTERNAL;

  if (error->domain == GW_PROTOCOL_ERROR)
    code = (GwProtocolError)error->code;
  gw_signaling_log(code == GW_PROTOCOL_ERROR_INTERNAL ? G_LOG_LEVEL_WARNING : G_LOG_LEVEL_INFO,
                   gw_session_get_room_id(session), session->peer_id, "refused %s: %s: %s",
                   ref != NULL ? ref : "message", gw_protocol_error_to_string(code),
                   error->message);
  g_autofree char *json = gw_protocol_build_error(code, error->message, ref);
  gw_session_send(session, json);
}

/* Media errors become the protocol's codes; the media message is meant for people. */
static gboolean
media_failed(GError *media_error, GError **error)
{
  GwProtocolError code = GW_PROTOCOL_ERROR_INTERNAL;

  if (media_error->domain == GW_MEDIA_ERROR) {
    switch ((GwMediaError)media_error->code) {
    case GW_MEDIA_ERROR_WRONG_STATE:
    case GW_MEDIA_ERROR_NO_PEER:
      code = GW_PROTOCOL_ERROR_WRONG_STATE;
      break;
    case GW_MEDIA_ERROR_BAD_SDP:
      code = GW_PROTOCOL_ERROR_BAD_SDP;
      break;
    case GW_MEDIA_ERROR_LIMIT:
      code = GW_PROTOCOL_ERROR_LIMIT;
      break;
    case GW_MEDIA_ERROR_MISSING_ELEMENT:
    case GW_MEDIA_ERROR_INTERNAL:
      break;
    }
  }
  g_set_error_literal(error, GW_PROTOCOL_ERROR, code, media_error->message);
  g_error_free(media_error);
  return FALSE;
}

static gboolean
handle_join(GwSession *session, const GwMessage *message, GError **error)
{
  gboolean created = FALSE;
  GwRoom *room = gw_room_directory_lookup(session->directory, message->join.room);

  if (room == NULL) {
    room = gw_room_directory_create(session->directory, message->join.room, error);
    if (room == NULL)
      return FALSE;
    created = TRUE;
  }
  session->role = message->join.role;
  g_free(session->name);
  session->name = g_strdup(message->join.name);
  if (!gw_room_add_session(room, session, error)) {
    if (created)
      gw_room_directory_remove(session->directory, room);
    return FALSE;
  }
  session->room = room;
  session->state = GW_SESSION_JOINED;
  gw_signaling_log(G_LOG_LEVEL_DEBUG, message->join.room, session->peer_id, "name: %s",
                   session->name);
  return TRUE;
}

static gboolean
handle_answer(GwSession *session, const GwMessage *message, GError **error)
{
  GError *media_error = NULL;

  gw_signaling_log(G_LOG_LEVEL_DEBUG, gw_room_get_id(session->room), session->peer_id,
                   "answer sdp:\n%s", message->answer.sdp);
  if (!gw_media_room_set_answer(gw_room_get_media(session->room), session->peer_id,
                                message->answer.sdp, &media_error))
    return media_failed(media_error, error);
  return TRUE;
}

static gboolean
handle_ice(GwSession *session, const GwMessage *message, GError **error)
{
  GError *media_error = NULL;

  /* End of candidates needs no action: webrtcbin copes without it. */
  if (message->ice.candidate[0] == '\0')
    return TRUE;
  gw_signaling_log(G_LOG_LEVEL_DEBUG, gw_room_get_id(session->room), session->peer_id,
                   "browser candidate %u: %s", message->ice.mline, message->ice.candidate);
  if (!gw_media_room_add_ice_candidate(gw_room_get_media(session->room), session->peer_id,
                                       message->ice.mline, message->ice.candidate, &media_error))
    return media_failed(media_error, error);
  return TRUE;
}

static gboolean
handle_screen(GwSession *session, const GwMessage *message, GError **error)
{
  GError *media_error = NULL;

  if (message->screen.start &&
      !gw_media_room_start_screen(gw_room_get_media(session->room), session->peer_id, &media_error))
    return media_failed(media_error, error);
  g_autofree char *json = gw_protocol_build_screen(session->peer_id, message->screen.start);
  gw_room_broadcast(session->room, json, session);
  gw_signaling_log(G_LOG_LEVEL_INFO, gw_room_get_id(session->room), session->peer_id,
                   "screen share %s", message->screen.start ? "started" : "stopped");
  return TRUE;
}

static gboolean
handle_mute(GwSession *session, const GwMessage *message, GError **error)
{
  g_autofree char *json =
      gw_protocol_build_mute(session->peer_id, message->mute.audio, message->mute.video);

  gw_room_broadcast(session->room, json, session);
  return TRUE;
}

static gboolean
handle_chat(GwSession *session, const GwMessage *message, GError **error)
{
  g_autofree char *json = gw_protocol_build_chat(session->peer_id, session->name,
                                                 message->chat.text, g_get_real_time() / 1000);

  gw_signaling_log(G_LOG_LEVEL_DEBUG, gw_room_get_id(session->room), session->peer_id, "chat: %s",
                   message->chat.text);
  gw_room_broadcast(session->room, json, NULL);
  return TRUE;
}

static gboolean
handle_hangup(GwSession *session, const GwMessage *message, GError **error)
{
  GwRoom *room = session->room;

  gw_room_hang_up(room, session);
  gw_room_directory_remove(session->directory, room);
  return TRUE;
}

typedef gboolean (*HandleFunc)(GwSession *session, const GwMessage *message, GError **error);

static const HandleFunc handlers[] = {
    [GW_MESSAGE_JOIN] = handle_join,     [GW_MESSAGE_ANSWER] = handle_answer,
    [GW_MESSAGE_ICE] = handle_ice,       [GW_MESSAGE_SCREEN] = handle_screen,
    [GW_MESSAGE_MUTE] = handle_mute,     [GW_MESSAGE_CHAT] = handle_chat,
    [GW_MESSAGE_HANGUP] = handle_hangup,
};

static gboolean
handle_message(GwSession *session, const GwMessage *message, GError **error)
{
  gboolean is_join = message->type == GW_MESSAGE_JOIN;

  if (session->state == GW_SESSION_NEW && !is_join) {
    g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_WRONG_STATE,
                        "join a room first");
    return FALSE;
  }
  if (session->state == GW_SESSION_JOINED && is_join) {
    g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_WRONG_STATE,
                        "already in a room");
    return FALSE;
  }
  return handlers[message->type](session, message, error);
}

static void
on_message(SoupWebsocketConnection *connection, gint data_type, GBytes *bytes, gpointer user_data)
{
  GwSession *session = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *ref = NULL;

  /* After a hang-up the socket is closing; what still arrives changes nothing. */
  if (session->state == GW_SESSION_CLOSED)
    return;
  if (data_type != SOUP_WEBSOCKET_DATA_TEXT) {
    g_set_error_literal(&error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_BAD_JSON,
                        "binary frames are not part of the protocol");
    refuse(session, error, NULL);
    return;
  }

  gsize length = 0;
  const char *data = g_bytes_get_data(bytes, &length);
  g_autoptr(GwMessage) message = gw_message_parse(session->config, data, length, &ref, &error);
  if (message == NULL || !handle_message(session, message, &error))
    refuse(session, error, ref);
}

/* E.g. a frame past the hard size limit; libsoup closes the socket itself. */
static void
on_error(SoupWebsocketConnection *connection, GError *error, gpointer user_data)
{
  GwSession *session = user_data;

  gw_signaling_log(G_LOG_LEVEL_INFO, gw_session_get_room_id(session), session->peer_id,
                   "websocket error: %s", error->message);
}

static void
on_closed(SoupWebsocketConnection *connection, gpointer user_data)
{
  GwSession *session = user_data;
  GwRoom *room = session->room;

  gw_signaling_log(G_LOG_LEVEL_INFO, gw_session_get_room_id(session), session->peer_id,
                   "websocket closed (code %u)",
                   soup_websocket_connection_get_close_code(connection));
  if (session->state == GW_SESSION_JOINED && room != NULL) {
    session->room = NULL;
    session->state = GW_SESSION_CLOSED;
    gw_room_remove_session(room, session);
    if (gw_room_get_size(room) == 0)
      gw_room_directory_remove(session->directory, room);
  }
  session->state = GW_SESSION_CLOSED;
  /* Last: the callee may free the session. */
  session->closed_func(session, session->closed_data);
}

GwSession *
gw_session_new(GwConfig *config, GwRoomDirectory *directory, SoupWebsocketConnection *connection,
               const char *peer_id, GwSessionClosedFunc closed_func, gpointer user_data)
{
  GwSession *session = g_new0(GwSession, 1);

  session->config = gw_config_ref(config);
  session->directory = directory;
  session->connection = g_object_ref(connection);
  session->peer_id = g_strdup(peer_id);
  session->state = GW_SESSION_NEW;
  session->closed_func = closed_func;
  session->closed_data = user_data;
  session->message_handler =
      g_signal_connect(connection, "message", G_CALLBACK(on_message), session);
  session->error_handler = g_signal_connect(connection, "error", G_CALLBACK(on_error), session);
  session->closed_handler = g_signal_connect(connection, "closed", G_CALLBACK(on_closed), session);
  return session;
}

void
gw_session_free(GwSession *session)
{
  if (session == NULL)
    return;
  g_warn_if_fail(session->room == NULL);
  g_clear_signal_handler(&session->message_handler, session->connection);
  g_clear_signal_handler(&session->error_handler, session->connection);
  g_clear_signal_handler(&session->closed_handler, session->connection);
  g_object_unref(session->connection);
  gw_config_unref(session->config);
  g_free(session->peer_id);
  g_free(session->name);
  g_free(session);
}
