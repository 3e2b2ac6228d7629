/* SPDX-License-Identifier: Apache-2.0 */
/* Walk-in queues: customers waiting for the next free advisor of a queue, their positions and
 * estimated waits, and an advisor accepting the next one into a room. */
#include "signaling/queue.h"

#include "config/opening-hours.h"
#include "signaling/protocol.h"
#include "signaling/room-directory.h"
#include "signaling/room.h"
#include "signaling/signaling-log.h"

/* clang-format off */
G_DEFINE_QUARK(gw-queue-error-quark, gw_queue_error)
G_DEFINE_QUARK(gw-cluster-error-quark, gw_cluster_error)
/* clang-format on */

/* A customer waiting here this long but missing from the shared store is put there again. */
#define SHARED_REPUT_US (5 * G_USEC_PER_SEC)
/* Accepts remembered per queue for the estimate. */
#define RECENT_ACCEPTS 9
#define MIN_SERVICE_SECONDS 10
#define MAX_SERVICE_SECONDS 3600

typedef struct {
  GwSession *session; /* not owned: it calls gw_queues_leave() when it closes */
  char *room_id;
  gint64 enqueued_us; /* monotonic */
  guint announced;    /* shared queues: the position last sent, 0 before */
} Entry;

typedef struct {
  char *name;
  GQueue waiting;         /* Entry, longest waiting first */
  GQueue accept_times_us; /* gint64 *, monotonic, oldest first */
} Queue;

struct _GwQueues {
  GwConfig *config;
  GwRoomDirectory *directory; /* not owned */
  GwOpeningHours *hours;      /* NULL: always open */
  GPtrArray *queues;          /* Queue, in config order */
  GHashTable *accepted;       /* room id (owned) → grace timeout source id */
  /* Several nodes (gw_queues_set_share()): the waiting entries of every node. */
  GwQueueShare share;    /* share.put == NULL: this node's queues only */
  GPtrArray *rows;       /* GwQueueRow, longest waiting first: the last snapshot */
  gint64 rows_store_us;  /* the shared store's clock when it was taken */
  gint64 rows_local_us;  /* and this node's monotonic clock then */
};

typedef struct {
  GwQueues *queues;
  char *room_id;
} Grace;

static void
entry_free(Entry *entry)
{
  g_free(entry->room_id);
  g_free(entry);
}

static void
queue_free(Queue *queue)
{
  g_queue_clear_full(&queue->waiting, (GDestroyNotify)entry_free);
  g_queue_clear_full(&queue->accept_times_us, g_free);
  g_free(queue->name);
  g_free(queue);
}

GwQueues *
gw_queues_new(GwConfig *config, GwRoomDirectory *directory)
{
  GwQueues *queues = g_new0(GwQueues, 1);

  queues->config = gw_config_ref(config);
  queues->directory = directory;
  /* Validated when the config was loaded; a NULL here means always open. */
  if (config->opening_hours != NULL)
    queues->hours = gw_opening_hours_parse(config->opening_hours, NULL);
  queues->queues = g_ptr_array_new_with_free_func((GDestroyNotify)queue_free);
  for (guint i = 0; config->queue_names != NULL && config->queue_names[i] != NULL; i++) {
    Queue *queue = g_new0(Queue, 1);
    queue->name = g_strdup(config->queue_names[i]);
    g_ptr_array_add(queues->queues, queue);
  }
  queues->accepted = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  return queues;
}

void
gw_queues_free(GwQueues *queues)
{
  GHashTableIter iter;
  gpointer source;

  if (queues == NULL)
    return;
  g_hash_table_iter_init(&iter, queues->accepted);
  while (g_hash_table_iter_next(&iter, NULL, &source))
    g_source_remove(GPOINTER_TO_UINT(source));
  g_hash_table_destroy(queues->accepted);
  g_clear_pointer(&queues->rows, g_ptr_array_unref);
  for (guint i = 0; i < queues->queues->len; i++) {
    Queue *queue = g_ptr_array_index(queues->queues, i);
    for (GList *l = queue->waiting.head; l != NULL; l = l->next)
      gw_session_end(((Entry *)l->data)->session, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
                     "gateway stopping");
  }
  g_ptr_array_unref(queues->queues);
  g_clear_pointer(&queues->hours, gw_opening_hours_free);
  gw_config_unref(queues->config);
  g_free(queues);
}

static Queue *
find_queue(GwQueues *queues, const char *name)
{
  for (guint i = 0; name != NULL && i < queues->queues->len; i++) {
    Queue *queue = g_ptr_array_index(queues->queues, i);
    if (g_str_equal(queue->name, name))
      return queue;
  }
  return NULL;
}

gboolean
gw_queues_has(GwQueues *queues, const char *name)
{
  return find_queue(queues, name) != NULL;
}

gboolean
gw_queues_is_open(GwQueues *queues, GDateTime *now)
{
  return queues->hours == NULL || gw_opening_hours_is_open(queues->hours, now);
}

GDateTime *
gw_queues_next_opening(GwQueues *queues, GDateTime *now)
{
  if (queues->hours == NULL)
    return NULL;
  return gw_opening_hours_next_opening(queues->hours, now);
}

/*
 * Seconds per position: the mean gap between the queue's recent accepts
 * (how fast advisors take customers), clamped, or a default before there are two.
 */
static gint64
service_seconds(Queue *queue)
{
  guint n = g_queue_get_length(&queue->accept_times_us);

  if (n < 2)
    return GW_QUEUE_DEFAULT_SERVICE_SECONDS;
  gint64 first = *(gint64 *)g_queue_peek_head(&queue->accept_times_us);
  gint64 last = *(gint64 *)g_queue_peek_tail(&queue->accept_times_us);
  gint64 mean = (last - first) / G_USEC_PER_SEC / (n - 1);
  return CLAMP(mean, MIN_SERVICE_SECONDS, MAX_SERVICE_SECONDS);
}

static char *
build_queue_message(const char *state, const char *queue, guint position, gint64 estimate_s,
                    const char *room)
{
  g_autoptr(JsonBuilder) builder = json_builder_new();

  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "type");
  json_builder_add_string_value(builder, "queue");
  json_builder_set_member_name(builder, "state");
  json_builder_add_string_value(builder, state);
  json_builder_set_member_name(builder, "queue");
  json_builder_add_string_value(builder, queue);
  json_builder_set_member_name(builder, "position");
  json_builder_add_int_value(builder, position);
  json_builder_set_member_name(builder, "estimated_wait_s");
  json_builder_add_int_value(builder, estimate_s);
  if (room != NULL) {
    json_builder_set_member_name(builder, "room");
    json_builder_add_string_value(builder, room);
  }
  json_builder_end_object(builder);
  g_autoptr(JsonNode) root = json_builder_get_root(builder);
  return json_to_string(root, FALSE);
}

/*
 * Shared queues: @entry's place among the customers of every node still
 * waiting in @queue (one not in the snapshot yet is behind all of them).
 */
static guint
shared_position(GwQueues *queues, Queue *queue, Entry *entry)
{
  guint position = 1;

  for (guint i = 0; queues->rows != NULL && i < queues->rows->len; i++) {
    GwQueueRow *row = g_ptr_array_index(queues->rows, i);
    if (g_str_equal(row->room, entry->room_id))
      return position;
    if (!row->accepted && g_str_equal(row->queue, queue->name))
      position++;
  }
  return position;
}

/* Tells everyone waiting in @queue where they stand (shared queues: those whose place changed). */
static void
announce_positions(GwQueues *queues, Queue *queue)
{
  gint64 per_position = service_seconds(queue);
  guint position = 1;

  for (GList *l = queue->waiting.head; l != NULL; l = l->next, position++) {
    Entry *entry = l->data;
    guint place = queues->share.put != NULL ? shared_position(queues, queue, entry) : position;
    if (queues->share.put != NULL && place == entry->announced)
      continue;
    entry->announced = place;
    g_autofree char *json =
        build_queue_message("waiting", queue->name, place, place * per_position, NULL);
    gw_session_send(entry->session, json);
  }
}

gboolean
gw_queues_enqueue(GwQueues *queues, GwSession *session, const char *room_id,
                  const GwContactInfo *info, GError **error)
{
  Queue *queue = find_queue(queues, info->queue);

  if (queue == NULL) {
    g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_BAD_FIELD,
                        "this queue does not exist (any more)");
    return FALSE;
  }
  if (g_queue_get_length(&queue->waiting) >= GW_QUEUE_MAX_WAITING) {
    g_set_error_literal(error, GW_PROTOCOL_ERROR, GW_PROTOCOL_ERROR_CAPACITY,
                        "this queue is full; try again later");
    return FALSE;
  }
  GwRoom *room = gw_room_directory_create(queues->directory, room_id, info, error);
  if (room == NULL)
    return FALSE;
  /* The customer waits from now: the wait the answer reports includes the queue. */
  gw_contact_offer(gw_room_get_contact(room));

  Entry *entry = g_new0(Entry, 1);
  entry->session = session;
  entry->room_id = g_strdup(room_id);
  entry->enqueued_us = g_get_monotonic_time();
  g_queue_push_tail(&queue->waiting, entry);
  gw_signaling_log(G_LOG_LEVEL_INFO, room_id, gw_session_get_peer_id(session),
                   "waiting in queue %s (%u waiting)", queue->name,
                   g_queue_get_length(&queue->waiting));
  if (queues->share.put != NULL)
    queues->share.put(queues->share.data, room_id, queue->name);
  announce_positions(queues, queue);
  return TRUE;
}

/* The queue and link of @room_id's waiting entry, or FALSE. */
static gboolean
find_entry(GwQueues *queues, const char *room_id, GwSession *session, Queue **queue_out,
           GList **link_out)
{
  for (guint i = 0; i < queues->queues->len; i++) {
    Queue *queue = g_ptr_array_index(queues->queues, i);
    for (GList *l = queue->waiting.head; l != NULL; l = l->next) {
      Entry *entry = l->data;
      if ((room_id != NULL && g_str_equal(entry->room_id, room_id)) || entry->session == session) {
        *queue_out = queue;
        *link_out = l;
        return TRUE;
      }
    }
  }
  return FALSE;
}

gboolean
gw_queues_is_waiting(GwQueues *queues, const char *room_id)
{
  Queue *queue;
  GList *link;

  return find_entry(queues, room_id, NULL, &queue, &link);
}

void
gw_queues_leave(GwQueues *queues, GwSession *session)
{
  Queue *queue;
  GList *link;

  if (!find_entry(queues, NULL, session, &queue, &link))
    return;
  Entry *entry = link->data;
  g_queue_delete_link(&queue->waiting, link);
  GwRoom *room = gw_room_directory_lookup(queues->directory, entry->room_id);
  if (room != NULL) {
    gw_contact_abandon(gw_room_get_contact(room));
    gw_room_directory_remove(queues->directory, room);
  }
  gw_signaling_log(G_LOG_LEVEL_INFO, entry->room_id, gw_session_get_peer_id(session),
                   "left queue %s before an answer", queue->name);
  if (queues->share.remove != NULL)
    queues->share.remove(queues->share.data, entry->room_id, TRUE);
  entry_free(entry);
  announce_positions(queues, queue);
}

/* An accepted room nobody came to closes; one in use is left to its sessions. */
static gboolean
on_accept_grace_over(gpointer user_data)
{
  Grace *grace = user_data;
  GwRoom *room = gw_room_directory_lookup(grace->queues->directory, grace->room_id);

  if (room != NULL && gw_room_get_size(room) == 0) {
    gw_signaling_log(G_LOG_LEVEL_INFO, grace->room_id, NULL,
                     "accepted room closed: nobody came within %d s",
                     GW_QUEUE_ACCEPT_GRACE_SECONDS);
    gw_room_directory_remove(grace->queues->directory, room);
  }
  g_hash_table_remove(grace->queues->accepted, grace->room_id);
  return G_SOURCE_REMOVE;
}

static void
grace_free(gpointer data)
{
  Grace *grace = data;

  g_free(grace->room_id);
  g_free(grace);
}

static char *take_entry(GwQueues *queues, Queue *queue, Entry *entry, gint64 *waited_s);

char *
gw_queues_accept_next(GwQueues *queues, const char *name, gint64 *waited_s, GError **error)
{
  return gw_queues_accept(queues, name, NULL, waited_s, error);
}

char *
gw_queues_accept(GwQueues *queues, const char *name, const char *chosen, gint64 *waited_s,
                 GError **error)
{
  Queue *queue = find_queue(queues, name);

  if (queue == NULL) {
    g_set_error_literal(error, GW_QUEUE_ERROR, GW_QUEUE_ERROR_UNKNOWN, "no such queue");
    return NULL;
  }
  Entry *entry = NULL;
  if (chosen == NULL) {
    entry = g_queue_pop_head(&queue->waiting);
  } else {
    for (GList *l = queue->waiting.head; l != NULL; l = l->next) {
      Entry *candidate = l->data;
      if (g_str_equal(candidate->room_id, chosen)) {
        entry = candidate;
        g_queue_delete_link(&queue->waiting, l);
        break;
      }
    }
    if (entry == NULL) {
      g_set_error_literal(error, GW_QUEUE_ERROR, GW_QUEUE_ERROR_NOT_WAITING,
                          "that customer is not waiting in this queue (any more)");
      return NULL;
    }
  }
  if (entry == NULL) {
    g_set_error_literal(error, GW_QUEUE_ERROR, GW_QUEUE_ERROR_EMPTY, "nobody is waiting");
    return NULL;
  }
  return take_entry(queues, queue, entry, waited_s);
}

/*
 * @entry (already out of @queue's list) is taken: tells the customer, keeps
 * the room open for both to arrive, tells the others their new positions.
 * Returns: (transfer full): the room id; @entry is freed
 */
static char *
take_entry(GwQueues *queues, Queue *queue, Entry *entry, gint64 *waited_s)
{
  gint64 now_us = g_get_monotonic_time();

  g_queue_push_tail(&queue->accept_times_us, g_memdup2(&now_us, sizeof now_us));
  if (g_queue_get_length(&queue->accept_times_us) > RECENT_ACCEPTS)
    g_free(g_queue_pop_head(&queue->accept_times_us));
  if (waited_s != NULL)
    *waited_s = (now_us - entry->enqueued_us) / G_USEC_PER_SEC;

  g_autofree char *json = build_queue_message("accepted", queue->name, 0, 0, entry->room_id);
  gw_session_send(entry->session, json);
  Grace *grace = g_new0(Grace, 1);
  grace->queues = queues;
  grace->room_id = g_strdup(entry->room_id);
  guint source = g_timeout_add_seconds_full(G_PRIORITY_DEFAULT, GW_QUEUE_ACCEPT_GRACE_SECONDS,
                                            on_accept_grace_over, grace, grace_free);
  g_hash_table_replace(queues->accepted, g_strdup(entry->room_id), GUINT_TO_POINTER(source));
  gw_signaling_log(G_LOG_LEVEL_INFO, entry->room_id, gw_session_get_peer_id(entry->session),
                   "accepted from queue %s", queue->name);
  char *room_id = g_steal_pointer(&entry->room_id);
  entry_free(entry);
  announce_positions(queues, queue);
  return room_id;
}

/* Customers waiting in @queue: on every node when shared, else on this one. */
static guint
count_waiting(GwQueues *queues, Queue *queue)
{
  guint n = 0;

  if (queues->share.put == NULL)
    return g_queue_get_length(&queue->waiting);
  for (guint i = 0; queues->rows != NULL && i < queues->rows->len; i++) {
    GwQueueRow *row = g_ptr_array_index(queues->rows, i);
    n += !row->accepted && g_str_equal(row->queue, queue->name);
  }
  return n;
}

/* The "waiting" array of @queue from the snapshot of every node's customers. */
static void
build_shared_waiting(GwQueues *queues, Queue *queue, JsonBuilder *builder)
{
  gint64 store_now_us = queues->rows_store_us + (g_get_monotonic_time() - queues->rows_local_us);
  guint position = 1;

  for (guint i = 0; queues->rows != NULL && i < queues->rows->len; i++) {
    GwQueueRow *row = g_ptr_array_index(queues->rows, i);
    if (row->accepted || !g_str_equal(row->queue, queue->name))
      continue;
    json_builder_begin_object(builder);
    json_builder_set_member_name(builder, "contact");
    json_builder_add_string_value(builder, row->room);
    json_builder_set_member_name(builder, "position");
    json_builder_add_int_value(builder, position++);
    json_builder_set_member_name(builder, "waited_s");
    json_builder_add_int_value(builder, MAX(store_now_us - row->enqueued_us, 0) / G_USEC_PER_SEC);
    json_builder_set_member_name(builder, "node");
    json_builder_add_string_value(builder, row->node);
    json_builder_end_object(builder);
  }
}

void
gw_queues_build_list(GwQueues *queues, JsonBuilder *builder)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  gint64 now_us = g_get_monotonic_time();
  gboolean open = gw_queues_is_open(queues, now);

  for (guint i = 0; i < queues->queues->len; i++) {
    Queue *queue = g_ptr_array_index(queues->queues, i);
    guint position = 1;

    json_builder_begin_object(builder);
    json_builder_set_member_name(builder, "name");
    json_builder_add_string_value(builder, queue->name);
    json_builder_set_member_name(builder, "open");
    json_builder_add_boolean_value(builder, open);
    json_builder_set_member_name(builder, "estimated_wait_s");
    json_builder_add_int_value(builder, (gint64)(count_waiting(queues, queue) + 1) *
                                            service_seconds(queue));
    json_builder_set_member_name(builder, "waiting");
    json_builder_begin_array(builder);
    if (queues->share.put != NULL) {
      build_shared_waiting(queues, queue, builder);
      json_builder_end_array(builder);
      json_builder_end_object(builder);
      continue;
    }
    for (GList *l = queue->waiting.head; l != NULL; l = l->next, position++) {
      Entry *entry = l->data;
      json_builder_begin_object(builder);
      json_builder_set_member_name(builder, "contact");
      json_builder_add_string_value(builder, entry->room_id);
      json_builder_set_member_name(builder, "position");
      json_builder_add_int_value(builder, position);
      json_builder_set_member_name(builder, "waited_s");
      json_builder_add_int_value(builder, (now_us - entry->enqueued_us) / G_USEC_PER_SEC);
      json_builder_end_object(builder);
    }
    json_builder_end_array(builder);
    json_builder_end_object(builder);
  }
}

void
gw_queue_row_free(GwQueueRow *row)
{
  if (row == NULL)
    return;
  g_free(row->room);
  g_free(row->queue);
  g_free(row->node);
  g_free(row);
}

void
gw_queues_set_share(GwQueues *queues, const GwQueueShare *share)
{
  queues->share = *share;
}

gboolean
gw_queues_is_shared(GwQueues *queues)
{
  return queues->share.put != NULL;
}

/* The snapshot's row of @room, or NULL. */
static GwQueueRow *
find_row(GwQueues *queues, const char *room)
{
  for (guint i = 0; queues->rows != NULL && i < queues->rows->len; i++) {
    GwQueueRow *row = g_ptr_array_index(queues->rows, i);
    if (g_str_equal(row->room, room))
      return row;
  }
  return NULL;
}

void
gw_queues_apply_shared(GwQueues *queues, GPtrArray *rows, gint64 store_now_us)
{
  g_clear_pointer(&queues->rows, g_ptr_array_unref);
  queues->rows = g_ptr_array_ref(rows);
  queues->rows_store_us = store_now_us;
  queues->rows_local_us = g_get_monotonic_time();
  for (guint i = 0; i < queues->queues->len; i++) {
    Queue *queue = g_ptr_array_index(queues->queues, i);
    GList *l = queue->waiting.head;

    /* An advisor (on any node) claimed one of ours: tell the customer, then drop the row. */
    while (l != NULL) {
      GList *next = l->next;
      Entry *entry = l->data;
      GwQueueRow *row = find_row(queues, entry->room_id);
      if (row != NULL && row->accepted) {
        g_queue_delete_link(&queue->waiting, l);
        g_autofree char *room = take_entry(queues, queue, entry, NULL);
        queues->share.remove(queues->share.data, room, FALSE);
      } else if (row == NULL && g_get_monotonic_time() - entry->enqueued_us > SHARED_REPUT_US) {
        /* Still waiting here but not in the store: its row was never written (the store
         * was away) or a claim gave up on this node (too slow to answer). */
        queues->share.put(queues->share.data, entry->room_id, queue->name);
      }
      l = next;
    }
    announce_positions(queues, queue);
  }
}

typedef struct {
  GwQueuesAccepted done;
  gpointer data;
} Claim;

static void
on_claimed(const char *room, gint64 waited_s, const GError *error, gpointer data)
{
  Claim *claim = data;
  g_autoptr(GError) queue_error = NULL;

  if (room == NULL) {
    if (g_error_matches(error, GW_CLUSTER_ERROR, GW_CLUSTER_ERROR_EMPTY))
      queue_error = g_error_new_literal(GW_QUEUE_ERROR, GW_QUEUE_ERROR_EMPTY, error->message);
    else if (g_error_matches(error, GW_CLUSTER_ERROR, GW_CLUSTER_ERROR_NOT_AVAILABLE))
      queue_error = g_error_new_literal(GW_QUEUE_ERROR, GW_QUEUE_ERROR_NOT_AVAILABLE, error->message);
    else
      queue_error = g_error_new_literal(GW_QUEUE_ERROR, GW_QUEUE_ERROR_UNAVAILABLE,
                                        error != NULL ? error->message : "no answer");
  }
  claim->done(room, waited_s, queue_error, claim->data);
  g_free(claim);
}

void
gw_queues_accept_shared(GwQueues *queues, const char *name, const char *chosen,
                        const char *session_id, GwQueuesAccepted done, gpointer data)
{
  Claim *claim = g_new0(Claim, 1);

  claim->done = done;
  claim->data = data;
  queues->share.claim(queues->share.data, name, chosen, session_id, on_claimed, claim);
}
