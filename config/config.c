/* SPDX-License-Identifier: Apache-2.0 */
/* Loading and validating the config file and its BALIE_<GROUP>_<KEY> environment overrides. */
#include "config/config.h"

#include "config/opening-hours.h"
#include "config/turn-url.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/*
 * Every key is described once, in the table below: where it lives in GwConfig,
 * what kind of value it takes and its range. Parsing the file, applying the
 * environment and the error messages are all driven by that table, so a key
 * added to GwConfig needs one line here, a default in config_fill_defaults()
 * and a comment in balie.conf.sample (test-config.c checks the sample).
 */

/* A config file is written by an operator, but it is still input: cap it. */
#define CONFIG_MAX_SIZE (1024 * 1024)
#define CONFIG_MAX_STRING 4096
#define CONFIG_MAX_ADDRESSES 16
#define CONFIG_MAX_NAMES 32
#define CONFIG_MAX_NAME_LENGTH 64
#define CONFIG_WEB_INSTALLED BALIE_WEB_INSTALL_DIR

typedef enum {
  KEY_STRING,       /* any non-empty text, e.g. a path */
  KEY_ADDRESS,      /* an IPv4 or IPv6 literal */
  KEY_ADDRESS_LIST, /* ';'-separated IP literals, possibly none */
  KEY_URL,          /* an absolute http(s) URL */
  KEY_UINT,         /* a decimal number in [min, max] */
  KEY_BOOL,         /* true/false (also yes/no, on/off, 1/0) */
  KEY_ENUM,         /* one of a fixed set of words */
  KEY_NAME_LIST,    /* ';'-separated names of [A-Za-z0-9_-], possibly none */
  KEY_HOURS,        /* opening hours, see config/opening-hours.h */
  KEY_TURN_URLS,    /* ';'-separated turn:/turns: URLs, possibly none (config/turn-url.h) */
  KEY_COLOR,        /* #rrggbb, dark enough for white text on it (WCAG AA, 4.5:1) */
} KeyType;

typedef struct {
  const char *group;
  const char *name;
  KeyType type;
  gsize offset;
  guint min, max;             /* KEY_UINT */
  const char *const *choices; /* KEY_ENUM, NULL-terminated */
} KeySpec;

static const char *const log_formats[] = {"text", "json", NULL};
static const char *const log_levels[] = {"warning", "message", "info", "debug", NULL};
static const char *const store_backends[] = {"sqlite", "postgresql", NULL};
static const char *const video_codec_names[] = {"vp8", "h264", NULL};
static const char *const media_engines[] = {"webrtcbin", "native", NULL};

#define FIELD(f) G_STRUCT_OFFSET(GwConfig, f)

static const KeySpec keys[] = {
    {"server", "listen_address", KEY_ADDRESS, FIELD(listen_address), 0, 0, NULL},
    {"server", "port", KEY_UINT, FIELD(port), 0, 65535, NULL},
    {"server", "tls", KEY_BOOL, FIELD(tls), 0, 0, NULL},
    {"server", "tls_cert_file", KEY_STRING, FIELD(tls_cert_file), 0, 0, NULL},
    {"server", "tls_key_file", KEY_STRING, FIELD(tls_key_file), 0, 0, NULL},
    {"server", "data_dir", KEY_STRING, FIELD(data_dir), 0, 0, NULL},
    {"server", "web_root", KEY_STRING, FIELD(web_root), 0, 0, NULL},
    {"server", "public_url", KEY_URL, FIELD(public_url), 0, 0, NULL},
    {"server", "log_format", KEY_ENUM, FIELD(log_format), 0, 0, log_formats},
    {"server", "token_key_file", KEY_STRING, FIELD(token_key_file), 0, 0, NULL},
    {"server", "log_level", KEY_ENUM, FIELD(log_level), 0, 0, log_levels},
    {"server", "drain_seconds", KEY_UINT, FIELD(drain_seconds), 0, 86400, NULL},
    {"server", "trusted_proxies", KEY_ADDRESS_LIST, FIELD(trusted_proxies), 0, 0, NULL},
    {"media", "ice_local_addresses", KEY_ADDRESS_LIST, FIELD(ice_local_addresses), 0, 0, NULL},
    {"media", "jitterbuffer_ms", KEY_UINT, FIELD(jitterbuffer_ms), 0, 2000, NULL},
    {"media", "video_jitterbuffer_ms", KEY_UINT, FIELD(video_jitterbuffer_ms), 0, 3000, NULL},
    {"media", "video_jitterbuffer", KEY_BOOL, FIELD(video_jitterbuffer), 0, 0, NULL},
    {"media", "receive_queue", KEY_BOOL, FIELD(receive_queue), 0, 0, NULL},
    {"media", "branch_queue", KEY_BOOL, FIELD(branch_queue), 0, 0, NULL},
    {"media", "webrtcbin_send", KEY_BOOL, FIELD(webrtcbin_send), 0, 0, NULL},
    {"media", "webrtcbin_receive", KEY_BOOL, FIELD(webrtcbin_receive), 0, 0, NULL},
    {"media", "engine", KEY_ENUM, FIELD(engine), 0, 0, media_engines},
    {"media", "start_kbps", KEY_UINT, FIELD(start_kbps), 100, 20000, NULL},
    {"media", "camera_max_kbps", KEY_UINT, FIELD(camera_max_kbps), 100, 20000, NULL},
    {"media", "screen_max_kbps", KEY_UINT, FIELD(screen_max_kbps), 100, 20000, NULL},
    {"media", "keyframe_min_interval_ms", KEY_UINT, FIELD(keyframe_min_interval_ms), 0, 10000,
     NULL},
    {"media", "udp_port_min", KEY_UINT, FIELD(udp_port_min), 0, 65535, NULL},
    {"media", "udp_port_max", KEY_UINT, FIELD(udp_port_max), 0, 65535, NULL},
    {"media", "public_address", KEY_ADDRESS, FIELD(public_address), 0, 0, NULL},
    {"media", "video_codecs", KEY_NAME_LIST, FIELD(video_codecs), 0, 0, video_codec_names},
    {"rooms", "link_only", KEY_BOOL, FIELD(link_only), 0, 0, NULL},
    {"limits", "max_rooms", KEY_UINT, FIELD(max_rooms), 1, 10000, NULL},
    {"limits", "max_participants", KEY_UINT, FIELD(max_participants), 2, 4, NULL},
    {"limits", "rejoin_grace_seconds", KEY_UINT, FIELD(rejoin_grace_seconds), 0, 600, NULL},
    {"limits", "ws_max_message", KEY_UINT, FIELD(ws_max_message), 1024, 1048576, NULL},
    {"limits", "max_sdp_length", KEY_UINT, FIELD(max_sdp_length), 1024, 262144, NULL},
    {"limits", "max_candidates", KEY_UINT, FIELD(max_candidates), 1, 500, NULL},
    {"limits", "chat_max_length", KEY_UINT, FIELD(chat_max_length), 1, 10000, NULL},
    {"limits", "max_name_length", KEY_UINT, FIELD(max_name_length), 1, 256, NULL},
    {"limits", "invites_per_minute", KEY_UINT, FIELD(invites_per_minute), 1, 1000, NULL},
    {"limits", "invite_ttl_minutes", KEY_UINT, FIELD(invite_ttl_minutes), 5, 43200, NULL},
    {"limits", "ws_per_address", KEY_UINT, FIELD(ws_per_address), 1, 100000, NULL},
    {"limits", "ws_messages_per_second", KEY_UINT, FIELD(ws_messages_per_second), 1, 1000, NULL},
    {"limits", "http_requests_per_second", KEY_UINT, FIELD(http_requests_per_second), 1, 100000,
     NULL},
    {"limits", "bad_links_per_minute", KEY_UINT, FIELD(bad_links_per_minute), 1, 1000, NULL},
    {"limits", "request_timeout_seconds", KEY_UINT, FIELD(request_timeout_seconds), 1, 3600, NULL},
    {"limits", "tls_handshake_timeout_seconds", KEY_UINT, FIELD(tls_handshake_timeout_seconds), 1,
     600, NULL},
    {"limits", "handshakes_per_address", KEY_UINT, FIELD(handshakes_per_address), 1, 100000, NULL},
    {"queues", "names", KEY_NAME_LIST, FIELD(queue_names), 0, 0, NULL},
    {"queues", "opening_hours", KEY_HOURS, FIELD(opening_hours), 0, 0, NULL},
    {"store", "backend", KEY_ENUM, FIELD(store_backend), 0, 0, store_backends},
    {"store", "postgres_conninfo_file", KEY_STRING, FIELD(postgres_conninfo_file), 0, 0, NULL},
    {"store", "comment_retention_days", KEY_UINT, FIELD(comment_retention_days), 1, 3650, NULL},
    {"store", "service_level_seconds", KEY_UINT, FIELD(service_level_seconds), 1, 3600, NULL},
    {"store", "short_abandon_seconds", KEY_UINT, FIELD(short_abandon_seconds), 0, 600, NULL},
    {"turn", "urls", KEY_TURN_URLS, FIELD(turn_urls), 0, 0, NULL},
    {"turn", "secret_file", KEY_STRING, FIELD(turn_secret_file), 0, 0, NULL},
    {"turn", "credential_ttl_seconds", KEY_UINT, FIELD(turn_credential_ttl_seconds), 300, 604800,
     NULL},
    {"oidc", "issuer", KEY_URL, FIELD(oidc_issuer), 0, 0, NULL},
    {"oidc", "client_id", KEY_STRING, FIELD(oidc_client_id), 0, 0, NULL},
    {"oidc", "client_secret_file", KEY_STRING, FIELD(oidc_client_secret_file), 0, 0, NULL},
    {"oidc", "username_claim", KEY_STRING, FIELD(oidc_username_claim), 0, 0, NULL},
    {"oidc", "ca_file", KEY_STRING, FIELD(oidc_ca_file), 0, 0, NULL},
    {"brand", "name", KEY_STRING, FIELD(brand_name), 0, 0, NULL},
    {"brand", "logo_file", KEY_STRING, FIELD(brand_logo_file), 0, 0, NULL},
    {"brand", "accent_color", KEY_COLOR, FIELD(brand_accent_color), 0, 0, NULL},
    {"webhook", "url", KEY_URL, FIELD(webhook_url), 0, 0, NULL},
    {"webhook", "secret_file", KEY_STRING, FIELD(webhook_secret_file), 0, 0, NULL},
    {"webhook", "max_attempts", KEY_UINT, FIELD(webhook_max_attempts), 1, 100, NULL},
    {"webhook", "max_queue", KEY_UINT, FIELD(webhook_max_queue), 1, 1000000, NULL},
};

#define N_KEYS G_N_ELEMENTS(keys)

static const char *const groups[] = {"server", "media", "rooms", "limits",  "queues", "store",
                                     "turn",   "brand", "webhook", "oidc",   NULL};

/*
 * The public struct comes first so a GwConfig * is also the rc box pointer.
 * The rest remembers which values were derived rather than configured.
 */
typedef struct {
  GwConfig pub;
  gboolean public_url_derived;
} GwConfigPrivate;

/* Which keys the file or the environment set, for the derived defaults. */
typedef struct {
  gboolean set[N_KEYS];
} ConfigSeen;

GQuark
gw_config_error_quark(void)
{
  return g_quark_from_static_string("gw-config-error-quark");
}

static void
config_clear(gpointer data)
{
  GwConfig *config = data;

  g_free(config->listen_address);
  g_free(config->tls_cert_file);
  g_free(config->tls_key_file);
  g_free(config->data_dir);
  g_free(config->web_root);
  g_free(config->public_url);
  g_free(config->log_format);
  g_free(config->engine);
  g_free(config->token_key_file);
  g_free(config->log_level);
  g_strfreev(config->ice_local_addresses);
  g_strfreev(config->trusted_proxies);
  g_strfreev(config->queue_names);
  g_strfreev(config->video_codecs);
  g_free(config->opening_hours);
  g_free(config->store_backend);
  g_free(config->postgres_conninfo_file);
  g_free(config->public_address);
  g_strfreev(config->turn_urls);
  g_free(config->turn_secret_file);
  if (config->turn_secret != NULL)
    memset(config->turn_secret, 0, strlen(config->turn_secret));
  g_free(config->turn_secret);
  g_free(config->oidc_issuer);
  g_free(config->oidc_client_id);
  g_free(config->oidc_client_secret_file);
  if (config->oidc_client_secret != NULL)
    memset(config->oidc_client_secret, 0, strlen(config->oidc_client_secret));
  g_free(config->oidc_client_secret);
  g_free(config->oidc_username_claim);
  g_free(config->oidc_ca_file);
  g_free(config->brand_name);
  g_free(config->brand_logo_file);
  g_free(config->brand_accent_color);
  g_free(config->webhook_url);
  g_free(config->webhook_secret_file);
}

static GwConfig *
config_alloc(void)
{
  return g_atomic_rc_box_alloc0(sizeof(GwConfigPrivate));
}

/* Defaults that do not depend on other keys; see config_derive() for the rest. */
static void
config_fill_defaults(GwConfig *config)
{
  config->listen_address = g_strdup("0.0.0.0");
  config->port = 8443;
  config->tls = TRUE;
  config->data_dir = g_strdup("balie-data");
  config->log_format = g_strdup("text");
  config->engine = g_strdup("native");
  config->log_level = g_strdup("message");
  config->drain_seconds = 60;
  config->trusted_proxies = g_new0(char *, 1);

  config->ice_local_addresses = g_new0(char *, 2);
  config->ice_local_addresses[0] = g_strdup("127.0.0.1");
  config->jitterbuffer_ms = GW_CONFIG_JITTERBUFFER_MS;
  config->video_jitterbuffer_ms = GW_CONFIG_VIDEO_JITTERBUFFER_MS;
  config->start_kbps = 1000;
  config->camera_max_kbps = 2000;
  config->screen_max_kbps = 2500;
  config->keyframe_min_interval_ms = 1000;
  config->video_codecs = g_strsplit("vp8;h264", ";", -1);

  config->link_only = TRUE;
  config->max_rooms = 100;
  config->max_participants = 4;
  config->rejoin_grace_seconds = 30;
  config->ws_max_message = 65536;
  config->max_sdp_length = 32768;
  config->max_candidates = 50;
  config->chat_max_length = 1000;
  config->max_name_length = 64;
  config->invites_per_minute = 10;
  config->invite_ttl_minutes = 1440;
  config->ws_per_address = 100;
  config->ws_messages_per_second = 50;
  config->http_requests_per_second = 100;
  config->bad_links_per_minute = 10;
  config->request_timeout_seconds = 30;
  config->tls_handshake_timeout_seconds = 10;
  config->handshakes_per_address = 8;

  config->queue_names = g_new0(char *, 1);

  config->store_backend = g_strdup("sqlite");
  config->comment_retention_days = 180;
  config->service_level_seconds = 30;
  config->short_abandon_seconds = 5;

  config->turn_urls = g_new0(char *, 1);
  config->turn_credential_ttl_seconds = 43200;

  config->oidc_username_claim = g_strdup("preferred_username");
  config->webhook_max_attempts = 8;
  config->webhook_max_queue = 10000;
}

static char *
config_default_web_root(void)
{
  g_autofree char *source = g_build_filename(BALIE_SOURCE_DIR, "web", NULL);

  if (g_file_test(source, G_FILE_TEST_IS_DIR))
    return g_steal_pointer(&source);
  return g_strdup(CONFIG_WEB_INSTALLED);
}

static char *
config_derived_public_url(const GwConfig *config, guint port)
{
  return g_strdup_printf("%s://localhost:%u", config->tls ? "https" : "http", port);
}

static int
key_index(const KeySpec *spec)
{
  return (int)(spec - keys);
}

static const KeySpec *
key_lookup(const char *group, const char *name)
{
  for (gsize i = 0; i < N_KEYS; i++) {
    if (g_str_equal(keys[i].group, group) && g_str_equal(keys[i].name, name))
      return &keys[i];
  }
  return NULL;
}

/* Fills the keys nobody set whose default depends on other keys. */
static void
config_derive(GwConfig *config, const ConfigSeen *seen)
{
  GwConfigPrivate *priv = (GwConfigPrivate *)config;

  if (!seen->set[key_index(key_lookup("server", "tls_cert_file"))]) {
    g_free(config->tls_cert_file);
    config->tls_cert_file = g_build_filename(config->data_dir, "tls", "cert.pem", NULL);
  }
  if (!seen->set[key_index(key_lookup("server", "tls_key_file"))]) {
    g_free(config->tls_key_file);
    config->tls_key_file = g_build_filename(config->data_dir, "tls", "key.pem", NULL);
  }
  if (!seen->set[key_index(key_lookup("server", "web_root"))]) {
    g_free(config->web_root);
    config->web_root = config_default_web_root();
  }
  priv->public_url_derived = !seen->set[key_index(key_lookup("server", "public_url"))];
  if (priv->public_url_derived) {
    g_free(config->public_url);
    config->public_url = config_derived_public_url(config, config->port);
  }
}

GwConfig *
gw_config_new_default(void)
{
  GwConfig *config = config_alloc();
  ConfigSeen seen = {0};

  config_fill_defaults(config);
  config_derive(config, &seen);
  return config;
}

GwConfig *
gw_config_ref(GwConfig *config)
{
  g_return_val_if_fail(config != NULL, NULL);
  return g_atomic_rc_box_acquire(config);
}

void
gw_config_unref(GwConfig *config)
{
  if (config != NULL)
    g_atomic_rc_box_release_full(config, config_clear);
}

char *
gw_config_dup_public_url(const GwConfig *config, guint bound_port)
{
  const GwConfigPrivate *priv = (const GwConfigPrivate *)config;

  g_return_val_if_fail(config != NULL, NULL);
  if (priv->public_url_derived && bound_port != 0)
    return config_derived_public_url(config, bound_port);
  return g_strdup(config->public_url);
}

/* ---- values ------------------------------------------------------------ */

/*
 * A value comes either from the file (@origin "server.port") or from the
 * environment (@origin "BALIE_SERVER_PORT"); every message starts with the
 * origin and the offending value so the operator can find and fix it.
 */
static gboolean value_error(GError **error, const char *origin, const char *value, const char *fmt,
                            ...) G_GNUC_PRINTF(4, 5);

static gboolean
value_error(GError **error, const char *origin, const char *value, const char *fmt, ...)
{
  g_autofree char *why = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *head = NULL;
  va_list args;

  va_start(args, fmt);
  why = g_strdup_vprintf(fmt, args);
  va_end(args);
  /* Show the value as written, but keep the message one readable line. */
  if (!g_utf8_validate(value, -1, NULL))
    shown = g_strdup("(not UTF-8)");
  else if (g_utf8_strlen(value, -1) > 80)
    shown = g_strconcat(head = g_utf8_substring(value, 0, 77), "...", NULL);
  else
    shown = g_strdup(value);
  for (char *p = shown; *p != '\0'; p++) {
    if ((guchar)*p < 0x20 || *p == 0x7f)
      *p = '?';
  }
  g_set_error(error, GW_CONFIG_ERROR, GW_CONFIG_ERROR_VALUE, "%s = %s: %s", origin, shown, why);
  return FALSE;
}

static gboolean
parse_uint(const KeySpec *spec, const char *origin, const char *text, guint *out, GError **error)
{
  guint64 value = 0;
  char *end = NULL;

  /* g_ascii_strtoull accepts signs and leading spaces; a config number is digits only. */
  if (!g_ascii_isdigit(text[0]))
    goto invalid;
  errno = 0;
  value = g_ascii_strtoull(text, &end, 10);
  if (*end != '\0')
    goto invalid;
  if (errno == ERANGE || value < spec->min || value > spec->max)
    return value_error(error, origin, text, "must be between %u and %u", spec->min, spec->max);
  *out = (guint)value;
  return TRUE;

invalid:
  return value_error(error, origin, text, "must be a whole number between %u and %u", spec->min,
                     spec->max);
}

static gboolean
parse_bool(const char *origin, const char *text, gboolean *out, GError **error)
{
  static const char *const yes[] = {"true", "yes", "on", "1", NULL};
  static const char *const no[] = {"false", "no", "off", "0", NULL};

  for (guint i = 0; yes[i] != NULL; i++) {
    if (g_ascii_strcasecmp(text, yes[i]) == 0) {
      *out = TRUE;
      return TRUE;
    }
    if (g_ascii_strcasecmp(text, no[i]) == 0) {
      *out = FALSE;
      return TRUE;
    }
  }
  return value_error(error, origin, text, "must be true or false");
}

static gboolean
check_string(const char *origin, const char *text, GError **error)
{
  if (text[0] == '\0')
    return value_error(error, origin, text, "must not be empty");
  if (strlen(text) > CONFIG_MAX_STRING)
    return value_error(error, origin, text, "must be at most %d bytes", CONFIG_MAX_STRING);
  return TRUE;
}

static gboolean
check_enum(const KeySpec *spec, const char *origin, const char *text, GError **error)
{
  g_autofree char *allowed = NULL;

  if (g_strv_contains(spec->choices, text))
    return TRUE;
  allowed = g_strjoinv(" or ", (char **)spec->choices);
  return value_error(error, origin, text, "must be %s", allowed);
}

static gboolean
check_address(const char *origin, const char *text, GError **error)
{
  if (!g_hostname_is_ip_address(text))
    return value_error(error, origin, text,
                       "must be an IP address such as 127.0.0.1, 0.0.0.0 or ::");
  return TRUE;
}

/* WCAG 2.1 relative luminance of one sRGB channel (0..255). */
static double
channel_luminance(guint value)
{
  double c = value / 255.0;

  return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

/* The pages put white text on the accent colour and use it for links on white: it must be
 * #rrggbb with a contrast of at least 4.5:1 against white (WCAG 2.1 AA, normal text). */
static gboolean
check_color(const char *origin, const char *text, GError **error)
{
  guint rgb[3];

  if (strlen(text) != 7 || text[0] != '#')
    return value_error(error, origin, text, "must be a colour written #rrggbb, e.g. #0b5cad");
  for (guint i = 0; i < 3; i++) {
    int hi = g_ascii_xdigit_value(text[1 + 2 * i]);
    int lo = g_ascii_xdigit_value(text[2 + 2 * i]);
    if (hi < 0 || lo < 0)
      return value_error(error, origin, text, "must be a colour written #rrggbb, e.g. #0b5cad");
    rgb[i] = (guint)(hi * 16 + lo);
  }
  double luminance = 0.2126 * channel_luminance(rgb[0]) + 0.7152 * channel_luminance(rgb[1]) +
                     0.0722 * channel_luminance(rgb[2]);
  double contrast = 1.05 / (luminance + 0.05);
  if (contrast < 4.5)
    return value_error(error, origin, text,
                       "has a contrast of %.1f:1 with white; at least 4.5:1 is needed so text "
                       "on it stays readable (WCAG 2.1 AA): choose a darker colour",
                       contrast);
  return TRUE;
}

/* Returns the URL without trailing slashes, so "URL/advisor.html" is always right. */
static char *
check_url(const char *origin, const char *text, GError **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *trimmed = g_strdup(text);
  gsize len = strlen(trimmed);
  const char *scheme;

  if (!check_string(origin, text, error))
    return NULL;
  while (len > 0 && trimmed[len - 1] == '/')
    trimmed[--len] = '\0';
  uri = g_uri_parse(trimmed, G_URI_FLAGS_NONE, NULL);
  scheme = uri != NULL ? g_uri_get_scheme(uri) : NULL;
  if (uri == NULL || scheme == NULL ||
      (g_ascii_strcasecmp(scheme, "https") != 0 && g_ascii_strcasecmp(scheme, "http") != 0) ||
      g_uri_get_host(uri) == NULL || g_uri_get_host(uri)[0] == '\0') {
    value_error(error, origin, text, "must be an http:// or https:// URL with a host");
    return NULL;
  }
  if (g_uri_get_query(uri) != NULL || g_uri_get_fragment(uri) != NULL) {
    value_error(error, origin, text, "must not have a query (?) or fragment (#)");
    return NULL;
  }
  return g_steal_pointer(&trimmed);
}

/* Takes ownership of @items; drops empty entries and checks each address. */
static char **
check_address_list(const char *origin, char **items, GError **error)
{
  g_auto(GStrv) owned = items;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);

  for (guint i = 0; owned[i] != NULL; i++) {
    char *item = g_strstrip(owned[i]);

    if (item[0] == '\0')
      continue;
    if (!check_address(origin, item, error))
      return NULL;
    if (out->len == CONFIG_MAX_ADDRESSES) {
      value_error(error, origin, item, "at most %d addresses", CONFIG_MAX_ADDRESSES);
      return NULL;
    }
    g_ptr_array_add(out, g_strdup(item));
  }
  g_ptr_array_add(out, NULL);
  return (char **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
}

/* Takes ownership of @items; drops empty entries and checks each name (a URL path segment). */
static char **
check_name_list(const char *origin, char **items, GError **error)
{
  g_auto(GStrv) owned = items;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);

  for (guint i = 0; owned[i] != NULL; i++) {
    char *item = g_strstrip(owned[i]);
    gsize length = strlen(item);

    if (length == 0)
      continue;
    for (gsize c = 0; c < length; c++) {
      if (!g_ascii_isalnum(item[c]) && item[c] != '_' && item[c] != '-')
        length = 0;
    }
    if (length == 0 || length > CONFIG_MAX_NAME_LENGTH) {
      value_error(error, origin, item, "each name must be 1 to %d of A-Z a-z 0-9 _ -",
                  CONFIG_MAX_NAME_LENGTH);
      return NULL;
    }
    for (guint j = 0; j < out->len; j++) {
      if (g_str_equal(g_ptr_array_index(out, j), item)) {
        value_error(error, origin, item, "is listed twice");
        return NULL;
      }
    }
    if (out->len == CONFIG_MAX_NAMES) {
      value_error(error, origin, item, "at most %d names", CONFIG_MAX_NAMES);
      return NULL;
    }
    g_ptr_array_add(out, g_strdup(item));
  }
  g_ptr_array_add(out, NULL);
  return (char **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
}

/* Takes ownership of @items; drops empty entries and checks each TURN URL. */
static char **
check_turn_urls(const char *origin, char **items, GError **error)
{
  g_auto(GStrv) owned = items;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);

  for (guint i = 0; owned[i] != NULL; i++) {
    char *item = g_strstrip(owned[i]);
    g_autoptr(GError) local = NULL;

    if (item[0] == '\0')
      continue;
    if (!gw_turn_url_check(item, &local)) {
      value_error(error, origin, item, "%s", local->message);
      return NULL;
    }
    if (out->len == GW_TURN_URL_MAX_COUNT) {
      value_error(error, origin, item, "at most %d URLs", GW_TURN_URL_MAX_COUNT);
      return NULL;
    }
    g_ptr_array_add(out, g_strdup(item));
  }
  g_ptr_array_add(out, NULL);
  return (char **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
}

static void
replace_string(GwConfig *config, const KeySpec *spec, char *value)
{
  char **field = G_STRUCT_MEMBER_P(config, spec->offset);

  g_free(*field);
  *field = value;
}

/*
 * Validates @text for @spec and stores it. @list is the value already split
 * (for the file, where GKeyFile does its own unescaping); NULL means split
 * @text on ';' or ','. Ownership of @list passes to this function.
 */
static gboolean
apply_value(GwConfig *config, const KeySpec *spec, const char *origin, const char *text,
            char **list, GError **error)
{
  switch (spec->type) {
  case KEY_UINT:
    g_strfreev(list);
    return parse_uint(spec, origin, text, G_STRUCT_MEMBER_P(config, spec->offset), error);
  case KEY_BOOL:
    g_strfreev(list);
    return parse_bool(origin, text, G_STRUCT_MEMBER_P(config, spec->offset), error);
  case KEY_ENUM:
  case KEY_STRING:
  case KEY_ADDRESS:
    g_strfreev(list);
    if (!check_string(origin, text, error))
      return FALSE;
    if (spec->type == KEY_ENUM && !check_enum(spec, origin, text, error))
      return FALSE;
    if (spec->type == KEY_ADDRESS && !check_address(origin, text, error))
      return FALSE;
    replace_string(config, spec, g_strdup(text));
    return TRUE;
  case KEY_COLOR:
    g_strfreev(list);
    if (!check_color(origin, text, error))
      return FALSE;
    replace_string(config, spec, g_ascii_strdown(text, -1));
    return TRUE;
  case KEY_URL: {
    char *url;

    g_strfreev(list);
    url = check_url(origin, text, error);
    if (url == NULL)
      return FALSE;
    replace_string(config, spec, url);
    return TRUE;
  }
  case KEY_HOURS: {
    g_autoptr(GError) local = NULL;
    g_autoptr(GwOpeningHours) hours = NULL;

    g_strfreev(list);
    if (!check_string(origin, text, error))
      return FALSE;
    hours = gw_opening_hours_parse(text, &local);
    if (hours == NULL)
      return value_error(error, origin, text, "%s", local->message);
    replace_string(config, spec, g_strdup(text));
    return TRUE;
  }
  case KEY_NAME_LIST: {
    char ***field = G_STRUCT_MEMBER_P(config, spec->offset);
    char **names;

    if (list == NULL)
      list = g_strsplit_set(text, ";,", -1);
    names = check_name_list(origin, list, error);
    if (names == NULL)
      return FALSE;
    /* A list with choices (video_codecs) needs at least one, each a choice. */
    if (spec->choices && names[0] == NULL) {
      g_autofree char *allowed = g_strjoinv(", ", (char **)spec->choices);
      g_strfreev(names);
      return value_error(error, origin, text ? text : "", "must name at least one of %s",
                         allowed);
    }
    for (guint i = 0; spec->choices && names[i]; i++) {
      if (!check_enum(spec, origin, names[i], error)) {
        g_strfreev(names);
        return FALSE;
      }
    }
    g_strfreev(*field);
    *field = names;
    return TRUE;
  }
  case KEY_TURN_URLS: {
    char ***field = G_STRUCT_MEMBER_P(config, spec->offset);
    char **urls;

    if (list == NULL)
      list = g_strsplit(text, ";", -1);
    urls = check_turn_urls(origin, list, error);
    if (urls == NULL)
      return FALSE;
    g_strfreev(*field);
    *field = urls;
    return TRUE;
  }
  case KEY_ADDRESS_LIST: {
    char ***field = G_STRUCT_MEMBER_P(config, spec->offset);
    char **addresses;

    if (list == NULL)
      list = g_strsplit_set(text, ";,", -1);
    addresses = check_address_list(origin, list, error);
    if (addresses == NULL)
      return FALSE;
    g_strfreev(*field);
    *field = addresses;
    return TRUE;
  }
  }
  g_assert_not_reached();
}

/* ---- the key file ------------------------------------------------------ */

static gboolean
unknown_error(GError **error, const char *source, const char *what, const char *group)
{
  g_autoptr(GString) known = g_string_new(NULL);

  for (gsize i = 0; i < N_KEYS; i++) {
    if (group == NULL) {
      if (i == 0 || !g_str_equal(keys[i].group, keys[i - 1].group))
        g_string_append_printf(known, "%s[%s]", known->len ? ", " : "", keys[i].group);
    } else if (g_str_equal(keys[i].group, group)) {
      g_string_append_printf(known, "%s%s", known->len ? ", " : "", keys[i].name);
    }
  }
  if (group == NULL)
    g_set_error(error, GW_CONFIG_ERROR, GW_CONFIG_ERROR_UNKNOWN,
                "%s: unknown group [%s] (known groups: %s)", source, what, known->str);
  else
    g_set_error(error, GW_CONFIG_ERROR, GW_CONFIG_ERROR_UNKNOWN,
                "%s: unknown key \"%s\" in group [%s] (known keys: %s)", source, what, group,
                known->str);
  return FALSE;
}

static gboolean
apply_file_key(GwConfig *config, ConfigSeen *seen, GKeyFile *file, const KeySpec *spec,
               GError **error)
{
  g_autofree char *origin = g_strdup_printf("%s.%s", spec->group, spec->name);
  g_autofree char *raw = g_key_file_get_value(file, spec->group, spec->name, NULL);
  g_autofree char *text = NULL;
  char **list = NULL;
  g_autoptr(GError) local = NULL;

  if (!g_utf8_validate(raw, -1, NULL))
    return value_error(error, origin, raw, "is not valid UTF-8");
  if (spec->type == KEY_ADDRESS_LIST || spec->type == KEY_NAME_LIST) {
    list = g_key_file_get_string_list(file, spec->group, spec->name, NULL, &local);
    text = g_strdup(raw);
  } else {
    /* Unescapes \s, \t, \\ like every other GKeyFile string. */
    text = g_key_file_get_string(file, spec->group, spec->name, &local);
  }
  if (local != NULL)
    return value_error(error, origin, raw, "%s", local->message);
  g_strstrip(text);
  seen->set[key_index(spec)] = TRUE;
  return apply_value(config, spec, origin, text, list, error);
}

static gboolean
config_apply_file(GwConfig *config, ConfigSeen *seen, const char *source, const char *data,
                  gsize length, GError **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new();
  g_autoptr(GError) local = NULL;
  g_auto(GStrv) file_groups = NULL;

  if (length > CONFIG_MAX_SIZE) {
    g_set_error(error, GW_CONFIG_ERROR, GW_CONFIG_ERROR_SYNTAX, "%s: larger than %d bytes", source,
                CONFIG_MAX_SIZE);
    return FALSE;
  }
  /* Keep "key[nl]" lines so they reach the unknown-key check instead of vanishing. */
  if (!g_key_file_load_from_data(file, data, length, G_KEY_FILE_KEEP_TRANSLATIONS, &local)) {
    g_set_error(error, GW_CONFIG_ERROR, GW_CONFIG_ERROR_SYNTAX, "%s: %s", source, local->message);
    return FALSE;
  }

  file_groups = g_key_file_get_groups(file, NULL);
  for (guint g = 0; file_groups[g] != NULL; g++) {
    g_auto(GStrv) names = NULL;

    if (!g_strv_contains(groups, file_groups[g]))
      return unknown_error(error, source, file_groups[g], NULL);
    names = g_key_file_get_keys(file, file_groups[g], NULL, NULL);
    for (guint k = 0; names != NULL && names[k] != NULL; k++) {
      const KeySpec *spec = key_lookup(file_groups[g], names[k]);

      if (spec == NULL)
        return unknown_error(error, source, names[k], file_groups[g]);
      if (!apply_file_key(config, seen, file, spec, error)) {
        g_prefix_error(error, "%s: ", source);
        return FALSE;
      }
    }
  }
  return TRUE;
}

/* ---- the environment --------------------------------------------------- */

static char *
env_name(const KeySpec *spec)
{
  g_autofree char *name = g_strdup_printf("BALIE_%s_%s", spec->group, spec->name);

  return g_ascii_strup(name, -1);
}

/*
 * Variables under BALIE_SERVER_, BALIE_MEDIA_, BALIE_LIMITS_ and BALIE_STORE_ are ours: an
 * unknown one is a typo. Other BALIE_* variables (tests, scripts) are left alone.
 */
static gboolean
config_check_env_names(char **envp, GError **error)
{
  for (guint i = 0; envp[i] != NULL; i++) {
    g_autofree char *name = NULL;
    const char *eq = strchr(envp[i], '=');
    gboolean ours = FALSE;
    gboolean known = FALSE;

    if (eq == NULL)
      continue;
    name = g_strndup(envp[i], eq - envp[i]);
    for (guint g = 0; groups[g] != NULL; g++) {
      g_autofree char *prefix = g_ascii_strup(groups[g], -1);
      g_autofree char *full = g_strdup_printf("BALIE_%s_", prefix);

      ours = ours || g_str_has_prefix(name, full);
    }
    if (!ours)
      continue;
    for (gsize k = 0; k < N_KEYS && !known; k++) {
      g_autofree char *candidate = env_name(&keys[k]);

      known = g_str_equal(candidate, name);
    }
    if (!known) {
      g_set_error(error, GW_CONFIG_ERROR, GW_CONFIG_ERROR_UNKNOWN,
                  "environment: unknown variable %s (expected BALIE_<GROUP>_<KEY> with a key "
                  "from balie.conf.sample, e.g. BALIE_SERVER_PORT)",
                  name);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
config_apply_env(GwConfig *config, ConfigSeen *seen, char **envp, GError **error)
{
  if (envp == NULL)
    return TRUE;
  if (!config_check_env_names(envp, error))
    return FALSE;
  for (gsize k = 0; k < N_KEYS; k++) {
    g_autofree char *name = env_name(&keys[k]);
    const char *value = g_environ_getenv(envp, name);
    g_autofree char *text = NULL;

    if (value == NULL)
      continue;
    if (!g_utf8_validate(value, -1, NULL))
      return value_error(error, name, value, "is not valid UTF-8");
    text = g_strstrip(g_strdup(value));
    seen->set[k] = TRUE;
    if (!apply_value(config, &keys[k], name, text, NULL, error)) {
      g_prefix_error(error, "environment: ");
      return FALSE;
    }
  }
  return TRUE;
}

/* ---- rules between keys, and the secrets keys refer to ------------------- */

/* A port range is both ends or neither; below 1024 are the system's services. */
static gboolean
config_check_port_range(const GwConfig *config, GError **error)
{
  guint min = config->udp_port_min;
  guint max = config->udp_port_max;

  if (min == 0 && max == 0)
    return TRUE;
  if (min == 0 || max == 0) {
    g_set_error(error, GW_CONFIG_ERROR, GW_CONFIG_ERROR_VALUE,
                "media.udp_port_min = %u and media.udp_port_max = %u: set both (a range such as "
                "40000 and 40999) or neither (0: any free port)",
                min, max);
    return FALSE;
  }
  if (min < 1024 || min > max) {
    g_set_error(error, GW_CONFIG_ERROR, GW_CONFIG_ERROR_VALUE,
                "media.udp_port_min = %u and media.udp_port_max = %u: the range must lie within "
                "1024..65535 with udp_port_min <= udp_port_max",
                min, max);
    return FALSE;
  }
  return TRUE;
}

/* With turn.urls set the secret is read now, so --check-config and the start
 * fail on a missing or unreadable file, not the first call. */
#define CONFIG_TURN_SECRET_MIN 16
#define CONFIG_TURN_SECRET_MAX 4096

static gboolean
config_load_turn_secret(GwConfig *config, GError **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  g_autoptr(GError) local = NULL;

  if (config->turn_urls[0] == NULL)
    return TRUE;
  if (config->turn_secret_file == NULL) {
    g_set_error(error, GW_CONFIG_ERROR, GW_CONFIG_ERROR_VALUE,
                "turn.secret_file is required when turn.urls is set: a file holding coturn's "
                "static-auth-secret");
    return FALSE;
  }
  if (!g_file_get_contents(config->turn_secret_file, &data, &length, &local)) {
    g_set_error(error, GW_CONFIG_ERROR, GW_CONFIG_ERROR_IO, "turn.secret_file: %s",
                local->message);
    return FALSE;
  }
  if (length > CONFIG_TURN_SECRET_MAX || memchr(data, '\0', length) != NULL ||
      !g_utf8_validate(data, length, NULL)) {
    memset(data, 0, length);
    g_set_error(error, GW_CONFIG_ERROR, GW_CONFIG_ERROR_VALUE,
                "turn.secret_file: %s must hold one line of text of at most %d bytes",
                config->turn_secret_file, CONFIG_TURN_SECRET_MAX);
    return FALSE;
  }
  g_strstrip(data);
  if (strlen(data) < CONFIG_TURN_SECRET_MIN || strpbrk(data, "\r\n") != NULL) {
    memset(data, 0, length);
    g_set_error(error, GW_CONFIG_ERROR, GW_CONFIG_ERROR_VALUE,
                "turn.secret_file: %s must hold one line of at least %d characters (the same "
                "as coturn's static-auth-secret)",
                config->turn_secret_file, CONFIG_TURN_SECRET_MIN);
    return FALSE;
  }
  config->turn_secret = g_steal_pointer(&data);
  return TRUE;
}

/* OIDC needs an https issuer and a client id; a client secret file is read now. */
static gboolean
config_check_oidc(GwConfig *config, GError **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  g_autoptr(GError) local = NULL;

  if (config->oidc_issuer == NULL)
    return TRUE;
  if (g_ascii_strncasecmp(config->oidc_issuer, "https://", 8) != 0) {
    g_set_error(error, GW_CONFIG_ERROR, GW_CONFIG_ERROR_VALUE,
                "oidc.issuer = %s: must be an https:// URL (the provider's tokens are trusted "
                "only over TLS)",
                config->oidc_issuer);
    return FALSE;
  }
  if (config->oidc_client_id == NULL) {
    g_set_error_literal(error, GW_CONFIG_ERROR, GW_CONFIG_ERROR_VALUE,
                        "oidc.client_id is required when oidc.issuer is set: the client id "
                        "Balie has at the identity provider");
    return FALSE;
  }
  if (config->oidc_client_secret_file == NULL)
    return TRUE;
  if (!g_file_get_contents(config->oidc_client_secret_file, &data, &length, &local)) {
    g_set_error(error, GW_CONFIG_ERROR, GW_CONFIG_ERROR_IO, "oidc.client_secret_file: %s",
                local->message);
    return FALSE;
  }
  g_strstrip(data);
  if (data[0] == '\0' || strpbrk(data, "\r\n") != NULL || strlen(data) > CONFIG_MAX_STRING) {
    memset(data, 0, length);
    g_set_error(error, GW_CONFIG_ERROR, GW_CONFIG_ERROR_VALUE,
                "oidc.client_secret_file: %s must hold the client secret on one line",
                config->oidc_client_secret_file);
    return FALSE;
  }
  config->oidc_client_secret = g_steal_pointer(&data);
  return TRUE;
}

/* ---- entry points ------------------------------------------------------ */

static GwConfig *
config_build(const char *source, const char *data, gsize length, char **envp, GError **error)
{
  g_autoptr(GwConfig) config = config_alloc();
  ConfigSeen seen = {0};

  config_fill_defaults(config);
  if (data != NULL && !config_apply_file(config, &seen, source, data, length, error))
    return NULL;
  if (!config_apply_env(config, &seen, envp, error))
    return NULL;
  config_derive(config, &seen);
  if (!config_check_port_range(config, error) || !config_load_turn_secret(config, error) ||
      !config_check_oidc(config, error))
    return NULL;
  return g_steal_pointer(&config);
}

GwConfig *
gw_config_parse(const char *data, gsize length, char **envp, GError **error)
{
  g_return_val_if_fail(data != NULL || length == 0, NULL);
  g_return_val_if_fail(error == NULL || *error == NULL, NULL);

  return config_build("config", data != NULL ? data : "", length, envp, error);
}

GwConfig *
gw_config_load(const char *path, char **envp, GError **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail(error == NULL || *error == NULL, NULL);

  if (path == NULL)
    return config_build(NULL, NULL, 0, envp, error);
  if (!g_file_get_contents(path, &data, &length, &local)) {
    g_set_error(error, GW_CONFIG_ERROR, GW_CONFIG_ERROR_IO, "cannot read config file: %s",
                local->message);
    return NULL;
  }
  return config_build(path, data, length, envp, error);
}
