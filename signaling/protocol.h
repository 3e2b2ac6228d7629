/* SPDX-License-Identifier: Apache-2.0 */
/* The signaling protocol of docs/protocol.md: parsing browser messages and building gateway ones,
 * without any I/O. */
#pragma once

#include <glib.h>

#include "config/config.h"
#include "signaling/turn-credentials.h"
#include "webrtc/media-room.h"

G_BEGIN_DECLS

#define GW_PROTOCOL_ERROR (gw_protocol_error_quark())
GQuark gw_protocol_error_quark(void);

/* The error codes of docs/protocol.md, in its order; the wire names come from
 * gw_protocol_error_to_string(). */
typedef enum {
  GW_PROTOCOL_ERROR_BAD_JSON,
  GW_PROTOCOL_ERROR_TOO_LARGE,
  GW_PROTOCOL_ERROR_UNKNOWN_TYPE,
  GW_PROTOCOL_ERROR_BAD_FIELD,
  GW_PROTOCOL_ERROR_WRONG_STATE,
  GW_PROTOCOL_ERROR_UNSUPPORTED_VERSION,
  GW_PROTOCOL_ERROR_ROOM_FULL,
  GW_PROTOCOL_ERROR_CAPACITY,
  GW_PROTOCOL_ERROR_LIMIT,
  GW_PROTOCOL_ERROR_BAD_SDP,
  GW_PROTOCOL_ERROR_INTERNAL,
  GW_PROTOCOL_ERROR_BAD_TOKEN,      /* a join link that is not ours (malformed or forged) */
  GW_PROTOCOL_ERROR_TOKEN_EXPIRED,  /* a genuine join link past its expiry */
  GW_PROTOCOL_ERROR_CONTACT_CLOSED, /* the link's call is over, or the invite was revoked */
  GW_PROTOCOL_ERROR_UNAUTHORIZED,   /* an advisor action without a logged-in account */
  GW_PROTOCOL_ERROR_CODEC,          /* the browser cannot do the room's video codec */
} GwProtocolError;

/* The only protocol version this gateway speaks. */
#define GW_PROTOCOL_VERSION 1

/* Fixed limits that have no config key (docs/protocol.md, "Limits"). */
#define GW_PROTOCOL_MAX_ROOM_ID 64
#define GW_PROTOCOL_MAX_CANDIDATE 1024
/* A join link's token (signaling/join-token.h, GW_JOIN_TOKEN_MAX_LENGTH). */
#define GW_PROTOCOL_MAX_TOKEN 1024
/* JSON nesting deeper than this is refused before json-glib recurses into it. */
#define GW_PROTOCOL_MAX_DEPTH 16
/* A join's `video` list: at most this many entries of at most 32 bytes each. */
#define GW_PROTOCOL_MAX_CODECS 16

typedef enum {
  GW_MESSAGE_JOIN,
  GW_MESSAGE_ANSWER,
  GW_MESSAGE_ICE,
  GW_MESSAGE_SCREEN,
  GW_MESSAGE_MUTE,
  GW_MESSAGE_CHAT,
  GW_MESSAGE_HANGUP,
  GW_MESSAGE_POINTER,
} GwMessageType;

typedef enum {
  GW_ROLE_CUSTOMER,
  GW_ROLE_ADVISOR,
  GW_ROLE_GUEST, /* never sent by a browser: a customer page with a guest link (see "Guests") */
} GwRole;

/* One validated browser → gateway message. Strings are owned by the message and
 * are valid UTF-8; only the member matching @type is set. */
typedef struct {
  GwMessageType type;
  union {
    struct {
      char *room; /* 1..64 of [A-Za-z0-9_-] */
      GwRole role;
      char *name; /* trimmed, without control characters; "" when absent */
      char *token; /* nullable: 1..1024 of [A-Za-z0-9_.-], not yet verified */
      /* The video codecs the browser can send and receive, lowercase, in its
       * order of preference; only names this gateway knows ("vp8", "h264"),
       * no repeats; NULL when the browser sent no list (VP8 is assumed). */
      char **video_codecs;
      /* nullable: 16..64 of [A-Za-z0-9_-], a secret the page keeps for this
       * call (sessionStorage) so a reload or reconnect replaces its old session */
      char *resume;
    } join;
    struct {
      char *sdp; /* non-empty, at most config->max_sdp_length bytes */
    } answer;
    struct {
      guint mline;
      char *candidate; /* "" means end of candidates */
    } ice;
    struct {
      gboolean start;
    } screen;
    struct {
      gboolean audio;
      gboolean video;
    } mute;
    struct {
      char *text; /* trimmed, 1..config->chat_max_length characters */
    } chat;
    struct {
      char *screen;  /* the sharer's peer id: 1..64 of [A-Za-z0-9_-] */
      gboolean show; /* FALSE: take the pointer away (x and y are 0) */
      double x;      /* 0..1, fractions of the shared picture from its top left */
      double y;
    } pointer;
  };
} GwMessage;

/**
 * gw_message_parse:
 * @config: (transfer none): the limits to apply
 * @data: (array length=length): one WebSocket text frame, not NUL-terminated
 * @ref: (out) (optional) (transfer full) (nullable): the message's `type` when it could be
 *   read, for the `ref` of an error reply (also set on failure); NULL otherwise
 *
 * Parses and validates one browser → gateway message. Pure: does no I/O.
 * Returns: (transfer full) (nullable): the message, or NULL with @error in
 * GW_PROTOCOL_ERROR carrying the code to send back and a human message.
 */
GwMessage *gw_message_parse(const GwConfig *config, const char *data, gsize length, char **ref,
                            GError **error);

/** gw_message_free: frees @message and its strings; NULL is ignored. */
void gw_message_free(GwMessage *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GwMessage, gw_message_free)

/** gw_message_type_to_string: the wire name of @type, e.g. "join". (transfer none) */
const char *gw_message_type_to_string(GwMessageType type);

/** gw_role_to_string: "customer" or "advisor". (transfer none) */
const char *gw_role_to_string(GwRole role);

/** gw_protocol_error_to_string: the wire name of @code, e.g. "bad-json". (transfer none) */
const char *gw_protocol_error_to_string(GwProtocolError code);

/* A participant as listed in `welcome`. */
typedef struct {
  const char *peer;
  GwRole role;
  const char *name;
} GwParticipantInfo;

/*
 * Builders for every gateway → browser message. Each returns a newly allocated
 * compact JSON object (transfer full), ready to send as one text frame.
 */

/* @turn: (nullable): the TURN server and credentials for the browser (`ice_servers`) */
char *gw_protocol_build_welcome(const char *peer, const char *room, GwRole role,
                                const GwParticipantInfo *participants, guint n_participants,
                                const GwTurnCredentials *turn);
char *gw_protocol_build_offer(const char *sdp, const GwTrackInfo *tracks, guint n_tracks);
char *gw_protocol_build_ice(guint mline, const char *candidate);
char *gw_protocol_build_participant_joined(const char *peer, GwRole role, const char *name);
/* @grace_s: with reason "disconnected", how long the room waits for them to come back */
char *gw_protocol_build_participant_left(const char *peer, const char *reason, guint grace_s);
char *gw_protocol_build_screen(const char *peer, gboolean start);
char *gw_protocol_build_mute(const char *peer, gboolean audio, gboolean video);
char *gw_protocol_build_chat(const char *peer, const char *name, const char *text, gint64 ts_ms);
/* @show: FALSE takes the pointer away (no x and y in the object) */
char *gw_protocol_build_pointer(const char *peer, const char *screen, gboolean show, double x,
                                double y);
char *gw_protocol_build_media(GwMediaPeerState state);
/* @rating: (nullable): the customer's rating token (signaling/rating-token.h) */
/* @rating: (nullable) the customer's rating token; @wrap_up: (nullable) the advisor's wrap-up token */
char *gw_protocol_build_ended(const char *reason, const char *by, const char *rating,
                              const char *wrap_up);
/* @ref: (nullable): omitted from the object when NULL */
char *gw_protocol_build_error(GwProtocolError code, const char *message, const char *ref);

G_END_DECLS
