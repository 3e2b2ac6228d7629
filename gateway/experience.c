/* SPDX-License-Identifier: Apache-2.0 */
/* Wires the experience metrics into a running server: the store as contact sink, and the analyst API. */
#include "gateway/experience.h"

#include "gateway/api-auth.h"
#include "gateway/advisor-contacts.h"
#include "gateway/insights-api.h"
#include "gateway/rating-api.h"
#include "gateway/store-privacy.h"
#include "gateway/store-recovery.h"
#include "gateway/store.h"
#include "gateway/vendor-files.h"

/* How often old rating comments are looked for (and once at start). */
#define PURGE_INTERVAL_SECONDS 3600

struct _GwExperience {
  GwConfig *config;
  GwStore *store;
  GwApiAuth *auth;
  GwMetrics *metrics;
  GwWebhook *webhook; /* nullable: no [webhook] url */
  GwContactSink sink; /* what signaling and the rating API record through */
  GwContactSink recovery_sink; /* the same, but quiet once stopped (gateway/store-recovery.h) */
  guint purge_source;
  /* Recordings in flight keep the struct: the store completes them after stop(). */
  guint refs;
  gboolean stopped;
};

static void
experience_unref(GwExperience *experience)
{
  if (--experience->refs > 0)
    return;
  gw_webhook_free(experience->webhook);
  gw_metrics_free(experience->metrics);
  gw_api_auth_free(experience->auth);
  gw_config_unref(experience->config);
  g_free(experience);
}

/* One event on its way to the store; after the commit, what else should know of it. */
typedef struct {
  GwExperience *experience;
  GwContactEventType type;
  char *contact_id;
  GwContactRecorded done;
  gpointer done_data;
} Recording;

static void
on_recorded(const GError *error, gpointer data)
{
  Recording *recording = data;
  GwExperience *experience = recording->experience;

  /* A contact is pushed once it is over, a rating as it comes: each once the store has it. */
  if (error == NULL && experience->webhook != NULL && !experience->stopped &&
      (recording->type == GW_CONTACT_ENDED || recording->type == GW_CONTACT_ABANDONED ||
       recording->type == GW_CONTACT_FAILED || recording->type == GW_CONTACT_RATED))
    gw_webhook_push(experience->webhook,
                    recording->type == GW_CONTACT_RATED ? GW_WEBHOOK_RATING : GW_WEBHOOK_CONTACT,
                    recording->contact_id);
  if (recording->done != NULL)
    recording->done(error, recording->done_data);
  g_free(recording->contact_id);
  g_free(recording);
  experience_unref(experience);
}

static void
experience_record(gpointer sink_data, const GwContactEvent *event, GwContactRecorded done,
                  gpointer done_data)
{
  GwExperience *experience = sink_data;
  Recording *recording = g_new0(Recording, 1);

  gw_metrics_observe(experience->metrics, event);
  recording->experience = experience;
  experience->refs++;
  recording->type = event->type;
  recording->contact_id = g_strdup(event->contact_id);
  recording->done = done;
  recording->done_data = done_data;
  gw_store_record(experience->store, event, on_recorded, recording);
}

/* A previous run's open contacts arrive once the store has read them: maybe after stop(). */
static void
recovery_record(gpointer sink_data, const GwContactEvent *event, GwContactRecorded done,
                gpointer done_data)
{
  GwExperience *experience = sink_data;

  if (!experience->stopped)
    experience_record(experience, event, done, done_data);
}

static void
recovery_done(guint closed, gpointer data)
{
  experience_unref(data);
}

static gpointer
purge_read(GwStoreBackend *backend, gpointer data, GError **error)
{
  gint64 before_us = *(gint64 *)data;
  gint64 purged = 0;

  if (!gw_store_purge_comments(backend, before_us, &purged, error))
    return NULL;
  return g_memdup2(&purged, sizeof purged);
}

static void
purge_done(gpointer result, const GError *error, gpointer data)
{
  if (result == NULL)
    g_warning("metrics store: old rating comments not purged: %s", error->message);
  else if (*(gint64 *)result > 0)
    g_message("metrics store: %" G_GINT64_FORMAT " rating comments past their retention purged",
              *(gint64 *)result);
}

static gboolean
purge_comments(gpointer data)
{
  GwExperience *experience = data;
  gint64 before_us =
      g_get_real_time() - (gint64)experience->config->comment_retention_days * 86400 * G_USEC_PER_SEC;

  gw_store_read(experience->store, purge_read, g_memdup2(&before_us, sizeof before_us), g_free,
                g_free, purge_done);
  return G_SOURCE_CONTINUE;
}

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

GwStore *
gw_experience_open_store(const GwConfig *config, GError **error)
{
  g_autofree char *db = g_build_filename(config->data_dir, "metrics.db", NULL);
  g_autofree char *spool = g_build_filename(config->data_dir, "metrics-queue.jsonl", NULL);
  g_autofree char *conninfo = NULL;
  GwStoreOptions options = {config->store_backend, db, NULL, spool};

  if (g_str_equal(config->store_backend, "postgresql")) {
    conninfo = read_conninfo(config, error);
    if (conninfo == NULL)
      return NULL;
    options.postgres_conninfo = conninfo;
  }
  return gw_store_open(&options, error);
}

GwExperience *
gw_experience_start(GwConfig *config, GwServer *server, GError **error)
{
  g_autofree char *token = g_build_filename(config->data_dir, "secrets", "api.token", NULL);
  GwExperience *experience;
  GwWebhook *webhook = NULL;
  GwApiAuth *auth;
  GwStore *store;

  auth = gw_api_auth_new(token, server, error);
  if (auth == NULL)
    return NULL;
  if (config->webhook_url != NULL && (webhook = gw_webhook_new(config, error)) == NULL) {
    gw_api_auth_free(auth);
    return NULL;
  }
  store = gw_experience_open_store(config, error);
  if (store == NULL) {
    gw_webhook_free(webhook);
    gw_api_auth_free(auth);
    return NULL;
  }
  experience = g_new0(GwExperience, 1);
  experience->refs = 1;
  experience->config = gw_config_ref(config);
  experience->store = store;
  experience->auth = auth;
  experience->webhook = webhook;
  experience->metrics = gw_metrics_new(server, store);
  if (webhook != NULL) {
    gw_webhook_set_store(webhook, store);
    gw_metrics_add_collector(experience->metrics, gw_webhook_collect_metrics, webhook);
  }
  experience->sink.record = experience_record;
  experience->sink.sink_data = experience;
  gw_server_set_contact_sink(server, &experience->sink);
  experience->recovery_sink.record = recovery_record;
  experience->recovery_sink.sink_data = experience;
  experience->refs++;
  if (!gw_store_recovery_start(store, &experience->recovery_sink, recovery_done, experience))
    experience->refs--;
  gw_insights_api_mount(server, store, auth, config);
  gw_advisor_contacts_mount(server, store);
  gw_rating_api_mount(server, &experience->sink);
  gw_metrics_mount(experience->metrics, server);
  gw_vendor_files_mount(server);
  purge_comments(experience);
  experience->purge_source = g_timeout_add_seconds(PURGE_INTERVAL_SECONDS, purge_comments,
                                                   experience);
  return experience;
}

GwStore *
gw_experience_get_store(GwExperience *experience)
{
  return experience->store;
}

GwMetrics *
gw_experience_get_metrics(GwExperience *experience)
{
  return experience->metrics;
}

void
gw_experience_stop(GwExperience *experience)
{
  if (experience == NULL)
    return;
  g_clear_handle_id(&experience->purge_source, g_source_remove);
  /* Completions still due run later and find it stopped: nothing is pushed any more. */
  experience->stopped = TRUE;
  if (experience->webhook != NULL)
    gw_webhook_set_store(experience->webhook, NULL);
  g_clear_pointer(&experience->store, gw_store_free);
  experience_unref(experience);
}
