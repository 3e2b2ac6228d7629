/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for signaling/rating-token and the pseudonym in join tokens: what rates a call, what
 * is refused (forged, expired, a join link), and who gets a rating token. */
#include <string.h>

#include "signaling/contact.h"
#include "signaling/join-token.h"
#include "signaling/rating-token.h"

#define NOW 1700000000
static const char server_key_text[] = "0123456789abcdef0123456789abcdef";

static GBytes *
server_key(void)
{
  return g_bytes_new_static(server_key_text, 32);
}

static void
assert_refused(GBytes *key, const char *text, gint64 now, GwJoinTokenError code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwJoinToken) token = gw_rating_token_check(key, text, strlen(text), now, &error);

  g_assert_null(token);
  g_assert_error(error, GW_JOIN_TOKEN_ERROR, (gint)code);
}

static void
test_round_trip(void)
{
  g_autoptr(GBytes) server = server_key();
  g_autoptr(GBytes) key = gw_rating_token_derive_key(server);
  g_autofree char *text = gw_rating_token_issue(key, "c-abc", "hypotheek", NOW);
  g_autoptr(GError) error = NULL;
  g_autoptr(GwJoinToken) token = gw_rating_token_check(key, text, strlen(text), NOW + 60, &error);

  g_assert_no_error(error);
  g_assert_cmpint(token->kind, ==, GW_JOIN_TOKEN_RATING);
  g_assert_cmpstr(token->contact_id, ==, "c-abc");
  g_assert_cmpstr(token->journey, ==, "hypotheek");
  g_assert_cmpint(token->expires, ==, NOW + GW_RATING_TOKEN_TTL_SECONDS);
  /* A contact without a journey (a demo room) still gets a token. */
  g_autofree char *no_journey = gw_rating_token_issue(key, "c-abc", NULL, NOW);
  g_autoptr(GwJoinToken) back = gw_rating_token_check(key, no_journey, strlen(no_journey), NOW, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(back->journey, ==, "none");
  /* Not an id: no token at all. */
  g_assert_null(gw_rating_token_issue(key, "c abc", NULL, NOW));
}

static void
test_refused(void)
{
  g_autoptr(GBytes) server = server_key();
  g_autoptr(GBytes) key = gw_rating_token_derive_key(server);
  g_autofree char *text = gw_rating_token_issue(key, "c-abc", "hypotheek", NOW);
  g_autofree char *forged = g_strdup(text);
  char *dot = strchr(forged, '.');

  /* Expired one second after the last valid second. */
  assert_refused(key, text, NOW + GW_RATING_TOKEN_TTL_SECONDS, GW_JOIN_TOKEN_ERROR_EXPIRED);
  /* One changed character of the signature. */
  dot[1] = dot[1] == 'A' ? 'B' : 'A';
  assert_refused(key, forged, NOW, GW_JOIN_TOKEN_ERROR_FORGED);
  assert_refused(key, "not-a-token", NOW, GW_JOIN_TOKEN_ERROR_MALFORMED);
  /* The server key itself (what signs join links) does not check a rating token... */
  assert_refused(server, text, NOW, GW_JOIN_TOKEN_ERROR_FORGED);
}

static void
test_join_link_is_no_rating(void)
{
  g_autoptr(GBytes) server = server_key();
  g_autoptr(GBytes) key = gw_rating_token_derive_key(server);
  GwJoinToken invite = {GW_JOIN_TOKEN_INVITE, "c-abc", "hypotheek", NULL, NOW + 60, NULL};
  g_autofree char *join = gw_join_token_sign(&invite, (const guint8 *)server_key_text, 32);
  g_autofree char *join_rating_key = NULL;
  gsize length = 0;
  const guint8 *derived = g_bytes_get_data(key, &length);

  /* ... and a join link is no rating token: another key... */
  assert_refused(key, join, NOW, GW_JOIN_TOKEN_ERROR_FORGED);
  /* ... and, even signed with the rating key, another kind. */
  join_rating_key = gw_join_token_sign(&invite, derived, length);
  assert_refused(key, join_rating_key, NOW, GW_JOIN_TOKEN_ERROR_MALFORMED);
}

static void
test_pseudonym_in_token(void)
{
  g_autofree char *ref = gw_contact_pseudonym((const guint8 *)server_key_text, 32, "klant-12345");
  g_autofree char *again = gw_contact_pseudonym((const guint8 *)server_key_text, 32, "klant-12345");
  g_autofree char *other = gw_contact_pseudonym((const guint8 *)server_key_text, 32, "klant-12346");
  GwJoinToken invite = {GW_JOIN_TOKEN_INVITE, "c-abc", "hypotheek", NULL, NOW + 60, ref};
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GwJoinToken) back = NULL;

  g_assert_cmpstr(ref, ==, again);
  g_assert_cmpstr(ref, !=, other);
  g_assert_null(strstr(ref, "12345"));
  g_assert_true(gw_join_token_is_valid_id(ref));
  text = gw_join_token_sign(&invite, (const guint8 *)server_key_text, 32);
  back = gw_join_token_verify(text, strlen(text), (const guint8 *)server_key_text, 32, NOW, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(back->customer_ref, ==, ref);
}

static void
test_contact_token(void)
{
  g_autoptr(GBytes) server = server_key();
  g_autoptr(GBytes) key = gw_rating_token_derive_key(server);
  GwContactSink sink = {NULL, NULL}; /* events are only logged */
  GwContactInfo info = {.id = "c-rated", .journey = "hypotheek", .rating_key = key};
  g_autoptr(GwContact) contact = gw_contact_new(&sink, &info);
  g_autoptr(GwContact) no_key = NULL;
  g_autofree char *token = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GwJoinToken) back = NULL;

  /* Waiting, then abandoned: nothing to rate. */
  g_assert_null(gw_contact_rating_token(contact));
  gw_contact_offer(contact);
  g_assert_null(gw_contact_rating_token(contact));
  gw_contact_answer(contact, "u1");
  gw_contact_end(contact, "hangup", "advisor");
  token = gw_contact_rating_token(contact);
  g_assert_nonnull(token);
  back = gw_rating_token_check(key, token, strlen(token), g_get_real_time() / G_USEC_PER_SEC,
                               &error);
  g_assert_no_error(error);
  g_assert_cmpstr(back->contact_id, ==, "c-rated");

  info.rating_key = NULL;
  no_key = gw_contact_new(&sink, &info);
  gw_contact_offer(no_key);
  gw_contact_answer(no_key, "u1");
  g_assert_null(gw_contact_rating_token(no_key));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rating-token/round-trip", test_round_trip);
  g_test_add_func("/rating-token/refused", test_refused);
  g_test_add_func("/rating-token/join-link-is-no-rating", test_join_link_is_no_rating);
  g_test_add_func("/rating-token/pseudonym-in-token", test_pseudonym_in_token);
  g_test_add_func("/rating-token/contact", test_contact_token);
  return g_test_run();
}
