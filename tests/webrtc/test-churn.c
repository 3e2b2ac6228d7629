/* SPDX-License-Identifier: Apache-2.0 */
/* Peers come and go many times: threads and file descriptors must return to where they were. */
#include <gst/gst.h>
#include <stdlib.h>

#include "webrtc/media-room.h"

#define CYCLES (g_getenv("BALIE_CHURN_CYCLES") ? (guint)atoi(g_getenv("BALIE_CHURN_CYCLES")) : 20u)

typedef struct {
  guint offers;
  guint candidates;
} Counts;

static void
on_offer(gpointer user_data, const char *peer_id, const char *sdp, const GwTrackInfo *tracks,
         guint n_tracks)
{
  ((Counts *)user_data)->offers++;
}

static void
on_candidate(gpointer user_data, const char *peer_id, guint mline, const char *candidate)
{
  ((Counts *)user_data)->candidates++;
}

static const GwMediaRoomCallbacks callbacks = {.offer = on_offer, .ice_candidate = on_candidate};

static guint
count_entries(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  guint n = 0;
  while (d && g_dir_read_name(d))
    n++;
  return n;
}

/* Iterates the default context for @ms, so hand-offs and teardown settle. */
static void
settle(guint ms)
{
  gint64 end = g_get_monotonic_time() + ms * 1000;
  while (g_get_monotonic_time() < end) {
    if (!g_main_context_iteration(NULL, FALSE))
      g_usleep(2000);
  }
}

static void
run_cycle(GwConfig *config, guint i, Counts *counts)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *room_id = g_strdup_printf("churn-%u", i);
  GwMediaRoom *room = gw_media_room_new(config, room_id, &callbacks, counts, &error);
  g_assert_no_error(error);
  g_assert_true(gw_media_room_add_peer(room, "a", NULL, &error));
  g_assert_true(gw_media_room_add_peer(room, "b", NULL, &error));
  guint before = counts->offers;
  /* Offers set local descriptions, which starts ICE gathering (threads, sockets). */
  gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (counts->offers < before + 2 && g_get_monotonic_time() < deadline) {
    if (!g_main_context_iteration(NULL, FALSE))
      g_usleep(1000);
  }
  g_assert_cmpuint(counts->offers, >=, before + 2);
  g_assert_true(gw_media_room_start_screen(room, "b", &error));
  /* Half the rooms lose a peer first (a browser vanishing), half end whole (hang-up). */
  if (i % 2 == 0)
    gw_media_room_remove_peer(room, "a");
  gw_media_room_free(room);
  settle(20);
}

static void
test_churn_returns_to_baseline(void)
{
  g_autoptr(GwConfig) config = gw_config_new_default();
  Counts counts = {0};

  /* One warm-up cycle: GStreamer loads plugins and starts its pools once. */
  run_cycle(config, 0, &counts);
  /* Its teardown finishes later on other threads: wait until the descriptor
   * count has not dropped for a second (at most 15 s) before taking the baseline. */
  guint fds0 = count_entries("/proc/self/fd"), stable_ms = 0;
  gint64 until = g_get_monotonic_time() + 15 * G_USEC_PER_SEC;
  while (stable_ms < 1000 && g_get_monotonic_time() < until) {
    settle(200);
    guint now = count_entries("/proc/self/fd");
    stable_ms = now < fds0 ? 0 : stable_ms + 200;
    fds0 = MIN(fds0, now);
  }
  guint threads0 = count_entries("/proc/self/task");

  for (guint i = 1; i <= CYCLES; i++)
    run_cycle(config, i, &counts);
  /* libnice and webrtcbin finish tearing down on their own threads, seconds
   * later: wait (bounded) for the counts to come back rather than sleep. */
  guint threads1, fds1;
  gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
  do {
    settle(200);
    threads1 = count_entries("/proc/self/task");
    fds1 = count_entries("/proc/self/fd");
  } while ((threads1 > threads0 + 8 || fds1 > fds0 + 30) && g_get_monotonic_time() < deadline);
  g_test_message("%u cycles, %u offers, %u candidates: threads %u -> %u, fds %u -> %u", CYCLES,
                 counts.offers, counts.candidates, threads0, threads1, fds0, fds1);
  /* Teardown that libnice finishes late, and one-off caches, leave up to ~15
   * descriptors behind on a loaded machine (seen with other test suites
   * running); a leaked peer keeps its sockets and threads: peers leaked on
   * purpose ended at +39 threads and +240 descriptors after 20 cycles. */
  if (g_getenv("BALIE_CHURN_LIST_FDS")) {
    g_autoptr(GDir) d = g_dir_open("/proc/self/fd", 0, NULL);
    for (const char *n; d && (n = g_dir_read_name(d));) {
      g_autofree char *p = g_strdup_printf("/proc/self/fd/%s", n);
      g_autofree char *t = g_file_read_link(p, NULL);
      g_test_message("fd %s -> %s", n, t ? t : "?");
    }
  }
  g_assert_cmpuint(threads1, <=, threads0 + 8);
  g_assert_cmpuint(fds1, <=, fds0 + 30);
}

int
main(int argc, char **argv)
{
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/churn/returns-to-baseline", test_churn_returns_to_baseline);
  return g_test_run();
}
