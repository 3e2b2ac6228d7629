/* SPDX-License-Identifier: Apache-2.0 */
/* /readyz: whether this node should get new calls (not draining, metrics store reachable), and
 * whether TURN answers. */
#include "gateway/readiness.h"

#include <string.h>

/* A probe every few seconds; one that takes longer than the timeout counts as a failure. */
#define READINESS_PROBE_INTERVAL_S 2
#define READINESS_PROBE_TIMEOUT_US (5 * G_USEC_PER_SEC)

typedef enum {
  STORE_CHECKING, /* no probe has answered yet */
  STORE_OK,
  STORE_DOWN,
} StoreState;

/*
 * Reference-counted: a probe in the store's queue holds a reference, because
 * its completion may run after gw_readiness_free() (the store hands results
 * back through the main context even while it closes).
 */
struct _GwReadiness {
  GwServer *server;  /* not owned */
  GwStore *store;    /* not owned; NULL once freed */
  GwTurnWatch *turn; /* not owned, nullable; NULL once freed */
  gboolean draining;
  StoreState store_state;
  gint64 probe_started_us; /* 0: no probe in flight */
  guint timer;
};

static GwReadiness *
readiness_ref(GwReadiness *readiness)
{
  return g_rc_box_acquire(readiness);
}

static void
readiness_unref(gpointer readiness)
{
  g_rc_box_release(readiness);
}

static gboolean
probe_row(const GwStoreValue *columns, guint n_columns, gpointer data)
{
  return TRUE;
}

/* On the store's writer thread, with its database connection. */
static gpointer
probe_store(GwStoreBackend *backend, gpointer data, GError **error)
{
  /* PostgreSQL: a lost connection is only retried when events are waiting; retry it here too. */
  if (backend->klass->reconnect != NULL && !backend->klass->reconnect(backend, error))
    return NULL;
  if (!backend->klass->query(backend, "SELECT 1", NULL, 0, probe_row, NULL, error))
    return NULL;
  return GINT_TO_POINTER(1);
}

static void
set_store_state(GwReadiness *readiness, StoreState state, const GError *error)
{
  if (state == readiness->store_state)
    return;
  if (state == STORE_DOWN)
    g_warning("not ready: the metrics store does not answer: %s",
              error != NULL ? error->message : "probe timed out");
  else if (readiness->store_state == STORE_DOWN)
    g_message("ready again: the metrics store answers");
  readiness->store_state = state;
}

/* On the control thread. */
static void
probe_done(gpointer result, const GError *error, gpointer data)
{
  GwReadiness *readiness = data;

  if (readiness->store == NULL)
    return;
  readiness->probe_started_us = 0;
  set_store_state(readiness, result != NULL ? STORE_OK : STORE_DOWN, error);
}

static gboolean
on_probe_timer(gpointer data)
{
  GwReadiness *readiness = data;

  if (readiness->probe_started_us != 0) {
    /* The writer thread is stuck (a hanging database): say so, keep waiting for it. */
    if (g_get_monotonic_time() - readiness->probe_started_us > READINESS_PROBE_TIMEOUT_US)
      set_store_state(readiness, STORE_DOWN, NULL);
    return G_SOURCE_CONTINUE;
  }
  readiness->probe_started_us = g_get_monotonic_time();
  gw_store_read(readiness->store, probe_store, readiness_ref(readiness), readiness_unref, NULL,
                probe_done);
  return G_SOURCE_CONTINUE;
}

gboolean
gw_readiness_is_ready(GwReadiness *readiness, char **reasons)
{
  g_autoptr(GString) why = g_string_new("[");

  if (readiness->draining)
    g_string_append(why, "\"draining\"");
  if (readiness->store_state != STORE_OK)
    g_string_append_printf(why, "%s\"store\"", why->len > 1 ? "," : "");
  g_string_append_c(why, ']');
  if (reasons != NULL)
    *reasons = g_strdup(why->str);
  return why->len == 2;
}

static const char *
store_state_name(StoreState state)
{
  switch (state) {
  case STORE_CHECKING:
    return "checking";
  case STORE_OK:
    return "ok";
  case STORE_DOWN:
    return "unavailable";
  }
  g_assert_not_reached();
}

static void
handle_readyz(SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
              gpointer user_data)
{
  GwReadiness *readiness = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
  const char *method = soup_server_message_get_method(msg);
  g_autofree char *reasons = NULL;
  char *body;
  gboolean ready;

  soup_message_headers_replace(headers, "Cache-Control", "no-store");
  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
    soup_message_headers_replace(headers, "Allow", "GET, HEAD");
    soup_server_message_set_status(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
    return;
  }
  ready = gw_readiness_is_ready(readiness, &reasons);
  /* TURN is reported, not a reason: see gw_readiness_set_turn_watch(). */
  body = g_strdup_printf(
      "{\"status\":\"%s\",\"reasons\":%s,\"draining\":%s,\"store\":\"%s\",\"turn\":\"%s\","
      "\"rooms\":%u,\"participants\":%u}",
      ready ? "ready" : "not-ready", reasons, readiness->draining ? "true" : "false",
      store_state_name(readiness->store_state),
      gw_turn_state_name(readiness->turn != NULL ? gw_turn_watch_get_state(readiness->turn)
                                                 : GW_TURN_NOT_CONFIGURED),
      gw_server_get_room_count(readiness->server),
      gw_server_get_participant_count(readiness->server));
  soup_server_message_set_status(msg, ready ? SOUP_STATUS_OK : SOUP_STATUS_SERVICE_UNAVAILABLE,
                                 NULL);
  soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_TAKE, body, strlen(body));
}

GwReadiness *
gw_readiness_new(GwServer *server, GwStore *store)
{
  GwReadiness *readiness = g_rc_box_new0(GwReadiness);

  readiness->server = server;
  readiness->store = store;
  readiness->store_state = STORE_CHECKING;
  /* The server holds a reference: it may answer /readyz until it is freed. */
  gw_server_add_handler(server, "/readyz", handle_readyz, readiness_ref(readiness),
                        readiness_unref);
  readiness->timer = g_timeout_add_seconds(READINESS_PROBE_INTERVAL_S, on_probe_timer, readiness);
  on_probe_timer(readiness);
  return readiness;
}

void
gw_readiness_set_draining(GwReadiness *readiness, gboolean draining)
{
  readiness->draining = draining;
}

void
gw_readiness_set_turn_watch(GwReadiness *readiness, GwTurnWatch *turn)
{
  readiness->turn = turn;
}

void
gw_readiness_free(GwReadiness *readiness)
{
  if (readiness == NULL)
    return;
  g_clear_handle_id(&readiness->timer, g_source_remove);
  readiness->store = NULL;
  readiness->turn = NULL;
  readiness->store_state = STORE_DOWN;
  readiness_unref(readiness);
}
