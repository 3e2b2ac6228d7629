/* SPDX-License-Identifier: Apache-2.0 */
/* What the pages get from the gateway besides the call: the brand (/brand.css, /brand.json,
 * /brand/logo) and the connection check at /ws/check. */
#include <glib/gstdio.h>
#include <string.h>

#include "harness.h"
#include "signaling/brand.h"
#include "signaling/media-check.h"

static void
fixture_set_up(HarnessFixture *fixture, gconstpointer data)
{
  GwConfig *config = harness_fixture_prepare(fixture, "balie-pages-XXXXXX");

  if (data != NULL) {
    config->brand_name = g_strdup("Bank <Voorbeeld> \"&\"");
    config->brand_accent_color = g_strdup("#1a4d2e");
    harness_write_file(fixture->dir, "logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
    config->brand_logo_file = g_build_filename(fixture->dir, "logo.svg", NULL);
  }
  harness_fixture_start(fixture);
}

static void
fixture_tear_down(HarnessFixture *fixture, gconstpointer data)
{
  harness_fixture_close_clients(fixture);
  harness_fixture_tear_down(fixture);
}

static JsonObject *
get_json(HarnessFixture *fixture, const char *path)
{
  g_autofree char *body = NULL;

  g_assert_cmpuint(harness_http_get(fixture, path, NULL, &body), ==, SOUP_STATUS_OK);
  return harness_parse_object(body, strlen(body));
}

static void
test_brand_default(HarnessFixture *fixture, gconstpointer data)
{
  g_autofree char *css = NULL;
  g_autofree char *logo = NULL;

  g_assert_cmpuint(harness_http_get(fixture, "/brand.css", NULL, &css), ==, SOUP_STATUS_OK);
  g_assert_nonnull(strstr(css, "--accent: " GW_BRAND_DEFAULT_ACCENT ";"));
  g_autoptr(JsonObject) brand = get_json(fixture, "/brand.json");
  g_assert_cmpstr(json_object_get_string_member(brand, "name"), ==, "Balie");
  g_assert_true(json_object_get_null_member(brand, "logo"));
  g_assert_cmpuint(harness_http_get(fixture, "/brand/logo", NULL, &logo), ==,
                   SOUP_STATUS_NOT_FOUND);
}

static void
test_brand_configured(HarnessFixture *fixture, gconstpointer data)
{
  g_autofree char *css = NULL;
  GBytes *logo = NULL;

  g_assert_cmpuint(harness_http_get(fixture, "/brand.css", NULL, &css), ==, SOUP_STATUS_OK);
  g_assert_nonnull(strstr(css, "--accent: #1a4d2e;"));
  /* The name goes out as JSON, escaped by the generator, never pasted into markup. */
  g_autoptr(JsonObject) brand = get_json(fixture, "/brand.json");
  g_assert_cmpstr(json_object_get_string_member(brand, "name"), ==, "Bank <Voorbeeld> \"&\"");
  g_assert_cmpstr(json_object_get_string_member(brand, "logo"), ==, "/brand/logo");
  g_autoptr(SoupMessage) msg = harness_http_request(fixture, "GET", "/brand/logo", &logo);
  g_assert_cmpuint(soup_message_get_status(msg), ==, SOUP_STATUS_OK);
  g_assert_cmpstr(soup_message_headers_get_content_type(soup_message_get_response_headers(msg),
                                                        NULL),
                  ==, "image/svg+xml");
  g_assert_nonnull(soup_message_headers_get_one(soup_message_get_response_headers(msg),
                                                "Content-Security-Policy"));
  g_bytes_unref(logo);
  g_autoptr(SoupMessage) post = harness_http_request(fixture, "POST", "/brand.css", &logo);
  g_assert_cmpuint(soup_message_get_status(post), ==, SOUP_STATUS_METHOD_NOT_ALLOWED);
  g_bytes_unref(logo);

  /* A logo that went missing loses the logo, not the page. */
  g_autofree char *path = g_build_filename(fixture->dir, "logo.svg", NULL);
  g_assert_cmpint(g_remove(path), ==, 0);
  g_autoptr(JsonObject) again = get_json(fixture, "/brand.json");
  g_assert_true(json_object_get_null_member(again, "logo"));
}

static void
test_check_offer_and_refusals(HarnessFixture *fixture, gconstpointer data)
{
  HarnessClient *client = harness_client_connect_path(fixture, "/ws/check", NULL);
  JsonObject *welcome = harness_client_take(client, "welcome");
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(welcome, "participants")),
                   ==, 0);
  JsonObject *offer = harness_client_take(client, "offer");
  /* The welcome comes first: the page must know the TURN servers before it answers. */
  g_assert_cmpstr(
      json_object_get_string_member(g_ptr_array_index(client->messages, 0), "type"), ==, "welcome");

  g_assert_nonnull(strstr(json_object_get_string_member(offer, "sdp"), "m=video"));
  JsonArray *tracks = json_object_get_array_member(offer, "tracks");
  g_assert_cmpuint(json_array_get_length(tracks), ==, 2);
  for (guint i = 0; i < 2; i++)
    g_assert_cmpstr(json_object_get_string_member(json_array_get_object_element(tracks, i),
                                                  "direction"),
                    ==, "send");

  /* A check is no call: joining, chatting and hanging up are refused and change nothing. */
  harness_client_send(client, "{\"type\":\"chat\",\"text\":\"hello\"}");
  JsonObject *error = harness_client_take(client, "error");
  g_assert_cmpstr(json_object_get_string_member(error, "code"), ==, "wrong-state");
  g_assert_cmpstr(json_object_get_string_member(error, "ref"), ==, "chat");
  harness_client_send(client, "{\"type\":\"answer\",\"sdp\":\"v=0 not an sdp\"}");
  error = harness_client_take(client, "error");
  g_assert_cmpstr(json_object_get_string_member(error, "code"), ==, "bad-sdp");
  harness_client_send(client, "{\"type\":\"ice\",\"mline\":7,\"candidate\":\"candidate:1 1 udp "
                              "1 127.0.0.1 9 typ host\"}");
  error = harness_client_take(client, "error");
  g_assert_cmpstr(json_object_get_string_member(error, "ref"), ==, "ice");
  harness_client_send(client, "not json");
  error = harness_client_take(client, "error");
  g_assert_cmpstr(json_object_get_string_member(error, "code"), ==, "bad-json");
  g_assert_false(client->closed);
  g_assert_cmpuint(gw_server_get_room_count(fixture->server), ==, 0);
}

static void
test_check_capacity(HarnessFixture *fixture, gconstpointer data)
{
  HarnessClient *clients[GW_MEDIA_CHECK_MAX];

  for (guint i = 0; i < GW_MEDIA_CHECK_MAX; i++)
    clients[i] = harness_client_connect_path(fixture, "/ws/check", NULL);
  for (guint i = 0; i < GW_MEDIA_CHECK_MAX; i++)
    harness_client_take(clients[i], "offer");

  HarnessClient *extra = harness_client_connect_path(fixture, "/ws/check", NULL);
  JsonObject *error = harness_client_take(extra, "error");
  g_assert_cmpstr(json_object_get_string_member(error, "code"), ==, "capacity");
  HARNESS_WAIT_FOR(extra->closed);

  /* A check that ends makes room for the next. */
  harness_client_close(clients[0]);
  HARNESS_WAIT_FOR(clients[0]->closed);
  harness_run_for(200);
  HarnessClient *next = harness_client_connect_path(fixture, "/ws/check", NULL);
  harness_client_take(next, "offer");
}

int
main(int argc, char **argv)
{
  harness_init(&argc, &argv);

#define ADD(path, data, func)                                                                      \
  g_test_add(path, HarnessFixture, data, fixture_set_up, func, fixture_tear_down)
  ADD("/pages/brand/default", NULL, test_brand_default);
  ADD("/pages/brand/configured", "brand", test_brand_configured);
  ADD("/pages/check/offer-and-refusals", NULL, test_check_offer_and_refusals);
  ADD("/pages/check/capacity", NULL, test_check_capacity);
#undef ADD
  return harness_finish(g_test_run());
}
