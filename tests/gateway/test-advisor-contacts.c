/* SPDX-License-Identifier: Apache-2.0 */
/* GET /api/v1/me/contacts through a real server on 127.0.0.1: two advisors each take a call, one
 * is rated (with a comment) and wrapped up; each sees only their own, with the rating, and nobody
 * without a login sees anything. With BALIE_TEST_PG_CONNINFO the store is that PostgreSQL (the
 * same assertions, tests/gateway/test-store-postgres.sh). */
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "gateway/advisor-contacts.h"
#include "gateway/experience.h"
#include "harness.h"

#define PASSWORD "a good long password"

typedef struct {
  HarnessFixture h;
  GwExperience *experience;
} Fixture;

static void
fixture_set_up(Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  const char *pg = g_getenv("BALIE_TEST_PG_CONNINFO");

  harness_fixture_prepare(&fixture->h, "balie-my-contacts-XXXXXX");
  harness_fixture_set_token_key(&fixture->h);
  if (pg != NULL) {
    g_free(fixture->h.config->store_backend);
    fixture->h.config->store_backend = g_strdup("postgresql");
    harness_write_file(fixture->h.dir, "pg.conninfo", pg);
    fixture->h.config->postgres_conninfo_file =
        g_build_filename(fixture->h.dir, "pg.conninfo", NULL);
  }
  harness_fixture_start(&fixture->h);
  fixture->experience = gw_experience_start(fixture->h.config, fixture->h.server, &error);
  g_assert_no_error(error);
}

static void
fixture_tear_down(Fixture *fixture, gconstpointer data)
{
  harness_fixture_tear_down(&fixture->h);
  gw_experience_stop(fixture->experience);
  harness_run_for(50);
}

/* An invite by the advisor of @cookie, the call, the advisor hangs up. Returns the customer's
 * rating token; @wrap_up gets the advisor's wrap-up token, @contact the contact id. */
static char *
take_call(Fixture *fixture, const char *cookie, const char *csrf, const char *journey,
          gboolean advisor_first, char **wrap_up, char **contact)
{
  HarnessReply reply = {0};
  g_autofree char *body = g_strdup_printf("{\"journey\":\"%s\"}", journey);

  harness_api_request(&fixture->h, "POST", "/api/v1/invites", body, cookie, csrf, &reply);
  g_assert_cmpuint(reply.status, ==, SOUP_STATUS_CREATED);
  g_autoptr(JsonObject) invite = harness_parse_object(reply.body, strlen(reply.body));
  harness_reply_clear(&reply);
  const char *room = json_object_get_string_member(invite, "contact");
  const char *token = strstr(json_object_get_string_member(invite, "url"), "/j/") + 3;

  HarnessClient *customer = harness_client_connect(&fixture->h);
  HarnessClient *advisor = harness_client_connect_as(&fixture->h, cookie);
  /* Either may open the room: the customer with the link, or the advisor who waits for them. */
  HarnessClient *first = advisor_first ? advisor : customer;
  HarnessClient *second = advisor_first ? customer : advisor;
  harness_client_send_join(first, room, advisor_first ? "advisor" : "customer",
                           advisor_first ? NULL : token);
  harness_client_wait_nth(first, "welcome", 0);
  harness_client_send_join(second, room, advisor_first ? "customer" : "advisor",
                           advisor_first ? token : NULL);
  harness_client_wait_nth(second, "welcome", 0);
  harness_client_send(advisor, "{\"type\":\"hangup\"}");
  JsonObject *ended = harness_client_wait_nth(customer, "ended", 0);
  JsonObject *advisor_ended = harness_client_wait_nth(advisor, "ended", 0);
  *wrap_up = g_strdup(json_object_get_string_member(advisor_ended, "wrap_up"));
  *contact = g_strdup(room);
  return g_strdup(json_object_get_string_member(ended, "rating"));
}

static void
post(Fixture *fixture, const char *path, const char *json, const char *cookie, const char *csrf,
     guint status)
{
  HarnessReply reply = {0};

  harness_api_request(&fixture->h, "POST", path, json, cookie, csrf, &reply);
  g_assert_cmpuint(reply.status, ==, status);
  harness_reply_clear(&reply);
}

/* GET /api/v1/me/contacts[?QUERY] as @cookie: the parsed body of a 200. */
static JsonObject *
my_contacts(Fixture *fixture, const char *query, const char *cookie)
{
  HarnessReply reply = {0};
  g_autofree char *path = g_strconcat("/api/v1/me/contacts", query, NULL);

  harness_api_request(&fixture->h, "GET", path, NULL, cookie, NULL, &reply);
  g_assert_cmpuint(reply.status, ==, SOUP_STATUS_OK);
  JsonObject *body = harness_parse_object(reply.body, strlen(reply.body));
  harness_reply_clear(&reply);
  return body;
}

static JsonArray *
contacts_of(JsonObject *body)
{
  return json_object_get_array_member(body, "contacts");
}

/* Polls until the store has what the calls wrote: events are acknowledged asynchronously. */
static JsonObject *
wait_rated(Fixture *fixture, const char *cookie)
{
  for (guint i = 0; i < 200; i++) {
    JsonObject *body = my_contacts(fixture, "", cookie);
    JsonArray *list = contacts_of(body);
    if (json_array_get_length(list) == 1) {
      JsonObject *c = json_array_get_object_element(list, 0);
      if (!json_object_get_null_member(c, "rating") && !json_object_get_null_member(c, "wrap_up") &&
          !json_object_get_null_member(c, "handle_ms"))
        return body;
    }
    json_object_unref(body);
    harness_run_for(50);
  }
  g_error("the rated contact never showed up");
}

static void
test_own_contacts(Fixture *fixture, gconstpointer data)
{
  g_autofree char *anna = NULL, *anna_csrf = NULL, *bob = NULL, *bob_csrf = NULL;
  g_autofree char *wrap_a = NULL, *contact_a = NULL, *wrap_b = NULL, *contact_b = NULL;

  harness_add_account(&fixture->h, "anna", PASSWORD);
  harness_add_account(&fixture->h, "bob", PASSWORD);
  harness_login(&fixture->h, "anna", PASSWORD, &anna, &anna_csrf);
  harness_login(&fixture->h, "bob", PASSWORD, &bob, &bob_csrf);

  /* Before any call: an empty list, not an error. */
  g_autoptr(JsonObject) empty = my_contacts(fixture, "", anna);
  g_assert_cmpuint(json_array_get_length(contacts_of(empty)), ==, 0);

  g_autofree char *rating =
      take_call(fixture, anna, anna_csrf, "hypotheek", FALSE, &wrap_a, &contact_a);
  g_free(take_call(fixture, bob, bob_csrf, "pensioen", TRUE, &wrap_b, &contact_b));
  g_autofree char *rated = g_strdup_printf(
      "{\"token\":\"%s\",\"nps\":9,\"csat\":4,\"ces\":6,\"comment\":\"Fijn gesprek\"}", rating);
  post(fixture, "/api/v1/ratings", rated, NULL, NULL, SOUP_STATUS_CREATED);
  g_autofree char *wrapped = g_strdup_printf("{\"token\":\"%s\",\"outcome\":\"resolved\"}", wrap_a);
  post(fixture, "/api/v1/wrap-ups", wrapped, anna, anna_csrf, SOUP_STATUS_NO_CONTENT);

  g_autoptr(JsonObject) mine = wait_rated(fixture, anna);
  JsonObject *c = json_array_get_object_element(contacts_of(mine), 0);
  g_assert_cmpstr(json_object_get_string_member(c, "id"), ==, contact_a);
  g_assert_cmpstr(json_object_get_string_member(c, "journey"), ==, "hypotheek");
  g_assert_cmpstr(json_object_get_string_member(c, "outcome"), ==, "answered");
  g_assert_cmpstr(json_object_get_string_member(c, "wrap_up"), ==, "resolved");
  g_assert_cmpint(json_object_get_int_member(c, "wait_ms"), >=, 0);
  g_assert_cmpint(json_object_get_int_member(c, "handle_ms"), >=, 0);
  g_autoptr(GDateTime) time =
      g_date_time_new_from_iso8601(json_object_get_string_member(c, "time"), NULL);
  g_assert_nonnull(time);
  g_assert_cmpint(ABS(g_date_time_to_unix(time) - g_get_real_time() / G_USEC_PER_SEC), <, 600);
  JsonObject *r = json_object_get_object_member(c, "rating");
  g_assert_cmpint(json_object_get_int_member(r, "nps"), ==, 9);
  g_assert_cmpint(json_object_get_int_member(r, "csat"), ==, 4);
  g_assert_cmpint(json_object_get_int_member(r, "ces"), ==, 6);
  g_assert_false(json_object_get_boolean_member(r, "skipped"));
  /* A flag only: the comment's text stays in the store. */
  g_assert_true(json_object_get_boolean_member(r, "comment"));
  g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), mine);
  g_autofree char *text = json_to_string(node, FALSE);
  g_assert_null(strstr(text, "Fijn gesprek"));
  g_assert_null(strstr(text, contact_b));

  /* Bob sees his own call (not rated, not wrapped up) and never Anna's. */
  g_autoptr(JsonObject) his = my_contacts(fixture, "?limit=100", bob);
  g_assert_cmpuint(json_array_get_length(contacts_of(his)), ==, 1);
  JsonObject *b = json_array_get_object_element(contacts_of(his), 0);
  /* Bob opened the room before his customer came: the contact is still the invite's. */
  g_assert_cmpstr(json_object_get_string_member(b, "id"), ==, contact_b);
  g_assert_cmpstr(json_object_get_string_member(b, "journey"), ==, "pensioen");
  g_assert_true(json_object_get_null_member(b, "rating"));
  g_assert_true(json_object_get_null_member(b, "wrap_up"));

  /* Newest first, at most limit. */
  g_autofree char *wrap_c = NULL, *contact_c = NULL;
  g_free(take_call(fixture, anna, anna_csrf, "sparen", FALSE, &wrap_c, &contact_c));
  JsonObject *two = NULL;
  for (guint i = 0; i < 200 && two == NULL; i++) {
    JsonObject *body = my_contacts(fixture, "?limit=2", anna);
    if (json_array_get_length(contacts_of(body)) == 2)
      two = body;
    else
      json_object_unref(body);
    if (two == NULL)
      harness_run_for(50);
  }
  g_assert_nonnull(two);
  g_assert_cmpstr(
      json_object_get_string_member(json_array_get_object_element(contacts_of(two), 0), "id"), ==,
      contact_c);
  json_object_unref(two);
  g_autoptr(JsonObject) one = my_contacts(fixture, "?limit=1", anna);
  g_assert_cmpuint(json_array_get_length(contacts_of(one)), ==, 1);

  /* Refusals: no login, a forged cookie, a wrong method, a bad limit. */
  harness_api_expect_error(&fixture->h, "GET", "/api/v1/me/contacts", NULL, NULL, NULL,
                           SOUP_STATUS_UNAUTHORIZED, "not-logged-in");
  harness_api_expect_error(&fixture->h, "GET", "/api/v1/me/contacts", NULL,
                           "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL,
                           SOUP_STATUS_UNAUTHORIZED, "not-logged-in");
  harness_api_expect_error(&fixture->h, "POST", "/api/v1/me/contacts", "{}", anna, anna_csrf,
                           SOUP_STATUS_METHOD_NOT_ALLOWED, "method-not-allowed");
  const char *bad_limits[] = {"?limit=0",
                              "?limit=101",
                              "?limit=-1",
                              "?limit=abc",
                              "?limit=",
                              "?limit=5x",
                              "?limit=99999999999999999999"};
  for (guint i = 0; i < G_N_ELEMENTS(bad_limits); i++) {
    g_autofree char *path = g_strconcat("/api/v1/me/contacts", bad_limits[i], NULL);
    harness_api_expect_error(&fixture->h, "GET", path, NULL, anna, NULL, SOUP_STATUS_BAD_REQUEST,
                             "bad-field");
  }
  harness_api_expect_error(&fixture->h, "GET", "/api/v1/me/contacts/extra", NULL, anna, NULL,
                           SOUP_STATUS_NOT_FOUND, "not-found");
}

int
main(int argc, char **argv)
{
  harness_init(&argc, &argv);
  g_test_add("/advisor-contacts/own", Fixture, NULL, fixture_set_up, test_own_contacts,
             fixture_tear_down);
  return harness_finish(g_test_run());
}
