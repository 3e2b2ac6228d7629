/* SPDX-License-Identifier: Apache-2.0 */
/* The gateway process from a loaded config to exit: checks, server, main loop, signals. */
#include "gateway/lifecycle.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "gateway/drain.h"
#include "gateway/experience.h"
#include "gateway/log-level.h"
#include "gateway/cluster.h"
#include "gateway/metrics.h"
#include "gateway/readiness.h"
#include "gateway/turn-watch.h"
#include "signaling/server.h"
#include "signaling/tls-cert.h"
#include "webrtc/media-room.h"

/* After the server is gone, give queued close frames this long to leave. */
#define LIFECYCLE_DRAIN_US (500 * 1000)
/* TURN probes: a round every 3 s, each probe given 2 s (three STUN requests over UDP). */
#define LIFECYCLE_TURN_PROBE_INTERVAL_MS 3000
#define LIFECYCLE_TURN_PROBE_TIMEOUT_MS 2000

typedef struct {
  GMainLoop *loop;
  GwConfig *config;
  const char *config_path; /* nullable: defaults and environment only */
  GwServer *server;        /* NULL until started */
  GwReadiness *readiness;
  GwDrain *drain; /* non-NULL once SIGTERM has started a drain */
} Lifecycle;

/*
 * Startup failures are for a person at a terminal (text) or for a log
 * collector (json), so say them in the configured form.
 */
static void
startup_failed(const GwConfig *config, const char *what, const GError *error)
{
  if (g_str_equal(config->log_format, "json"))
    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "MESSAGE", "%s: %s", what, error->message);
  else
    fprintf(stderr, "balie: %s: %s\n", what, error->message);
}

/* SIGINT (Ctrl-C at a terminal): stop at once, as before drains existed. */
static gboolean
on_sigint(gpointer user_data)
{
  Lifecycle *lifecycle = user_data;

  g_message("SIGINT received, shutting down");
  g_main_loop_quit(lifecycle->loop);
  return G_SOURCE_CONTINUE;
}

static void
on_drained(const char *why, gpointer user_data)
{
  Lifecycle *lifecycle = user_data;

  g_message("drain finished (%s), shutting down",
            g_str_equal(why, "idle") ? "no call running" : "time is up");
  g_main_loop_quit(lifecycle->loop);
}

/* SIGTERM (a supervisor stopping the node): drain first; a second one stops at once. */
static gboolean
on_sigterm(gpointer user_data)
{
  Lifecycle *lifecycle = user_data;

  if (lifecycle->drain != NULL || lifecycle->server == NULL) {
    g_message("SIGTERM received, shutting down now");
    g_main_loop_quit(lifecycle->loop);
    return G_SOURCE_CONTINUE;
  }
  g_message("SIGTERM received, draining");
  lifecycle->drain = gw_drain_start(lifecycle->server, lifecycle->readiness,
                                    lifecycle->config->drain_seconds, on_drained, lifecycle);
  return G_SOURCE_CONTINUE;
}

/*
 * SIGHUP: what can change without dropping a call. The certificate files are
 * read again from the configured paths (a renewed certificate); log_level is
 * read again from the config file and environment. Everything else needs a
 * restart.
 */
static gboolean
on_sighup(gpointer user_data)
{
  Lifecycle *lifecycle = user_data;
  g_auto(GStrv) envp = g_get_environ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GwConfig) fresh = gw_config_load(lifecycle->config_path, envp, &error);

  if (fresh == NULL) {
    g_warning("SIGHUP: configuration not reloaded, keeping the running one: %s", error->message);
    g_clear_error(&error);
  } else {
    gw_log_level_set(fresh->log_level);
    g_message("SIGHUP: log level %s", fresh->log_level);
  }
  if (lifecycle->server == NULL)
    return G_SOURCE_CONTINUE;
  if (!gw_server_reload_tls(lifecycle->server, &error))
    g_warning("SIGHUP: TLS certificate not reloaded, keeping the old one: %s", error->message);
  else if (lifecycle->config->tls)
    g_message("SIGHUP: TLS certificate reloaded from %s", lifecycle->config->tls_cert_file);
  return G_SOURCE_CONTINUE;
}

static char *
demo_room_id(void)
{
  return g_strdup_printf("demo-%06x", g_random_int() & 0xffffff);
}

/* "https://0.0.0.0:8443", or with brackets for an IPv6 address. */
static char *
listen_url(const GwConfig *config, guint port)
{
  const char *scheme = config->tls ? "https" : "http";

  if (strchr(config->listen_address, ':') != NULL)
    return g_strdup_printf("%s://[%s]:%u", scheme, config->listen_address, port);
  return g_strdup_printf("%s://%s:%u", scheme, config->listen_address, port);
}

static void
print_banner(const GwConfig *config, guint port)
{
  g_autofree char *url = listen_url(config, port);
  g_autofree char *base = gw_config_dup_public_url(config, port);
  g_autofree char *room = demo_room_id();

  /* Tests and scripts read these lines: keep their prefixes and their count. */
  printf("Balie listening on %s\n", url);
  if (config->link_only) {
    /* No demo room to print: calls open through links from the console. */
    printf("Advisor: %s/console.html\n", base);
    printf("Customer: the join link an advisor makes in the console (rooms.link_only)\n");
  } else {
    printf("Advisor: %s/advisor.html?room=%s\n", base, room);
    printf("Customer (demo link): %s/customer.html?room=%s\n", base, room);
  }
  fflush(stdout);
}

static gboolean
prepare_files(GwConfig *config, GError **error)
{
  if (g_mkdir_with_parents(config->data_dir, 0700) != 0) {
    int saved = errno;

    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved), "cannot create %s: %s",
                config->data_dir, g_strerror(saved));
    return FALSE;
  }
  if (!config->tls)
    return TRUE;
  /* It says itself when it generated a certificate. */
  return gw_tls_cert_ensure(config->tls_cert_file, config->tls_key_file, NULL, error);
}

static void
drain_main_context(void)
{
  gint64 deadline = g_get_monotonic_time() + LIFECYCLE_DRAIN_US;

  while (g_main_context_pending(NULL) && g_get_monotonic_time() < deadline)
    g_main_context_iteration(NULL, FALSE);
}

/* Everything before the main loop runs; on failure says why and returns NULL. */
static GwServer *
lifecycle_start(GwConfig *config)
{
  g_autoptr(GError) error = NULL;
  GwServer *server;

  if (!gw_media_check_elements(&error)) {
    startup_failed(config, "GStreamer is incomplete (scripts/install-deps.sh installs it)", error);
    return NULL;
  }
  if (!prepare_files(config, &error)) {
    startup_failed(config, "cannot prepare the TLS certificate", error);
    return NULL;
  }
  server = gw_server_new(config, &error);
  if (server == NULL)
    startup_failed(config, "cannot start the server", error);
  return server;
}

int
gw_lifecycle_run(GwConfig *config, const char *config_path)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
  Lifecycle lifecycle = {loop, config, config_path, NULL, NULL, NULL};
  guint signal_sources[3];
  GwExperience *experience = NULL;
  GwCluster *cluster = NULL;
  GwTurnWatch *turn = NULL;
  g_autoptr(GError) error = NULL;

  gw_log_level_install(config->log_format, config->log_level);

  g_info("Balie %s starting: listen %s:%u, tls %s, data_dir %s, web_root %s, max_rooms %u, "
         "max_participants %u",
         BALIE_VERSION, config->listen_address, config->port, config->tls ? "on" : "off",
         config->data_dir, config->web_root, config->max_rooms, config->max_participants);

  /* Installed first, so a signal during start-up acts once the gateway has started. */
  signal_sources[0] = g_unix_signal_add(SIGINT, on_sigint, &lifecycle);
  signal_sources[1] = g_unix_signal_add(SIGTERM, on_sigterm, &lifecycle);
  signal_sources[2] = g_unix_signal_add(SIGHUP, on_sighup, &lifecycle);

  lifecycle.server = lifecycle_start(config);
  if (lifecycle.server != NULL &&
      (experience = gw_experience_start(config, lifecycle.server, &error)) == NULL) {
    startup_failed(config, "cannot open the metrics store", error);
    g_clear_pointer(&lifecycle.server, gw_server_free);
  }
  if (lifecycle.server != NULL) {
    lifecycle.readiness = gw_readiness_new(lifecycle.server, gw_experience_get_store(experience));
    turn = gw_turn_watch_new((const char *const *)config->turn_urls,
                             LIFECYCLE_TURN_PROBE_INTERVAL_MS, LIFECYCLE_TURN_PROBE_TIMEOUT_MS);
    gw_readiness_set_turn_watch(lifecycle.readiness, turn);
    gw_metrics_add_collector(gw_experience_get_metrics(experience), gw_turn_watch_collect_metrics,
                             turn);
    /* Several nodes on one PostgreSQL share their walk-in queues and advisor sessions. */
    if (g_str_equal(config->store_backend, "postgresql"))
      cluster = gw_cluster_start(lifecycle.server, gw_experience_get_store(experience),
                                 g_get_host_name());
    print_banner(config, gw_server_get_port(lifecycle.server));
    g_main_loop_run(loop);
  }

  for (guint i = 0; i < G_N_ELEMENTS(signal_sources); i++)
    g_source_remove(signal_sources[i]);
  if (lifecycle.server == NULL)
    return 1;
  g_clear_pointer(&lifecycle.drain, gw_drain_free);
  /* Before the store closes: no probe may be queued after that. */
  g_clear_pointer(&lifecycle.readiness, gw_readiness_free);
  gw_cluster_stop(cluster);
  gw_server_free(lifecycle.server);
  /* After the server (its customers' queue entries go), before the store closes. */
  gw_cluster_free(cluster);
  /* After the server: its last contact events are written before the store closes. */
  gw_experience_stop(experience);
  /* After the metrics (a collector) and the readiness (which shows its state). */
  gw_turn_watch_free(turn);
  drain_main_context();
  g_message("stopped");
  return 0;
}
