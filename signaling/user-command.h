/* SPDX-License-Identifier: Apache-2.0 */
/* `balie user add NAME --role ROLE` and `balie user disable|enable NAME`: account administration.
 */
#pragma once

#include <stdio.h>

#include "config/config.h"

G_BEGIN_DECLS

/**
 * gw_user_command_run:
 * @args: (array zero-terminated=1): what follows "user", e.g. {"add", "anna", NULL}
 * @role: (nullable): the --role option (default advisor)
 * @password_in: where `add` reads the password (one line; never echoed or logged)
 *
 * Works on DATA_DIR/users.db. Prints what it did to stdout, errors to stderr.
 * Returns: the process exit status (0 ok, 1 failed, 2 usage)
 */
int gw_user_command_run(const GwConfig *config, char **args, const char *role, FILE *password_in);

G_END_DECLS
