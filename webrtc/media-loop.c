/* SPDX-License-Identifier: Apache-2.0 */
/* A few process-wide media loop threads, each a GMainContext that many rooms share:
 * a room's participants and every packet between them live on one (native-media.c). */
#include "webrtc/native-media.h"

#define MEDIA_LOOP_MAX 16

static GMainContext *loops[MEDIA_LOOP_MAX];
static guint n_loops;
static guint next_loop;
static GMutex loops_lock;

static gpointer
run_loop(gpointer data)
{
  GMainContext *context = data;
  g_main_context_push_thread_default(context);
  GMainLoop *loop = g_main_loop_new(context, FALSE);
  g_main_loop_run(loop); /* for the life of the process */
  g_main_loop_unref(loop);
  return NULL;
}

GMainContext *
gw_media_loop_next(guint threads)
{
  g_mutex_lock(&loops_lock);
  if (n_loops == 0) {
    n_loops = CLAMP(threads, 1, MEDIA_LOOP_MAX);
    for (guint i = 0; i < n_loops; i++) {
      loops[i] = g_main_context_new();
      g_autofree char *name = g_strdup_printf("media-%u", i);
      g_thread_unref(g_thread_new(name, run_loop, loops[i]));
    }
  }
  GMainContext *context = loops[next_loop++ % n_loops];
  g_mutex_unlock(&loops_lock);
  return context;
}
