/* SPDX-License-Identifier: Apache-2.0 */
/* TURN REST credentials: username "EXPIRY:ID", password base64(HMAC-SHA1(secret, username)). */
#include "signaling/turn-credentials.h"

#include <string.h>

char *
gw_turn_credentials_compute(const char *secret, const char *username)
{
  g_autoptr(GHmac) hmac = NULL;
  guint8 digest[20];
  gsize digest_length = sizeof digest;
  char *encoded;

  g_return_val_if_fail(secret != NULL && username != NULL, NULL);

  hmac = g_hmac_new(G_CHECKSUM_SHA1, (const guchar *)secret, strlen(secret));
  g_hmac_update(hmac, (const guchar *)username, -1);
  g_hmac_get_digest(hmac, digest, &digest_length);
  encoded = g_base64_encode(digest, digest_length);
  memset(digest, 0, sizeof digest);
  return encoded;
}

GwTurnCredentials *
gw_turn_credentials_new(const GwConfig *config, const char *id, gint64 now)
{
  GwTurnCredentials *credentials;

  g_return_val_if_fail(config != NULL && id != NULL, NULL);

  if (config->turn_urls == NULL || config->turn_urls[0] == NULL || config->turn_secret == NULL)
    return NULL;
  credentials = g_new0(GwTurnCredentials, 1);
  credentials->urls = g_strdupv(config->turn_urls);
  credentials->expires = now + config->turn_credential_ttl_seconds;
  credentials->username = g_strdup_printf("%" G_GINT64_FORMAT ":%s", credentials->expires, id);
  credentials->credential = gw_turn_credentials_compute(config->turn_secret, credentials->username);
  return credentials;
}

void
gw_turn_credentials_free(GwTurnCredentials *credentials)
{
  if (credentials == NULL)
    return;
  g_strfreev(credentials->urls);
  g_free(credentials->username);
  if (credentials->credential != NULL)
    memset(credentials->credential, 0, strlen(credentials->credential));
  g_free(credentials->credential);
  g_free(credentials);
}
