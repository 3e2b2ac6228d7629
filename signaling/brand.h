/* SPDX-License-Identifier: Apache-2.0 */
/* The organisation's look from the config's [brand] group: /brand.css, /brand.json and
 * /brand/logo, read by every page. */
#pragma once

#include <libsoup/soup.h>

#include "config/config.h"

G_BEGIN_DECLS

/* A logo larger than this is refused (logged, 404): it is shown at 40 px high. */
#define GW_BRAND_MAX_LOGO (512 * 1024)
/* The accent colour when the config names none. */
#define GW_BRAND_DEFAULT_ACCENT "#0b5cad"

/**
 * gw_brand_build_css:
 * Returns: (transfer full): the custom properties for @config's brand, e.g.
 * ":root { --accent: #0b5cad; }"
 */
char *gw_brand_build_css(const GwConfig *config);

/**
 * gw_brand_build_json:
 * @has_logo: whether /brand/logo serves a file
 * Returns: (transfer full): {"name": ..., "logo": "/brand/logo" | null, "accent": ...}
 */
char *gw_brand_build_json(const GwConfig *config, gboolean has_logo);

/**
 * gw_brand_serve:
 * @path: "/brand.css", "/brand.json" or "/brand/logo"; anything else gets 404
 * Answers GET and HEAD for the brand files (405 otherwise).
 */
void gw_brand_serve(SoupServerMessage *msg, const char *path, const GwConfig *config);

G_END_DECLS
