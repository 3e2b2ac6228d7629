/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the signaling protocol parser (signaling/protocol.c). */
#include <stdint.h>
#include <string.h>

#include "signaling/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_string(const char *value)
{
  if (value == NULL || !g_utf8_validate(value, -1, NULL))
    __builtin_trap();
}

/* What the parser promises about every message it accepts. */
static void
check_message(const GwConfig *config, const GwMessage *message)
{
  switch (message->type) {
  case GW_MESSAGE_JOIN:
    check_string(message->join.room);
    check_string(message->join.name);
    if (strlen(message->join.room) < 1 || strlen(message->join.room) > GW_PROTOCOL_MAX_ROOM_ID ||
        g_utf8_strlen(message->join.name, -1) > (glong)config->max_name_length)
      __builtin_trap();
    break;
  case GW_MESSAGE_ANSWER:
    check_string(message->answer.sdp);
    if (strlen(message->answer.sdp) > config->max_sdp_length)
      __builtin_trap();
    break;
  case GW_MESSAGE_ICE:
    check_string(message->ice.candidate);
    if (strlen(message->ice.candidate) > GW_PROTOCOL_MAX_CANDIDATE)
      __builtin_trap();
    break;
  case GW_MESSAGE_CHAT: {
    check_string(message->chat.text);
    glong length = g_utf8_strlen(message->chat.text, -1);
    if (length < 1 || length > (glong)config->chat_max_length)
      __builtin_trap();
    /* The relayed chat parses back (as a chat, extra fields ignored) to the same text. */
    g_autofree char *relayed = gw_protocol_build_chat("p0", "n", message->chat.text, 0);
    g_autoptr(GwMessage) again = gw_message_parse(config, relayed, strlen(relayed), NULL, NULL);
    if (strlen(relayed) <= config->ws_max_message &&
        (again == NULL || g_strcmp0(again->chat.text, message->chat.text) != 0))
      __builtin_trap();
    break;
  }
  case GW_MESSAGE_POINTER: {
    check_string(message->pointer.screen);
    const double x = message->pointer.x, y = message->pointer.y;
    if (strlen(message->pointer.screen) < 1 ||
        strlen(message->pointer.screen) > GW_PROTOCOL_MAX_ROOM_ID || !(x >= 0.0 && x <= 1.0) ||
        !(y >= 0.0 && y <= 1.0) || (!message->pointer.show && (x != 0.0 || y != 0.0)))
      __builtin_trap();
    /* The relayed pointer parses back (extra fields ignored) to the same place. */
    g_autofree char *relayed =
        gw_protocol_build_pointer("p0", message->pointer.screen, message->pointer.show, x, y);
    g_autoptr(GwMessage) again = gw_message_parse(config, relayed, strlen(relayed), NULL, NULL);
    if (again == NULL || again->type != GW_MESSAGE_POINTER || again->pointer.x != x ||
        again->pointer.y != y || again->pointer.show != message->pointer.show)
      __builtin_trap();
    break;
  }
  case GW_MESSAGE_SCREEN:
  case GW_MESSAGE_MUTE:
  case GW_MESSAGE_HANGUP:
    break;
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static GwConfig *config;
  g_autoptr(GError) error = NULL;
  g_autofree char *ref = NULL;

  if (config == NULL)
    config = gw_config_new_default();

  g_autoptr(GwMessage) message = gw_message_parse(config, (const char *)data, size, &ref, &error);
  if ((message == NULL) == (error == NULL))
    __builtin_trap();
  if (message != NULL) {
    check_message(config, message);
  } else {
    if (error->domain != GW_PROTOCOL_ERROR)
      __builtin_trap();
    /* The refusal itself must make a valid reply. */
    g_autofree char *reply = gw_protocol_build_error(error->code, error->message, ref);
    check_string(reply);
  }
  return 0;
}
