/* SPDX-License-Identifier: Apache-2.0 */
/* Parsing and validation of browser → gateway signaling messages; pure, so tests and the fuzzer
 * reach it directly. */
#include "signaling/protocol.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

/* clang-format off */
G_DEFINE_QUARK(gw-protocol-error-quark, gw_protocol_error)
/* clang-format on */

static const char *const error_names[] = {
    [GW_PROTOCOL_ERROR_BAD_JSON] = "bad-json",
    [GW_PROTOCOL_ERROR_TOO_LARGE] = "too-large",
    [GW_PROTOCOL_ERROR_UNKNOWN_TYPE] = "unknown-type",
    [GW_PROTOCOL_ERROR_BAD_FIELD] = "bad-field",
    [GW_PROTOCOL_ERROR_WRONG_STATE] = "wrong-state",
    [GW_PROTOCOL_ERROR_UNSUPPORTED_VERSION] = "unsupported-version",
    [GW_PROTOCOL_ERROR_ROOM_FULL] = "room-full",
    [GW_PROTOCOL_ERROR_CAPACITY] = "capacity",
    [GW_PROTOCOL_ERROR_LIMIT] = "limit",
    [GW_PROTOCOL_ERROR_BAD_SDP] = "bad-sdp",
    [GW_PROTOCOL_ERROR_INTERNAL] = "internal",
    [GW_PROTOCOL_ERROR_BAD_TOKEN] = "bad-token",
    [GW_PROTOCOL_ERROR_TOKEN_EXPIRED] = "token-expired",
    [GW_PROTOCOL_ERROR_CONTACT_CLOSED] = "contact-closed",
    [GW_PROTOCOL_ERROR_UNAUTHORIZED] = "unauthorized",
    [GW_PROTOCOL_ERROR_CODEC] = "codec-unsupported",
};

static const char *const type_names[] = {
    [GW_MESSAGE_JOIN] = "join",     [GW_MESSAGE_ANSWER] = "answer",   [GW_MESSAGE_ICE] = "ice",
    [GW_MESSAGE_SCREEN] = "screen", [GW_MESSAGE_MUTE] = "mute",       [GW_MESSAGE_CHAT] = "chat",
    [GW_MESSAGE_HANGUP] = "hangup", [GW_MESSAGE_POINTER] = "pointer",
};

/* An unknown type is echoed back as `ref` only when it is this short: the
 * reply must not amplify whatever a peer sent. */
#define MAX_ECHOED_TYPE 32

const char *
gw_protocol_error_to_string(GwProtocolError code)
{
  if ((guint)code >= G_N_ELEMENTS(error_names))
    return "internal";
  return error_names[code];
}

const char *
gw_message_type_to_string(GwMessageType type)
{
  g_return_val_if_fail((guint)type < G_N_ELEMENTS(type_names), NULL);
  return type_names[type];
}

const char *
gw_role_to_string(GwRole role)
{
  switch (role) {
  case GW_ROLE_ADVISOR:
    return "advisor";
  case GW_ROLE_GUEST:
    return "guest";
  case GW_ROLE_CUSTOMER:
    break;
  }
  return "customer";
}

void
gw_message_free(GwMessage *message)
{
  if (message == NULL)
    return;
  switch (message->type) {
  case GW_MESSAGE_JOIN:
    g_free(message->join.room);
    g_free(message->join.name);
    g_free(message->join.token);
    g_strfreev(message->join.video_codecs);
    g_free(message->join.resume);
    break;
  case GW_MESSAGE_ANSWER:
    g_free(message->answer.sdp);
    break;
  case GW_MESSAGE_ICE:
    g_free(message->ice.candidate);
    break;
  case GW_MESSAGE_CHAT:
    g_free(message->chat.text);
    break;
  case GW_MESSAGE_POINTER:
    g_free(message->pointer.screen);
    break;
  case GW_MESSAGE_SCREEN:
  case GW_MESSAGE_MUTE:
  case GW_MESSAGE_HANGUP:
    break;
  }
  g_free(message);
}

/*
 * json-glib recurses once per nesting level and has no depth limit of its own,
 * so a frame of 64 KiB of '[' would exhaust the stack. It is also lenient:
 * it reads on after the first value ("{} {}") and takes GScanner extensions
 * such as 'single-quoted strings'. Outside strings only JSON's own characters
 * pass here, so this scan and json-glib agree on where strings are.
 */
#define JSON_OUTSIDE_STRINGS "\"{}[]:,+-.0123456789 \t\r\n"

static gboolean
check_structure(const char *data, gsize length, GError **error)
{
  guint depth = 0;
  gboolean in_string = FALSE;
  gboolean closed = FALSE;

  for (gsize i = 0; i < length; i++) {
    char c = data[i];
    if (in_string) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_string = FALSE;
    } else if (c == '\0' || (strchr(JSON_OUTSIDE_STRINGS, c) == NULL && !g_ascii_isalpha(c))) {
      g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_BAD_JSON,
                          "message is not JSON");
      return FALSE;
    } else if (closed && !g_ascii_isspace(c)) {
      g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_BAD_JSON,
                          "message has more than one JSON value");
      return FALSE;
    } else if (c == '"') {
      in_string = TRUE;
    } else if (c == '[' || c == '{') {
      if (++depth > GW_PROTOCOL_MAX_DEPTH) {
        g_set_error(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_BAD_JSON,
                    "message is nested deeper than %d levels", GW_PROTOCOL_MAX_DEPTH);
        return FALSE;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      closed = --depth == 0;
    }
  }
  return TRUE;
}

/* Strips leading and trailing Unicode white space from valid UTF-8. */
static char *
strdup_trimmed(const char *text)
{
  const char *start = text;
  const char *end = text + strlen(text);

  while (*start != '\0' && g_unichar_isspace(g_utf8_get_char(start)))
    start = g_utf8_next_char(start);
  while (end > start) {
    const char *prev = g_utf8_find_prev_char(start, end);
    if (prev == NULL || !g_unichar_isspace(g_utf8_get_char(prev)))
      break;
    end = prev;
  }
  return g_strndup(start, end - start);
}

static gboolean
has_control_chars(const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char(p)) {
    if (g_unichar_iscntrl(g_utf8_get_char(p)))
      return TRUE;
  }
  return FALSE;
}

static gboolean
is_valid_room_id(const char *room)
{
  gsize length = strlen(room);

  if (length < 1 || length > GW_PROTOCOL_MAX_ROOM_ID)
    return FALSE;
  for (gsize i = 0; i < length; i++) {
    if (!g_ascii_isalnum(room[i]) && room[i] != '_' && room[i] != '-')
      return FALSE;
  }
  return TRUE;
}

/* Member @name of @object if it holds a JSON string (valid UTF-8), else NULL. */
static const char *
get_string(JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member(object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
      json_node_get_value_type(node) != G_TYPE_STRING)
    return NULL;
  const char *value = json_node_get_string(node);
  /* json-glib decodes \u escapes itself; a lone surrogate must not slip through. */
  if (value == NULL || !g_utf8_validate(value, -1, NULL))
    return NULL;
  return value;
}

static gboolean
get_boolean(JsonObject *object, const char *name, gboolean *out)
{
  JsonNode *node = json_object_get_member(object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
      json_node_get_value_type(node) != G_TYPE_BOOLEAN)
    return FALSE;
  *out = json_node_get_boolean(node);
  return TRUE;
}

static gboolean
bad_field(GError **error, const char *type, const char *field, const char *why)
{
  g_set_error(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_BAD_FIELD, "%s: `%s` %s", type, field,
              why);
  return FALSE;
}

/* Only the shape: the signature is checked later, by signaling/admission. */
static gboolean
is_token_text(const char *text)
{
  gsize n = 0;

  for (; text[n] != '\0'; n++) {
    if (n >= GW_PROTOCOL_MAX_TOKEN ||
        !(g_ascii_isalnum(text[n]) || text[n] == '-' || text[n] == '_' || text[n] == '.'))
      return FALSE;
  }
  return n > 0;
}

static gboolean
is_resume_text(const char *text)
{
  gsize n = 0;

  for (; text[n] != '\0'; n++) {
    if (n >= 64 || !(g_ascii_isalnum(text[n]) || text[n] == '-' || text[n] == '_'))
      return FALSE;
  }
  return n >= 16;
}

/* The gateway forwards without transcoding, so it only cares which of the
 * codecs it can forward a browser has; the rest of the list is ignored. */
static const char *const known_video_codecs[] = {"vp8", "h264", NULL};

static gboolean
parse_video_codecs(JsonNode *node, GStrv *out, GError **error)
{
  if (!JSON_NODE_HOLDS_ARRAY(node))
    return bad_field(error, "join", "video", "must be an array of codec names");
  JsonArray *array = json_node_get_array(node);
  guint n = json_array_get_length(array);
  if (n > GW_PROTOCOL_MAX_CODECS) {
    g_set_error(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_BAD_FIELD,
                "join: `video` lists more than %d codecs", GW_PROTOCOL_MAX_CODECS);
    return FALSE;
  }
  g_autoptr(GStrvBuilder) kept = g_strv_builder_new();
  gboolean seen[G_N_ELEMENTS(known_video_codecs)] = {FALSE};
  for (guint i = 0; i < n; i++) {
    JsonNode *item = json_array_get_element(array, i);
    const char *name = JSON_NODE_HOLDS_VALUE(item) &&
                               json_node_get_value_type(item) == G_TYPE_STRING
                           ? json_node_get_string(item)
                           : NULL;
    if (name == NULL || name[0] == '\0' || strlen(name) > 32)
      return bad_field(error, "join", "video", "must list codec names of 1 to 32 characters");
    for (guint k = 0; known_video_codecs[k]; k++) {
      if (!seen[k] && g_ascii_strcasecmp(name, known_video_codecs[k]) == 0) {
        seen[k] = TRUE;
        g_strv_builder_add(kept, known_video_codecs[k]);
      }
    }
  }
  *out = g_strv_builder_end(kept);
  return TRUE;
}

static gboolean
parse_join(const GwConfig *config, JsonObject *object, GwMessage *message, GError **error)
{
  JsonNode *v = json_object_get_member(object, "v");
  if (v == NULL || !JSON_NODE_HOLDS_VALUE(v) ||
      (json_node_get_value_type(v) != G_TYPE_INT64 && json_node_get_value_type(v) != G_TYPE_DOUBLE))
    return bad_field(error, "join", "v", "must be a number");
  if (json_node_get_value_type(v) == G_TYPE_INT64
          ? json_node_get_int(v) != GW_PROTOCOL_VERSION
          : json_node_get_double(v) != GW_PROTOCOL_VERSION) {
    g_set_error(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_UNSUPPORTED_VERSION,
                "join: this gateway speaks protocol version %d only", GW_PROTOCOL_VERSION);
    return FALSE;
  }

  const char *room = get_string(object, "room");
  if (room == NULL || !is_valid_room_id(room))
    return bad_field(error, "join", "room", "must be 1 to 64 of A-Z a-z 0-9 _ -");

  const char *role = get_string(object, "role");
  if (g_strcmp0(role, "customer") == 0)
    message->join.role = GW_ROLE_CUSTOMER;
  else if (g_strcmp0(role, "advisor") == 0)
    message->join.role = GW_ROLE_ADVISOR;
  else
    return bad_field(error, "join", "role", "must be \"customer\" or \"advisor\"");

  const char *name = "";
  JsonNode *name_node = json_object_get_member(object, "name");
  if (name_node != NULL && !JSON_NODE_HOLDS_NULL(name_node)) {
    name = get_string(object, "name");
    if (name == NULL)
      return bad_field(error, "join", "name", "must be a string");
  }
  g_autofree char *trimmed = strdup_trimmed(name);
  if (g_utf8_strlen(trimmed, -1) > (glong)config->max_name_length) {
    g_set_error(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_BAD_FIELD,
                "join: `name` is longer than %u characters", config->max_name_length);
    return FALSE;
  }
  if (has_control_chars(trimmed))
    return bad_field(error, "join", "name", "must not contain control characters");

  const char *token = NULL;
  JsonNode *token_node = json_object_get_member(object, "token");
  if (token_node != NULL && !JSON_NODE_HOLDS_NULL(token_node)) {
    token = get_string(object, "token");
    if (token == NULL || !is_token_text(token))
      return bad_field(error, "join", "token", "must be a join link's token");
  }

  const char *resume = NULL;
  JsonNode *resume_node = json_object_get_member(object, "resume");
  if (resume_node != NULL && !JSON_NODE_HOLDS_NULL(resume_node)) {
    resume = get_string(object, "resume");
    if (resume == NULL || !is_resume_text(resume))
      return bad_field(error, "join", "resume", "must be 16 to 64 of A-Z a-z 0-9 _ -");
  }

  g_auto(GStrv) codecs = NULL;
  JsonNode *video_node = json_object_get_member(object, "video");
  if (video_node != NULL && !JSON_NODE_HOLDS_NULL(video_node) &&
      !parse_video_codecs(video_node, &codecs, error))
    return FALSE;

  message->join.room = g_strdup(room);
  message->join.name = g_steal_pointer(&trimmed);
  message->join.token = g_strdup(token);
  message->join.video_codecs = g_steal_pointer(&codecs);
  message->join.resume = g_strdup(resume);
  return TRUE;
}

static gboolean
parse_answer(const GwConfig *config, JsonObject *object, GwMessage *message, GError **error)
{
  const char *sdp = get_string(object, "sdp");
  if (sdp == NULL || sdp[0] == '\0')
    return bad_field(error, "answer", "sdp", "must be a non-empty string");
  if (strlen(sdp) > config->max_sdp_length) {
    g_set_error(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_TOO_LARGE,
                "answer: `sdp` is longer than %u bytes", config->max_sdp_length);
    return FALSE;
  }
  message->answer.sdp = g_strdup(sdp);
  return TRUE;
}

static gboolean
parse_ice(const GwConfig *config, JsonObject *object, GwMessage *message, GError **error)
{
  JsonNode *mline = json_object_get_member(object, "mline");
  if (mline == NULL || !JSON_NODE_HOLDS_VALUE(mline) ||
      json_node_get_value_type(mline) != G_TYPE_INT64 || json_node_get_int(mline) < 0 ||
      json_node_get_int(mline) > G_MAXUINT16)
    return bad_field(error, "ice", "mline", "must be an integer from 0 to 65535");

  const char *candidate = get_string(object, "candidate");
  if (candidate == NULL)
    return bad_field(error, "ice", "candidate", "must be a string");
  if (strlen(candidate) > GW_PROTOCOL_MAX_CANDIDATE)
    return bad_field(error, "ice", "candidate", "is longer than 1024 bytes");

  message->ice.mline = (guint)json_node_get_int(mline);
  message->ice.candidate = g_strdup(candidate);
  return TRUE;
}

static gboolean
parse_screen(const GwConfig *config, JsonObject *object, GwMessage *message, GError **error)
{
  const char *action = get_string(object, "action");
  if (g_strcmp0(action, "start") == 0)
    message->screen.start = TRUE;
  else if (g_strcmp0(action, "stop") == 0)
    message->screen.start = FALSE;
  else
    return bad_field(error, "screen", "action", "must be \"start\" or \"stop\"");
  return TRUE;
}

static gboolean
parse_mute(const GwConfig *config, JsonObject *object, GwMessage *message, GError **error)
{
  if (!get_boolean(object, "audio", &message->mute.audio))
    return bad_field(error, "mute", "audio", "must be true or false");
  if (!get_boolean(object, "video", &message->mute.video))
    return bad_field(error, "mute", "video", "must be true or false");
  return TRUE;
}

static gboolean
parse_chat(const GwConfig *config, JsonObject *object, GwMessage *message, GError **error)
{
  const char *text = get_string(object, "text");
  if (text == NULL)
    return bad_field(error, "chat", "text", "must be a string");

  g_autofree char *trimmed = strdup_trimmed(text);
  if (trimmed[0] == '\0')
    return bad_field(error, "chat", "text", "is empty");
  if (g_utf8_strlen(trimmed, -1) > (glong)config->chat_max_length) {
    g_set_error(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_TOO_LARGE,
                "chat: `text` is longer than %u characters", config->chat_max_length);
    return FALSE;
  }
  message->chat.text = g_steal_pointer(&trimmed);
  return TRUE;
}

/* A fraction of the shared picture: a JSON number from 0 to 1 (integers 0 and 1 included). */
static gboolean
get_fraction(JsonObject *object, const char *name, double *out)
{
  JsonNode *node = json_object_get_member(object, name);
  double value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE(node))
    return FALSE;
  if (json_node_get_value_type(node) == G_TYPE_DOUBLE)
    value = json_node_get_double(node);
  else if (json_node_get_value_type(node) == G_TYPE_INT64)
    value = (double)json_node_get_int(node);
  else
    return FALSE;
  /* Also refuses 1e999, which json-glib reads as infinity, and NaN. */
  if (!(value >= 0.0 && value <= 1.0))
    return FALSE;
  /* To a ten-thousandth (a fraction of a pixel on any screen): json-glib 1.6
   * writes a double whose shortest form has no '.' with ".0" appended, so a
   * relayed 1e-99 went out as "1e-99.0", which no browser parses. From 0.0001
   * up no double prints in exponent form. Found by fuzz-protocol. */
  *out = round(value * 10000.0) / 10000.0;
  return TRUE;
}

static gboolean
parse_pointer(const GwConfig *config, JsonObject *object, GwMessage *message, GError **error)
{
  const char *screen = get_string(object, "screen");
  if (screen == NULL || !is_valid_room_id(screen))
    return bad_field(error, "pointer", "screen", "must be the sharer's peer id");

  const char *action = get_string(object, "action");
  if (g_strcmp0(action, "show") == 0)
    message->pointer.show = TRUE;
  else if (g_strcmp0(action, "hide") != 0)
    return bad_field(error, "pointer", "action", "must be \"show\" or \"hide\"");
  if (message->pointer.show) {
    if (!get_fraction(object, "x", &message->pointer.x))
      return bad_field(error, "pointer", "x", "must be a number from 0 to 1");
    if (!get_fraction(object, "y", &message->pointer.y))
      return bad_field(error, "pointer", "y", "must be a number from 0 to 1");
  }
  message->pointer.screen = g_strdup(screen);
  return TRUE;
}

static gboolean
parse_hangup(const GwConfig *config, JsonObject *object, GwMessage *message, GError **error)
{
  return TRUE;
}

typedef gboolean (*ParseFunc)(const GwConfig *config, JsonObject *object, GwMessage *message,
                              GError **error);

static const ParseFunc parsers[] = {
    [GW_MESSAGE_JOIN] = parse_join,     [GW_MESSAGE_ANSWER] = parse_answer,
    [GW_MESSAGE_ICE] = parse_ice,       [GW_MESSAGE_SCREEN] = parse_screen,
    [GW_MESSAGE_MUTE] = parse_mute,     [GW_MESSAGE_CHAT] = parse_chat,
    [GW_MESSAGE_HANGUP] = parse_hangup, [GW_MESSAGE_POINTER] = parse_pointer,
};

static gboolean
lookup_type(const char *name, GwMessageType *out)
{
  for (guint i = 0; i < G_N_ELEMENTS(type_names); i++) {
    if (strcmp(type_names[i], name) == 0) {
      *out = (GwMessageType)i;
      return TRUE;
    }
  }
  return FALSE;
}

/* Reads the frame into a JSON object, or fails with bad-json / too-large. */
static JsonNode *
load_object(const GwConfig *config, const char *data, gsize length, GError **error)
{
  if (length == 0) {
    g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_BAD_JSON, "message is empty");
    return NULL;
  }
  if (length > config->ws_max_message) {
    g_set_error(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_TOO_LARGE,
                "message of %" G_GSIZE_FORMAT " bytes is over the limit of %u", length,
                config->ws_max_message);
    return NULL;
  }
  /* Also refuses NUL bytes, which json-glib would silently stop at. */
  if (!g_utf8_validate_len(data, length, NULL)) {
    g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_BAD_JSON,
                        "message is not valid UTF-8");
    return NULL;
  }
  if (!check_structure(data, length, error))
    return NULL;

  g_autoptr(JsonParser) parser = json_parser_new_immutable();
  g_autoptr(GError) json_error = NULL;
  if (!json_parser_load_from_data(parser, data, (gssize)length, &json_error)) {
    /* json-glib's text quotes the input, possibly as invalid UTF-8: not for the reply. */
    g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_BAD_JSON,
                        "message is not valid JSON");
    return NULL;
  }
  JsonNode *root = json_parser_get_root(parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
    g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_BAD_JSON,
                        "message is not a JSON object");
    return NULL;
  }
  return json_node_ref(root);
}

GwMessage *
gw_message_parse(const GwConfig *config, const char *data, gsize length, char **ref, GError **error)
{
  g_return_val_if_fail(config != NULL, NULL);
  g_return_val_if_fail(data != NULL || length == 0, NULL);

  if (ref != NULL)
    *ref = NULL;

  g_autoptr(JsonNode) root = load_object(config, data, length, error);
  if (root == NULL)
    return NULL;
  JsonObject *object = json_node_get_object(root);

  const char *type_name = get_string(object, "type");
  if (type_name == NULL) {
    g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_BAD_FIELD,
                        "message has no string `type`");
    return NULL;
  }

  GwMessageType type;
  if (!lookup_type(type_name, &type)) {
    if (ref != NULL && strlen(type_name) <= MAX_ECHOED_TYPE && !has_control_chars(type_name))
      *ref = g_strdup(type_name);
    g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_UNKNOWN_TYPE,
                        "unknown message type");
    return NULL;
  }
  if (ref != NULL)
    *ref = g_strdup(type_names[type]);

  g_autoptr(GwMessage) message = g_new0(GwMessage, 1);
  message->type = type;
  if (!parsers[type](config, object, message, error))
    return NULL;
  return g_steal_pointer(&message);
}
