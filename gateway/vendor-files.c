/* SPDX-License-Identifier: Apache-2.0 */
/* /vendor/uplot/: the chart library from npm (node_modules, or its installed copy), never a CDN. */
#include "gateway/vendor-files.h"

#include <string.h>

#include "signaling/static-files.h"

#define VENDOR_PREFIX "/vendor/uplot/"

/* Only these names: nothing else under node_modules is reachable. */
static const char *const vendor_names[] = {"uPlot.esm.js", "uPlot.min.css"};

char *
gw_vendor_files_dir(void)
{
  g_autofree char *source = g_build_filename(BALIE_SOURCE_DIR, "node_modules", "uplot", "dist", NULL);

  if (g_file_test(source, G_FILE_TEST_IS_DIR))
    return g_steal_pointer(&source);
  if (g_file_test(BALIE_VENDOR_INSTALLED, G_FILE_TEST_IS_DIR))
    return g_strdup(BALIE_VENDOR_INSTALLED);
  return NULL;
}

static void
handle_vendor(SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
              gpointer data)
{
  const char *dir = data;
  const char *name = path + strlen(VENDOR_PREFIX);
  const char *method = soup_server_message_get_method(msg);
  g_autofree char *file = NULL;
  char *contents = NULL;
  gsize length = 0;

  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow",
                                 "GET, HEAD");
    soup_server_message_set_status(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
    return;
  }
  for (guint i = 0; dir != NULL && i < G_N_ELEMENTS(vendor_names); i++) {
    if (g_str_equal(name, vendor_names[i]))
      file = g_build_filename(dir, vendor_names[i], NULL);
  }
  if (file == NULL || !g_file_get_contents(file, &contents, &length, NULL)) {
    soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, NULL);
    return;
  }
  soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response(msg, gw_static_files_content_type(file), SOUP_MEMORY_TAKE,
                                   contents, length);
}

void
gw_vendor_files_mount(GwServer *server)
{
  char *dir = gw_vendor_files_dir();

  if (dir == NULL)
    g_warning("uPlot not found (npm install, or cmake --install): the insights page has no charts");
  gw_server_add_handler(server, VENDOR_PREFIX, handle_vendor, dir, g_free);
}
