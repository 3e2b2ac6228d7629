/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for signaling/tls-cert: generation, file modes, idempotence, and what GIO makes of it. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "signaling/tls-cert.h"

typedef struct {
  char *dir;
  char *cert;
  char *key;
} Fixture;

static void
fixture_set_up(Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp("balie-tls-XXXXXX", &error);
  g_assert_no_error(error);
  /* Nested folders that do not exist yet: ensure() creates them. */
  fixture->cert = g_build_filename(fixture->dir, "data", "tls", "cert.pem", NULL);
  fixture->key = g_build_filename(fixture->dir, "data", "tls", "key.pem", NULL);
}

static void
fixture_tear_down(Fixture *fixture, gconstpointer data)
{
  g_autofree char *tls = g_build_filename(fixture->dir, "data", "tls", NULL);
  g_autofree char *data_dir = g_build_filename(fixture->dir, "data", NULL);

  g_unlink(fixture->cert);
  g_unlink(fixture->key);
  g_rmdir(tls);
  g_rmdir(data_dir);
  g_rmdir(fixture->dir);
  g_free(fixture->cert);
  g_free(fixture->key);
  g_free(fixture->dir);
}

static void
test_generate(Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gboolean generated = FALSE;
  GStatBuf st;

  g_assert_true(gw_tls_cert_ensure(fixture->cert, fixture->key, &generated, &error));
  g_assert_no_error(error);
  g_assert_true(generated);
  g_assert_true(g_file_test(fixture->cert, G_FILE_TEST_IS_REGULAR));
  g_assert_true(g_file_test(fixture->key, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint(g_stat(fixture->key, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);

  /* GIO (the server's loader) accepts the pair, and the names are right. */
  g_autoptr(GTlsCertificate) cert =
      g_tls_certificate_new_from_files(fixture->cert, fixture->key, &error);
  g_assert_no_error(error);
  g_autoptr(GSocketConnectable) localhost = g_network_address_new("localhost", 443);
  g_autoptr(GInetAddress) v4 = g_inet_address_new_from_string("127.0.0.1");
  g_autoptr(GInetAddress) v6 = g_inet_address_new_from_string("::1");
  g_autoptr(GInetAddress) other = g_inet_address_new_from_string("10.0.0.1");
  g_assert_cmpint(g_tls_certificate_verify(cert, localhost, cert) & G_TLS_CERTIFICATE_BAD_IDENTITY,
                  ==, 0);
  g_autoptr(GSocketConnectable) v4_addr = G_SOCKET_CONNECTABLE(g_inet_socket_address_new(v4, 443));
  g_autoptr(GSocketConnectable) v6_addr = G_SOCKET_CONNECTABLE(g_inet_socket_address_new(v6, 443));
  g_autoptr(GSocketConnectable) other_addr =
      G_SOCKET_CONNECTABLE(g_inet_socket_address_new(other, 443));
  g_assert_cmpint(g_tls_certificate_verify(cert, v4_addr, cert) & G_TLS_CERTIFICATE_BAD_IDENTITY,
                  ==, 0);
  g_assert_cmpint(g_tls_certificate_verify(cert, v6_addr, cert) & G_TLS_CERTIFICATE_BAD_IDENTITY,
                  ==, 0);
  g_assert_cmpint(g_tls_certificate_verify(cert, other_addr, cert) & G_TLS_CERTIFICATE_BAD_IDENTITY,
                  !=, 0);

  /* Valid now, for about 825 days. */
  g_autoptr(GDateTime) not_before = NULL;
  g_autoptr(GDateTime) not_after = NULL;
  g_object_get(cert, "not-valid-before", &not_before, "not-valid-after", &not_after, NULL);
  if (not_before != NULL && not_after != NULL) {
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_assert_cmpint(g_date_time_compare(not_before, now), <=, 0);
    GTimeSpan span = g_date_time_difference(not_after, now);
    g_assert_cmpint(span / G_TIME_SPAN_DAY, >=, 824);
    g_assert_cmpint(span / G_TIME_SPAN_DAY, <=, 825);
  }
}

static void
test_idempotent(Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gboolean generated = TRUE;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  g_assert_true(gw_tls_cert_ensure(fixture->cert, fixture->key, NULL, &error));
  g_assert_no_error(error);
  g_assert_true(g_file_get_contents(fixture->cert, &first, NULL, NULL));

  g_assert_true(gw_tls_cert_ensure(fixture->cert, fixture->key, &generated, &error));
  g_assert_no_error(error);
  g_assert_false(generated);
  g_assert_true(g_file_get_contents(fixture->cert, &second, NULL, NULL));
  g_assert_cmpstr(first, ==, second);

  /* A missing key means a new pair. */
  g_assert_cmpint(g_unlink(fixture->key), ==, 0);
  g_assert_true(gw_tls_cert_ensure(fixture->cert, fixture->key, &generated, &error));
  g_assert_no_error(error);
  g_assert_true(generated);
  g_autofree char *third = NULL;
  g_assert_true(g_file_get_contents(fixture->cert, &third, NULL, NULL));
  g_assert_cmpstr(first, !=, third);
}

static void
test_unwritable(Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *blocker = g_build_filename(fixture->dir, "data", NULL);

  /* A file where a folder should be: the error says so, nothing crashes. */
  g_assert_true(g_file_set_contents(blocker, "x", 1, NULL));
  g_assert_false(gw_tls_cert_ensure(fixture->cert, fixture->key, NULL, &error));
  g_assert_nonnull(error);
  g_unlink(blocker);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add("/tls-cert/generate", Fixture, NULL, fixture_set_up, test_generate, fixture_tear_down);
  g_test_add("/tls-cert/idempotent", Fixture, NULL, fixture_set_up, test_idempotent,
             fixture_tear_down);
  g_test_add("/tls-cert/unwritable", Fixture, NULL, fixture_set_up, test_unwritable,
             fixture_tear_down);
  return g_test_run();
}
