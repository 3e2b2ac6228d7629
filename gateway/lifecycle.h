/* SPDX-License-Identifier: Apache-2.0 */
/* The gateway process from a loaded config to exit: checks, server, main loop, signals. */
#pragma once

#include <glib.h>

#include "config/config.h"

G_BEGIN_DECLS

/**
 * gw_lifecycle_run:
 * @config: (transfer none): the validated configuration
 * @config_path: (nullable): the file @config came from, read again on SIGHUP
 *
 * Checks the GStreamer elements, makes sure a TLS certificate exists, starts
 * the server on the default main context, prints where it listens and the
 * demo links on stdout, and runs the main loop. SIGINT stops at once; SIGTERM
 * drains (no new calls, running ones go on up to config->drain_seconds) and a
 * second SIGTERM stops at once; SIGHUP reloads the TLS certificate files and
 * the log level.
 * Returns: the process exit status (0 after a signal, 1 when startup failed).
 */
int gw_lifecycle_run(GwConfig *config, const char *config_path);

G_END_DECLS
