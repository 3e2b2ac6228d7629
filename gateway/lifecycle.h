/* SPDX-License-Identifier: Apache-2.0 */
/* The gateway process from a loaded config to exit: checks, server, main loop, signals. */
#pragma once

#include <glib.h>

#include "config/config.h"

G_BEGIN_DECLS

/**
 * gw_lifecycle_run:
 * @config: (transfer none): the validated configuration
 *
 * Checks the GStreamer elements, makes sure a TLS certificate exists, starts
 * the server on the default main context, prints where it listens and the
 * demo links on stdout, and runs the main loop until SIGINT or SIGTERM.
 * Returns: the process exit status (0 after a signal, 1 when startup failed).
 */
int gw_lifecycle_run(GwConfig *config);

G_END_DECLS
