/* SPDX-License-Identifier: Apache-2.0 */
/* Serving the browser pages from config->web_root, refusing anything outside it. */
#pragma once

#include <glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/**
 * gw_static_files_resolve:
 * @web_root: the folder pages are served from
 * @uri_path: the request's path, still percent-encoded, starting with "/"
 *
 * Maps a request path to a regular file inside @web_root: "/" and folders
 * mean their index.html; dot segments, hidden names, backslashes, encoded
 * slashes or NULs, and anything whose real path (symlinks resolved) lies
 * outside @web_root are refused.
 * Returns: (transfer full) (nullable): the file's real path, or NULL when there is nothing to serve
 */
char *gw_static_files_resolve(const char *web_root, const char *uri_path);

/**
 * gw_static_files_content_type:
 * Returns: (transfer none): the Content-Type for @path's extension,
 * application/octet-stream when unknown
 */
const char *gw_static_files_content_type(const char *path);

/**
 * gw_static_files_serve:
 * Answers a GET or HEAD for @msg from @web_root (200, 404 or 405). The caller
 * adds the security headers.
 */
void gw_static_files_serve(SoupServerMessage *msg, const char *web_root);

G_END_DECLS
