/* SPDX-License-Identifier: Apache-2.0 */
/* One contact's lifecycle: the one place where GwContactEvents leave signaling/. */
#include "signaling/contact.h"

#include <math.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "signaling/base64url.h"
#include "signaling/rating-token.h"
#include "signaling/signaling-log.h"

/* 16 bytes of HMAC are plenty to keep pseudonyms apart and short in the store. */
#define PSEUDONYM_BYTES 16

struct _GwContact {
  const GwContactSink *sink; /* not owned */
  char *id;
  char *journey;
  char *queue;
  char *node;
  char *customer_ref;
  char *room_id;
  char *advisor_ref;
  GBytes *rating_key; /* nullable */
  GwContactPhase phase;
  gint64 offered_us;
  gint64 answered_us;
  GHashTable *screens; /* peer id → ScreenShare (owned) */
};

typedef struct {
  gint64 start_us; /* wall clock */
  char *by;        /* role of the sharer */
} ScreenShare;

static void
screen_share_free(gpointer p)
{
  ScreenShare *share = p;

  g_free(share->by);
  g_free(share);
}

static const char *const event_names[] = {
    [GW_CONTACT_OFFERED] = "offered",
    [GW_CONTACT_ANSWERED] = "answered",
    [GW_CONTACT_ABANDONED] = "abandoned",
    [GW_CONTACT_ENDED] = "ended",
    [GW_CONTACT_FAILED] = "failed",
    [GW_CONTACT_REJOINED] = "rejoined",
    [GW_CONTACT_SCREEN_STARTED] = "screen-started",
    [GW_CONTACT_SCREEN_STOPPED] = "screen-stopped",
    [GW_CONTACT_QUALITY] = "quality",
    [GW_CONTACT_RATED] = "rated",
    [GW_CONTACT_WRAPPED_UP] = "wrapped-up",
};

GwContact *
gw_contact_new(const GwContactSink *sink, const GwContactInfo *info)
{
  GwContact *contact = g_new0(GwContact, 1);

  contact->sink = sink;
  contact->id = info->id != NULL ? g_strdup(info->id) : g_uuid_string_random();
  contact->journey = g_strdup(info->journey);
  contact->queue = g_strdup(info->queue);
  contact->node = g_strdup(info->node);
  contact->customer_ref = g_strdup(info->customer_ref);
  contact->room_id = g_strdup(info->room_id);
  contact->rating_key = info->rating_key != NULL ? g_bytes_ref(info->rating_key) : NULL;
  contact->phase = GW_CONTACT_PHASE_NEW;
  contact->screens = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, screen_share_free);
  return contact;
}

void
gw_contact_free(GwContact *contact)
{
  if (contact == NULL)
    return;
  g_hash_table_destroy(contact->screens);
  g_free(contact->id);
  g_free(contact->journey);
  g_free(contact->queue);
  g_free(contact->node);
  g_free(contact->customer_ref);
  g_free(contact->room_id);
  g_free(contact->advisor_ref);
  g_clear_pointer(&contact->rating_key, g_bytes_unref);
  g_free(contact);
}

gboolean
gw_contact_adopt_link(GwContact *contact, const GwContactInfo *info)
{
  if (contact->phase != GW_CONTACT_PHASE_NEW)
    return FALSE;
  if (info->id != NULL) {
    g_free(contact->id);
    contact->id = g_strdup(info->id);
  }
  g_free(contact->journey);
  contact->journey = g_strdup(info->journey);
  g_free(contact->queue);
  contact->queue = g_strdup(info->queue);
  g_free(contact->customer_ref);
  contact->customer_ref = g_strdup(info->customer_ref);
  return TRUE;
}

const char *
gw_contact_get_id(GwContact *contact)
{
  return contact->id;
}

const char *
gw_contact_get_journey(GwContact *contact)
{
  return contact->journey;
}

const char *
gw_contact_get_queue(GwContact *contact)
{
  return contact->queue;
}

GwContactPhase
gw_contact_get_phase(GwContact *contact)
{
  return contact->phase;
}

gboolean
gw_contact_was_answered(GwContact *contact)
{
  return contact->answered_us != 0;
}

gint64
gw_contact_get_offered_us(GwContact *contact)
{
  return contact->offered_us;
}

/* The store answers later; a failure there is the operator's business, not the call's. */
static void
on_recorded(const GError *error, gpointer user_data)
{
  char *what = user_data;

  if (error != NULL)
    gw_signaling_log(G_LOG_LEVEL_WARNING, NULL, NULL, "contact event %s not stored: %s", what,
                     error->message);
  g_free(what);
}

/* Fills what every event carries, logs it, and hands it to the sink. */
static void
emit(GwContact *contact, GwContactEvent *event)
{
  const char *name = event_names[event->type];

  event->contact_id = contact->id;
  event->time_us = g_get_real_time();
  event->channel = "video";
  event->journey = contact->journey;
  event->queue = contact->queue;
  event->node = contact->node;
  event->advisor_ref = contact->advisor_ref;
  event->customer_ref = contact->customer_ref;
  /* A quality sample comes every few seconds of a call: debug only. */
  gw_signaling_log(event->type == GW_CONTACT_QUALITY ? G_LOG_LEVEL_DEBUG : G_LOG_LEVEL_INFO,
                   contact->room_id, NULL,
                   "contact %s %s (journey %s, wait %" G_GINT64_FORMAT
                   " ms, handle %" G_GINT64_FORMAT " ms%s%s%s%s)",
                   contact->id, name, contact->journey != NULL ? contact->journey : "-",
                   event->wait_ms, event->handle_ms, event->reason != NULL ? ", reason " : "",
                   event->reason != NULL ? event->reason : "",
                   event->ended_by != NULL ? ", by " : "",
                   event->ended_by != NULL ? event->ended_by : "");
  if (contact->sink == NULL || contact->sink->record == NULL)
    return;
  contact->sink->record(contact->sink->sink_data, event, on_recorded,
                        g_strdup_printf("%s %s", contact->id, name));
}

static GwContactEvent
event_init(GwContactEventType type)
{
  return (GwContactEvent){
      .type = type, .wait_ms = -1, .handle_ms = -1, .nps = -1, .csat = -1, .ces = -1};
}

static gint64
ms_since(gint64 start_us)
{
  return MAX(0, (g_get_real_time() - start_us) / 1000);
}

gboolean
gw_contact_offer(GwContact *contact)
{
  if (contact->phase != GW_CONTACT_PHASE_NEW)
    return FALSE;
  GwContactEvent event = event_init(GW_CONTACT_OFFERED);

  contact->phase = GW_CONTACT_PHASE_OFFERED;
  contact->offered_us = g_get_real_time();
  emit(contact, &event);
  return TRUE;
}

gboolean
gw_contact_answer(GwContact *contact, const char *advisor_ref)
{
  if (contact->phase != GW_CONTACT_PHASE_OFFERED)
    return FALSE;
  GwContactEvent event = event_init(GW_CONTACT_ANSWERED);

  contact->phase = GW_CONTACT_PHASE_ANSWERED;
  contact->answered_us = g_get_real_time();
  g_free(contact->advisor_ref);
  contact->advisor_ref = g_strdup(advisor_ref);
  event.wait_ms = ms_since(contact->offered_us);
  emit(contact, &event);
  return TRUE;
}

gboolean
gw_contact_abandon(GwContact *contact)
{
  if (contact->phase != GW_CONTACT_PHASE_OFFERED)
    return FALSE;
  GwContactEvent event = event_init(GW_CONTACT_ABANDONED);

  contact->phase = GW_CONTACT_PHASE_FINISHED;
  event.wait_ms = ms_since(contact->offered_us);
  emit(contact, &event);
  return TRUE;
}

/* A share still running when the call ends is stopped with it. */
static void
stop_all_screens(GwContact *contact)
{
  g_autoptr(GList) peers = g_hash_table_get_keys(contact->screens);

  for (GList *l = peers; l != NULL; l = l->next) {
    g_autofree char *peer = g_strdup(l->data);
    gw_contact_screen(contact, peer, NULL, FALSE);
  }
}

gboolean
gw_contact_end(GwContact *contact, const char *reason, const char *ended_by)
{
  if (contact->phase != GW_CONTACT_PHASE_ANSWERED)
    return FALSE;
  GwContactEvent event = event_init(GW_CONTACT_ENDED);

  stop_all_screens(contact);
  contact->phase = GW_CONTACT_PHASE_FINISHED;
  event.handle_ms = ms_since(contact->answered_us);
  event.reason = reason;
  event.ended_by = ended_by;
  emit(contact, &event);
  return TRUE;
}

gboolean
gw_contact_fail(GwContact *contact, const char *reason)
{
  if (contact->phase != GW_CONTACT_PHASE_OFFERED && contact->phase != GW_CONTACT_PHASE_ANSWERED)
    return FALSE;
  GwContactEvent event = event_init(GW_CONTACT_FAILED);

  stop_all_screens(contact);
  contact->phase = GW_CONTACT_PHASE_FINISHED;
  event.reason = reason;
  emit(contact, &event);
  return TRUE;
}

gboolean
gw_contact_rejoin(GwContact *contact, const char *role)
{
  if (contact->phase != GW_CONTACT_PHASE_ANSWERED)
    return FALSE;
  GwContactEvent event = event_init(GW_CONTACT_REJOINED);
  g_autofree char *attrs = g_strdup_printf("{\"role\":\"%s\"}", role);

  event.attrs_json = attrs;
  emit(contact, &event);
  return TRUE;
}

gboolean
gw_contact_screen(GwContact *contact, const char *peer_id, const char *by, gboolean start)
{
  if (contact->phase != GW_CONTACT_PHASE_ANSWERED)
    return FALSE;
  ScreenShare *share = g_hash_table_lookup(contact->screens, peer_id);
  g_autofree char *attrs = NULL;

  if (start == (share != NULL))
    return FALSE;
  GwContactEvent event = event_init(start ? GW_CONTACT_SCREEN_STARTED : GW_CONTACT_SCREEN_STOPPED);
  if (start) {
    /* The role is kept so that a stop at the end of the call can still name it. */
    share = g_new0(ScreenShare, 1);
    share->start_us = g_get_real_time();
    share->by = g_strdup(by);
    g_hash_table_insert(contact->screens, g_strdup(peer_id), share);
    attrs = g_strdup_printf("{\"by\":\"%s\"}", by);
  } else {
    attrs = g_strdup_printf("{\"by\":\"%s\",\"ms\":%" G_GINT64_FORMAT "}", share->by,
                            ms_since(share->start_us));
    g_hash_table_remove(contact->screens, peer_id);
  }
  event.attrs_json = attrs;
  emit(contact, &event);
  return TRUE;
}

gboolean
gw_contact_quality(GwContact *contact, double rtt_ms, double loss_pct, double kbps)
{
  char rtt[G_ASCII_DTOSTR_BUF_SIZE], loss[G_ASCII_DTOSTR_BUF_SIZE], rate[G_ASCII_DTOSTR_BUF_SIZE];

  if (contact->phase != GW_CONTACT_PHASE_ANSWERED || !isfinite(rtt_ms) || !isfinite(loss_pct) ||
      !isfinite(kbps))
    return FALSE;
  GwContactEvent event = event_init(GW_CONTACT_QUALITY);
  /* Not printf's %f: the locale could make the decimal point a comma. */
  g_ascii_formatd(rtt, sizeof rtt, "%.1f", CLAMP(rtt_ms, 0, 60000));
  g_ascii_formatd(loss, sizeof loss, "%.2f", CLAMP(loss_pct, 0, 100));
  g_ascii_formatd(rate, sizeof rate, "%.0f", CLAMP(kbps, 0, 1000000));
  g_autofree char *attrs =
      g_strdup_printf("{\"rtt_ms\":%s,\"loss_pct\":%s,\"kbps\":%s}", rtt, loss, rate);
  event.attrs_json = attrs;
  emit(contact, &event);
  return TRUE;
}

void
gw_contact_close(GwContact *contact, const char *reason, const char *ended_by)
{
  if (contact->phase == GW_CONTACT_PHASE_ANSWERED)
    gw_contact_end(contact, reason, ended_by);
  else if (contact->phase == GW_CONTACT_PHASE_OFFERED)
    gw_contact_abandon(contact);
}

char *
gw_contact_rating_token(GwContact *contact)
{
  if (contact->rating_key == NULL || !gw_contact_was_answered(contact))
    return NULL;
  return gw_rating_token_issue(contact->rating_key, contact->id, contact->journey,
                               g_get_real_time() / G_USEC_PER_SEC);
}

char *
gw_contact_wrap_up_token(GwContact *contact, const char *advisor)
{
  if (contact->rating_key == NULL || advisor == NULL || !gw_contact_was_answered(contact))
    return NULL;
  return gw_wrap_up_token_issue(contact->rating_key, contact->id, contact->journey, advisor,
                                g_get_real_time() / G_USEC_PER_SEC);
}

char *
gw_contact_pseudonym(const guint8 *key, gsize key_length, const char *external_id)
{
  guint8 mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;

  HMAC(EVP_sha256(), key, (int)key_length, (const guint8 *)external_id, strlen(external_id), mac,
       &mac_length);
  return gw_base64url_encode(mac, PSEUDONYM_BYTES);
}
