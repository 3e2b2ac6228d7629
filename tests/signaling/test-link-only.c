/* SPDX-License-Identifier: Apache-2.0 */
/* rooms.link_only over real sockets: with it, only what the gateway signed opens a call (a join
 * link, a guest link) and logged-in advisors join those; plain room names are refused. */
#include <string.h>

#include "harness.h"
#include "signaling/join-token.h"

/* data: the value of rooms.link_only */
static void
fixture_set_up(HarnessFixture *fixture, gconstpointer data)
{
  GwConfig *config = harness_fixture_prepare(fixture, "balie-link-only-XXXXXX");

  config->link_only = GPOINTER_TO_UINT(data) != 0;
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
sign(GwJoinTokenKind kind, const char *contact_id)
{
  GwJoinToken token = {kind,
                       (char *)contact_id,
                       "hypotheek",
                       NULL,
                       g_get_real_time() / G_USEC_PER_SEC + 600,
                       NULL};

  return gw_join_token_sign(&token, (const guint8 *)HARNESS_TOKEN_KEY, strlen(HARNESS_TOKEN_KEY));
}

/* Joins @room and expects the `join` refused with @code; the socket stays usable. */
static void
assert_refused(HarnessFixture *fixture, const char *cookie, const char *room, const char *role,
               const char *code)
{
  HarnessClient *client = harness_client_connect_as(fixture, cookie);

  harness_client_send_join(client, room, role, NULL);
  JsonObject *error = harness_client_wait_nth(client, "error", 0);
  g_assert_cmpstr(json_object_get_string_member(error, "code"), ==, code);
  g_assert_cmpstr(json_object_get_string_member(error, "ref"), ==, "join");
  g_assert_false(client->closed);
  harness_client_close(client);
}

static void
test_plain_rooms_refused(HarnessFixture *fixture, gconstpointer data)
{
  g_autofree char *cookie = NULL;
  g_autofree char *csrf = NULL;

  harness_add_account(fixture, "anna", "a good long password");
  harness_login(fixture, "anna", "a good long password", &cookie, &csrf);

  /* Anyone, logged in or not, in any role: no plain room opens. */
  assert_refused(fixture, NULL, "demo-1a2b3c", "customer", "unauthorized");
  assert_refused(fixture, NULL, "demo-1a2b3c", "advisor", "unauthorized");
  assert_refused(fixture, cookie, "demo-1a2b3c", "advisor", "unauthorized");
  assert_refused(fixture, cookie, "anything", "customer", "unauthorized");
  /* Link rooms without their link stay refused as before. */
  assert_refused(fixture, NULL, "c-link1", "customer", "bad-token");
  assert_refused(fixture, NULL, "c-link1", "advisor", "unauthorized");
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 0);
  g_assert_cmpuint(fixture->events->len, ==, 0);
}

static void
test_links_still_open_calls(HarnessFixture *fixture, gconstpointer data)
{
  g_autofree char *cookie = NULL;
  g_autofree char *csrf = NULL;
  g_autofree char *invite = sign(GW_JOIN_TOKEN_INVITE, "c-link2");
  g_autofree char *guest = sign(GW_JOIN_TOKEN_GUEST, "c-link2");

  harness_add_account(fixture, "anna", "a good long password");
  harness_login(fixture, "anna", "a good long password", &cookie, &csrf);

  HarnessClient *customer = harness_client_connect(fixture);
  harness_client_send_join(customer, "c-link2", "customer", invite);
  harness_client_wait_nth(customer, "welcome", 0);
  HarnessClient *advisor = harness_client_connect_as(fixture, cookie);
  harness_client_send_join(advisor, "c-link2", "advisor", NULL);
  harness_client_wait_nth(advisor, "welcome", 0);
  HarnessClient *interpreter = harness_client_connect(fixture);
  harness_client_send_join(interpreter, "c-link2", "customer", guest);
  harness_client_wait_nth(interpreter, "welcome", 0);
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 1);
  g_assert_cmpuint(gw_server_get_participant_count(fixture->server), ==, 3);
  g_assert_cmpuint(harness_count_events(fixture, GW_CONTACT_OFFERED), ==, 1);
}

/* rooms.link_only = false: the demo's plain rooms open for anyone, as before. */
static void
test_plain_rooms_when_allowed(HarnessFixture *fixture, gconstpointer data)
{
  HarnessClient *customer = harness_client_connect(fixture);
  harness_client_send_join(customer, "demo-1a2b3c", "customer", NULL);
  harness_client_wait_nth(customer, "welcome", 0);
  HarnessClient *advisor = harness_client_connect(fixture);
  harness_client_send_join(advisor, "demo-1a2b3c", "advisor", NULL);
  harness_client_wait_nth(advisor, "welcome", 0);
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 1);
}

int
main(int argc, char **argv)
{
  harness_init(&argc, &argv);
  g_test_add("/link-only/plain-rooms-refused", HarnessFixture, GUINT_TO_POINTER(1), fixture_set_up,
             test_plain_rooms_refused, fixture_tear_down);
  g_test_add("/link-only/links-still-open-calls", HarnessFixture, GUINT_TO_POINTER(1),
             fixture_set_up, test_links_still_open_calls, fixture_tear_down);
  g_test_add("/link-only/plain-rooms-when-allowed", HarnessFixture, GUINT_TO_POINTER(0),
             fixture_set_up, test_plain_rooms_when_allowed, fixture_tear_down);
  return harness_finish(g_test_run());
}
