/* SPDX-License-Identifier: Apache-2.0 */
/* What the log says above debug level while secrets and personal data pass through the real
 * server: passwords, session cookies, CSRF tokens, join links (genuine and forged), display
 * names and chat text must not appear in it (STYLE.md §12, docs/security.md). */
#include <string.h>

#include "harness.h"

#define PASSWORD "correct horse battery staple 42"
#define WRONG_PASSWORD "tr0ub4dor&3-wrong"
#define NAME "Anneke Jansen-de Vries"
#define CHAT "my account number is NL91ABNA0417164300"

static GString *logged; /* every line above debug, as its MESSAGE field */

static GLogWriterOutput
capture(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  if ((level & G_LOG_LEVEL_DEBUG) == 0) {
    for (gsize i = 0; i < n_fields; i++) {
      if (g_str_equal(fields[i].key, "MESSAGE")) {
        gssize length = fields[i].length;
        g_string_append_len(logged, fields[i].value,
                            length < 0 ? (gssize)strlen(fields[i].value) : length);
        g_string_append_c(logged, '\n');
      }
    }
  }
  return g_log_writer_default(level, fields, n_fields, user_data);
}

static void
fixture_set_up(HarnessFixture *fixture, gconstpointer data)
{
  harness_fixture_prepare(fixture, "balie-log-privacy-XXXXXX");
  harness_fixture_set_token_key(fixture);
  harness_fixture_start(fixture);
}

static void
fixture_tear_down(HarnessFixture *fixture, gconstpointer data)
{
  harness_fixture_tear_down(fixture);
}

static void
assert_not_logged(const char *what, const char *secret)
{
  g_assert_nonnull(secret);
  g_assert_cmpuint(strlen(secret), >=, 8);
  if (strstr(logged->str, secret) != NULL)
    g_error("the log above debug shows the %s:\n%s", what, logged->str);
}

static void
test_secrets_stay_out_of_the_log(HarnessFixture *fixture, gconstpointer data)
{
  g_autofree char *cookie = NULL;
  g_autofree char *csrf = NULL;
  HarnessReply reply = {0};

  g_string_truncate(logged, 0);
  harness_add_account(fixture, "dirk", PASSWORD);
  harness_api_expect_error(fixture, "POST", "/api/v1/login",
                           "{\"name\":\"dirk\",\"password\":\"" WRONG_PASSWORD "\"}", NULL, NULL,
                           SOUP_STATUS_UNAUTHORIZED, "bad-credentials");
  harness_login(fixture, "dirk", PASSWORD, &cookie, &csrf);

  harness_api_request(fixture, "POST", "/api/v1/invites", "{\"journey\":\"hypotheek\"}", cookie,
                      csrf, &reply);
  g_assert_cmpuint(reply.status, ==, SOUP_STATUS_CREATED);
  g_autoptr(JsonObject) invite = harness_parse_object(reply.body, strlen(reply.body));
  harness_reply_clear(&reply);
  const char *url = json_object_get_string_member(invite, "url");
  const char *contact = json_object_get_string_member(invite, "contact");
  const char *token = strstr(url, "/j/") + strlen("/j/");
  /* The link's page, and a forged link's page. */
  g_autofree char *page = g_strdup_printf("/j/%s", token);
  g_assert_cmpuint(harness_http_get(fixture, page, NULL, NULL), ==, SOUP_STATUS_SEE_OTHER);
  g_autofree char *forged = g_strdup(token);
  forged[strlen(forged) - 3] = forged[strlen(forged) - 3] == 'A' ? 'B' : 'A';
  g_autofree char *forged_page = g_strdup_printf("/j/%s", forged);
  g_assert_cmpuint(harness_http_get(fixture, forged_page, NULL, NULL), >=, 400);

  /* The call: a forged join, then the customer with a name, the advisor, a chat line. */
  HarnessClient *intruder = harness_client_connect(fixture);
  harness_client_send_join(intruder, contact, "customer", forged);
  harness_client_wait_nth(intruder, "error", 0);
  HarnessClient *customer = harness_client_connect(fixture);
  g_autofree char *join = g_strdup_printf(
      "{\"type\":\"join\",\"v\":1,\"room\":\"%s\",\"role\":\"customer\",\"name\":\"" NAME "\","
      "\"token\":\"%s\"}",
      contact, token);
  harness_client_send(customer, join);
  harness_client_wait_nth(customer, "welcome", 0);
  HarnessClient *advisor = harness_client_connect_as(fixture, cookie);
  harness_client_send_join(advisor, contact, "advisor", NULL);
  harness_client_wait_nth(advisor, "welcome", 0);
  harness_client_send(customer, "{\"type\":\"chat\",\"v\":1,\"text\":\"" CHAT "\"}");
  harness_client_wait_nth(advisor, "chat", 0);
  harness_api_request(fixture, "POST", "/api/v1/logout", NULL, cookie, csrf, &reply);
  harness_reply_clear(&reply);

  /* Something was logged (the test would pass on an empty log otherwise). */
  g_assert_nonnull(strstr(logged->str, "websocket opened"));
  g_assert_nonnull(strstr(logged->str, contact));
  assert_not_logged("password", PASSWORD);
  assert_not_logged("wrong password", WRONG_PASSWORD);
  assert_not_logged("session cookie", cookie);
  assert_not_logged("CSRF token", csrf);
  assert_not_logged("join link", token);
  assert_not_logged("forged join link", forged);
  /* A token's signature alone is as good as the token for guessing. */
  assert_not_logged("join link signature", strrchr(token, '.') != NULL ? strrchr(token, '.') + 1
                                                                        : token);
  assert_not_logged("display name", NAME);
  assert_not_logged("chat text", CHAT);
}

int
main(int argc, char **argv)
{
  logged = g_string_new(NULL);
  g_log_set_writer_func(capture, NULL, NULL);
  harness_init(&argc, &argv);
  g_test_add("/log-privacy/secrets", HarnessFixture, NULL, fixture_set_up,
             test_secrets_stay_out_of_the_log, fixture_tear_down);
  int status = harness_finish(g_test_run());
  g_string_free(logged, TRUE);
  return status;
}
