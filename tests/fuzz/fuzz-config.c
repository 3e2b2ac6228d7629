/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the config parser: any bytes must give a config or an error, nothing else.
 */
#include <stdint.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwConfig) config = gw_config_parse((const char *)data, size, NULL, &error);

  /* Exactly one of the two, and an error always explains itself. */
  g_assert((config == NULL) != (error == NULL));
  if (error != NULL)
    g_assert(error->domain == GW_CONFIG_ERROR && error->message[0] != '\0');
  else
    g_assert(config->public_url != NULL && config->ice_local_addresses != NULL);
  return 0;
}
