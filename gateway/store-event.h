/* SPDX-License-Identifier: Apache-2.0 */
/* A contact event as the store keeps it: an owned copy with its own id, and its JSON form. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "signaling/contact-sink.h"

G_BEGIN_DECLS

/* Longest text field and attrs_json accepted from signaling; longer is refused, not cut. */
#define GW_STORE_EVENT_MAX_FIELD 256
#define GW_STORE_EVENT_MAX_ATTRS 4096
#define GW_STORE_EVENT_MAX_COMMENT 1000

/*
 * @event's strings point into this struct's own copies. @id is made at
 * record time (a UUID) and is the contact_event primary key, so a replay
 * (from the disk queue, after a crash) is recognised and not counted twice.
 */
typedef struct {
  char *id;
  GwContactEvent event;
  char *strings[12]; /* the owned copies @event points to */
} GwStoreEvent;

/** gw_store_event_type_name: "offered", "answered", ... (static). */
const char *gw_store_event_type_name(GwContactEventType type);

/** gw_store_event_type_from_name: FALSE for an unknown name. */
gboolean gw_store_event_type_from_name(const char *name, GwContactEventType *type);

/**
 * gw_store_event_copy:
 * Checks @event against the limits and the ranges in contact-sink.h.
 * @id: (nullable): NULL makes a new UUID
 * Returns: (transfer full) (nullable): NULL with GW_STORE_ERROR_INVALID
 */
GwStoreEvent *gw_store_event_copy(const GwContactEvent *event, const char *id, GError **error);

void gw_store_event_free(GwStoreEvent *stored);

/** gw_store_event_to_json: Returns: (transfer full): one line of JSON, no newline. */
char *gw_store_event_to_json(const GwStoreEvent *stored);

/**
 * gw_store_event_from_json: the inverse (the disk queue's reader; does no I/O).
 * Returns: (transfer full) (nullable)
 */
GwStoreEvent *gw_store_event_from_json(const char *text, gsize length, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GwStoreEvent, gw_store_event_free)

G_END_DECLS
