/* SPDX-License-Identifier: Apache-2.0 */
/* `balie customer ref|forget|forget-ref`: a customer's pseudonym, and erasing their data on request. */
#pragma once

#include "config/config.h"

G_BEGIN_DECLS

/**
 * gw_customer_command_run:
 * @args: (array zero-terminated=1): what follows "customer", e.g. {"forget", "12345", NULL}
 *
 * `ref ID` prints the pseudonym an invite with customer_id ID gave (keyed by
 * DATA_DIR/secrets/pseudonym.key); `forget ID` deletes every contact of that
 * customer with its events and rating from the store the config names, in one
 * transaction; `forget-ref PSEUDONYM` does the same from the pseudonym. Prints
 * what it did to stdout, errors to stderr.
 * Returns: the process exit status (0 ok, 1 failed, 2 usage)
 */
int gw_customer_command_run(const GwConfig *config, char **args);

G_END_DECLS
