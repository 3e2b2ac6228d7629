/* SPDX-License-Identifier: Apache-2.0 */
/* The small pages the gateway answers itself when a join or queue link cannot be used: a shell
 * that web/notice.js fills in the visitor's language (web/strings.js, "notice"), with the
 * organisation's brand and a language button, and both languages written in for a browser
 * without scripts. */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* One page: its key in strings.notice and the texts of the no-script fallback. Fixed text only. */
typedef struct {
  const char *notice; /* [a-z-] only, e.g. "link-expired" */
  const char *title_nl;
  const char *body_nl;
  const char *title_en;
  const char *body_en;
} GwNotice;

/**
 * gw_notice_page_build:
 * @attributes: (nullable): extra attributes for <body>, each as ` data-NAME="VALUE"`, made by
 *   the caller from text it made itself (nothing from the request)
 * Returns: (transfer full): the page's HTML
 */
char *gw_notice_page_build(const GwNotice *notice, const char *attributes);

/**
 * gw_notice_page_serve:
 * Answers @status with the page (text/html, Cache-Control: no-store).
 */
void gw_notice_page_serve(SoupServerMessage *msg, guint status, const GwNotice *notice,
                          const char *attributes);

G_END_DECLS
