/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for config/: defaults, a full file, every kind of error, env overrides and the sample. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "config/config.h"
#include "config/opening-hours.h"

static GwConfig *
parse(const char *text, char **envp, GError **error)
{
  return gw_config_parse(text, strlen(text), envp, error);
}

/* Parses @text (with @envp), expects @code and a message containing @needle. */
static void
assert_error(const char *text, char **envp, GwConfigError code, const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwConfig) config = parse(text, envp, &error);

  if (config != NULL)
    g_error("expected an error for \"%s\"", text);
  g_assert_error(error, GW_CONFIG_ERROR, (gint)code);
  if (strstr(error->message, needle) == NULL)
    g_error("expected \"%s\" in the error message, got \"%s\"", needle, error->message);
}

static void
assert_defaults(const GwConfig *config)
{
  g_assert_cmpstr(config->listen_address, ==, "0.0.0.0");
  g_assert_cmpuint(config->port, ==, 8443);
  g_assert_true(config->tls);
  g_assert_cmpstr(config->data_dir, ==, "balie-data");
  g_assert_cmpstr(config->tls_cert_file, ==, "balie-data/tls/cert.pem");
  g_assert_cmpstr(config->tls_key_file, ==, "balie-data/tls/key.pem");
  g_assert_cmpstr(config->public_url, ==, "https://localhost:8443");
  g_assert_cmpstr(config->log_format, ==, "text");
  g_assert_cmpstr(config->log_level, ==, "message");
  g_assert_cmpuint(config->drain_seconds, ==, 60);
  g_assert_nonnull(config->ice_local_addresses);
  g_assert_cmpuint(g_strv_length(config->ice_local_addresses), ==, 1);
  g_assert_cmpstr(config->ice_local_addresses[0], ==, "127.0.0.1");
  g_assert_cmpuint(config->jitterbuffer_ms, ==, 200);
  g_assert_cmpuint(config->video_jitterbuffer_ms, ==, 200);
  g_assert_false(config->video_jitterbuffer);
  g_assert_false(config->receive_queue);
  g_assert_false(config->branch_queue);
  g_assert_false(config->webrtcbin_send);
  g_assert_false(config->webrtcbin_receive);
  g_assert_cmpstr(config->engine, ==, "native");
  g_assert_cmpuint(g_strv_length(config->video_codecs), ==, 2);
  g_assert_cmpstr(config->video_codecs[0], ==, "vp8");
  g_assert_cmpstr(config->video_codecs[1], ==, "h264");
  g_assert_true(config->link_only);
  g_assert_cmpuint(config->max_rooms, ==, 100);
  g_assert_cmpuint(config->max_participants, ==, 4);
  g_assert_cmpuint(config->rejoin_grace_seconds, ==, 30);
  g_assert_cmpuint(config->ws_max_message, ==, 65536);
  g_assert_cmpuint(config->max_sdp_length, ==, 32768);
  g_assert_cmpuint(config->max_candidates, ==, 50);
  g_assert_cmpuint(config->chat_max_length, ==, 1000);
  g_assert_cmpuint(config->max_name_length, ==, 64);
  g_assert_cmpstr(config->store_backend, ==, "sqlite");
  g_assert_cmpuint(config->comment_retention_days, ==, 180);
  g_assert_cmpuint(config->service_level_seconds, ==, 30);
  g_assert_cmpuint(config->short_abandon_seconds, ==, 5);
  g_assert_cmpuint(g_strv_length(config->queue_names), ==, 0);
  g_assert_cmpuint(config->udp_port_min, ==, 0);
  g_assert_cmpuint(config->udp_port_max, ==, 0);
  g_assert_cmpuint(g_strv_length(config->turn_urls), ==, 0);
  g_assert_null(config->turn_secret);
  g_assert_cmpuint(config->turn_credential_ttl_seconds, ==, 43200);
}

static void
test_defaults(void)
{
  g_autoptr(GwConfig) config = gw_config_new_default();
  g_autoptr(GwConfig) empty = NULL;
  g_autoptr(GwConfig) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *source_web = g_build_filename(BALIE_SOURCE_DIR, "web", NULL);

  assert_defaults(config);
  /* Tests run from the source tree, so web/ is found there when it exists. */
  if (g_file_test(source_web, G_FILE_TEST_IS_DIR))
    g_assert_cmpstr(config->web_root, ==, source_web);
  else
    g_assert_cmpstr(config->web_root, ==, BALIE_WEB_INSTALL_DIR);

  empty = parse("", NULL, &error);
  g_assert_no_error(error);
  assert_defaults(empty);

  loaded = gw_config_load(NULL, NULL, &error);
  g_assert_no_error(error);
  assert_defaults(loaded);
}

static const char full_file[] = "# a comment\n"
                                "[server]\n"
                                "listen_address = 127.0.0.1\n"
                                "port = 9443\n"
                                "tls = false\n"
                                "data_dir = /var/lib/balie\n"
                                "web_root = /srv/balie/web\n"
                                "public_url = https://video.example.nl/\n"
                                "log_format = json\n"
                                "\n"
                                "[media]\n"
                                "ice_local_addresses = 127.0.0.1;10.0.0.2;::1\n"
                                "jitterbuffer_ms = 0\n"
                                "\n"
                                "[limits]\n"
                                "max_rooms = 10000\n"
                                "max_participants = 4\n"
                                "ws_max_message = 1024\n"
                                "max_sdp_length = 262144\n"
                                "max_candidates = 1\n"
                                "chat_max_length = 10000\n"
                                "max_name_length = 256\n";

static void
test_full_file(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwConfig) config = parse(full_file, NULL, &error);
  g_autofree char *url = NULL;

  g_assert_no_error(error);
  g_assert_nonnull(config);
  g_assert_cmpstr(config->listen_address, ==, "127.0.0.1");
  g_assert_cmpuint(config->port, ==, 9443);
  g_assert_false(config->tls);
  g_assert_cmpstr(config->data_dir, ==, "/var/lib/balie");
  /* Not set, so derived from data_dir. */
  g_assert_cmpstr(config->tls_cert_file, ==, "/var/lib/balie/tls/cert.pem");
  g_assert_cmpstr(config->tls_key_file, ==, "/var/lib/balie/tls/key.pem");
  g_assert_cmpstr(config->web_root, ==, "/srv/balie/web");
  /* The trailing slash goes, so PUBLIC_URL/advisor.html is right. */
  g_assert_cmpstr(config->public_url, ==, "https://video.example.nl");
  g_assert_cmpstr(config->log_format, ==, "json");
  g_assert_cmpuint(g_strv_length(config->ice_local_addresses), ==, 3);
  g_assert_cmpstr(config->ice_local_addresses[0], ==, "127.0.0.1");
  g_assert_cmpstr(config->ice_local_addresses[1], ==, "10.0.0.2");
  g_assert_cmpstr(config->ice_local_addresses[2], ==, "::1");
  g_assert_cmpuint(config->jitterbuffer_ms, ==, 0);
  g_assert_cmpuint(config->max_rooms, ==, 10000);
  g_assert_cmpuint(config->max_participants, ==, 4);
  g_assert_cmpuint(config->ws_max_message, ==, 1024);
  g_assert_cmpuint(config->max_sdp_length, ==, 262144);
  g_assert_cmpuint(config->max_candidates, ==, 1);
  g_assert_cmpuint(config->chat_max_length, ==, 10000);
  g_assert_cmpuint(config->max_name_length, ==, 256);

  /* A configured public_url is kept whatever port the server bound. */
  url = gw_config_dup_public_url(config, 40000);
  g_assert_cmpstr(url, ==, "https://video.example.nl");
}

static void
test_explicit_paths(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwConfig) config = parse("[server]\n"
                                     "data_dir = d\n"
                                     "tls_cert_file = /etc/balie/cert.pem\n"
                                     "tls_key_file = /etc/balie/private/key.pem\n",
                                     NULL, &error);

  g_assert_no_error(error);
  g_assert_cmpstr(config->tls_cert_file, ==, "/etc/balie/cert.pem");
  g_assert_cmpstr(config->tls_key_file, ==, "/etc/balie/private/key.pem");
}

static void
test_derived_public_url(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwConfig) any_port = parse("[server]\nport = 0\n", NULL, &error);
  g_autoptr(GwConfig) plain = NULL;
  g_autofree char *bound = NULL;
  g_autofree char *unbound = NULL;

  g_assert_no_error(error);
  g_assert_cmpuint(any_port->port, ==, 0);
  bound = gw_config_dup_public_url(any_port, 41234);
  g_assert_cmpstr(bound, ==, "https://localhost:41234");
  unbound = gw_config_dup_public_url(any_port, 0);
  g_assert_cmpstr(unbound, ==, any_port->public_url);

  plain = parse("[server]\ntls = no\nport = 8080\n", NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(plain->public_url, ==, "http://localhost:8080");
}

static void
test_empty_address_list(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwConfig) config = parse("[media]\nice_local_addresses =\n", NULL, &error);

  g_assert_no_error(error);
  g_assert_nonnull(config->ice_local_addresses);
  g_assert_cmpuint(g_strv_length(config->ice_local_addresses), ==, 0);
}

static void
test_error_syntax(void)
{
  assert_error("[server\nport = 1\n", NULL, GW_CONFIG_ERROR_SYNTAX, "config: ");
  assert_error("port = 1\n", NULL, GW_CONFIG_ERROR_SYNTAX, "config: ");
  assert_error("[server]\nthis is not a key value pair\n", NULL, GW_CONFIG_ERROR_SYNTAX,
               "config: ");
}

static void
test_error_unknown(void)
{
  assert_error("[server]\nprot = 9443\n", NULL, GW_CONFIG_ERROR_UNKNOWN,
               "unknown key \"prot\" in group [server]");
  /* The message lists what would have been right. */
  assert_error("[server]\nprot = 9443\n", NULL, GW_CONFIG_ERROR_UNKNOWN, "port");
  assert_error("[sever]\nport = 9443\n", NULL, GW_CONFIG_ERROR_UNKNOWN, "unknown group [sever]");
  /* A key in the wrong group is unknown there. */
  assert_error("[media]\nport = 9443\n", NULL, GW_CONFIG_ERROR_UNKNOWN,
               "unknown key \"port\" in group [media]");
  /* Localised variants are not a thing here. */
  assert_error("[server]\nport[nl] = 1\n", NULL, GW_CONFIG_ERROR_UNKNOWN, "port[nl]");
}

static void
test_error_range(void)
{
  assert_error("[limits]\nmax_participants = 9\n", NULL, GW_CONFIG_ERROR_VALUE,
               "config: limits.max_participants = 9: must be between 2 and 4");
  assert_error("[limits]\nmax_participants = 1\n", NULL, GW_CONFIG_ERROR_VALUE,
               "limits.max_participants = 1: must be between 2 and 4");
  assert_error("[server]\nport = 65536\n", NULL, GW_CONFIG_ERROR_VALUE,
               "server.port = 65536: must be between 0 and 65535");
  assert_error("[server]\nport = 99999999999999999999999\n", NULL, GW_CONFIG_ERROR_VALUE,
               "must be between 0 and 65535");
  assert_error("[media]\njitterbuffer_ms = 2001\n", NULL, GW_CONFIG_ERROR_VALUE,
               "media.jitterbuffer_ms = 2001: must be between 0 and 2000");
  assert_error("[limits]\nws_max_message = 1023\n", NULL, GW_CONFIG_ERROR_VALUE,
               "must be between 1024 and 1048576");
  assert_error("[limits]\nmax_rooms = 0\n", NULL, GW_CONFIG_ERROR_VALUE,
               "must be between 1 and 10000");
  /* Not numbers at all. */
  assert_error("[server]\nport = -1\n", NULL, GW_CONFIG_ERROR_VALUE,
               "server.port = -1: must be a whole number between 0 and 65535");
  assert_error("[server]\nport = 84 43\n", NULL, GW_CONFIG_ERROR_VALUE, "must be a whole number");
  assert_error("[server]\nport = 0x20fb\n", NULL, GW_CONFIG_ERROR_VALUE, "must be a whole number");
  assert_error("[server]\nport =\n", NULL, GW_CONFIG_ERROR_VALUE, "must be a whole number");
}

static void
test_error_enum_and_kinds(void)
{
  assert_error("[server]\nlog_format = yaml\n", NULL, GW_CONFIG_ERROR_VALUE,
               "server.log_format = yaml: must be text or json");
  assert_error("[server]\ntls = maybe\n", NULL, GW_CONFIG_ERROR_VALUE,
               "server.tls = maybe: must be true or false");
  assert_error("[server]\nlisten_address = localhost\n", NULL, GW_CONFIG_ERROR_VALUE,
               "server.listen_address = localhost: must be an IP address");
  assert_error("[media]\nice_local_addresses = 127.0.0.1;10.0.0.300\n", NULL, GW_CONFIG_ERROR_VALUE,
               "media.ice_local_addresses = 10.0.0.300");
  assert_error("[media]\nvideo_codecs = vp8;av1\n", NULL, GW_CONFIG_ERROR_VALUE,
               "media.video_codecs = av1: must be vp8 or h264");
  assert_error("[media]\nvideo_codecs =\n", NULL, GW_CONFIG_ERROR_VALUE,
               "media.video_codecs = : must name at least one of vp8, h264");
  assert_error("[server]\npublic_url = ftp://example.nl\n", NULL, GW_CONFIG_ERROR_VALUE,
               "must be an http:// or https:// URL");
  assert_error("[server]\npublic_url = https://x.nl/?a=1\n", NULL, GW_CONFIG_ERROR_VALUE,
               "must not have a query");
  assert_error("[server]\npublic_url = localhost:8443\n", NULL, GW_CONFIG_ERROR_VALUE,
               "must be an http:// or https:// URL");
  assert_error("[server]\ndata_dir =\n", NULL, GW_CONFIG_ERROR_VALUE,
               "server.data_dir = : must not be empty");
  assert_error("[server]\ndata_dir = \xff\xfe\n", NULL, GW_CONFIG_ERROR_VALUE, "not valid UTF-8");
  /* Non-ASCII shows as written; control characters do not reach the terminal. */
  assert_error("[server]\nlisten_address = café\\tbar\n", NULL, GW_CONFIG_ERROR_VALUE,
               "server.listen_address = café?bar: must be");
}

static void
test_queues(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwConfig) config =
      parse("[queues]\nnames = hypotheek; zorgvraag\nopening_hours = mon-fri 08:00-18:00; "
            "sat 09:00-12:30\n",
            NULL, &error);

  g_assert_no_error(error);
  g_assert_cmpuint(g_strv_length(config->queue_names), ==, 2);
  g_assert_cmpstr(config->queue_names[1], ==, "zorgvraag");
  g_assert_cmpstr(config->opening_hours, ==, "mon-fri 08:00-18:00; sat 09:00-12:30");
  g_autoptr(GwConfig) defaults = gw_config_new_default();
  g_assert_null(defaults->opening_hours);

  assert_error("[queues]\nnames = hypo theek\n", NULL, GW_CONFIG_ERROR_VALUE,
               "queues.names = hypo theek: each name must be 1 to 64");
  assert_error("[queues]\nnames = a;b;a\n", NULL, GW_CONFIG_ERROR_VALUE, "listed twice");
  assert_error("[queues]\nnames = q/1\n", NULL, GW_CONFIG_ERROR_VALUE, "each name");
  assert_error("[queues]\nopening_hours = weekdays 8-6\n", NULL, GW_CONFIG_ERROR_VALUE,
               "queues.opening_hours = weekdays 8-6: rule 1 is not like");
  assert_error("[queues]\nopening_hours = fri-mon 08:00-18:00\n", NULL, GW_CONFIG_ERROR_VALUE,
               "rule 1");
  assert_error("[queues]\nopening_hours = mon 18:00-08:00\n", NULL, GW_CONFIG_ERROR_VALUE,
               "rule 1");
  assert_error("[queues]\nopening_hours = mon 08:00-18:00; tue 25:00-26:00\n", NULL,
               GW_CONFIG_ERROR_VALUE, "rule 2");
  assert_error("[queues]\nopening_hours = ;\n", NULL, GW_CONFIG_ERROR_VALUE, "at least one");
}

static void
test_brand(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwConfig) config =
      parse("[brand]\nname = Bank Voorbeeld\nlogo_file = /etc/balie/logo.svg\n"
            "accent_color = #1A4D2E\n",
            NULL, &error);

  g_assert_no_error(error);
  g_assert_cmpstr(config->brand_name, ==, "Bank Voorbeeld");
  g_assert_cmpstr(config->brand_logo_file, ==, "/etc/balie/logo.svg");
  g_assert_cmpstr(config->brand_accent_color, ==, "#1a4d2e");
  g_autoptr(GwConfig) defaults = gw_config_new_default();
  g_assert_null(defaults->brand_name);
  g_assert_null(defaults->brand_accent_color);

  assert_error("[brand]\naccent_color = red\n", NULL, GW_CONFIG_ERROR_VALUE,
               "brand.accent_color = red: must be a colour written #rrggbb");
  assert_error("[brand]\naccent_color = #12345g\n", NULL, GW_CONFIG_ERROR_VALUE, "#rrggbb");
  /* Yellow on white is unreadable. */
  assert_error("[brand]\naccent_color = #ffdd00\n", NULL, GW_CONFIG_ERROR_VALUE,
               "has a contrast of 1.3:1 with white");
}

static void
test_opening_hours(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwOpeningHours) hours =
      gw_opening_hours_parse("mon-fri 08:00-18:00; sat 09:00-12:00", &error);
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
  /* 2026-11-23 is a Monday. */
  g_autoptr(GDateTime) monday_early = g_date_time_new(utc, 2026, 11, 23, 7, 59, 0);
  g_autoptr(GDateTime) monday_open = g_date_time_new(utc, 2026, 11, 23, 8, 0, 0);
  g_autoptr(GDateTime) friday_late = g_date_time_new(utc, 2026, 11, 27, 18, 0, 0);
  g_autoptr(GDateTime) sunday = g_date_time_new(utc, 2026, 11, 29, 10, 0, 0);

  g_assert_no_error(error);
  g_assert_false(gw_opening_hours_is_open(hours, monday_early));
  g_assert_true(gw_opening_hours_is_open(hours, monday_open));
  g_assert_false(gw_opening_hours_is_open(hours, friday_late));
  g_assert_false(gw_opening_hours_is_open(hours, sunday));

  g_autoptr(GDateTime) next_monday = gw_opening_hours_next_opening(hours, monday_early);
  g_assert_cmpint(g_date_time_get_day_of_month(next_monday), ==, 23);
  g_assert_cmpint(g_date_time_get_hour(next_monday), ==, 8);
  g_autoptr(GDateTime) next_saturday = gw_opening_hours_next_opening(hours, friday_late);
  g_assert_cmpint(g_date_time_get_day_of_month(next_saturday), ==, 28);
  g_assert_cmpint(g_date_time_get_hour(next_saturday), ==, 9);
  g_autoptr(GDateTime) next_week = gw_opening_hours_next_opening(hours, sunday);
  g_assert_cmpint(g_date_time_get_day_of_month(next_week), ==, 30);
}

static void
test_too_many_addresses(void)
{
  g_autoptr(GString) text = g_string_new("[media]\nice_local_addresses = ");

  for (guint i = 1; i <= 17; i++)
    g_string_append_printf(text, "10.0.0.%u;", i);
  g_string_append_c(text, '\n');
  assert_error(text->str, NULL, GW_CONFIG_ERROR_VALUE, "at most 16 addresses");
}

static void
test_env_override(void)
{
  g_auto(GStrv) envp = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GwConfig) config = NULL;

  envp = g_environ_setenv(NULL, "BALIE_SERVER_PORT", "9443", TRUE);
  envp = g_environ_setenv(envp, "BALIE_MEDIA_ICE_LOCAL_ADDRESSES", "127.0.0.1;10.0.0.2", TRUE);
  envp = g_environ_setenv(envp, "BALIE_SERVER_TLS", "FALSE", TRUE);
  envp = g_environ_setenv(envp, "BALIE_SERVER_DATA_DIR", " /tmp/balie ", TRUE);
  envp = g_environ_setenv(envp, "BALIE_LIMITS_MAX_PARTICIPANTS", "3", TRUE);
  /* Other BALIE_ variables belong to scripts and tests and are ignored. */
  envp = g_environ_setenv(envp, "BALIE_E2E_SOMETHING", "1", TRUE);
  envp = g_environ_setenv(envp, "PATH", "/usr/bin", TRUE);

  /* The environment wins over the file, and the file over the defaults. */
  config = parse("[server]\nport = 1234\nlog_format = json\n"
                 "[limits]\nmax_participants = 4\nmax_rooms = 7\n",
                 envp, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(config->port, ==, 9443);
  g_assert_false(config->tls);
  g_assert_cmpstr(config->log_format, ==, "json");
  g_assert_cmpstr(config->data_dir, ==, "/tmp/balie");
  g_assert_cmpstr(config->tls_key_file, ==, "/tmp/balie/tls/key.pem");
  g_assert_cmpstr(config->public_url, ==, "http://localhost:9443");
  g_assert_cmpuint(config->max_participants, ==, 3);
  g_assert_cmpuint(config->max_rooms, ==, 7);
  g_assert_cmpuint(g_strv_length(config->ice_local_addresses), ==, 2);
  g_assert_cmpstr(config->ice_local_addresses[1], ==, "10.0.0.2");
}

static void
test_env_load(void)
{
  g_auto(GStrv) envp = g_environ_setenv(NULL, "BALIE_SERVER_PUBLIC_URL", "https://a.nl:1/", TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GwConfig) config = gw_config_load(NULL, envp, &error);
  g_autofree char *url = NULL;

  g_assert_no_error(error);
  g_assert_cmpstr(config->public_url, ==, "https://a.nl:1");
  url = gw_config_dup_public_url(config, 5555);
  g_assert_cmpstr(url, ==, "https://a.nl:1");
}

static void
test_env_errors(void)
{
  g_auto(GStrv) range = g_environ_setenv(NULL, "BALIE_LIMITS_MAX_PARTICIPANTS", "9", TRUE);
  g_auto(GStrv) number = g_environ_setenv(NULL, "BALIE_SERVER_PORT", "https", TRUE);
  g_auto(GStrv) choice = g_environ_setenv(NULL, "BALIE_SERVER_LOG_FORMAT", "xml", TRUE);
  g_auto(GStrv) address = g_environ_setenv(NULL, "BALIE_MEDIA_ICE_LOCAL_ADDRESSES", "a;b", TRUE);
  g_auto(GStrv) empty = g_environ_setenv(NULL, "BALIE_SERVER_WEB_ROOT", "", TRUE);
  g_auto(GStrv) typo = g_environ_setenv(NULL, "BALIE_SERVER_PROT", "9443", TRUE);

  assert_error("", range, GW_CONFIG_ERROR_VALUE,
               "environment: BALIE_LIMITS_MAX_PARTICIPANTS = 9: must be between 2 and 4");
  /* A bad override fails even when the file is fine. */
  assert_error("[server]\nport = 1\n", number, GW_CONFIG_ERROR_VALUE,
               "BALIE_SERVER_PORT = https: must be a whole number between 0 and 65535");
  assert_error("", choice, GW_CONFIG_ERROR_VALUE, "BALIE_SERVER_LOG_FORMAT = xml: must be text");
  assert_error("", address, GW_CONFIG_ERROR_VALUE, "BALIE_MEDIA_ICE_LOCAL_ADDRESSES = a: must be");
  assert_error("", empty, GW_CONFIG_ERROR_VALUE, "BALIE_SERVER_WEB_ROOT = : must not be empty");
  assert_error("", typo, GW_CONFIG_ERROR_UNKNOWN, "unknown variable BALIE_SERVER_PROT");
}

static void
test_load_file(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp("test-config-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autofree char *missing = NULL;
  g_autoptr(GwConfig) config = NULL;
  g_autoptr(GwConfig) none = NULL;
  g_autoptr(GwConfig) bad = NULL;

  g_assert_no_error(error);
  path = g_build_filename(dir, "balie.conf", NULL);
  g_assert_true(g_file_set_contents(path, full_file, -1, &error));
  config = gw_config_load(path, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(config->port, ==, 9443);

  /* Errors in a file name the file. */
  g_assert_true(g_file_set_contents(path, "[limits]\nmax_participants = 9\n", -1, &error));
  bad = gw_config_load(path, NULL, &error);
  g_assert_null(bad);
  g_assert_error(error, GW_CONFIG_ERROR, GW_CONFIG_ERROR_VALUE);
  g_assert_true(g_str_has_prefix(error->message, path));
  g_clear_error(&error);

  missing = g_build_filename(dir, "missing.conf", NULL);
  none = gw_config_load(missing, NULL, &error);
  g_assert_null(none);
  g_assert_error(error, GW_CONFIG_ERROR, GW_CONFIG_ERROR_IO);
  g_assert_nonnull(strstr(error->message, "missing.conf"));
  g_clear_error(&error);

  g_assert_cmpint(g_unlink(path), ==, 0);
  g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static void
test_too_large(void)
{
  gsize size = 1024 * 1024 + 1;
  g_autofree char *data = g_malloc(size);
  g_autoptr(GError) error = NULL;
  g_autoptr(GwConfig) config = NULL;

  memset(data, '#', size);
  config = gw_config_parse(data, size, NULL, &error);
  g_assert_null(config);
  g_assert_error(error, GW_CONFIG_ERROR, GW_CONFIG_ERROR_SYNTAX);
}

/*
 * The sample must parse as it stands, and must document every key with its
 * real default: uncommenting every "#key = value" line gives the defaults.
 */
static void
test_sample(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GwConfig) as_is = NULL;
  g_autoptr(GwConfig) uncommented = NULL;
  g_autoptr(GRegex) key_line = NULL;
  g_autofree char *active = NULL;
  static const char *const every_key[] = {"listen_address",
                                          "port",
                                          "tls",
                                          "tls_cert_file",
                                          "tls_key_file",
                                          "data_dir",
                                          "web_root",
                                          "public_url",
                                          "log_format",
                                          "token_key_file",
                                          "log_level",
                                          "drain_seconds",
                                          "trusted_proxies",
                                          "ice_local_addresses",
                                          "jitterbuffer_ms",
                                          "video_jitterbuffer_ms",
                                          "video_jitterbuffer",
                                          "receive_queue",
                                          "branch_queue",
                                          "webrtcbin_send",
                                          "webrtcbin_receive",
                                          "engine",
                                          "start_kbps",
                                          "camera_max_kbps",
                                          "screen_max_kbps",
                                          "keyframe_min_interval_ms",
                                          "udp_port_min",
                                          "udp_port_max",
                                          "video_codecs",
                                          "link_only",
                                          "max_rooms",
                                          "max_participants",
                                          "rejoin_grace_seconds",
                                          "ws_max_message",
                                          "max_sdp_length",
                                          "max_candidates",
                                          "chat_max_length",
                                          "max_name_length",
                                          "invites_per_minute",
                                          "invite_ttl_minutes",
                                          "ws_per_address",
                                          "ws_messages_per_second",
                                          "http_requests_per_second",
                                          "bad_links_per_minute",
                                          "request_timeout_seconds",
                                          "tls_handshake_timeout_seconds",
                                          "handshakes_per_address",
                                          "names",
                                          "opening_hours",
                                          "backend",
                                          "postgres_conninfo_file",
                                          "comment_retention_days",
                                          "service_level_seconds",
                                          "short_abandon_seconds",
                                          "urls",
                                          "name",
                                          "logo_file",
                                          "accent_color",
                                          "secret_file",
                                          "credential_ttl_seconds",
                                          "client_secret_file",
                                          "username_claim",
                                          "url",
                                          "max_attempts",
                                          "max_queue",
                                          NULL};

  g_assert_true(g_file_get_contents(BALIE_SAMPLE_CONFIG, &text, NULL, &error));
  g_assert_no_error(error);

  as_is = gw_config_load(BALIE_SAMPLE_CONFIG, NULL, &error);
  g_assert_no_error(error);
  assert_defaults(as_is);

  key_line = g_regex_new("^#([a-z_]+ = )", G_REGEX_MULTILINE, 0, &error);
  g_assert_no_error(error);
  active = g_regex_replace(key_line, text, -1, 0, "\\1", 0, &error);
  g_assert_no_error(error);
  for (guint i = 0; every_key[i] != NULL; i++) {
    g_autofree char *needle = g_strdup_printf("\n%s = ", every_key[i]);

    if (strstr(active, needle) == NULL)
      g_error("balie.conf.sample does not document %s", every_key[i]);
  }
  uncommented = parse(active, NULL, &error);
  g_assert_no_error(error);
  assert_defaults(uncommented);
  /* web_root's default depends on where Balie runs; the sample shows the installed one. */
  g_assert_cmpstr(uncommented->web_root, ==, "/usr/local/share/balie/web");
}

static void
test_ref_unref(void)
{
  GwConfig *config = gw_config_new_default();
  GwConfig *again = gw_config_ref(config);

  g_assert_true(again == config);
  gw_config_unref(again);
  /* Still alive: one reference left. */
  g_assert_cmpuint(config->port, ==, 8443);
  gw_config_unref(config);
  gw_config_unref(NULL);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/config/defaults", test_defaults);
  g_test_add_func("/config/full-file", test_full_file);
  g_test_add_func("/config/explicit-paths", test_explicit_paths);
  g_test_add_func("/config/derived-public-url", test_derived_public_url);
  g_test_add_func("/config/empty-address-list", test_empty_address_list);
  g_test_add_func("/config/error/syntax", test_error_syntax);
  g_test_add_func("/config/error/unknown", test_error_unknown);
  g_test_add_func("/config/error/range", test_error_range);
  g_test_add_func("/config/error/kinds", test_error_enum_and_kinds);
  g_test_add_func("/config/error/too-many-addresses", test_too_many_addresses);
  g_test_add_func("/config/queues", test_queues);
  g_test_add_func("/config/opening-hours", test_opening_hours);
  g_test_add_func("/config/brand", test_brand);
  g_test_add_func("/config/error/too-large", test_too_large);
  g_test_add_func("/config/env/override", test_env_override);
  g_test_add_func("/config/env/load", test_env_load);
  g_test_add_func("/config/env/errors", test_env_errors);
  g_test_add_func("/config/load-file", test_load_file);
  g_test_add_func("/config/sample", test_sample);
  g_test_add_func("/config/ref-unref", test_ref_unref);

  return g_test_run();
}
