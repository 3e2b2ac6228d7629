/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTPS and WebSocket front door: static pages, /healthz and the /ws signaling endpoint. */
#pragma once

#include <glib.h>

#include <libsoup/soup.h>

#include <json-glib/json-glib.h>

#include "config/config.h"
#include "signaling/audit-log.h"
#include "signaling/auth.h"
#include "signaling/contact-sink.h"
#include "signaling/queue.h"

G_BEGIN_DECLS

#define GW_SERVER_ERROR (gw_server_error_quark())
GQuark gw_server_error_quark(void);

typedef enum {
  GW_SERVER_ERROR_TLS,    /* certificate or key cannot be loaded */
  GW_SERVER_ERROR_LISTEN, /* the address or port cannot be bound */
  GW_SERVER_ERROR_SECRET, /* the join-link key or the accounts database cannot be opened */
} GwServerError;

typedef struct _GwServer GwServer;

/**
 * gw_server_new:
 * @config: (transfer none): a reference is kept
 *
 * Loads the TLS certificate (config->tls_cert_file / tls_key_file, which must
 * exist: see gw_tls_cert_ensure()) and the join-link key (config->token_key_file,
 * else DATA_DIR/secrets/token.key, generated on first start), binds and starts
 * listening on the thread-default main context.
 * Returns: (transfer full) (nullable)
 */
GwServer *gw_server_new(GwConfig *config, GError **error);

/** gw_server_get_port: the bound port (useful with port = 0). */
guint gw_server_get_port(GwServer *server);

/** gw_server_get_room_count: rooms currently open. */
guint gw_server_get_room_count(GwServer *server);

/** gw_server_get_participant_count: participants across all rooms. */
guint gw_server_get_participant_count(GwServer *server);

/**
 * gw_server_get_rating_key:
 * Returns: (transfer none): the key rating tokens are signed with (signaling/rating-token.h)
 */
GBytes *gw_server_get_rating_key(GwServer *server);

/**
 * gw_server_get_audit:
 * Returns: (transfer none): the audit log (signaling/audit-log.h), for
 * handlers mounted by gateway/ that record who read what
 */
GwAuditLog *gw_server_get_audit(GwServer *server);

/**
 * gw_server_get_login_session:
 * Returns: (transfer none) (nullable): the advisor/supervisor login session
 * named by @msg's cookie (docs/api.md), for handlers mounted by gateway/
 */
GwLoginSession *gw_server_get_login_session(GwServer *server, SoupServerMessage *msg);

/** gw_server_get_auth: Returns: (transfer none): the login sessions (to share them between nodes) */
GwAuth *gw_server_get_auth(GwServer *server);

/** gw_server_get_queues: Returns: (transfer none): the walk-in queues (to share them between nodes) */
GwQueues *gw_server_get_queues(GwServer *server);

/**
 * gw_server_build_queue_list:
 * Adds one object per walk-in queue to @builder's open array, as GET
 * /api/v1/queues does (name, open, waiting: [...]).
 */
void gw_server_build_queue_list(GwServer *server, JsonBuilder *builder);

/**
 * gw_server_add_handler:
 * Mounts @callback at @path (a prefix, as soup_server_add_handler()) so other
 * modules (gateway/: /metrics, /api/v1/insights, ...) serve from the same
 * server without signaling knowing them. The security headers every page
 * gets are added before @callback runs.
 * @destroy: (nullable): frees @user_data when the server goes
 */
void gw_server_add_handler(GwServer *server, const char *path, SoupServerCallback callback,
                           gpointer user_data, GDestroyNotify destroy);

/**
 * gw_server_set_contact_sink:
 * Where contact lifecycle events go (the store). @sink is copied; its
 * sink_data must outlive the server. Without one, events are only logged.
 */
void gw_server_set_contact_sink(GwServer *server, const GwContactSink *sink);

/**
 * gw_server_get_contact_sink:
 * Returns: (transfer none): the sink set, or one whose record is NULL.
 */
const GwContactSink *gw_server_get_contact_sink(GwServer *server);

/**
 * gw_server_set_draining:
 * While @draining, new WebSocket connections get a `capacity` error ("this
 * gateway is shutting down") and are closed with code 1001; rooms and
 * connections already open go on. Used by gateway/ on SIGTERM.
 */
void gw_server_set_draining(GwServer *server, gboolean draining);

/**
 * gw_server_reload_tls:
 * Loads config->tls_cert_file and tls_key_file again (a renewed certificate)
 * for connections accepted from now on. On failure the old certificate stays.
 * Does nothing when TLS is off.
 */
gboolean gw_server_reload_tls(GwServer *server, GError **error);

/**
 * gw_server_free:
 * Closes every WebSocket (code 1001, going away), tears down every room, stops listening.
 */
void gw_server_free(GwServer *server);

G_END_DECLS
