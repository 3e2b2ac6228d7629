// SPDX-License-Identifier: Apache-2.0
// The call: one WebSocket to the gateway and one RTCPeerConnection, negotiated
// the way docs/protocol.md says (the gateway writes every offer, we only answer).
// No DOM here: the page listens to the events this object dispatches.
//
// Events (all CustomEvent, data in `detail`):
//   statechange  {state}                   see Call.state for the values
//   localstream  {stream}                  the camera + microphone stream (self view)
//   remotetrack  {source, track, peer}     a received track to show; source is audio/camera/screen
//   screen       {peer, active}            a remote participant started/stopped sharing
//   sharing      {active}                  our own screen share started/stopped
//   mute         {peer, audio, video}      a remote participant's mic/camera state (true = off)
//   chat         {peer, name, text, ts, own}
//   pointer      {peer, screen, show, x, y} the advisor points at `screen`'s shared picture (x, y: 0..1)
//   participants {participants}            Map peer id → {role, name}
//   error        {code, message, ref, fatal}

const PROTOCOL_VERSION = 1;

// Not codecs: retransmission, redundancy and forward error correction formats.
const NOT_CODECS = new Set(['rtx', 'red', 'ulpfec', 'flexfec-03']);

// Reconnecting by ourselves (docs/protocol.md, "Rejoin"): this many attempts,
// within the gateway's grace period, after the peer connection has been failed
// or disconnected for PC_LOST_MS.
const RECONNECT_ATTEMPTS = 5;
const RECONNECT_WINDOW_MS = 30000;
const PC_LOST_MS = 4000;
// Close code the gateway uses when this page's session was taken over by a newer
// connection of the same page (another tab that reloaded, say).
const CLOSE_REPLACED = 4001;

/**
 * The secret that lets this tab come back into `room` as the same participant
 * after a reload or a network switch: random, kept in sessionStorage per room.
 */
export function resumeSecret(room) {
  const key = `balie-resume:${room}`;
  try {
    const kept = sessionStorage.getItem(key);
    if (kept && /^[A-Za-z0-9_-]{16,64}$/.test(kept)) return kept;
  } catch {
    // Storage disabled: a reload then joins as a new participant, nothing worse.
  }
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  const secret = btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_');
  try {
    sessionStorage.setItem(key, secret);
  } catch {
    // As above.
  }
  return secret;
}

/**
 * The video codecs this browser can both send and play, lowercase, in the
 * browser's own order of preference (its sender capabilities list them that
 * way): the gateway picks a room's one codec from the first joiner's list
 * (docs/protocol.md, `join`). null where the browser cannot tell.
 */
export function videoCodecs() {
  const names = (side) => {
    const caps = side?.getCapabilities?.('video');
    if (!caps) return null;
    return caps.codecs.map((c) => c.mimeType.toLowerCase().replace(/^video\//, ''));
  };
  const sendable = names(window.RTCRtpSender);
  const playable = names(window.RTCRtpReceiver);
  if (!sendable || !playable) return null;
  const list = [];
  for (const name of sendable) {
    if (!NOT_CODECS.has(name) && playable.includes(name) && !list.includes(name)) list.push(name);
  }
  return list.slice(0, 16);
}

export class Call extends EventTarget {
  /**
   * @param {{role: string, room: string, name?: string, token?: string, url: string, capture?: object}} options
   *   token: the join link's token, for a link's room (c-…, q-…) or a guest link
   *   capture: getUserMedia constraints (the devices chosen on check.html); default camera + mic
   */
  constructor({ role, room, name, token, url, capture }) {
    super();
    this.role = role;
    this.capture = capture ?? { audio: true, video: { width: { ideal: 640 }, height: { ideal: 480 } } };
    this.room = room;
    this.name = name || '';
    this.token = token || '';
    this.url = url;

    this.ws = null;
    this.pc = null;
    this.peerId = null;
    this.participants = new Map(); // peer id → {role, name}, without ourselves
    this.tracks = []; // the `tracks` array of the latest offer
    this.localStream = null;
    this.screenTrack = null; // our screen capture while we share
    this.micMuted = false;
    this.cameraOff = false;

    this.joined = false;
    this.wsOpened = false;
    this.ended = false;
    this.endedBy = null;
    this.ratingToken = null; // from `ended`: the right to rate this call
    this.wrapUpToken = null; // from `ended`, for a logged-in advisor: the right to wrap it up
    this.otherLeft = false;
    this.media = 'new'; // from the gateway's `media` messages
    this.fatalError = null; // why the call could not go on: an error code or a local reason
    this.fatalMessage = null; // the gateway's own words for it, if any
    this.state = 'connecting';

    this.resume = resumeSecret(room);
    this.reconnecting = false; // between losing the gateway and the next `welcome`
    this.reconnectAttempts = 0;
    this.reconnectUntil = 0; // Date.now() past which we give up
    this.pcLostTimer = null;
    this.lost = new Map(); // peer id → {role, name, timer}: gone, may come back
    this.otherGone = false; // someone left and did not come back in time

    // Offers and remote candidates are applied strictly in arrival order: a
    // candidate must not reach the peer connection before its offer does.
    this.chain = Promise.resolve();
  }

  /** Starts the camera and microphone, then joins the room. */
  async start() {
    if (!window.RTCPeerConnection || !navigator.mediaDevices) {
      this.fail('no-webrtc');
      return;
    }
    try {
      this.localStream = await navigator.mediaDevices.getUserMedia(this.capture);
    } catch (err) {
      console.warn('balie: getUserMedia failed', err);
      this.localStream = new MediaStream();
      this.emit('error', { code: 'no-devices', message: String(err), fatal: false });
    }
    this.emit('localstream', { stream: this.localStream });
    this.createPeerConnection();
    this.openSocket();
  }

  createPeerConnection() {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    pc.onicecandidate = (event) => {
      if (event.candidate && event.candidate.candidate) {
        this.send({
          type: 'ice',
          mline: event.candidate.sdpMLineIndex ?? 0,
          candidate: event.candidate.candidate,
        });
      } else if (!event.candidate) {
        this.send({ type: 'ice', mline: 0, candidate: '' });
      }
    };
    pc.ontrack = (event) => this.routeTransceiver(event.transceiver, event.track);
    pc.onconnectionstatechange = () => {
      console.info(`balie: peer connection ${pc.connectionState}`);
      if (pc !== this.pc) return;
      this.watchPeerConnection(pc);
      this.updateState();
    };
    this.pc = pc;
  }

  openSocket() {
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (err) {
      console.warn('balie: cannot open WebSocket', err);
      this.fail('unreachable');
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.wsOpened = true;
      const join = { type: 'join', v: PROTOCOL_VERSION, room: this.room, role: this.role };
      if (this.name) join.name = this.name;
      if (this.token) join.token = this.token;
      const video = videoCodecs();
      if (video) join.video = video;
      join.resume = this.resume;
      this.send(join);
    };
    ws.onmessage = (event) => {
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch {
        console.warn('balie: unparseable message from the gateway', event.data);
        return;
      }
      this.handleMessage(msg);
    };
    ws.onclose = (event) => {
      console.info(`balie: socket closed (${event.code} ${event.reason})`);
      if (ws !== this.ws) return; // an earlier socket, already given up
      this.ws = null;
      if (this.ended || this.fatalError) return;
      if (event.code === CLOSE_REPLACED) {
        this.fail('replaced');
        return;
      }
      if (this.joined || this.reconnecting) {
        this.reconnect('the connection to the gateway closed');
        return;
      }
      this.fail(this.wsOpened ? 'server-lost' : 'unreachable');
    };
  }

  send(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(msg));
      return true;
    }
    return false;
  }

  handleMessage(msg) {
    switch (msg.type) {
      case 'welcome':
        this.joined = true;
        this.reconnecting = false;
        this.peerId = msg.peer;
        this.useIceServers(msg.ice_servers);
        for (const p of msg.participants || []) {
          this.participants.set(p.peer, { role: p.role, name: p.name || '' });
        }
        this.emit('participants', { participants: this.participants });
        this.updateState();
        break;
      case 'offer':
        this.enqueue(() => this.applyOffer(msg));
        break;
      case 'ice':
        this.enqueue(() => this.addRemoteCandidate(msg));
        break;
      case 'participant-joined':
        this.participants.set(msg.peer, { role: msg.role, name: msg.name || '' });
        this.otherLeft = false;
        this.otherGone = false;
        // Someone of this role came back: they are no longer missing.
        for (const [peer, who] of this.lost) {
          if (who.role === msg.role) {
            clearTimeout(who.timer);
            this.lost.delete(peer);
            break;
          }
        }
        this.emit('participants', { participants: this.participants });
        this.updateState();
        break;
      case 'participant-left': {
        const who = this.participants.get(msg.peer);
        this.participants.delete(msg.peer);
        this.otherLeft = true;
        // They may come back (a reload, a network switch): wait as long as the
        // gateway does before saying they are gone.
        const graceMs = msg.reason === 'reconnecting' ? 10000 : Number(msg.grace_s || 0) * 1000;
        if (who && graceMs > 0) {
          const timer = setTimeout(() => {
            this.lost.delete(msg.peer);
            if (this.participants.size === 0) this.otherGone = true;
            this.updateState();
          }, graceMs);
          this.lost.set(msg.peer, { ...who, timer });
        } else if (this.participants.size === 0) {
          this.otherGone = true;
        }
        this.emit('participants', { participants: this.participants });
        this.emit('screen', { peer: msg.peer, active: false });
        this.updateState();
        break;
      }
      case 'screen':
        this.emit('screen', { peer: msg.peer, active: msg.action === 'start' });
        break;
      case 'mute':
        this.emit('mute', { peer: msg.peer, audio: !!msg.audio, video: !!msg.video });
        break;
      case 'chat':
        this.emit('chat', {
          peer: msg.peer,
          name: msg.name || '',
          text: String(msg.text ?? ''),
          ts: msg.ts,
          own: msg.peer === this.peerId,
          role: msg.peer === this.peerId ? this.role : this.participants.get(msg.peer)?.role,
        });
        break;
      case 'pointer': {
        const place = (v) => (typeof v === 'number' && v >= 0 && v <= 1 ? v : null);
        const show = msg.action === 'show';
        if (show && (place(msg.x) === null || place(msg.y) === null)) break;
        this.emit('pointer', { peer: msg.peer, screen: msg.screen, show, x: place(msg.x), y: place(msg.y) });
        break;
      }
      case 'media':
        this.media = msg.state;
        this.updateState();
        break;
      case 'ended':
        this.endedBy = msg.by ?? null;
        // A customer whose call was answered may rate it (rate.html).
        this.ratingToken = typeof msg.rating === 'string' ? msg.rating : null;
        this.wrapUpToken = typeof msg.wrap_up === 'string' ? msg.wrap_up : null;
        this.finish();
        break;
      case 'error': {
        // A refused join leaves us outside the room: nothing more can happen.
        const fatal = msg.ref === 'join' || !this.joined;
        this.emit('error', { code: msg.code, message: msg.message, ref: msg.ref, fatal });
        if (fatal) {
          this.fatalMessage = msg.message || null;
          this.fail(msg.code || 'error');
        }
        break;
      }
      default:
        console.warn('balie: unknown message type from the gateway', msg.type);
    }
  }

  /**
   * TURN servers with short-lived credentials from `welcome` (docs/protocol.md).
   * They arrive before the first offer, so before any candidate is gathered.
   */
  useIceServers(servers) {
    if (!this.pc || !Array.isArray(servers) || servers.length === 0) return;
    try {
      this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers: servers });
    } catch (err) {
      // Direct media may still work: say so in the console, do not end the call.
      console.warn('balie: TURN servers refused', err);
    }
  }

  enqueue(step) {
    this.chain = this.chain.then(step).catch((err) => {
      console.error('balie: negotiation step failed', err);
    });
  }

  async applyOffer(msg) {
    if (this.ended || !this.pc) return;
    this.tracks = Array.isArray(msg.tracks) ? msg.tracks : [];
    const pc = this.pc;
    await pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
    for (const transceiver of pc.getTransceivers()) {
      const entry = this.trackEntry(transceiver.mid);
      if (!entry || transceiver.stopped) continue;
      if (entry.direction === 'send') {
        transceiver.direction = 'sendonly';
        await transceiver.sender.replaceTrack(this.localTrack(entry.source));
      } else {
        transceiver.direction = 'recvonly';
        // ontrack only fires for newly receiving m-lines; route every receiving
        // one again in case the gateway moved a source to another m-line.
        this.routeTransceiver(transceiver, transceiver.receiver.track);
      }
    }
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    this.send({ type: 'answer', sdp: pc.localDescription.sdp });
  }

  async addRemoteCandidate(msg) {
    if (this.ended || !this.pc) return;
    const candidate = { candidate: msg.candidate ?? '', sdpMLineIndex: msg.mline ?? 0 };
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (err) {
      // One bad candidate must not stop the ones after it.
      console.warn('balie: remote candidate refused', msg.candidate, err);
    }
  }

  trackEntry(mid) {
    if (mid == null) return undefined;
    return this.tracks.find((t) => t.mid === mid);
  }

  routeTransceiver(transceiver, track) {
    const entry = this.trackEntry(transceiver.mid);
    if (!entry || entry.direction !== 'recv' || !track) return;
    this.emit('remotetrack', { source: entry.source, track, peer: entry.peer, mid: entry.mid });
  }

  /** Our local track for a source named in an offer, or null. */
  localTrack(source) {
    if (source === 'screen') return this.screenTrack;
    if (!this.localStream) return null;
    if (source === 'audio') return this.localStream.getAudioTracks()[0] ?? null;
    if (source === 'camera') return this.localStream.getVideoTracks()[0] ?? null;
    return null;
  }

  /** The transceiver the latest offer gave us to send our `source` on, if any. */
  sendTransceiver(source) {
    if (!this.pc) return null;
    const entry = this.tracks.find((t) => t.direction === 'send' && t.source === source);
    if (!entry) return null;
    return this.pc.getTransceivers().find((t) => t.mid === entry.mid && !t.stopped) ?? null;
  }

  setMicMuted(muted) {
    this.micMuted = muted;
    for (const t of this.localStream?.getAudioTracks() ?? []) t.enabled = !muted;
    this.sendMuteState();
  }

  setCameraOff(off) {
    this.cameraOff = off;
    for (const t of this.localStream?.getVideoTracks() ?? []) t.enabled = !off;
    this.sendMuteState();
  }

  sendMuteState() {
    if (this.joined) this.send({ type: 'mute', audio: this.micMuted, video: this.cameraOff });
  }

  /**
   * Must be called straight from a click: getDisplayMedia needs the user's gesture.
   * Returns true when sharing started.
   */
  async startScreenShare() {
    if (this.screenTrack || this.ended) return !!this.screenTrack;
    let stream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch (err) {
      console.warn('balie: getDisplayMedia failed', err);
      return false;
    }
    const track = stream.getVideoTracks()[0];
    if (!track) return false;
    if (this.ended) {
      track.stop();
      return false;
    }
    track.contentHint = 'detail';
    track.addEventListener('ended', () => this.stopScreenShare());
    this.screenTrack = track;
    // Shared before: the send slot is still there, reuse it without a new offer.
    // First time: the gateway answers `screen start` with an offer carrying the
    // send slot, and applyOffer() attaches this track.
    const existing = this.sendTransceiver('screen');
    if (existing) {
      await existing.sender.replaceTrack(track);
    }
    this.send({ type: 'screen', action: 'start' });
    this.emit('sharing', { active: true });
    return true;
  }

  async stopScreenShare() {
    const track = this.screenTrack;
    if (!track) return;
    this.screenTrack = null;
    track.stop();
    const transceiver = this.sendTransceiver('screen');
    if (transceiver && transceiver.sender.track === track) {
      try {
        await transceiver.sender.replaceTrack(null);
      } catch (err) {
        console.warn('balie: could not detach the screen track', err);
      }
    }
    if (!this.ended) this.send({ type: 'screen', action: 'stop' });
    this.emit('sharing', { active: false });
  }

  /** Returns false when the text is empty after trimming or cannot be sent. */
  sendChat(text) {
    const trimmed = text.trim();
    if (!trimmed || !this.joined || this.ended) return false;
    return this.send({ type: 'chat', text: trimmed });
  }

  /**
   * The advisor points at (x, y), fractions 0..1 of `screen`'s shared picture, or takes
   * the pointer away (show false). Returns false when it cannot be sent.
   */
  sendPointer(screen, show, x = 0, y = 0) {
    if (!screen || !this.joined || this.ended) return false;
    const msg = { type: 'pointer', screen, action: show ? 'show' : 'hide' };
    if (show) Object.assign(msg, { x, y });
    return this.send(msg);
  }

  hangUp() {
    if (this.ended) return;
    // The gateway answers with `ended`; without a socket there is nobody to tell.
    if (!this.send({ type: 'hangup' })) {
      this.endedBy = this.peerId;
      this.finish();
    }
  }

  /** Fails over to a fresh connection after PC_LOST_MS of a failed or disconnected peer connection. */
  watchPeerConnection(pc) {
    const bad = pc.connectionState === 'failed' || pc.connectionState === 'disconnected';
    if (!bad) {
      clearTimeout(this.pcLostTimer);
      this.pcLostTimer = null;
      return;
    }
    if (this.pcLostTimer || this.ended) return;
    this.pcLostTimer = setTimeout(() => {
      this.pcLostTimer = null;
      if (pc === this.pc && !this.ended && (pc.connectionState === 'failed' || pc.connectionState === 'disconnected')) {
        this.reconnect(`the media connection is ${pc.connectionState}`);
      }
    }, PC_LOST_MS);
  }

  /**
   * Comes back into the same call on a new socket and a new peer connection
   * (webrtcbin cannot restart ICE), joining with the same `resume` secret.
   */
  reconnect(why) {
    if (this.ended || this.fatalError) return;
    const now = Date.now();
    if (!this.reconnecting) {
      this.reconnecting = true;
      this.reconnectAttempts = 0;
      this.reconnectUntil = now + RECONNECT_WINDOW_MS;
    }
    if (this.reconnectAttempts >= RECONNECT_ATTEMPTS || now > this.reconnectUntil) {
      this.reconnecting = false;
      this.fail('server-lost');
      return;
    }
    this.reconnectAttempts += 1;
    console.info(`balie: reconnecting (attempt ${this.reconnectAttempts}): ${why}`);
    // Leave the old connection quietly: its close must not trigger us again.
    const oldWs = this.ws;
    this.ws = null;
    if (oldWs) oldWs.close(1000);
    if (this.pc) this.pc.close();
    clearTimeout(this.pcLostTimer);
    this.pcLostTimer = null;
    if (this.screenTrack) this.stopScreenShare();
    this.joined = false;
    this.wsOpened = false;
    this.media = 'new';
    this.tracks = [];
    this.participants.clear();
    this.emit('participants', { participants: this.participants });
    this.chain = Promise.resolve();
    this.updateState();
    // A little later each time: the network may need a moment to come back.
    const delay = Math.min(500 * this.reconnectAttempts, 3000);
    setTimeout(() => {
      if (this.ended || this.fatalError) return;
      this.createPeerConnection();
      this.openSocket();
    }, delay);
  }

  /** The call is over: release the camera, microphone and peer connection. */
  finish() {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.pcLostTimer);
    for (const who of this.lost.values()) clearTimeout(who.timer);
    this.lost.clear();
    if (this.screenTrack) {
      this.screenTrack.stop();
      this.screenTrack = null;
      this.emit('sharing', { active: false });
    }
    for (const t of this.localStream?.getTracks() ?? []) t.stop();
    if (this.pc) this.pc.close();
    if (this.ws) this.ws.close(1000);
    this.updateState();
  }

  fail(reason) {
    this.fatalError = reason;
    if (!this.ended) this.finish();
    this.updateState();
  }

  updateState() {
    let state;
    if (this.fatalError) state = 'error';
    else if (this.ended) state = 'ended';
    else if (this.reconnecting) state = 'reconnecting';
    else if (!this.joined) state = 'connecting';
    else if (this.participants.size === 0 && this.lost.size > 0) state = 'other-left';
    else if (this.participants.size === 0) state = this.otherGone ? 'other-gone' : 'waiting';
    else if (this.media === 'failed' || this.pc?.connectionState === 'failed') state = 'failed';
    else if (this.media === 'connected') state = 'connected';
    else state = 'media-connecting';
    if (state === this.state && state !== 'error') return;
    this.state = state;
    this.emit('statechange', { state });
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
