/* SPDX-License-Identifier: Apache-2.0 */
/* A GStreamer webrtcbin as the tests' browser (test-forward, test-transport): ICE on
 * loopback only. Header-only: a static function for the tests that include it. */
#pragma once

#include <gst/gst.h>

/* Host candidates on 127.0.0.1 only, and no UPnP router discovery. */
static void
gw_test_client_loopback_only(GstElement *webrtc)
{
  GstObject *ice = NULL;
  g_object_get(webrtc, "ice-agent", &ice, NULL);
  gboolean ok;
  g_signal_emit_by_name(ice, "add-local-ip-address", "127.0.0.1", &ok);
  GObject *agent = NULL;
  g_object_get(ice, "agent", &agent, NULL);
  g_object_set(agent, "upnp", FALSE, NULL);
  g_object_unref(agent);
  gst_object_unref(ice);
}
