/* SPDX-License-Identifier: Apache-2.0 */
/* The gateway's own small pages for links it cannot use, filled in by web/notice.js. */
#include "signaling/notice-page.h"

#include <string.h>

char *
gw_notice_page_build(const GwNotice *notice, const char *attributes)
{
  /* Absolute paths: the page is served at /j/TOKEN and /q/QUEUE. The script replaces <main>
   * with the texts of strings.js in the visitor's language; without it both languages show. */
  return g_strdup_printf(
      "<!doctype html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>%s – Balie</title>\n<link rel=\"icon\" href=\"data:,\">\n"
      "<link rel=\"stylesheet\" href=\"/style.css\">\n"
      "<link rel=\"stylesheet\" href=\"/brand.css\">\n"
      "<link rel=\"stylesheet\" href=\"/notice.css\">\n"
      "<script type=\"module\" src=\"/notice.js\"></script>\n</head>\n"
      "<body class=\"page\" data-notice=\"%s\"%s>\n"
      "<header class=\"topbar\">\n<div class=\"titlebar\">\n"
      "<div class=\"brand\"><img class=\"brand-logo\" alt=\"\" hidden>"
      "<span class=\"brand-name\"></span></div>\n"
      "<button type=\"button\" id=\"language\" class=\"language\" hidden></button>\n</div>\n"
      "</header>\n"
      "<main class=\"notice-main\">\n<h1>%s</h1>\n<p>%s</p>\n"
      "<section lang=\"en\">\n<h2>%s</h2>\n<p>%s</p>\n</section>\n</main>\n</body>\n</html>\n",
      notice->title_nl, notice->notice, attributes != NULL ? attributes : "", notice->title_nl,
      notice->body_nl, notice->title_en, notice->body_en);
}

void
gw_notice_page_serve(SoupServerMessage *msg, guint status, const GwNotice *notice,
                     const char *attributes)
{
  char *html = gw_notice_page_build(notice, attributes);
  gsize length = strlen(html);

  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Cache-Control",
                               "no-store");
  soup_server_message_set_status(msg, status, NULL);
  soup_server_message_set_response(msg, "text/html; charset=utf-8", SOUP_MEMORY_TAKE, html, length);
}
