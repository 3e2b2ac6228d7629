/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for signaling/protocol: every message type, every refusal, every builder. */
#include <json-glib/json-glib.h>
#include <string.h>

#include "signaling/protocol.h"

typedef struct {
  GwConfig *config;
} Fixture;

static void
fixture_set_up(Fixture *fixture, gconstpointer data)
{
  fixture->config = gw_config_new_default();
}

static void
fixture_tear_down(Fixture *fixture, gconstpointer data)
{
  gw_config_unref(fixture->config);
}

static GwMessage *
parse_ok(Fixture *fixture, const char *json, GwMessageType type)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ref = NULL;
  GwMessage *message = gw_message_parse(fixture->config, json, strlen(json), &ref, &error);

  g_assert_no_error(error);
  g_assert_nonnull(message);
  g_assert_cmpint(message->type, ==, type);
  g_assert_cmpstr(ref, ==, gw_message_type_to_string(type));
  return message;
}

/* Asserts a refusal with @code and @ref (NULL: no ref expected). */
static void
assert_refused_len(Fixture *fixture, const char *data, gsize length, GwProtocolError code,
                   const char *ref)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *got_ref = NULL;
  g_autoptr(GwMessage) message = gw_message_parse(fixture->config, data, length, &got_ref, &error);

  if (message != NULL)
    g_error("accepted: %.*s", (int)MIN(length, 200), data);
  g_assert_error(error, GW_PROTOCOL_ERROR, (gint)code);
  g_assert_nonnull(error->message);
  g_assert_cmpuint(strlen(error->message), >, 0);
  g_assert_cmpstr(got_ref, ==, ref);
}

static void
assert_refused(Fixture *fixture, const char *json, GwProtocolError code, const char *ref)
{
  assert_refused_len(fixture, json, strlen(json), code, ref);
}

static void
test_join(Fixture *fixture, gconstpointer data)
{
  g_autoptr(GwMessage) a =
      parse_ok(fixture, "{\"type\":\"join\",\"v\":1,\"room\":\"Room_1-a\",\"role\":\"customer\"}",
               GW_MESSAGE_JOIN);
  g_assert_cmpstr(a->join.room, ==, "Room_1-a");
  g_assert_cmpint(a->join.role, ==, GW_ROLE_CUSTOMER);
  g_assert_cmpstr(a->join.name, ==, "");

  g_autoptr(GwMessage) b =
      parse_ok(fixture,
               "{\"type\":\"join\",\"v\":1,\"room\":\"r\",\"role\":\"advisor\","
               "\"name\":\"  Anna de Vries \\n\",\"extra\":[1,{\"x\":2}]}",
               GW_MESSAGE_JOIN);
  g_assert_cmpint(b->join.role, ==, GW_ROLE_ADVISOR);
  g_assert_cmpstr(b->join.name, ==, "Anna de Vries");

  g_autoptr(GwMessage) c = parse_ok(
      fixture, "{\"v\":1.0,\"room\":\"r\",\"role\":\"advisor\",\"name\":null,\"type\":\"join\"}",
      GW_MESSAGE_JOIN);
  g_assert_cmpstr(c->join.name, ==, "");

  /* Exactly 64 characters of room id and of name are fine; names count characters. */
  g_autofree char *room = g_strnfill(64, 'x');
  g_autoptr(GString) name = g_string_new(NULL);
  for (int i = 0; i < 64; i++)
    g_string_append(name, "é");
  g_autofree char *json = g_strdup_printf(
      "{\"type\":\"join\",\"v\":1,\"room\":\"%s\",\"role\":\"customer\",\"name\":\"%s\"}", room,
      name->str);
  g_autoptr(GwMessage) d = parse_ok(fixture, json, GW_MESSAGE_JOIN);
  g_assert_cmpstr(d->join.room, ==, room);
  g_assert_cmpstr(d->join.name, ==, name->str);
  g_assert_null(d->join.video_codecs);
  g_assert_null(d->join.resume);

  /* Video codecs: the browser's order, any case, unknown names and repeats dropped. */
  g_autoptr(GwMessage) e = parse_ok(
      fixture,
      "{\"type\":\"join\",\"v\":1,\"room\":\"r\",\"role\":\"customer\","
      "\"video\":[\"AV1\",\"H264\",\"vp9\",\"h264\",\"VP8\"],"
      "\"resume\":\"abcdefghijklmnop_-12\"}",
      GW_MESSAGE_JOIN);
  g_assert_cmpuint(g_strv_length(e->join.video_codecs), ==, 2);
  g_assert_cmpstr(e->join.video_codecs[0], ==, "h264");
  g_assert_cmpstr(e->join.video_codecs[1], ==, "vp8");
  g_assert_cmpstr(e->join.resume, ==, "abcdefghijklmnop_-12");

  /* Only codecs this gateway cannot forward: an empty list, not "VP8 assumed". */
  g_autoptr(GwMessage) f = parse_ok(
      fixture, "{\"type\":\"join\",\"v\":1,\"room\":\"r\",\"role\":\"customer\",\"video\":[]}",
      GW_MESSAGE_JOIN);
  g_assert_nonnull(f->join.video_codecs);
  g_assert_cmpuint(g_strv_length(f->join.video_codecs), ==, 0);
}

static void
test_join_refused(Fixture *fixture, gconstpointer data)
{
  const char *base = "\"type\":\"join\"";
  const struct {
    const char *fields;
    GwProtocolError code;
  } cases[] = {
      {"\"room\":\"r\",\"role\":\"customer\"", GW_PROTOCOL_ERROR_BAD_FIELD},
      {"\"v\":\"1\",\"room\":\"r\",\"role\":\"customer\"", GW_PROTOCOL_ERROR_BAD_FIELD},
      {"\"v\":null,\"room\":\"r\",\"role\":\"customer\"", GW_PROTOCOL_ERROR_BAD_FIELD},
      {"\"v\":2,\"room\":\"r\",\"role\":\"customer\"", GW_PROTOCOL_ERROR_UNSUPPORTED_VERSION},
      {"\"v\":0,\"room\":\"r\",\"role\":\"customer\"", GW_PROTOCOL_ERROR_UNSUPPORTED_VERSION},
      {"\"v\":1.5,\"room\":\"r\",\"role\":\"customer\"", GW_PROTOCOL_ERROR_UNSUPPORTED_VERSION},
      {"\"v\":1,\"role\":\"customer\"", GW_PROTOCOL_ERROR_BAD_FIELD},
      {"\"v\":1,\"room\":\"\",\"role\":\"customer\"", GW_PROTOCOL_ERROR_BAD_FIELD},
      {"\"v\":1,\"room\":\"a b\",\"role\":\"customer\"", GW_PROTOCOL_ERROR_BAD_FIELD},
      {"\"v\":1,\"room\":\"../x\",\"role\":\"customer\"", GW_PROTOCOL_ERROR_BAD_FIELD},
      {"\"v\":1,\"room\":\"kamer\u00e9\",\"role\":\"customer\"", GW_PROTOCOL_ERROR_BAD_FIELD},
      {"\"v\":1,\"room\":7,\"role\":\"customer\"", GW_PROTOCOL_ERROR_BAD_FIELD},
      {"\"v\":1,\"room\":\"r\"", GW_PROTOCOL_ERROR_BAD_FIELD},
      {"\"v\":1,\"room\":\"r\",\"role\":\"admin\"", GW_PROTOCOL_ERROR_BAD_FIELD},
      {"\"v\":1,\"room\":\"r\",\"role\":\"Customer\"", GW_PROTOCOL_ERROR_BAD_FIELD},
      {"\"v\":1,\"room\":\"r\",\"role\":\"customer\",\"name\":5", GW_PROTOCOL_ERROR_BAD_FIELD},
      {"\"v\":1,\"room\":\"r\",\"role\":\"customer\",\"name\":\"a\\u0007b\"",
       GW_PROTOCOL_ERROR_BAD_FIELD},
      {"\"v\":1,\"room\":\"r\",\"role\":\"customer\",\"name\":\"a\\nb\"",
       GW_PROTOCOL_ERROR_BAD_FIELD},
      {"\"v\":1,\"room\":\"r\",\"role\":\"customer\",\"video\":\"vp8\"",
       GW_PROTOCOL_ERROR_BAD_FIELD},
      {"\"v\":1,\"room\":\"r\",\"role\":\"customer\",\"video\":[\"vp8\",8]",
       GW_PROTOCOL_ERROR_BAD_FIELD},
      {"\"v\":1,\"room\":\"r\",\"role\":\"customer\",\"video\":[\"\"]",
       GW_PROTOCOL_ERROR_BAD_FIELD},
      {"\"v\":1,\"room\":\"r\",\"role\":\"customer\",\"video\":[[\"vp8\"]]",
       GW_PROTOCOL_ERROR_BAD_FIELD},
      {"\"v\":1,\"room\":\"r\",\"role\":\"customer\",\"video\":[\"a\",\"a\",\"a\",\"a\","
       "\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\"]",
       GW_PROTOCOL_ERROR_BAD_FIELD},
      {"\"v\":1,\"room\":\"r\",\"role\":\"customer\",\"resume\":\"short\"",
       GW_PROTOCOL_ERROR_BAD_FIELD},
      {"\"v\":1,\"room\":\"r\",\"role\":\"customer\",\"resume\":\"abcdefghijklmnop qr\"",
       GW_PROTOCOL_ERROR_BAD_FIELD},
      {"\"v\":1,\"room\":\"r\",\"role\":\"customer\",\"resume\":12345678901234567",
       GW_PROTOCOL_ERROR_BAD_FIELD},
  };

  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *json = g_strdup_printf("{%s,%s}", base, cases[i].fields);
    assert_refused(fixture, json, cases[i].code, "join");
  }

  g_autofree char *long_room = g_strnfill(65, 'x');
  g_autofree char *json = g_strdup_printf(
      "{\"type\":\"join\",\"v\":1,\"room\":\"%s\",\"role\":\"customer\"}", long_room);
  assert_refused(fixture, json, GW_PROTOCOL_ERROR_BAD_FIELD, "join");

  g_autofree char *long_name = g_strnfill(65, 'n');
  g_autofree char *json2 = g_strdup_printf(
      "{\"type\":\"join\",\"v\":1,\"room\":\"r\",\"role\":\"customer\",\"name\":\"%s\"}",
      long_name);
  assert_refused(fixture, json2, GW_PROTOCOL_ERROR_BAD_FIELD, "join");

  /* The limit comes from the config. */
  fixture->config->max_name_length = 3;
  assert_refused(
      fixture, "{\"type\":\"join\",\"v\":1,\"room\":\"r\",\"role\":\"customer\",\"name\":\"abcd\"}",
      GW_PROTOCOL_ERROR_BAD_FIELD, "join");
}

static void
test_answer(Fixture *fixture, gconstpointer data)
{
  g_autoptr(GwMessage) a =
      parse_ok(fixture, "{\"type\":\"answer\",\"sdp\":\"v=0\\r\\no=- 1 1 IN IP4 0.0.0.0\\r\\n\"}",
               GW_MESSAGE_ANSWER);
  g_assert_cmpstr(a->answer.sdp, ==, "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n");

  assert_refused(fixture, "{\"type\":\"answer\"}", GW_PROTOCOL_ERROR_BAD_FIELD, "answer");
  assert_refused(fixture, "{\"type\":\"answer\",\"sdp\":\"\"}", GW_PROTOCOL_ERROR_BAD_FIELD,
                 "answer");
  assert_refused(fixture, "{\"type\":\"answer\",\"sdp\":{}}", GW_PROTOCOL_ERROR_BAD_FIELD,
                 "answer");

  fixture->config->max_sdp_length = 1024;
  g_autofree char *sdp_ok = g_strnfill(1024, 'a');
  g_autofree char *json_ok = g_strdup_printf("{\"type\":\"answer\",\"sdp\":\"%s\"}", sdp_ok);
  gw_message_free(parse_ok(fixture, json_ok, GW_MESSAGE_ANSWER));
  g_autofree char *sdp_long = g_strnfill(1025, 'a');
  g_autofree char *json_long = g_strdup_printf("{\"type\":\"answer\",\"sdp\":\"%s\"}", sdp_long);
  assert_refused(fixture, json_long, GW_PROTOCOL_ERROR_TOO_LARGE, "answer");
}

static void
test_ice(Fixture *fixture, gconstpointer data)
{
  g_autoptr(GwMessage) a = parse_ok(fixture,
                                    "{\"type\":\"ice\",\"mline\":1,\"candidate\":\"candidate:1 1 "
                                    "UDP 2122 127.0.0.1 5000 typ host\"}",
                                    GW_MESSAGE_ICE);
  g_assert_cmpuint(a->ice.mline, ==, 1);
  g_assert_cmpstr(a->ice.candidate, ==, "candidate:1 1 UDP 2122 127.0.0.1 5000 typ host");

  g_autoptr(GwMessage) end =
      parse_ok(fixture, "{\"type\":\"ice\",\"mline\":0,\"candidate\":\"\"}", GW_MESSAGE_ICE);
  g_assert_cmpstr(end->ice.candidate, ==, "");

  g_autofree char *c1024 = g_strnfill(GW_PROTOCOL_MAX_CANDIDATE, 'c');
  g_autofree char *ok =
      g_strdup_printf("{\"type\":\"ice\",\"mline\":0,\"candidate\":\"%s\"}", c1024);
  gw_message_free(parse_ok(fixture, ok, GW_MESSAGE_ICE));

  g_autofree char *c1025 = g_strnfill(GW_PROTOCOL_MAX_CANDIDATE + 1, 'c');
  g_autofree char *bad =
      g_strdup_printf("{\"type\":\"ice\",\"mline\":0,\"candidate\":\"%s\"}", c1025);
  assert_refused(fixture, bad, GW_PROTOCOL_ERROR_BAD_FIELD, "ice");

  const char *refused[] = {
      "{\"type\":\"ice\",\"candidate\":\"\"}",
      "{\"type\":\"ice\",\"mline\":-1,\"candidate\":\"\"}",
      "{\"type\":\"ice\",\"mline\":0.5,\"candidate\":\"\"}",
      "{\"type\":\"ice\",\"mline\":\"0\",\"candidate\":\"\"}",
      "{\"type\":\"ice\",\"mline\":99999999999,\"candidate\":\"\"}",
      "{\"type\":\"ice\",\"mline\":0}",
      "{\"type\":\"ice\",\"mline\":0,\"candidate\":null}",
  };
  for (guint i = 0; i < G_N_ELEMENTS(refused); i++)
    assert_refused(fixture, refused[i], GW_PROTOCOL_ERROR_BAD_FIELD, "ice");
}

static void
test_screen_mute_hangup(Fixture *fixture, gconstpointer data)
{
  g_autoptr(GwMessage) start =
      parse_ok(fixture, "{\"type\":\"screen\",\"action\":\"start\"}", GW_MESSAGE_SCREEN);
  g_assert_true(start->screen.start);
  g_autoptr(GwMessage) stop =
      parse_ok(fixture, "{\"type\":\"screen\",\"action\":\"stop\"}", GW_MESSAGE_SCREEN);
  g_assert_false(stop->screen.start);
  assert_refused(fixture, "{\"type\":\"screen\",\"action\":\"pause\"}", GW_PROTOCOL_ERROR_BAD_FIELD,
                 "screen");
  assert_refused(fixture, "{\"type\":\"screen\"}", GW_PROTOCOL_ERROR_BAD_FIELD, "screen");

  g_autoptr(GwMessage) mute =
      parse_ok(fixture, "{\"type\":\"mute\",\"audio\":true,\"video\":false}", GW_MESSAGE_MUTE);
  g_assert_true(mute->mute.audio);
  g_assert_false(mute->mute.video);
  assert_refused(fixture, "{\"type\":\"mute\",\"audio\":true}", GW_PROTOCOL_ERROR_BAD_FIELD,
                 "mute");
  assert_refused(fixture, "{\"type\":\"mute\",\"audio\":1,\"video\":0}",
                 GW_PROTOCOL_ERROR_BAD_FIELD, "mute");

  gw_message_free(parse_ok(fixture, "{\"type\":\"hangup\"}", GW_MESSAGE_HANGUP));
  gw_message_free(
      parse_ok(fixture, "{\"type\":\"hangup\",\"reason\":\"ignored\"}", GW_MESSAGE_HANGUP));
}

static void
test_chat(Fixture *fixture, gconstpointer data)
{
  g_autoptr(GwMessage) a = parse_ok(
      fixture, "{\"type\":\"chat\",\"text\":\"\\t Hallo, hoe gaat het?  \\n\"}", GW_MESSAGE_CHAT);
  g_assert_cmpstr(a->chat.text, ==, "Hallo, hoe gaat het?");

  /* Unicode white space is trimmed too (U+3000 ideographic space). */
  g_autoptr(GwMessage) b =
      parse_ok(fixture, "{\"type\":\"chat\",\"text\":\"\u3000ok\u3000\"}", GW_MESSAGE_CHAT);
  g_assert_cmpstr(b->chat.text, ==, "ok");

  assert_refused(fixture, "{\"type\":\"chat\",\"text\":\"\"}", GW_PROTOCOL_ERROR_BAD_FIELD, "chat");
  assert_refused(fixture, "{\"type\":\"chat\",\"text\":\"  \\n\\t \"}", GW_PROTOCOL_ERROR_BAD_FIELD,
                 "chat");
  assert_refused(fixture, "{\"type\":\"chat\",\"text\":[]}", GW_PROTOCOL_ERROR_BAD_FIELD, "chat");
  assert_refused(fixture, "{\"type\":\"chat\"}", GW_PROTOCOL_ERROR_BAD_FIELD, "chat");

  /* 1000 characters pass even when they take 3000 bytes; 1001 do not. */
  g_autoptr(GString) text = g_string_new(NULL);
  for (guint i = 0; i < fixture->config->chat_max_length; i++)
    g_string_append(text, "€");
  g_autofree char *ok = g_strdup_printf("{\"type\":\"chat\",\"text\":\"  %s  \"}", text->str);
  g_autoptr(GwMessage) c = parse_ok(fixture, ok, GW_MESSAGE_CHAT);
  g_assert_cmpint(g_utf8_strlen(c->chat.text, -1), ==, fixture->config->chat_max_length);

  g_string_append(text, "x");
  g_autofree char *bad = g_strdup_printf("{\"type\":\"chat\",\"text\":\"%s\"}", text->str);
  assert_refused(fixture, bad, GW_PROTOCOL_ERROR_TOO_LARGE, "chat");
}

static void
test_pointer(Fixture *fixture, gconstpointer data)
{
  g_autoptr(GwMessage) a =
      parse_ok(fixture,
               "{\"type\":\"pointer\",\"screen\":\"p0a1b2c3d\",\"action\":\"show\",\"x\":0.25,"
               "\"y\":0.75,\"extra\":1}",
               GW_MESSAGE_POINTER);
  g_assert_cmpstr(a->pointer.screen, ==, "p0a1b2c3d");
  g_assert_true(a->pointer.show);
  g_assert_cmpfloat(a->pointer.x, ==, 0.25);
  g_assert_cmpfloat(a->pointer.y, ==, 0.75);

  /* The edges belong to the picture, written as integers too. */
  g_autoptr(GwMessage) b = parse_ok(
      fixture, "{\"type\":\"pointer\",\"screen\":\"p1\",\"action\":\"show\",\"x\":0,\"y\":1}",
      GW_MESSAGE_POINTER);
  g_assert_cmpfloat(b->pointer.x, ==, 0.0);
  g_assert_cmpfloat(b->pointer.y, ==, 1.0);
  g_autoptr(GwMessage) c = parse_ok(
      fixture, "{\"type\":\"pointer\",\"screen\":\"p1\",\"action\":\"show\",\"x\":1.0,\"y\":0.0}",
      GW_MESSAGE_POINTER);
  g_assert_cmpfloat(c->pointer.x, ==, 1.0);

  /* Kept to a ten-thousandth, so the relayed message is valid JSON:
   * json-glib wrote a relayed 1e-99 as "1e-99.0". */
  g_autoptr(GwMessage) tiny = parse_ok(
      fixture, "{\"type\":\"pointer\",\"screen\":\"p1\",\"action\":\"show\",\"x\":1e-99,\"y\":0.12345678}",
      GW_MESSAGE_POINTER);
  g_assert_cmpfloat(tiny->pointer.x, ==, 0.0);
  g_assert_cmpfloat(tiny->pointer.y, ==, 0.1235);
  g_autofree char *relayed =
      gw_protocol_build_pointer("p0", "p1", TRUE, tiny->pointer.x, tiny->pointer.y);
  g_autoptr(JsonParser) json = json_parser_new();
  g_assert_true(json_parser_load_from_data(json, relayed, -1, NULL));
  g_autoptr(GwMessage) small = parse_ok(
      fixture, "{\"type\":\"pointer\",\"screen\":\"p1\",\"action\":\"show\",\"x\":0.00004,\"y\":0.00006}",
      GW_MESSAGE_POINTER);
  g_assert_cmpfloat(small->pointer.x, ==, 0.0);
  g_assert_cmpfloat(small->pointer.y, ==, 0.0001);

  /* hide needs no place; one given is ignored. */
  g_autoptr(GwMessage) d =
      parse_ok(fixture, "{\"type\":\"pointer\",\"screen\":\"p1\",\"action\":\"hide\",\"x\":7}",
               GW_MESSAGE_POINTER);
  g_assert_false(d->pointer.show);
  g_assert_cmpfloat(d->pointer.x, ==, 0.0);

  const char *bad[] = {
      /* outside the picture, or not a number from 0 to 1 */
      "{\"type\":\"pointer\",\"screen\":\"p1\",\"action\":\"show\",\"x\":-0.01,\"y\":0.5}",
      "{\"type\":\"pointer\",\"screen\":\"p1\",\"action\":\"show\",\"x\":0.5,\"y\":1.0001}",
      "{\"type\":\"pointer\",\"screen\":\"p1\",\"action\":\"show\",\"x\":2,\"y\":0.5}",
      "{\"type\":\"pointer\",\"screen\":\"p1\",\"action\":\"show\",\"x\":1e999,\"y\":0.5}",
      "{\"type\":\"pointer\",\"screen\":\"p1\",\"action\":\"show\",\"x\":-1e999,\"y\":0.5}",
      "{\"type\":\"pointer\",\"screen\":\"p1\",\"action\":\"show\",\"x\":\"0.5\",\"y\":0.5}",
      "{\"type\":\"pointer\",\"screen\":\"p1\",\"action\":\"show\",\"x\":true,\"y\":0.5}",
      "{\"type\":\"pointer\",\"screen\":\"p1\",\"action\":\"show\",\"x\":null,\"y\":0.5}",
      "{\"type\":\"pointer\",\"screen\":\"p1\",\"action\":\"show\",\"x\":[0.5],\"y\":0.5}",
      "{\"type\":\"pointer\",\"screen\":\"p1\",\"action\":\"show\",\"x\":0.5}",
      /* no action, or another one */
      "{\"type\":\"pointer\",\"screen\":\"p1\",\"x\":0.5,\"y\":0.5}",
      "{\"type\":\"pointer\",\"screen\":\"p1\",\"action\":\"move\",\"x\":0.5,\"y\":0.5}",
      /* whose screen: a peer id, not anything */
      "{\"type\":\"pointer\",\"action\":\"hide\"}",
      "{\"type\":\"pointer\",\"screen\":\"\",\"action\":\"hide\"}",
      "{\"type\":\"pointer\",\"screen\":\"p 1\",\"action\":\"hide\"}",
      "{\"type\":\"pointer\",\"screen\":\"p1<script>\",\"action\":\"hide\"}",
      "{\"type\":\"pointer\",\"screen\":"
      "\"p123456789012345678901234567890123456789012345678901234567890123456789\","
      "\"action\":\"hide\"}",
      "{\"type\":\"pointer\",\"screen\":7,\"action\":\"hide\"}",
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++)
    assert_refused(fixture, bad[i], GW_PROTOCOL_ERROR_BAD_FIELD, "pointer");
}

static void
test_malformed(Fixture *fixture, gconstpointer data)
{
  const char *bad_json[] = {
      "",
      "{",
      "{\"type\":\"join\"",
      "not json",
      "[]",
      "[{\"type\":\"hangup\"}]",
      "\"hangup\"",
      "42",
      "null",
      "true",
      "{\"type\":\"hangup\"} {}",
      "{'type':'hangup'}",
      "{\"type\":\"hangup\"} // comment",
      "/* c */ {\"type\":\"hangup\"}",
      "{\"type\":\"hangup\",\"x\":'\"[[[[[[[[[[[[[[[[[[[[[[[[[[[['}",
      "{\"type\":\"hangup\",}",
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad_json); i++)
    assert_refused(fixture, bad_json[i], GW_PROTOCOL_ERROR_BAD_JSON, NULL);

  assert_refused(fixture, "{}", GW_PROTOCOL_ERROR_BAD_FIELD, NULL);
  assert_refused(fixture, "{\"type\":1}", GW_PROTOCOL_ERROR_BAD_FIELD, NULL);
  assert_refused(fixture, "{\"type\":null}", GW_PROTOCOL_ERROR_BAD_FIELD, NULL);
  assert_refused(fixture, "{\"type\":\"offer\",\"sdp\":\"v=0\"}", GW_PROTOCOL_ERROR_UNKNOWN_TYPE,
                 "offer");
  assert_refused(fixture, "{\"type\":\"JOIN\"}", GW_PROTOCOL_ERROR_UNKNOWN_TYPE, "JOIN");
  /* A long unknown type is not echoed back. */
  g_autofree char *long_type = g_strnfill(200, 't');
  g_autofree char *json = g_strdup_printf("{\"type\":\"%s\"}", long_type);
  assert_refused(fixture, json, GW_PROTOCOL_ERROR_UNKNOWN_TYPE, NULL);
}

static void
test_invalid_utf8(Fixture *fixture, gconstpointer data)
{
  const char overlong[] = "{\"type\":\"chat\",\"text\":\"\xc0\xaf\"}";
  const char truncated[] = "{\"type\":\"chat\",\"text\":\"\xe2\x82\"}";
  const char with_nul[] = "{\"type\":\"chat\",\"text\":\"a\0b\"}";

  assert_refused_len(fixture, overlong, sizeof overlong - 1, GW_PROTOCOL_ERROR_BAD_JSON, NULL);
  assert_refused_len(fixture, truncated, sizeof truncated - 1, GW_PROTOCOL_ERROR_BAD_JSON, NULL);
  assert_refused_len(fixture, with_nul, sizeof with_nul - 1, GW_PROTOCOL_ERROR_BAD_JSON, NULL);
  /* An escaped lone surrogate must not become invalid UTF-8 in a field. */
  g_autoptr(GError) error = NULL;
  const char *surrogate = "{\"type\":\"chat\",\"text\":\"\\ud800\"}";
  g_autoptr(GwMessage) message =
      gw_message_parse(fixture->config, surrogate, strlen(surrogate), NULL, &error);
  if (message != NULL)
    g_assert_true(g_utf8_validate(message->chat.text, -1, NULL));
}

static void
test_too_large(Fixture *fixture, gconstpointer data)
{
  fixture->config->ws_max_message = 1024;
  g_autofree char *padding = g_strnfill(1024 - strlen("{\"type\":\"hangup\",\"x\":\"\"}"), ' ');
  g_autofree char *fits = g_strdup_printf("{\"type\":\"hangup\",\"x\":\"%s\"}", padding);
  g_assert_cmpuint(strlen(fits), ==, 1024);
  gw_message_free(parse_ok(fixture, fits, GW_MESSAGE_HANGUP));

  g_autofree char *over = g_strdup_printf("%s ", fits);
  assert_refused(fixture, over, GW_PROTOCOL_ERROR_TOO_LARGE, NULL);
}

static void
test_deep_nesting(Fixture *fixture, gconstpointer data)
{
  g_autoptr(GString) json = g_string_new("{\"type\":\"hangup\",\"x\":");
  for (int i = 0; i < 5000; i++)
    g_string_append_c(json, '[');
  for (int i = 0; i < 5000; i++)
    g_string_append_c(json, ']');
  g_string_append_c(json, '}');
  assert_refused(fixture, json->str, GW_PROTOCOL_ERROR_BAD_JSON, NULL);

  /* Brackets inside strings do not count. */
  g_autoptr(GString) text = g_string_new("{\"type\":\"chat\",\"text\":\"");
  for (int i = 0; i < 100; i++)
    g_string_append(text, "[{\\\"");
  g_string_append(text, "\"}");
  gw_message_free(parse_ok(fixture, text->str, GW_MESSAGE_CHAT));
}

static void
test_error_names(void)
{
  const char *names[] = {
      "bad-json",  "too-large", "unknown-type", "bad-field", "wrong-state", "unsupported-version",
      "room-full", "capacity",  "limit",        "bad-sdp",   "internal"};
  for (guint i = 0; i < G_N_ELEMENTS(names); i++)
    g_assert_cmpstr(gw_protocol_error_to_string((GwProtocolError)i), ==, names[i]);
}

/* Parses builder output back with json-glib. */
static JsonObject *
parse_built(char *json, const char *type)
{
  g_autofree char *owned = json;
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;

  g_assert_true(json_parser_load_from_data(parser, owned, -1, &error));
  g_assert_no_error(error);
  JsonNode *root = json_parser_get_root(parser);
  g_assert_true(JSON_NODE_HOLDS_OBJECT(root));
  JsonObject *object = json_object_ref(json_node_get_object(root));
  g_assert_cmpstr(json_object_get_string_member(object, "type"), ==, type);
  return object;
}

static void
test_builders(void)
{
  GwParticipantInfo others[] = {{"p00000001", GW_ROLE_ADVISOR, "Dr. \"Jansen\""}};
  JsonObject *o =
      parse_built(gw_protocol_build_welcome("p2", "room", GW_ROLE_CUSTOMER, others, 1, NULL), "welcome");
  g_assert_cmpint(json_object_get_int_member(o, "v"), ==, 1);
  g_assert_cmpstr(json_object_get_string_member(o, "peer"), ==, "p2");
  g_assert_cmpstr(json_object_get_string_member(o, "room"), ==, "room");
  g_assert_cmpstr(json_object_get_string_member(o, "role"), ==, "customer");
  JsonArray *participants = json_object_get_array_member(o, "participants");
  g_assert_cmpuint(json_array_get_length(participants), ==, 1);
  JsonObject *p = json_array_get_object_element(participants, 0);
  g_assert_cmpstr(json_object_get_string_member(p, "peer"), ==, "p00000001");
  g_assert_cmpstr(json_object_get_string_member(p, "role"), ==, "advisor");
  g_assert_cmpstr(json_object_get_string_member(p, "name"), ==, "Dr. \"Jansen\"");
  json_object_unref(o);

  o = parse_built(gw_protocol_build_welcome("p2", "room", GW_ROLE_ADVISOR, NULL, 0, NULL), "welcome");
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(o, "participants")), ==, 0);
  json_object_unref(o);

  GwTrackInfo tracks[] = {
      {"audio0", 0, GW_MEDIA_SOURCE_AUDIO, GW_TRACK_CLIENT_SENDS, "p1"},
      {"video1", 1, GW_MEDIA_SOURCE_CAMERA, GW_TRACK_CLIENT_SENDS, "p1"},
      {"video4", 4, GW_MEDIA_SOURCE_SCREEN, GW_TRACK_CLIENT_RECEIVES, "p2"},
  };
  o = parse_built(gw_protocol_build_offer("v=0\r\n", tracks, 3), "offer");
  g_assert_cmpstr(json_object_get_string_member(o, "sdp"), ==, "v=0\r\n");
  JsonArray *array = json_object_get_array_member(o, "tracks");
  g_assert_cmpuint(json_array_get_length(array), ==, 3);
  const char *kinds[] = {"audio", "video", "video"};
  const char *sources[] = {"audio", "camera", "screen"};
  const char *directions[] = {"send", "send", "recv"};
  for (guint i = 0; i < 3; i++) {
    JsonObject *t = json_array_get_object_element(array, i);
    g_assert_cmpstr(json_object_get_string_member(t, "mid"), ==, tracks[i].mid);
    g_assert_cmpint(json_object_get_int_member(t, "mline"), ==, tracks[i].mline);
    g_assert_cmpstr(json_object_get_string_member(t, "kind"), ==, kinds[i]);
    g_assert_cmpstr(json_object_get_string_member(t, "source"), ==, sources[i]);
    g_assert_cmpstr(json_object_get_string_member(t, "direction"), ==, directions[i]);
    g_assert_cmpstr(json_object_get_string_member(t, "peer"), ==, tracks[i].peer_id);
  }
  json_object_unref(o);

  o = parse_built(gw_protocol_build_ice(2, "candidate:x"), "ice");
  g_assert_cmpint(json_object_get_int_member(o, "mline"), ==, 2);
  g_assert_cmpstr(json_object_get_string_member(o, "candidate"), ==, "candidate:x");
  json_object_unref(o);

  o = parse_built(gw_protocol_build_participant_joined("p3", GW_ROLE_ADVISOR, "Bea"),
                  "participant-joined");
  g_assert_cmpstr(json_object_get_string_member(o, "peer"), ==, "p3");
  g_assert_cmpstr(json_object_get_string_member(o, "role"), ==, "advisor");
  g_assert_cmpstr(json_object_get_string_member(o, "name"), ==, "Bea");
  json_object_unref(o);

  o = parse_built(gw_protocol_build_participant_left("p3", "disconnected", 30),
                  "participant-left");
  g_assert_cmpstr(json_object_get_string_member(o, "peer"), ==, "p3");
  g_assert_cmpstr(json_object_get_string_member(o, "reason"), ==, "disconnected");
  g_assert_cmpint(json_object_get_int_member(o, "grace_s"), ==, 30);
  json_object_unref(o);
  o = parse_built(gw_protocol_build_participant_left("p3", "left", 0), "participant-left");
  g_assert_false(json_object_has_member(o, "grace_s"));
  json_object_unref(o);

  o = parse_built(gw_protocol_build_screen("p3", TRUE), "screen");
  g_assert_cmpstr(json_object_get_string_member(o, "action"), ==, "start");
  json_object_unref(o);
  o = parse_built(gw_protocol_build_screen("p3", FALSE), "screen");
  g_assert_cmpstr(json_object_get_string_member(o, "peer"), ==, "p3");
  g_assert_cmpstr(json_object_get_string_member(o, "action"), ==, "stop");
  json_object_unref(o);

  o = parse_built(gw_protocol_build_mute("p3", FALSE, TRUE), "mute");
  g_assert_false(json_object_get_boolean_member(o, "audio"));
  g_assert_true(json_object_get_boolean_member(o, "video"));
  json_object_unref(o);

  o = parse_built(gw_protocol_build_chat("p3", "Bea", "hallo \u2603\n<b>", 1700000000123), "chat");
  g_assert_cmpstr(json_object_get_string_member(o, "peer"), ==, "p3");
  g_assert_cmpstr(json_object_get_string_member(o, "name"), ==, "Bea");
  g_assert_cmpstr(json_object_get_string_member(o, "text"), ==, "hallo \u2603\n<b>");
  g_assert_cmpint(json_object_get_int_member(o, "ts"), ==, 1700000000123);
  json_object_unref(o);

  const struct {
    GwMediaPeerState state;
    const char *name;
  } states[] = {{GW_MEDIA_PEER_CONNECTING, "connecting"},
                {GW_MEDIA_PEER_CONNECTED, "connected"},
                {GW_MEDIA_PEER_FAILED, "failed"}};
  for (guint i = 0; i < G_N_ELEMENTS(states); i++) {
    o = parse_built(gw_protocol_build_media(states[i].state), "media");
    g_assert_cmpstr(json_object_get_string_member(o, "state"), ==, states[i].name);
    json_object_unref(o);
  }

  o = parse_built(gw_protocol_build_pointer("p2", "p3", TRUE, 0.125, 1.0), "pointer");
  g_assert_cmpstr(json_object_get_string_member(o, "peer"), ==, "p2");
  g_assert_cmpstr(json_object_get_string_member(o, "screen"), ==, "p3");
  g_assert_cmpstr(json_object_get_string_member(o, "action"), ==, "show");
  g_assert_cmpfloat(json_object_get_double_member(o, "x"), ==, 0.125);
  g_assert_cmpfloat(json_object_get_double_member(o, "y"), ==, 1.0);
  json_object_unref(o);

  o = parse_built(gw_protocol_build_pointer("p2", "p3", FALSE, 0, 0), "pointer");
  g_assert_cmpstr(json_object_get_string_member(o, "action"), ==, "hide");
  g_assert_false(json_object_has_member(o, "x"));
  g_assert_false(json_object_has_member(o, "y"));
  json_object_unref(o);

  o = parse_built(gw_protocol_build_ended("hangup", "p1", NULL, NULL), "ended");
  g_assert_cmpstr(json_object_get_string_member(o, "reason"), ==, "hangup");
  g_assert_cmpstr(json_object_get_string_member(o, "by"), ==, "p1");
  g_assert_false(json_object_has_member(o, "rating"));
  g_assert_false(json_object_has_member(o, "wrap_up"));
  json_object_unref(o);

  o = parse_built(gw_protocol_build_ended("hangup", "p1", "abc.def", "wrap.up"), "ended");
  g_assert_cmpstr(json_object_get_string_member(o, "rating"), ==, "abc.def");
  g_assert_cmpstr(json_object_get_string_member(o, "wrap_up"), ==, "wrap.up");
  json_object_unref(o);

  o = parse_built(gw_protocol_build_error(GW_PROTOCOL_ERROR_ROOM_FULL, "vol", "join"), "error");
  g_assert_cmpstr(json_object_get_string_member(o, "code"), ==, "room-full");
  g_assert_cmpstr(json_object_get_string_member(o, "message"), ==, "vol");
  g_assert_cmpstr(json_object_get_string_member(o, "ref"), ==, "join");
  json_object_unref(o);

  o = parse_built(gw_protocol_build_error(GW_PROTOCOL_ERROR_BAD_JSON, "kapot", NULL), "error");
  g_assert_cmpstr(json_object_get_string_member(o, "code"), ==, "bad-json");
  g_assert_false(json_object_has_member(o, "ref"));
  json_object_unref(o);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD("/protocol/parse/join", test_join);
  ADD("/protocol/parse/join-refused", test_join_refused);
  ADD("/protocol/parse/answer", test_answer);
  ADD("/protocol/parse/ice", test_ice);
  ADD("/protocol/parse/screen-mute-hangup", test_screen_mute_hangup);
  ADD("/protocol/parse/chat", test_chat);
  ADD("/protocol/parse/pointer", test_pointer);
  ADD("/protocol/parse/malformed", test_malformed);
  ADD("/protocol/parse/invalid-utf8", test_invalid_utf8);
  ADD("/protocol/parse/too-large", test_too_large);
  ADD("/protocol/parse/deep-nesting", test_deep_nesting);
#undef ADD
  g_test_add_func("/protocol/error-names", test_error_names);
  g_test_add_func("/protocol/build", test_builders);
  return g_test_run();
}
