/* SPDX-License-Identifier: Apache-2.0 */
/* A contact event as the store keeps it: an owned copy with its own id, and its JSON form. */
#include "gateway/store-event.h"

#include <string.h>

#include "gateway/store-backend.h"

static const char *const type_names[] = {
    [GW_CONTACT_OFFERED] = "offered",
    [GW_CONTACT_ANSWERED] = "answered",
    [GW_CONTACT_ABANDONED] = "abandoned",
    [GW_CONTACT_ENDED] = "ended",
    [GW_CONTACT_FAILED] = "failed",
    [GW_CONTACT_REJOINED] = "rejoined",
    [GW_CONTACT_SCREEN_STARTED] = "screen_started",
    [GW_CONTACT_SCREEN_STOPPED] = "screen_stopped",
    [GW_CONTACT_QUALITY] = "quality",
    [GW_CONTACT_RATED] = "rated",
    [GW_CONTACT_WRAPPED_UP] = "wrapped_up",
};

/* The string fields, in the order of GwStoreEvent.strings. */
enum {
  S_CONTACT_ID,
  S_CHANNEL,
  S_JOURNEY,
  S_QUEUE,
  S_NODE,
  S_ADVISOR,
  S_CUSTOMER,
  S_REASON,
  S_ENDED_BY,
  S_ATTRS,
  S_COMMENT,
  N_STRINGS,
};

static const char *const string_keys[N_STRINGS] = {
    "contact_id", "channel", "journey",  "queue", "node",    "advisor_ref",
    "customer_ref", "reason", "ended_by", "attrs", "comment",
};

G_STATIC_ASSERT(N_STRINGS <= G_N_ELEMENTS(((GwStoreEvent *)NULL)->strings));

const char *
gw_store_event_type_name(GwContactEventType type)
{
  if ((guint)type >= G_N_ELEMENTS(type_names))
    return NULL;
  return type_names[type];
}

gboolean
gw_store_event_type_from_name(const char *name, GwContactEventType *type)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS(type_names); i++) {
    if (g_str_equal(type_names[i], name)) {
      *type = (GwContactEventType)i;
      return TRUE;
    }
  }
  return FALSE;
}

static const char **
event_string_field(GwContactEvent *event, guint which)
{
  switch (which) {
  case S_CONTACT_ID: return &event->contact_id;
  case S_CHANNEL: return &event->channel;
  case S_JOURNEY: return &event->journey;
  case S_QUEUE: return &event->queue;
  case S_NODE: return &event->node;
  case S_ADVISOR: return &event->advisor_ref;
  case S_CUSTOMER: return &event->customer_ref;
  case S_REASON: return &event->reason;
  case S_ENDED_BY: return &event->ended_by;
  case S_ATTRS: return &event->attrs_json;
  default: return &event->comment;
  }
}

static gboolean
invalid(GError **error, const char *what)
{
  g_set_error(error, GW_STORE_ERROR, GW_STORE_ERROR_INVALID, "contact event: %s", what);
  return FALSE;
}

static gboolean
check_string(guint which, const char *value, GError **error)
{
  gsize max = which == S_ATTRS ? GW_STORE_EVENT_MAX_ATTRS : GW_STORE_EVENT_MAX_FIELD;

  if (value == NULL)
    return TRUE;
  if (!g_utf8_validate(value, -1, NULL))
    return invalid(error, "text is not UTF-8");
  if (which == S_COMMENT)
    return g_utf8_strlen(value, -1) <= GW_STORE_EVENT_MAX_COMMENT ||
           invalid(error, "comment too long");
  if (strlen(value) > max)
    return invalid(error, "field too long");
  if (which == S_ATTRS) {
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonNode *root;

    if (!json_parser_load_from_data(parser, value, -1, NULL) ||
        (root = json_parser_get_root(parser)) == NULL || !JSON_NODE_HOLDS_OBJECT(root))
      return invalid(error, "attrs is not a JSON object");
  }
  return TRUE;
}

static gboolean
check_event(const GwContactEvent *event, GError **error)
{
  if (gw_store_event_type_name(event->type) == NULL)
    return invalid(error, "unknown type");
  if (event->contact_id == NULL || event->contact_id[0] == '\0')
    return invalid(error, "no contact id");
  if (event->time_us <= 0)
    return invalid(error, "no time");
  if (event->wait_ms < -1 || event->handle_ms < -1)
    return invalid(error, "negative duration");
  if (event->type == GW_CONTACT_RATED &&
      (event->nps < -1 || event->nps > 10 || event->csat < -1 || event->csat == 0 ||
       event->csat > 5 || event->ces < -1 || event->ces == 0 || event->ces > 7))
    return invalid(error, "rating out of range");
  return TRUE;
}

GwStoreEvent *
gw_store_event_copy(const GwContactEvent *event, const char *id, GError **error)
{
  g_autoptr(GwStoreEvent) stored = g_new0(GwStoreEvent, 1);
  GwContactEvent copy = *event;

  if (!check_event(event, error))
    return NULL;
  if (copy.channel == NULL)
    copy.channel = "video";
  for (guint i = 0; i < N_STRINGS; i++) {
    const char **field = event_string_field(&copy, i);

    if (!check_string(i, *field, error))
      return NULL;
    stored->strings[i] = g_strdup(*field);
    *field = stored->strings[i];
  }
  if (copy.type != GW_CONTACT_RATED) {
    copy.nps = copy.csat = copy.ces = -1;
    copy.comment = NULL;
  }
  stored->event = copy;
  stored->id = id != NULL ? g_strdup(id) : g_uuid_string_random();
  return g_steal_pointer(&stored);
}

void
gw_store_event_free(GwStoreEvent *stored)
{
  if (stored == NULL)
    return;
  g_free(stored->id);
  for (guint i = 0; i < G_N_ELEMENTS(stored->strings); i++)
    g_free(stored->strings[i]);
  g_free(stored);
}

char *
gw_store_event_to_json(const GwStoreEvent *stored)
{
  g_autoptr(JsonBuilder) builder = json_builder_new();
  g_autoptr(JsonNode) root = NULL;
  GwContactEvent copy = stored->event;

  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "id");
  json_builder_add_string_value(builder, stored->id);
  json_builder_set_member_name(builder, "type");
  json_builder_add_string_value(builder, gw_store_event_type_name(copy.type));
  json_builder_set_member_name(builder, "time_us");
  json_builder_add_int_value(builder, copy.time_us);
  for (guint i = 0; i < N_STRINGS; i++) {
    const char *value = *event_string_field(&copy, i);

    if (value == NULL)
      continue;
    json_builder_set_member_name(builder, string_keys[i]);
    json_builder_add_string_value(builder, value);
  }
  json_builder_set_member_name(builder, "wait_ms");
  json_builder_add_int_value(builder, copy.wait_ms);
  json_builder_set_member_name(builder, "handle_ms");
  json_builder_add_int_value(builder, copy.handle_ms);
  json_builder_set_member_name(builder, "nps");
  json_builder_add_int_value(builder, copy.nps);
  json_builder_set_member_name(builder, "csat");
  json_builder_add_int_value(builder, copy.csat);
  json_builder_set_member_name(builder, "ces");
  json_builder_add_int_value(builder, copy.ces);
  json_builder_end_object(builder);
  root = json_builder_get_root(builder);
  return json_to_string(root, FALSE);
}

static gint64
member_int(JsonObject *object, const char *name, gint64 fallback)
{
  JsonNode *node = json_object_get_member(object, name);

  if (node == NULL || json_node_get_value_type(node) != G_TYPE_INT64)
    return fallback;
  return json_node_get_int(node);
}

static const char *
member_string(JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member(object, name);

  if (node == NULL || json_node_get_value_type(node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string(node);
}

GwStoreEvent *
gw_store_event_from_json(const char *text, gsize length, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  GwContactEvent event = {0};
  JsonObject *object;
  JsonNode *root;
  const char *id;

  if (length > 2 * GW_STORE_EVENT_MAX_ATTRS + 16 * GW_STORE_EVENT_MAX_FIELD)
    return invalid(error, "line too long"), NULL;
  if (!json_parser_load_from_data(parser, text, (gssize)length, NULL) ||
      (root = json_parser_get_root(parser)) == NULL || !JSON_NODE_HOLDS_OBJECT(root))
    return invalid(error, "not a JSON object"), NULL;
  object = json_node_get_object(root);
  id = member_string(object, "id");
  if (id == NULL || id[0] == '\0' || strlen(id) > GW_STORE_EVENT_MAX_FIELD)
    return invalid(error, "no id"), NULL;
  if (!gw_store_event_type_from_name(member_string(object, "type"), &event.type))
    return invalid(error, "unknown type"), NULL;
  event.time_us = member_int(object, "time_us", 0);
  for (guint i = 0; i < N_STRINGS; i++)
    *event_string_field(&event, i) = member_string(object, string_keys[i]);
  event.wait_ms = member_int(object, "wait_ms", -1);
  event.handle_ms = member_int(object, "handle_ms", -1);
  event.nps = (gint)CLAMP(member_int(object, "nps", -1), -100, 100);
  event.csat = (gint)CLAMP(member_int(object, "csat", -1), -100, 100);
  event.ces = (gint)CLAMP(member_int(object, "ces", -1), -100, 100);
  return gw_store_event_copy(&event, id, error);
}
