/* SPDX-License-Identifier: Apache-2.0 */
/* The advisor's pointer on a shared screen through a real server on 127.0.0.1: relayed to the
 * others naming the screen, refused from a customer, for a screen nobody shares, with a place
 * outside the picture, and past its rate. */
#include <string.h>

#include "harness.h"
#include "signaling/session.h"

static void
fixture_set_up(HarnessFixture *fixture, gconstpointer data)
{
  harness_fixture_prepare(fixture, "balie-pointer-XXXXXX");
  harness_fixture_start(fixture);
}

static void
fixture_tear_down(HarnessFixture *fixture, gconstpointer data)
{
  harness_fixture_tear_down(fixture);
}

static void
wait_error(HarnessClient *client, const char *code)
{
  JsonObject *error = harness_client_take(client, "error");

  g_assert_cmpstr(json_object_get_string_member(error, "code"), ==, code);
  g_assert_cmpstr(json_object_get_string_member(error, "ref"), ==, "pointer");
}

static char *
join(HarnessClient *client, const char *role)
{
  harness_client_send_join(client, "wijzen", role, NULL);
  JsonObject *welcome = harness_client_take(client, "welcome");
  return g_strdup(json_object_get_string_member(welcome, "peer"));
}

static char *
pointer_json(const char *screen, const char *action, const char *x, const char *y)
{
  if (x == NULL)
    return g_strdup_printf("{\"type\":\"pointer\",\"screen\":\"%s\",\"action\":\"%s\"}", screen,
                           action);
  return g_strdup_printf("{\"type\":\"pointer\",\"screen\":\"%s\",\"action\":\"%s\",\"x\":%s,"
                         "\"y\":%s}",
                         screen, action, x, y);
}

static void
send_pointer(HarnessClient *client, const char *screen, const char *action, const char *x,
             const char *y)
{
  g_autofree char *json = pointer_json(screen, action, x, y);
  harness_client_send(client, json);
}

static void
test_relay(HarnessFixture *fixture, gconstpointer data)
{
  HarnessClient *advisor = harness_client_connect(fixture);
  HarnessClient *customer = harness_client_connect(fixture);
  HarnessClient *guest = harness_client_connect(fixture);
  g_autofree char *advisor_peer = join(advisor, "advisor");
  g_autofree char *customer_peer = join(customer, "customer");
  g_free(join(guest, "customer"));

  /* Nobody shares yet: nothing to point at, and nothing is sent. */
  send_pointer(advisor, customer_peer, "show", "0.5", "0.5");
  wait_error(advisor, "wrong-state");
  /* Not a peer in this room at all. */
  send_pointer(advisor, "p00000000", "show", "0.5", "0.5");
  wait_error(advisor, "wrong-state");

  harness_client_send(customer, "{\"type\":\"screen\",\"action\":\"start\"}");
  harness_client_take(advisor, "screen");
  harness_client_take(guest, "screen");

  send_pointer(advisor, customer_peer, "show", "0.25", "1");
  HarnessClient *others[] = {customer, guest};
  for (guint i = 0; i < G_N_ELEMENTS(others); i++) {
    JsonObject *pointer = harness_client_take(others[i], "pointer");
    g_assert_cmpstr(json_object_get_string_member(pointer, "peer"), ==, advisor_peer);
    g_assert_cmpstr(json_object_get_string_member(pointer, "screen"), ==, customer_peer);
    g_assert_cmpstr(json_object_get_string_member(pointer, "action"), ==, "show");
    g_assert_cmpfloat(json_object_get_double_member(pointer, "x"), ==, 0.25);
    g_assert_cmpfloat(json_object_get_double_member(pointer, "y"), ==, 1.0);
  }
  send_pointer(advisor, customer_peer, "hide", NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS(others); i++) {
    JsonObject *pointer = harness_client_take(others[i], "pointer");
    g_assert_cmpstr(json_object_get_string_member(pointer, "action"), ==, "hide");
    g_assert_false(json_object_has_member(pointer, "x"));
  }

  /* Outside the picture: refused, nobody hears of it. */
  send_pointer(advisor, customer_peer, "show", "1.5", "0.5");
  wait_error(advisor, "bad-field");
  send_pointer(advisor, customer_peer, "show", "0.5", "-0.1");
  wait_error(advisor, "bad-field");
  send_pointer(advisor, customer_peer, "show", "\"0.5\"", "0.5");
  wait_error(advisor, "bad-field");

  /* Only the advisor points. */
  send_pointer(customer, customer_peer, "show", "0.5", "0.5");
  wait_error(customer, "unauthorized");
  send_pointer(guest, customer_peer, "show", "0.5", "0.5");
  wait_error(guest, "unauthorized");

  /* The share stopped: pointing at it is refused again. */
  harness_client_send(customer, "{\"type\":\"screen\",\"action\":\"stop\"}");
  harness_client_take(advisor, "screen");
  send_pointer(advisor, customer_peer, "show", "0.5", "0.5");
  wait_error(advisor, "wrong-state");

  /* The advisor's own screen can be pointed at too. */
  harness_client_send(advisor, "{\"type\":\"screen\",\"action\":\"start\"}");
  harness_client_take(customer, "screen");
  send_pointer(advisor, advisor_peer, "show", "0", "0");
  for (guint i = 0; i < G_N_ELEMENTS(others); i++) {
    JsonObject *pointer = harness_client_take(others[i], "pointer");
    g_assert_cmpstr(json_object_get_string_member(pointer, "screen"), ==, advisor_peer);
  }

  harness_run_for(100);
  g_assert_cmpint(harness_client_find(customer, "pointer"), <, 0);
  g_assert_cmpint(harness_client_find(guest, "pointer"), <, 0);
  g_assert_cmpint(harness_client_find(advisor, "pointer"), <, 0);
  g_assert_cmpint(harness_client_find(customer, "error"), <, 0);
}

/* A burst of clicks passes, a stream of them does not: the bucket refills at its own rate. */
static void
test_rate(HarnessFixture *fixture, gconstpointer data)
{
  HarnessClient *advisor = harness_client_connect(fixture);
  HarnessClient *customer = harness_client_connect(fixture);
  g_autofree char *advisor_peer = join(advisor, "advisor");
  g_free(join(customer, "customer"));
  const guint sent = GW_SESSION_POINTERS_BURST * 3;
  guint relayed = 0, refused = 0;

  harness_client_send(advisor, "{\"type\":\"screen\",\"action\":\"start\"}");
  harness_client_take(customer, "screen");
  gint64 start = g_get_monotonic_time();
  for (guint i = 0; i < sent; i++)
    send_pointer(advisor, advisor_peer, "show", "0.5", "0.5");
  HARNESS_WAIT_FOR(({
    relayed = 0;
    refused = 0;
    for (guint i = 0; i < customer->messages->len; i++) {
      const char *type =
          json_object_get_string_member(g_ptr_array_index(customer->messages, i), "type");
      relayed += g_strcmp0(type, "pointer") == 0;
    }
    for (guint i = 0; i < advisor->messages->len; i++) {
      JsonObject *m = g_ptr_array_index(advisor->messages, i);
      refused += g_strcmp0(json_object_get_string_member(m, "type"), "error") == 0 &&
                 g_strcmp0(json_object_get_string_member(m, "code"), "limit") == 0;
    }
    relayed + refused == sent;
  }));
  gint64 elapsed_us = g_get_monotonic_time() - start;
  /* Whatever the machine's speed: the burst, plus what refilled meanwhile, and no more. */
  guint allowed = GW_SESSION_POINTERS_BURST +
                  (guint)(GW_SESSION_POINTERS_PER_SECOND * elapsed_us / G_USEC_PER_SEC) + 1;
  g_test_message("%u relayed, %u refused in %" G_GINT64_FORMAT " ms", relayed, refused,
                 elapsed_us / 1000);
  g_assert_cmpuint(relayed, >=, GW_SESSION_POINTERS_BURST);
  g_assert_cmpuint(relayed, <=, allowed);
  g_assert_cmpuint(refused, >, 0);
}

int
main(int argc, char **argv)
{
  harness_init(&argc, &argv);
#define ADD(path, func)                                                                            \
  g_test_add(path, HarnessFixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD("/pointer/relay", test_relay);
  ADD("/pointer/rate", test_rate);
#undef ADD
  return harness_finish(g_test_run());
}
