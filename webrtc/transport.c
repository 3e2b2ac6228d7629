/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One participant's transport without webrtcbin: a libnice agent with one stream
 * and one component (BUNDLE and rtcp-mux, as every browser offers them), DTLS-SRTP
 * on it (dtls.c), and SRTP/SRTCP both ways (srtp.c).
 *
 * webrtcbin builds the same out of about twenty elements per participant
 * (nicesrc and nicesink with a thread each, dtlssrtpenc/dtlssrtpdec and their
 * demuxer, funnels, srtpenc/srtpdec with libsrtp) plus its own loop thread; a
 * participant here is one agent on a context the caller shares between many,
 * as a Janus handle is a loop, and a datagram goes from libnice's callback
 * through SRTP to the caller on that one thread.
 *
 * Written by hand: the demultiplexing of RFC 7983 and the wiring; ICE is
 * libnice's, DTLS OpenSSL's (dtls.c), SRTP srtp.c's.
 */
#include "webrtc/transport.h"

#include <agent.h>
#include <string.h>

#include "webrtc/media-room.h"
#include "webrtc/srtp.h"

#define TRANSPORT_COMPONENT 1
#define TRANSPORT_MAX_DATAGRAM 16384 /* nothing larger is handed to DTLS or SRTP */

struct _GwTransport {
  GMainContext *context;
  NiceAgent *agent;
  guint stream_id;
  GwDtlsCert *cert;
  GwDtls *dtls;
  GwSrtp *srtp_out, *srtp_in, *srtcp_out, *srtcp_in;
  GSource *dtls_timer;
  GwTransportState state;
  GwTransportCallbacks callbacks;
  gpointer user_data;
  char *log_prefix;
  char *ufrag, *pwd;
  guint remote_candidates;
  gboolean ice_ready; /* the component got a selected pair */
  GwTransportCounters counters;
};

static void
set_state(GwTransport *t, GwTransportState state)
{
  if (t->state == state)
    return;
  t->state = state;
  if (t->callbacks.state)
    t->callbacks.state(t->user_data, state);
}

static void
fail(GwTransport *t, const char *why)
{
  if (t->state == GW_TRANSPORT_FAILED || t->state == GW_TRANSPORT_CLOSED)
    return;
  g_message("%s transport failed: %s", t->log_prefix, why);
  set_state(t, GW_TRANSPORT_FAILED);
}

/* ---- DTLS ---- */

static void
dtls_send(const guint8 *data, gsize len, gpointer user_data)
{
  GwTransport *t = user_data;
  nice_agent_send(t->agent, t->stream_id, TRANSPORT_COMPONENT, (guint)len, (const gchar *)data);
}

static void after_dtls(GwTransport *t, GwDtlsState state);

static gboolean
on_dtls_timer(gpointer user_data)
{
  GwTransport *t = user_data;
  g_clear_pointer(&t->dtls_timer, g_source_unref);
  after_dtls(t, gw_dtls_handle_timeout(t->dtls));
  return G_SOURCE_REMOVE;
}

static void
schedule_dtls_timer(GwTransport *t)
{
  if (t->dtls_timer) {
    g_source_destroy(t->dtls_timer);
    g_clear_pointer(&t->dtls_timer, g_source_unref);
  }
  gint64 ms = t->dtls ? gw_dtls_timeout_ms(t->dtls) : -1;
  if (ms < 0)
    return;
  t->dtls_timer = g_timeout_source_new((guint)MIN(ms, G_MAXUINT));
  g_source_set_callback(t->dtls_timer, on_dtls_timer, t, NULL);
  g_source_attach(t->dtls_timer, t->context);
}

static gboolean
install_keys(GwTransport *t)
{
  GwDtlsSrtpKeys keys;
  if (!gw_dtls_srtp_keys(t->dtls, &keys))
    return FALSE;
  t->srtp_out = gw_srtp_new(keys.profile, keys.local, sizeof keys.local);
  t->srtcp_out = gw_srtcp_new(keys.profile, keys.local, sizeof keys.local);
  t->srtp_in = gw_srtp_new(keys.profile, keys.remote, sizeof keys.remote);
  t->srtcp_in = gw_srtcp_new(keys.profile, keys.remote, sizeof keys.remote);
  memset(&keys, 0, sizeof keys);
  return t->srtp_out && t->srtcp_out && t->srtp_in && t->srtcp_in;
}

static void
after_dtls(GwTransport *t, GwDtlsState state)
{
  switch (state) {
  case GW_DTLS_STATE_CONNECTING:
    break;
  case GW_DTLS_STATE_CONNECTED:
    if (!t->srtp_out) {
      if (!install_keys(t)) {
        fail(t, "DTLS gave no usable SRTP keys");
        return;
      }
      g_debug("%s DTLS connected, SRTP keys in place", t->log_prefix);
      set_state(t, GW_TRANSPORT_CONNECTED);
    }
    break;
  case GW_DTLS_STATE_FAILED: {
    const GError *error = gw_dtls_error(t->dtls);
    g_autofree char *why = g_strdup_printf("DTLS: %s", error ? error->message : "failed");
    fail(t, why);
    break;
  }
  case GW_DTLS_STATE_CLOSED:
    if (t->state != GW_TRANSPORT_FAILED) {
      g_debug("%s DTLS closed by the peer", t->log_prefix);
      set_state(t, GW_TRANSPORT_CLOSED);
    }
    break;
  }
  schedule_dtls_timer(t);
}

/* ---- received datagrams (RFC 7983) ---- */

/* The peer's first authentic packet proves it finished the handshake, so it has our last
 * flight: nothing will need resending. The association (~50 KiB of OpenSSL buffers, the
 * handshake kept for resends) goes; DTLS records after it are dropped, and no close_notify
 * is sent at the end (the browser learns it from signaling, as with webrtcbin). */
static void
retire_dtls(GwTransport *t)
{
  g_clear_pointer(&t->dtls, gw_dtls_free);
  if (t->dtls_timer) {
    g_source_destroy(t->dtls_timer);
    g_clear_pointer(&t->dtls_timer, g_source_unref);
  }
  g_debug("%s DTLS let go (the peer has the keys)", t->log_prefix);
}

static void
receive_srtp(GwTransport *t, guint8 *pkt, gsize len)
{
  /* RFC 5761 4: RTCP packet types 192..223 never collide with RTP payload types. */
  gboolean rtcp = len >= 2 && pkt[1] >= 192 && pkt[1] <= 223;
  if (!t->srtp_in) {
    t->counters.dropped++;
    return;
  }
  gsize out =
      rtcp ? gw_srtcp_unprotect(t->srtcp_in, pkt, len) : gw_srtp_unprotect(t->srtp_in, pkt, len);
  if (out == 0) {
    t->counters.dropped++;
    return;
  }
  if (t->dtls)
    retire_dtls(t);
  if (rtcp) {
    t->counters.rtcp_received++;
    if (t->callbacks.rtcp)
      t->callbacks.rtcp(t->user_data, pkt, out);
  } else {
    t->counters.rtp_received++;
    if (t->callbacks.rtp)
      t->callbacks.rtp(t->user_data, pkt, out);
  }
}

static void
on_recv(NiceAgent *agent, guint stream_id, guint component_id, guint len, gchar *buf,
        gpointer user_data)
{
  GwTransport *t = user_data;
  guint8 *pkt = (guint8 *)buf;
  if (len == 0 || len > TRANSPORT_MAX_DATAGRAM) {
    t->counters.dropped++;
    return;
  }
  if (pkt[0] >= 20 && pkt[0] <= 63) {
    if (!t->dtls) {
      t->counters.dropped++;
      return;
    }
    after_dtls(t, gw_dtls_receive(t->dtls, pkt, len));
  } else if (pkt[0] >= 128 && pkt[0] <= 191) {
    receive_srtp(t, pkt, len);
  } else {
    t->counters.dropped++; /* STUN never gets here (libnice answers it); ZRTP, TURN channels */
  }
}

/* ---- ICE ---- */

static void
on_candidate(NiceAgent *agent, NiceCandidate *candidate, GwTransport *t)
{
  if (candidate->stream_id != t->stream_id || !t->callbacks.candidate)
    return;
  g_autofree char *sdp = nice_agent_generate_local_candidate_sdp(agent, candidate);
  if (!sdp)
    return;
  t->callbacks.candidate(t->user_data, g_str_has_prefix(sdp, "a=") ? sdp + 2 : sdp);
}

static void
on_gathering_done(NiceAgent *agent, guint stream_id, GwTransport *t)
{
  if (stream_id == t->stream_id && t->callbacks.candidate)
    t->callbacks.candidate(t->user_data, NULL);
}

static void
on_component_state(NiceAgent *agent, guint stream_id, guint component_id, guint state,
                   GwTransport *t)
{
  if (stream_id != t->stream_id)
    return;
  g_debug("%s ICE %s", t->log_prefix, nice_component_state_to_string(state));
  if (state == NICE_COMPONENT_STATE_FAILED) {
    fail(t, t->ice_ready ? "ICE lost the peer" : "ICE found no path to the peer");
    return;
  }
  if ((state == NICE_COMPONENT_STATE_CONNECTED || state == NICE_COMPONENT_STATE_READY) &&
      !t->ice_ready) {
    t->ice_ready = TRUE;
    if (t->dtls && t->state == GW_TRANSPORT_CONNECTING)
      after_dtls(t, gw_dtls_start(t->dtls));
  }
}

GwTransport *
gw_transport_new(const GwTransportSettings *settings, const GwTransportCallbacks *callbacks,
                 gpointer user_data, GError **error)
{
  g_return_val_if_fail(settings && settings->context && settings->cert && callbacks, NULL);

  g_autoptr(GwTransport) t = g_new0(GwTransport, 1);
  t->context = g_main_context_ref(settings->context);
  t->cert = gw_dtls_cert_ref(settings->cert);
  t->callbacks = *callbacks;
  t->user_data = user_data;
  t->log_prefix = g_strdup(settings->log_prefix ? settings->log_prefix : "");
  t->state = GW_TRANSPORT_NEW;

  /* Trickle: candidates go out as they are found. No consent freshness (RFC 7675):
   * libnice 0.1.21 failed a working component under 5 % loss towards the gateway (in
   * e2e-quality), and webrtcbin does without it too; a vanished peer is noticed by
   * signaling (its WebSocket). */
  t->agent =
      nice_agent_new_full(t->context, NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_ICE_TRICKLE);
  g_object_set(t->agent, "controlling-mode", settings->controlling, NULL);
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(t->agent), "upnp"))
    g_object_set(t->agent, "upnp", FALSE, NULL); /* it probes every interface for a router */
  for (const char *const *a = settings->local_addresses; a && *a; a++) {
    NiceAddress address;
    nice_address_init(&address);
    if (!nice_address_set_from_string(&address, *a)) {
      g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_INTERNAL, "not an IP address for ICE: %s",
                  *a);
      return NULL;
    }
    nice_agent_add_local_address(t->agent, &address);
  }
  t->stream_id = nice_agent_add_stream(t->agent, 1);
  if (t->stream_id == 0) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_INTERNAL, "libnice made no ICE stream");
    return NULL;
  }
  if (settings->port_min != 0)
    nice_agent_set_port_range(t->agent, t->stream_id, TRANSPORT_COMPONENT, settings->port_min,
                              settings->port_max);
  nice_agent_get_local_credentials(t->agent, t->stream_id, &t->ufrag, &t->pwd);
  g_signal_connect(t->agent, "new-candidate-full", G_CALLBACK(on_candidate), t);
  g_signal_connect(t->agent, "candidate-gathering-done", G_CALLBACK(on_gathering_done), t);
  g_signal_connect(t->agent, "component-state-changed", G_CALLBACK(on_component_state), t);
  nice_agent_attach_recv(t->agent, t->stream_id, TRANSPORT_COMPONENT, t->context, on_recv, t);
  return g_steal_pointer(&t);
}

void
gw_transport_set_callbacks(GwTransport *t, const GwTransportCallbacks *callbacks,
                           gpointer user_data)
{
  t->callbacks = *callbacks;
  t->user_data = user_data;
}

void
gw_transport_free(GwTransport *t)
{
  if (!t)
    return;
  if (t->dtls_timer) {
    g_source_destroy(t->dtls_timer);
    g_source_unref(t->dtls_timer);
  }
  if (t->agent) {
    g_signal_handlers_disconnect_by_data(t->agent, t);
    if (t->stream_id) {
      nice_agent_attach_recv(t->agent, t->stream_id, TRANSPORT_COMPONENT, t->context, NULL, NULL);
      nice_agent_remove_stream(t->agent, t->stream_id);
    }
    g_object_unref(t->agent);
  }
  gw_dtls_free(t->dtls);
  gw_srtp_free(t->srtp_out);
  gw_srtp_free(t->srtp_in);
  gw_srtp_free(t->srtcp_out);
  gw_srtp_free(t->srtcp_in);
  gw_dtls_cert_unref(t->cert);
  g_main_context_unref(t->context);
  g_free(t->log_prefix);
  g_free(t->ufrag);
  g_free(t->pwd);
  g_free(t);
}

void
gw_transport_get_ice_credentials(GwTransport *t, const char **ufrag, const char **pwd)
{
  *ufrag = t->ufrag;
  *pwd = t->pwd;
}

gboolean
gw_transport_gather(GwTransport *t, GError **error)
{
  if (!nice_agent_gather_candidates(t->agent, t->stream_id)) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_INTERNAL,
                "libnice could not gather candidates (no usable local address?)");
    return FALSE;
  }
  return TRUE;
}

gboolean
gw_transport_set_remote(GwTransport *t, const char *ufrag, const char *pwd, const char *fingerprint,
                        GwDtlsRole role, GError **error)
{
  if (t->dtls || t->state != GW_TRANSPORT_NEW) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_WRONG_STATE,
                "the remote description is already set");
    return FALSE;
  }
  t->dtls = gw_dtls_new(t->cert, role, fingerprint, dtls_send, t, error);
  if (!t->dtls)
    return FALSE;
  if (!nice_agent_set_remote_credentials(t->agent, t->stream_id, ufrag, pwd)) {
    g_clear_pointer(&t->dtls, gw_dtls_free);
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_BAD_SDP,
                "libnice refused the ICE credentials");
    return FALSE;
  }
  set_state(t, GW_TRANSPORT_CONNECTING);
  /* ICE may have found its pair already from the peer's checks. */
  if (t->ice_ready)
    after_dtls(t, gw_dtls_start(t->dtls));
  return TRUE;
}

gboolean
gw_transport_add_remote_candidate(GwTransport *t, const char *candidate, GError **error)
{
  if (!candidate || !*candidate) {
    nice_agent_peer_candidate_gathering_done(t->agent, t->stream_id);
    return TRUE;
  }
  if (t->remote_candidates >= GW_TRANSPORT_MAX_CANDIDATES) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_LIMIT, "more than %d remote candidates",
                GW_TRANSPORT_MAX_CANDIDATES);
    return FALSE;
  }
  g_autofree char *line =
      g_str_has_prefix(candidate, "a=") ? g_strdup(candidate) : g_strconcat("a=", candidate, NULL);
  NiceCandidate *c = nice_agent_parse_remote_candidate_sdp(t->agent, t->stream_id, line);
  if (!c) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_BAD_SDP,
                "an ICE candidate libnice cannot read");
    return FALSE;
  }
  GSList one = {.data = c, .next = NULL};
  gint added = nice_agent_set_remote_candidates(t->agent, t->stream_id, TRANSPORT_COMPONENT, &one);
  nice_candidate_free(c);
  if (added < 0) {
    g_set_error(error, GW_MEDIA_ERROR, GW_MEDIA_ERROR_BAD_SDP, "libnice refused the candidate");
    return FALSE;
  }
  t->remote_candidates++;
  return TRUE;
}

GwTransportState
gw_transport_get_state(GwTransport *t)
{
  return t->state;
}

const char *
gw_transport_get_log_prefix(GwTransport *t)
{
  return t->log_prefix;
}

static gboolean
send_protected(GwTransport *t, guint8 *pkt, gsize out, guint64 *counter)
{
  if (out == 0) {
    t->counters.dropped++;
    return FALSE;
  }
  gint sent =
      nice_agent_send(t->agent, t->stream_id, TRANSPORT_COMPONENT, (guint)out, (const gchar *)pkt);
  if (sent != (gint)out)
    return FALSE; /* a full socket buffer: dropped, as any UDP sender's */
  (*counter)++;
  return TRUE;
}

gboolean
gw_transport_send_rtp(GwTransport *t, guint8 *pkt, gsize len, gsize size)
{
  if (t->state != GW_TRANSPORT_CONNECTED)
    return FALSE;
  return send_protected(t, pkt, gw_srtp_protect(t->srtp_out, pkt, len, size),
                        &t->counters.rtp_sent);
}

gboolean
gw_transport_send_rtcp(GwTransport *t, guint8 *pkt, gsize len, gsize size)
{
  if (t->state != GW_TRANSPORT_CONNECTED)
    return FALSE;
  return send_protected(t, pkt, gw_srtcp_protect(t->srtcp_out, pkt, len, size),
                        &t->counters.rtcp_sent);
}

void
gw_transport_get_counters(GwTransport *t, GwTransportCounters *out)
{
  *out = t->counters;
}

void
gw_transport_close(GwTransport *t)
{
  if (t->dtls && t->state == GW_TRANSPORT_CONNECTED)
    gw_dtls_close(t->dtls);
  if (t->dtls_timer) {
    g_source_destroy(t->dtls_timer);
    g_clear_pointer(&t->dtls_timer, g_source_unref);
  }
  if (t->state != GW_TRANSPORT_FAILED)
    set_state(t, GW_TRANSPORT_CLOSED);
}
