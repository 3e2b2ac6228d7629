/* SPDX-License-Identifier: Apache-2.0 */
/* Walk-in queues: customers waiting for the next free advisor of a queue, their positions and
 * estimated waits, and an advisor accepting the next one into a room. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "config/config.h"
#include "signaling/cluster-share.h"
#include "signaling/contact.h"
#include "signaling/session.h"

G_BEGIN_DECLS

#define GW_QUEUE_ERROR (gw_queue_error_quark())
GQuark gw_queue_error_quark(void);

typedef enum {
  GW_QUEUE_ERROR_UNKNOWN, /* no queue of that name is configured */
  GW_QUEUE_ERROR_EMPTY,   /* nobody waits */
  GW_QUEUE_ERROR_NOT_WAITING, /* the chosen customer is not (or no longer) waiting there */
  GW_QUEUE_ERROR_NOT_AVAILABLE, /* shared queues: the advisor is not available (any more) */
  GW_QUEUE_ERROR_UNAVAILABLE,   /* shared queues: the shared store does not answer */
} GwQueueError;

/* Per queue; past it a new customer is refused with `capacity` (rooms are capped too). */
#define GW_QUEUE_MAX_WAITING 200
/* How long an accepted room waits for its advisor and customer before it is closed. */
#define GW_QUEUE_ACCEPT_GRACE_SECONDS 60
/* The estimate per position until there are accepts to learn from. */
#define GW_QUEUE_DEFAULT_SERVICE_SECONDS 120

typedef struct _GwQueues GwQueues;

/**
 * gw_queues_new:
 * @config: (transfer none): a reference is kept; its queue_names and opening_hours
 *   (already validated) define the queues
 * @directory: (transfer none): where waiting customers' rooms live; must outlive the queues
 * Returns: (transfer full)
 */
GwQueues *gw_queues_new(GwConfig *config, GwRoomDirectory *directory);

/**
 * gw_queues_free:
 * Ends every waiting session (close code 1001) without abandoning its contact
 * (freeing the rooms afterwards does that, reason "shutdown"). Call before the
 * room directory is freed.
 */
void gw_queues_free(GwQueues *queues);

/** gw_queues_has: whether @name is a configured queue. */
gboolean gw_queues_has(GwQueues *queues, const char *name);

/** gw_queues_is_open: whether the desk is open at @now (local time). */
gboolean gw_queues_is_open(GwQueues *queues, GDateTime *now);

/** gw_queues_next_opening: Returns: (transfer full) (nullable): when the desk opens next */
GDateTime *gw_queues_next_opening(GwQueues *queues, GDateTime *now);

/**
 * gw_queues_enqueue:
 * @session: (transfer none): waits until accepted or gone; it must call
 *   gw_queues_leave() when it closes
 * @room_id: the waiting ticket's contact id (a `q-` link room); no room of that id may exist
 * @info: what the contact is about; info->queue names the queue
 *
 * Opens the customer's room (empty until accepted), offers its contact, puts
 * the session at the back of the queue and tells everyone waiting in it their
 * position (`queue` messages).
 * Returns: FALSE with @error in GW_PROTOCOL_ERROR (bad-field, capacity)
 */
gboolean gw_queues_enqueue(GwQueues *queues, GwSession *session, const char *room_id,
                           const GwContactInfo *info, GError **error);

/** gw_queues_is_waiting: whether the customer of @room_id still waits (not accepted yet). */
gboolean gw_queues_is_waiting(GwQueues *queues, const char *room_id);

/**
 * gw_queues_leave:
 * @session left. If it still waited, its contact is abandoned and its room
 * closed, and the others move up. Otherwise (accepted already) nothing happens.
 */
void gw_queues_leave(GwQueues *queues, GwSession *session);

/**
 * gw_queues_accept_next:
 * Takes the longest-waiting customer of @queue: tells it `queue` with state
 * "accepted" (its page then joins the room) and the others their new
 * positions. The room stays open GW_QUEUE_ACCEPT_GRACE_SECONDS for both to arrive.
 * @waited_s: (out) (optional): how long the customer waited
 * Returns: (transfer full) (nullable): the room id, or NULL with @error in GW_QUEUE_ERROR
 */
char *gw_queues_accept_next(GwQueues *queues, const char *queue, gint64 *waited_s, GError **error);

/**
 * gw_queues_accept:
 * @chosen: (nullable): the waiting customer to take (its `q-…` room, as listed
 *   by gw_queues_build_list()); NULL takes the longest-waiting one
 *
 * As gw_queues_accept_next(), for a chosen customer; GW_QUEUE_ERROR_NOT_WAITING
 * when @chosen does not wait in @queue.
 */
char *gw_queues_accept(GwQueues *queues, const char *queue, const char *chosen,
                       gint64 *waited_s, GError **error);

/**
 * gw_queues_build_list:
 * Adds to @builder (inside an array) one object per queue:
 * {"name", "open", "waiting": [{"contact", "position", "waited_s"}], "estimated_wait_s"}.
 */
void gw_queues_build_list(GwQueues *queues, JsonBuilder *builder);

/**
 * gw_queues_set_share:
 * Several nodes: every node's waiting customers are also in the shared store
 * (@share is copied); lists and positions count all of them, and an advisor
 * on any node takes the longest-waiting one (gw_queues_accept_shared()).
 */
void gw_queues_set_share(GwQueues *queues, const GwQueueShare *share);

/** gw_queues_is_shared: whether gw_queues_set_share() was called. */
gboolean gw_queues_is_shared(GwQueues *queues);

/**
 * gw_queues_apply_shared:
 * @rows: (transfer none): GwQueueRow of every node, longest waiting first: the
 *   waiting ones, and this node's claimed ones
 * @store_now_us: the shared store's clock when @rows were read
 * A fresh snapshot from the shared store: this node's customers that an
 * advisor claimed are told (as gw_queues_accept() does), the others hear
 * their new positions.
 */
void gw_queues_apply_shared(GwQueues *queues, GPtrArray *rows, gint64 store_now_us);

/* @room: (nullable): the taken customer's room, NULL with @error (GW_QUEUE_ERROR) */
typedef void (*GwQueuesAccepted)(const char *room, gint64 waited_s, const GError *error,
                                 gpointer data);

/**
 * gw_queues_accept_shared:
 * As gw_queues_accept() across nodes, for the advisor of login session
 * @session_id: claims the customer in the shared store and makes the advisor
 * busy there in one transaction; @done runs once the customer's node has told
 * the customer (GW_QUEUE_ERROR_EMPTY when nobody or not @chosen waits,
 * _NOT_AVAILABLE, _UNAVAILABLE).
 */
void gw_queues_accept_shared(GwQueues *queues, const char *name, const char *chosen,
                             const char *session_id, GwQueuesAccepted done, gpointer data);

G_END_DECLS
