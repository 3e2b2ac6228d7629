/* SPDX-License-Identifier: Apache-2.0 */
/* GET /q/QUEUE: a walk-in customer gets a waiting ticket (a signed queue link) and goes on to the
 * waiting room, or, outside opening hours, a page that says when the desk opens. */
#pragma once

#include <libsoup/soup.h>

#include "config/config.h"
#include "signaling/admission.h"
#include "signaling/queue.h"

G_BEGIN_DECLS

/**
 * gw_queue_page_serve:
 * @path: the request path, starting with "/q/"
 * Answers 303 to /queue.html?queue=QUEUE&room=q-…&token=TOKEN while the desk
 * is open (a fresh ticket per visit, valid config->invite_ttl_minutes);
 * otherwise a small HTML page (Dutch, English below): 200 "closed, opens at
 * …", 404 for an unknown queue, 405 for a method other than GET/HEAD.
 */
void gw_queue_page_serve(SoupServerMessage *msg, const char *path, GwConfig *config,
                         GwQueues *queues, GwAdmission *admission);

G_END_DECLS
