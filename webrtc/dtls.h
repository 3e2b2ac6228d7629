/* SPDX-License-Identifier: Apache-2.0 */
/* DTLS-SRTP (RFC 5764, RFC 8842) on OpenSSL memory BIOs: the handshake of a WebRTC
 * participant without webrtcbin, giving srtp.c its keys (dtls.c). No sockets and no
 * timers of its own: the caller feeds received datagrams, sends what it is handed, and
 * calls gw_dtls_handle_timeout() when gw_dtls_timeout_ms() says. */
#pragma once

#include <glib.h>

#include "webrtc/srtp.h"

G_BEGIN_DECLS

#define GW_DTLS_ERROR (gw_dtls_error_quark())
GQuark gw_dtls_error_quark(void);

typedef enum {
  GW_DTLS_ERROR_CERTIFICATE, /* the certificate could not be made or read */
  GW_DTLS_ERROR_FINGERPRINT, /* a fingerprint malformed, of an unknown hash, or not the peer's */
  GW_DTLS_ERROR_HANDSHAKE,   /* OpenSSL refused the handshake (no common SRTP profile, ...) */
  GW_DTLS_ERROR_TIMEOUT,     /* the handshake took too long (retransmissions exhausted) */
} GwDtlsError;

/* One certificate and key for every participant of the process (as webrtcbin shares one):
 * a self-signed ECDSA P-256 certificate, valid from a day ago for 30 days. Immutable once
 * made, so any thread may use it. */
typedef struct _GwDtlsCert GwDtlsCert;

/**
 * gw_dtls_cert_new:
 * Returns: (transfer full) (nullable): a fresh certificate and key, or NULL with @error set.
 */
GwDtlsCert *gw_dtls_cert_new(GError **error);

/**
 * gw_dtls_cert_new_from_pem:
 * A certificate from PEM text holding the certificate and its private key (either order).
 * Returns: (transfer full) (nullable): the certificate, or NULL with @error set.
 */
GwDtlsCert *gw_dtls_cert_new_from_pem(const char *pem, GError **error);

GwDtlsCert *gw_dtls_cert_ref(GwDtlsCert *cert);
void gw_dtls_cert_unref(GwDtlsCert *cert);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GwDtlsCert, gw_dtls_cert_unref)

/**
 * gw_dtls_cert_fingerprint:
 * Returns: (transfer none): the SHA-256 fingerprint for an SDP a=fingerprint line, as
 * "sha-256 AB:CD:...:EF" (upper-case hex, 32 bytes).
 */
const char *gw_dtls_cert_fingerprint(GwDtlsCert *cert);

typedef enum {
  GW_DTLS_ROLE_CLIENT, /* a=setup:active: sends the ClientHello */
  GW_DTLS_ROLE_SERVER, /* a=setup:passive */
} GwDtlsRole;

typedef enum {
  GW_DTLS_STATE_CONNECTING, /* from gw_dtls_new() until the handshake ends */
  GW_DTLS_STATE_CONNECTED,  /* keys ready (gw_dtls_srtp_keys) */
  GW_DTLS_STATE_FAILED,     /* for good: gw_dtls_error() says why */
  GW_DTLS_STATE_CLOSED,     /* the peer sent close_notify, or gw_dtls_close() */
} GwDtlsState;

/* Hands one DTLS datagram (one or more records, at most GW_DTLS_MTU bytes) to the
 * transport. Called from within gw_dtls_start/receive/handle_timeout/close only, once OpenSSL
 * is done, so it may read the association's state; it must not call the functions that change
 * it (receive, handle_timeout, close, free) on the same association. */
typedef void (*GwDtlsSendFn)(const guint8 *data, gsize len, gpointer user_data);

#define GW_DTLS_MTU 1200 /* bytes per datagram we send: fits any path a browser uses */

/* What DTLS-SRTP gives the two SRTP directions (RFC 5764 4.2): each master key then salt,
 * GW_SRTP_MASTER_LEN bytes, as gw_srtp_new() and gw_srtcp_new() take them. */
typedef struct {
  GwSrtpProfile profile;
  guint8 local[GW_SRTP_MASTER_LEN];  /* protects what this side sends */
  guint8 remote[GW_SRTP_MASTER_LEN]; /* unprotects what the peer sends */
} GwDtlsSrtpKeys;

/* One participant's DTLS association. Not thread-safe: the caller serializes every call. */
typedef struct _GwDtls GwDtls;

/**
 * gw_dtls_new:
 * @cert: (transfer none): this side's certificate (a reference is kept).
 * @remote_fingerprint: the peer's a=fingerprint value, "<hash> <hex:hex:...>" (hash one of
 *   sha-1, sha-224, sha-256, sha-384, sha-512, any case); the peer's certificate must match.
 * @send: called with each datagram to send.
 * Offers both SRTP profiles GwSrtpProfile names (SHA1_80 preferred), no application data,
 * DTLS 1.2 with ECDHE and AES-GCM only (every browser offers it).
 * Returns: (transfer full) (nullable): the association in CONNECTING, or NULL with @error set
 * (GW_DTLS_ERROR_FINGERPRINT if @remote_fingerprint cannot be read).
 */
GwDtls *gw_dtls_new(GwDtlsCert *cert, GwDtlsRole role, const char *remote_fingerprint,
                    GwDtlsSendFn send, gpointer user_data, GError **error);

/** gw_dtls_free: frees @dtls (nullable) without sending anything. */
void gw_dtls_free(GwDtls *dtls);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GwDtls, gw_dtls_free)

/** gw_dtls_start: a client sends its ClientHello; a server does nothing. Call once (again
 * does nothing). A client drops what it receives before it. */
GwDtlsState gw_dtls_start(GwDtls *dtls);

/**
 * gw_dtls_receive:
 * Feeds one received datagram (first byte 20..63, RFC 7983). Datagrams after the handshake
 * (a peer's retransmitted flight, alerts) are handled too; application data is dropped.
 * Malformed or unauthentic records are dropped as DTLS says (they do not fail the
 * association); a fatal alert or a wrong fingerprint does. Until the handshake has keys
 * nothing can be authenticated: there, as in any DTLS 1.2 implementation, a forged alert ends
 * it (close_notify: CLOSED) and a well-formed but unacceptable handshake message fails it.
 * Once CONNECTED, nothing sent without the keys changes the state. Datagrams longer than
 * 16 KiB are dropped.
 * Returns: the state after it.
 */
GwDtlsState gw_dtls_receive(GwDtls *dtls, const guint8 *data, gsize len);

/**
 * gw_dtls_timeout_ms:
 * Returns: milliseconds until gw_dtls_handle_timeout() is due (0: now), or -1 when no
 * retransmission timer runs (not started: a client before gw_dtls_start(), a server before
 * its first datagram; connected, failed, closed).
 */
gint64 gw_dtls_timeout_ms(GwDtls *dtls);

/**
 * gw_dtls_handle_timeout:
 * Retransmits the last flight if its timer ran out (doubling it, as OpenSSL does, but from
 * 400 ms rather than OpenSSL's 1 s). After 30 s of handshake in all (from gw_dtls_start() for
 * a client, from its first datagram for a server), the association FAILS
 * (GW_DTLS_ERROR_TIMEOUT). Called early, it does nothing.
 * Returns: the state after it.
 */
GwDtlsState gw_dtls_handle_timeout(GwDtls *dtls);

GwDtlsState gw_dtls_state(GwDtls *dtls);

/**
 * gw_dtls_error:
 * Returns: (transfer none) (nullable): why the association FAILED, or NULL.
 */
const GError *gw_dtls_error(GwDtls *dtls);

/**
 * gw_dtls_srtp_keys:
 * Returns: TRUE and fills @out while CONNECTED (the negotiated profile, and the keys for
 * this side's role); FALSE before, and once FAILED or CLOSED (the keys are wiped then).
 */
gboolean gw_dtls_srtp_keys(GwDtls *dtls, GwDtlsSrtpKeys *out);

/** gw_dtls_close: sends close_notify if CONNECTED; the state becomes CLOSED (a FAILED one
 * stays FAILED). */
void gw_dtls_close(GwDtls *dtls);

G_END_DECLS
