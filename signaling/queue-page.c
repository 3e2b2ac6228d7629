/* SPDX-License-Identifier: Apache-2.0 */
/* GET /q/QUEUE: a waiting ticket and on to the device check and the waiting room, or a page saying when the desk
 * opens. */
#include "signaling/queue-page.h"

#include <openssl/rand.h>
#include <string.h>

#include "signaling/base64url.h"
#include "signaling/join-token.h"
#include "signaling/notice-page.h"

static const char *const days_nl[] = {"maandag", "dinsdag",  "woensdag", "donderdag",
                                      "vrijdag", "zaterdag", "zondag"};
static const char *const days_en[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                      "Friday", "Saturday", "Sunday"};

/* Only fixed text and text we made (a day, a date, a time) goes into the page. The page shows
 * web/strings.js's notice of the same name in the visitor's language; these are its no-script
 * fallback. */
static void
serve_page(SoupServerMessage *msg, guint status, const char *notice, const char *title_nl,
           const char *body_nl, const char *title_en, const char *body_en, const char *attributes)
{
  GwNotice page = {notice, title_nl, body_nl, title_en, body_en};

  gw_notice_page_serve(msg, status, &page, attributes);
}

static void
serve_closed(SoupServerMessage *msg, GwQueues *queues, GDateTime *now)
{
  g_autoptr(GDateTime) opens = gw_queues_next_opening(queues, now);
  g_autofree char *body_nl = NULL;
  g_autofree char *body_en = NULL;
  g_autofree char *attributes = NULL;

  if (opens == NULL) {
    body_nl = g_strdup("Er zijn op dit moment geen openingstijden bekend. Probeer het later nog "
                       "eens of neem op een andere manier contact met ons op.");
    body_en = g_strdup("No opening hours are known at the moment. Please try again later or "
                       "contact us another way.");
  } else {
    gint day = g_date_time_get_day_of_week(opens) - 1;
    g_autofree char *time = g_date_time_format(opens, "%H:%M");
    g_autofree char *date = g_date_time_format(opens, "%d-%m-%Y");
    body_nl = g_strdup_printf("De balie opent weer op %s %s om %s. Kom dan terug via deze "
                              "link, dan helpen we u graag.",
                              days_nl[day], date, time);
    body_en = g_strdup_printf("The desk opens again on %s %s at %s. Come back through this "
                              "link then and we will gladly help you.",
                              days_en[day], date, time);
    /* For notice.js, which words the day and the sentence in the visitor's language. */
    attributes = g_strdup_printf(" data-opens-day=\"%d\" data-opens-date=\"%s\" "
                                 "data-opens-time=\"%s\"",
                                 day + 1, date, time);
  }
  serve_page(msg, SOUP_STATUS_OK, "queue-closed", "De balie is nu gesloten", body_nl,
             "The desk is closed now", body_en, attributes);
}

void
gw_queue_page_serve(SoupServerMessage *msg, const char *path, GwConfig *config, GwQueues *queues,
                    GwAdmission *admission)
{
  const char *method = soup_server_message_get_method(msg);
  const char *name = path + strlen("/q/");
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  guint8 random[16];

  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow",
                                 "GET, HEAD");
    serve_page(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "link-method", "Deze link werkt niet zo",
               "Open de link gewoon in uw browser.", "This link does not work that way",
               "Just open the link in your browser.", NULL);
    return;
  }
  if (!gw_join_token_is_valid_id(name) || !gw_queues_has(queues, name)) {
    serve_page(msg, SOUP_STATUS_NOT_FOUND, "queue-unknown", "Deze wachtrij bestaat niet",
               "Controleer de link, of kijk op onze website hoe u ons kunt bereiken.",
               "This queue does not exist",
               "Check the link, or see our website for how to reach us.", NULL);
    return;
  }
  if (!gw_queues_is_open(queues, now)) {
    serve_closed(msg, queues, now);
    return;
  }
  RAND_bytes(random, sizeof random);
  g_autofree char *suffix = gw_base64url_encode(random, sizeof random);
  g_autofree char *contact_id = g_strconcat("q-", suffix, NULL);
  GwJoinToken token = {GW_JOIN_TOKEN_QUEUE, contact_id, (char *)name, NULL,
                       g_date_time_to_unix(now) + (gint64)config->invite_ttl_minutes * 60, NULL};
  gsize key_length = 0;
  const guint8 *key = g_bytes_get_data(gw_admission_get_key(admission), &key_length);
  g_autofree char *text = gw_join_token_sign(&token, key, key_length);
  /* All three are [A-Za-z0-9_.-] only: no escaping needed. */
  g_autofree char *location =
      g_strdup_printf("/check.html?next=queue&queue=%s&room=%s&token=%s", name, contact_id, text);
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Cache-Control",
                               "no-store");
  /* A relative Location: behind a proxy that terminates TLS the request's own URI is http://. */
  soup_server_message_set_status(msg, SOUP_STATUS_SEE_OTHER, NULL);
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Location", location);
}
