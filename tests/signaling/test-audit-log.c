/* SPDX-License-Identifier: Apache-2.0 */
/* The audit log: append-only by trigger, hash-chained, survives a reopen; edits made around the
 * triggers are found; and, through the REST API, who did what is recorded. */
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "harness.h"
#include "signaling/audit-log.h"
#include "signaling/user-store.h"

typedef struct {
  char *dir;
  char *path;
} LogFixture;

static void
log_set_up(LogFixture *fixture, gconstpointer data)
{
  fixture->dir = g_dir_make_tmp("balie-audit-XXXXXX", NULL);
  fixture->path = g_build_filename(fixture->dir, "audit.db", NULL);
}

static void
log_tear_down(LogFixture *fixture, gconstpointer data)
{
  harness_remove_tree(fixture->dir);
  g_free(fixture->dir);
  g_free(fixture->path);
}

/* Runs @sql on the file behind the log's back; returns SQLite's result code. */
static int
raw_sql(const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  int rc;

  g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
  rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
  sqlite3_close(db);
  return rc;
}

static GwAuditLog *
open_log(const char *path)
{
  g_autoptr(GError) error = NULL;
  GwAuditLog *log = gw_audit_log_open(path, &error);

  g_assert_no_error(error);
  g_assert_nonnull(log);
  return log;
}

static void
assert_intact(GwAuditLog *log, guint64 expected)
{
  g_autoptr(GError) error = NULL;
  guint64 entries = 0;

  g_assert_true(gw_audit_log_verify(log, &entries, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(entries, ==, expected);
}

static void
test_chain(LogFixture *fixture, gconstpointer data)
{
  GwAuditLog *log = open_log(fixture->path);
  g_autofree char *long_actor = g_strnfill(1000, 'a');

  assert_intact(log, 0);
  gw_audit_log_record(log, "u-anna", GW_AUDIT_INVITE_CREATE, "c-1", "{\"journey\":\"hypotheek\"}");
  gw_audit_log_record(log, "evil\nname\x01", GW_AUDIT_LOGIN_FAILED, NULL, NULL);
  gw_audit_log_record(log, long_actor, GW_AUDIT_EXPORT, "/api/v1/export/contacts.csv", NULL);
  assert_intact(log, 3);

  /* Control characters never reach the file; a long field is cut. */
  g_autoptr(JsonBuilder) builder = json_builder_new();
  g_autoptr(GError) error = NULL;
  g_assert_true(gw_audit_log_list(log, 0, 10, builder, &error));
  g_autoptr(JsonNode) root = json_builder_get_root(builder);
  JsonArray *entries = json_node_get_array(root);
  g_assert_cmpuint(json_array_get_length(entries), ==, 3);
  JsonObject *second = json_array_get_object_element(entries, 1);
  g_assert_cmpstr(json_object_get_string_member(second, "actor"), ==, "evil name ");
  g_assert_cmpint(json_object_get_int_member(second, "seq"), ==, 2);
  JsonObject *third = json_array_get_object_element(entries, 2);
  g_assert_cmpuint(strlen(json_object_get_string_member(third, "actor")), <=,
                   GW_AUDIT_LOG_MAX_FIELD);
  gw_audit_log_close(log);

  /* Reopened, the chain goes on where it was. */
  log = open_log(fixture->path);
  gw_audit_log_record(log, "u-anna", GW_AUDIT_LOGOUT, NULL, NULL);
  assert_intact(log, 4);
  g_autoptr(JsonBuilder) after = json_builder_new();
  g_assert_true(gw_audit_log_list(log, 3, 10, after, &error));
  g_autoptr(JsonNode) tail = json_builder_get_root(after);
  g_assert_cmpuint(json_array_get_length(json_node_get_array(tail)), ==, 1);
  gw_audit_log_close(log);

  /* The file is only the owner's. */
  GStatBuf st;
  g_assert_cmpint(g_stat(fixture->path, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0077, ==, 0);
}

static void
test_append_only(LogFixture *fixture, gconstpointer data)
{
  GwAuditLog *log = open_log(fixture->path);

  gw_audit_log_record(log, "u-anna", GW_AUDIT_CONTACT_ACCEPT, "q-1", NULL);
  gw_audit_log_record(log, "u-bert", GW_AUDIT_INSIGHTS_VIEW, "/api/v1/insights", NULL);
  g_assert_cmpint(raw_sql(fixture->path, "UPDATE audit SET actor = 'u-else' WHERE seq = 1"), ==,
                  SQLITE_CONSTRAINT);
  g_assert_cmpint(raw_sql(fixture->path, "DELETE FROM audit WHERE seq = 1"), ==, SQLITE_CONSTRAINT);
  assert_intact(log, 2);
  gw_audit_log_close(log);
}

/* Someone with the file drops the triggers and edits: the chain says where. */
static void
test_tamper_found(LogFixture *fixture, gconstpointer data)
{
  GwAuditLog *log = open_log(fixture->path);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 5; i++)
    gw_audit_log_record(log, "u-anna", GW_AUDIT_INSIGHTS_VIEW, "/api/v1/insights", NULL);
  g_assert_cmpint(raw_sql(fixture->path,
                          "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;"
                          "UPDATE audit SET actor = 'u-else' WHERE seq = 3"),
                  ==, SQLITE_OK);
  g_assert_false(gw_audit_log_verify(log, NULL, &error));
  g_assert_error(error, GW_AUDIT_LOG_ERROR, GW_AUDIT_LOG_ERROR_TAMPERED);
  g_assert_nonnull(strstr(error->message, "entry 3 does not match"));
  g_clear_error(&error);

  g_assert_cmpint(raw_sql(fixture->path, "UPDATE audit SET actor = 'u-anna' WHERE seq = 3;"
                                         "DELETE FROM audit WHERE seq = 4"),
                  ==, SQLITE_OK);
  g_assert_false(gw_audit_log_verify(log, NULL, &error));
  g_assert_nonnull(strstr(error->message, "entry 4 is missing"));
  gw_audit_log_close(log);
}

/* ---- through the API ---- */

static void
api_set_up(HarnessFixture *fixture, gconstpointer data)
{
  harness_fixture_prepare(fixture, "balie-audit-api-XXXXXX");
  harness_fixture_set_token_key(fixture);
  harness_fixture_start(fixture);
}

static void
api_tear_down(HarnessFixture *fixture, gconstpointer data)
{
  harness_fixture_tear_down(fixture);
}

static void
add_admin(HarnessFixture *fixture, const char *name, const char *password)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename(fixture->dir, "users.db", NULL);
  g_autoptr(GwUserStore) store = gw_user_store_open(path, &error);
  g_autoptr(GwUser) user = gw_user_store_add(store, name, GW_USER_ROLE_ADMIN, password, &error);

  g_assert_no_error(error);
  g_assert_nonnull(user);
}

/* The actions of the entries in @body ("a,b,c"). */
static char *
actions(const char *body)
{
  g_autoptr(JsonObject) object = harness_parse_object(body, strlen(body));
  JsonArray *entries = json_object_get_array_member(object, "entries");
  g_autoptr(GString) out = g_string_new(NULL);

  g_assert_true(json_object_get_boolean_member(object, "intact"));
  for (guint i = 0; i < json_array_get_length(entries); i++)
    g_string_append_printf(
        out, "%s%s", i > 0 ? "," : "",
        json_object_get_string_member(json_array_get_object_element(entries, i), "action"));
  return g_string_free(g_steal_pointer(&out), FALSE);
}

static void
test_api_records(HarnessFixture *fixture, gconstpointer data)
{
  g_autofree char *advisor_cookie = NULL, *advisor_csrf = NULL;
  g_autofree char *admin_cookie = NULL, *admin_csrf = NULL;
  HarnessReply reply = {0};

  harness_add_account(fixture, "anna", "correct horse battery");
  add_admin(fixture, "root", "staple of admins");
  harness_api_request(fixture, "POST", "/api/v1/login", "{\"name\":\"anna\",\"password\":\"nope\"}",
                      NULL, NULL, &reply);
  g_assert_cmpuint(reply.status, ==, 401);
  harness_reply_clear(&reply);
  harness_login(fixture, "anna", "correct horse battery", &advisor_cookie, &advisor_csrf);
  harness_api_request(fixture, "POST", "/api/v1/invites", "{\"journey\":\"hypotheek\"}",
                      advisor_cookie, advisor_csrf, &reply);
  g_assert_cmpuint(reply.status, ==, 201);
  g_autoptr(JsonObject) invite = harness_parse_object(reply.body, strlen(reply.body));
  g_autofree char *contact = g_strdup(json_object_get_string_member(invite, "contact"));
  harness_reply_clear(&reply);
  g_autofree char *revoke = g_strdup_printf("/api/v1/invites/%s", contact);
  harness_api_request(fixture, "DELETE", revoke, NULL, advisor_cookie, advisor_csrf, &reply);
  g_assert_cmpuint(reply.status, ==, 204);
  harness_reply_clear(&reply);

  /* An advisor may not read the log. */
  harness_api_expect_error(fixture, "GET", "/api/v1/audit", NULL, advisor_cookie, NULL, 403,
                           "forbidden");
  harness_api_request(fixture, "POST", "/api/v1/logout", NULL, advisor_cookie, advisor_csrf,
                      &reply);
  harness_reply_clear(&reply);

  harness_login(fixture, "root", "staple of admins", &admin_cookie, &admin_csrf);
  harness_api_request(fixture, "GET", "/api/v1/audit", NULL, admin_cookie, NULL, &reply);
  g_assert_cmpuint(reply.status, ==, 200);
  g_autofree char *seen = actions(reply.body);
  g_assert_cmpstr(seen, ==,
                  "login.failed,login,invite.create,invite.revoke,logout,login,audit.view");
  g_assert_nonnull(strstr(reply.body, contact));
  /* Nobody's password, ever. */
  g_assert_null(strstr(reply.body, "correct horse"));
  g_assert_null(strstr(reply.body, "nope"));
  harness_reply_clear(&reply);

  harness_api_request(fixture, "GET", "/api/v1/audit?after=6", NULL, admin_cookie, NULL, &reply);
  g_autofree char *tail = actions(reply.body);
  g_assert_cmpstr(tail, ==, "audit.view,audit.view");
  harness_reply_clear(&reply);
  harness_api_expect_error(fixture, "GET", "/api/v1/audit?after=x", NULL, admin_cookie, NULL, 400,
                           "bad-field");
}

int
main(int argc, char **argv)
{
  harness_init(&argc, &argv);
  g_test_add("/audit-log/chain", LogFixture, NULL, log_set_up, test_chain, log_tear_down);
  g_test_add("/audit-log/append-only", LogFixture, NULL, log_set_up, test_append_only,
             log_tear_down);
  g_test_add("/audit-log/tamper-found", LogFixture, NULL, log_set_up, test_tamper_found,
             log_tear_down);
  g_test_add("/audit-log/api", HarnessFixture, NULL, api_set_up, test_api_records, api_tear_down);
  return harness_finish(g_test_run());
}
