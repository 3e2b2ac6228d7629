/* SPDX-License-Identifier: Apache-2.0 */
/* The server secret that signs join links: loaded from a file, generated (0600) on first start. */
#include "signaling/token-key.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <openssl/rand.h>
#include <string.h>
#include <sys/stat.h>

#include "signaling/base64url.h"
#include "signaling/join-token.h"
#include "signaling/signaling-log.h"

/* 32 random bytes: as strong as the HMAC-SHA256 that uses them. */
#define GENERATED_KEY_BYTES 32
#define MAX_KEY_FILE 4096

static gboolean
generate(const char *path, GError **error)
{
  guint8 random[GENERATED_KEY_BYTES];
  g_autofree char *dir = g_path_get_dirname(path);

  if (RAND_bytes(random, sizeof random) != 1) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "no random bytes for %s", path);
    return FALSE;
  }
  if (g_mkdir_with_parents(dir, 0700) != 0) {
    int saved = errno;
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved), "cannot create %s: %s", dir,
                g_strerror(saved));
    return FALSE;
  }
  /* As text, so an operator can copy it between nodes of one deployment. */
  g_autofree char *text = gw_base64url_encode(random, sizeof random);
  g_autofree char *line = g_strconcat(text, "\n", NULL);
  OPENSSL_cleanse(random, sizeof random);
  if (!g_file_set_contents_full(path, line, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return FALSE;
  gw_signaling_log(G_LOG_LEVEL_MESSAGE, NULL, NULL, "generated a join-link key in %s", path);
  return TRUE;
}

GBytes *
gw_token_key_load(const char *path, GError **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  GStatBuf st;

  if (!g_file_test(path, G_FILE_TEST_EXISTS) && !generate(path, error))
    return NULL;
  if (g_stat(path, &st) == 0 && (st.st_mode & 0077) != 0)
    gw_signaling_log(G_LOG_LEVEL_WARNING, NULL, NULL,
                     "the join-link key %s is readable by others: chmod 600 it", path);
  if (!g_file_get_contents(path, &data, &length, error))
    return NULL;
  if (length > MAX_KEY_FILE) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: a key file is at most %d bytes", path,
                MAX_KEY_FILE);
    return NULL;
  }
  g_strstrip(data);
  length = strlen(data);
  if (length < GW_JOIN_TOKEN_MIN_KEY) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                "%s: a join-link key must be at least %d bytes", path, GW_JOIN_TOKEN_MIN_KEY);
    return NULL;
  }
  return g_bytes_new_take(g_steal_pointer(&data), length);
}
