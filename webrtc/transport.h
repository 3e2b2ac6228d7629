/* SPDX-License-Identifier: Apache-2.0 */
/* One participant's transport without webrtcbin: ICE (libnice, one BUNDLE stream with
 * rtcp-mux, so one component), DTLS-SRTP (dtls.c) and SRTP/SRTCP (srtp.c) (transport.c).
 * RTP and RTCP come out decrypted and go in plain; what lies above (RTP sessions,
 * forwarding) is the caller's. */
#pragma once

#include <glib.h>

#include "webrtc/dtls.h"

G_BEGIN_DECLS

typedef enum {
  GW_TRANSPORT_NEW,        /* waiting for the remote description */
  GW_TRANSPORT_CONNECTING, /* ICE checks, then the DTLS handshake */
  GW_TRANSPORT_CONNECTED,  /* SRTP keys in place: media flows both ways */
  GW_TRANSPORT_FAILED,     /* ICE failed, or DTLS did (why in the log line) */
  GW_TRANSPORT_CLOSED,     /* the peer closed DTLS, or gw_transport_close() */
} GwTransportState;

/*
 * Every callback runs on the transport's context (gw_transport_new). libnice emits some
 * from inside a call: candidate from gw_transport_gather(), state from
 * gw_transport_set_remote(), gw_transport_add_remote_candidate() and gw_transport_close().
 * A packet handed to rtp or rtcp is decrypted in place and the callee may change it; it is
 * valid only during the call.
 */
typedef struct {
  void (*rtp)(gpointer user_data, guint8 *pkt, gsize len);
  void (*rtcp)(gpointer user_data, guint8 *pkt, gsize len);
  void (*state)(gpointer user_data, GwTransportState state);
  /* a local candidate as an SDP attribute value ("candidate:..."); NULL: gathering done */
  void (*candidate)(gpointer user_data, const char *candidate);
} GwTransportCallbacks;

typedef struct {
  GMainContext *context;              /* (transfer none) where libnice runs and callbacks run */
  GwDtlsCert *cert;                   /* (transfer none) a reference is kept */
  const char *const *local_addresses; /* (nullable) host candidates only on these */
  guint port_min, port_max;           /* 0, 0: any UDP port */
  gboolean controlling;               /* the offerer is the controlling ICE agent */
  const char *log_prefix;             /* "room=... peer=..." on every log line */
} GwTransportSettings;

typedef struct _GwTransport GwTransport;

/**
 * gw_transport_new:
 * An ICE agent with one stream, gathering nothing yet. Call on @settings->context's
 * thread, like every other gw_transport_* function.
 * Returns: (transfer full) (nullable): the transport, or NULL with @error set.
 */
GwTransport *gw_transport_new(const GwTransportSettings *settings,
                              const GwTransportCallbacks *callbacks, gpointer user_data,
                              GError **error);

/**
 * gw_transport_set_callbacks: replaces the callbacks and their @user_data (a transport
 * made on one thread and handed to its context's thread); before gw_transport_gather().
 */
void gw_transport_set_callbacks(GwTransport *transport, const GwTransportCallbacks *callbacks,
                                gpointer user_data);

/** gw_transport_free: closes the agent's sockets; no callback runs after it. Nullable. */
void gw_transport_free(GwTransport *transport);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GwTransport, gw_transport_free)

/**
 * gw_transport_get_ice_credentials:
 * @ufrag: (out) (transfer none): this side's ICE username fragment
 * @pwd: (out) (transfer none): and password, for the offer
 */
void gw_transport_get_ice_credentials(GwTransport *transport, const char **ufrag, const char **pwd);

/** gw_transport_gather: starts gathering local candidates (the candidate callback). */
gboolean gw_transport_gather(GwTransport *transport, GError **error);

/**
 * gw_transport_set_remote:
 * The answer's ICE credentials and DTLS fingerprint, and which DTLS role this side
 * takes (server when the answer says a=setup:active). Once only.
 */
gboolean gw_transport_set_remote(GwTransport *transport, const char *ufrag, const char *pwd,
                                 const char *fingerprint, GwDtlsRole role, GError **error);

/**
 * gw_transport_add_remote_candidate:
 * @candidate: (nullable): "candidate:..." (an "a=" in front is allowed); NULL or ""
 *   means the peer has no more (end of candidates).
 * Fails for a candidate libnice cannot read, or past GW_TRANSPORT_MAX_CANDIDATES.
 */
gboolean gw_transport_add_remote_candidate(GwTransport *transport, const char *candidate,
                                           GError **error);

#define GW_TRANSPORT_MAX_CANDIDATES 64

GwTransportState gw_transport_get_state(GwTransport *transport);

/** gw_transport_get_log_prefix: (transfer none) "room=... peer=...", for log lines. */
const char *gw_transport_get_log_prefix(GwTransport *transport);

/**
 * gw_transport_send_rtp:
 * Protects the RTP packet @pkt (@len bytes; @size: what @pkt can hold, at least
 * @len + GW_SRTP_MAX_TAG) in place and sends it.
 * Returns: FALSE (nothing sent) while not CONNECTED, or if SRTP refuses it.
 */
gboolean gw_transport_send_rtp(GwTransport *transport, guint8 *pkt, gsize len, gsize size);

/**
 * gw_transport_send_rtcp:
 * The same for an RTCP compound (@size at least @len + GW_SRTCP_TRAILER + GW_SRTP_MAX_TAG).
 */
gboolean gw_transport_send_rtcp(GwTransport *transport, guint8 *pkt, gsize len, gsize size);

typedef struct {
  guint64 rtp_received, rtcp_received; /* decrypted and handed on */
  guint64 rtp_sent, rtcp_sent;
  guint64 dropped; /* not authentic, replayed, malformed, or before the keys */
} GwTransportCounters;

void gw_transport_get_counters(GwTransport *transport, GwTransportCounters *out);

/**
 * gw_transport_close: the state becomes CLOSED. A close_notify goes out only while the
 * DTLS association is still kept: it is let go at the peer's first authentic packet.
 */
void gw_transport_close(GwTransport *transport);

G_END_DECLS
