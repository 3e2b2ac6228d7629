/* SPDX-License-Identifier: Apache-2.0 */
/* What a transport-wide feedback packet reports, collected through gw_twcc_parse()
 * (test-twcc, test-twcc-recv). Header-only: static functions for the tests that include it. */
#pragma once

#include <glib.h>

typedef struct {
  guint16 seq;
  gboolean received;
  gint64 arrival_us;
} Report;

/* A GwTwccPacketFn appending to the GArray of Report in @user_data. */
static void
collect(guint16 seq, gboolean received, gint64 arrival_us, gpointer user_data)
{
  GArray *reports = user_data;
  Report r = {seq, received, arrival_us};
  g_array_append_val(reports, r);
}
