/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for signaling/contact: the lifecycle state machine and what it hands the sink. */
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "signaling/contact.h"

typedef struct {
  GwContactEventType type;
  char *contact_id;
  char *journey;
  char *advisor_ref;
  char *reason;
  char *ended_by;
  char *attrs;
  gint64 wait_ms;
  gint64 handle_ms;
} Recorded;

static void
recorded_free(gpointer p)
{
  Recorded *r = p;

  g_free(r->contact_id);
  g_free(r->journey);
  g_free(r->advisor_ref);
  g_free(r->reason);
  g_free(r->ended_by);
  g_free(r->attrs);
  g_free(r);
}

/* Copies every event, as a store would, and acknowledges it at once. */
static void
record(gpointer sink_data, const GwContactEvent *event, GwContactRecorded done, gpointer done_data)
{
  GPtrArray *events = sink_data;
  Recorded *r = g_new0(Recorded, 1);

  g_assert_cmpstr(event->channel, ==, "video");
  g_assert_cmpint(event->time_us, >, 0);
  r->type = event->type;
  r->contact_id = g_strdup(event->contact_id);
  r->journey = g_strdup(event->journey);
  r->advisor_ref = g_strdup(event->advisor_ref);
  r->reason = g_strdup(event->reason);
  r->ended_by = g_strdup(event->ended_by);
  r->attrs = g_strdup(event->attrs_json);
  r->wait_ms = event->wait_ms;
  r->handle_ms = event->handle_ms;
  g_ptr_array_add(events, r);
  if (done != NULL)
    done(NULL, done_data);
}

static Recorded *
nth(GPtrArray *events, guint i)
{
  g_assert_cmpuint(i, <, events->len);
  return g_ptr_array_index(events, i);
}

static void
test_answered_call(void)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func(recorded_free);
  GwContactSink sink = {record, events};
  GwContactInfo info = {.id = "c1", .journey = "hypotheek", .queue = "hypotheek", .node = "n1"};
  g_autoptr(GwContact) contact = gw_contact_new(&sink, &info);

  g_assert_cmpint(gw_contact_get_phase(contact), ==, GW_CONTACT_PHASE_NEW);
  /* Nothing can be answered, ended or shared before someone waits. */
  g_assert_false(gw_contact_answer(contact, "a1"));
  g_assert_false(gw_contact_end(contact, "hangup", "advisor"));
  g_assert_false(gw_contact_screen(contact, "p1", "customer", TRUE));
  g_assert_cmpuint(events->len, ==, 0);

  g_assert_true(gw_contact_offer(contact));
  g_assert_false(gw_contact_offer(contact));
  g_usleep(20 * 1000);
  g_assert_true(gw_contact_answer(contact, "a1"));
  g_assert_false(gw_contact_abandon(contact));
  g_assert_true(gw_contact_screen(contact, "p1", "customer", TRUE));
  g_assert_false(gw_contact_screen(contact, "p1", "customer", TRUE));
  g_assert_true(gw_contact_screen(contact, "p1", "customer", FALSE));
  g_assert_false(gw_contact_screen(contact, "p1", "customer", FALSE));
  g_assert_true(gw_contact_rejoin(contact, "customer"));
  g_assert_true(gw_contact_screen(contact, "p2", "advisor", TRUE));
  g_assert_true(gw_contact_end(contact, "hangup", "advisor"));
  g_assert_false(gw_contact_end(contact, "hangup", "advisor"));
  g_assert_false(gw_contact_fail(contact, "late"));
  gw_contact_close(contact, "shutdown", "system");

  const GwContactEventType expected[] = {
      GW_CONTACT_OFFERED,        GW_CONTACT_ANSWERED, GW_CONTACT_SCREEN_STARTED,
      GW_CONTACT_SCREEN_STOPPED, GW_CONTACT_REJOINED, GW_CONTACT_SCREEN_STARTED,
      GW_CONTACT_SCREEN_STOPPED, /* the end stops a running share */
      GW_CONTACT_ENDED,
  };
  g_assert_cmpuint(events->len, ==, G_N_ELEMENTS(expected));
  for (guint i = 0; i < G_N_ELEMENTS(expected); i++) {
    g_assert_cmpint(nth(events, i)->type, ==, expected[i]);
    g_assert_cmpstr(nth(events, i)->contact_id, ==, "c1");
    g_assert_cmpstr(nth(events, i)->journey, ==, "hypotheek");
  }
  g_assert_cmpint(nth(events, 0)->wait_ms, ==, -1);
  g_assert_cmpint(nth(events, 1)->wait_ms, >=, 20);
  g_assert_cmpstr(nth(events, 1)->advisor_ref, ==, "a1");
  g_assert_cmpstr(nth(events, 0)->advisor_ref, ==, NULL);
  g_assert_cmpstr(nth(events, 2)->attrs, ==, "{\"by\":\"customer\"}");
  g_assert_true(g_str_has_prefix(nth(events, 3)->attrs, "{\"by\":\"customer\",\"ms\":"));
  g_assert_cmpstr(nth(events, 4)->attrs, ==, "{\"role\":\"customer\"}");
  g_assert_true(g_str_has_prefix(nth(events, 6)->attrs, "{\"by\":\"advisor\",\"ms\":"));
  g_assert_cmpint(nth(events, 7)->handle_ms, >=, 0);
  g_assert_cmpint(nth(events, 7)->wait_ms, ==, -1);
  g_assert_cmpstr(nth(events, 7)->reason, ==, "hangup");
  g_assert_cmpstr(nth(events, 7)->ended_by, ==, "advisor");
  g_assert_cmpint(gw_contact_get_phase(contact), ==, GW_CONTACT_PHASE_FINISHED);
}

static void
test_abandoned_and_failed(void)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func(recorded_free);
  GwContactSink sink = {record, events};
  GwContactInfo info = {0};
  g_autoptr(GwContact) waiting = gw_contact_new(&sink, &info);
  g_autoptr(GwContact) broken = gw_contact_new(&sink, &info);

  /* A fresh id each time, never empty. */
  g_assert_cmpstr(gw_contact_get_id(waiting), !=, gw_contact_get_id(broken));
  g_assert_cmpuint(strlen(gw_contact_get_id(waiting)), ==, 36);

  g_assert_true(gw_contact_offer(waiting));
  gw_contact_close(waiting, "disconnected", "customer");
  g_assert_false(gw_contact_answer(waiting, "a1"));

  g_assert_true(gw_contact_offer(broken));
  g_assert_true(gw_contact_fail(broken, "media-failed"));
  g_assert_false(gw_contact_rejoin(broken, "customer"));

  g_assert_cmpuint(events->len, ==, 4);
  g_assert_cmpint(nth(events, 1)->type, ==, GW_CONTACT_ABANDONED);
  g_assert_cmpint(nth(events, 1)->wait_ms, >=, 0);
  g_assert_cmpint(nth(events, 3)->type, ==, GW_CONTACT_FAILED);
  g_assert_cmpstr(nth(events, 3)->reason, ==, "media-failed");
}

/* Without a store the events are only logged; nothing may crash. */
static void
test_no_sink(void)
{
  GwContactSink sink = {0};
  GwContactInfo info = {.journey = "zorgvraag"};
  g_autoptr(GwContact) contact = gw_contact_new(&sink, &info);

  g_assert_true(gw_contact_offer(contact));
  g_assert_true(gw_contact_answer(contact, NULL));
  gw_contact_close(contact, "shutdown", "system");
  g_assert_cmpint(gw_contact_get_phase(contact), ==, GW_CONTACT_PHASE_FINISHED);
}

static void
test_pseudonym(void)
{
  const guint8 key[] = "0123456789abcdef0123456789abcdef";
  const guint8 other[] = "fedcba9876543210fedcba9876543210";
  g_autofree char *a = gw_contact_pseudonym(key, 32, "customer-42");
  g_autofree char *b = gw_contact_pseudonym(key, 32, "customer-42");
  g_autofree char *c = gw_contact_pseudonym(key, 32, "customer-43");
  g_autofree char *d = gw_contact_pseudonym(other, 32, "customer-42");

  g_assert_cmpuint(strlen(a), ==, 22);
  g_assert_cmpstr(a, ==, b);
  g_assert_cmpstr(a, !=, c);
  g_assert_cmpstr(a, !=, d);
  g_assert_null(strstr(a, "42"));
}

/* Quality samples: only while answered, JSON whatever the locale, clamped, never NaN. */
static void
test_quality(void)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func(recorded_free);
  GwContactSink sink = {record, events};
  GwContactInfo info = {.id = "c-q", .journey = "hypotheek", .queue = "hypotheek", .node = "n1"};
  g_autoptr(GwContact) contact = gw_contact_new(&sink, &info);

  g_assert_false(gw_contact_quality(contact, 10, 0, 500));
  g_assert_true(gw_contact_offer(contact));
  g_assert_false(gw_contact_quality(contact, 10, 0, 500));
  g_assert_true(gw_contact_answer(contact, "a1"));
  g_assert_true(gw_contact_quality(contact, 12.34, 0.5, 1234.4));
  g_assert_true(gw_contact_quality(contact, -5, 250, 1e12));
  g_assert_false(gw_contact_quality(contact, NAN, 0, 500));
  g_assert_false(gw_contact_quality(contact, 10, 0, INFINITY));
  g_assert_true(gw_contact_end(contact, "hangup", "customer"));
  g_assert_false(gw_contact_quality(contact, 10, 0, 500));

  g_assert_cmpuint(events->len, ==, 5);
  g_assert_cmpint(nth(events, 2)->type, ==, GW_CONTACT_QUALITY);
  g_assert_cmpstr(nth(events, 2)->attrs, ==, "{\"rtt_ms\":12.3,\"loss_pct\":0.50,\"kbps\":1234}");
  g_assert_cmpstr(nth(events, 3)->attrs, ==,
                  "{\"rtt_ms\":0.0,\"loss_pct\":100.00,\"kbps\":1000000}");
  g_assert_cmpstr(nth(events, 3)->advisor_ref, ==, "a1");
  g_assert_cmpint(nth(events, 4)->type, ==, GW_CONTACT_ENDED);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/contact/answered-call", test_answered_call);
  g_test_add_func("/contact/quality", test_quality);
  g_test_add_func("/contact/abandoned-and-failed", test_abandoned_and_failed);
  g_test_add_func("/contact/no-sink", test_no_sink);
  g_test_add_func("/contact/pseudonym", test_pseudonym);
  return g_test_run();
}
