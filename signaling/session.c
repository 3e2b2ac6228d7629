/* SPDX-License-Identifier: Apache-2.0 */
/* One browser's WebSocket: the per-connection state machine of docs/protocol.md. */
#include "signaling/session.h"

#include "signaling/admission.h"
#include "signaling/queue.h"
#include "signaling/rate-limit.h"
#include "signaling/room-directory.h"
#include "signaling/room.h"
#include "signaling/signaling-log.h"

struct _GwSession {
  GwConfig *config;
  GwRoomDirectory *directory; /* not owned */
  GwAdmission *admission;     /* not owned */
  GwQueues *queues;           /* not owned */
  SoupWebsocketConnection *connection;
  char *peer_id;
  GwSessionState state;
  GwRole role;
  char *name;
  char **video_codecs; /* from `join`, see GwMessage; NULL: VP8 assumed */
  char *resume;        /* from `join`: the page's secret for replacing this session */
  char *account_id; /* advisor account, NULL when none logged in */
  GPtrArray *held;  /* GBytes text frames waiting for gw_session_release(); NULL: not held */
  gboolean sharing; /* its screen share runs (`screen start` without a `stop` since) */
  GwRateLimit pointers; /* `pointer` messages: a click or a key press each, not a stream */
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

const char *const *
gw_session_get_video_codecs(GwSession *session)
{
  return (const char *const *)session->video_codecs;
}

const char *
gw_session_get_resume(GwSession *session)
{
  return session->resume;
}

gboolean
gw_session_is_sharing(GwSession *session)
{
  return session->sharing;
}

void
gw_session_supersede(GwSession *session)
{
  GwRoom *room = session->room;

  if (session->state != GW_SESSION_JOINED || room == NULL)
    return;
  session->room = NULL;
  session->state = GW_SESSION_CLOSED;
  gw_signaling_log(G_LOG_LEVEL_INFO, gw_room_get_id(room), session->peer_id,
                   "replaced by a new connection of the same page");
  gw_room_remove_session(room, session, "reconnecting");
  gw_session_end(session, GW_SESSION_CLOSE_REPLACED, "replaced by a new connection");
}

const char *
gw_session_get_account_id(GwSession *session)
{
  return session->account_id;
}

void
gw_session_set_account_id(GwSession *session, const char *account_id)
{
  g_free(session->account_id);
  session->account_id = g_strdup(account_id);
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
    case GW_MEDIA_ERROR_CODEC:
      code = GW_PROTOCOL_ERROR_CODEC;
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

/* Rooms named like a join link's contact are entered through that link only. */
static gboolean
is_link_room(const char *room_id)
{
  return g_str_has_prefix(room_id, "c-") || g_str_has_prefix(room_id, "q-");
}

/*
 * A customer with a link: the token must be ours, current, and name this
 * room. On success @info describes the contact (strings borrowed from @token).
 */
static gboolean
admit_link(GwSession *session, const GwMessage *message, GwJoinToken **token, GwContactInfo *info,
           GError **error)
{
  const char *room_id = message->join.room;

  if (message->join.token == NULL) {
    /* An advisor takes a link's call only when logged in: the contact names who answered. */
    if (message->join.role == GW_ROLE_ADVISOR && is_link_room(room_id) &&
        session->account_id == NULL) {
      g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_UNAUTHORIZED,
                          "log in as an advisor first");
      return FALSE;
    }
    if (message->join.role == GW_ROLE_CUSTOMER && is_link_room(room_id)) {
      g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_BAD_TOKEN,
                          "this call is joined through its link");
      return FALSE;
    }
    /* rooms.link_only: without it anyone who reaches /ws could relay video through us. */
    if (!is_link_room(room_id) && session->config->link_only) {
      g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_UNAUTHORIZED,
                          "calls on this service are opened through their links only");
      return FALSE;
    }
    return TRUE;
  }
  if (message->join.role != GW_ROLE_CUSTOMER) {
    g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_BAD_FIELD,
                        "join: `token` is for customers");
    return FALSE;
  }
  GwAdmissionVerdict verdict = gw_admission_check(session->admission, message->join.token,
                                                  g_get_real_time() / G_USEC_PER_SEC, token);
  switch (verdict) {
  case GW_ADMISSION_OK:
  case GW_ADMISSION_OK_AGAIN:
    break;
  case GW_ADMISSION_INVALID:
    g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_BAD_TOKEN,
                        "this link is not valid");
    return FALSE;
  case GW_ADMISSION_EXPIRED:
    g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_TOKEN_EXPIRED,
                        "this link has expired");
    return FALSE;
  case GW_ADMISSION_REVOKED:
  case GW_ADMISSION_FINISHED:
    g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_CONTACT_CLOSED,
                        "this call is over or was cancelled");
    return FALSE;
  }
  if (!g_str_equal((*token)->contact_id, room_id)) {
    g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_BAD_FIELD,
                        "join: `room` is not the link's room");
    return FALSE;
  }
  /* A guest joins a call that runs; it never opens one. */
  if ((*token)->kind == GW_JOIN_TOKEN_GUEST &&
      gw_room_directory_lookup(session->directory, room_id) == NULL) {
    g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_CONTACT_CLOSED,
                        "this call has not started yet, or it is over");
    return FALSE;
  }
  info->journey = (*token)->journey;
  info->queue = (*token)->kind == GW_JOIN_TOKEN_QUEUE ? (*token)->journey : NULL;
  info->customer_ref = (*token)->customer_ref;
  /* A link used again after an abandoned wait starts a new contact. */
  info->id = verdict == GW_ADMISSION_OK_AGAIN ? NULL : (*token)->contact_id;
  return TRUE;
}

/*
 * Walk-in queues: a queue ticket whose room is not open yet starts waiting
 * (the room opens empty and the session moves to GW_SESSION_WAITING); once an
 * advisor accepted it, the same ticket joins the room. Nobody enters a room
 * whose customer still waits: an advisor accepts from the queue first.
 */
static gboolean
admit_queue(GwSession *session, const GwMessage *message, const GwJoinToken *token, GwRoom *room,
            const GwContactInfo *info, GError **error)
{
  if (room != NULL && gw_queues_is_waiting(session->queues, gw_room_get_id(room))) {
    g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_WRONG_STATE,
                        token != NULL ? "already waiting in the queue (in another window?)"
                                      : "this customer still waits: accept them from the queue");
    return FALSE;
  }
  if (token == NULL || token->kind != GW_JOIN_TOKEN_QUEUE || room != NULL)
    return TRUE;
  session->role = message->join.role;
  g_free(session->name);
  session->name = g_strdup(message->join.name);
  if (!gw_queues_enqueue(session->queues, session, message->join.room, info, error))
    return FALSE;
  session->state = GW_SESSION_WAITING;
  return TRUE;
}

static gboolean
handle_join(GwSession *session, const GwMessage *message, GError **error)
{
  gboolean created = FALSE;
  g_autoptr(GwJoinToken) token = NULL;
  GwContactInfo info = {0};

  if (!admit_link(session, message, &token, &info, error))
    return FALSE;
  GwRoom *room = gw_room_directory_lookup(session->directory, message->join.room);
  /* A logged-in advisor takes one call at a time (coming back into the same one is fine). */
  if (message->join.role == GW_ROLE_ADVISOR &&
      gw_room_directory_find_advisor(session->directory, session->account_id,
                                     message->join.room) != NULL) {
    g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_WRONG_STATE,
                        "you are in another call: end it first");
    return FALSE;
  }
  if (!admit_queue(session, message, token, room, &info, error))
    return FALSE;
  if (session->state == GW_SESSION_WAITING)
    return TRUE;
  if (room == NULL) {
    room = gw_room_directory_create(session->directory, message->join.room,
                                    token != NULL ? &info : NULL, error);
    if (room == NULL)
      return FALSE;
    created = TRUE;
  } else if (token != NULL) {
    /* An advisor who opened the link's room first made its contact without the link; the
     * customer's link says what it is about (the invite's contact id, journey, pseudonym). */
    gw_contact_adopt_link(gw_room_get_contact(room), &info);
  }
  session->role = token != NULL && token->kind == GW_JOIN_TOKEN_GUEST ? GW_ROLE_GUEST
                                                                      : message->join.role;
  g_free(session->name);
  session->name = g_strdup(message->join.name);
  g_strfreev(session->video_codecs);
  session->video_codecs = g_strdupv(message->join.video_codecs);
  g_free(session->resume);
  session->resume = g_strdup(message->join.resume);
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
  session->sharing = message->screen.start;
  g_autofree char *json = gw_protocol_build_screen(session->peer_id, message->screen.start);
  gw_room_broadcast(session->room, json, session);
  gw_room_screen_changed(session->room, session, message->screen.start);
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

/* The advisor points at a shared screen (docs/protocol.md, "Pointer"). */
static gboolean
handle_pointer(GwSession *session, const GwMessage *message, GError **error)
{
  if (session->role != GW_ROLE_ADVISOR) {
    g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_UNAUTHORIZED,
                        "only the advisor places a pointer");
    return FALSE;
  }
  if (!gw_rate_limit_take(&session->pointers, g_get_monotonic_time())) {
    g_set_error(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_LIMIT,
                "at most %d pointer messages a second", GW_SESSION_POINTERS_PER_SECOND);
    return FALSE;
  }
  return gw_room_relay_pointer(session->room, session, message, error);
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
    [GW_MESSAGE_HANGUP] = handle_hangup, [GW_MESSAGE_POINTER] = handle_pointer,
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
  if (session->state == GW_SESSION_WAITING) {
    g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_WRONG_STATE,
                        "you are waiting in the queue; an advisor will take you");
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
  if (session->held != NULL && data_type == SOUP_WEBSOCKET_DATA_TEXT) {
    g_ptr_array_add(session->held, g_bytes_ref(bytes));
    return;
  }
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
    gw_room_remove_session(room, session, "disconnected");
    gw_room_directory_release(session->directory, room);
  }
  if (session->state == GW_SESSION_WAITING)
    gw_queues_leave(session->queues, session);
  session->state = GW_SESSION_CLOSED;
  /* Last: the callee may free the session. */
  session->closed_func(session, session->closed_data);
}

GwSession *
gw_session_new(GwConfig *config, GwRoomDirectory *directory, GwAdmission *admission,
               GwQueues *queues, SoupWebsocketConnection *connection, const char *peer_id,
               GwSessionClosedFunc closed_func, gpointer user_data)
{
  GwSession *session = g_new0(GwSession, 1);

  session->admission = admission;
  session->queues = queues;
  session->config = gw_config_ref(config);
  session->directory = directory;
  session->connection = g_object_ref(connection);
  session->peer_id = g_strdup(peer_id);
  session->state = GW_SESSION_NEW;
  session->closed_func = closed_func;
  session->closed_data = user_data;
  gw_rate_limit_init(&session->pointers, GW_SESSION_POINTERS_PER_SECOND, GW_SESSION_POINTERS_BURST,
                     g_get_monotonic_time());
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
  g_strfreev(session->video_codecs);
  g_free(session->resume);
  g_free(session->account_id);
  g_clear_pointer(&session->held, g_ptr_array_unref);
  g_free(session);
}

void
gw_session_hold(GwSession *session)
{
  if (session->held == NULL)
    session->held = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
}

void
gw_session_release(GwSession *session)
{
  g_autoptr(GPtrArray) held = g_steal_pointer(&session->held);

  for (guint i = 0; held != NULL && i < held->len; i++)
    on_message(session->connection, SOUP_WEBSOCKET_DATA_TEXT, g_ptr_array_index(held, i), session);
}
