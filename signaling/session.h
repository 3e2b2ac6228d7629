/* SPDX-License-Identifier: Apache-2.0 */
/* One browser's WebSocket: the per-connection state machine of docs/protocol.md (new → joined →
 * closed). */
#pragma once

#include <glib.h>
#include <libsoup/soup.h>

#include "config/config.h"
#include "signaling/protocol.h"

G_BEGIN_DECLS

typedef struct _GwSession GwSession;
typedef struct _GwRoomDirectory GwRoomDirectory;
typedef struct _GwAdmission GwAdmission;
typedef struct _GwQueues GwQueues;

typedef enum {
  GW_SESSION_NEW,
  GW_SESSION_WAITING, /* a walk-in customer in a queue, not in its room yet */
  GW_SESSION_JOINED,
  GW_SESSION_CLOSED,
} GwSessionState;

/* Called once, on the control thread, when the socket has closed and the session has left its
 * room. The callee may free @session from inside the callback. */
typedef void (*GwSessionClosedFunc)(GwSession *session, gpointer user_data);

/**
 * gw_session_new:
 * @config: (transfer none): a reference is kept
 * @directory: (transfer none): must outlive the session
 * @admission: (transfer none): checks join links; must outlive the session
 * @queues: (transfer none): where walk-in customers wait; must outlive the session
 * @connection: (transfer none): a reference is kept; its signals drive the session
 * @peer_id: (transfer none): a unique id for this connection, copied
 * @closed_func: told when the socket has closed
 *
 * Returns: (transfer full): a session in state GW_SESSION_NEW
 */
GwSession *gw_session_new(GwConfig *config, GwRoomDirectory *directory, GwAdmission *admission,
                          GwQueues *queues, SoupWebsocketConnection *connection, const char *peer_id,
                          GwSessionClosedFunc closed_func, gpointer user_data);

/**
 * gw_session_free:
 * Disconnects from the socket's signals and drops the socket. The session must
 * not be in a room (it is not once closed, or after gw_session_end()).
 */
void gw_session_free(GwSession *session);

/** gw_session_get_peer_id: (transfer none) */
const char *gw_session_get_peer_id(GwSession *session);
/** gw_session_get_room_id: (transfer none) (nullable): the room joined, NULL otherwise */
const char *gw_session_get_room_id(GwSession *session);
GwSessionState gw_session_get_state(GwSession *session);
GwRole gw_session_get_role(GwSession *session);
/** gw_session_get_name: (transfer none): "" when the browser gave none */
const char *gw_session_get_name(GwSession *session);

/** gw_session_get_video_codecs: (transfer none) (nullable): from `join`, see GwMessage */
const char *const *gw_session_get_video_codecs(GwSession *session);

/** gw_session_get_resume: (transfer none) (nullable): the `resume` secret from `join` */
const char *gw_session_get_resume(GwSession *session);

/** gw_session_is_sharing: whether its screen share runs (`screen start`, no `stop` since) */
gboolean gw_session_is_sharing(GwSession *session);

/* `pointer` messages a session may send (docs/protocol.md, "Pointer"): a click or a key
 * press each, so a burst of a few and then this many a second. */
#define GW_SESSION_POINTERS_PER_SECOND 5
#define GW_SESSION_POINTERS_BURST 10

/* Close code for a session whose page came back on a new connection. */
#define GW_SESSION_CLOSE_REPLACED 4001

/**
 * gw_session_supersede:
 * The same page joined again on a new connection: takes this session out of
 * its room (the others see `participant-left`, reason "reconnecting") and
 * closes its socket. Does nothing unless it is in a room.
 */
void gw_session_supersede(GwSession *session);

/**
 * gw_session_get_account_id: (transfer none) (nullable): the advisor account
 * behind this connection, NULL when none logged in
 */
const char *gw_session_get_account_id(GwSession *session);

/** gw_session_set_account_id: the advisor account logged in on this connection (copied). */
void gw_session_set_account_id(GwSession *session, const char *account_id);

/**
 * gw_session_hold:
 * Keeps the text frames that arrive from now on until gw_session_release(),
 * which handles them in order: while the login session of the connection is
 * looked up on another node's behalf (shared sessions).
 */
void gw_session_hold(GwSession *session);
void gw_session_release(GwSession *session);

/**
 * gw_session_send:
 * Sends one JSON text frame if the socket is still open; otherwise drops it.
 */
void gw_session_send(GwSession *session, const char *json);

/**
 * gw_session_end:
 * Moves the session to GW_SESSION_CLOSED without leaving its room (the caller
 * tears the room down) and closes the socket with @code. The closed callback
 * still runs later, when the socket is gone.
 */
void gw_session_end(GwSession *session, gushort code, const char *reason);

G_END_DECLS
