// SPDX-License-Identifier: Apache-2.0
// The connection check (docs/protocol.md, "Connection check"): a real media
// connection to the gateway at /ws/check, the same ICE, DTLS and SRTP path a
// call takes, carrying the customer's own microphone and camera for a few
// seconds. No DOM here; check.js shows the result.
//
// Result: {verdict, rttMs, lossPct, videoKbps, relay, reason}
//   verdict  'good'    media flows and the path is fine for video
//            'weak'    media flows, but slowly or lossily: suggest sound only
//            'failed'  no media path to the gateway from this network
//   reason   for 'failed': 'unreachable' (no WebSocket), 'media' (ICE/DTLS
//            failed or timed out), 'refused' (the gateway said no), 'no-webrtc'

const CONNECT_TIMEOUT_MS = 15000; // ICE + DTLS normally take well under 2 s
const MEASURE_MS = 4000; // how long media runs before the figures are read
// A verdict, not a benchmark: beyond these a video call stutters or lags.
const WEAK_RTT_MS = 400;
const WEAK_LOSS_PCT = 5;

/**
 * Runs one check. `stream` (may be empty) is sent for the measuring time;
 * `url` is the wss:// address of /ws/check; `onProgress(phase)` is told
 * 'connecting', 'measuring'. Never rejects: failures are a verdict.
 */
export async function runConnectionCheck({ stream, url, onProgress = () => {} }) {
  if (!window.RTCPeerConnection) return { verdict: 'failed', reason: 'no-webrtc' };
  const session = new CheckSession(stream, url);
  try {
    onProgress('connecting');
    const connected = await session.connect(CONNECT_TIMEOUT_MS);
    if (connected !== true) return { verdict: 'failed', reason: connected };
    onProgress('measuring');
    return await session.measure(MEASURE_MS);
  } finally {
    session.close();
  }
}

class CheckSession {
  constructor(stream, url) {
    this.stream = stream;
    this.url = url;
    this.ws = null;
    this.pc = null;
    this.chain = Promise.resolve();
    this.gatewayMedia = 'new';
  }

  /** Resolves true once media is up both ways, else a failure reason. */
  connect(timeoutMs) {
    return new Promise((resolve) => {
      const done = (value) => {
        clearTimeout(timer);
        resolve(value);
      };
      const timer = setTimeout(() => done('media'), timeoutMs);
      const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
      this.pc = pc;
      const settle = () => {
        if (pc.connectionState === 'failed' || this.gatewayMedia === 'failed') done('media');
        else if (pc.connectionState === 'connected' && this.gatewayMedia === 'connected') done(true);
      };
      pc.onconnectionstatechange = settle;
      pc.onicecandidate = (event) => {
        this.send({ type: 'ice', mline: event.candidate?.sdpMLineIndex ?? 0, candidate: event.candidate?.candidate ?? '' });
      };
      let ws;
      try {
        ws = new WebSocket(this.url);
      } catch {
        done('unreachable');
        return;
      }
      this.ws = ws;
      let opened = false;
      ws.onopen = () => {
        opened = true;
      };
      ws.onclose = () => done(opened ? 'media' : 'unreachable');
      ws.onmessage = (event) => {
        let msg;
        try {
          msg = JSON.parse(event.data);
        } catch {
          return;
        }
        if (msg.type === 'welcome' && Array.isArray(msg.ice_servers))
          pc.setConfiguration({ ...pc.getConfiguration(), iceServers: msg.ice_servers });
        else if (msg.type === 'offer') this.chain = this.chain.then(() => this.answer(msg)).catch(() => done('media'));
        else if (msg.type === 'ice')
          this.chain = this.chain.then(() => pc.addIceCandidate({ candidate: msg.candidate ?? '', sdpMLineIndex: msg.mline ?? 0 }).catch(() => {}));
        else if (msg.type === 'media') {
          this.gatewayMedia = msg.state;
          settle();
        } else if (msg.type === 'error') done('refused');
      };
    });
  }

  async answer(msg) {
    const pc = this.pc;
    await pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
    const tracks = Array.isArray(msg.tracks) ? msg.tracks : [];
    for (const transceiver of pc.getTransceivers()) {
      const entry = tracks.find((t) => t.mid === transceiver.mid);
      if (!entry || entry.direction !== 'send') continue;
      transceiver.direction = 'sendonly';
      const local =
        entry.source === 'audio' ? this.stream?.getAudioTracks()[0] : entry.source === 'camera' ? this.stream?.getVideoTracks()[0] : null;
      await transceiver.sender.replaceTrack(local ?? null);
    }
    await pc.setLocalDescription(await pc.createAnswer());
    this.send({ type: 'answer', sdp: pc.localDescription.sdp });
  }

  async measure(durationMs) {
    const first = await this.pc.getStats();
    await new Promise((r) => setTimeout(r, durationMs));
    const last = await this.pc.getStats();
    const figures = readFigures(first, last, durationMs);
    const weak = (figures.rttMs ?? 0) > WEAK_RTT_MS || (figures.lossPct ?? 0) > WEAK_LOSS_PCT;
    return { verdict: weak ? 'weak' : 'good', ...figures };
  }

  send(msg) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  close() {
    this.pc?.close();
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) this.ws.close(1000);
  }
}

/** Round trip, loss and video rate from two getStats() reports `durationMs` apart. */
export function readFigures(first, last, durationMs) {
  let rttMs = null;
  let relay = false;
  let lossPct = null;
  let videoKbps = null;
  for (const s of last.values()) {
    if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') {
      if (s.currentRoundTripTime != null) rttMs = Math.round(s.currentRoundTripTime * 1000);
      const local = last.get(s.localCandidateId);
      relay = local?.candidateType === 'relay';
    } else if (s.type === 'remote-inbound-rtp' && s.kind === 'audio' && s.fractionLost != null) {
      lossPct = Math.round(s.fractionLost * 1000) / 10;
    } else if (s.type === 'outbound-rtp' && s.kind === 'video') {
      const before = first.get(s.id);
      const bytes = s.bytesSent - (before?.bytesSent ?? 0);
      videoKbps = Math.round((bytes * 8) / durationMs);
    }
  }
  return { rttMs, lossPct, videoKbps, relay };
}
