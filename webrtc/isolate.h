/* SPDX-License-Identifier: Apache-2.0 */
/* A pass-through element that keeps one viewer's errors from reaching the shared producer. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GW_TYPE_ISOLATE (gw_isolate_get_type())
G_DECLARE_FINAL_TYPE(GwIsolate, gw_isolate, GW, ISOLATE, GstElement)

/** gw_isolate_new: Returns: (transfer floating): a new isolation element. */
GstElement *gw_isolate_new(void);

/** gw_isolate_get_dropped: buffers dropped because downstream refused them. */
guint64 gw_isolate_get_dropped(GwIsolate *self);

G_END_DECLS
