/* SPDX-License-Identifier: Apache-2.0 */
/* The gateway process from a loaded config to exit: checks, server, main loop, signals. */
#include "gateway/lifecycle.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "gateway/experience.h"
#include "gateway/log-json.h"
#include "signaling/server.h"
#include "signaling/tls-cert.h"
#include "webrtc/media-room.h"

/* After the server is gone, give queued close frames this long to leave. */
#define LIFECYCLE_DRAIN_US (500 * 1000)

typedef struct {
  GMainLoop *loop;
  const char *signal_name;
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

static gboolean
on_signal(gpointer user_data)
{
  Lifecycle *lifecycle = user_data;

  /* The default source for both signals carries no number, so each has its own callback data. */
  g_message("%s received, shutting down", lifecycle->signal_name);
  g_main_loop_quit(lifecycle->loop);
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

  /* Tests and scripts read these lines: keep their prefixes. */
  printf("Balie listening on %s\n", url);
  printf("Advisor: %s/advisor.html?room=%s\n", base, room);
  printf("Customer (demo link): %s/customer.html?room=%s\n", base, room);
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
gw_lifecycle_run(GwConfig *config)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
  Lifecycle on_int = {loop, "SIGINT"};
  Lifecycle on_term = {loop, "SIGTERM"};
  guint int_source, term_source;
  GwServer *server;
  GwExperience *experience = NULL;
  g_autoptr(GError) error = NULL;

  if (g_str_equal(config->log_format, "json"))
    g_log_set_writer_func(gw_log_json_writer, NULL, NULL);

  g_info("Balie %s starting: listen %s:%u, tls %s, data_dir %s, web_root %s, max_rooms %u, "
         "max_participants %u",
         BALIE_VERSION, config->listen_address, config->port, config->tls ? "on" : "off",
         config->data_dir, config->web_root, config->max_rooms, config->max_participants);

  /* Installed first, so a signal during start-up stops the gateway once it has started. */
  int_source = g_unix_signal_add(SIGINT, on_signal, &on_int);
  term_source = g_unix_signal_add(SIGTERM, on_signal, &on_term);

  server = lifecycle_start(config);
  if (server != NULL && (experience = gw_experience_start(config, server, &error)) == NULL) {
    startup_failed(config, "cannot open the metrics store", error);
    g_clear_pointer(&server, gw_server_free);
  }
  if (server != NULL) {
    print_banner(config, gw_server_get_port(server));
    g_main_loop_run(loop);
  }

  g_source_remove(int_source);
  g_source_remove(term_source);
  if (server == NULL)
    return 1;
  gw_server_free(server);
  /* After the server: its last contact events are written before the store closes. */
  gw_experience_stop(experience);
  drain_main_context();
  g_message("stopped");
  return 0;
}
