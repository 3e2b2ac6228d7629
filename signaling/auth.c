/* SPDX-License-Identifier: Apache-2.0 */
/* Who an advisor is: the provider interface, login sessions with CSRF tokens, and lock-out. */
#include "signaling/auth.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

#include "signaling/base64url.h"
#include "signaling/password.h"
#include "signaling/signaling-log.h"

/* clang-format off */
G_DEFINE_QUARK(gw-auth-error-quark, gw_auth_error)
/* clang-format on */

#define SECRET_BYTES 32

typedef struct {
  guint failures;
  gint64 window_start_us; /* monotonic */
  gint64 locked_until_us;
} Failures;

/* A session's sliding expiry reaches the shared store when it moved this much. */
#define SHARED_TOUCH_US (10 * 60 * G_USEC_PER_SEC)

struct _GwAuth {
  GwAuthProvider provider;
  GwAuthShare share; /* share.save == NULL: one node, sessions in memory only */
  GHashTable *sessions; /* id → GwLoginSession (owned) */
  GHashTable *failures; /* "a:NAME" or "i:ADDRESS" → Failures (owned) */
};

static const char *const availability_names[] = {
    [GW_AVAILABILITY_AWAY] = "away",
    [GW_AVAILABILITY_AVAILABLE] = "available",
    [GW_AVAILABILITY_BUSY] = "busy",
};

const char *
gw_availability_to_string(GwAvailability availability)
{
  return availability_names[availability];
}

gboolean
gw_availability_from_string(const char *text, GwAvailability *availability)
{
  for (guint i = 0; i < G_N_ELEMENTS(availability_names); i++) {
    if (g_strcmp0(text, availability_names[i]) == 0) {
      *availability = (GwAvailability)i;
      return TRUE;
    }
  }
  return FALSE;
}

void
gw_account_free(GwAccount *account)
{
  if (account == NULL)
    return;
  g_free(account->id);
  g_free(account->name);
  g_free(account);
}

/* ---- the local provider ---- */

static GwAccount *
local_authenticate(gpointer data, const char *name, const char *password, GError **error)
{
  GwUserStore *store = data;
  g_autoptr(GError) store_error = NULL;
  g_autoptr(GwUser) user = NULL;

  if (gw_user_name_is_valid(name))
    user = gw_user_store_find(store, name, &store_error);
  if (store_error != NULL) {
    g_set_error_literal(error, GW_AUTH_ERROR, GW_AUTH_ERROR_INTERNAL, store_error->message);
    return NULL;
  }
  /* Unknown names cost a hash too, so timing does not tell which names exist. */
  static const char dummy[] = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$"
                              "K0Mf4GqxBbHzq9f9XK6lH1L6v0Ovd0xVMGq1j6Jx0mI";
  gboolean ok = gw_password_verify(user != NULL ? user->password_hash : dummy, password);
  if (user == NULL || !ok || user->disabled) {
    g_set_error_literal(error, GW_AUTH_ERROR, GW_AUTH_ERROR_BAD_CREDENTIALS,
                        "wrong name or password");
    return NULL;
  }
  GwAccount *account = g_new0(GwAccount, 1);
  account->id = g_strdup(user->id);
  account->name = g_strdup(user->name);
  account->role = user->role;
  return account;
}

GwAuthProvider
gw_auth_provider_local(GwUserStore *store)
{
  return (GwAuthProvider){local_authenticate, store};
}

/* ---- sessions ---- */

static char *
random_secret(void)
{
  guint8 bytes[SECRET_BYTES];

  if (RAND_bytes(bytes, sizeof bytes) != 1)
    g_error("OpenSSL has no random bytes");
  return gw_base64url_encode(bytes, sizeof bytes);
}

static void
login_session_free(gpointer p)
{
  GwLoginSession *session = p;

  gw_account_free(session->account);
  g_queue_clear_full(&session->invite_times_us, g_free);
  g_free(session->id);
  g_free(session->id_hash);
  g_free(session->csrf);
  g_free(session);
}

GwAuth *
gw_auth_new(const GwAuthProvider *provider)
{
  GwAuth *auth = g_new0(GwAuth, 1);

  auth->provider = *provider;
  auth->sessions = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, login_session_free);
  auth->failures = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  return auth;
}

void
gw_auth_free(GwAuth *auth)
{
  if (auth == NULL)
    return;
  g_hash_table_destroy(auth->sessions);
  g_hash_table_destroy(auth->failures);
  g_free(auth);
}

/* Drops expired sessions and stale failure counters; cheap enough per login. */
static void
prune(GwAuth *auth, gint64 now)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init(&iter, auth->sessions);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    if (((GwLoginSession *)value)->expires_us <= now)
      g_hash_table_iter_remove(&iter);
  }
  g_hash_table_iter_init(&iter, auth->failures);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    Failures *f = value;
    if (f->locked_until_us <= now &&
        f->window_start_us + GW_AUTH_LOCK_SECONDS * G_USEC_PER_SEC <= now)
      g_hash_table_iter_remove(&iter);
  }
}

/* Seconds still locked for @key, 0 when not. */
static guint
locked_for(GwAuth *auth, const char *key, gint64 now)
{
  Failures *f = g_hash_table_lookup(auth->failures, key);

  if (f == NULL || f->locked_until_us <= now)
    return 0;
  return (guint)((f->locked_until_us - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
}

static void
count_failure(GwAuth *auth, const char *key, guint limit, gint64 now)
{
  Failures *f = g_hash_table_lookup(auth->failures, key);

  if (f == NULL) {
    f = g_new0(Failures, 1);
    g_hash_table_insert(auth->failures, g_strdup(key), f);
  }
  if (f->window_start_us + GW_AUTH_LOCK_SECONDS * G_USEC_PER_SEC <= now) {
    f->failures = 0;
    f->window_start_us = now;
  }
  if (++f->failures >= limit)
    f->locked_until_us = now + GW_AUTH_LOCK_SECONDS * G_USEC_PER_SEC;
}

GwLoginSession *
gw_auth_login(GwAuth *auth, const char *name, const char *password, const char *address,
              guint *retry_after, GError **error)
{
  gint64 now = g_get_monotonic_time();
  g_autofree char *account_key = g_strdup_printf("a:%s", name);
  g_autofree char *address_key = g_strdup_printf("i:%s", address != NULL ? address : "-");

  prune(auth, now);
  *retry_after = MAX(locked_for(auth, account_key, now), locked_for(auth, address_key, now));
  if (*retry_after > 0) {
    g_set_error(error, GW_AUTH_ERROR, GW_AUTH_ERROR_LOCKED,
                "too many failed logins; try again in %u minutes", (*retry_after + 59) / 60);
    return NULL;
  }
  g_autoptr(GError) auth_error = NULL;
  g_autoptr(GwAccount) account =
      auth->provider.authenticate(auth->provider.data, name, password, &auth_error);
  if (account == NULL) {
    if (g_error_matches(auth_error, GW_AUTH_ERROR, GW_AUTH_ERROR_BAD_CREDENTIALS)) {
      count_failure(auth, account_key, GW_AUTH_MAX_FAILURES_ACCOUNT, now);
      count_failure(auth, address_key, GW_AUTH_MAX_FAILURES_ADDRESS, now);
    }
    g_propagate_error(error, g_steal_pointer(&auth_error));
    return NULL;
  }
  GwLoginSession *session = gw_auth_open_session(auth, g_steal_pointer(&account), error);
  if (session != NULL)
    g_hash_table_remove(auth->failures, account_key);
  return session;
}

GwLoginSession *
gw_auth_open_session(GwAuth *auth, GwAccount *account, GError **error)
{
  gint64 now = g_get_monotonic_time();

  prune(auth, now);
  if (g_hash_table_size(auth->sessions) >= GW_AUTH_MAX_SESSIONS) {
    gw_account_free(account);
    g_set_error_literal(error, GW_AUTH_ERROR, GW_AUTH_ERROR_INTERNAL, "too many login sessions");
    return NULL;
  }
  GwLoginSession *session = g_new0(GwLoginSession, 1);
  session->id = random_secret();
  session->csrf = random_secret();
  session->account = account;
  session->availability = GW_AVAILABILITY_AWAY;
  session->expires_us = now + GW_AUTH_SESSION_IDLE_SECONDS * G_USEC_PER_SEC;
  session->id_hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, session->id, -1);
  g_queue_init(&session->invite_times_us);
  g_hash_table_insert(auth->sessions, session->id, session);
  gw_signaling_log(G_LOG_LEVEL_INFO, NULL, NULL, "account %s logged in", session->account->id);
  gw_auth_save(auth, session, NULL, NULL);
  return session;
}

GwLoginSession *
gw_auth_lookup(GwAuth *auth, const char *id)
{
  gint64 now = g_get_monotonic_time();
  GwLoginSession *session = id != NULL ? g_hash_table_lookup(auth->sessions, id) : NULL;

  if (session == NULL)
    return NULL;
  if (session->expires_us <= now) {
    g_hash_table_remove(auth->sessions, id);
    return NULL;
  }
  session->expires_us = now + GW_AUTH_SESSION_IDLE_SECONDS * G_USEC_PER_SEC;
  if (auth->share.save != NULL && session->expires_us - session->saved_expires_us > SHARED_TOUCH_US)
    gw_auth_save(auth, session, NULL, NULL);
  return session;
}

/* What the shared store keeps of @session. (transfer full) */
static GwSessionRow *
session_row(GwLoginSession *session, gboolean ended)
{
  GwSessionRow *row = g_new0(GwSessionRow, 1);

  row->id = g_strdup(session->id_hash);
  row->csrf = g_strdup(session->csrf);
  row->account_id = g_strdup(session->account->id);
  row->account_name = g_strdup(session->account->name);
  row->role = g_strdup(gw_user_role_to_string(session->account->role));
  row->availability = g_strdup(gw_availability_to_string(session->availability));
  row->expires_in_us = MAX(session->expires_us - g_get_monotonic_time(), 0);
  row->ended = ended;
  return row;
}

void
gw_auth_logout(GwAuth *auth, const char *id)
{
  GwLoginSession *session = id != NULL ? g_hash_table_lookup(auth->sessions, id) : NULL;

  if (session == NULL)
    return;
  if (auth->share.save != NULL) {
    g_autoptr(GwSessionRow) row = session_row(session, TRUE);
    auth->share.save(auth->share.data, row, NULL, NULL);
  }
  g_hash_table_remove(auth->sessions, id);
}

void
gw_auth_set_share(GwAuth *auth, const GwAuthShare *share)
{
  auth->share = *share;
}

gboolean
gw_auth_is_shared(GwAuth *auth)
{
  return auth->share.save != NULL;
}

void
gw_auth_save(GwAuth *auth, GwLoginSession *session, GSourceFunc done, gpointer done_data)
{
  if (auth->share.save == NULL) {
    if (done != NULL)
      g_idle_add(done, done_data);
    return;
  }
  g_autoptr(GwSessionRow) row = session_row(session, FALSE);
  session->saved_expires_us = session->expires_us;
  auth->share.save(auth->share.data, row, done, done_data);
}

static GwLoginSession *
find_by_hash(GwAuth *auth, const char *id_hash)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init(&iter, auth->sessions);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    if (g_str_equal(((GwLoginSession *)value)->id_hash, id_hash))
      return value;
  }
  return NULL;
}

/* Applies @row's availability and expiry to @session; FALSE when it ended. */
static gboolean
apply_row(GwLoginSession *session, const GwSessionRow *row)
{
  gint64 expires_us = g_get_monotonic_time() + row->expires_in_us;

  if (row->ended || row->expires_in_us <= 0)
    return FALSE;
  gw_availability_from_string(row->availability, &session->availability);
  session->expires_us = MAX(session->expires_us, expires_us);
  session->saved_expires_us = MAX(session->saved_expires_us, expires_us);
  return TRUE;
}

void
gw_auth_apply_shared(GwAuth *auth, const GwSessionRow *row)
{
  GwLoginSession *session = find_by_hash(auth, row->id);

  if (session != NULL && !apply_row(session, row))
    g_hash_table_remove(auth->sessions, session->id);
}

typedef struct {
  GwAuth *auth;
  char *id;
  GwAuthLookupDone done;
  gpointer data;
} Lookup;

/* A login on another node: this node keeps a copy from now on. */
static void
on_fetched(GwSessionRow *row, gpointer data)
{
  Lookup *lookup = data;
  GwAuth *auth = lookup->auth;
  GwLoginSession *session = g_hash_table_lookup(auth->sessions, lookup->id);
  GwUserRole role;

  if (session == NULL && row != NULL && gw_user_role_from_string(row->role, &role) &&
      g_hash_table_size(auth->sessions) < GW_AUTH_MAX_SESSIONS) {
    session = g_new0(GwLoginSession, 1);
    session->id = g_strdup(lookup->id);
    session->id_hash = g_strdup(row->id);
    session->csrf = g_strdup(row->csrf);
    session->account = g_new0(GwAccount, 1);
    session->account->id = g_strdup(row->account_id);
    session->account->name = g_strdup(row->account_name);
    session->account->role = role;
    g_queue_init(&session->invite_times_us);
    if (apply_row(session, row))
      g_hash_table_insert(auth->sessions, session->id, session);
    else
      g_clear_pointer(&session, login_session_free);
  }
  lookup->done(session, lookup->data);
  gw_session_row_free(row);
  g_free(lookup->id);
  g_free(lookup);
}

void
gw_auth_lookup_async(GwAuth *auth, const char *id, GwAuthLookupDone done, gpointer data)
{
  GwLoginSession *session = gw_auth_lookup(auth, id);

  if (session != NULL || id == NULL || auth->share.fetch == NULL || strlen(id) > 64) {
    done(session, data);
    return;
  }
  Lookup *lookup = g_new0(Lookup, 1);
  lookup->auth = auth;
  lookup->id = g_strdup(id);
  lookup->done = done;
  lookup->data = data;
  g_autofree char *id_hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, id, -1);
  auth->share.fetch(auth->share.data, id_hash, on_fetched, lookup);
}

void
gw_session_row_free(GwSessionRow *row)
{
  if (row == NULL)
    return;
  g_free(row->id);
  g_free(row->csrf);
  g_free(row->account_id);
  g_free(row->account_name);
  g_free(row->role);
  g_free(row->availability);
  g_free(row);
}

gboolean
gw_auth_check_csrf(GwLoginSession *session, const char *token)
{
  gsize length = strlen(session->csrf);

  return token != NULL && strlen(token) == length &&
         CRYPTO_memcmp(token, session->csrf, length) == 0;
}
