/* SPDX-License-Identifier: Apache-2.0 */
/* The experience metrics through a real server on 127.0.0.1: an invite with a customer id, a call,
 * the rating token in `ended`, POST /api/v1/ratings (accepted once, forged/expired/replayed
 * refused), the supervisor-only insights and exports, and /metrics checked by promtool. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "gateway/experience.h"
#include "harness.h"
#include "signaling/contact.h"
#include "signaling/rating-token.h"
#include "signaling/user-store.h"

#define PASSWORD "a good long password"

typedef struct {
  HarnessFixture h;
  GwExperience *experience;
  SoupServer *collector; /* the webhook test's receiver on 127.0.0.1 */
  GPtrArray *pushed;     /* "EVENT BODY" per request it took */
} Fixture;

static void
on_pushed(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
          gpointer data)
{
  Fixture *fixture = data;
  SoupMessageBody *body = soup_server_message_get_request_body(msg);
  const char *event = soup_message_headers_get_one(soup_server_message_get_request_headers(msg),
                                                   "X-Balie-Event");

  g_ptr_array_add(fixture->pushed, g_strdup_printf("%s %.*s", event, (int)body->length, body->data));
  soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
}

/* A collector on 127.0.0.1 and the [webhook] config pointing at it. */
static void
start_collector(Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, 0);
  g_autofree char *secret = g_build_filename(fixture->h.dir, "webhook.secret", NULL);
  GSList *uris;

  fixture->pushed = g_ptr_array_new_with_free_func(g_free);
  fixture->collector = soup_server_new(NULL, NULL);
  soup_server_add_handler(fixture->collector, "/hook", on_pushed, fixture, NULL);
  g_assert_true(soup_server_listen(fixture->collector, address, 0, &error));
  uris = soup_server_get_uris(fixture->collector);
  fixture->h.config->webhook_url =
      g_strdup_printf("http://127.0.0.1:%d/hook", g_uri_get_port(uris->data));
  g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
  harness_write_file(fixture->h.dir, "webhook.secret", "a-webhook-secret-0123456789\n");
  fixture->h.config->webhook_secret_file = g_steal_pointer(&secret);
}

static void
fixture_set_up(Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  harness_fixture_prepare(&fixture->h, "balie-experience-XXXXXX");
  harness_fixture_set_token_key(&fixture->h);
  if (data != NULL)
    start_collector(fixture);
  harness_fixture_start(&fixture->h);
  fixture->experience = gw_experience_start(fixture->h.config, fixture->h.server, &error);
  g_assert_no_error(error);
}

static void
fixture_tear_down(Fixture *fixture, gconstpointer data)
{
  /* The server first: its last contact events still go to the store, which closes after it. */
  harness_fixture_tear_down(&fixture->h);
  gw_experience_stop(fixture->experience);
  harness_run_for(50);
  if (fixture->collector != NULL) {
    soup_server_disconnect(fixture->collector);
    g_object_unref(fixture->collector);
    g_ptr_array_unref(fixture->pushed);
  }
}

static void
add_user(Fixture *fixture, const char *name, GwUserRole role)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename(fixture->h.dir, "users.db", NULL);
  g_autoptr(GwUserStore) store = gw_user_store_open(path, &error);
  g_autoptr(GwUser) user = gw_user_store_add(store, name, role, PASSWORD, &error);

  g_assert_no_error(error);
  g_assert_nonnull(user);
}

static guint
post_rating(Fixture *fixture, const char *json, char **code)
{
  HarnessReply reply = {0};
  guint status;

  harness_api_request(&fixture->h, "POST", "/api/v1/ratings", json, NULL, NULL, &reply);
  status = reply.status;
  if (code != NULL)
    *code = status >= 400 ? harness_error_code(&reply) : NULL;
  harness_reply_clear(&reply);
  return status;
}

static void
assert_rating_refused(Fixture *fixture, const char *json, guint status, const char *code)
{
  g_autofree char *got = NULL;

  g_assert_cmpuint(post_rating(fixture, json, &got), ==, status);
  g_assert_cmpstr(got, ==, code);
}

/* GET @path with @cookie: the body, and the status in @status. */
static char *
get(Fixture *fixture, const char *path, const char *cookie, guint *status)
{
  HarnessReply reply = {0};
  char *body;

  harness_api_request(&fixture->h, "GET", path, NULL, cookie, NULL, &reply);
  *status = reply.status;
  body = g_steal_pointer(&reply.body);
  harness_reply_clear(&reply);
  return body;
}

static char *
pseudonym(Fixture *fixture, const char *id)
{
  g_autofree char *path = g_build_filename(fixture->h.dir, "secrets", "pseudonym.key", NULL);
  g_autofree char *key = NULL;

  g_assert_true(g_file_get_contents(path, &key, NULL, NULL));
  g_strstrip(key);
  return gw_contact_pseudonym((const guint8 *)key, strlen(key), id);
}

/* An invite for customer klant-42, the call, the advisor hangs up: the customer's rating token. */
static char *
call_and_hang_up(Fixture *fixture, const char *advisor_cookie, const char *csrf,
                 char **contact_out, char **join_token)
{
  HarnessReply reply = {0};

  harness_api_request(&fixture->h, "POST", "/api/v1/invites",
                      "{\"journey\":\"hypotheek\",\"customer_id\":\"klant\\u0007\"}",
                      advisor_cookie, csrf, &reply);
  harness_assert_api_error(&reply, SOUP_STATUS_BAD_REQUEST, "bad-field");
  harness_reply_clear(&reply);
  harness_api_request(&fixture->h, "POST", "/api/v1/invites",
                      "{\"journey\":\"hypotheek\",\"customer_id\":\"klant-42\"}", advisor_cookie,
                      csrf, &reply);
  g_assert_cmpuint(reply.status, ==, SOUP_STATUS_CREATED);
  g_autoptr(JsonObject) invite = harness_parse_object(reply.body, strlen(reply.body));
  harness_reply_clear(&reply);
  g_autofree char *ref = pseudonym(fixture, "klant-42");
  g_assert_cmpstr(json_object_get_string_member(invite, "customer_ref"), ==, ref);
  const char *contact = json_object_get_string_member(invite, "contact");
  const char *url = json_object_get_string_member(invite, "url");
  const char *token = strstr(url, "/j/") + strlen("/j/");

  HarnessClient *customer = harness_client_connect(&fixture->h);
  HarnessClient *advisor = harness_client_connect_as(&fixture->h, advisor_cookie);
  harness_client_send_join(customer, contact, "customer", token);
  harness_client_wait_nth(customer, "welcome", 0);
  harness_client_send_join(advisor, contact, "advisor", NULL);
  harness_client_wait_nth(advisor, "welcome", 0);
  harness_client_send(advisor, "{\"type\":\"hangup\"}");
  JsonObject *ended = harness_client_wait_nth(customer, "ended", 0);
  JsonObject *advisor_ended = harness_client_wait_nth(advisor, "ended", 0);
  /* Only the customer rates. */
  g_assert_false(json_object_has_member(advisor_ended, "rating"));
  g_assert_true(json_object_has_member(ended, "rating"));
  *contact_out = g_strdup(contact);
  *join_token = g_strdup(token);
  return g_strdup(json_object_get_string_member(ended, "rating"));
}

static void
test_rating(Fixture *fixture, gconstpointer data)
{
  g_autofree char *advisor_cookie = NULL, *advisor_csrf = NULL;
  g_autofree char *sup_cookie = NULL, *sup_csrf = NULL;
  g_autofree char *contact = NULL, *join_token = NULL;
  g_autofree char *long_comment = g_strnfill(1001, 'x');
  GBytes *key = gw_server_get_rating_key(fixture->h.server);
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  guint status = 0;

  add_user(fixture, "anna", GW_USER_ROLE_ADVISOR);
  add_user(fixture, "sam", GW_USER_ROLE_SUPERVISOR);
  harness_login(&fixture->h, "anna", PASSWORD, &advisor_cookie, &advisor_csrf);
  harness_login(&fixture->h, "sam", PASSWORD, &sup_cookie, &sup_csrf);
  g_autofree char *token = call_and_hang_up(fixture, advisor_cookie, advisor_csrf, &contact,
                                            &join_token);

  /* Bad answers first: nothing is stored, the token stays good. */
  g_autofree char *bad_nps = g_strdup_printf("{\"token\":\"%s\",\"nps\":11}", token);
  assert_rating_refused(fixture, bad_nps, SOUP_STATUS_BAD_REQUEST, "bad-field");
  g_autofree char *bad_csat = g_strdup_printf("{\"token\":\"%s\",\"csat\":0}", token);
  assert_rating_refused(fixture, bad_csat, SOUP_STATUS_BAD_REQUEST, "bad-field");
  g_autofree char *text_ces = g_strdup_printf("{\"token\":\"%s\",\"ces\":\"7\"}", token);
  assert_rating_refused(fixture, text_ces, SOUP_STATUS_BAD_REQUEST, "bad-field");
  g_autofree char *too_long =
      g_strdup_printf("{\"token\":\"%s\",\"nps\":9,\"comment\":\"%s\"}", token, long_comment);
  assert_rating_refused(fixture, too_long, SOUP_STATUS_BAD_REQUEST, "bad-field");
  assert_rating_refused(fixture, "[1,2]", SOUP_STATUS_BAD_REQUEST, "bad-request");
  /* An empty body parses to no JSON root at all: refused, no json-glib critical. */
  assert_rating_refused(fixture, "", SOUP_STATUS_BAD_REQUEST, "bad-request");
  assert_rating_refused(fixture, " ", SOUP_STATUS_BAD_REQUEST, "bad-request");
  assert_rating_refused(fixture, "{\"nps\":9}", SOUP_STATUS_BAD_REQUEST, "bad-field");

  /* Not ours: a changed signature, a join link, an expired rating token. */
  g_autofree char *forged = g_strdup(token);
  forged[strlen(forged) - 2] = forged[strlen(forged) - 2] == 'A' ? 'B' : 'A';
  g_autofree char *forged_json = g_strdup_printf("{\"token\":\"%s\",\"nps\":0}", forged);
  assert_rating_refused(fixture, forged_json, SOUP_STATUS_FORBIDDEN, "bad-token");
  g_autofree char *join_json = g_strdup_printf("{\"token\":\"%s\",\"nps\":0}", join_token);
  assert_rating_refused(fixture, join_json, SOUP_STATUS_FORBIDDEN, "bad-token");
  g_autofree char *old = gw_rating_token_issue(key, "c-old", NULL,
                                               now - GW_RATING_TOKEN_TTL_SECONDS - 1);
  g_autofree char *old_json = g_strdup_printf("{\"token\":\"%s\",\"nps\":0}", old);
  assert_rating_refused(fixture, old_json, SOUP_STATUS_FORBIDDEN, "token-expired");

  /* The rating, once: acknowledged only after the store has it, then a clear 409. */
  g_autofree char *good = g_strdup_printf(
      "{\"token\":\"%s\",\"nps\":9,\"csat\":4,\"ces\":6,\"comment\":\"Fijn gesprek\"}", token);
  g_assert_cmpuint(post_rating(fixture, good, NULL), ==, SOUP_STATUS_CREATED);
  assert_rating_refused(fixture, good, SOUP_STATUS_CONFLICT, "already-rated");
  g_autofree char *again = g_strdup_printf("{\"token\":\"%s\",\"skipped\":true}", token);
  assert_rating_refused(fixture, again, SOUP_STATUS_CONFLICT, "already-rated");

  /* Skipping is an answer too: counted, not scored. */
  g_autofree char *skip_token = gw_rating_token_issue(key, "c-skip", "hypotheek", now);
  g_autofree char *skip = g_strdup_printf("{\"token\":\"%s\",\"skipped\":true}", skip_token);
  g_assert_cmpuint(post_rating(fixture, skip, NULL), ==, SOUP_STATUS_CREATED);

  /* Insights: supervisors only. */
  g_free(get(fixture, "/api/v1/insights", NULL, &status));
  g_assert_cmpuint(status, ==, SOUP_STATUS_UNAUTHORIZED);
  g_free(get(fixture, "/api/v1/insights", advisor_cookie, &status));
  g_assert_cmpuint(status, ==, SOUP_STATUS_FORBIDDEN);
  g_autofree char *bad_period = get(fixture, "/api/v1/insights?from=gisteren", sup_cookie, &status);
  g_assert_cmpuint(status, ==, SOUP_STATUS_BAD_REQUEST);
  g_assert_nonnull(strstr(bad_period, "\"code\":\"bad-field\""));
  g_autofree char *insights = get(fixture, "/api/v1/insights", sup_cookie, &status);
  g_assert_cmpuint(status, ==, SOUP_STATUS_OK);
  g_autoptr(JsonObject) report = harness_parse_object(insights, strlen(insights));
  JsonObject *totals = json_object_get_object_member(report, "totals");
  g_assert_cmpint(json_object_get_int_member(totals, "answered"), ==, 1);
  g_assert_cmpfloat(json_object_get_double_member(totals, "nps"), ==, 100.0);
  g_assert_cmpfloat(json_object_get_double_member(totals, "csat_pct"), ==, 100.0);
  g_assert_cmpfloat(json_object_get_double_member(totals, "ces_mean"), ==, 6.0);

  /* The exports hold the pseudonym and the rating, never the raw customer id. */
  g_autofree char *contacts = get(fixture, "/api/v1/export/contacts.jsonl", sup_cookie, &status);
  g_assert_cmpuint(status, ==, SOUP_STATUS_OK);
  g_autofree char *ref = pseudonym(fixture, "klant-42");
  g_assert_nonnull(strstr(contacts, ref));
  g_assert_null(strstr(contacts, "klant-42"));
  g_autofree char *ratings = get(fixture, "/api/v1/export/ratings.csv", sup_cookie, &status);
  g_assert_cmpuint(status, ==, SOUP_STATUS_OK);
  g_autofree char *row = g_strdup_printf("\"%s\",\"video\",", contact);
  g_assert_nonnull(strstr(ratings, row));
  g_assert_nonnull(strstr(ratings, ",0,9,4,6,\"Fijn gesprek\""));
  g_assert_nonnull(strstr(ratings, "\"c-skip\",\"video\","));
  g_assert_nonnull(strstr(ratings, ",1,,,,\r\n"));
}

/* /metrics counts the call and the ratings, and promtool accepts the text. */
static void
test_metrics(Fixture *fixture, gconstpointer data)
{
  g_autofree char *cookie = NULL, *csrf = NULL, *contact = NULL, *join_token = NULL;
  g_autofree char *file = g_build_filename(fixture->h.dir, "metrics.txt", NULL);
  g_autofree char *command = NULL, *out = NULL, *err = NULL;
  g_autoptr(GError) error = NULL;
  gint wait_status = 0;
  guint status = 0;

  add_user(fixture, "anna", GW_USER_ROLE_ADVISOR);
  harness_login(&fixture->h, "anna", PASSWORD, &cookie, &csrf);
  g_autofree char *token = call_and_hang_up(fixture, cookie, csrf, &contact, &join_token);
  g_autofree char *good = g_strdup_printf("{\"token\":\"%s\",\"nps\":3}", token);
  g_assert_cmpuint(post_rating(fixture, good, NULL), ==, SOUP_STATUS_CREATED);

  g_autofree char *text = get(fixture, "/metrics", NULL, &status);
  g_assert_cmpuint(status, ==, SOUP_STATUS_OK);
  g_assert_nonnull(strstr(text, "\nbalie_calls_started_total 1\n"));
  g_assert_nonnull(strstr(text, "\nbalie_calls_ended_total 1\n"));
  g_assert_nonnull(strstr(text, "\nbalie_contacts_offered_total 1\n"));
  g_assert_nonnull(strstr(text, "\nbalie_ratings_total{kind=\"answered\"} 1\n"));
  g_assert_nonnull(strstr(text, "\nbalie_wait_seconds_count 1\n"));
  g_assert_nonnull(strstr(text, "\nbalie_rooms 0\n"));
  g_assert_nonnull(strstr(text, "\nbalie_store_backlog "));
  g_assert_nonnull(strstr(text, "\nbalie_store_write_seconds_count "));
  g_assert_true(g_file_set_contents(file, text, -1, &error));
  command = g_strdup("promtool check metrics");
  {
    const char *argv[] = {"sh", "-c", "promtool check metrics < \"$0\"", file, NULL};

    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               &err, &wait_status, &error));
  }
  g_assert_no_error(error);
  if (!g_spawn_check_wait_status(wait_status, NULL))
    g_error("%s refused /metrics (is the Debian package prometheus installed?):\n%s%s", command,
            out, err);
}

/* The gateway's webhook, from the config: the finished contact and its rating reach the collector. */
static void
test_webhook(Fixture *fixture, gconstpointer data)
{
  g_autofree char *cookie = NULL, *csrf = NULL, *contact = NULL, *join_token = NULL;

  add_user(fixture, "anna", GW_USER_ROLE_ADVISOR);
  harness_login(&fixture->h, "anna", PASSWORD, &cookie, &csrf);
  g_autofree char *token = call_and_hang_up(fixture, cookie, csrf, &contact, &join_token);
  HARNESS_WAIT_FOR(fixture->pushed->len >= 1);
  g_autofree char *rating = g_strdup_printf("{\"token\":\"%s\",\"nps\":10,\"csat\":5}", token);
  g_assert_cmpuint(post_rating(fixture, rating, NULL), ==, SOUP_STATUS_CREATED);
  HARNESS_WAIT_FOR(fixture->pushed->len >= 2);
  harness_run_for(200);
  g_assert_cmpuint(fixture->pushed->len, ==, 2);
  const char *first = g_ptr_array_index(fixture->pushed, 0);
  const char *second = g_ptr_array_index(fixture->pushed, 1);
  g_autofree char *id = g_strdup_printf("\"id\":\"%s\"", contact);
  g_autofree char *ref = pseudonym(fixture, "klant-42");
  g_assert_true(g_str_has_prefix(first, "contact {\"type\":\"contact\""));
  g_assert_nonnull(strstr(first, id));
  g_assert_nonnull(strstr(first, ref));
  g_assert_nonnull(strstr(first, "\"outcome\":\"answered\""));
  g_assert_true(g_str_has_prefix(second, "rating {\"type\":\"rating\""));
  g_assert_nonnull(strstr(second, "\"nps\":10"));
  g_autofree char *text = NULL;
  guint status = 0;
  text = get(fixture, "/metrics", NULL, &status);
  g_assert_nonnull(strstr(text, "\nbalie_webhook_deliveries_total{outcome=\"delivered\"} 2\n"));
}

int
main(int argc, char **argv)
{
  harness_init(&argc, &argv);
  g_test_add("/experience/rating", Fixture, NULL, fixture_set_up, test_rating, fixture_tear_down);
  g_test_add("/experience/metrics", Fixture, NULL, fixture_set_up, test_metrics,
             fixture_tear_down);
  g_test_add("/experience/webhook", Fixture, "webhook", fixture_set_up, test_webhook,
             fixture_tear_down);
  return harness_finish(g_test_run());
}
