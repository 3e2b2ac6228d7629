/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the disk queue's reader (gateway/store-spool.c, store-event.c): a file
 * left by a crash, a full disk or a hand edit must give events or skipped lines, nothing else. */
#include <stdint.h>
#include <string.h>

#include <glib/gstdio.h>

#include "gateway/store-spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *spool_path;

static void
remove_dir(void)
{
  g_autofree char *dir = g_path_get_dirname(spool_path);

  g_unlink(spool_path);
  g_rmdir(dir);
}

/* One unreadable line is one warning; thousands of them a second are noise. */
static GLogWriterOutput
drop_log(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  return G_LOG_WRITER_HANDLED;
}

/* An accepted event writes JSON that reads back as the same JSON. */
static void
check_round_trip(const GwStoreEvent *event)
{
  g_autofree char *json = gw_store_event_to_json(event);
  g_autoptr(GError) error = NULL;
  g_autoptr(GwStoreEvent) again = gw_store_event_from_json(json, strlen(json), &error);

  g_assert(again != NULL);
  g_autofree char *json_again = gw_store_event_to_json(again);
  g_assert(g_str_equal(json, json_again));
  g_assert(strchr(json, '\n') == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;

  if (spool_path == NULL) {
    /* In memory where there is /dev/shm: every run writes and fsyncs the file. */
    g_autofree char *dir = g_file_test("/dev/shm", G_FILE_TEST_IS_DIR)
                               ? g_mkdtemp(g_strdup("/dev/shm/balie-fuzz-spool-XXXXXX"))
                               : g_dir_make_tmp("balie-fuzz-spool-XXXXXX", NULL);
    g_assert(dir != NULL);
    spool_path = g_build_filename(dir, "spool.jsonl", NULL);
    atexit(remove_dir);
    g_log_set_writer_func(drop_log, NULL, NULL);
  }

  /* The whole input as one line. */
  g_autoptr(GwStoreEvent) single = gw_store_event_from_json((const char *)data, size, &error);
  g_assert((single == NULL) != (error == NULL));
  if (single != NULL)
    check_round_trip(single);

  /* The whole input as a disk queue left behind. */
  g_assert(g_file_set_contents(spool_path, (const char *)data, (gssize)size, NULL));
  g_autoptr(GError) open_error = NULL;
  GwStoreSpool *spool = gw_store_spool_open(spool_path, &open_error);
  g_assert(spool != NULL);
  guint64 lines = gw_store_spool_count(spool);
  g_autoptr(GPtrArray) events = gw_store_spool_read(spool, NULL);
  g_assert(events != NULL && events->len <= lines);
  for (guint i = 0; i < events->len; i++)
    check_round_trip(events->pdata[i]);

  /* The file now ends with a whole line (a torn one was cut) and takes appends. */
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_assert(g_file_get_contents(spool_path, &contents, &length, NULL));
  g_assert(length == 0 || contents[length - 1] == '\n');
  if (events->len > 0) {
    g_assert(gw_store_spool_append(spool, (GwStoreEvent *const *)events->pdata, 1, NULL));
    g_assert(gw_store_spool_count(spool) == lines + 1);
  }
  gw_store_spool_free(spool);
  return 0;
}
