/* SPDX-License-Identifier: Apache-2.0 */
/* The OIDC code flow: discovery, the redirect with state, nonce and PKCE, the code exchange,
 * the ID token check (oidc-token.c) and a login session for the matching Balie account. */
#include "signaling/oidc.h"

#include <json-glib/json-glib.h>
#include <openssl/rand.h>
#include <string.h>

#include "signaling/api.h"
#include "signaling/base64url.h"
#include "signaling/oidc-token.h"
#include "signaling/signaling-log.h"

#define PROVIDER_TIMEOUT_SECONDS 10
#define MAX_PROVIDER_ANSWER 65536

typedef struct {
  char *verifier; /* PKCE code_verifier */
  char *nonce;
  gint64 created_us; /* monotonic */
} Pending;

struct _GwOidc {
  GwConfig *config;
  GwAuth *auth;
  GwUserStore *users;
  char *redirect_uri;
  SoupSession *http;
  GCancellable *cancellable;
  /* From discovery; NULL until the first login fetched them. */
  char *authorization_endpoint;
  char *token_endpoint;
  char *jwks_uri;
  GwOidcKeys *keys;
  GHashTable *pending; /* state → Pending */
};

typedef enum {
  FLOW_LOGIN,
  FLOW_CALLBACK,
} FlowKind;

/* One browser request waiting for the provider. */
typedef struct {
  GwOidc *oidc;
  SoupServerMessage *msg; /* a reference; paused */
  FlowKind kind;
  Pending *pending;  /* FLOW_CALLBACK: this login's verifier and nonce */
  char *code;        /* FLOW_CALLBACK */
  char *id_token;    /* once exchanged */
  gboolean keys_refreshed;
} Flow;

static void flow_step(Flow *flow);

static void
pending_free(Pending *pending)
{
  if (pending == NULL)
    return;
  g_free(pending->verifier);
  g_free(pending->nonce);
  g_free(pending);
}

static void
flow_free(Flow *flow)
{
  g_object_unref(flow->msg);
  pending_free(flow->pending);
  g_free(flow->code);
  g_free(flow->id_token);
  g_free(flow);
}

static char *
random_token(void)
{
  guint8 bytes[32];

  if (RAND_bytes(bytes, sizeof bytes) != 1)
    g_error("oidc: no randomness");
  return gw_base64url_encode(bytes, sizeof bytes);
}

GwOidc *
gw_oidc_new(GwConfig *config, GwAuth *auth, GwUserStore *users, const char *public_url,
            GError **error)
{
  g_autoptr(GTlsDatabase) database = NULL;
  GwOidc *oidc;

  g_return_val_if_fail(config != NULL && config->oidc_issuer != NULL, NULL);

  if (config->oidc_ca_file != NULL) {
    database = g_tls_file_database_new(config->oidc_ca_file, error);
    if (database == NULL) {
      g_prefix_error(error, "oidc.ca_file: ");
      return NULL;
    }
  }
  oidc = g_new0(GwOidc, 1);
  oidc->config = gw_config_ref(config);
  oidc->auth = auth;
  oidc->users = users;
  oidc->redirect_uri = g_strdup_printf("%s/auth/oidc/callback", public_url);
  oidc->http = soup_session_new_with_options("timeout", PROVIDER_TIMEOUT_SECONDS, "user-agent",
                                             "balie", NULL);
  if (database != NULL)
    soup_session_set_tls_database(oidc->http, database);
  oidc->cancellable = g_cancellable_new();
  oidc->pending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify)pending_free);
  return oidc;
}

void
gw_oidc_free(GwOidc *oidc)
{
  if (oidc == NULL)
    return;
  /* Flows still waiting see the cancellation, answer their browser and free themselves. */
  g_cancellable_cancel(oidc->cancellable);
  g_object_unref(oidc->cancellable);
  g_object_unref(oidc->http);
  g_hash_table_unref(oidc->pending);
  gw_oidc_keys_free(oidc->keys);
  g_free(oidc->authorization_endpoint);
  g_free(oidc->token_endpoint);
  g_free(oidc->jwks_uri);
  g_free(oidc->redirect_uri);
  gw_config_unref(oidc->config);
  g_free(oidc);
}

/* ---- answers to the browser ---- */

/* A small page in both languages: the advisor reads why and starts again. */
static void
respond_page(SoupServerMessage *msg, guint status, const char *why)
{
  g_autofree char *escaped = g_markup_escape_text(why, -1);
  g_autofree char *body = g_strdup_printf(
      "<!doctype html><html lang=\"nl\"><meta charset=\"utf-8\"><title>Balie</title>"
      "<h1>Inloggen is niet gelukt</h1><p lang=\"en\">Login failed: %s</p>"
      "<p><a href=\"/auth/oidc/login\">Opnieuw / Try again</a></p></html>",
      escaped);

  soup_server_message_set_status(msg, status, NULL);
  soup_server_message_set_response(msg, "text/html; charset=utf-8", SOUP_MEMORY_COPY, body,
                                   strlen(body));
}

static void
redirect(SoupServerMessage *msg, guint status, const char *location)
{
  soup_server_message_set_status(msg, status, NULL);
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Location",
                               location);
}

static void
set_cookie(SoupServerMessage *msg, const char *name, const char *value, const char *path,
           gint max_age, const char *same_site)
{
  g_autofree char *cookie = g_strdup_printf("%s=%s; Path=%s; Max-Age=%d; Secure; HttpOnly; "
                                            "SameSite=%s",
                                            name, value, path, max_age, same_site);

  soup_message_headers_append(soup_server_message_get_response_headers(msg), "Set-Cookie", cookie);
}

static void
flow_fail(Flow *flow, guint status, const char *why)
{
  gw_signaling_log(G_LOG_LEVEL_MESSAGE, NULL, NULL, "oidc login refused: %s", why);
  respond_page(flow->msg, status, why);
  soup_server_message_unpause(flow->msg);
  flow_free(flow);
}

/* ---- talking to the provider ---- */

typedef void (*JsonDone)(Flow *flow, JsonObject *object, const char *raw, gsize length);

typedef struct {
  Flow *flow;
  JsonDone done;
  const char *what;
} Fetch;

static void
fetch_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fetch *fetch = user_data;
  Flow *flow = fetch->flow;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish(SOUP_SESSION(source), result, &error);
  SoupMessage *request = soup_session_get_async_result_message(SOUP_SESSION(source), result);
  g_autoptr(JsonParser) parser = json_parser_new_immutable();
  gsize length = 0;
  const char *data = body != NULL ? g_bytes_get_data(body, &length) : NULL;
  g_autofree char *why = NULL;
  JsonDone done = fetch->done;
  const char *what = fetch->what;

  g_free(fetch);
  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    flow_fail(flow, SOUP_STATUS_SERVICE_UNAVAILABLE, "the gateway is stopping");
    return;
  }
  if (body == NULL)
    why = g_strdup_printf("the identity provider's %s did not answer: %s", what, error->message);
  else if (soup_message_get_status(request) != SOUP_STATUS_OK)
    why = g_strdup_printf("the identity provider's %s answered HTTP %u", what,
                          soup_message_get_status(request));
  else if (length > MAX_PROVIDER_ANSWER || !g_utf8_validate(data, (gssize)length, NULL) ||
           !json_parser_load_from_data(parser, data, (gssize)length, NULL) ||
           json_parser_get_root(parser) == NULL || /* an empty answer */
           !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
    why = g_strdup_printf("the identity provider's %s is not a JSON object", what);
  if (why != NULL) {
    flow_fail(flow, SOUP_STATUS_BAD_GATEWAY, why);
    return;
  }
  done(flow, json_node_get_object(json_parser_get_root(parser)), data, length);
}

static void
fetch(Flow *flow, SoupMessage *request, const char *what, JsonDone done)
{
  Fetch *f = g_new0(Fetch, 1);

  f->flow = flow;
  f->done = done;
  f->what = what;
  soup_message_headers_replace(soup_message_get_request_headers(request), "Accept",
                               "application/json");
  soup_session_send_and_read_async(flow->oidc->http, request, G_PRIORITY_DEFAULT,
                                   flow->oidc->cancellable, fetch_done, f);
  g_object_unref(request);
}

static const char *
https_member(JsonObject *object, const char *name)
{
  const char *value = json_object_has_member(object, name)
                          ? json_node_get_string(json_object_get_member(object, name))
                          : NULL;

  return value != NULL && g_str_has_prefix(value, "https://") ? value : NULL;
}

static gboolean
same_issuer(const char *a, const char *b)
{
  gsize la = strlen(a), lb = strlen(b);

  while (la > 0 && a[la - 1] == '/')
    la--;
  while (lb > 0 && b[lb - 1] == '/')
    lb--;
  return la == lb && strncmp(a, b, la) == 0;
}

static void
discovery_done(Flow *flow, JsonObject *meta, const char *raw, gsize length)
{
  GwOidc *oidc = flow->oidc;
  const char *issuer = json_object_has_member(meta, "issuer")
                           ? json_node_get_string(json_object_get_member(meta, "issuer"))
                           : NULL;
  const char *authorize = https_member(meta, "authorization_endpoint");
  const char *token = https_member(meta, "token_endpoint");
  const char *jwks = https_member(meta, "jwks_uri");

  if (issuer == NULL || !same_issuer(issuer, oidc->config->oidc_issuer)) {
    flow_fail(flow, SOUP_STATUS_BAD_GATEWAY,
              "the identity provider's metadata names another issuer than oidc.issuer");
    return;
  }
  if (authorize == NULL || token == NULL || jwks == NULL) {
    flow_fail(flow, SOUP_STATUS_BAD_GATEWAY,
              "the identity provider's metadata lacks issuer or an https authorization, token "
              "or JWKS endpoint");
    return;
  }
  g_free(oidc->authorization_endpoint);
  g_free(oidc->token_endpoint);
  g_free(oidc->jwks_uri);
  oidc->authorization_endpoint = g_strdup(authorize);
  oidc->token_endpoint = g_strdup(token);
  oidc->jwks_uri = g_strdup(jwks);
  flow_step(flow);
}

static void
jwks_done(Flow *flow, JsonObject *object, const char *raw, gsize length)
{
  g_autoptr(GError) error = NULL;
  GwOidcKeys *keys = gw_oidc_keys_parse(raw, length, &error);

  if (keys == NULL) {
    g_autofree char *why = g_strdup_printf("the identity provider's keys: %s", error->message);
    flow_fail(flow, SOUP_STATUS_BAD_GATEWAY, why);
    return;
  }
  gw_oidc_keys_free(flow->oidc->keys);
  flow->oidc->keys = keys;
  flow->keys_refreshed = TRUE;
  flow_step(flow);
}

static void
token_done(Flow *flow, JsonObject *answer, const char *raw, gsize length)
{
  JsonNode *node = json_object_get_member(answer, "id_token");

  if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
      json_node_get_value_type(node) != G_TYPE_STRING) {
    flow_fail(flow, SOUP_STATUS_BAD_GATEWAY, "the identity provider sent no ID token");
    return;
  }
  flow->id_token = g_strdup(json_node_get_string(node));
  flow_step(flow);
}

/* ---- the steps ---- */

static void
start_login(Flow *flow)
{
  GwOidc *oidc = flow->oidc;
  g_autofree char *state = random_token();
  Pending *pending = g_new0(Pending, 1);
  g_autoptr(GChecksum) sha = g_checksum_new(G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize digest_length = sizeof digest;
  g_autofree char *challenge = NULL;
  g_autofree char *query = NULL;
  g_autofree char *location = NULL;

  pending->verifier = random_token();
  pending->nonce = random_token();
  pending->created_us = g_get_monotonic_time();
  g_checksum_update(sha, (const guchar *)pending->verifier, -1);
  g_checksum_get_digest(sha, digest, &digest_length);
  challenge = gw_base64url_encode(digest, digest_length);
  query = soup_form_encode("response_type", "code", "client_id", oidc->config->oidc_client_id,
                           "redirect_uri", oidc->redirect_uri, "scope", "openid profile email",
                           "state", state, "nonce", pending->nonce, "code_challenge", challenge,
                           "code_challenge_method", "S256", NULL);
  location = g_strdup_printf("%s%c%s", oidc->authorization_endpoint,
                             strchr(oidc->authorization_endpoint, '?') ? '&' : '?', query);
  g_hash_table_replace(oidc->pending, g_strdup(state), pending);
  /* Lax: the provider's redirect back is a cross-site top-level GET. */
  set_cookie(flow->msg, GW_OIDC_STATE_COOKIE, state, "/auth/oidc/", GW_OIDC_PENDING_SECONDS,
             "Lax");
  redirect(flow->msg, SOUP_STATUS_FOUND, location);
  soup_server_message_unpause(flow->msg);
  flow_free(flow);
}

static void
exchange_code(Flow *flow)
{
  GwOidc *oidc = flow->oidc;
  g_autofree char *form = soup_form_encode(
      "grant_type", "authorization_code", "code", flow->code, "redirect_uri", oidc->redirect_uri,
      "client_id", oidc->config->oidc_client_id, "code_verifier", flow->pending->verifier, NULL);
  SoupMessage *request = soup_message_new_from_encoded_form(SOUP_METHOD_POST, oidc->token_endpoint,
                                                            g_steal_pointer(&form));

  if (request == NULL) {
    flow_fail(flow, SOUP_STATUS_BAD_GATEWAY, "the token endpoint is not a URL");
    return;
  }
  if (oidc->config->oidc_client_secret != NULL) {
    /* client_secret_basic, the default of the specification. */
    g_autofree char *id = g_uri_escape_string(oidc->config->oidc_client_id, NULL, FALSE);
    g_autofree char *secret = g_uri_escape_string(oidc->config->oidc_client_secret, NULL, FALSE);
    g_autofree char *pair = g_strdup_printf("%s:%s", id, secret);
    g_autofree char *basic = g_base64_encode((const guchar *)pair, strlen(pair));
    g_autofree char *header = g_strdup_printf("Basic %s", basic);

    soup_message_headers_replace(soup_message_get_request_headers(request), "Authorization",
                                 header);
    memset(pair, 0, strlen(pair));
  }
  fetch(flow, request, "token endpoint", token_done);
}

static void
finish_login(Flow *flow, GwOidcIdentity *identity)
{
  GwOidc *oidc = flow->oidc;
  g_autoptr(GError) error = NULL;
  g_autoptr(GwUser) user = NULL;
  GwAccount *account;
  GwLoginSession *session;

  if (identity->username != NULL && gw_user_name_is_valid(identity->username))
    user = gw_user_store_find(oidc->users, identity->username, &error);
  if (user == NULL || user->disabled) {
    g_autofree char *why = g_strdup_printf(
        "the identity provider vouches for someone without an enabled Balie account (claim %s)",
        oidc->config->oidc_username_claim);
    flow_fail(flow, SOUP_STATUS_FORBIDDEN, why);
    return;
  }
  account = g_new0(GwAccount, 1);
  account->id = g_strdup(user->id);
  account->name = g_strdup(user->name);
  account->role = user->role;
  session = gw_auth_open_session(oidc->auth, account, &error);
  if (session == NULL) {
    flow_fail(flow, SOUP_STATUS_SERVICE_UNAVAILABLE, error->message);
    return;
  }
  gw_signaling_log(G_LOG_LEVEL_INFO, NULL, NULL, "account %s logged in through OIDC",
                   session->account->id);
  set_cookie(flow->msg, GW_API_SESSION_COOKIE, session->id, "/",
             (gint)GW_AUTH_SESSION_IDLE_SECONDS, "Strict");
  set_cookie(flow->msg, GW_OIDC_STATE_COOKIE, "", "/auth/oidc/", 0, "Lax");
  redirect(flow->msg, SOUP_STATUS_SEE_OTHER, "/console.html");
  soup_server_message_unpause(flow->msg);
  flow_free(flow);
}

static void
check_token(Flow *flow)
{
  GwOidc *oidc = flow->oidc;
  g_autoptr(GError) error = NULL;
  g_autoptr(GwOidcIdentity) identity = NULL;

  if (oidc->keys != NULL)
    identity = gw_oidc_id_token_verify(flow->id_token, oidc->keys, oidc->config->oidc_issuer,
                                       oidc->config->oidc_client_id, flow->pending->nonce,
                                       oidc->config->oidc_username_claim,
                                       g_get_real_time() / G_USEC_PER_SEC, &error);
  /* No keys yet, or a key the provider rolled over to: fetch them, once per login. */
  if (identity == NULL && !flow->keys_refreshed &&
      (oidc->keys == NULL || g_error_matches(error, GW_OIDC_ERROR, GW_OIDC_ERROR_UNKNOWN_KEY))) {
    fetch(flow, soup_message_new(SOUP_METHOD_GET, oidc->jwks_uri), "JWKS", jwks_done);
    return;
  }
  if (identity == NULL) {
    g_autofree char *why = g_strdup_printf("the ID token: %s", error->message);
    flow_fail(flow, SOUP_STATUS_FORBIDDEN, why);
    return;
  }
  finish_login(flow, identity);
}

/* Runs the next thing the flow needs; every wait for the provider comes back here. */
static void
flow_step(Flow *flow)
{
  GwOidc *oidc = flow->oidc;

  if (oidc->authorization_endpoint == NULL) {
    g_autofree char *url = g_strdup_printf("%s/.well-known/openid-configuration",
                                           oidc->config->oidc_issuer);
    SoupMessage *request = soup_message_new(SOUP_METHOD_GET, url);

    if (request == NULL) {
      flow_fail(flow, SOUP_STATUS_INTERNAL_SERVER_ERROR, "oidc.issuer is not a URL");
      return;
    }
    fetch(flow, request, "metadata", discovery_done);
    return;
  }
  if (flow->kind == FLOW_LOGIN) {
    start_login(flow);
    return;
  }
  if (flow->id_token == NULL) {
    exchange_code(flow);
    return;
  }
  check_token(flow);
}

/* ---- the two endpoints ---- */

static void
prune_pending(GwOidc *oidc)
{
  gint64 oldest = g_get_monotonic_time() - GW_OIDC_PENDING_SECONDS * G_USEC_PER_SEC;
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init(&iter, oidc->pending);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    if (((Pending *)value)->created_us < oldest)
      g_hash_table_iter_remove(&iter);
  }
}

static char *
state_cookie(SoupServerMessage *msg)
{
  const char *header =
      soup_message_headers_get_list(soup_server_message_get_request_headers(msg), "Cookie");
  g_autoptr(GHashTable) cookies = NULL;

  if (header == NULL)
    return NULL;
  cookies = soup_header_parse_semi_param_list(header);
  return g_strdup(g_hash_table_lookup(cookies, GW_OIDC_STATE_COOKIE));
}

static Flow *
flow_new(GwOidc *oidc, SoupServerMessage *msg, FlowKind kind)
{
  Flow *flow = g_new0(Flow, 1);

  flow->oidc = oidc;
  flow->msg = g_object_ref(msg);
  flow->kind = kind;
  soup_server_message_pause(msg);
  return flow;
}

static void
serve_callback(GwOidc *oidc, SoupServerMessage *msg)
{
  const char *raw_query = g_uri_get_query(soup_server_message_get_uri(msg));
  g_autoptr(GHashTable) query = raw_query != NULL ? soup_form_decode(raw_query) : NULL;
  const char *state = query != NULL ? g_hash_table_lookup(query, "state") : NULL;
  const char *code = query != NULL ? g_hash_table_lookup(query, "code") : NULL;
  g_autofree char *cookie = state_cookie(msg);
  gpointer key = NULL;
  gpointer value = NULL;
  Flow *flow;

  if (query != NULL && g_hash_table_lookup(query, "error") != NULL) {
    respond_page(msg, SOUP_STATUS_FORBIDDEN, "the identity provider did not log you in");
    return;
  }
  /* The state must be this browser's (cookie) and one we handed out (pending), once. */
  if (state == NULL || code == NULL || cookie == NULL || strcmp(state, cookie) != 0 ||
      strlen(code) > 4096 ||
      !g_hash_table_steal_extended(oidc->pending, state, &key, &value)) {
    respond_page(msg, SOUP_STATUS_BAD_REQUEST,
                 "this login was not started here, has expired or was used already");
    return;
  }
  g_free(key);
  flow = flow_new(oidc, msg, FLOW_CALLBACK);
  flow->pending = value;
  flow->code = g_strdup(code);
  flow_step(flow);
}

void
gw_oidc_serve(GwOidc *oidc, SoupServerMessage *msg, const char *path)
{
  const char *method = soup_server_message_get_method(msg);

  if (strcmp(method, SOUP_METHOD_GET) != 0) {
    soup_server_message_set_status(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow", "GET");
    return;
  }
  prune_pending(oidc);
  if (g_str_equal(path, "/auth/oidc/login")) {
    if (g_hash_table_size(oidc->pending) >= GW_OIDC_MAX_PENDING) {
      respond_page(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "too many logins at once; try again");
      return;
    }
    flow_step(flow_new(oidc, msg, FLOW_LOGIN));
  } else if (g_str_equal(path, "/auth/oidc/callback")) {
    serve_callback(oidc, msg);
  } else {
    soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, NULL);
  }
}
