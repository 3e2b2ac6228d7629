/* SPDX-License-Identifier: Apache-2.0 */
/* Serving the browser pages from config->web_root, refusing anything outside it. */
#include "signaling/static-files.h"

#include <stdlib.h>
#include <string.h>

static const struct {
  const char *extension;
  const char *content_type;
} content_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".json", "application/json"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
    {".woff2", "font/woff2"},
    {".webmanifest", "application/manifest+json"},
};

const char *
gw_static_files_content_type(const char *path)
{
  for (guint i = 0; i < G_N_ELEMENTS(content_types); i++) {
    if (g_str_has_suffix(path, content_types[i].extension))
      return content_types[i].content_type;
  }
  return "application/octet-stream";
}

/* Only plain names: no "", ".", "..", hidden files or Windows separators. */
static gboolean
is_safe_segment(const char *segment)
{
  return segment[0] != '.' && strchr(segment, '\\') == NULL;
}

static gboolean
is_inside(const char *root, const char *path)
{
  gsize root_length = strlen(root);

  return strncmp(path, root, root_length) == 0 &&
         (path[root_length] == '/' || (root_length == 1 && root[0] == '/'));
}

char *
gw_static_files_resolve(const char *web_root, const char *uri_path)
{
  g_return_val_if_fail(web_root != NULL && uri_path != NULL, NULL);

  if (uri_path[0] != '/')
    return NULL;
  /* NULL for an encoded "/" or NUL, or a broken escape. */
  g_autofree char *decoded = g_uri_unescape_string(uri_path, "/");
  if (decoded == NULL)
    return NULL;

  g_auto(GStrv) segments = g_strsplit(decoded, "/", -1);
  g_autoptr(GPtrArray) parts = g_ptr_array_new();
  g_ptr_array_add(parts, (gpointer)web_root);
  for (guint i = 0; segments[i] != NULL; i++) {
    if (segments[i][0] == '\0')
      continue;
    if (!is_safe_segment(segments[i]))
      return NULL;
    g_ptr_array_add(parts, segments[i]);
  }
  g_ptr_array_add(parts, NULL);
  g_autofree char *candidate = g_build_filenamev((char **)parts->pdata);

  if (g_file_test(candidate, G_FILE_TEST_IS_DIR)) {
    char *index = g_build_filename(candidate, "index.html", NULL);
    g_free(candidate);
    candidate = index;
  }

  g_autofree char *real_root = realpath(web_root, NULL);
  g_autofree char *real_path = realpath(candidate, NULL);
  if (real_root == NULL || real_path == NULL || !is_inside(real_root, real_path) ||
      !g_file_test(real_path, G_FILE_TEST_IS_REGULAR))
    return NULL;
  return g_steal_pointer(&real_path);
}

static void
respond_text(SoupServerMessage *msg, guint status, const char *text)
{
  soup_server_message_set_status(msg, status, NULL);
  soup_server_message_set_response(msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY, text,
                                   strlen(text));
}

void
gw_static_files_serve(SoupServerMessage *msg, const char *web_root)
{
  const char *method = soup_server_message_get_method(msg);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);

  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
    soup_message_headers_replace(headers, "Allow", "GET, HEAD");
    respond_text(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method not allowed\n");
    return;
  }

  const char *uri_path = g_uri_get_path(soup_server_message_get_uri(msg));
  g_autofree char *path = gw_static_files_resolve(web_root, uri_path);
  if (path == NULL) {
    respond_text(msg, SOUP_STATUS_NOT_FOUND, "not found\n");
    return;
  }

  g_autoptr(GError) error = NULL;
  g_autoptr(GMappedFile) file = g_mapped_file_new(path, FALSE, &error);
  if (file == NULL) {
    respond_text(msg, SOUP_STATUS_NOT_FOUND, "not found\n");
    return;
  }
  g_autoptr(GBytes) body = g_mapped_file_get_bytes(file);

  soup_message_headers_replace(headers, "Content-Type", gw_static_files_content_type(path));
  /* Pages change with every deploy and are small: always revalidate. */
  soup_message_headers_replace(headers, "Cache-Control", "no-cache");
  soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
  soup_message_body_append_bytes(soup_server_message_get_response_body(msg), body);
}
