/* SPDX-License-Identifier: Apache-2.0 */
/* The load generator's signaling: Balie protocol v1 and Janus VideoCall over WebSocket. */
#include "bench-signal.h"

#include <json-glib/json-glib.h>

typedef struct {
  BenchCall *call;
  guint which; /* 0: advisor / caller, 1: customer / callee */
  BenchPeer *peer;
  SoupWebsocketConnection *ws;
  GCancellable *cancel;
  /* Janus */
  gint64 session_id, handle_id;
  gboolean registered;
  guint keepalive;
  guint txn;
} Participant;

struct _BenchCall {
  const BenchCallSetup *setup;
  guint index;
  gint64 started_us;
  guint errors;
  Participant p[2];
};

static void
send_json(Participant *p, JsonBuilder *b)
{
  if (!p->ws || soup_websocket_connection_get_state(p->ws) != SOUP_WEBSOCKET_STATE_OPEN)
    return;
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_autofree char *text = json_to_string(root, FALSE);
  soup_websocket_connection_send_text(p->ws, text);
}

static char *
user_name(BenchCall *call, guint which)
{
  return g_strdup_printf("b%u-%u-%u", call->setup->run_id, call->index, which);
}

/* ---- Janus ---- */

static JsonBuilder *
janus_begin(Participant *p, const char *verb)
{
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "janus");
  json_builder_add_string_value(b, verb);
  json_builder_set_member_name(b, "transaction");
  g_autofree char *txn = g_strdup_printf("t%u", ++p->txn);
  json_builder_add_string_value(b, txn);
  if (p->session_id) {
    json_builder_set_member_name(b, "session_id");
    json_builder_add_int_value(b, p->session_id);
  }
  if (p->handle_id) {
    json_builder_set_member_name(b, "handle_id");
    json_builder_add_int_value(b, p->handle_id);
  }
  return b;
}

static void
janus_finish(Participant *p, JsonBuilder *b)
{
  json_builder_end_object(b);
  send_json(p, b);
  g_object_unref(b);
}

/* A VideoCall request, with an optional JSEP. */
static void
janus_message(Participant *p, const char *request, const char *username, const char *jsep_type,
              const char *sdp)
{
  JsonBuilder *b = janus_begin(p, "message");
  json_builder_set_member_name(b, "body");
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "request");
  json_builder_add_string_value(b, request);
  if (username) {
    json_builder_set_member_name(b, "username");
    json_builder_add_string_value(b, username);
  }
  json_builder_end_object(b);
  if (jsep_type) {
    json_builder_set_member_name(b, "jsep");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "type");
    json_builder_add_string_value(b, jsep_type);
    json_builder_set_member_name(b, "sdp");
    json_builder_add_string_value(b, sdp);
    json_builder_end_object(b);
  }
  janus_finish(p, b);
}

static gboolean
janus_keepalive(gpointer data)
{
  Participant *p = data;
  janus_finish(p, janus_begin(p, "keepalive"));
  return G_SOURCE_CONTINUE;
}

static void
janus_on_message(Participant *p, JsonObject *msg)
{
  BenchCall *call = p->call;
  const char *verb = json_object_get_string_member_with_default(msg, "janus", "");
  if (g_str_equal(verb, "success") && !p->session_id) {
    p->session_id = json_object_get_int_member(json_object_get_object_member(msg, "data"), "id");
    JsonBuilder *b = janus_begin(p, "attach");
    json_builder_set_member_name(b, "plugin");
    json_builder_add_string_value(b, "janus.plugin.videocall");
    janus_finish(p, b);
    p->keepalive = g_timeout_add_seconds(20, janus_keepalive, p);
  } else if (g_str_equal(verb, "success") && !p->handle_id) {
    p->handle_id = json_object_get_int_member(json_object_get_object_member(msg, "data"), "id");
    g_autofree char *me = user_name(call, p->which);
    janus_message(p, "register", me, NULL, NULL);
  } else if (g_str_equal(verb, "event")) {
    JsonObject *pd = json_object_get_object_member(msg, "plugindata");
    JsonObject *data = pd ? json_object_get_object_member(pd, "data") : NULL;
    JsonObject *result = data && json_object_has_member(data, "result")
                             ? json_object_get_object_member(data, "result")
                             : NULL;
    JsonObject *jsep =
        json_object_has_member(msg, "jsep") ? json_object_get_object_member(msg, "jsep") : NULL;
    const char *event =
        result ? json_object_get_string_member_with_default(result, "event", "") : "";
    if (data && json_object_has_member(data, "error")) {
      g_warning("call %u: janus error: %s", call->index,
                json_object_get_string_member_with_default(data, "error", "?"));
      call->errors++;
    }
    if (g_str_equal(event, "registered")) {
      p->registered = TRUE;
      /* The caller offers once both ends exist. */
      if (call->p[0].registered && call->p[1].registered)
        bench_peer_create_offer(call->p[0].peer);
    } else if ((g_str_equal(event, "incomingcall") || g_str_equal(event, "accepted")) && jsep) {
      bench_peer_set_remote(p->peer, json_object_get_string_member(jsep, "type"),
                            json_object_get_string_member(jsep, "sdp"));
    } else if (g_str_equal(event, "hangup")) {
      g_warning("call %u: janus hung up participant %u", call->index, p->which);
      call->errors++;
    }
  } else if (g_str_equal(verb, "error")) {
    g_warning("call %u: janus error on participant %u", call->index, p->which);
    call->errors++;
  }
}

static void
janus_on_open(Participant *p)
{
  janus_finish(p, janus_begin(p, "create"));
}

static void
janus_local_description(Participant *p, const char *type, const char *sdp)
{
  if (g_str_equal(type, "offer")) {
    g_autofree char *callee = user_name(p->call, 1);
    janus_message(p, "call", callee, "offer", sdp);
  } else {
    janus_message(p, "accept", NULL, "answer", sdp);
  }
}

static void
janus_local_candidate(Participant *p, guint mline, const char *candidate)
{
  JsonBuilder *b = janus_begin(p, "trickle");
  json_builder_set_member_name(b, "candidate");
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "sdpMLineIndex");
  json_builder_add_int_value(b, mline);
  json_builder_set_member_name(b, "candidate");
  json_builder_add_string_value(b, candidate);
  json_builder_end_object(b);
  janus_finish(p, b);
}

/* ---- Balie (docs/protocol.md) ---- */

static JsonBuilder *
balie_begin(const char *type)
{
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "type");
  json_builder_add_string_value(b, type);
  return b;
}

static void
balie_finish(Participant *p, JsonBuilder *b)
{
  json_builder_end_object(b);
  send_json(p, b);
  g_object_unref(b);
}

static void
balie_on_open(Participant *p)
{
  JsonBuilder *b = balie_begin("join");
  json_builder_set_member_name(b, "v");
  json_builder_add_int_value(b, 1);
  json_builder_set_member_name(b, "room");
  g_autofree char *room = user_name(p->call, 9);
  json_builder_add_string_value(b, room);
  json_builder_set_member_name(b, "role");
  json_builder_add_string_value(b, p->which == 0 ? "advisor" : "customer");
  balie_finish(p, b);
}

static void
balie_on_message(Participant *p, JsonObject *msg)
{
  const char *type = json_object_get_string_member_with_default(msg, "type", "");
  if (g_str_equal(type, "offer")) {
    bench_peer_set_remote(p->peer, "offer", json_object_get_string_member(msg, "sdp"));
  } else if (g_str_equal(type, "ice")) {
    bench_peer_add_candidate(p->peer, (guint)json_object_get_int_member(msg, "mline"),
                             json_object_get_string_member(msg, "candidate"));
  } else if (g_str_equal(type, "error")) {
    g_warning("call %u: gateway error %s: %s", p->call->index,
              json_object_get_string_member_with_default(msg, "code", "?"),
              json_object_get_string_member_with_default(msg, "message", ""));
    p->call->errors++;
  } else if (g_str_equal(type, "media") &&
             g_strcmp0(json_object_get_string_member(msg, "state"), "failed") == 0) {
    g_warning("call %u: media failed for participant %u", p->call->index, p->which);
    p->call->errors++;
  }
}

static void
balie_local_description(Participant *p, const char *type, const char *sdp)
{
  JsonBuilder *b = balie_begin("answer");
  json_builder_set_member_name(b, "sdp");
  json_builder_add_string_value(b, sdp);
  balie_finish(p, b);
}

static void
balie_local_candidate(Participant *p, guint mline, const char *candidate)
{
  JsonBuilder *b = balie_begin("ice");
  json_builder_set_member_name(b, "mline");
  json_builder_add_int_value(b, mline);
  json_builder_set_member_name(b, "candidate");
  json_builder_add_string_value(b, candidate);
  balie_finish(p, b);
}

/* ---- direct: the baseline of what the load generator itself adds ---- */

static void
direct_local_description(Participant *p, const char *type, const char *sdp)
{
  bench_peer_set_remote(p->call->p[1 - p->which].peer, type, sdp);
}

static void
direct_local_candidate(Participant *p, guint mline, const char *candidate)
{
  bench_peer_add_candidate(p->call->p[1 - p->which].peer, mline, candidate);
}

/* ---- common ---- */

static gboolean
is_janus(Participant *p)
{
  return p->call->setup->protocol == BENCH_PROTOCOL_JANUS;
}

static gboolean
is_direct(Participant *p)
{
  return p->call->setup->protocol == BENCH_PROTOCOL_DIRECT;
}

static void
on_local_description(gpointer user_data, const char *type, const char *sdp)
{
  Participant *p = user_data;
  if (is_direct(p))
    direct_local_description(p, type, sdp);
  else if (is_janus(p))
    janus_local_description(p, type, sdp);
  else
    balie_local_description(p, type, sdp);
}

static void
on_local_candidate(gpointer user_data, guint mline, const char *candidate)
{
  Participant *p = user_data;
  if (is_direct(p))
    direct_local_candidate(p, mline, candidate);
  else if (is_janus(p))
    janus_local_candidate(p, mline, candidate);
  else
    balie_local_candidate(p, mline, candidate);
}

static void
on_ws_message(SoupWebsocketConnection *ws, gint type, GBytes *message, Participant *p)
{
  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    return;
  g_autoptr(JsonParser) parser = json_parser_new();
  gsize size;
  const char *data = g_bytes_get_data(message, &size);
  if (!json_parser_load_from_data(parser, data, (gssize)size, NULL) ||
      !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
    return;
  JsonObject *msg = json_node_get_object(json_parser_get_root(parser));
  if (is_janus(p))
    janus_on_message(p, msg);
  else
    balie_on_message(p, msg);
}

static void
on_ws_closed(SoupWebsocketConnection *ws, Participant *p)
{
  g_warning("call %u: participant %u: socket closed (%u)", p->call->index, p->which,
            soup_websocket_connection_get_close_code(ws));
  p->call->errors++;
}

static void
on_connected(GObject *source, GAsyncResult *result, gpointer data)
{
  Participant *p = data;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *ws =
      soup_session_websocket_connect_finish(SOUP_SESSION(source), result, &error);
  if (!ws) {
    if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_warning("call %u: participant %u: %s", p->call->index, p->which, error->message);
      p->call->errors++;
    }
    return;
  }
  p->ws = ws;
  soup_websocket_connection_set_max_incoming_payload_size(ws, 1024 * 1024);
  g_signal_connect(ws, "message", G_CALLBACK(on_ws_message), p);
  g_signal_connect(ws, "closed", G_CALLBACK(on_ws_closed), p);
  if (is_janus(p))
    janus_on_open(p);
  else
    balie_on_open(p);
  bench_peer_start_media(p->peer);
}

static gboolean
accept_any_certificate(SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags errors,
                       gpointer data)
{
  return TRUE; /* the gateway's self-signed certificate, on loopback */
}

static const BenchPeerCallbacks peer_callbacks = {
    .local_description = on_local_description,
    .local_candidate = on_local_candidate,
};

BenchCall *
bench_call_start(const BenchCallSetup *setup, guint index, GError **error)
{
  BenchCall *call = g_new0(BenchCall, 1);
  call->setup = setup;
  call->index = index;
  call->started_us = g_get_monotonic_time();
  for (guint i = 0; i < 2; i++) {
    Participant *p = &call->p[i];
    p->call = call;
    p->which = i;
    p->peer =
        bench_peer_new(setup->media, setup->extra_ip, &peer_callbacks, p, setup->delays, error);
    if (!p->peer) {
      bench_call_free(call);
      return NULL;
    }
  }
  bench_peer_set_partner(call->p[0].peer, call->p[1].peer);
  bench_peer_set_partner(call->p[1].peer, call->p[0].peer);
  if (setup->protocol == BENCH_PROTOCOL_DIRECT) {
    bench_peer_start_media(call->p[0].peer);
    bench_peer_start_media(call->p[1].peer);
    bench_peer_create_offer(call->p[0].peer);
    return call;
  }
  const char *janus_protocols[] = {"janus-protocol", NULL};
  for (guint i = 0; i < 2; i++) {
    Participant *p = &call->p[i];
    p->cancel = g_cancellable_new();
    g_autoptr(SoupMessage) msg = soup_message_new("GET", setup->url);
    if (!msg) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad URL %s", setup->url);
      bench_call_free(call);
      return NULL;
    }
    g_signal_connect(msg, "accept-certificate", G_CALLBACK(accept_any_certificate), NULL);
    soup_session_websocket_connect_async(
        setup->session, msg, NULL,
        setup->protocol == BENCH_PROTOCOL_JANUS ? (char **)janus_protocols : NULL,
        G_PRIORITY_DEFAULT, p->cancel, on_connected, p);
  }
  return call;
}

void
bench_call_free(BenchCall *call)
{
  if (!call)
    return;
  for (guint i = 0; i < 2; i++) {
    Participant *p = &call->p[i];
    if (p->cancel)
      g_cancellable_cancel(p->cancel);
    g_clear_object(&p->cancel);
    g_clear_handle_id(&p->keepalive, g_source_remove);
    if (p->ws) {
      g_signal_handlers_disconnect_by_data(p->ws, p);
      if (soup_websocket_connection_get_state(p->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close(p->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_clear_object(&p->ws);
    }
  }
  for (guint i = 0; i < 2; i++)
    g_clear_pointer(&call->p[i].peer, bench_peer_free);
  g_free(call);
}

gint64
bench_call_started_us(BenchCall *call)
{
  return call->started_us;
}

BenchPeer *
bench_call_peer(BenchCall *call, guint which)
{
  return call->p[which].peer;
}

guint
bench_call_errors(BenchCall *call)
{
  return call->errors;
}
