/* SPDX-License-Identifier: Apache-2.0 */
/* Where a contact's lifecycle events leave signaling/: a small interface gateway/ implements. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * One contact is one customer's attempt to talk to the organisation over
 * video: offered when the customer is in the waiting room (or opens an
 * invite), answered when an advisor takes it, then ended, abandoned or
 * failed; rated afterwards. Signaling emits these at one place; the store
 * (gateway/) writes them. Signaling never includes store code.
 */
typedef enum {
  GW_CONTACT_OFFERED,        /* customer waiting (attrs: none) */
  GW_CONTACT_ANSWERED,       /* advisor accepted (wait_ms set) */
  GW_CONTACT_ABANDONED,      /* customer left before an answer (wait_ms set) */
  GW_CONTACT_ENDED,          /* call over (handle_ms, reason, ended_by set) */
  GW_CONTACT_FAILED,         /* never came up or broke (reason set) */
  GW_CONTACT_REJOINED,       /* a participant came back within the grace period */
  GW_CONTACT_SCREEN_STARTED, /* attrs: {"by": "customer"|"advisor"} */
  GW_CONTACT_SCREEN_STOPPED, /* attrs: {"by": ..., "ms": duration} */
  GW_CONTACT_QUALITY,        /* attrs: {"rtt_ms", "loss_pct", "kbps", "width", "height", "freezes"} */
  GW_CONTACT_RATED,          /* rating fields set; comment optional */
  GW_CONTACT_WRAPPED_UP,     /* the advisor's wrap-up: attrs {"outcome": ...}; journey as they set it */
} GwContactEventType;

/* All strings are borrowed for the duration of the call; NULL when unknown. */
typedef struct {
  GwContactEventType type;
  const char *contact_id; /* opaque, unique per contact */
  gint64 time_us;         /* wall clock, g_get_real_time() */
  const char *channel;    /* "video" */
  const char *journey;    /* e.g. "hypotheek" */
  const char *queue;
  const char *node;        /* which Balie node */
  const char *advisor_ref; /* advisor account id, never a name */
  const char *customer_ref; /* a pseudonym (keyed HMAC), never the raw external id */
  const char *reason;       /* ENDED/FAILED: "hangup", "disconnected", "capacity", ... */
  const char *ended_by;     /* ENDED: "customer", "advisor", "system" */
  gint64 wait_ms;           /* ANSWERED/ABANDONED; -1 when not applicable */
  gint64 handle_ms;         /* ENDED; -1 when not applicable */
  const char *attrs_json;   /* small JSON object with type-specific extras, or NULL */
  /* RATED: -1 for a question the customer skipped */
  gint nps;                 /* 0..10 */
  gint csat;                /* 1..5 */
  gint ces;                 /* 1..7 */
  const char *comment;      /* optional free text, length-capped by signaling */
} GwContactEvent;

/*
 * Called when the event is durably stored (or durably queued for a store
 * that is away), or with @error when it could not be. Runs on the control
 * thread, never from inside record().
 */
typedef void (*GwContactRecorded)(const GError *error, gpointer user_data);

typedef struct {
  /* Runs on the control thread and must not block on the network. @done may be NULL. */
  void (*record)(gpointer sink_data, const GwContactEvent *event, GwContactRecorded done,
                 gpointer done_data);
  gpointer sink_data;
} GwContactSink;

G_END_DECLS
