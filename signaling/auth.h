/* SPDX-License-Identifier: Apache-2.0 */
/* Who an advisor is: an authentication provider interface (local accounts now, OIDC later),
 * login sessions with their CSRF token, and the lock-out after repeated failures. */
#pragma once

#include <glib.h>

#include "signaling/cluster-share.h"
#include "signaling/user-store.h"

G_BEGIN_DECLS

#define GW_AUTH_ERROR (gw_auth_error_quark())
GQuark gw_auth_error_quark(void);

typedef enum {
  GW_AUTH_ERROR_BAD_CREDENTIALS, /* unknown name, wrong password or disabled: one answer for all */
  GW_AUTH_ERROR_LOCKED,          /* too many failures; try again later */
  GW_AUTH_ERROR_INTERNAL,
} GwAuthError;

/* A logged-in person. @id is what contact events carry (advisor_ref); never the name. */
typedef struct {
  char *id;
  char *name;
  GwUserRole role;
} GwAccount;

void gw_account_free(GwAccount *account);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GwAccount, gw_account_free)

/*
 * Where credentials are checked. The local provider checks name + password
 * against users.db; an OIDC provider would instead finish a code flow and map
 * the ID token's subject to an account, behind the same login session.
 */
typedef struct {
  /* Returns: (transfer full) (nullable): NULL with GW_AUTH_ERROR_BAD_CREDENTIALS or _INTERNAL */
  GwAccount *(*authenticate)(gpointer data, const char *name, const char *password, GError **error);
  gpointer data;
} GwAuthProvider;

/** gw_auth_provider_local: @store must outlive the provider. */
GwAuthProvider gw_auth_provider_local(GwUserStore *store);

/* A login session: the cookie value, the CSRF token the page sends back in a
 * header, the account, and the advisor's availability. */
typedef enum {
  GW_AVAILABILITY_AWAY,
  GW_AVAILABILITY_AVAILABLE,
  GW_AVAILABILITY_BUSY,
} GwAvailability;

typedef struct {
  char *id;   /* the cookie value: 32 random bytes, base64url */
  char *csrf; /* 32 random bytes, base64url */
  GwAccount *account;
  GwAvailability availability;
  gint64 expires_us;      /* monotonic; slides on use */
  GQueue invite_times_us; /* monotonic times of recent invites, for the rate limit */
  char *id_hash;          /* SHA-256 of @id, hex: the shared store's key (never the cookie) */
  gint64 saved_expires_us; /* @expires_us when the shared store last heard of it */
} GwLoginSession;

/** gw_availability_to_string / _from_string: "available", "busy", "away". */
const char *gw_availability_to_string(GwAvailability availability);
gboolean gw_availability_from_string(const char *text, GwAvailability *availability);

typedef struct _GwAuth GwAuth;

/* Failures before an account (or a client address) is locked out, and for how long. */
#define GW_AUTH_MAX_FAILURES_ACCOUNT 5
#define GW_AUTH_MAX_FAILURES_ADDRESS 20
#define GW_AUTH_LOCK_SECONDS G_GINT64_CONSTANT(15 * 60)
/* Idle login sessions end after this long. */
#define GW_AUTH_SESSION_IDLE_SECONDS G_GINT64_CONSTANT(8 * 3600)
#define GW_AUTH_MAX_SESSIONS 10000

/** gw_auth_new: @provider is copied. Returns: (transfer full) */
GwAuth *gw_auth_new(const GwAuthProvider *provider);
void gw_auth_free(GwAuth *auth);

/**
 * gw_auth_login:
 * @address: the client address, for the per-address lock-out (not logged above debug)
 * @retry_after: (out): seconds to wait, set with GW_AUTH_ERROR_LOCKED
 * Returns: (transfer none) (nullable): a new session, owned by @auth
 */
GwLoginSession *gw_auth_login(GwAuth *auth, const char *name, const char *password,
                              const char *address, guint *retry_after, GError **error);

/**
 * gw_auth_open_session:
 * @account: (transfer full): someone another provider vouched for (OIDC, signaling/oidc.c)
 * Returns: (transfer none) (nullable): a new session, owned by @auth; NULL with
 *   GW_AUTH_ERROR_INTERNAL when there are too many
 */
GwLoginSession *gw_auth_open_session(GwAuth *auth, GwAccount *account, GError **error);

/** gw_auth_lookup: Returns: (transfer none) (nullable): the live session with cookie @id */
GwLoginSession *gw_auth_lookup(GwAuth *auth, const char *id);

/** gw_auth_logout: ends the session (nothing if unknown). */
void gw_auth_logout(GwAuth *auth, const char *id);

/**
 * gw_auth_set_share:
 * Several nodes: sessions are also kept in the shared store (@share is
 * copied), so an advisor logged in on one node is logged in on every node.
 */
void gw_auth_set_share(GwAuth *auth, const GwAuthShare *share);

/** gw_auth_is_shared: whether gw_auth_set_share() was called. */
gboolean gw_auth_is_shared(GwAuth *auth);

/**
 * gw_auth_save:
 * Tells the shared store about @session's availability (and that it lives);
 * @done (nullable) runs once that is committed, or at once (from an idle
 * source) without a shared store.
 */
void gw_auth_save(GwAuth *auth, GwLoginSession *session, GSourceFunc done, gpointer done_data);

/* @session: (nullable) (transfer none): the live session, or NULL */
typedef void (*GwAuthLookupDone)(GwLoginSession *session, gpointer data);

/**
 * gw_auth_lookup_async:
 * As gw_auth_lookup(), but a cookie this node does not know is looked up in
 * the shared store (a login on another node). @done runs inside this call
 * when the answer is known here, later otherwise.
 */
void gw_auth_lookup_async(GwAuth *auth, const char *id, GwAuthLookupDone done, gpointer data);

/**
 * gw_auth_apply_shared:
 * A session changed on another node (availability, logout): updates the copy
 * this node has of it, if any. @row->id is the SHA-256 of the cookie.
 */
void gw_auth_apply_shared(GwAuth *auth, const GwSessionRow *row);

/** gw_auth_check_csrf: constant-time comparison of @token with the session's. */
gboolean gw_auth_check_csrf(GwLoginSession *session, const char *token);

G_END_DECLS
