/* SPDX-License-Identifier: Apache-2.0 */
/* Graceful drain on SIGTERM: no new calls, running calls go on up to server.drain_seconds. */
#include "gateway/drain.h"

/* How often to look whether the last call has ended, and to say how many are left. */
#define DRAIN_POLL_MS 250
#define DRAIN_REPORT_US (10 * G_USEC_PER_SEC)

struct _GwDrain {
  GwServer *server;
  gint64 deadline_us;
  gint64 next_report_us;
  guint timer;
  void (*done)(const char *why, gpointer data);
  gpointer data;
};

static void
drain_finish(GwDrain *drain, const char *why)
{
  g_clear_handle_id(&drain->timer, g_source_remove);
  drain->done(why, drain->data);
}

static gboolean
on_drain_poll(gpointer user_data)
{
  GwDrain *drain = user_data;
  gint64 now = g_get_monotonic_time();
  guint participants = gw_server_get_participant_count(drain->server);

  if (participants == 0) {
    drain->timer = 0;
    drain_finish(drain, "idle");
    return G_SOURCE_REMOVE;
  }
  if (now >= drain->deadline_us) {
    drain->timer = 0;
    g_message("drain time is up with %u rooms (%u participants) still open: ending them",
              gw_server_get_room_count(drain->server), participants);
    drain_finish(drain, "timeout");
    return G_SOURCE_REMOVE;
  }
  if (now >= drain->next_report_us) {
    g_message(
        "draining: %u rooms (%u participants) still open, stopping in at most %" G_GINT64_FORMAT
        " s",
        gw_server_get_room_count(drain->server), participants,
        (drain->deadline_us - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
    drain->next_report_us = now + DRAIN_REPORT_US;
  }
  return G_SOURCE_CONTINUE;
}

GwDrain *
gw_drain_start(GwServer *server, GwReadiness *readiness, guint seconds,
               void (*done)(const char *why, gpointer data), gpointer data)
{
  GwDrain *drain = g_new0(GwDrain, 1);
  gint64 now = g_get_monotonic_time();

  drain->server = server;
  drain->deadline_us = now + (gint64)seconds * G_USEC_PER_SEC;
  drain->next_report_us = now;
  drain->done = done;
  drain->data = data;
  gw_server_set_draining(server, TRUE);
  if (readiness != NULL)
    gw_readiness_set_draining(readiness, TRUE);
  g_message("draining: no new calls; running calls may go on for up to %u s "
            "(a second SIGTERM stops at once)",
            seconds);
  /* Every look comes from the main loop, so @done never runs inside this call. */
  drain->timer = g_timeout_add(DRAIN_POLL_MS, on_drain_poll, drain);
  return drain;
}

void
gw_drain_free(GwDrain *drain)
{
  if (drain == NULL)
    return;
  g_clear_handle_id(&drain->timer, g_source_remove);
  g_free(drain);
}
