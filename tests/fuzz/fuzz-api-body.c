/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the REST API's request bodies (signaling/api-body.c): login, invite and
 * availability, as a logged-in advisor's browser or anyone on the network can send them. */
#include <stdint.h>
#include <string.h>

#include "signaling/api-body.h"
#include "signaling/auth.h"
#include "signaling/join-token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The default invite_ttl_minutes. */
#define MAX_MINUTES 1440

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) body =
      gw_api_body_parse("application/json", (const char *)data, size, &error);

  g_assert((body == NULL) != (error == NULL));
  if (body == NULL) {
    g_assert(error->domain == GW_API_BODY_ERROR && error->message[0] != '\0');
    g_assert(size > GW_API_MAX_BODY ? error->code == GW_API_BODY_ERROR_TOO_LARGE
                                    : error->code == GW_API_BODY_ERROR_NOT_OBJECT);
    /* Whatever it is, a wrong media type is refused first. */
    g_autoptr(GError) type_error = NULL;
    g_assert(gw_api_body_parse("text/plain", (const char *)data, size, &type_error) == NULL);
    g_assert(type_error->code == GW_API_BODY_ERROR_TYPE);
    return 0;
  }

  const char *name, *password, *journey;
  gint64 minutes = -1;
  g_autoptr(GError) login_error = NULL;
  if (gw_api_body_login(body, &name, &password, &login_error)) {
    g_assert(login_error == NULL && name != NULL && password != NULL);
    g_assert(strlen(name) <= GW_API_MAX_CREDENTIAL && strlen(password) <= GW_API_MAX_CREDENTIAL);
  } else {
    g_assert(login_error->code == GW_API_BODY_ERROR_FIELD);
  }

  g_autoptr(GError) invite_error = NULL;
  if (gw_api_body_invite(body, MAX_MINUTES, &journey, &minutes, &invite_error)) {
    g_assert(gw_join_token_is_valid_id(journey));
    g_assert(minutes >= 1 && minutes <= MAX_MINUTES);
  } else {
    g_assert(invite_error->code == GW_API_BODY_ERROR_FIELD && invite_error->message[0] != '\0');
  }

  GwAvailability availability;
  if (gw_availability_from_string(gw_api_body_get_string(body, "state"), &availability))
    g_assert(g_str_equal(gw_availability_to_string(availability),
                         gw_api_body_get_string(body, "state")));
  return 0;
}
