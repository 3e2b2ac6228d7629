/* SPDX-License-Identifier: Apache-2.0 */
/* /vendor/uplot/: the chart library from npm (node_modules, or its installed copy), never a CDN. */
#pragma once

#include "signaling/server.h"

G_BEGIN_DECLS

/**
 * gw_vendor_files_dir:
 * Returns: (transfer full) (nullable): the folder holding uPlot.esm.js and
 * uPlot.min.css: the source tree's node_modules/uplot/dist, else the copy
 * `cmake --install` put in DATADIR/balie/vendor/uplot; NULL when neither exists
 */
char *gw_vendor_files_dir(void);

/** gw_vendor_files_mount: serves those two files (and nothing else) at /vendor/uplot/. */
void gw_vendor_files_mount(GwServer *server);

G_END_DECLS
