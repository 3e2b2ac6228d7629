/* SPDX-License-Identifier: Apache-2.0 */
/* The server secret that signs join links: loaded from a file, generated (0600) on first start. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * gw_token_key_load:
 * @path: the key file; when it does not exist, a fresh random key is written
 *   there (mode 0600, parent folders 0700)
 *
 * The key is the file's contents without surrounding whitespace, at least
 * GW_JOIN_TOKEN_MIN_KEY bytes. The key never appears in a log or error.
 * Returns: (transfer full) (nullable): the key, or NULL with @error
 */
GBytes *gw_token_key_load(const char *path, GError **error);

G_END_DECLS
