/* SPDX-License-Identifier: Apache-2.0 */
/* A self-signed localhost certificate, generated with OpenSSL on first start. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * gw_tls_cert_ensure:
 * If @cert_path and @key_path both exist, does nothing. Otherwise writes a
 * new EC P-256 key (mode 0600) and a self-signed certificate valid for
 * localhost, 127.0.0.1 and ::1 for 825 days, creating parent folders.
 * @generated: (out) (optional): TRUE when new files were written
 */
gboolean gw_tls_cert_ensure(const char *cert_path, const char *key_path, gboolean *generated,
                            GError **error);

G_END_DECLS
