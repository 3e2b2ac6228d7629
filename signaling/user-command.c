/* SPDX-License-Identifier: Apache-2.0 */
/* `balie user add NAME --role ROLE` and `balie user disable|enable NAME`: account administration.
 */
#include "signaling/user-command.h"

#include <openssl/crypto.h>
#include <string.h>

#include "signaling/password.h"
#include "signaling/user-store.h"

#define USAGE                                                                                      \
  "usage: balie user add NAME [--role advisor|supervisor|admin]   (password on stdin)\n"           \
  "       balie user disable NAME\n"                                                               \
  "       balie user enable NAME\n"

/* One line, without its newline; NULL past the limit or on end of input. */
static char *
read_password(FILE *in)
{
  char buffer[GW_PASSWORD_MAX_LENGTH + 2];

  if (fgets(buffer, sizeof buffer, in) == NULL)
    return NULL;
  gsize n = strcspn(buffer, "\r\n");
  if (n > GW_PASSWORD_MAX_LENGTH) {
    OPENSSL_cleanse(buffer, sizeof buffer);
    return NULL;
  }
  buffer[n] = '\0';
  char *password = g_strdup(buffer);
  OPENSSL_cleanse(buffer, sizeof buffer);
  return password;
}

static int
add_user(GwUserStore *store, const char *name, const char *role_text, FILE *in)
{
  GwUserRole role = GW_USER_ROLE_ADVISOR;
  g_autoptr(GError) error = NULL;

  if (role_text != NULL && !gw_user_role_from_string(role_text, &role)) {
    fprintf(stderr, "balie: --role must be advisor, supervisor or admin\n");
    return 2;
  }
  char *password = read_password(in);
  if (password == NULL) {
    fprintf(stderr, "balie: give the password on stdin, one line of at most %d bytes\n",
            GW_PASSWORD_MAX_LENGTH);
    return 1;
  }
  g_autoptr(GwUser) user = gw_user_store_add(store, name, role, password, &error);
  OPENSSL_cleanse(password, strlen(password));
  g_free(password);
  if (user == NULL) {
    fprintf(stderr, "balie: %s\n", error->message);
    return 1;
  }
  printf("added %s %s (id %s)\n", gw_user_role_to_string(user->role), user->name, user->id);
  return 0;
}

int
gw_user_command_run(const GwConfig *config, char **args, const char *role, FILE *password_in)
{
  g_autoptr(GError) error = NULL;
  guint n = args != NULL ? g_strv_length(args) : 0;

  if (n != 2 || (!g_str_equal(args[0], "add") && role != NULL)) {
    fputs(USAGE, stderr);
    return 2;
  }
  g_autofree char *path = g_build_filename(config->data_dir, "users.db", NULL);
  g_autoptr(GwUserStore) store = gw_user_store_open(path, &error);
  if (store == NULL) {
    fprintf(stderr, "balie: %s\n", error->message);
    return 1;
  }
  if (g_str_equal(args[0], "add"))
    return add_user(store, args[1], role, password_in);
  if (!g_str_equal(args[0], "disable") && !g_str_equal(args[0], "enable")) {
    fputs(USAGE, stderr);
    return 2;
  }
  gboolean disable = g_str_equal(args[0], "disable");
  if (!gw_user_store_set_disabled(store, args[1], disable, &error)) {
    fprintf(stderr, "balie: %s\n", error->message);
    return 1;
  }
  printf("%s %s\n", disable ? "disabled" : "enabled", args[1]);
  return 0;
}
