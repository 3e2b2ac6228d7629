/* SPDX-License-Identifier: Apache-2.0 */
/* GET /j/TOKEN: a valid join link goes on to the device check, then the customer page; any other gets a page that says
 * what happened and what to do. */
#include "signaling/join-page.h"

#include <string.h>

#include "signaling/notice-page.h"

/* Nervous customers read these: say what happened and what to do, never a stack trace. Only
 * fixed text goes into the page, nothing from the request. The page shows web/strings.js's
 * notice of the same name in the visitor's language; these are its no-script fallback. */
typedef struct {
  guint status;
  GwNotice notice;
} Page;

static const Page page_invalid = {
    SOUP_STATUS_NOT_FOUND,
    {"link-invalid", "Deze link werkt niet",
     "De link is niet compleet of niet van ons. Kopieer de hele link uit de e-mail of sms "
     "opnieuw, of vraag uw adviseur om een nieuwe link.",
     "This link does not work",
     "The link is incomplete or was not issued by us. Copy the whole link from the e-mail or text "
     "message again, or ask your advisor for a new link."},
};

static const Page page_expired = {
    SOUP_STATUS_GONE,
    {"link-expired", "Deze link is verlopen",
     "Links voor een videogesprek zijn een beperkte tijd geldig. Vraag uw adviseur om een nieuwe "
     "link, of maak een nieuwe afspraak.",
     "This link has expired",
     "Video call links are valid for a limited time. Ask your advisor for a new link, or make a "
     "new appointment."},
};

static const Page page_revoked = {
    SOUP_STATUS_GONE,
    {"link-revoked", "Deze afspraak is geannuleerd",
     "Uw adviseur heeft deze uitnodiging ingetrokken. Neem contact met ons op als u toch een "
     "gesprek wilt.",
     "This appointment was cancelled",
     "Your advisor withdrew this invitation. Please contact us if you would still like to talk."},
};

static const Page page_finished = {
    SOUP_STATUS_GONE,
    {"link-finished", "Dit gesprek is afgelopen",
     "Het videogesprek bij deze link heeft al plaatsgevonden. Heeft u nog een vraag? Neem contact "
     "met ons op of maak een nieuwe afspraak.",
     "This call is over",
     "The video call for this link has already taken place. Still have a question? Contact us or "
     "make a new appointment."},
};

static const Page page_method = {
    SOUP_STATUS_METHOD_NOT_ALLOWED,
    {"link-method", "Deze link werkt niet zo", "Open de link gewoon in uw browser.",
     "This link does not work that way", "Just open the link in your browser."},
};

static void
serve_page(SoupServerMessage *msg, const Page *page)
{
  gw_notice_page_serve(msg, page->status, &page->notice, NULL);
}

void
gw_join_page_serve(SoupServerMessage *msg, const char *path, GwAdmission *admission)
{
  const char *method = soup_server_message_get_method(msg);
  const char *text = path + strlen("/j/");
  g_autoptr(GwJoinToken) token = NULL;

  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow",
                                 "GET, HEAD");
    serve_page(msg, &page_method);
    return;
  }
  switch (gw_admission_check(admission, text, g_get_real_time() / G_USEC_PER_SEC, &token)) {
  case GW_ADMISSION_OK:
  case GW_ADMISSION_OK_AGAIN:
    break;
  case GW_ADMISSION_INVALID:
    serve_page(msg, &page_invalid);
    return;
  case GW_ADMISSION_EXPIRED:
    serve_page(msg, &page_expired);
    return;
  case GW_ADMISSION_REVOKED:
    serve_page(msg, &page_revoked);
    return;
  case GW_ADMISSION_FINISHED:
    serve_page(msg, &page_finished);
    return;
  }
  /* Both are [A-Za-z0-9_.-] only (checked by the token parser): no escaping needed. */
  g_autofree char *location =
      g_strdup_printf("/check.html?room=%s&token=%s", token->contact_id, text);
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Cache-Control",
                               "no-store");
  /* A relative Location: behind a proxy that terminates TLS the request's own URI is http://. */
  soup_server_message_set_status(msg, SOUP_STATUS_SEE_OTHER, NULL);
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Location", location);
}
