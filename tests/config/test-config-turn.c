/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for the TURN, media port range, public address and OIDC keys of config/ and for
 * config/turn-url.c. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "config/config.h"
#include "config/turn-url.h"

static GwConfig *
parse(const char *text, char **envp, GError **error)
{
  return gw_config_parse(text, strlen(text), envp, error);
}

static void
assert_error(const char *text, GwConfigError code, const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwConfig) config = parse(text, NULL, &error);

  if (config != NULL)
    g_error("expected an error for \"%s\"", text);
  g_assert_error(error, GW_CONFIG_ERROR, (gint)code);
  if (strstr(error->message, needle) == NULL)
    g_error("expected \"%s\" in the error message, got \"%s\"", needle, error->message);
}

/* A temporary directory with a secret file in it; removed by the fixture. */
typedef struct {
  char *dir;
  char *secret_path;
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  (void)data;
  f->dir = g_dir_make_tmp("balie-turn-XXXXXX", &error);
  g_assert_no_error(error);
  f->secret_path = g_build_filename(f->dir, "turn.secret", NULL);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
  (void)data;
  g_unlink(f->secret_path);
  g_rmdir(f->dir);
  g_free(f->secret_path);
  g_free(f->dir);
}

static void
write_secret(Fixture *f, const char *contents, gssize length)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents(f->secret_path, contents, length, &error);
  g_assert_no_error(error);
}

static void
test_urls_good(void)
{
  static const char *const good[] = {
      "turn:turn.example.nl",
      "turn:turn.example.nl:3478",
      "turn:turn.example.nl:3478?transport=udp",
      "TURN:turn.example.nl:3478?transport=TCP",
      "turns:turn.example.nl:443?transport=tcp",
      "turns:turn.example.nl",
      "turn:192.0.2.7:3478",
      "turn:[2001:db8::7]:3478?transport=udp",
      "turn:[::1]",
      "turn:localhost",
  };

  for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
    g_autoptr(GError) error = NULL;

    if (!gw_turn_url_check(good[i], &error))
      g_error("%s was refused: %s", good[i], error->message);
  }
}

static void
test_urls_bad(void)
{
  static const struct {
    const char *url;
    const char *needle;
  } bad[] = {
      {"stun:turn.example.nl", "must start with turn: or turns:"},
      {"https://turn.example.nl", "must start with turn: or turns:"},
      {"turn://turn.example.nl", "no //"},
      {"turn:", "needs a host"},
      {"turn::3478", "needs a host"},
      {"turn:user@turn.example.nl", "user name"},
      {"turn:turn.example.nl/path", "path"},
      {"turn:turn.example.nl:0", "port"},
      {"turn:turn.example.nl:65536", "port"},
      {"turn:turn.example.nl:34x8", "port"},
      {"turn:turn.example.nl:", "port"},
      {"turn:turn..example.nl", "needs a host"},
      {"turn:turn_example.nl", "needs a host"},
      {"turn:[2001:db8::7", "closed with ]"},
      {"turn:[192.0.2.7]", "not an IPv6"},
      {"turn:[::1]x", "only :PORT"},
      {"turn:2001:db8::7", "port"},
      {"turns:turn.example.nl:443?transport=udp", "only be tcp"},
      {"turn:turn.example.nl?transport=sctp", "only query"},
      {"turn:turn.example.nl?foo=bar", "only query"},
  };

  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;

    if (gw_turn_url_check(bad[i].url, &error))
      g_error("%s was accepted", bad[i].url);
    g_assert_error(error, GW_CONFIG_ERROR, GW_CONFIG_ERROR_VALUE);
    if (strstr(error->message, bad[i].needle) == NULL)
      g_error("%s: expected \"%s\" in \"%s\"", bad[i].url, bad[i].needle, error->message);
  }
  {
    g_autofree char *long_url = g_strdup_printf("turn:%0300d.nl", 1);
    g_autoptr(GError) error = NULL;

    g_assert_false(gw_turn_url_check(long_url, &error));
    g_assert_nonnull(strstr(error->message, "longer than"));
  }
}

static void
test_turn_loaded(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwConfig) config = NULL;
  g_autofree char *text = NULL;

  (void)data;
  write_secret(f, "  s3cret-shared-with-coturn \n", -1);
  text = g_strdup_printf("[turn]\nurls = turn:127.0.0.3:3478?transport=udp; "
                         "turns:127.0.0.3:443?transport=tcp;\nsecret_file = %s\n"
                         "credential_ttl_seconds = 600\n",
                         f->secret_path);
  config = parse(text, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(g_strv_length(config->turn_urls), ==, 2);
  g_assert_cmpstr(config->turn_urls[0], ==, "turn:127.0.0.3:3478?transport=udp");
  g_assert_cmpstr(config->turn_urls[1], ==, "turns:127.0.0.3:443?transport=tcp");
  g_assert_cmpstr(config->turn_secret, ==, "s3cret-shared-with-coturn");
  g_assert_cmpuint(config->turn_credential_ttl_seconds, ==, 600);
}

static void
test_turn_env(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwConfig) config = NULL;
  g_auto(GStrv) envp = NULL;

  (void)data;
  write_secret(f, "0123456789abcdef", -1);
  envp = g_environ_setenv(NULL, "BALIE_TURN_URLS", "turn:a.example.nl;turn:b.example.nl", TRUE);
  envp = g_environ_setenv(envp, "BALIE_TURN_SECRET_FILE", f->secret_path, TRUE);
  config = parse("", envp, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(g_strv_length(config->turn_urls), ==, 2);
  g_assert_cmpstr(config->turn_secret, ==, "0123456789abcdef");

  g_clear_pointer(&envp, g_strfreev);
  envp = g_environ_setenv(NULL, "BALIE_TURN_URL", "turn:a.example.nl", TRUE);
  g_clear_pointer(&config, gw_config_unref);
  config = parse("", envp, &error);
  g_assert_null(config);
  g_assert_error(error, GW_CONFIG_ERROR, GW_CONFIG_ERROR_UNKNOWN);
  g_assert_nonnull(strstr(error->message, "BALIE_TURN_URL"));
}

/* Errors about the secret name the key and the file, never the contents. */
static void
test_turn_secret_errors(Fixture *f, gconstpointer data)
{
  g_autofree char *with_file = g_strdup_printf("[turn]\nurls = turn:t.example.nl\n"
                                               "secret_file = %s\n",
                                               f->secret_path);
  static const char nul_secret[] = "0123456789\0abcdefgh";

  (void)data;
  assert_error("[turn]\nurls = turn:t.example.nl\n", GW_CONFIG_ERROR_VALUE,
               "turn.secret_file is required");
  /* The file does not exist yet. */
  assert_error(with_file, GW_CONFIG_ERROR_IO, "turn.secret_file");

  write_secret(f, "short-secret", -1);
  assert_error(with_file, GW_CONFIG_ERROR_VALUE, "at least 16 characters");
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GwConfig) config = parse(with_file, NULL, &error);

    g_assert_null(config);
    g_assert_null(strstr(error->message, "short-secret"));
  }
  write_secret(f, "first-line-is-long\nsecond-line-too\n", -1);
  assert_error(with_file, GW_CONFIG_ERROR_VALUE, "one line");
  write_secret(f, nul_secret, sizeof nul_secret - 1);
  assert_error(with_file, GW_CONFIG_ERROR_VALUE, "one line of text");
  {
    g_autofree char *huge = g_strnfill(5000, 'x');
    write_secret(f, huge, -1);
    assert_error(with_file, GW_CONFIG_ERROR_VALUE, "at most 4096 bytes");
  }

  /* Without URLs the secret is not needed, so not read: a missing file is fine. */
  {
    g_autofree char *no_urls = g_strdup_printf("[turn]\nsecret_file = %s/none\n", f->dir);
    g_autoptr(GError) error = NULL;
    g_autoptr(GwConfig) config = parse(no_urls, NULL, &error);

    g_assert_no_error(error);
    g_assert_null(config->turn_secret);
  }
}

static void
test_turn_url_errors(void)
{
  g_autoptr(GString) nine = g_string_new("[turn]\nurls = ");

  assert_error("[turn]\nurls = stun:t.example.nl\n", GW_CONFIG_ERROR_VALUE,
               "turn.urls = stun:t.example.nl: must start with turn:");
  assert_error("[turn]\nurls = turn:ok.example.nl; turn:bad_host\n", GW_CONFIG_ERROR_VALUE,
               "needs a host");
  for (guint i = 0; i < 9; i++)
    g_string_append_printf(nine, "turn:t%u.example.nl;", i);
  g_string_append_c(nine, '\n');
  assert_error(nine->str, GW_CONFIG_ERROR_VALUE, "at most 8 URLs");
  assert_error("[turn]\ncredential_ttl_seconds = 60\n", GW_CONFIG_ERROR_VALUE,
               "between 300 and 604800");
  assert_error("[turn]\nurl = turn:t.example.nl\n", GW_CONFIG_ERROR_UNKNOWN,
               "known keys: urls, secret_file, credential_ttl_seconds");
}

static void
test_port_range(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwConfig) config =
      parse("[media]\nudp_port_min = 40000\nudp_port_max = 40999\n", NULL, &error);

  g_assert_no_error(error);
  g_assert_cmpuint(config->udp_port_min, ==, 40000);
  g_assert_cmpuint(config->udp_port_max, ==, 40999);
  g_clear_pointer(&config, gw_config_unref);
  config = parse("[media]\nudp_port_min = 50000\nudp_port_max = 50000\n", NULL, &error);
  g_assert_no_error(error);

  assert_error("[media]\nudp_port_min = 40000\n", GW_CONFIG_ERROR_VALUE, "set both");
  assert_error("[media]\nudp_port_max = 40999\n", GW_CONFIG_ERROR_VALUE, "set both");
  assert_error("[media]\nudp_port_min = 41000\nudp_port_max = 40000\n", GW_CONFIG_ERROR_VALUE,
               "udp_port_min <= udp_port_max");
  assert_error("[media]\nudp_port_min = 80\nudp_port_max = 90\n", GW_CONFIG_ERROR_VALUE,
               "1024..65535");
  assert_error("[media]\nudp_port_min = 70000\nudp_port_max = 70001\n", GW_CONFIG_ERROR_VALUE,
               "between 0 and 65535");
}

static void
test_public_address(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwConfig) config = parse("[media]\npublic_address = 203.0.113.10\n", NULL, &error);

  g_assert_no_error(error);
  g_assert_cmpstr(config->public_address, ==, "203.0.113.10");
  assert_error("[media]\npublic_address = balie.example.nl\n", GW_CONFIG_ERROR_VALUE,
               "must be an IP address");
}

static void
test_oidc(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwConfig) config = NULL;
  g_autofree char *text = NULL;

  (void)data;
  write_secret(f, " client-secret-value\n", -1);
  text = g_strdup_printf("[oidc]\nissuer = https://login.example.nl/realms/bank/\n"
                         "client_id = balie\nclient_secret_file = %s\n",
                         f->secret_path);
  config = parse(text, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(config->oidc_issuer, ==, "https://login.example.nl/realms/bank");
  g_assert_cmpstr(config->oidc_client_id, ==, "balie");
  g_assert_cmpstr(config->oidc_client_secret, ==, "client-secret-value");
  g_assert_cmpstr(config->oidc_username_claim, ==, "preferred_username");
  g_assert_null(config->oidc_ca_file);

  assert_error("[oidc]\nissuer = http://login.example.nl\nclient_id = balie\n",
               GW_CONFIG_ERROR_VALUE, "must be an https:// URL");
  assert_error("[oidc]\nissuer = https://login.example.nl\n", GW_CONFIG_ERROR_VALUE,
               "oidc.client_id is required");
  write_secret(f, "two\nlines\n", -1);
  assert_error(text, GW_CONFIG_ERROR_VALUE, "on one line");
  g_unlink(f->secret_path);
  assert_error(text, GW_CONFIG_ERROR_IO, "oidc.client_secret_file");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/config-turn/urls/good", test_urls_good);
  g_test_add_func("/config-turn/urls/bad", test_urls_bad);
  g_test_add_func("/config-turn/urls/errors", test_turn_url_errors);
  g_test_add("/config-turn/loaded", Fixture, NULL, fixture_set_up, test_turn_loaded,
             fixture_tear_down);
  g_test_add("/config-turn/env", Fixture, NULL, fixture_set_up, test_turn_env, fixture_tear_down);
  g_test_add("/config-turn/secret-errors", Fixture, NULL, fixture_set_up, test_turn_secret_errors,
             fixture_tear_down);
  g_test_add_func("/config-turn/port-range", test_port_range);
  g_test_add_func("/config-turn/public-address", test_public_address);
  g_test_add("/config-turn/oidc", Fixture, NULL, fixture_set_up, test_oidc, fixture_tear_down);
  return g_test_run();
}
