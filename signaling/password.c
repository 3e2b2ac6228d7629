/* SPDX-License-Identifier: Apache-2.0 */
/* Advisor passwords: argon2id hashes in PHC string form, and checking a password against one. */
#include "signaling/password.h"

#include <argon2.h>
#include <gio/gio.h>
#include <openssl/rand.h>
#include <string.h>

/* OWASP's argon2id minimum (2023): m = 19 MiB, t = 2, p = 1. Enough against
 * offline guessing, cheap enough for a 2-core node to log advisors in. */
#define PASSWORD_T_COST 2
#define PASSWORD_M_COST_KIB 19456
#define PASSWORD_PARALLELISM 1
#define PASSWORD_SALT_BYTES 16
#define PASSWORD_HASH_BYTES 32

char *
gw_password_hash(const char *password, GError **error)
{
  gsize length = strlen(password);
  guint8 salt[PASSWORD_SALT_BYTES];

  if (g_utf8_strlen(password, -1) < GW_PASSWORD_MIN_LENGTH || length > GW_PASSWORD_MAX_LENGTH) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "a password has %d to %d characters", GW_PASSWORD_MIN_LENGTH,
                GW_PASSWORD_MAX_LENGTH);
    return NULL;
  }
  if (RAND_bytes(salt, sizeof salt) != 1) {
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_FAILED, "no random bytes for a salt");
    return NULL;
  }
  gsize encoded_length =
      argon2_encodedlen(PASSWORD_T_COST, PASSWORD_M_COST_KIB, PASSWORD_PARALLELISM, sizeof salt,
                        PASSWORD_HASH_BYTES, Argon2_id);
  g_autofree char *encoded = g_malloc0(encoded_length);
  int rc = argon2id_hash_encoded(PASSWORD_T_COST, PASSWORD_M_COST_KIB, PASSWORD_PARALLELISM,
                                 password, length, salt, sizeof salt, PASSWORD_HASH_BYTES, encoded,
                                 encoded_length);
  if (rc != ARGON2_OK) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "argon2id: %s", argon2_error_message(rc));
    return NULL;
  }
  return g_steal_pointer(&encoded);
}

gboolean
gw_password_verify(const char *encoded, const char *password)
{
  gsize length = strlen(password);

  if (length > GW_PASSWORD_MAX_LENGTH || !g_str_has_prefix(encoded, "$argon2id$"))
    return FALSE;
  return argon2id_verify(encoded, password, length) == ARGON2_OK;
}
