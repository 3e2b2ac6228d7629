/* SPDX-License-Identifier: Apache-2.0 */
/* Builders for gateway → browser signaling messages, one compact JSON object each. */
#include "signaling/protocol.h"

#include <json-glib/json-glib.h>

/* Starts an object with its `type`; finish it with finish_object(). */
static JsonBuilder *
begin_object(const char *type)
{
  JsonBuilder *builder = json_builder_new_immutable();

  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "type");
  json_builder_add_string_value(builder, type);
  return builder;
}

static char *
finish_object(JsonBuilder *builder)
{
  json_builder_end_object(builder);
  g_autoptr(JsonNode) root = json_builder_get_root(builder);
  g_object_unref(builder);
  return json_to_string(root, FALSE);
}

static void
add_string(JsonBuilder *builder, const char *name, const char *value)
{
  json_builder_set_member_name(builder, name);
  json_builder_add_string_value(builder, value != NULL ? value : "");
}

static void
add_int(JsonBuilder *builder, const char *name, gint64 value)
{
  json_builder_set_member_name(builder, name);
  json_builder_add_int_value(builder, value);
}

static void
add_boolean(JsonBuilder *builder, const char *name, gboolean value)
{
  json_builder_set_member_name(builder, name);
  json_builder_add_boolean_value(builder, value);
}

/* Local copy of gw_media_source_to_string() so the protocol needs nothing
 * linked from webrtc/ (tests and the fuzzer stay light). */
static const char *
source_to_string(GwMediaSource source)
{
  switch (source) {
  case GW_MEDIA_SOURCE_AUDIO:
    return "audio";
  case GW_MEDIA_SOURCE_CAMERA:
    return "camera";
  case GW_MEDIA_SOURCE_SCREEN:
    return "screen";
  }
  return "audio";
}

/* `ice_servers`: the RTCIceServer list the browser hands RTCPeerConnection.setConfiguration(). */
static void
add_ice_servers(JsonBuilder *builder, const GwTurnCredentials *turn)
{
  json_builder_set_member_name(builder, "ice_servers");
  json_builder_begin_array(builder);
  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "urls");
  json_builder_begin_array(builder);
  for (char **url = turn->urls; url != NULL && *url != NULL; url++)
    json_builder_add_string_value(builder, *url);
  json_builder_end_array(builder);
  add_string(builder, "username", turn->username);
  add_string(builder, "credential", turn->credential);
  json_builder_end_object(builder);
  json_builder_end_array(builder);
}

char *
gw_protocol_build_welcome(const char *peer, const char *room, GwRole role,
                          const GwParticipantInfo *participants, guint n_participants,
                          const GwTurnCredentials *turn)
{
  JsonBuilder *builder = begin_object("welcome");

  add_int(builder, "v", GW_PROTOCOL_VERSION);
  add_string(builder, "peer", peer);
  add_string(builder, "room", room);
  add_string(builder, "role", gw_role_to_string(role));
  json_builder_set_member_name(builder, "participants");
  json_builder_begin_array(builder);
  for (guint i = 0; i < n_participants; i++) {
    json_builder_begin_object(builder);
    add_string(builder, "peer", participants[i].peer);
    add_string(builder, "role", gw_role_to_string(participants[i].role));
    add_string(builder, "name", participants[i].name);
    json_builder_end_object(builder);
  }
  json_builder_end_array(builder);
  if (turn != NULL)
    add_ice_servers(builder, turn);
  return finish_object(builder);
}

char *
gw_protocol_build_offer(const char *sdp, const GwTrackInfo *tracks, guint n_tracks)
{
  JsonBuilder *builder = begin_object("offer");

  add_string(builder, "sdp", sdp);
  json_builder_set_member_name(builder, "tracks");
  json_builder_begin_array(builder);
  for (guint i = 0; i < n_tracks; i++) {
    const GwTrackInfo *track = &tracks[i];
    json_builder_begin_object(builder);
    add_string(builder, "mid", track->mid);
    add_int(builder, "mline", track->mline);
    add_string(builder, "kind", track->source == GW_MEDIA_SOURCE_AUDIO ? "audio" : "video");
    add_string(builder, "source", source_to_string(track->source));
    add_string(builder, "direction", track->direction == GW_TRACK_CLIENT_SENDS ? "send" : "recv");
    add_string(builder, "peer", track->peer_id);
    json_builder_end_object(builder);
  }
  json_builder_end_array(builder);
  return finish_object(builder);
}

char *
gw_protocol_build_ice(guint mline, const char *candidate)
{
  JsonBuilder *builder = begin_object("ice");

  add_int(builder, "mline", mline);
  add_string(builder, "candidate", candidate);
  return finish_object(builder);
}

char *
gw_protocol_build_participant_joined(const char *peer, GwRole role, const char *name)
{
  JsonBuilder *builder = begin_object("participant-joined");

  add_string(builder, "peer", peer);
  add_string(builder, "role", gw_role_to_string(role));
  add_string(builder, "name", name);
  return finish_object(builder);
}

char *
gw_protocol_build_participant_left(const char *peer, const char *reason, guint grace_s)
{
  JsonBuilder *builder = begin_object("participant-left");

  add_string(builder, "peer", peer);
  add_string(builder, "reason", reason);
  if (grace_s > 0)
    add_int(builder, "grace_s", grace_s);
  return finish_object(builder);
}

char *
gw_protocol_build_screen(const char *peer, gboolean start)
{
  JsonBuilder *builder = begin_object("screen");

  add_string(builder, "peer", peer);
  add_string(builder, "action", start ? "start" : "stop");
  return finish_object(builder);
}

char *
gw_protocol_build_mute(const char *peer, gboolean audio, gboolean video)
{
  JsonBuilder *builder = begin_object("mute");

  add_string(builder, "peer", peer);
  add_boolean(builder, "audio", audio);
  add_boolean(builder, "video", video);
  return finish_object(builder);
}

char *
gw_protocol_build_chat(const char *peer, const char *name, const char *text, gint64 ts_ms)
{
  JsonBuilder *builder = begin_object("chat");

  add_string(builder, "peer", peer);
  add_string(builder, "name", name);
  add_string(builder, "text", text);
  add_int(builder, "ts", ts_ms);
  return finish_object(builder);
}

char *
gw_protocol_build_pointer(const char *peer, const char *screen, gboolean show, double x, double y)
{
  JsonBuilder *builder = begin_object("pointer");

  add_string(builder, "peer", peer);
  add_string(builder, "screen", screen);
  add_string(builder, "action", show ? "show" : "hide");
  if (show) {
    json_builder_set_member_name(builder, "x");
    json_builder_add_double_value(builder, x);
    json_builder_set_member_name(builder, "y");
    json_builder_add_double_value(builder, y);
  }
  return finish_object(builder);
}

char *
gw_protocol_build_media(GwMediaPeerState state)
{
  JsonBuilder *builder = begin_object("media");
  const char *name = "connecting";

  if (state == GW_MEDIA_PEER_CONNECTED)
    name = "connected";
  else if (state == GW_MEDIA_PEER_FAILED)
    name = "failed";
  add_string(builder, "state", name);
  return finish_object(builder);
}

char *
gw_protocol_build_ended(const char *reason, const char *by, const char *rating,
                        const char *wrap_up)
{
  JsonBuilder *builder = begin_object("ended");

  add_string(builder, "reason", reason);
  add_string(builder, "by", by);
  if (rating != NULL)
    add_string(builder, "rating", rating);
  if (wrap_up != NULL)
    add_string(builder, "wrap_up", wrap_up);
  return finish_object(builder);
}

char *
gw_protocol_build_error(GwProtocolError code, const char *message, const char *ref)
{
  JsonBuilder *builder = begin_object("error");

  add_string(builder, "code", gw_protocol_error_to_string(code));
  add_string(builder, "message", message);
  if (ref != NULL)
    add_string(builder, "ref", ref);
  return finish_object(builder);
}
