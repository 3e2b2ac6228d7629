/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTPS and WebSocket front door: static pages, /healthz and the /ws signaling endpoint. */
#pragma once

#include <glib.h>

#include "config/config.h"

G_BEGIN_DECLS

#define GW_SERVER_ERROR (gw_server_error_quark())
GQuark gw_server_error_quark(void);

typedef enum {
  GW_SERVER_ERROR_TLS,    /* certificate or key cannot be loaded */
  GW_SERVER_ERROR_LISTEN, /* the address or port cannot be bound */
} GwServerError;

typedef struct _GwServer GwServer;

/**
 * gw_server_new:
 * @config: (transfer none): a reference is kept
 *
 * Loads the TLS certificate (config->tls_cert_file / tls_key_file, which must
 * exist: see gw_tls_cert_ensure()), binds and starts listening on the
 * thread-default main context.
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
 * gw_server_free:
 * Closes every WebSocket (code 1001, going away), tears down every room, stops listening.
 */
void gw_server_free(GwServer *server);

G_END_DECLS
