/* SPDX-License-Identifier: Apache-2.0 */
/* Integration tests for walk-in queues over real HTTPS and WSS on 127.0.0.1: tickets from /q/,
 * queue order and live positions, accepting the next customer into a room, abandon, a closed desk.
 */
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
  harness_fixture_prepare(fixture, "balie-queue-XXXXXX");
  harness_fixture_set_token_key(fixture);
  g_strfreev(fixture->config->queue_names);
  fixture->config->queue_names = g_strsplit("hypotheek;zorgvraag", ";", -1);
  fixture->config->opening_hours = g_strdup(data);
  harness_fixture_start(fixture);
  harness_fixture_record_events(fixture);
}

static void
fixture_tear_down(HarnessFixture *fixture, gconstpointer data)
{
  harness_fixture_tear_down(fixture);
}

/* Takes a ticket from /q/@queue: the room and token the waiting room page gets. */
static void
take_ticket(HarnessFixture *fixture, const char *queue, char **room, char **token)
{
  g_autofree char *path = g_strdup_printf("/q/%s", queue);
  g_autofree char *location = NULL;

  g_assert_cmpuint(harness_http_get(fixture, path, &location, NULL), ==, SOUP_STATUS_SEE_OTHER);
  g_autofree char *prefix = g_strdup_printf("/check.html?next=queue&queue=%s&room=", queue);
  /* libsoup makes the redirect absolute. */
  const char *relative = strstr(location, "/check.html?");
  g_assert_nonnull(relative);
  g_assert_true(g_str_has_prefix(relative, prefix));
  const char *room_start = relative + strlen(prefix);
  const char *amp = strstr(room_start, "&token=");
  g_assert_nonnull(amp);
  *room = g_strndup(room_start, (gsize)(amp - room_start));
  *token = g_strdup(amp + strlen("&token="));
  g_assert_true(g_str_has_prefix(*room, "q-"));
}

/* A customer waiting in @queue: connected and joined with a fresh ticket. */
static HarnessClient *
wait_in_queue(HarnessFixture *fixture, const char *queue, char **room, char **token)
{
  HarnessClient *client = harness_client_connect(fixture);

  take_ticket(fixture, queue, room, token);
  harness_client_send_join(client, *room, "customer", *token);
  return client;
}

/* The latest `queue` message's position once it is @position (waits for it). */
static JsonObject *
wait_position(HarnessClient *client, gint64 position)
{
  for (;;) {
    HARNESS_WAIT_FOR(client->messages->len > 0);
    JsonObject *last = g_ptr_array_index(client->messages, client->messages->len - 1);
    if (g_str_equal(json_object_get_string_member(last, "type"), "queue") &&
        json_object_get_int_member(last, "position") == position)
      return last;
    guint seen = client->messages->len;
    HARNESS_WAIT_FOR(client->messages->len > seen);
  }
}

/* GET /api/v1/queues: the `waiting` array of @queue. (transfer full) */
static JsonArray *
list_waiting(HarnessFixture *fixture, const char *cookie, const char *queue)
{
  HarnessReply reply = {0};

  harness_api_request(fixture, "GET", "/api/v1/queues", NULL, cookie, NULL, &reply);
  g_assert_cmpuint(reply.status, ==, SOUP_STATUS_OK);
  g_autoptr(JsonObject) root = harness_parse_object(reply.body, strlen(reply.body));
  harness_reply_clear(&reply);
  JsonArray *queues = json_object_get_array_member(root, "queues");
  for (guint i = 0; i < json_array_get_length(queues); i++) {
    JsonObject *object = json_array_get_object_element(queues, i);
    if (g_str_equal(json_object_get_string_member(object, "name"), queue)) {
      g_assert_true(json_object_get_boolean_member(object, "open"));
      return json_array_ref(json_object_get_array_member(object, "waiting"));
    }
  }
  g_assert_not_reached();
}

static void
set_available(HarnessFixture *fixture, const char *cookie, const char *csrf)
{
  HarnessReply reply = {0};

  harness_api_request(fixture, "PUT", "/api/v1/availability", "{\"state\":\"available\"}", cookie,
                      csrf, &reply);
  g_assert_cmpuint(reply.status, ==, SOUP_STATUS_OK);
  harness_reply_clear(&reply);
}

static void
test_order_and_accept(HarnessFixture *fixture, gconstpointer data)
{
  g_autofree char *cookie = NULL, *csrf = NULL;
  g_autofree char *room1 = NULL, *token1 = NULL, *room2 = NULL, *token2 = NULL;
  g_autofree char *room3 = NULL, *token3 = NULL, *other_room = NULL, *other_token = NULL;
  HarnessReply reply = {0};

  harness_add_account(fixture, "anna", "a long enough passphrase");
  harness_login(fixture, "anna", "a long enough passphrase", &cookie, &csrf);

  HarnessClient *first = wait_in_queue(fixture, "hypotheek", &room1, &token1);
  JsonObject *queued = wait_position(first, 1);
  g_assert_cmpstr(json_object_get_string_member(queued, "state"), ==, "waiting");
  g_assert_cmpint(json_object_get_int_member(queued, "estimated_wait_s"), >, 0);
  HarnessClient *second = wait_in_queue(fixture, "hypotheek", &room2, &token2);
  wait_position(second, 2);
  HarnessClient *third = wait_in_queue(fixture, "hypotheek", &room3, &token3);
  wait_position(third, 3);
  /* Another queue keeps its own order. */
  HarnessClient *other = wait_in_queue(fixture, "zorgvraag", &other_room, &other_token);
  wait_position(other, 1);
  HARNESS_WAIT_FOR(harness_count_events(fixture, GW_CONTACT_OFFERED) == 4);
  /* A waiting customer's estimate grows with the position. */
  g_assert_cmpint(json_object_get_int_member(wait_position(third, 3), "estimated_wait_s"), >,
                  json_object_get_int_member(wait_position(second, 2), "estimated_wait_s"));

  g_autoptr(JsonArray) waiting = list_waiting(fixture, cookie, "hypotheek");
  g_assert_cmpuint(json_array_get_length(waiting), ==, 3);
  g_assert_cmpstr(
      json_object_get_string_member(json_array_get_object_element(waiting, 0), "contact"), ==,
      room1);
  g_assert_cmpstr(
      json_object_get_string_member(json_array_get_object_element(waiting, 2), "contact"), ==,
      room3);
  g_assert_cmpint(json_object_get_int_member(json_array_get_object_element(waiting, 0), "waited_s"),
                  >=, 0);

  /* Nobody walks into a waiting customer's room, nor waits twice on one ticket. */
  HarnessClient *early = harness_client_connect_as(fixture, cookie);
  harness_client_send_join(early, room1, "advisor", NULL);
  g_assert_cmpstr(json_object_get_string_member(harness_client_wait_nth(early, "error", 0), "code"),
                  ==, "wrong-state");
  harness_client_close(early);
  HarnessClient *twice = harness_client_connect(fixture);
  harness_client_send_join(twice, room2, "customer", token2);
  g_assert_cmpstr(json_object_get_string_member(harness_client_wait_nth(twice, "error", 0), "code"),
                  ==, "wrong-state");
  harness_client_close(twice);

  /* Only an available advisor takes customers (a login starts away). */
  harness_api_expect_error(fixture, "POST", "/api/v1/queues/hypotheek/accept", NULL, cookie, csrf,
                           SOUP_STATUS_CONFLICT, "not-available");
  set_available(fixture, cookie, csrf);

  /* Accepting needs the CSRF token. */
  harness_api_expect_error(fixture, "POST", "/api/v1/queues/hypotheek/accept", NULL, cookie, NULL,
                           SOUP_STATUS_FORBIDDEN, "csrf");
  harness_api_request(fixture, "POST", "/api/v1/queues/hypotheek/accept", NULL, cookie, csrf,
                      &reply);
  g_assert_cmpuint(reply.status, ==, SOUP_STATUS_OK);
  g_autoptr(JsonObject) accepted = harness_parse_object(reply.body, strlen(reply.body));
  harness_reply_clear(&reply);
  g_assert_cmpstr(json_object_get_string_member(accepted, "room"), ==, room1);
  JsonObject *go = NULL;
  for (guint i = 0; go == NULL; i++) {
    HARNESS_WAIT_FOR(i < first->messages->len);
    JsonObject *object = g_ptr_array_index(first->messages, i);
    if (g_str_equal(json_object_get_string_member(object, "type"), "queue") &&
        g_str_equal(json_object_get_string_member(object, "state"), "accepted"))
      go = object;
  }
  g_assert_cmpstr(json_object_get_string_member(go, "state"), ==, "accepted");
  g_assert_cmpstr(json_object_get_string_member(go, "room"), ==, room1);
  /* The others move up. */
  wait_position(second, 1);
  wait_position(third, 2);
  JsonArray *still = list_waiting(fixture, cookie, "hypotheek");
  g_assert_cmpuint(json_array_get_length(still), ==, 2);
  json_array_unref(still);

  /* The waiting page goes (no abandon), the call page joins, the advisor answers. */
  harness_client_close(first);
  g_assert_null(harness_find_event(fixture, GW_CONTACT_ABANDONED));
  HarnessClient *customer = harness_client_connect(fixture);
  harness_client_send_join(customer, room1, "customer", token1);
  harness_client_wait_nth(customer, "welcome", 0);
  HarnessClient *advisor = harness_client_connect_as(fixture, cookie);
  harness_client_send_join(advisor, room1, "advisor", NULL);
  harness_client_wait_nth(advisor, "welcome", 0);
  HARNESS_WAIT_FOR(harness_find_event(fixture, GW_CONTACT_ANSWERED) != NULL);
  HarnessEvent *answered = harness_find_event(fixture, GW_CONTACT_ANSWERED);
  g_assert_cmpstr(answered->contact_id, ==, room1);
  g_assert_nonnull(answered->advisor_ref);
  g_assert_cmpuint(harness_count_events(fixture, GW_CONTACT_OFFERED), ==, 4);

  /* Taking a customer made the advisor busy; one call at a time even when available. */
  harness_api_request(fixture, "GET", "/api/v1/me", NULL, cookie, NULL, &reply);
  g_assert_nonnull(strstr(reply.body, "\"availability\":\"busy\""));
  harness_reply_clear(&reply);
  set_available(fixture, cookie, csrf);
  harness_api_expect_error(fixture, "POST", "/api/v1/queues/hypotheek/accept", NULL, cookie, csrf,
                           SOUP_STATUS_CONFLICT, "in-call");
  HarnessClient *elsewhere = harness_client_connect_as(fixture, cookie);
  harness_client_send_join(elsewhere, "another-call", "advisor", NULL);
  g_assert_cmpstr(
      json_object_get_string_member(harness_client_wait_nth(elsewhere, "error", 0), "code"), ==,
      "wrong-state");
  harness_client_close(elsewhere);
  soup_websocket_connection_send_text(advisor->connection, "{\"type\":\"hangup\"}");
  HARNESS_WAIT_FOR(harness_find_event(fixture, GW_CONTACT_ENDED) != NULL);
  /* The ticket is used up. */
  HarnessClient *late = harness_client_connect(fixture);
  harness_client_send_join(late, room1, "customer", token1);
  g_assert_cmpstr(json_object_get_string_member(harness_client_wait_nth(late, "error", 0), "code"),
                  ==, "contact-closed");
  harness_client_close(late);

  /* A chosen customer instead of the next one: the third, while the second waits on. */
  harness_api_expect_error(fixture, "POST", "/api/v1/queues/hypotheek/accept",
                           "{\"contact\":\"nobody\"}", cookie, csrf, SOUP_STATUS_CONFLICT,
                           "not-waiting");
  harness_api_expect_error(fixture, "POST", "/api/v1/queues/hypotheek/accept", "{\"contact\":7}",
                           cookie, csrf, SOUP_STATUS_BAD_REQUEST, "bad-field");
  g_autofree char *chosen = g_strdup_printf("{\"contact\":\"%s\"}", room3);
  harness_api_request(fixture, "POST", "/api/v1/queues/hypotheek/accept", chosen, cookie, csrf,
                      &reply);
  g_assert_cmpuint(reply.status, ==, SOUP_STATUS_OK);
  g_assert_nonnull(strstr(reply.body, room3));
  harness_reply_clear(&reply);
  wait_position(second, 1);
  /* The chosen customer's page comes and goes again before the advisor: its room closes. */
  HarnessClient *third_call = harness_client_connect(fixture);
  harness_client_send_join(third_call, room3, "customer", token3);
  harness_client_wait_nth(third_call, "welcome", 0);
  harness_client_close(third_call);

  harness_client_close(second);
  harness_client_close(third);
  harness_client_close(other);
  HARNESS_WAIT_FOR(harness_count_events(fixture, GW_CONTACT_ABANDONED) >= 2);
}

static void
test_abandon(HarnessFixture *fixture, gconstpointer data)
{
  g_autofree char *room1 = NULL, *token1 = NULL, *room2 = NULL, *token2 = NULL;
  g_autofree char *cookie = NULL, *csrf = NULL;

  HarnessClient *first = wait_in_queue(fixture, "zorgvraag", &room1, &token1);
  wait_position(first, 1);
  HarnessClient *second = wait_in_queue(fixture, "zorgvraag", &room2, &token2);
  wait_position(second, 2);
  HARNESS_WAIT_FOR(gw_server_get_room_count(fixture->server) == 2);

  harness_client_close(first);
  HARNESS_WAIT_FOR(harness_find_event(fixture, GW_CONTACT_ABANDONED) != NULL);
  HarnessEvent *abandoned = harness_find_event(fixture, GW_CONTACT_ABANDONED);
  g_assert_cmpstr(abandoned->contact_id, ==, room1);
  g_assert_cmpint(abandoned->wait_ms, >=, 0);
  g_assert_null(harness_find_event(fixture, GW_CONTACT_ANSWERED));
  wait_position(second, 1);
  HARNESS_WAIT_FOR(gw_server_get_room_count(fixture->server) == 1);

  harness_add_account(fixture, "bram", "a long enough passphrase");
  harness_login(fixture, "bram", "a long enough passphrase", &cookie, &csrf);
  harness_client_close(second);
  HARNESS_WAIT_FOR(harness_count_events(fixture, GW_CONTACT_ABANDONED) == 2);
  set_available(fixture, cookie, csrf);
  harness_api_expect_error(fixture, "POST", "/api/v1/queues/zorgvraag/accept", NULL, cookie, csrf,
                           SOUP_STATUS_CONFLICT, "queue-empty");
  harness_api_expect_error(fixture, "POST", "/api/v1/queues/nope/accept", NULL, cookie, csrf,
                           SOUP_STATUS_NOT_FOUND, "not-found");
  harness_api_expect_error(fixture, "GET", "/api/v1/queues", NULL, NULL, NULL,
                           SOUP_STATUS_UNAUTHORIZED, "not-logged-in");
  harness_api_expect_error(fixture, "GET", "/api/v1/queues/zorgvraag/accept", NULL, cookie, NULL,
                           SOUP_STATUS_METHOD_NOT_ALLOWED, "method-not-allowed");
  /* A ticket whose wait was abandoned can wait again, as a new contact. */
  HarnessClient *again = harness_client_connect(fixture);
  harness_client_send_join(again, room1, "customer", token1);
  wait_position(again, 1);
  harness_client_close(again);
  HARNESS_WAIT_FOR(harness_count_events(fixture, GW_CONTACT_ABANDONED) == 3);
}

static void
test_unknown_queue(HarnessFixture *fixture, gconstpointer data)
{
  g_autofree char *body = NULL;

  g_assert_cmpuint(harness_http_get(fixture, "/q/onbekend", NULL, &body), ==,
                   SOUP_STATUS_NOT_FOUND);
  g_assert_nonnull(strstr(body, "bestaat niet"));
  g_assert_cmpuint(harness_http_get(fixture, "/q/%3Cscript%3E", NULL, NULL), ==,
                   SOUP_STATUS_NOT_FOUND);
}

/* Opening hours that are certainly closed now: only tomorrow morning. */
static char *
closed_hours(void)
{
  static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  gint tomorrow = g_date_time_get_day_of_week(now) % 7;

  return g_strdup_printf("%s 09:00-10:00", days[tomorrow]);
}

static void
test_closed_desk(HarnessFixture *fixture, gconstpointer data)
{
  g_autofree char *body = NULL;
  g_autofree char *location = NULL;

  g_assert_cmpuint(harness_http_get(fixture, "/q/hypotheek", &location, &body), ==, SOUP_STATUS_OK);
  g_assert_null(location);
  g_assert_nonnull(strstr(body, "gesloten"));
  g_assert_nonnull(strstr(body, "om 09:00"));
  g_assert_nonnull(strstr(body, "at 09:00"));
  g_assert_nonnull(strstr(body, "data-notice=\"queue-closed\""));
  g_assert_nonnull(strstr(body, "data-opens-time=\"09:00\""));
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 0);
}

int
main(int argc, char **argv)
{
  g_autofree char *closed = closed_hours();

  harness_init(&argc, &argv);
#define ADD(path, hours, func)                                                                     \
  g_test_add(path, HarnessFixture, hours, fixture_set_up, func, fixture_tear_down)
  ADD("/queue/order-and-accept", NULL, test_order_and_accept);
  ADD("/queue/abandon", "mon-sun 00:00-24:00", test_abandon);
  ADD("/queue/unknown", NULL, test_unknown_queue);
  ADD("/queue/closed-desk", closed, test_closed_desk);

  return harness_finish(g_test_run());
}
