/* SPDX-License-Identifier: Apache-2.0 */
/* The disk queue: events accepted while PostgreSQL is away, appended and fsynced, one JSON line each. */
#include "gateway/store-spool.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "gateway/store-backend.h"

struct _GwStoreSpool {
  char *path;
  int fd;
  guint64 count;
};

static gboolean
spool_fail(GwStoreSpool *spool, GError **error, const char *what)
{
  int saved = errno;

  g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved), "disk queue %s: %s: %s",
              spool->path, what, g_strerror(saved));
  return FALSE;
}

/* Only complete lines count: a torn last line was never acknowledged. */
static guint64
count_lines(const char *data, gsize length)
{
  guint64 n = 0;

  for (gsize i = 0; i < length; i++)
    n += data[i] == '\n';
  return n;
}

GwStoreSpool *
gw_store_spool_open(const char *path, GError **error)
{
  GwStoreSpool *spool = g_new0(GwStoreSpool, 1);
  g_autofree char *data = NULL;
  gsize length = 0;

  spool->path = g_strdup(path);
  spool->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (spool->fd < 0) {
    spool_fail(spool, error, "open");
    gw_store_spool_free(spool);
    return NULL;
  }
  if (g_file_get_contents(path, &data, &length, NULL)) {
    gsize keep = length;

    while (keep > 0 && data[keep - 1] != '\n')
      keep--;

    /* A torn last line (crash mid-append, never acknowledged) must not prefix the next one. */
    if (keep < length && ftruncate(spool->fd, (off_t)keep) != 0) {
      spool_fail(spool, error, "truncate a torn line");
      gw_store_spool_free(spool);
      return NULL;
    }
    spool->count = count_lines(data, keep);
  }
  if (spool->count > 0)
    g_message("metrics store: %" G_GUINT64_FORMAT " events waiting in the disk queue",
              spool->count);
  return spool;
}

gboolean
gw_store_spool_append(GwStoreSpool *spool, GwStoreEvent *const *events, guint n, GError **error)
{
  g_autoptr(GString) lines = g_string_new(NULL);
  gsize done = 0;

  for (guint i = 0; i < n; i++) {
    g_autofree char *json = gw_store_event_to_json(events[i]);

    g_string_append(lines, json);
    g_string_append_c(lines, '\n');
  }
  while (done < lines->len) {
    ssize_t w = write(spool->fd, lines->str + done, lines->len - done);

    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0)
      return spool_fail(spool, error, "write");
    done += (gsize)w;
  }
  /* Acknowledged means on disk. */
  if (fdatasync(spool->fd) != 0)
    return spool_fail(spool, error, "fsync");
  spool->count += n;
  return TRUE;
}

guint64
gw_store_spool_count(GwStoreSpool *spool)
{
  return spool->count;
}

GPtrArray *
gw_store_spool_read(GwStoreSpool *spool, GError **error)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func((GDestroyNotify)gw_store_event_free);
  g_autofree char *data = NULL;
  gsize length = 0;
  const char *line;

  if (!g_file_get_contents(spool->path, &data, &length, error))
    return NULL;
  line = data;
  for (const char *end; (end = memchr(line, '\n', length - (line - data))) != NULL;
       line = end + 1) {
    g_autoptr(GError) local = NULL;
    GwStoreEvent *event = gw_store_event_from_json(line, end - line, &local);

    if (event == NULL)
      g_warning("metrics store: unreadable line in the disk queue skipped: %s", local->message);
    else
      g_ptr_array_add(events, event);
  }
  return g_steal_pointer(&events);
}

gboolean
gw_store_spool_clear(GwStoreSpool *spool, GError **error)
{
  if (ftruncate(spool->fd, 0) != 0 || fdatasync(spool->fd) != 0)
    return spool_fail(spool, error, "truncate");
  spool->count = 0;
  return TRUE;
}

void
gw_store_spool_free(GwStoreSpool *spool)
{
  if (spool == NULL)
    return;
  if (spool->fd >= 0)
    close(spool->fd);
  g_free(spool->path);
  g_free(spool);
}
