/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test driver for test-store-crash.sh: records a burst of contact events into
 * the real store and prints "ack SEQ" (flushed) for each acknowledged one, so
 * the script can kill -9 it mid-burst and check every acknowledged event.
 * With PACE_MS, 20 events go out every PACE_MS instead of as fast as
 * possible (test-store-pg-outage.sh stops PostgreSQL in the middle). With
 * BALIE_TEST_PG_CONNINFO set, the store is that PostgreSQL (disk queue in
 * DATA_DIR/metrics-queue.jsonl); "spooled N" lines report the disk queue.
 * Usage: store-burst DATA_DIR CONTACTS [PACE_MS]
 */
#include <stdio.h>
#include <stdlib.h>

#include "gateway/store.h"

/* Each contact: offered, answered, screen share stopped (1000 ms), ended. */
#define EVENTS_PER_CONTACT 4

typedef struct {
  GwStore *store;
  guint contacts;
  guint next;
  guint acked;
  guint total;
} Burst;

static void
on_recorded(const GError *error, gpointer data)
{
  guint seq = GPOINTER_TO_UINT(data);

  if (error != NULL) {
    printf("error %u %s\n", seq, error->message);
  } else {
    printf("ack %u\n", seq);
  }
  fflush(stdout);
}

static gboolean
push_some(gpointer data)
{
  static const GwContactEventType types[EVENTS_PER_CONTACT] = {
      GW_CONTACT_OFFERED, GW_CONTACT_ANSWERED, GW_CONTACT_SCREEN_STOPPED, GW_CONTACT_ENDED};
  Burst *burst = data;

  for (guint i = 0; i < 20 && burst->next < burst->total; i++, burst->next++) {
    guint seq = burst->next;
    g_autofree char *id = g_strdup_printf("c%u", seq / EVENTS_PER_CONTACT);
    g_autofree char *attrs = g_strdup_printf("{\"seq\":%u,\"ms\":1000}", seq);
    GwContactEvent e = {0};

    e.type = types[seq % EVENTS_PER_CONTACT];
    e.contact_id = id;
    e.time_us = g_get_real_time();
    e.journey = "hypotheek";
    e.wait_ms = e.type == GW_CONTACT_ANSWERED ? 12000 : -1;
    e.handle_ms = e.type == GW_CONTACT_ENDED ? 60000 : -1;
    e.reason = e.type == GW_CONTACT_ENDED ? "hangup" : NULL;
    e.attrs_json = attrs;
    e.nps = e.csat = e.ces = -1;
    gw_store_record(burst->store, &e, on_recorded, GUINT_TO_POINTER(seq));
  }
  return burst->next < burst->total ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
report_spool(gpointer data)
{
  Burst *burst = data;
  GwStoreStats stats;

  gw_store_get_stats(burst->store, &stats);
  printf("spooled %" G_GUINT64_FORMAT "\n", stats.spooled);
  fflush(stdout);
  return G_SOURCE_CONTINUE;
}

int
main(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;
  g_autofree char *spool = NULL;
  const char *pg = g_getenv("BALIE_TEST_PG_CONNINFO");
  guint pace_ms = 0;
  g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
  GwStoreOptions options = {"sqlite", NULL, NULL, NULL};
  Burst burst = {0};

  if (argc != 3 && argc != 4) {
    fprintf(stderr, "usage: store-burst DATA_DIR CONTACTS [PACE_MS]\n");
    return 2;
  }
  if (argc == 4)
    pace_ms = (guint)atoi(argv[3]);
  db = g_build_filename(argv[1], "metrics.db", NULL);
  spool = g_build_filename(argv[1], "metrics-queue.jsonl", NULL);
  options.sqlite_path = db;
  if (pg != NULL) {
    options.backend = "postgresql";
    options.postgres_conninfo = pg;
    options.spool_path = spool;
  }
  burst.store = gw_store_open(&options, &error);
  if (burst.store == NULL) {
    fprintf(stderr, "store-burst: %s\n", error->message);
    return 1;
  }
  burst.contacts = (guint)atoi(argv[2]);
  burst.total = burst.contacts * EVENTS_PER_CONTACT;
  printf("ready\n");
  fflush(stdout);
  if (pace_ms > 0)
    g_timeout_add(pace_ms, push_some, &burst);
  else
    g_idle_add(push_some, &burst);
  if (pg != NULL)
    g_timeout_add(200, report_spool, &burst);
  /* Runs until killed: the point is to die mid-burst. */
  g_main_loop_run(loop);
  return 0;
}
