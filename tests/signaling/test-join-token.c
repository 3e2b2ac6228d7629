/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for signaling/join-token and base64url: signing, verifying, and what is refused. */
#include <string.h>

#include "signaling/base64url.h"
#include "signaling/join-token.h"

static const guint8 key[] = "0123456789abcdef0123456789abcdef";
static const guint8 other_key[] = "fedcba9876543210fedcba9876543210";
#define NOW 1700000000

static char *
sign_invite(gint64 expires, const char *advisor)
{
  GwJoinToken token = {GW_JOIN_TOKEN_INVITE, "c-abc", "hypotheek", (char *)advisor, expires, NULL};

  return gw_join_token_sign(&token, key, 32);
}

static void
assert_refused(const char *text, GwJoinTokenError code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwJoinToken) token = gw_join_token_verify(text, strlen(text), key, 32, NOW, &error);

  g_assert_null(token);
  g_assert_error(error, GW_JOIN_TOKEN_ERROR, (gint)code);
}

static void
test_round_trip(void)
{
  g_autofree char *text = sign_invite(NOW + 60, "u7");
  g_autoptr(GError) error = NULL;
  g_autoptr(GwJoinToken) token = gw_join_token_verify(text, strlen(text), key, 32, NOW, &error);

  g_assert_no_error(error);
  g_assert_cmpint(token->kind, ==, GW_JOIN_TOKEN_INVITE);
  g_assert_cmpstr(token->contact_id, ==, "c-abc");
  g_assert_cmpstr(token->journey, ==, "hypotheek");
  g_assert_cmpstr(token->advisor, ==, "u7");
  g_assert_cmpint(token->expires, ==, NOW + 60);
  /* Usable as a URL path segment as it is. */
  for (const char *p = text; *p != '\0'; p++)
    g_assert_true(g_ascii_isalnum(*p) || strchr("-_.", *p) != NULL);

  GwJoinToken queue = {GW_JOIN_TOKEN_QUEUE, "q-1", "zorgvraag", NULL, NOW + 1, NULL};
  g_autofree char *queue_text = gw_join_token_sign(&queue, key, 32);
  g_autoptr(GwJoinToken) queue_back =
      gw_join_token_verify(queue_text, strlen(queue_text), key, 32, NOW, &error);
  g_assert_no_error(error);
  g_assert_cmpint(queue_back->kind, ==, GW_JOIN_TOKEN_QUEUE);
  g_assert_null(queue_back->advisor);
}

static void
test_expired(void)
{
  g_autofree char *at_now = sign_invite(NOW, NULL);
  g_autofree char *before = sign_invite(NOW - 3600, NULL);

  assert_refused(at_now, GW_JOIN_TOKEN_ERROR_EXPIRED);
  assert_refused(before, GW_JOIN_TOKEN_ERROR_EXPIRED);
}

static void
test_forged(void)
{
  g_autofree char *text = sign_invite(NOW + 60, NULL);
  GwJoinToken token = {GW_JOIN_TOKEN_INVITE, "c-abc", "hypotheek", NULL, NOW + 60, NULL};
  g_autofree char *other = gw_join_token_sign(&token, other_key, 32);
  char *dot = strchr(text, '.');

  assert_refused(other, GW_JOIN_TOKEN_ERROR_FORGED);

  /* A later expiry with the old signature. */
  GwJoinToken longer = {GW_JOIN_TOKEN_INVITE, "c-abc", "hypotheek", NULL, NOW + 999999, NULL};
  g_autofree char *longer_text = gw_join_token_sign(&longer, key, 32);
  g_autofree char *longer_payload = g_strndup(longer_text, strchr(longer_text, '.') - longer_text);
  g_autofree char *spliced = g_strconcat(longer_payload, dot, NULL);
  assert_refused(spliced, GW_JOIN_TOKEN_ERROR_FORGED);

  /* Every single flipped signature character is caught. */
  for (char *p = dot + 1; *p != '\0'; p++) {
    char saved = *p;
    *p = saved == 'A' ? 'B' : 'A';
    assert_refused(text, GW_JOIN_TOKEN_ERROR_FORGED);
    *p = saved;
  }
  g_autofree char *no_mac = g_strndup(text, dot - text + 1);
  assert_refused(no_mac, GW_JOIN_TOKEN_ERROR_MALFORMED);
}

static void
test_malformed(void)
{
  g_autofree char *text = sign_invite(NOW + 60, NULL);
  g_autofree char *padded = g_strconcat(text, "=", NULL);
  g_autofree char *long_text = g_strnfill(GW_JOIN_TOKEN_MAX_LENGTH + 1, 'A');
  const char *bad[] = {"", ".", "abc", "abc.def", "a b.c", "!!!.AAAA", padded, long_text};

  for (guint i = 0; i < G_N_ELEMENTS(bad); i++)
    assert_refused(bad[i], GW_JOIN_TOKEN_ERROR_MALFORMED);
}

static void
test_payload(void)
{
  const char *bad[] = {
      "",     /* parses to no root at all: refused, without a json-glib critical */
      "  \n", /* the same */
      "[]",
      "{}",
      "{\"v\":2,\"k\":\"invite\",\"c\":\"c1\",\"j\":\"j\",\"x\":1}",
      "{\"v\":1,\"k\":\"other\",\"c\":\"c1\",\"j\":\"j\",\"x\":1}",
      "{\"v\":1,\"k\":\"invite\",\"c\":\"\",\"j\":\"j\",\"x\":1}",
      "{\"v\":1,\"k\":\"invite\",\"c\":\"c/1\",\"j\":\"j\",\"x\":1}",
      "{\"v\":1,\"k\":\"invite\",\"c\":\"c1\",\"j\":\"j\",\"x\":1.5}",
      "{\"v\":1,\"k\":\"invite\",\"c\":\"c1\",\"j\":\"j\",\"x\":\"1\"}",
      "{\"v\":1,\"k\":\"invite\",\"c\":\"c1\",\"j\":\"j\",\"a\":7,\"x\":1}",
      /* a journey one character over the limit; parenthesised: one literal */
      ("{\"v\":1,\"k\":\"invite\",\"c\":\"c1\",\"j\":"
       "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"x\":1}"),
  };

  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GwJoinToken) token = gw_join_token_parse_payload(bad[i], strlen(bad[i]), &error);
    if (token != NULL)
      g_error("accepted payload %s", bad[i]);
    g_assert_error(error, GW_JOIN_TOKEN_ERROR, GW_JOIN_TOKEN_ERROR_MALFORMED);
  }
}

static void
test_base64url(void)
{
  const guint8 bytes[] = {0xfb, 0xff, 0x00, 0x3e, 0x3f};
  g_autofree char *text = gw_base64url_encode(bytes, sizeof bytes);
  g_autoptr(GBytes) back = gw_base64url_decode(text, strlen(text));

  g_assert_cmpstr(text, ==, "-_8APj8");
  g_assert_cmpmem(g_bytes_get_data(back, NULL), g_bytes_get_size(back), bytes, sizeof bytes);
  g_assert_null(gw_base64url_decode("-_8APj8=", 8));
  g_assert_null(gw_base64url_decode("+/8A", 4));
  g_assert_null(gw_base64url_decode("A", 1));
  g_autoptr(GBytes) empty = gw_base64url_decode("", 0);
  g_assert_cmpuint(g_bytes_get_size(empty), ==, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/join-token/round-trip", test_round_trip);
  g_test_add_func("/join-token/expired", test_expired);
  g_test_add_func("/join-token/forged", test_forged);
  g_test_add_func("/join-token/malformed", test_malformed);
  g_test_add_func("/join-token/payload", test_payload);
  g_test_add_func("/join-token/base64url", test_base64url);
  return g_test_run();
}
