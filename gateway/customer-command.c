/* SPDX-License-Identifier: Apache-2.0 */
/* `balie customer ref|forget|forget-ref`: a customer's pseudonym, and erasing their data on request. */
#include "gateway/customer-command.h"

#include <stdio.h>

#include "gateway/experience.h"
#include "gateway/store-privacy.h"
#include "signaling/contact.h"
#include "signaling/join-token.h"
#include "signaling/token-key.h"

#define USAGE                                                                                      \
  "usage: balie customer ref ID | forget ID | forget-ref PSEUDONYM\n"                              \
  "  ID is the organisation's customer id as given to POST /api/v1/invites (customer_id)\n"

typedef struct {
  char *customer_ref;
  GwStoreForgotten forgotten;
  GError *error;
  gboolean done;
} Forget;

/* The pseudonym as an invite made it; never creates the key (no key: no pseudonyms yet). */
static char *
pseudonym_of(const GwConfig *config, const char *id, GError **error)
{
  g_autofree char *path = g_build_filename(config->data_dir, "secrets", "pseudonym.key", NULL);
  g_autoptr(GBytes) key = NULL;
  gsize length = 0;
  const guint8 *data;

  if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                "%s does not exist: no invite has carried a customer id on this data folder", path);
    return NULL;
  }
  key = gw_token_key_load(path, error);
  if (key == NULL)
    return NULL;
  data = g_bytes_get_data(key, &length);
  return gw_contact_pseudonym(data, length, id);
}

static gpointer
forget_read(GwStoreBackend *backend, gpointer data, GError **error)
{
  Forget *forget = data;

  if (!gw_store_forget_customer(backend, forget->customer_ref, &forget->forgotten, error))
    return NULL;
  return GINT_TO_POINTER(1);
}

static void
forget_done(gpointer result, const GError *error, gpointer data)
{
  Forget *forget = data;

  if (result == NULL)
    forget->error = g_error_copy(error);
  forget->done = TRUE;
}

static int
forget_ref(const GwConfig *config, const char *customer_ref)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GwStore) store = NULL;
  GwStoreStats stats;
  Forget forget = {(char *)customer_ref, {0}, NULL, FALSE};

  if (!gw_join_token_is_valid_id(customer_ref)) {
    fprintf(stderr, "balie: \"%s\" is not a pseudonym (base64url, as `balie customer ref` prints)\n",
            customer_ref);
    return 2;
  }
  store = gw_experience_open_store(config, &error);
  if (store == NULL) {
    fprintf(stderr, "balie: cannot open the metrics store: %s\n", error->message);
    return 1;
  }
  gw_store_read(store, forget_read, &forget, NULL, NULL, forget_done);
  while (!forget.done)
    g_main_context_iteration(NULL, TRUE);
  gw_store_get_stats(store, &stats);
  if (forget.error != NULL) {
    fprintf(stderr, "balie: nothing deleted: %s\n", forget.error->message);
    g_error_free(forget.error);
    return 1;
  }
  printf("deleted %" G_GINT64_FORMAT " contacts, %" G_GINT64_FORMAT " events and %" G_GINT64_FORMAT
         " ratings of customer %s\n",
         forget.forgotten.contacts, forget.forgotten.events, forget.forgotten.ratings, customer_ref);
  if (stats.spooled > 0)
    printf("warning: %" G_GUINT64_FORMAT " events still wait in this node's disk queue for "
           "PostgreSQL; run this again once it is delivered\n",
           stats.spooled);
  return 0;
}

int
gw_customer_command_run(const GwConfig *config, char **args)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ref = NULL;

  if (args[0] == NULL || args[1] == NULL || args[2] != NULL) {
    fputs(USAGE, stderr);
    return 2;
  }
  if (g_str_equal(args[0], "forget-ref"))
    return forget_ref(config, args[1]);
  if (!g_str_equal(args[0], "ref") && !g_str_equal(args[0], "forget")) {
    fputs(USAGE, stderr);
    return 2;
  }
  ref = pseudonym_of(config, args[1], &error);
  if (ref == NULL) {
    fprintf(stderr, "balie: %s\n", error->message);
    return 1;
  }
  if (g_str_equal(args[0], "ref")) {
    printf("%s\n", ref);
    return 0;
  }
  return forget_ref(config, ref);
}
