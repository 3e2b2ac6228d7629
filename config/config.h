/* SPDX-License-Identifier: Apache-2.0 */
/* The gateway's configuration: one immutable struct, parsed once, passed explicitly. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define GW_CONFIG_ERROR (gw_config_error_quark())
#define GW_CONFIG_JITTERBUFFER_MS 200       /* media.jitterbuffer_ms unless set */
#define GW_CONFIG_VIDEO_JITTERBUFFER_MS 200 /* media.video_jitterbuffer_ms unless set */
GQuark gw_config_error_quark(void);

typedef enum {
  GW_CONFIG_ERROR_SYNTAX,    /* the file is not a valid key file */
  GW_CONFIG_ERROR_UNKNOWN,   /* an unknown group or key (typo protection) */
  GW_CONFIG_ERROR_VALUE,     /* a value outside its allowed range or set */
  GW_CONFIG_ERROR_IO,        /* the file (or a secret file) cannot be read */
} GwConfigError;

/*
 * All fields are read-only after gw_config_load() returns. Strings are owned
 * by the config. Every limit a peer can push against lives here (STYLE.md §8).
 */
typedef struct {
  /* [server] */
  char *listen_address;   /* "127.0.0.1", "0.0.0.0" or "::"; default "0.0.0.0" */
  guint port;             /* 1..65535, 0 = any free port; default 8443 */
  gboolean tls;           /* default TRUE; FALSE only behind a TLS-terminating proxy */
  char *tls_cert_file;    /* default DATA_DIR/tls/cert.pem, generated if missing */
  char *tls_key_file;     /* default DATA_DIR/tls/key.pem, generated if missing */
  char *data_dir;         /* default "balie-data" (relative to the working directory) */
  char *web_root;         /* default: the source tree's web/ or the installed copy */
  char *public_url;       /* base for printed links; default https://localhost:PORT */
  char *log_format;       /* "text" or "json"; default "text" */
  char *token_key_file;   /* join-link HMAC key; NULL (default): DATA_DIR/secrets/token.key */
  char *log_level;        /* "warning", "message", "info" or "debug"; default "message" */
  guint drain_seconds;    /* 0..86400, default 60: how long SIGTERM lets running calls go on */
  char **trusted_proxies; /* reverse proxies whose X-Forwarded-For is believed; default none */

  /* [media] */
  char **ice_local_addresses; /* extra addresses offered as host candidates; default 127.0.0.1 */
  guint jitterbuffer_ms;      /* 0..2000, default 200: bound on waiting for a retransmission */
  guint video_jitterbuffer_ms; /* 0..3000, default 200: the same for video (with video_jitterbuffer) */
  gboolean video_jitterbuffer; /* default false: forwarded video passes rtpbin's jitter buffer */
  gboolean receive_queue;      /* default false: received packets pass webrtcbin's receive queue */
  gboolean branch_queue;       /* default false: a queue (and a thread) per forwarding branch */
  gboolean webrtcbin_send;     /* default false: sent RTP and RTCP take webrtcbin's send path */
  gboolean webrtcbin_receive;  /* default false: received packets are decrypted by srtpdec */
  char *engine; /* "native" (default): participants of our own; "webrtcbin": one per participant */
  guint start_kbps;           /* 100..20000, default 1000: browsers' first video bitrate */
  guint camera_max_kbps;      /* 100..20000, default 2000: cap on a camera track */
  guint screen_max_kbps;      /* 100..20000, default 2500: cap on a screen-share track */
  guint keyframe_min_interval_ms; /* 0..10000, default 1000: keyframe requests per sender */
  guint udp_port_min;     /* 0 (any) or 1024..65535, default 0: lowest local media port */
  guint udp_port_max;     /* 0 (any) or udp_port_min..65535, default 0: highest one */
  char *public_address;   /* IP announced in host candidates instead of the local one
                           * (1:1 NAT); NULL (default): announce the local addresses */
  char **video_codecs; /* "vp8", "h264": the video codecs a room may use; default both */

  /* [rooms] */
  gboolean link_only; /* default TRUE: only join links, queue tickets and guest links open
                       * calls; FALSE also lets anyone open a plain room (the demo) */

  /* [limits] */
  guint max_rooms;             /* 1..10000, default 100 */
  guint max_participants;      /* 2..4, default 4 (a 1:1 call plus invited guests) */
  guint rejoin_grace_seconds;  /* 0..600, default 30: how long a call waits for a lost side */
  guint ws_max_message;        /* 1024..1048576 bytes, default 65536 */
  guint max_sdp_length;        /* 1024..262144 bytes, default 32768 */
  guint max_candidates;        /* 1..500 per peer, default 50 */
  guint chat_max_length;       /* 1..10000 characters, default 1000 */
  guint max_name_length;       /* 1..256 characters, default 64 */
  guint invites_per_minute;    /* 1..1000 per advisor, default 10 */
  guint invite_ttl_minutes;    /* 5..43200, default 1440: how long a join link lives at most */
  guint ws_per_address;           /* 1..100000, default 100: open WebSockets from one address */
  guint ws_messages_per_second;   /* 1..1000, default 50 per WebSocket (bursts of 4x) */
  guint http_requests_per_second; /* 1..100000, default 100 per client address (bursts of 4x) */
  guint bad_links_per_minute;     /* 1..1000, default 10: forged join links per address */
  guint request_timeout_seconds;  /* 1..3600, default 30: to send a whole HTTP request */
  guint tls_handshake_timeout_seconds; /* 1..600, default 10: to finish the TLS handshake */
  guint handshakes_per_address;        /* 1..100000, default 8: TLS handshakes at once per peer */

  /* [queues] walk-in queues (https://HOST/q/NAME) */
  char **queue_names;  /* ';'-separated, each 1..64 of [A-Za-z0-9_-], at most 32; default none */
  char *opening_hours; /* "mon-fri 08:00-18:00; sat 09:00-12:00" (local time); NULL: always open */

  /* [store] the experience-metrics store (docs/metrics.md) */
  char *store_backend;           /* "sqlite" (DATA_DIR/metrics.db) or "postgresql"; default sqlite */
  char *postgres_conninfo_file;  /* file holding a libpq conninfo string; NULL unless set */
  guint comment_retention_days;  /* 1..3650, default 180: rating comments are purged after */
  guint service_level_seconds;   /* 1..3600, default 30: answered within this counts as served */
  guint short_abandon_seconds;   /* 0..600, default 5: abandons quicker than this are "short" */

  /* [turn] a TURN server (coturn) relaying for browsers that cannot reach us over UDP */
  char **turn_urls;        /* turn:/turns: URLs, at most 8; default none: no TURN offered */
  char *turn_secret_file;  /* file with coturn's static-auth-secret; required with turn_urls */
  char *turn_secret;       /* that file's contents (trimmed), read at load when turn_urls is
                            * set; NULL otherwise. A secret: never logged */
  guint turn_credential_ttl_seconds; /* 300..604800, default 43200: TURN credentials' life */

  /* [oidc] advisors log in at the organisation's identity provider (OpenID Connect) */
  char *oidc_issuer;             /* https URL; NULL (default): local passwords only */
  char *oidc_client_id;          /* required with oidc_issuer */
  char *oidc_client_secret_file; /* NULL: a public client (PKCE only) */
  char *oidc_client_secret;      /* that file's contents, read at load. Never logged */
  char *oidc_username_claim;     /* ID token claim naming the Balie account; default
                                  * "preferred_username" */
  char *oidc_ca_file;            /* PEM CA certificates for the provider; NULL: the system's */

  /* [brand] the organisation's look on every page (served as /brand.css and /brand.json) */
  char *brand_name;         /* shown in page headers and titles; NULL (default): "Balie" */
  char *brand_logo_file;    /* PNG, JPEG, WebP or SVG, at most 512 KiB; NULL: no logo */
  char *brand_accent_color; /* "#rrggbb", lowercase, >= 4.5:1 against white; NULL: #0b5cad */

  /* [webhook] pushes each finished contact and rating to the organisation (docs/metrics.md) */
  char *webhook_url;         /* http(s) URL; NULL (default): no webhook */
  char *webhook_secret_file; /* the HMAC key shared with the collector; required with url */
  guint webhook_max_attempts; /* 1..100, default 8: tries per delivery (back-off 1 s, 2 s, ...) */
  guint webhook_max_queue;    /* 1..1000000, default 10000: deliveries waiting, then oldest dropped */
} GwConfig;

/**
 * gw_config_new_default:
 * Returns: (transfer full): a config with every default filled in.
 */
GwConfig *gw_config_new_default(void);

/**
 * gw_config_load:
 * @path: (nullable): a key file; NULL means defaults plus environment only
 * @envp: (nullable): environment to read BALIE_<GROUP>_<KEY> overrides from, as from g_get_environ()
 *
 * Returns: (transfer full) (nullable): the validated config, or NULL with @error
 * naming the group, key and allowed values.
 */
GwConfig *gw_config_load(const char *path, char **envp, GError **error);

/**
 * gw_config_parse:
 * Like gw_config_load() but from memory; does no file I/O except for
 * secret files a key refers to. Used by tests and the fuzzer.
 */
GwConfig *gw_config_parse(const char *data, gsize length, char **envp, GError **error);

/**
 * gw_config_dup_public_url:
 * @bound_port: the port the server really bound (gw_server_get_port()), or 0
 *
 * Returns: (transfer full): config->public_url, except that when public_url was
 * not configured (derived from the port) it names @bound_port instead, which
 * differs from config->port when that is 0 (any free port).
 */
char *gw_config_dup_public_url(const GwConfig *config, guint bound_port);

/**
 * gw_config_ref / gw_config_unref: the config is shared by reference between modules.
 */
GwConfig *gw_config_ref(GwConfig *config);
void gw_config_unref(GwConfig *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GwConfig, gw_config_unref)

G_END_DECLS
