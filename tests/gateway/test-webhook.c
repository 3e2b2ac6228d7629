/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The webhook against a real HTTP receiver on 127.0.0.1: each contact and
 * rating POSTed once, signed (checked here with GLib's own HMAC), retried
 * with back-off after failures, given up after max_attempts, and a queue
 * that drops its oldest past max_queue.
 */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "gateway/webhook.h"

#define WAIT_MS 20000
#define SECRET "webhook-secret-0123456789"

static char *tmp_dir;

typedef struct {
  SoupServer *server;
  guint port;
  guint fail_first; /* answer 500 to this many requests first */
  guint requests;
  GPtrArray *bodies; /* char *, the accepted ones */
  GPtrArray *events; /* char *, X-Balie-Event of the accepted ones */
  GHashTable *deliveries; /* X-Balie-Delivery values seen */
  guint bad_signatures;
} Receiver;

static void
wait_for(guint *value, guint want)
{
  gint64 deadline = g_get_monotonic_time() + WAIT_MS * G_TIME_SPAN_MILLISECOND;

  while (*value < want) {
    if (g_get_monotonic_time() > deadline)
      g_error("timed out waiting for %u (have %u)", want, *value);
    if (!g_main_context_iteration(NULL, FALSE))
      g_usleep(1000);
  }
}

/* The receiver answered; the webhook counts once the answer is back. */
static void
wait_delivered(GwWebhook *webhook, guint64 want)
{
  gint64 deadline = g_get_monotonic_time() + WAIT_MS * G_TIME_SPAN_MILLISECOND;
  GwWebhookStats stats;

  for (gw_webhook_get_stats(webhook, &stats); stats.delivered < want;
       gw_webhook_get_stats(webhook, &stats)) {
    if (g_get_monotonic_time() > deadline)
      g_error("timed out waiting for %" G_GUINT64_FORMAT " deliveries", want);
    if (!g_main_context_iteration(NULL, FALSE))
      g_usleep(1000);
  }
}

static void
on_request(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
           gpointer data)
{
  Receiver *receiver = data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
  SoupMessageBody *body = soup_server_message_get_request_body(msg);
  const char *timestamp = soup_message_headers_get_one(headers, "X-Balie-Timestamp");
  const char *signature = soup_message_headers_get_one(headers, "X-Balie-Signature");
  g_autofree char *signed_text = g_strdup_printf("%s.%.*s", timestamp, (int)body->length, body->data);
  g_autofree char *mac = g_compute_hmac_for_string(G_CHECKSUM_SHA256, (const guchar *)SECRET,
                                                   strlen(SECRET), signed_text, -1);
  g_autofree char *expected = g_strconcat("sha256=", mac, NULL);

  receiver->requests++;
  g_assert_cmpstr(soup_server_message_get_method(msg), ==, "POST");
  g_assert_cmpstr(soup_message_headers_get_content_type(headers, NULL), ==, "application/json");
  if (g_strcmp0(signature, expected) != 0)
    receiver->bad_signatures++;
  if (receiver->requests <= receiver->fail_first) {
    soup_server_message_set_status(msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
    return;
  }
  g_ptr_array_add(receiver->bodies, g_strndup(body->data, body->length));
  g_ptr_array_add(receiver->events,
                  g_strdup(soup_message_headers_get_one(headers, "X-Balie-Event")));
  g_hash_table_add(receiver->deliveries,
                   g_strdup(soup_message_headers_get_one(headers, "X-Balie-Delivery")));
  soup_server_message_set_status(msg, SOUP_STATUS_NO_CONTENT, NULL);
}

static void
receiver_start(Receiver *receiver)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, 0);
  GSList *uris;

  receiver->server = soup_server_new(NULL, NULL);
  soup_server_add_handler(receiver->server, "/hook", on_request, receiver, NULL);
  g_assert_true(soup_server_listen(receiver->server, address, 0, &error));
  g_assert_no_error(error);
  uris = soup_server_get_uris(receiver->server);
  receiver->port = g_uri_get_port(uris->data);
  g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
  receiver->bodies = g_ptr_array_new_with_free_func(g_free);
  receiver->events = g_ptr_array_new_with_free_func(g_free);
  receiver->deliveries = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

static void
receiver_stop(Receiver *receiver)
{
  soup_server_disconnect(receiver->server);
  g_object_unref(receiver->server);
  g_ptr_array_unref(receiver->bodies);
  g_ptr_array_unref(receiver->events);
  g_hash_table_unref(receiver->deliveries);
}

static GwWebhook *
webhook_new(guint port, guint max_attempts, guint max_queue, guint first_retry_ms)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) secret = g_bytes_new_static(SECRET, strlen(SECRET));
  g_autofree char *url = g_strdup_printf("http://127.0.0.1:%u/hook", port);
  GwWebhookOptions options = {url, secret, max_attempts, max_queue, first_retry_ms};
  GwWebhook *webhook = gw_webhook_new_with_options(&options, &error);

  g_assert_no_error(error);
  return webhook;
}

static void
on_recorded(const GError *error, gpointer data)
{
  g_assert_no_error(error);
  (*(guint *)data)++;
}

/* A contact with a customer pseudonym, answered, ended and rated. */
static GwStore *
store_with_contact(const char *name, const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = g_build_filename(tmp_dir, name, NULL);
  GwStoreOptions options = {"sqlite", db, NULL, NULL};
  GwStore *store = gw_store_open(&options, &error);
  const GwContactEventType types[] = {GW_CONTACT_OFFERED, GW_CONTACT_ANSWERED, GW_CONTACT_ENDED,
                                      GW_CONTACT_RATED};
  guint acked = 0;

  g_assert_no_error(error);
  for (guint i = 0; i < G_N_ELEMENTS(types); i++) {
    GwContactEvent e = {.type = types[i], .contact_id = id, .channel = "video",
                        .time_us = g_get_real_time(), .journey = "hypotheek",
                        .customer_ref = "pseudo-1", .wait_ms = -1, .handle_ms = -1,
                        .nps = -1, .csat = -1, .ces = -1};

    if (types[i] == GW_CONTACT_RATED) {
      e.nps = 10;
      e.comment = "Heel fijn";
    }
    gw_store_record(store, &e, on_recorded, &acked);
  }
  wait_for(&acked, G_N_ELEMENTS(types));
  return store;
}

static void
test_deliver_and_retry(void)
{
  Receiver receiver = {0};
  g_autoptr(GwStore) store = store_with_contact("deliver.db", "wh-1");
  GwWebhookStats stats;
  GwWebhook *webhook;

  receiver_start(&receiver);
  receiver.fail_first = 2; /* the contact's first two attempts fail */
  webhook = webhook_new(receiver.port, 5, 100, 20);
  gw_webhook_set_store(webhook, store);
  gw_webhook_push(webhook, GW_WEBHOOK_CONTACT, "wh-1");
  gw_webhook_push(webhook, GW_WEBHOOK_RATING, "wh-1");
  wait_for(&receiver.bodies->len, 2);
  wait_delivered(webhook, 2);
  gw_webhook_get_stats(webhook, &stats);

  g_assert_cmpuint(receiver.requests, ==, 4);
  g_assert_cmpuint(receiver.bad_signatures, ==, 0);
  g_assert_cmpuint(stats.delivered, ==, 2);
  g_assert_cmpuint(stats.retried, ==, 2);
  g_assert_cmpuint(stats.gave_up, ==, 0);
  /* In order, each once, each with its own delivery id. */
  g_assert_cmpstr(g_ptr_array_index(receiver.events, 0), ==, "contact");
  g_assert_cmpstr(g_ptr_array_index(receiver.events, 1), ==, "rating");
  g_assert_cmpuint(g_hash_table_size(receiver.deliveries), ==, 2);
  {
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonObject *root, *contact;

    g_assert_true(json_parser_load_from_data(parser, g_ptr_array_index(receiver.bodies, 0), -1,
                                             NULL));
    root = json_node_get_object(json_parser_get_root(parser));
    g_assert_cmpstr(json_object_get_string_member(root, "type"), ==, "contact");
    contact = json_object_get_object_member(root, "contact");
    g_assert_cmpstr(json_object_get_string_member(contact, "id"), ==, "wh-1");
    g_assert_cmpstr(json_object_get_string_member(contact, "customer_ref"), ==, "pseudo-1");
    g_assert_cmpstr(json_object_get_string_member(contact, "outcome"), ==, "answered");
    g_assert_true(json_parser_load_from_data(parser, g_ptr_array_index(receiver.bodies, 1), -1,
                                             NULL));
    root = json_node_get_object(json_parser_get_root(parser));
    contact = json_object_get_object_member(root, "rating");
    g_assert_cmpint(json_object_get_int_member(contact, "nps"), ==, 10);
    g_assert_cmpstr(json_object_get_string_member(contact, "comment"), ==, "Heel fijn");
  }
  gw_webhook_set_store(webhook, NULL);
  gw_webhook_free(webhook);
  receiver_stop(&receiver);
}

static void
test_give_up(void)
{
  Receiver receiver = {0};
  g_autoptr(GwStore) store = store_with_contact("give-up.db", "wh-2");
  GwWebhookStats stats;
  GwWebhook *webhook;

  receiver_start(&receiver);
  receiver.fail_first = 3; /* every attempt of the first delivery */
  webhook = webhook_new(receiver.port, 3, 100, 10);
  gw_webhook_set_store(webhook, store);
  gw_webhook_push(webhook, GW_WEBHOOK_CONTACT, "wh-2");
  gw_webhook_push(webhook, GW_WEBHOOK_RATING, "wh-2");
  /* The first is given up after 3 attempts; the queue goes on with the next. */
  wait_for(&receiver.bodies->len, 1);
  wait_delivered(webhook, 1);
  gw_webhook_get_stats(webhook, &stats);
  g_assert_cmpuint(receiver.requests, ==, 4);
  g_assert_cmpuint(stats.gave_up, ==, 1);
  g_assert_cmpuint(stats.retried, ==, 2);
  g_assert_cmpuint(stats.delivered, ==, 1);
  g_assert_cmpstr(g_ptr_array_index(receiver.events, 0), ==, "rating");
  {
    GString *metrics = g_string_new(NULL);

    gw_webhook_collect_metrics(metrics, webhook);
    g_assert_nonnull(strstr(metrics->str, "balie_webhook_deliveries_total{outcome=\"gave_up\"} 1\n"));
    g_string_free(metrics, TRUE);
  }
  gw_webhook_set_store(webhook, NULL);
  gw_webhook_free(webhook);
  receiver_stop(&receiver);
}

static void
test_bounded_queue(void)
{
  Receiver receiver = {0};
  g_autoptr(GwStore) store = store_with_contact("bounded.db", "wh-3");
  GwWebhookStats stats;
  GwWebhook *webhook;
  guint port;

  /* A receiver that is gone: connections are refused, the first delivery waits a minute. */
  receiver_start(&receiver);
  port = receiver.port;
  receiver_stop(&receiver);
  webhook = webhook_new(port, 10, 2, 60000);
  gw_webhook_set_store(webhook, store);
  for (guint i = 0; i < 5; i++)
    gw_webhook_push(webhook, GW_WEBHOOK_CONTACT, "wh-3");
  gw_webhook_get_stats(webhook, &stats);
  /* One under way, two waiting, the two oldest waiting ones dropped. */
  g_assert_cmpuint(stats.queued, ==, 3);
  g_assert_cmpuint(stats.dropped, ==, 2);
  gw_webhook_set_store(webhook, NULL);
  gw_webhook_free(webhook);
}

static void
test_bad_options(void)
{
  g_autoptr(GBytes) secret = g_bytes_new_static(SECRET, strlen(SECRET));
  g_autoptr(GBytes) short_secret = g_bytes_new_static("short", 5);
  const char *urls[] = {"ftp://127.0.0.1/x", "not a url", "http:///nohost"};

  for (guint i = 0; i < G_N_ELEMENTS(urls); i++) {
    g_autoptr(GError) error = NULL;
    GwWebhookOptions options = {urls[i], secret, 3, 10, 10};

    g_assert_null(gw_webhook_new_with_options(&options, &error));
    g_assert_nonnull(error);
  }
  {
    g_autoptr(GError) error = NULL;
    GwWebhookOptions options = {"http://127.0.0.1:9/x", short_secret, 3, 10, 10};

    g_assert_null(gw_webhook_new_with_options(&options, &error));
    g_assert_nonnull(strstr(error->message, "at least 16"));
  }
}

int
main(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init(&argc, &argv, NULL);
  /* Giving up and dropping are logged as warnings on purpose: only criticals stay fatal. */
  g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  tmp_dir = g_dir_make_tmp("balie-webhook-XXXXXX", &error);
  g_assert_no_error(error);
  g_test_add_func("/webhook/deliver-and-retry", test_deliver_and_retry);
  g_test_add_func("/webhook/give-up", test_give_up);
  g_test_add_func("/webhook/bounded-queue", test_bounded_queue);
  g_test_add_func("/webhook/bad-options", test_bad_options);
  status = g_test_run();
  {
    g_autofree char *command = g_strdup_printf("rm -rf '%s'", tmp_dir);
    g_assert_true(g_spawn_command_line_sync(command, NULL, NULL, NULL, NULL));
  }
  g_free(tmp_dir);
  return status;
}
