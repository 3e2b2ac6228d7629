/* SPDX-License-Identifier: Apache-2.0 */
/* Integration tests for the contact flow over real HTTPS and WSS on 127.0.0.1: lifecycle events
 * reaching the sink, join links (valid, expired, forged, replayed), and the join refusals. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "harness.h"
#include "signaling/join-token.h"
#include "signaling/server.h"
#include "signaling/tls-cert.h"
#include "signaling/user-store.h"

static void
fixture_set_up(HarnessFixture *fixture, gconstpointer data)
{
  harness_fixture_prepare(fixture, "balie-contact-XXXXXX");
  harness_fixture_set_token_key(fixture);
  harness_fixture_start(fixture);
  harness_fixture_record_events(fixture);
}

static void
fixture_tear_down(HarnessFixture *fixture, gconstpointer data)
{
  harness_fixture_tear_down(fixture);
}

static char *
sign(const char *contact_id, gint64 expires_in_s)
{
  GwJoinToken token = {GW_JOIN_TOKEN_INVITE,
                       (char *)contact_id,
                       "hypotheek",
                       NULL,
                       g_get_real_time() / G_USEC_PER_SEC + expires_in_s,
                       NULL};

  return gw_join_token_sign(&token, (const guint8 *)HARNESS_TOKEN_KEY, strlen(HARNESS_TOKEN_KEY));
}

/* ---- WebSocket ---- */

static void
assert_join_refused(HarnessFixture *fixture, const char *room, const char *role, const char *token,
                    const char *code)
{
  HarnessClient *client = harness_client_connect(fixture);

  harness_client_send_join(client, room, role, token);
  JsonObject *error = harness_client_wait_nth(client, "error", 0);
  g_assert_cmpstr(json_object_get_string_member(error, "code"), ==, code);
  g_assert_cmpstr(json_object_get_string_member(error, "ref"), ==, "join");
  harness_client_close(client);
}

/* ---- tests ---- */

static void
test_lifecycle(HarnessFixture *fixture, gconstpointer data)
{
  HarnessClient *advisor = harness_client_connect(fixture);
  HarnessClient *customer = harness_client_connect(fixture);

  harness_client_send_join(advisor, "walk-in-1", "advisor", NULL);
  harness_client_wait_nth(advisor, "welcome", 0);
  /* An advisor alone offers nothing. */
  g_assert_cmpuint(fixture->events->len, ==, 0);
  harness_client_send_join(customer, "walk-in-1", "customer", NULL);
  harness_client_wait_nth(customer, "welcome", 0);
  HARNESS_WAIT_FOR(harness_find_event(fixture, GW_CONTACT_ANSWERED) != NULL);
  g_assert_cmpint(((HarnessEvent *)g_ptr_array_index(fixture->events, 0))->type, ==,
                  GW_CONTACT_OFFERED);

  soup_websocket_connection_send_text(customer->connection,
                                      "{\"type\":\"screen\",\"action\":\"start\"}");
  HARNESS_WAIT_FOR(harness_find_event(fixture, GW_CONTACT_SCREEN_STARTED) != NULL);
  g_assert_cmpstr(harness_find_event(fixture, GW_CONTACT_SCREEN_STARTED)->attrs, ==,
                  "{\"by\":\"customer\"}");
  soup_websocket_connection_send_text(advisor->connection, "{\"type\":\"hangup\"}");
  HARNESS_WAIT_FOR(harness_find_event(fixture, GW_CONTACT_ENDED) != NULL);
  HarnessEvent *ended = harness_find_event(fixture, GW_CONTACT_ENDED);
  g_assert_cmpstr(ended->reason, ==, "hangup");
  g_assert_cmpstr(ended->ended_by, ==, "advisor");
  /* The running share stopped with the call, before it ended. */
  g_assert_nonnull(harness_find_event(fixture, GW_CONTACT_SCREEN_STOPPED));
  HARNESS_WAIT_FOR(advisor->closed && customer->closed);
  HARNESS_WAIT_FOR(gw_server_get_room_count(fixture->server) == 0);
  for (guint i = 0; i < fixture->events->len; i++)
    g_assert_cmpstr(((HarnessEvent *)g_ptr_array_index(fixture->events, i))->contact_id, ==,
                    ended->contact_id);
  g_assert_cmpuint(harness_count_events(fixture, GW_CONTACT_ENDED), ==, 1);
}

static void
test_abandon(HarnessFixture *fixture, gconstpointer data)
{
  HarnessClient *customer = harness_client_connect(fixture);

  harness_client_send_join(customer, "walk-in-2", "customer", NULL);
  harness_client_wait_nth(customer, "welcome", 0);
  HARNESS_WAIT_FOR(harness_find_event(fixture, GW_CONTACT_OFFERED) != NULL);
  harness_client_close(customer);
  HARNESS_WAIT_FOR(harness_find_event(fixture, GW_CONTACT_ABANDONED) != NULL);
  g_assert_cmpint(harness_find_event(fixture, GW_CONTACT_ABANDONED)->wait_ms, >=, 0);
  g_assert_null(harness_find_event(fixture, GW_CONTACT_ENDED));
}

static void
test_rejoin(HarnessFixture *fixture, gconstpointer data)
{
  HarnessClient *advisor = harness_client_connect(fixture);
  HarnessClient *customer = harness_client_connect(fixture);

  harness_client_send_join(advisor, "walk-in-3", "advisor", NULL);
  harness_client_wait_nth(advisor, "welcome", 0);
  harness_client_send_join(customer, "walk-in-3", "customer", NULL);
  HARNESS_WAIT_FOR(harness_find_event(fixture, GW_CONTACT_ANSWERED) != NULL);
  harness_client_close(customer);
  harness_client_wait_nth(advisor, "participant-left", 0);
  g_assert_null(harness_find_event(fixture, GW_CONTACT_ENDED));

  HarnessClient *again = harness_client_connect(fixture);
  harness_client_send_join(again, "walk-in-3", "customer", NULL);
  harness_client_wait_nth(again, "welcome", 0);
  HARNESS_WAIT_FOR(harness_find_event(fixture, GW_CONTACT_REJOINED) != NULL);
  g_assert_cmpstr(harness_find_event(fixture, GW_CONTACT_REJOINED)->attrs, ==,
                  "{\"role\":\"customer\"}");
  g_assert_cmpuint(harness_count_events(fixture, GW_CONTACT_OFFERED), ==, 1);
  harness_client_close(again);
  harness_client_close(advisor);
  HARNESS_WAIT_FOR(harness_find_event(fixture, GW_CONTACT_ENDED) != NULL);
  g_assert_cmpstr(harness_find_event(fixture, GW_CONTACT_ENDED)->reason, ==, "disconnected");
  g_assert_cmpstr(harness_find_event(fixture, GW_CONTACT_ENDED)->ended_by, ==, "customer");
}

/* Sets up an answered call in @room: advisor first, then the customer with @resume. */
static void
answered_call(HarnessFixture *fixture, const char *room, const char *resume,
              HarnessClient **advisor, HarnessClient **customer)
{
  *advisor = harness_client_connect(fixture);
  harness_client_send_join(*advisor, room, "advisor", NULL);
  harness_client_wait_nth(*advisor, "welcome", 0);
  *customer = harness_client_connect(fixture);
  g_autofree char *join = g_strdup_printf(
      "{\"type\":\"join\",\"v\":1,\"room\":\"%s\",\"role\":\"customer\",\"resume\":\"%s\"}", room,
      resume);
  harness_client_send(*customer, join);
  harness_client_wait_nth(*customer, "welcome", 0);
  HARNESS_WAIT_FOR(harness_find_event(fixture, GW_CONTACT_ANSWERED) != NULL);
}

/* A page that reconnects (same `resume` secret) replaces its old session even
 * while the old socket still looks open, so a full 1:1 room has room for it;
 * another page with another secret is still refused. */
static void
test_resume_replaces(HarnessFixture *fixture, gconstpointer data)
{
  HarnessClient *advisor, *customer;
  fixture->config->max_participants = 2;
  answered_call(fixture, "resume-1", "page-secret-0123456789", &advisor, &customer);

  HarnessClient *stranger = harness_client_connect(fixture);
  harness_client_send(stranger, "{\"type\":\"join\",\"v\":1,\"room\":\"resume-1\","
                                "\"role\":\"customer\",\"resume\":\"another-secret-98765\"}");
  JsonObject *refused = harness_client_wait_nth(stranger, "error", 0);
  g_assert_cmpstr(json_object_get_string_member(refused, "code"), ==, "room-full");
  harness_client_close(stranger);

  HarnessClient *again = harness_client_connect(fixture);
  harness_client_send(again, "{\"type\":\"join\",\"v\":1,\"room\":\"resume-1\","
                             "\"role\":\"customer\",\"resume\":\"page-secret-0123456789\"}");
  JsonObject *welcome = harness_client_wait_nth(again, "welcome", 0);
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(welcome, "participants")), ==,
                   1);
  /* The old connection is closed by the gateway, the advisor told why. */
  HARNESS_WAIT_FOR(customer->closed);
  g_assert_cmpuint(customer->close_code, ==, 4001);
  JsonObject *left = harness_client_wait_nth(advisor, "participant-left", 0);
  g_assert_cmpstr(json_object_get_string_member(left, "reason"), ==, "reconnecting");
  harness_client_wait_nth(advisor, "participant-joined", 1);
  HARNESS_WAIT_FOR(harness_find_event(fixture, GW_CONTACT_REJOINED) != NULL);
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 1);
  g_assert_null(harness_find_event(fixture, GW_CONTACT_ENDED));

  /* The secret is per role: an advisor page cannot take the customer's place. */
  harness_client_close(again);
  harness_client_close(advisor);
  HARNESS_WAIT_FOR(harness_find_event(fixture, GW_CONTACT_ENDED) != NULL);
}

/* With a grace period an answered call outlives a moment with nobody in it:
 * the room stays, a participant comes back (rejoined), and only a room left
 * empty past the grace period ends the contact as disconnected. */
static void
test_rejoin_grace(HarnessFixture *fixture, gconstpointer data)
{
  HarnessClient *advisor, *customer;
  fixture->config->rejoin_grace_seconds = 3;
  answered_call(fixture, "grace-1", "page-secret-0123456789", &advisor, &customer);

  harness_client_close(customer);
  JsonObject *left = harness_client_wait_nth(advisor, "participant-left", 0);
  g_assert_cmpstr(json_object_get_string_member(left, "reason"), ==, "disconnected");
  g_assert_cmpint(json_object_get_int_member(left, "grace_s"), ==, 3);
  harness_client_close(advisor);
  /* Both gone, and the room is still there for them. */
  HARNESS_WAIT_FOR(gw_server_get_participant_count(fixture->server) == 0);
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 1);
  g_assert_null(harness_find_event(fixture, GW_CONTACT_ENDED));

  HarnessClient *back = harness_client_connect(fixture);
  harness_client_send(back, "{\"type\":\"join\",\"v\":1,\"room\":\"grace-1\","
                            "\"role\":\"customer\",\"resume\":\"page-secret-0123456789\"}");
  harness_client_wait_nth(back, "welcome", 0);
  HARNESS_WAIT_FOR(harness_find_event(fixture, GW_CONTACT_REJOINED) != NULL);
  /* Past the first grace period: the rejoin cancelled the expiry. */
  harness_run_for(3500);
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 1);
  g_assert_null(harness_find_event(fixture, GW_CONTACT_ENDED));

  harness_client_close(back);
  HARNESS_WAIT_FOR(harness_find_event(fixture, GW_CONTACT_ENDED) != NULL);
  g_assert_cmpstr(harness_find_event(fixture, GW_CONTACT_ENDED)->reason, ==, "disconnected");
  /* Whoever left first; the customer came back alone, which does not undo that. */
  g_assert_cmpstr(harness_find_event(fixture, GW_CONTACT_ENDED)->ended_by, ==, "customer");
  HARNESS_WAIT_FOR(gw_server_get_room_count(fixture->server) == 0);
}

static void
test_link_pages(HarnessFixture *fixture, gconstpointer data)
{
  g_autofree char *valid = sign("c-page1", 600);
  g_autofree char *expired = sign("c-page2", -1);
  g_autofree char *valid_path = g_strconcat("/j/", valid, NULL);
  g_autofree char *expired_path = g_strconcat("/j/", expired, NULL);
  g_autofree char *location = NULL;
  g_autofree char *body = NULL;

  g_assert_cmpuint(harness_http_get(fixture, valid_path, &location, NULL), ==,
                   SOUP_STATUS_SEE_OTHER);
  g_autofree char *expected = g_strdup_printf("/check.html?room=c-page1&token=%s", valid);
  g_assert_true(g_str_has_suffix(location, expected));

  g_assert_cmpuint(harness_http_get(fixture, expired_path, NULL, &body), ==, SOUP_STATUS_GONE);
  g_assert_nonnull(strstr(body, "<h1>Deze link is verlopen</h1>"));
  g_assert_nonnull(strstr(body, "nieuwe"));
  /* web/notice.js words it in the visitor's language (strings.notice["link-expired"]). */
  g_assert_nonnull(strstr(body, "data-notice=\"link-expired\""));
  g_assert_nonnull(strstr(body, "<script type=\"module\" src=\"/notice.js\"></script>"));
  g_clear_pointer(&body, g_free);

  /* Forged: the right shape, another key's signature; and plain garbage. */
  GwJoinToken token = {GW_JOIN_TOKEN_INVITE, "c-page1", "hypotheek", NULL, G_MAXINT32, NULL};
  g_autofree char *forged =
      gw_join_token_sign(&token, (const guint8 *)"x-other-key-0123456789abcdef-0123", 33);
  g_autofree char *forged_path = g_strconcat("/j/", forged, NULL);
  /* libsoup itself refuses some paths with 400 before any handler runs. */
  const char *odd[] = {"/j/%00", "/j/..%2f..%2fetc"};
  for (guint i = 0; i < G_N_ELEMENTS(odd); i++) {
    guint status = harness_http_get(fixture, odd[i], NULL, NULL);
    g_assert_true(status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_BAD_REQUEST);
  }
  const char *bad[] = {forged_path, "/j/", "/j/abc", "/j/a.b.c"};
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_assert_cmpuint(harness_http_get(fixture, bad[i], NULL, &body), ==, SOUP_STATUS_NOT_FOUND);
    g_assert_nonnull(strstr(body, "<h1>Deze link werkt niet</h1>"));
    /* Nothing from the request is echoed into the page. */
    g_assert_null(strstr(body, "abc"));
    g_clear_pointer(&body, g_free);
  }
}

/* A link used for a call that took place is refused afterwards (replay), on the page and the
 * socket; one whose customer only waited can be used again, as a new contact. */
static void
test_link_replay(HarnessFixture *fixture, gconstpointer data)
{
  g_autofree char *token = sign("c-replay", 600);
  g_autofree char *path = g_strconcat("/j/", token, NULL);
  g_autofree char *body = NULL;

  HarnessClient *waiting = harness_client_connect(fixture);
  harness_client_send_join(waiting, "c-replay", "customer", token);
  harness_client_wait_nth(waiting, "welcome", 0);
  HARNESS_WAIT_FOR(harness_find_event(fixture, GW_CONTACT_OFFERED) != NULL);
  g_assert_cmpstr(harness_find_event(fixture, GW_CONTACT_OFFERED)->contact_id, ==, "c-replay");
  g_assert_cmpstr(harness_find_event(fixture, GW_CONTACT_OFFERED)->journey, ==, "hypotheek");
  harness_client_close(waiting);
  HARNESS_WAIT_FOR(harness_find_event(fixture, GW_CONTACT_ABANDONED) != NULL);
  HARNESS_WAIT_FOR(gw_server_get_room_count(fixture->server) == 0);
  g_assert_cmpuint(harness_http_get(fixture, path, NULL, NULL), ==, SOUP_STATUS_SEE_OTHER);

  g_autofree char *cookie = NULL;
  g_autofree char *csrf = NULL;
  harness_add_account(fixture, "anna", "correct horse battery");
  harness_login(fixture, "anna", "correct horse battery", &cookie, &csrf);
  HarnessClient *customer = harness_client_connect(fixture);
  harness_client_send_join(customer, "c-replay", "customer", token);
  harness_client_wait_nth(customer, "welcome", 0);
  /* Only a logged-in advisor takes a link's call. */
  assert_join_refused(fixture, "c-replay", "advisor", NULL, "unauthorized");
  HarnessClient *advisor = harness_client_connect_as(fixture, cookie);
  harness_client_send_join(advisor, "c-replay", "advisor", NULL);
  HARNESS_WAIT_FOR(harness_find_event(fixture, GW_CONTACT_ANSWERED) != NULL);
  g_assert_true(
      g_str_has_prefix(harness_find_event(fixture, GW_CONTACT_ANSWERED)->advisor_ref, "u"));
  g_assert_cmpstr(harness_find_event(fixture, GW_CONTACT_ANSWERED)->contact_id, !=, "c-replay");
  soup_websocket_connection_send_text(customer->connection, "{\"type\":\"hangup\"}");
  HARNESS_WAIT_FOR(harness_find_event(fixture, GW_CONTACT_ENDED) != NULL);
  HARNESS_WAIT_FOR(gw_server_get_room_count(fixture->server) == 0);

  g_assert_cmpuint(harness_http_get(fixture, path, NULL, &body), ==, SOUP_STATUS_GONE);
  g_assert_nonnull(strstr(body, "<h1>Dit gesprek is afgelopen</h1>"));
  assert_join_refused(fixture, "c-replay", "customer", token, "contact-closed");
}

static void
test_join_refusals(HarnessFixture *fixture, gconstpointer data)
{
  g_autofree char *valid = sign("c-join1", 600);
  g_autofree char *expired = sign("c-join1", -5);
  g_autofree char *forged = g_strdup(valid);
  char *last = forged + strlen(forged) - 2;
  *last = *last == 'A' ? 'B' : 'A';

  assert_join_refused(fixture, "c-join1", "customer", NULL, "bad-token");
  assert_join_refused(fixture, "q-walkin", "customer", NULL, "bad-token");
  assert_join_refused(fixture, "c-join1", "customer", forged, "bad-token");
  assert_join_refused(fixture, "c-join1", "customer", "not-a-token", "bad-token");
  assert_join_refused(fixture, "c-join1", "customer", "bad token!", "bad-field");
  assert_join_refused(fixture, "c-join1", "customer", expired, "token-expired");
  assert_join_refused(fixture, "c-other", "customer", valid, "bad-field");
  assert_join_refused(fixture, "c-join1", "advisor", valid, "bad-field");
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 0);
  g_assert_cmpuint(fixture->events->len, ==, 0);

  HarnessClient *customer = harness_client_connect(fixture);
  harness_client_send_join(customer, "c-join1", "customer", valid);
  harness_client_wait_nth(customer, "welcome", 0);
  /* A second join on the same socket is a state error and changes nothing. */
  harness_client_send_join(customer, "c-join1", "customer", valid);
  JsonObject *error = harness_client_wait_nth(customer, "error", 0);
  g_assert_cmpstr(json_object_get_string_member(error, "code"), ==, "wrong-state");
  g_assert_cmpuint(harness_count_events(fixture, GW_CONTACT_OFFERED), ==, 1);
}

static void
test_login(HarnessFixture *fixture, gconstpointer data)
{
  g_autofree char *cookie = NULL;
  g_autofree char *csrf = NULL;
  HarnessReply reply = {0};

  harness_add_account(fixture, "bram", "a good long password");
  harness_api_expect_error(fixture, "GET", "/api/v1/me", NULL, NULL, NULL, SOUP_STATUS_UNAUTHORIZED,
                           "not-logged-in");
  harness_api_request(fixture, "POST", "/api/v1/login",
                      "{\"name\":\"bram\",\"password\":\"wrong\"}", NULL, NULL, &reply);
  harness_assert_api_error(&reply, SOUP_STATUS_UNAUTHORIZED, "bad-credentials");
  g_assert_null(reply.set_cookie);
  harness_reply_clear(&reply);
  /* Unknown names get the same answer as wrong passwords. */
  harness_api_expect_error(fixture, "POST", "/api/v1/login",
                           "{\"name\":\"nobody\",\"password\":\"x\"}", NULL, NULL,
                           SOUP_STATUS_UNAUTHORIZED, "bad-credentials");
  const char *bad_bodies[] = {"[]", "{", "{\"name\":1,\"password\":\"x\"}", "{\"name\":\"bram\"}"};
  for (guint i = 0; i < G_N_ELEMENTS(bad_bodies); i++) {
    harness_api_expect_error(fixture, "POST", "/api/v1/login", bad_bodies[i], NULL, NULL,
                             SOUP_STATUS_BAD_REQUEST, "bad-request");
  }
  g_autofree char *huge = g_strdup_printf("{\"name\":\"%0*d\"}", 9000, 0);
  harness_api_expect_error(fixture, "POST", "/api/v1/login", huge, NULL, NULL,
                           SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too-large");
  harness_api_expect_error(fixture, "GET", "/api/v1/login", NULL, NULL, NULL,
                           SOUP_STATUS_METHOD_NOT_ALLOWED, "method-not-allowed");
  harness_api_expect_error(fixture, "GET", "/api/v1/nope", NULL, NULL, NULL, SOUP_STATUS_NOT_FOUND,
                           "not-found");

  harness_login(fixture, "bram", "a good long password", &cookie, &csrf);
  harness_api_request(fixture, "GET", "/api/v1/me", NULL, cookie, NULL, &reply);
  g_assert_cmpuint(reply.status, ==, SOUP_STATUS_OK);
  g_assert_nonnull(strstr(reply.body, "\"availability\":\"away\""));
  harness_reply_clear(&reply);

  /* CSRF: a state change without the header, or with another value, is refused. */
  harness_api_expect_error(fixture, "PUT", "/api/v1/availability", "{\"state\":\"available\"}",
                           cookie, NULL, SOUP_STATUS_FORBIDDEN, "csrf");
  harness_api_expect_error(fixture, "PUT", "/api/v1/availability", "{\"state\":\"available\"}",
                           cookie, "forged-csrf-token", SOUP_STATUS_FORBIDDEN, "csrf");
  harness_api_expect_error(fixture, "PUT", "/api/v1/availability", "{\"state\":\"sleeping\"}",
                           cookie, csrf, SOUP_STATUS_BAD_REQUEST, "bad-field");
  harness_api_request(fixture, "PUT", "/api/v1/availability", "{\"state\":\"available\"}", cookie,
                      csrf, &reply);
  g_assert_cmpuint(reply.status, ==, SOUP_STATUS_OK);
  g_assert_nonnull(strstr(reply.body, "\"availability\":\"available\""));
  harness_reply_clear(&reply);

  harness_api_expect_error(fixture, "POST", "/api/v1/logout", NULL, cookie, NULL,
                           SOUP_STATUS_FORBIDDEN, "csrf");
  harness_api_request(fixture, "POST", "/api/v1/logout", NULL, cookie, csrf, &reply);
  g_assert_cmpuint(reply.status, ==, SOUP_STATUS_NO_CONTENT);
  g_assert_nonnull(strstr(reply.set_cookie, "Max-Age=0"));
  harness_reply_clear(&reply);
  harness_api_expect_error(fixture, "GET", "/api/v1/me", NULL, cookie, NULL,
                           SOUP_STATUS_UNAUTHORIZED, "not-logged-in");
}

static void
test_lockout(HarnessFixture *fixture, gconstpointer data)
{
  HarnessReply reply = {0};

  harness_add_account(fixture, "cora", "a good long password");
  for (guint i = 0; i < 5; i++) {
    harness_api_expect_error(fixture, "POST", "/api/v1/login",
                             "{\"name\":\"cora\",\"password\":\"guess\"}", NULL, NULL,
                             SOUP_STATUS_UNAUTHORIZED, "bad-credentials");
  }
  /* Locked now: even the right password is refused, with a time to wait. */
  harness_api_request(fixture, "POST", "/api/v1/login",
                      "{\"name\":\"cora\",\"password\":\"a good long password\"}", NULL, NULL,
                      &reply);
  harness_assert_api_error(&reply, 429, "locked");
  g_assert_cmpint(atoi(reply.retry_after), >, 800);
  g_assert_null(reply.set_cookie);
  harness_reply_clear(&reply);
}

static void
test_invites(HarnessFixture *fixture, gconstpointer data)
{
  g_autofree char *cookie = NULL;
  g_autofree char *csrf = NULL;
  HarnessReply reply = {0};

  harness_add_account(fixture, "dirk", "a good long password");
  harness_login(fixture, "dirk", "a good long password", &cookie, &csrf);
  harness_api_expect_error(fixture, "POST", "/api/v1/invites", "{\"journey\":\"hypotheek\"}",
                           cookie, NULL, SOUP_STATUS_FORBIDDEN, "csrf");
  harness_api_expect_error(fixture, "POST", "/api/v1/invites", "{\"journey\":\"hypo theek\"}",
                           cookie, csrf, SOUP_STATUS_BAD_REQUEST, "bad-field");
  harness_api_expect_error(fixture, "POST", "/api/v1/invites",
                           "{\"journey\":\"hypotheek\",\"expires_in_minutes\":999999}", cookie,
                           csrf, SOUP_STATUS_BAD_REQUEST, "bad-field");

  harness_api_request(fixture, "POST", "/api/v1/invites",
                      "{\"journey\":\"hypotheek\",\"expires_in_minutes\":30}", cookie, csrf,
                      &reply);
  g_assert_cmpuint(reply.status, ==, SOUP_STATUS_CREATED);
  g_autoptr(JsonObject) invite = harness_parse_object(reply.body, strlen(reply.body));
  harness_reply_clear(&reply);
  const char *url = json_object_get_string_member(invite, "url");
  const char *contact = json_object_get_string_member(invite, "contact");
  g_assert_true(g_str_has_prefix(contact, "c-"));
  /* public_url is derived here: https://localhost:PORT */
  g_autofree char *prefix =
      g_strdup_printf("https://localhost:%u/j/", gw_server_get_port(fixture->server));
  g_assert_true(g_str_has_prefix(url, prefix));
  g_autofree char *path = g_strdup(url + strlen(prefix) - strlen("/j/"));
  g_autofree char *location = NULL;
  g_assert_cmpuint(harness_http_get(fixture, path, &location, NULL), ==, SOUP_STATUS_SEE_OTHER);
  g_assert_nonnull(strstr(location, contact));

  /* Revoked: the page says so and the socket refuses it. */
  g_autofree char *revoke = g_strdup_printf("/api/v1/invites/%s", contact);
  harness_api_request(fixture, "DELETE", revoke, NULL, cookie, csrf, &reply);
  g_assert_cmpuint(reply.status, ==, SOUP_STATUS_NO_CONTENT);
  harness_reply_clear(&reply);
  g_autofree char *body = NULL;
  g_assert_cmpuint(harness_http_get(fixture, path, NULL, &body), ==, SOUP_STATUS_GONE);
  g_assert_nonnull(strstr(body, "geannuleerd"));
  assert_join_refused(fixture, contact, "customer", path + strlen("/j/"), "contact-closed");

  /* The rate limit: config->invites_per_minute (10) in a minute, one used above. */
  for (guint i = 1; i < fixture->config->invites_per_minute; i++) {
    harness_api_request(fixture, "POST", "/api/v1/invites", "{\"journey\":\"zorg\"}", cookie, csrf,
                        &reply);
    g_assert_cmpuint(reply.status, ==, SOUP_STATUS_CREATED);
    harness_reply_clear(&reply);
  }
  harness_api_expect_error(fixture, "POST", "/api/v1/invites", "{\"journey\":\"zorg\"}", cookie,
                           csrf, 429, "rate-limited");
}

/* The token part of a link URL (after /j/). */
static const char *
link_token(const char *url)
{
  const char *t = strstr(url, "/j/");
  g_assert_nonnull(t);
  return t + strlen("/j/");
}

/* A guest link brings a third participant into a running call as "guest":
 * everyone sees them, the contact gets no customer events from them, and the
 * link is refused before the call runs and after it is over. */
static void
test_guests(HarnessFixture *fixture, gconstpointer data)
{
  g_autofree char *cookie = NULL;
  g_autofree char *csrf = NULL;
  HarnessReply reply = {0};

  harness_add_account(fixture, "dirk", "a good long password");
  harness_login(fixture, "dirk", "a good long password", &cookie, &csrf);
  harness_api_expect_error(fixture, "POST", "/api/v1/calls/call-7/guests", NULL, cookie, NULL,
                           SOUP_STATUS_FORBIDDEN, "csrf");
  harness_api_expect_error(fixture, "POST", "/api/v1/calls/a%20b/guests", NULL, cookie, csrf,
                           SOUP_STATUS_NOT_FOUND, "not-found");
  harness_api_request(fixture, "GET", "/api/v1/calls/call-7/guests", NULL, cookie, csrf, &reply);
  g_assert_cmpuint(reply.status, ==, SOUP_STATUS_METHOD_NOT_ALLOWED);
  harness_reply_clear(&reply);

  harness_api_request(fixture, "POST", "/api/v1/calls/call-7/guests", NULL, cookie, csrf, &reply);
  g_assert_cmpuint(reply.status, ==, SOUP_STATUS_CREATED);
  g_autoptr(JsonObject) link = harness_parse_object(reply.body, strlen(reply.body));
  harness_reply_clear(&reply);
  g_assert_cmpstr(json_object_get_string_member(link, "room"), ==, "call-7");
  g_autofree char *token = g_strdup(link_token(json_object_get_string_member(link, "url")));

  /* No call yet: a guest does not open one. */
  assert_join_refused(fixture, "call-7", "customer", token, "contact-closed");
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 0);
  /* The link names its room. */
  assert_join_refused(fixture, "call-8", "customer", token, "bad-field");

  HarnessClient *advisor, *customer;
  answered_call(fixture, "call-7", "page-secret-0123456789", &advisor, &customer);
  HarnessClient *guest = harness_client_connect(fixture);
  harness_client_send_join(guest, "call-7", "customer", token);
  JsonObject *welcome = harness_client_wait_nth(guest, "welcome", 0);
  g_assert_cmpstr(json_object_get_string_member(welcome, "role"), ==, "guest");
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(welcome, "participants")), ==,
                   2);
  JsonObject *joined = harness_client_wait_nth(advisor, "participant-joined", 1);
  g_assert_cmpstr(json_object_get_string_member(joined, "role"), ==, "guest");
  harness_client_wait_nth(customer, "participant-joined", 0);
  g_assert_cmpuint(gw_server_get_participant_count(fixture->server), ==, 3);
  g_assert_cmpuint(harness_count_events(fixture, GW_CONTACT_OFFERED), ==, 1);
  g_assert_null(harness_find_event(fixture, GW_CONTACT_REJOINED));

  /* The guest leaving changes nothing for the contact; the others leaving ends it. */
  harness_client_close(guest);
  harness_client_wait_nth(advisor, "participant-left", 0);
  g_assert_null(harness_find_event(fixture, GW_CONTACT_ENDED));
  harness_client_close(customer);
  harness_client_close(advisor);
  HARNESS_WAIT_FOR(harness_find_event(fixture, GW_CONTACT_ENDED) != NULL);
  g_assert_cmpstr(harness_find_event(fixture, GW_CONTACT_ENDED)->ended_by, ==, "customer");
  HARNESS_WAIT_FOR(gw_server_get_room_count(fixture->server) == 0);
  /* Over: the same link is refused. */
  assert_join_refused(fixture, "call-7", "customer", token, "contact-closed");
}

/* After a call the advisor who took it gets a wrap-up token in `ended` and
 * records journey and outcome with it; nobody else can, and it opens no call. */
static void
test_wrap_up(HarnessFixture *fixture, gconstpointer data)
{
  g_autofree char *cookie = NULL, *csrf = NULL, *other_cookie = NULL, *other_csrf = NULL;
  HarnessReply reply = {0};

  harness_add_account(fixture, "dirk", "a good long password");
  harness_add_account(fixture, "els", "another long password");
  harness_login(fixture, "dirk", "a good long password", &cookie, &csrf);
  harness_login(fixture, "els", "another long password", &other_cookie, &other_csrf);

  HarnessClient *advisor = harness_client_connect_as(fixture, cookie);
  harness_client_send_join(advisor, "wrap-1", "advisor", NULL);
  harness_client_wait_nth(advisor, "welcome", 0);
  HarnessClient *customer = harness_client_connect(fixture);
  harness_client_send_join(customer, "wrap-1", "customer", NULL);
  harness_client_wait_nth(customer, "welcome", 0);
  HARNESS_WAIT_FOR(harness_find_event(fixture, GW_CONTACT_ANSWERED) != NULL);
  harness_client_send(customer, "{\"type\":\"hangup\"}");
  JsonObject *ended = harness_client_wait_nth(advisor, "ended", 0);
  g_assert_true(json_object_has_member(ended, "wrap_up"));
  g_autofree char *token = g_strdup(json_object_get_string_member(ended, "wrap_up"));
  g_assert_false(json_object_has_member(harness_client_wait_nth(customer, "ended", 0), "wrap_up"));

  /* Refusals: no such outcome, a bad journey, someone else's call, a forged token. */
  g_autofree char *bad_outcome = g_strdup_printf("{\"token\":\"%s\",\"outcome\":\"great\"}", token);
  harness_api_expect_error(fixture, "POST", "/api/v1/wrap-ups", bad_outcome, cookie, csrf,
                           SOUP_STATUS_BAD_REQUEST, "bad-field");
  g_autofree char *bad_journey =
      g_strdup_printf("{\"token\":\"%s\",\"outcome\":\"resolved\",\"journey\":\"a b\"}", token);
  harness_api_expect_error(fixture, "POST", "/api/v1/wrap-ups", bad_journey, cookie, csrf,
                           SOUP_STATUS_BAD_REQUEST, "bad-field");
  g_autofree char *good = g_strdup_printf(
      "{\"token\":\"%s\",\"outcome\":\"follow-up\",\"journey\":\"pensioen\"}", token);
  harness_api_expect_error(fixture, "POST", "/api/v1/wrap-ups", good, other_cookie, other_csrf,
                           SOUP_STATUS_FORBIDDEN, "bad-token");
  harness_api_expect_error(fixture, "POST", "/api/v1/wrap-ups",
                           "{\"token\":\"eyJrIjoid3JhcC11cCJ9.AAAA\",\"outcome\":\"resolved\"}",
                           cookie, csrf, SOUP_STATUS_FORBIDDEN, "bad-token");
  harness_api_expect_error(fixture, "POST", "/api/v1/wrap-ups", good, cookie, NULL,
                           SOUP_STATUS_FORBIDDEN, "csrf");
  g_assert_null(harness_find_event(fixture, GW_CONTACT_WRAPPED_UP));

  harness_api_request(fixture, "POST", "/api/v1/wrap-ups", good, cookie, csrf, &reply);
  g_assert_cmpuint(reply.status, ==, SOUP_STATUS_NO_CONTENT);
  harness_reply_clear(&reply);
  HarnessEvent *wrapped = harness_find_event(fixture, GW_CONTACT_WRAPPED_UP);
  g_assert_nonnull(wrapped);
  g_assert_cmpstr(wrapped->contact_id, ==,
                  harness_find_event(fixture, GW_CONTACT_ANSWERED)->contact_id);
  g_assert_cmpstr(wrapped->attrs, ==, "{\"outcome\":\"follow-up\"}");

  /* A wrap-up token is no join link. */
  assert_join_refused(fixture, "wrap-1", "customer", token, "bad-token");
}

/* The key file is generated once, private, and reused. */
static void
test_key_generated(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp("balie-key-XXXXXX", &error);
  GwConfig *config = gw_config_new_default();

  g_free(config->listen_address);
  config->listen_address = g_strdup("127.0.0.1");
  config->port = 0;
  config->tls = FALSE;
  g_free(config->data_dir);
  config->data_dir = g_strdup(dir);
  GwServer *server = gw_server_new(config, &error);
  g_assert_no_error(error);
  gw_server_free(server);

  g_autofree char *path = g_build_filename(dir, "secrets", "token.key", NULL);
  g_autofree char *first = NULL;
  GStatBuf st;
  g_assert_true(g_file_get_contents(path, &first, NULL, NULL));
  g_assert_cmpint(g_stat(path, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);
  g_assert_cmpuint(strlen(g_strstrip(first)), >=, 32);

  server = gw_server_new(config, &error);
  g_assert_no_error(error);
  gw_server_free(server);
  g_autofree char *second = NULL;
  g_assert_true(g_file_get_contents(path, &second, NULL, NULL));
  g_assert_cmpstr(first, ==, g_strstrip(second));

  /* A key too short to trust stops the start with a clear error. */
  g_file_set_contents_full(path, "short\n", -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL);
  g_assert_null(gw_server_new(config, &error));
  g_assert_error(error, GW_SERVER_ERROR, GW_SERVER_ERROR_SECRET);
  g_assert_null(strstr(error->message, "short"));
  gw_config_unref(config);
  harness_remove_tree(dir);
}

int
main(int argc, char **argv)
{
  harness_init(&argc, &argv);
#define ADD(path, func)                                                                            \
  g_test_add(path, HarnessFixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD("/contact-flow/lifecycle", test_lifecycle);
  ADD("/contact-flow/abandon", test_abandon);
  ADD("/contact-flow/rejoin", test_rejoin);
  ADD("/contact-flow/resume-replaces", test_resume_replaces);
  ADD("/contact-flow/rejoin-grace", test_rejoin_grace);
  ADD("/contact-flow/link-pages", test_link_pages);
  ADD("/contact-flow/link-replay", test_link_replay);
  ADD("/contact-flow/join-refusals", test_join_refusals);
  ADD("/contact-flow/login", test_login);
  ADD("/contact-flow/lockout", test_lockout);
  ADD("/contact-flow/invites", test_invites);
  ADD("/contact-flow/guests", test_guests);
  ADD("/contact-flow/wrap-up", test_wrap_up);
  g_test_add_func("/contact-flow/key-generated", test_key_generated);

  return harness_finish(g_test_run());
}
