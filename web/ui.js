// SPDX-License-Identifier: Apache-2.0
// The call page (customer.html and advisor.html): wires the DOM to a Call.
// The role comes from <body data-role>, the room from ?room= (default "demo"),
// the display name from ?name=, the language from ?lang= (see strings.js).
import { Call } from './call.js';
import { loadBrand, orgName } from './page.js';
import { wirePointer } from './pointer.js';
import { lang, otherLanguage, setLanguage, languages, strings } from './strings.js';

const role = document.body.dataset.role === 'advisor' ? 'advisor' : 'customer';
const params = new URLSearchParams(location.search);
const room = params.get('room') || 'demo';
const name = params.get('name') || '';
// A join link's token (/j/TOKEN → check.html → here): the gateway lets a
// customer into a link's room only with it (docs/protocol.md, "Join links").
const token = params.get('token') || '';
const scheme = location.protocol === 'http:' ? 'ws' : 'wss';

const el = (id) => document.getElementById(id);
const ui = {
  status: el('status'),
  alert: el('alert'),
  language: el('language'),
  stage: el('stage'),
  screenView: el('screen-view'),
  screenHeading: el('screen-heading'),
  remoteScreen: el('remote-screen'),
  remoteVideo: el('remote-video'),
  remoteAudio: el('remote-audio'),
  remoteNote: el('remote-note'),
  guests: el('guests'),
  selfView: el('self-view'),
  sharingNote: el('sharing-note'),
  controls: el('controls'),
  mute: el('mute'),
  camera: el('camera'),
  share: el('share'),
  sound: el('sound'),
  hangup: el('hangup'),
  chatLog: el('chat-log'),
  chatList: el('chat-list'),
  chatForm: el('chat-form'),
  chatInput: el('chat-input'),
  chatSend: el('chat-send'),
};

const choice = mediaChoice();
// ?room= lets a load balancer send the WebSocket to the node that holds the room
// (docs/operations.md, "Scaling out"); the gateway reads the room from `join`.
const wsUrl = `${scheme}://${location.host}/ws?room=${encodeURIComponent(room)}`;
const call = new Call({ role, room, name, token, url: wsUrl, capture: captureConstraints(choice) });
const remoteMute = { audio: false, video: false };
let screenSharer = null; // peer id of the remote participant sharing, or null
// The main view shows the other side (the customer for an advisor, the advisor
// for a customer); everyone else in the room (an interpreter, a specialist,
// family) gets a tile of their own in #guests.
let mainPeer = null;
const guestTiles = new Map(); // peer id → {tile, video, audio, caption}
let alertText = null; // () => the alert's text, while one shows
let alertTimer = 0;

applyLanguage();
setStatus(strings.status.connecting);
exposeDebugHook();
wireControls();
wireCall();
// The advisor's pointer on a shared screen, and the marker where it points (pointer.js).
const pointer = wirePointer(call, role);
call.start();
loadBrand(() => applyLanguage());

// What the customer chose on check.html (sessionStorage "balie.media"), or null.
function mediaChoice() {
  try {
    return JSON.parse(sessionStorage.getItem('balie.media') ?? 'null');
  } catch {
    return null;
  }
}

// The chosen devices are a preference, not a must: one unplugged since still gives a call.
function captureConstraints(chosen) {
  if (!chosen) return undefined;
  const audio = chosen.audioDevice ? { deviceId: chosen.audioDevice } : true;
  if (chosen.audioOnly) return { audio, video: false };
  const video = { width: { ideal: 640 }, height: { ideal: 480 } };
  if (chosen.videoDevice) video.deviceId = chosen.videoDevice;
  return { audio, video };
}

// Every text on the page in the current language; runs again on a switch,
// so it derives each text from the call's state, never from the old text.
function applyLanguage() {
  // The organisation's name from [brand] (page.js) in place of the app's.
  document.title = strings.pageTitle[role].replace(strings.appName, orgName());
  for (const node of document.querySelectorAll('[data-text]')) {
    const value =
      node.dataset.text === 'heading'
        ? strings.heading[role]
        : node.dataset.text.split('.').reduce((v, key) => v?.[key], strings);
    if (typeof value === 'string') node.textContent = value;
  }
  const other = otherLanguage();
  ui.language.textContent = languages[other].languageName;
  ui.language.lang = other;
  ui.language.dataset.lang = other;
  ui.stage.setAttribute('aria-label', strings.stage);
  ui.controls.setAttribute('aria-label', strings.controls);
  ui.chatLog.setAttribute('aria-label', strings.chatLog);
  ui.selfView.setAttribute('aria-label', strings.selfView);
  ui.remoteVideo.setAttribute('aria-label', strings.remoteVideo);
  ui.remoteScreen.setAttribute('aria-label', strings.remoteScreen);
  ui.mute.textContent = call.micMuted ? strings.unmute : strings.mute;
  ui.camera.textContent = call.cameraOff ? strings.cameraOn : strings.cameraOff;
  ui.share.textContent = call.screenTrack ? strings.stopSharing : strings.shareScreen;
  ui.sound.textContent = strings.enableSound;
  ui.hangup.textContent = strings.hangUp;
  ui.sharingNote.textContent = strings.youAreSharing;
  for (const who of ui.chatLog.querySelectorAll('li.own .who')) who.textContent = strings.you;
  if (alertText) ui.alert.textContent = alertText();
}

// Read-only, for tests and support: window.balie.pc.getStats() and friends.
function exposeDebugHook() {
  const hook = {};
  Object.defineProperties(hook, {
    pc: { get: () => call.pc, enumerable: true },
    state: { get: () => call.state, enumerable: true },
    tracks: { get: () => structuredClone(call.tracks), enumerable: true },
    peer: { get: () => call.peerId, enumerable: true },
    room: { get: () => room, enumerable: true },
    role: { get: () => role, enumerable: true },
  });
  Object.defineProperty(window, 'balie', { value: Object.freeze(hook) });
}

function wireControls() {
  // Most phone browsers cannot share their screen: no button that can only fail there.
  ui.share.hidden = !navigator.mediaDevices?.getDisplayMedia;
  ui.language.addEventListener('click', () => {
    setLanguage(ui.language.dataset.lang);
    applyLanguage();
    renderStatus();
    renderScreenView();
    renderRemoteNote();
    pointer.applyLanguage();
  });
  ui.mute.addEventListener('click', () => {
    call.setMicMuted(!call.micMuted);
    ui.mute.textContent = call.micMuted ? strings.unmute : strings.mute;
  });
  ui.camera.addEventListener('click', () => {
    call.setCameraOff(!call.cameraOff);
    ui.camera.textContent = call.cameraOff ? strings.cameraOn : strings.cameraOff;
    ui.selfView.classList.toggle('off', call.cameraOff);
  });
  ui.share.addEventListener('click', async () => {
    if (call.screenTrack) {
      call.stopScreenShare();
      return;
    }
    ui.share.disabled = true;
    // getDisplayMedia() is the first thing startScreenShare() awaits, so it
    // still runs inside this click's user activation.
    const started = await call.startScreenShare();
    ui.share.disabled = call.ended;
    if (!started && !call.ended) showAlert(() => strings.status.shareFailed);
  });
  ui.sound.addEventListener('click', () => {
    ui.sound.hidden = true;
    playMedia(ui.remoteAudio);
  });
  ui.hangup.addEventListener('click', () => call.hangUp());
  ui.chatForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (call.sendChat(ui.chatInput.value)) ui.chatInput.value = '';
    ui.chatInput.focus();
  });
}

function wireCall() {
  call.addEventListener('localstream', ({ detail }) => {
    ui.selfView.srcObject = detail.stream;
    playMedia(ui.selfView);
  });
  call.addEventListener('remotetrack', ({ detail }) => {
    const guest = detail.source !== 'screen' && isGuest(detail.peer) ? guestTile(detail.peer) : null;
    const target = guest
      ? { audio: guest.audio, camera: guest.video }[detail.source]
      : {
          audio: ui.remoteAudio,
          camera: ui.remoteVideo,
          screen: ui.remoteScreen,
        }[detail.source];
    if (!target) return;
    const current = target.srcObject?.getTracks()[0];
    if (current === detail.track) return;
    target.srcObject = new MediaStream([detail.track]);
    playMedia(target);
  });
  call.addEventListener('screen', ({ detail }) => {
    if (detail.active) screenSharer = detail.peer;
    else if (screenSharer === detail.peer) screenSharer = null;
    renderScreenView();
  });
  call.addEventListener('sharing', ({ detail }) => {
    ui.share.textContent = detail.active ? strings.stopSharing : strings.shareScreen;
    ui.sharingNote.hidden = !detail.active;
  });
  call.addEventListener('mute', ({ detail }) => {
    remoteMute.audio = detail.audio;
    remoteMute.video = detail.video;
    renderRemoteNote();
  });
  call.addEventListener('participants', () => {
    if (mainPeer && !call.participants.has(mainPeer)) {
      mainPeer = null;
      for (const media of [ui.remoteVideo, ui.remoteAudio]) media.srcObject = null;
    }
    for (const [peer, tile] of guestTiles) {
      if (call.participants.has(peer)) continue;
      tile.tile.remove();
      guestTiles.delete(peer);
    }
    renderGuestCaptions();
    if (call.participants.size === 0) {
      // Their tracks are gone; show nothing rather than a frozen frame.
      for (const media of [ui.remoteVideo, ui.remoteAudio, ui.remoteScreen]) media.srcObject = null;
      remoteMute.audio = remoteMute.video = false;
      screenSharer = null;
      renderScreenView();
      renderRemoteNote();
    }
    renderStatus();
  });
  call.addEventListener('chat', ({ detail }) => appendChat(detail));
  call.addEventListener('error', ({ detail }) => {
    if (detail.code === 'no-devices') showAlert(() => strings.status.noDevices, { sticky: true });
    else if (!detail.fatal) showAlert(() => strings.errors[detail.code] ?? detail.message ?? strings.errorFallback);
    // A fatal error (a refused join) is the status line itself; see renderStatus().
    if (detail.fatal) console.warn(`balie: the gateway refused to join: ${detail.code}: ${detail.message}`);
  });
  call.addEventListener('statechange', () => renderStatus());
}

/** Whether @peer's camera and audio go to a tile rather than the main view. */
function isGuest(peer) {
  if (!peer || peer === mainPeer) return false;
  const who = call.participants.get(peer);
  const otherRole = role === 'advisor' ? 'customer' : 'advisor';
  if (!mainPeer && (!who || who.role === otherRole)) {
    mainPeer = peer;
    return false;
  }
  return true;
}

function guestTile(peer) {
  let tile = guestTiles.get(peer);
  if (tile) return tile;
  const figure = document.createElement('figure');
  figure.className = 'guest';
  figure.dataset.peer = peer;
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  video.muted = true;
  const audio = document.createElement('audio');
  audio.autoplay = true;
  const caption = document.createElement('figcaption');
  figure.append(video, caption, audio);
  ui.guests.append(figure);
  tile = { tile: figure, video, audio, caption };
  guestTiles.set(peer, tile);
  renderGuestCaptions();
  return tile;
}

function renderGuestCaptions() {
  for (const [peer, tile] of guestTiles) {
    const who = call.participants.get(peer);
    const label = who?.name || strings.roleName[who?.role] || strings.guest;
    tile.caption.textContent = label;
    tile.video.setAttribute('aria-label', strings.guestVideo(label));
  }
}

function otherSide() {
  const [other] = call.participants.values();
  if (other?.name) return other.name;
  return strings.roleName[role === 'advisor' ? 'customer' : 'advisor'];
}

function renderStatus() {
  const s = strings.status;
  const who = otherSide();
  const joined = call.joined && !call.ended;
  ui.share.disabled = !joined;
  ui.chatInput.disabled = !joined;
  ui.chatSend.disabled = !joined;
  switch (call.state) {
    case 'connecting':
      setStatus(s.connecting);
      break;
    case 'waiting':
      // The customer also hears what to expect.
      setStatus(role === 'customer' ? `${s.waiting(who)} ${s.waitingCustomer}` : s.waiting(who));
      break;
    case 'other-left':
      setStatus(s.otherLeft(who));
      break;
    case 'other-gone':
      setStatus(s.otherGone(who));
      break;
    case 'reconnecting':
      setStatus(s.reconnecting);
      break;
    case 'media-connecting':
      setStatus(s.mediaConnecting);
      break;
    case 'connected':
      setStatus(s.connected(who));
      break;
    case 'failed':
      setStatus(s.mediaFailed);
      break;
    case 'ended':
      if (call.endedBy && call.endedBy === call.peerId) setStatus(s.endedByYou);
      else if (call.endedBy) setStatus(s.endedByOther(who));
      else setStatus(s.ended);
      disableAll();
      afterCall();
      if (role === 'advisor' && call.wrapUpToken) {
        document.dispatchEvent(new CustomEvent('balie-wrap-up', { detail: { token: call.wrapUpToken } }));
      }
      break;
    case 'error':
      setStatus(errorText(call.fatalError));
      disableAll();
      if (call.fatalError === 'capacity' && role === 'customer') {
        // A full node: the busy page, whose "try again" comes back here.
        leave(`notice.html?${new URLSearchParams({ notice: 'busy', lang, retry: location.pathname + location.search })}`);
      }
      break;
  }
  document.body.dataset.state = call.state;
}

function errorText(reason) {
  const s = strings.status;
  if (reason === 'no-webrtc') return s.noWebRTC;
  if (reason === 'unreachable') return s.serverUnreachable;
  if (reason === 'server-lost') return s.serverLost;
  return strings.errors[reason] ?? call.fatalMessage ?? strings.errorFallback;
}

function disableAll() {
  for (const button of ui.controls.querySelectorAll('button')) button.disabled = true;
  ui.chatInput.disabled = true;
  ui.chatSend.disabled = true;
  ui.sharingNote.hidden = true;
  ui.share.textContent = strings.shareScreen;
  screenSharer = null;
  renderScreenView();
}

// After the call the customer goes on by themselves (location.replace: the
// back button does not lead into the call again): to the rating page after an
// answered call, with its token in the fragment so no server log sees it; else
// (a guest, a call nobody answered) to the end page. The language goes along.
function afterCall() {
  if (role !== 'customer') return;
  const query = new URLSearchParams({ lang });
  if (call.endedBy === call.peerId) query.set('ended', 'you');
  else query.set('ended', call.participants.get(call.endedBy)?.role === 'advisor' ? 'advisor' : 'other');
  if (call.ratingToken) leave(`rate.html?${query}#t=${encodeURIComponent(call.ratingToken)}`);
  else leave(`notice.html?notice=end&${query}`);
}

let leaving = false;
function leave(url) {
  if (leaving) return; // the status is rendered again on other events
  leaving = true;
  location.replace(url);
}

function setStatus(text) {
  if (ui.status.textContent !== text) ui.status.textContent = text;
}

// `text` is a function, so a language switch can show the alert again in the new language.
function showAlert(text, { sticky = false } = {}) {
  alertText = text;
  ui.alert.textContent = text();
  ui.alert.hidden = false;
  clearTimeout(alertTimer);
  // A refused chat line or share is news for a moment, not for the whole call.
  if (!sticky)
    alertTimer = setTimeout(() => {
      ui.alert.hidden = true;
      alertText = null;
    }, 10000);
}

function renderScreenView() {
  const active = screenSharer !== null;
  ui.screenView.hidden = !active;
  document.body.classList.toggle('remote-sharing', active);
  if (active) {
    ui.screenHeading.textContent = strings.remoteScreenHeading(otherSide());
    playMedia(ui.remoteScreen);
  }
}

function renderRemoteNote() {
  const who = otherSide();
  const notes = [];
  if (remoteMute.video) notes.push(strings.remoteCameraOff(who));
  if (remoteMute.audio) notes.push(strings.remoteMicOff(who));
  ui.remoteNote.textContent = notes.join(' ');
  ui.remoteNote.hidden = notes.length === 0;
  ui.remoteVideo.classList.toggle('off', remoteMute.video);
}

function appendChat({ name: author, text, ts, own, role: authorRole }) {
  const item = document.createElement('li');
  item.className = own ? 'own' : 'other';
  const who = document.createElement('span');
  who.className = 'who';
  who.textContent = own ? strings.you : author || strings.roleLabel[authorRole] || '?';
  const time = document.createElement('time');
  const date = Number.isFinite(ts) ? new Date(ts) : new Date();
  time.dateTime = date.toISOString();
  time.textContent = date.toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
  const body = document.createElement('span');
  body.className = 'text';
  body.textContent = text; // never innerHTML: chat text comes from the other side
  item.append(who, ' ', time, ' ', body);
  ui.chatList.append(item);
  ui.chatLog.scrollTop = ui.chatLog.scrollHeight;
}

function playMedia(media) {
  if (!media.srcObject) return;
  const played = media.play();
  if (played && media === ui.remoteAudio) {
    // Browsers without the capture exemption block sound until a click.
    played.catch((err) => {
      if (err.name === 'NotAllowedError') ui.sound.hidden = false;
    });
  } else if (played) {
    played.catch(() => {});
  }
}
