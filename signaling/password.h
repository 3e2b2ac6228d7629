/* SPDX-License-Identifier: Apache-2.0 */
/* Advisor passwords: argon2id hashes in PHC string form, and checking a password against one. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Passwords an advisor can type; longer input is refused before hashing. */
#define GW_PASSWORD_MIN_LENGTH 10
#define GW_PASSWORD_MAX_LENGTH 256

/**
 * gw_password_hash:
 * argon2id with a fresh 16-byte salt (OWASP's 19 MiB, 2 passes, 1 lane).
 * Returns: (transfer full) (nullable): "$argon2id$v=19$m=...", or NULL with
 * @error (G_IO_ERROR_INVALID_ARGUMENT) for a password outside the length limits
 */
char *gw_password_hash(const char *password, GError **error);

/**
 * gw_password_verify:
 * Whether @password matches @encoded (constant time in the password). A
 * malformed @encoded never matches.
 */
gboolean gw_password_verify(const char *encoded, const char *password);

G_END_DECLS
