/* SPDX-License-Identifier: Apache-2.0 */
/* The connection check at /ws/check: one webrtcbin per check, offered to the browser like a
 * call's first offer. Nothing is forwarded and no contact is recorded; the only outcome is the
 * `media` state the browser sees, which is the honest answer to "can media reach the gateway
 * from this network" because it is the same ICE, DTLS and SRTP path a call takes. */
#include "signaling/media-check.h"

#include "signaling/protocol.h"
#include "signaling/signaling-log.h"
#include "signaling/turn-credentials.h"
#include "webrtc/media-room.h"

/* The one peer in a check's media room. */
#define CHECK_PEER "check"
/* Close codes: the check ran its time; the gateway is stopping. */
#define CLOSE_DONE SOUP_WEBSOCKET_CLOSE_NORMAL
#define CLOSE_STOPPING SOUP_WEBSOCKET_CLOSE_GOING_AWAY

struct _GwMediaChecks {
  GwConfig *config;
  GHashTable *running; /* Check * (owned), a set */
  guint64 next_id;
};

typedef struct {
  GwMediaChecks *owner; /* not owned */
  char *id;             /* "check-N", for the log and as the media room's id */
  SoupWebsocketConnection *connection;
  GwMediaRoom *media;
  guint timeout;
  gulong message_handler;
  gulong closed_handler;
} Check;

static void
check_send(Check *check, const char *json)
{
  if (soup_websocket_connection_get_state(check->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text(check->connection, json);
}

static void
check_close(Check *check, gushort code, const char *reason)
{
  if (soup_websocket_connection_get_state(check->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close(check->connection, code, reason);
}

/* Teardown in one place: handlers off, media room down, socket released. */
static void
check_free(gpointer data)
{
  Check *check = data;

  g_clear_handle_id(&check->timeout, g_source_remove);
  g_clear_signal_handler(&check->message_handler, check->connection);
  g_clear_signal_handler(&check->closed_handler, check->connection);
  g_clear_pointer(&check->media, gw_media_room_free);
  check_close(check, CLOSE_STOPPING, "gateway stopping");
  g_object_unref(check->connection);
  g_free(check->id);
  g_free(check);
}

/* Media callbacks run on the control thread, never inside a gw_media_room_* call. */
static void
on_media_offer(gpointer user_data, const char *peer_id, const char *sdp, const GwTrackInfo *tracks,
               guint n_tracks)
{
  Check *check = user_data;
  g_autofree char *json = gw_protocol_build_offer(sdp, tracks, n_tracks);

  gw_signaling_log(G_LOG_LEVEL_INFO, check->id, CHECK_PEER, "check offer sent (%u tracks)",
                   n_tracks);
  check_send(check, json);
}

static void
on_media_ice_candidate(gpointer user_data, const char *peer_id, guint mline, const char *candidate)
{
  Check *check = user_data;
  g_autofree char *json = gw_protocol_build_ice(mline, candidate);

  check_send(check, json);
}

static void
on_media_peer_state(gpointer user_data, const char *peer_id, GwMediaPeerState state)
{
  Check *check = user_data;
  g_autofree char *json = gw_protocol_build_media(state);

  gw_signaling_log(G_LOG_LEVEL_INFO, check->id, CHECK_PEER, "check media %s",
                   state == GW_MEDIA_PEER_CONNECTED ? "connected"
                   : state == GW_MEDIA_PEER_FAILED  ? "failed"
                                                    : "connecting");
  check_send(check, json);
}

static const GwMediaRoomCallbacks media_callbacks = {
    .offer = on_media_offer,
    .ice_candidate = on_media_ice_candidate,
    .peer_state = on_media_peer_state,
};

static void
refuse(Check *check, GwProtocolError code, const char *message, const char *ref)
{
  g_autofree char *json = gw_protocol_build_error(code, message, ref);

  gw_signaling_log(G_LOG_LEVEL_INFO, check->id, CHECK_PEER, "check refused %s: %s",
                   ref != NULL ? ref : "message", message);
  check_send(check, json);
}

static void
on_refused_closed(SoupWebsocketConnection *connection, gpointer user_data)
{
  g_object_unref(connection);
}

/* A check that cannot start: say why, close, and keep the socket until the close is done. */
static void
refuse_check(Check *check, GwProtocolError code, const char *message)
{
  refuse(check, code, message, NULL);
  g_signal_connect(g_object_ref(check->connection), "closed", G_CALLBACK(on_refused_closed),
                   NULL);
  check_close(check, CLOSE_DONE, "check refused");
  check_free(check);
}

static GwProtocolError
media_code(const GError *error)
{
  if (error->domain != GW_MEDIA_ERROR)
    return GW_PROTOCOL_ERROR_INTERNAL;
  switch ((GwMediaError)error->code) {
  case GW_MEDIA_ERROR_WRONG_STATE:
  case GW_MEDIA_ERROR_NO_PEER:
    return GW_PROTOCOL_ERROR_WRONG_STATE;
  case GW_MEDIA_ERROR_BAD_SDP:
    return GW_PROTOCOL_ERROR_BAD_SDP;
  case GW_MEDIA_ERROR_LIMIT:
    return GW_PROTOCOL_ERROR_LIMIT;
  default:
    return GW_PROTOCOL_ERROR_INTERNAL;
  }
}

static void
on_message(SoupWebsocketConnection *connection, gint data_type, GBytes *bytes, gpointer user_data)
{
  Check *check = user_data;
  GwConfig *config = check->owner->config;
  g_autoptr(GError) error = NULL;
  g_autofree char *ref = NULL;
  gsize length = 0;
  const char *data = g_bytes_get_data(bytes, &length);

  if (data_type != SOUP_WEBSOCKET_DATA_TEXT) {
    refuse(check, GW_PROTOCOL_ERROR_BAD_JSON, "binary frames are not part of the protocol", NULL);
    return;
  }
  g_autoptr(GwMessage) message = gw_message_parse(config, data, length, &ref, &error);
  if (message == NULL) {
    refuse(check, (GwProtocolError)error->code, error->message, ref);
    return;
  }
  gboolean ok = TRUE;
  switch (message->type) {
  case GW_MESSAGE_ANSWER:
    ok = gw_media_room_set_answer(check->media, CHECK_PEER, message->answer.sdp, &error);
    break;
  case GW_MESSAGE_ICE:
    ok = gw_media_room_add_ice_candidate(check->media, CHECK_PEER, message->ice.mline,
                                         message->ice.candidate, &error);
    break;
  default:
    refuse(check, GW_PROTOCOL_ERROR_WRONG_STATE, "a connection check takes only answer and ice",
           ref);
    return;
  }
  if (!ok)
    refuse(check, media_code(error), error->message, ref);
}

static void
on_closed(SoupWebsocketConnection *connection, gpointer user_data)
{
  Check *check = user_data;

  gw_signaling_log(G_LOG_LEVEL_INFO, check->id, CHECK_PEER, "check over (code %u)",
                   soup_websocket_connection_get_close_code(connection));
  /* Frees the check (check_free); nothing of it is used after this. */
  g_hash_table_remove(check->owner->running, check);
}

static gboolean
on_timeout(gpointer user_data)
{
  Check *check = user_data;

  check->timeout = 0;
  check_close(check, CLOSE_DONE, "check over");
  return G_SOURCE_REMOVE;
}

GwMediaChecks *
gw_media_checks_new(GwConfig *config)
{
  GwMediaChecks *checks = g_new0(GwMediaChecks, 1);

  checks->config = gw_config_ref(config);
  checks->running = g_hash_table_new_full(g_direct_hash, g_direct_equal, check_free, NULL);
  return checks;
}

void
gw_media_checks_free(GwMediaChecks *checks)
{
  if (checks == NULL)
    return;
  g_hash_table_unref(checks->running);
  gw_config_unref(checks->config);
  g_free(checks);
}

guint
gw_media_checks_get_count(GwMediaChecks *checks)
{
  return g_hash_table_size(checks->running);
}

void
gw_media_checks_accept(GwMediaChecks *checks, SoupWebsocketConnection *connection)
{
  g_autoptr(GError) error = NULL;
  Check *check = g_new0(Check, 1);

  check->owner = checks;
  check->id = g_strdup_printf("check-%" G_GUINT64_FORMAT, ++checks->next_id);
  check->connection = g_object_ref(connection);
  if (g_hash_table_size(checks->running) >= GW_MEDIA_CHECK_MAX) {
    refuse_check(check, GW_PROTOCOL_ERROR_CAPACITY,
                 "too many connection checks right now; try again in a minute");
    return;
  }
  check->media = gw_media_room_new(checks->config, check->id, &media_callbacks, check, &error);
  /* No codec list: VP8, which every browser sends. */
  if (check->media == NULL || !gw_media_room_add_peer(check->media, CHECK_PEER, NULL, &error)) {
    gw_signaling_log(G_LOG_LEVEL_WARNING, check->id, CHECK_PEER, "cannot start a check: %s",
                     error->message);
    refuse_check(check, GW_PROTOCOL_ERROR_INTERNAL, "the gateway cannot run a check right now");
    return;
  }
  soup_websocket_connection_set_max_incoming_payload_size(
      connection, (guint64)checks->config->ws_max_message * 4);
  check->message_handler = g_signal_connect(connection, "message", G_CALLBACK(on_message), check);
  check->closed_handler = g_signal_connect(connection, "closed", G_CALLBACK(on_closed), check);
  check->timeout = g_timeout_add_seconds(GW_MEDIA_CHECK_SECONDS, on_timeout, check);
  g_hash_table_add(checks->running, check);
  /* First, before the offer (which comes from the main loop): the TURN servers a call would
   * get, so the check also finds a path through TURN when that is the only one. */
  g_autoptr(GwTurnCredentials) turn =
      gw_turn_credentials_new(checks->config, check->id, g_get_real_time() / G_USEC_PER_SEC);
  g_autofree char *welcome =
      gw_protocol_build_welcome(check->id, check->id, GW_ROLE_CUSTOMER, NULL, 0, turn);
  check_send(check, welcome);
  gw_signaling_log(G_LOG_LEVEL_INFO, check->id, CHECK_PEER, "check started (%u running)",
                   g_hash_table_size(checks->running));
}
