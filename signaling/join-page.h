/* SPDX-License-Identifier: Apache-2.0 */
/* GET /j/TOKEN: a valid join link goes on to the customer page; any other gets a page that says
 * what happened and what to do. */
#pragma once

#include <libsoup/soup.h>

#include "signaling/admission.h"

G_BEGIN_DECLS

/**
 * gw_join_page_serve:
 * @path: the request path, starting with "/j/"
 * Answers 303 to /customer.html?room=CONTACT&token=TOKEN for a usable link;
 * otherwise a small HTML page (Dutch, with English below) with status 404
 * (not ours), 410 (expired, revoked, over) or 405.
 */
void gw_join_page_serve(SoupServerMessage *msg, const char *path, GwAdmission *admission);

G_END_DECLS
