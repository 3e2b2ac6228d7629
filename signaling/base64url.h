/* SPDX-License-Identifier: Apache-2.0 */
/* Unpadded base64url (RFC 4648 §5), strict on input; pure. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/** gw_base64url_encode: Returns: (transfer full): unpadded base64url of @data */
char *gw_base64url_encode(const guint8 *data, gsize length);

/**
 * gw_base64url_decode:
 * @text: (array length=length): not NUL-terminated
 * Refuses padding, any character outside [A-Za-z0-9_-], and impossible lengths
 * (glib's decoder would silently skip them).
 * Returns: (transfer full) (nullable): the bytes, or NULL
 */
GBytes *gw_base64url_decode(const char *text, gsize length);

G_END_DECLS
