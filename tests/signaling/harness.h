/* SPDX-License-Identifier: Apache-2.0 */
/* Shared harness for the signaling integration tests: an in-process server on 127.0.0.1 with
 * HTTPS and WSS clients, every wait bounded by a deadline. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "config/config.h"
#include "signaling/server.h"

G_BEGIN_DECLS

/* Every wait has a deadline; webrtcbin under ASan can take a few seconds to offer. */
#define HARNESS_WAIT_MS 20000
/* The join-token key written by harness_fixture_set_token_key(). */
#define HARNESS_TOKEN_KEY "test-key-0123456789abcdef-0123456789"

/* Runs the main context until @cond holds; aborts the test after HARNESS_WAIT_MS. */
#define HARNESS_WAIT_FOR(cond)                                                                     \
  G_STMT_START                                                                                     \
  {                                                                                                \
    gint64 wait_deadline_ = g_get_monotonic_time() + HARNESS_WAIT_MS * G_TIME_SPAN_MILLISECOND;    \
    while (!(cond)) {                                                                              \
      if (g_get_monotonic_time() > wait_deadline_)                                                 \
        g_error("%s:%d: timed out waiting for %s", __FILE__, __LINE__, #cond);                     \
      if (!g_main_context_iteration(NULL, FALSE))                                                  \
        g_usleep(1000);                                                                            \
    }                                                                                              \
  }                                                                                                \
  G_STMT_END

typedef struct {
  char *dir;
  GwConfig *config;
  GwServer *server;
  SoupSession *session;
  GPtrArray *clients; /* HarnessClient */
  GPtrArray *events;  /* HarnessEvent; NULL unless harness_fixture_record_events() */
} HarnessFixture;

/* A contact event as the sink received it. */
typedef struct {
  GwContactEventType type;
  char *contact_id;
  char *journey;
  char *reason;
  char *ended_by;
  char *attrs;
  char *advisor_ref;
  gint64 wait_ms;
} HarnessEvent;

typedef struct {
  SoupWebsocketConnection *connection;
  GPtrArray *messages; /* JsonObject, in arrival order */
  GArray *consumed;    /* gboolean per message */
  gboolean closed;
  gushort close_code;
} HarnessClient;

/* The reply to harness_api_request(); free its strings with harness_reply_clear(). */
typedef struct {
  guint status;
  char *body;
  char *set_cookie;
  char *retry_after;
} HarnessReply;

/* ---- process ---- */

void harness_init(int *argc, char ***argv);
int harness_finish(int status);

/* ---- main loop and files ---- */

void harness_run_for(guint ms);
void harness_write_file(const char *dir, const char *name, const char *contents);
void harness_remove_tree(const char *path);
JsonObject *harness_parse_object(const char *data, gsize length);
gboolean harness_accept_certificate(SoupMessage *msg, GTlsCertificate *certificate,
                                    GTlsCertificateFlags errors, gpointer user_data);

/* ---- fixture ---- */

GwConfig *harness_fixture_prepare(HarnessFixture *fixture, const char *dir_template);
void harness_fixture_set_token_key(HarnessFixture *fixture);
void harness_fixture_start(HarnessFixture *fixture);
void harness_fixture_record_events(HarnessFixture *fixture);
void harness_fixture_close_clients(HarnessFixture *fixture);
void harness_fixture_tear_down(HarnessFixture *fixture);
HarnessEvent *harness_find_event(HarnessFixture *fixture, GwContactEventType type);
guint harness_count_events(HarnessFixture *fixture, GwContactEventType type);

/* ---- HTTPS ---- */

char *harness_uri(HarnessFixture *fixture, const char *scheme, const char *path);
SoupMessage *harness_http_request(HarnessFixture *fixture, const char *method, const char *path,
                                  GBytes **body);
guint harness_http_get(HarnessFixture *fixture, const char *path, char **location, char **body);
void harness_api_request(HarnessFixture *fixture, const char *method, const char *path,
                         const char *json, const char *cookie, const char *csrf,
                         HarnessReply *reply);
void harness_reply_clear(HarnessReply *reply);
char *harness_error_code(const HarnessReply *reply);
void harness_assert_api_error(const HarnessReply *reply, guint status, const char *code);
void harness_api_expect_error(HarnessFixture *fixture, const char *method, const char *path,
                              const char *json, const char *cookie, const char *csrf,
                              guint status, const char *code);
void harness_add_account(HarnessFixture *fixture, const char *name, const char *password);
void harness_login(HarnessFixture *fixture, const char *name, const char *password, char **cookie,
                   char **csrf);

/* ---- WebSocket clients ---- */

HarnessClient *harness_client_connect_as(HarnessFixture *fixture, const char *cookie);
HarnessClient *harness_client_connect(HarnessFixture *fixture);
HarnessClient *harness_client_connect_path(HarnessFixture *fixture, const char *path,
                                           const char *cookie);
void harness_client_send(HarnessClient *client, const char *json);
void harness_client_close(HarnessClient *client);
gint harness_client_find(HarnessClient *client, const char *type);
JsonObject *harness_client_take(HarnessClient *client, const char *type);
JsonObject *harness_client_wait_nth(HarnessClient *client, const char *type, guint skip);
void harness_client_send_join(HarnessClient *client, const char *room, const char *role,
                              const char *token);

G_END_DECLS
