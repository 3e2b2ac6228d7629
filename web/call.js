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
//   participants {participants}            Map peer id → {role, name}
//   error        {code, message, ref, fatal}

const PROTOCOL_VERSION = 1;

// Not codecs: retransmission, redundancy and forward error correction formats.
const NOT_CODECS = new Set(['rtx', 'red', 'ulpfec', 'flexfec-03']);

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
   * @param {{role: string, room: string, name?: string, url: string, capture?: object}} options
   *   capture: getUserMedia constraints (the devices chosen on check.html); default camera + mic
   */
  constructor({ role, room, name, url, capture }) {
    super();
    this.role = role;
    this.capture = capture ?? { audio: true, video: { width: { ideal: 640 }, height: { ideal: 480 } } };
    this.room = room;
    this.name = name || '';
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
    this.otherLeft = false;
    this.media = 'new'; // from the gateway's `media` messages
    this.fatalError = null; // why the call could not go on: an error code or a local reason
    this.fatalMessage = null; // the gateway's own words for it, if any
    this.state = 'connecting';

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
      this.localStream = await navigator.mediaDevices.getUserMedia({
        audio: true,
        video: { width: { ideal: 640 }, height: { ideal: 480 } },
      });
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
      const video = videoCodecs();
      if (video) join.video = video;
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
      this.ws = null;
      if (this.ended || this.fatalError) return;
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
        this.emit('participants', { participants: this.participants });
        this.updateState();
        break;
      case 'participant-left':
        this.participants.delete(msg.peer);
        this.otherLeft = true;
        this.emit('participants', { participants: this.participants });
        this.emit('screen', { peer: msg.peer, active: false });
        this.updateState();
        break;
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
      case 'media':
        this.media = msg.state;
        this.updateState();
        break;
      case 'ended':
        this.endedBy = msg.by ?? null;
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

  hangUp() {
    if (this.ended) return;
    // The gateway answers with `ended`; without a socket there is nobody to tell.
    if (!this.send({ type: 'hangup' })) {
      this.endedBy = this.peerId;
      this.finish();
    }
  }

  /** The call is over: release the camera, microphone and peer connection. */
  finish() {
    if (this.ended) return;
    this.ended = true;
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
    else if (!this.joined) state = 'connecting';
    else if (this.participants.size === 0) state = this.otherLeft ? 'other-left' : 'waiting';
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
