/* SPDX-License-Identifier: Apache-2.0 */
/* Advisor accounts in a small SQLite file (DATA_DIR/users.db): name, role, password hash. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define GW_USER_STORE_ERROR (gw_user_store_error_quark())
GQuark gw_user_store_error_quark(void);

typedef enum {
  GW_USER_STORE_ERROR_IO,     /* the database cannot be opened or written */
  GW_USER_STORE_ERROR_EXISTS, /* an account with that name exists */
  GW_USER_STORE_ERROR_NOT_FOUND,
  GW_USER_STORE_ERROR_INVALID, /* a bad name, role or password */
} GwUserStoreError;

typedef enum {
  GW_USER_ROLE_ADVISOR,
  GW_USER_ROLE_SUPERVISOR,
  GW_USER_ROLE_ADMIN,
} GwUserRole;

/* Account names: 1..64 of [a-z0-9._-], so they are safe in logs and URLs. */
#define GW_USER_MAX_NAME 64

typedef struct {
  char *id; /* stable opaque id ("u" + 16 hex), used as advisor_ref: never the name */
  char *name;
  GwUserRole role;
  char *password_hash;
  gboolean disabled;
} GwUser;

void gw_user_free(GwUser *user);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GwUser, gw_user_free)

/** gw_user_role_from_string: FALSE for anything but advisor, supervisor, admin. */
gboolean gw_user_role_from_string(const char *text, GwUserRole *role);
/** gw_user_role_to_string: (transfer none) */
const char *gw_user_role_to_string(GwUserRole role);
gboolean gw_user_name_is_valid(const char *name);

typedef struct _GwUserStore GwUserStore;

/**
 * gw_user_store_open:
 * Opens (creating, mode 0600) the database at @path and its schema.
 * Returns: (transfer full) (nullable)
 */
GwUserStore *gw_user_store_open(const char *path, GError **error);
void gw_user_store_close(GwUserStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GwUserStore, gw_user_store_close)

/** gw_user_store_add: hashes @password (argon2id). Returns: (transfer full) (nullable) */
GwUser *gw_user_store_add(GwUserStore *store, const char *name, GwUserRole role,
                          const char *password, GError **error);

/** gw_user_store_set_disabled: a disabled account cannot log in (open sessions run out). */
gboolean gw_user_store_set_disabled(GwUserStore *store, const char *name, gboolean disabled,
                                    GError **error);

/** gw_user_store_find: Returns: (transfer full) (nullable): NULL when unknown (no error) */
GwUser *gw_user_store_find(GwUserStore *store, const char *name, GError **error);

G_END_DECLS
