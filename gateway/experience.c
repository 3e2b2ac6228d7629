/* SPDX-License-Identifier: Apache-2.0 */
/* Wires the experience metrics into a running server: the store as contact sink, and the analyst API. */
#include "gateway/experience.h"

#include "gateway/api-auth.h"
#include "gateway/insights-api.h"
#include "gateway/store.h"

struct _GwExperience {
  GwStore *store;
  GwApiAuth *auth;
};

static char *
read_conninfo(const GwConfig *config, GError **error)
{
  char *text = NULL;

  if (config->postgres_conninfo_file == NULL) {
    g_set_error(error, GW_STORE_ERROR, GW_STORE_ERROR_OPEN,
                "store.backend = postgresql needs store.postgres_conninfo_file");
    return NULL;
  }
  if (!g_file_get_contents(config->postgres_conninfo_file, &text, NULL, error))
    return NULL;
  return g_strstrip(text);
}

GwExperience *
gw_experience_start(GwConfig *config, GwServer *server, GError **error)
{
  g_autofree char *db = g_build_filename(config->data_dir, "metrics.db", NULL);
  g_autofree char *spool = g_build_filename(config->data_dir, "metrics-queue.jsonl", NULL);
  g_autofree char *token = g_build_filename(config->data_dir, "secrets", "api.token", NULL);
  g_autofree char *conninfo = NULL;
  GwStoreOptions options = {config->store_backend, db, NULL, spool};
  GwExperience *experience;
  GwContactSink sink;
  GwApiAuth *auth;
  GwStore *store;

  if (g_str_equal(config->store_backend, "postgresql")) {
    conninfo = read_conninfo(config, error);
    if (conninfo == NULL)
      return NULL;
    options.postgres_conninfo = conninfo;
  }
  auth = gw_api_auth_new(token, error);
  if (auth == NULL)
    return NULL;
  store = gw_store_open(&options, error);
  if (store == NULL) {
    gw_api_auth_free(auth);
    return NULL;
  }
  experience = g_new0(GwExperience, 1);
  experience->store = store;
  experience->auth = auth;
  gw_store_sink(store, &sink);
  gw_server_set_contact_sink(server, &sink);
  gw_insights_api_mount(server, store, auth, config);
  return experience;
}

GwStore *
gw_experience_get_store(GwExperience *experience)
{
  return experience->store;
}

void
gw_experience_stop(GwExperience *experience)
{
  if (experience == NULL)
    return;
  gw_store_free(experience->store);
  gw_api_auth_free(experience->auth);
  g_free(experience);
}
