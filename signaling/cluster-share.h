/* SPDX-License-Identifier: Apache-2.0 */
/* What nodes share when several run behind one load balancer: walk-in queue entries and
 * advisors' login sessions. An interface signaling/ calls; gateway/cluster.c keeps them in
 * PostgreSQL. Signaling never includes store code. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define GW_CLUSTER_ERROR (gw_cluster_error_quark())
GQuark gw_cluster_error_quark(void);

typedef enum {
  GW_CLUSTER_ERROR_EMPTY,         /* nobody waits (or not the chosen customer) */
  GW_CLUSTER_ERROR_NOT_AVAILABLE, /* the advisor's shared session is not "available" */
  GW_CLUSTER_ERROR_UNAVAILABLE,   /* the shared store or the customer's node does not answer */
} GwClusterError;

/* One customer waiting in a walk-in queue on some node (strings owned). */
typedef struct {
  char *room;
  char *queue;
  char *node;
  gint64 enqueued_us; /* the shared store's clock */
  gboolean accepted;  /* claimed by an advisor; its node has not told the customer yet */
} GwQueueRow;

void gw_queue_row_free(GwQueueRow *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GwQueueRow, gw_queue_row_free)

/*
 * @room: (nullable): the claimed customer's room; NULL with @error
 * @waited_s: how long they waited
 */
typedef void (*GwQueueClaimed)(const char *room, gint64 waited_s, const GError *error,
                               gpointer data);

typedef struct {
  /* A customer of this node starts waiting. */
  void (*put)(gpointer data, const char *room, const char *queue);
  /* A customer of this node stopped waiting: told they were taken, or (@left) gone. */
  void (*remove)(gpointer data, const char *room, gboolean left);
  /*
   * Claims the longest-waiting customer of @queue (or @chosen) for the advisor of
   * login session @session_id, atomically across nodes, and makes that session
   * busy. @done runs on the control thread once the customer's node has told the
   * customer (so the advisor's join finds the room ready), never inside this call.
   */
  void (*claim)(gpointer data, const char *queue, const char *chosen, const char *session_id,
                GwQueueClaimed done, gpointer done_data);
  gpointer data;
} GwQueueShare;

/* A login session as the shared store has it (strings owned). */
typedef struct {
  char *id; /* SHA-256 of the cookie value, hex: the cookie itself is never stored */
  char *csrf;
  char *account_id;
  char *account_name;
  char *role;
  char *availability;
  gint64 expires_in_us; /* from now */
  gboolean ended;       /* logged out */
} GwSessionRow;

void gw_session_row_free(GwSessionRow *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GwSessionRow, gw_session_row_free)

/* @row: (nullable): NULL when the store has no live session of that id (or is away) */
typedef void (*GwSessionFetched)(GwSessionRow *row, gpointer data);

typedef struct {
  /* Writes @row (insert or update); @done (nullable) runs once it is committed. */
  void (*save)(gpointer data, const GwSessionRow *row, GSourceFunc done, gpointer done_data);
  /* Looks a session up by @id (the hash); @done runs on the control thread, never inside. */
  void (*fetch)(gpointer data, const char *id, GwSessionFetched done, gpointer done_data);
  gpointer data;
} GwAuthShare;

G_END_DECLS
