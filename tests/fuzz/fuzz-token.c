/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the join-token parser (signaling/join-token.c) and base64url. */
#include <stdint.h>
#include <string.h>

#include "signaling/base64url.h"
#include "signaling/join-token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The key the seed tokens in corpus/token/ are signed with, so that mutations of
 * them reach the payload checks behind the signature. */
static const guint8 fuzz_key[] = "balie-fuzz-key-0123456789abcdef!";

/* What every accepted token promises. */
static void
check_token(const GwJoinToken *token)
{
  if (!gw_join_token_is_valid_id(token->contact_id) || !gw_join_token_is_valid_id(token->journey) ||
      (token->advisor != NULL && !gw_join_token_is_valid_id(token->advisor)))
    __builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autoptr(GwJoinToken) verified =
      gw_join_token_verify((const char *)data, size, fuzz_key, 32, 0, NULL);
  g_autoptr(GwJoinToken) payload = gw_join_token_parse_payload((const char *)data, size, NULL);
  g_autoptr(GBytes) decoded = gw_base64url_decode((const char *)data, size);

  if (verified != NULL) {
    check_token(verified);
    /* Signing what was accepted must give a token that verifies again. */
    g_autofree char *again = gw_join_token_sign(verified, fuzz_key, 32);
    g_autoptr(GwJoinToken) round =
        gw_join_token_verify(again, strlen(again), fuzz_key, 32, 0, NULL);
    if (round == NULL || !g_str_equal(round->contact_id, verified->contact_id))
      __builtin_trap();
  }
  if (payload != NULL)
    check_token(payload);
  if (decoded != NULL) {
    g_autofree char *encoded =
        gw_base64url_encode(g_bytes_get_data(decoded, NULL), g_bytes_get_size(decoded));
    g_autoptr(GBytes) again = gw_base64url_decode(encoded, strlen(encoded));
    if (again == NULL || !g_bytes_equal(again, decoded))
      __builtin_trap();
  }
  return 0;
}
