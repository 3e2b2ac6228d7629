/* SPDX-License-Identifier: Apache-2.0 */
/* balie: command line, configuration and GStreamer start-up; the rest is in lifecycle.c. */
#include <gst/gst.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config/config.h"
#include "gateway/customer-command.h"
#include "gateway/lifecycle.h"
#include "signaling/user-command.h"

/*
 * GLib before 2.76 (Debian 12 has 2.74) hands out GSlice memory from
 * per-thread magazines that keep freed blocks for reuse by the same thread.
 * A call runs about ten GStreamer threads, and each keeps its own stock of
 * packet-sized blocks: measured with tests/bench at 8 calls, 0.55 MB of the
 * 2.5 MB each call cost, for no CPU gain. G_SLICE=always-malloc makes GSlice
 * plain malloc (what GLib 2.76 does always), but GLib reads it before main
 * runs, so the process starts itself again once with it set. An operator's
 * own G_SLICE is left alone; if the exec fails Balie goes on as it is.
 * Under valgrind set G_SLICE=always-malloc yourself (as GLib advises anyway):
 * the exec would leave valgrind behind.
 */
static void
use_plain_malloc(char **argv)
{
#if !GLIB_CHECK_VERSION(2, 76, 0)
  if (getenv("G_SLICE") != NULL)
    return;
  /* The binary's own path, not /proc/self/exe: the process is named after
   * what it executes ("balie" in ps, top and the journal, not "exe"). */
  g_autofree char *path = g_file_read_link("/proc/self/exe", NULL);
  if (path == NULL || setenv("G_SLICE", "always-malloc", 1) != 0)
    return;
  execv(path, argv);
#else
  (void)argv;
#endif
}

int
main(int argc, char **argv)
{
  g_autofree char *config_path = NULL;
  gboolean check_config = FALSE;
  gboolean version = FALSE;
  g_autofree char *role = NULL;
  const GOptionEntry entries[] = {
      {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
       "Read the configuration from FILE (default: $BALIE_CONFIG, else built-in defaults)", "FILE"},
      {"check-config", 0, 0, G_OPTION_ARG_NONE, &check_config,
       "Check the configuration (file and BALIE_* environment), print \"config OK\" or the "
       "error, and exit",
       NULL},
      {"version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL},
      {"role", 0, 0, G_OPTION_ARG_STRING, &role,
       "With \"user add\": advisor (default), supervisor or admin", "ROLE"},
      {NULL, 0, 0, 0, NULL, NULL, NULL},
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GwConfig) config = NULL;
  g_auto(GStrv) envp = NULL;
  int status;

  use_plain_malloc(argv);
  setlocale(LC_ALL, "");
  g_set_prgname("balie");
  /* stdout carries the "Balie listening on" lines that scripts read; logs go to stderr. */
  g_log_writer_default_set_use_stderr(TRUE);
  /* A peer closing a socket mid-write must not kill the process. */
  signal(SIGPIPE, SIG_IGN);

  context = g_option_context_new("[user add NAME | user disable NAME | user enable NAME |\n"
                                  " customer ref ID | customer forget ID | customer forget-ref REF]\n\n"
                                  "On-prem WebRTC video gateway. \"user add\" reads the new\n"
                                  "account's password from stdin. \"customer forget\" deletes one\n"
                                  "customer's contacts and ratings (docs/metrics.md).");
  g_option_context_set_summary(context,
                               "Every setting is documented in config/balie.conf.sample and can\n"
                               "be overridden by an environment variable BALIE_<GROUP>_<KEY>.");
  g_option_context_add_main_entries(context, entries, NULL);
  /* Parsing also initialises GStreamer (gst_init) and takes its --gst-* options. */
  g_option_context_add_group(context, gst_init_get_option_group());
  if (!g_option_context_parse(context, &argc, &argv, &error)) {
    fprintf(stderr, "balie: %s (try --help)\n", error->message);
    return 1;
  }
  gboolean user_command = argc > 1 && g_str_equal(argv[1], "user");
  gboolean customer_command = argc > 1 && g_str_equal(argv[1], "customer");
  if (argc > 1 && !user_command && !customer_command) {
    fprintf(stderr, "balie: unexpected argument \"%s\" (try --help)\n", argv[1]);
    return 1;
  }
  if (!user_command && role != NULL) {
    fprintf(stderr, "balie: --role belongs to \"user add\" (try --help)\n");
    return 1;
  }
  if (version) {
    g_autofree char *gst = gst_version_string();

    printf("balie %s (%s)\n", BALIE_VERSION, gst);
    return 0;
  }

  if (config_path == NULL && g_getenv("BALIE_CONFIG") != NULL)
    config_path = g_strdup(g_getenv("BALIE_CONFIG"));
  envp = g_get_environ();
  config = gw_config_load(config_path, envp, &error);
  if (check_config) {
    if (config == NULL) {
      fprintf(stderr, "%s\n", error->message);
      return 1;
    }
    printf("config OK\n");
    return 0;
  }
  if (config == NULL) {
    fprintf(stderr, "balie: %s\n", error->message);
    return 1;
  }
  if (user_command)
    return gw_user_command_run(config, argv + 2, role, stdin);
  if (customer_command)
    return gw_customer_command_run(config, argv + 2);

  status = gw_lifecycle_run(config, config_path);
  g_clear_pointer(&config, gw_config_unref);
  gst_deinit();
  return status;
}
