/* SPDX-License-Identifier: Apache-2.0 */
/* Who may read the insights and exports: a supervisor's login, or the bearer token in DATA_DIR/secrets/api.token. */
#include "gateway/api-auth.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>
#include <unistd.h>

#define API_TOKEN_BYTES 32
#define FORBIDDEN_BODY                                                                             \
  "{\"error\":{\"code\":\"forbidden\",\"message\":\"insights are for supervisors\"}}"

struct _GwApiAuth {
  char *token;
  GwServer *server; /* nullable: login sessions are looked up there */
};

static char *
make_token(void)
{
  guchar raw[API_TOKEN_BYTES];
  g_autofree char *b64 = NULL;

  if (RAND_bytes(raw, sizeof(raw)) != 1)
    g_error("no randomness for the API token");
  b64 = g_base64_encode(raw, sizeof(raw));
  /* URL-safe and without padding, so it pastes into a header or a shell unquoted. */
  g_strdelimit(b64, "+", '-');
  g_strdelimit(b64, "/", '_');
  g_strdelimit(b64, "=", '\0');
  return g_strdup(b64);
}

static gboolean
write_new_token(const char *path, const char *token, GError **error)
{
  g_autofree char *dir = g_path_get_dirname(path);
  int fd;
  gsize len = strlen(token);

  if (g_mkdir_with_parents(dir, 0700) != 0 ||
      (fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
    int saved = errno;

    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved), "cannot create %s: %s", path,
                g_strerror(saved));
    return FALSE;
  }
  if (write(fd, token, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd) != 0) {
    int saved = errno;

    close(fd);
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved), "cannot write %s: %s", path,
                g_strerror(saved));
    return FALSE;
  }
  close(fd);
  g_message("generated an API token in %s (mode 0600)", path);
  return TRUE;
}

GwApiAuth *
gw_api_auth_new(const char *token_path, GwServer *server, GError **error)
{
  g_autofree char *token = NULL;

  if (!g_file_get_contents(token_path, &token, NULL, NULL)) {
    token = make_token();
    if (!write_new_token(token_path, token, error))
      return NULL;
  }
  g_strstrip(token);
  if (strlen(token) < 16) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: token shorter than 16 characters",
                token_path);
    return NULL;
  }
  GwApiAuth *auth = g_new0(GwApiAuth, 1);
  auth->token = g_steal_pointer(&token);
  auth->server = server;
  return auth;
}

/* Who read which report: an audit entry (signaling/audit-log.h) per granted request. */
static gboolean
granted(GwApiAuth *auth, SoupServerMessage *msg, const char *actor)
{
  GwAuditLog *audit = auth->server != NULL ? gw_server_get_audit(auth->server) : NULL;
  GUri *uri = soup_server_message_get_uri(msg);
  const char *path = g_uri_get_path(uri);
  g_autofree char *object = g_uri_get_query(uri) != NULL
                                ? g_strdup_printf("%s?%s", path, g_uri_get_query(uri))
                                : g_strdup(path);

  if (audit != NULL)
    gw_audit_log_record(audit, actor,
                        g_str_has_prefix(path, "/api/v1/export/") ? GW_AUDIT_EXPORT
                                                                  : GW_AUDIT_INSIGHTS_VIEW,
                        object, NULL);
  return TRUE;
}

gboolean
gw_api_auth_check(GwApiAuth *auth, SoupServerMessage *msg)
{
  const char *header = soup_message_headers_get_one(soup_server_message_get_request_headers(msg),
                                                    "Authorization");
  gsize want = strlen(auth->token);

  GwLoginSession *session =
      auth->server != NULL ? gw_server_get_login_session(auth->server, msg) : NULL;

  if (header != NULL && g_str_has_prefix(header, "Bearer ") && strlen(header + 7) == want &&
      CRYPTO_memcmp(header + 7, auth->token, want) == 0)
    return granted(auth, msg, "api-token");
  /* Reading only (GET): the cookie is SameSite=Strict and no CSRF token is needed. */
  if (session != NULL && session->account->role != GW_USER_ROLE_ADVISOR)
    return granted(auth, msg, session->account->id);
  if (session != NULL) {
    soup_server_message_set_status(msg, SOUP_STATUS_FORBIDDEN, NULL);
    soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_STATIC,
                                     FORBIDDEN_BODY, strlen(FORBIDDEN_BODY));
    return FALSE;
  }
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "WWW-Authenticate",
                               "Bearer realm=\"balie\"");
  soup_server_message_set_status(msg, SOUP_STATUS_UNAUTHORIZED, NULL);
  return FALSE;
}

void
gw_api_reply_error(SoupServerMessage *msg, guint status, const char *code, const char *message)
{
  g_autofree char *body =
      g_strdup_printf("{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}", code, message);

  soup_server_message_set_status(msg, status, NULL);
  soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, body, strlen(body));
}

void
gw_api_auth_free(GwApiAuth *auth)
{
  if (auth == NULL)
    return;
  memset(auth->token, 0, strlen(auth->token));
  g_free(auth->token);
  g_free(auth);
}
