// SPDX-License-Identifier: Apache-2.0
// The advisor's pointer on a shared screen (docs/protocol.md, "Pointer"). The advisor
// clicks, taps or uses the keyboard on a view of the shared picture; everyone else sees a
// marker at the same place on their own view of it: the sharer on a small preview of
// what they share, the others on the shared screen. Places travel as fractions of the
// picture itself (not of the <video> box around it), so letterboxing and different
// window sizes map onto the same spot.
import { strings } from './strings.js';

const KEY_STEP = 0.05; // arrow keys move the cross by 5 % of the picture …
const FINE_STEP = 0.01; // … or 1 % with Shift
const ANNOUNCE_GAP_MS = 4000; // a screen reader hears "pointing" at most this often

/** The part of @video's box that its picture fills (object-fit: contain), in CSS pixels. */
export function contentRect(video) {
  const width = video.clientWidth;
  const height = video.clientHeight;
  const vw = video.videoWidth;
  const vh = video.videoHeight;
  if (!width || !height || !vw || !vh) return { left: 0, top: 0, width, height };
  const scale = Math.min(width / vw, height / vh);
  return { left: (width - vw * scale) / 2, top: (height - vh * scale) / 2, width: vw * scale, height: vh * scale };
}

const clamp = (v) => Math.min(1, Math.max(0, v));
const percent = (v) => Math.round(v * 100);

/**
 * One view of a shared picture with a marker layer over exactly that picture. With
 * `onPoint`, the layer takes clicks, taps and keys (the advisor's side).
 */
class Surface {
  constructor(video, { onPoint = null, onHide = null } = {}) {
    this.video = video;
    this.onPoint = onPoint;
    this.layer = document.createElement('div');
    this.layer.className = 'pointer-layer';
    this.marker = document.createElement('div');
    this.marker.className = 'pointer-marker';
    this.marker.hidden = true;
    this.marker.setAttribute('aria-hidden', 'true');
    this.layer.append(this.marker);
    if (onPoint) {
      this.cursor = { x: 0.5, y: 0.5 };
      this.cross = document.createElement('div');
      this.cross.className = 'pointer-cross';
      this.cross.setAttribute('aria-hidden', 'true');
      this.layer.append(this.cross);
      this.layer.tabIndex = 0;
      this.layer.setAttribute('role', 'application');
      this.layer.classList.add('interactive');
      this.layer.addEventListener('click', (event) => {
        const box = this.layer.getBoundingClientRect();
        if (!box.width || !box.height) return;
        this.cursor = { x: clamp((event.clientX - box.left) / box.width), y: clamp((event.clientY - box.top) / box.height) };
        this.placeCross();
        onPoint(this.cursor.x, this.cursor.y);
      });
      this.layer.addEventListener('keydown', (event) => this.onKey(event, onHide));
      this.placeCross();
    }
    video.after(this.layer);
    new ResizeObserver(() => this.fit()).observe(video);
    for (const type of ['loadedmetadata', 'resize']) video.addEventListener(type, () => this.fit());
    this.fit();
  }

  onKey(event, onHide) {
    const step = event.shiftKey ? FINE_STEP : KEY_STEP;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (moves[event.key]) {
      const [dx, dy] = moves[event.key];
      this.cursor = { x: clamp(this.cursor.x + dx), y: clamp(this.cursor.y + dy) };
      this.placeCross();
    } else if (event.key === 'Enter' || event.key === ' ') {
      this.onPoint(this.cursor.x, this.cursor.y);
    } else if (event.key === 'Escape') {
      onHide?.();
    } else {
      return;
    }
    event.preventDefault();
  }

  /** Lays the layer over the picture inside the video's box. */
  fit() {
    const rect = contentRect(this.video);
    Object.assign(this.layer.style, {
      left: `${this.video.offsetLeft + rect.left}px`,
      top: `${this.video.offsetTop + rect.top}px`,
      width: `${rect.width}px`,
      height: `${rect.height}px`,
    });
  }

  placeCross() {
    this.cross.style.left = `${this.cursor.x * 100}%`;
    this.cross.style.top = `${this.cursor.y * 100}%`;
  }

  show(x, y) {
    this.marker.style.left = `${x * 100}%`;
    this.marker.style.top = `${y * 100}%`;
    this.marker.hidden = false;
    // Restart the pulse so a second point at the same place is noticed too.
    this.marker.classList.remove('pulse');
    void this.marker.offsetWidth;
    this.marker.classList.add('pulse');
    this.fit();
  }

  hide() {
    this.marker.hidden = true;
  }

  label(text, describedBy) {
    if (!this.onPoint) return;
    this.layer.setAttribute('aria-label', text);
    this.layer.setAttribute('aria-describedby', describedBy);
  }
}

/**
 * Wires the pointer into a call page. @call is the page's Call; @role 'advisor' or
 * 'customer'. Returns {applyLanguage} for the page's language switch.
 */
export function wirePointer(call, role) {
  const advisor = role === 'advisor';
  const stage = document.getElementById('stage');
  const remoteVideo = document.getElementById('remote-screen');
  let remoteSharer = null; // peer id whose screen #remote-screen shows
  let pointed = null; // {screen, x, y} the advisor last placed, on the advisor's page
  let lastAnnounced = 0;

  const live = document.createElement('p');
  live.className = 'visually-hidden';
  // aria-live without role="status": the page's one status is the call state (tests find it by role).
  live.setAttribute('aria-live', 'polite');
  live.id = 'pointer-live';
  stage.append(live);

  const help = document.createElement('p');
  help.id = 'pointer-help';
  help.className = 'pointer-help';
  help.hidden = !advisor;

  const hideButton = document.createElement('button');
  hideButton.type = 'button';
  hideButton.id = 'pointer-hide';
  hideButton.hidden = true;

  // Our own share, as the others see it: where the advisor points for us, or where we point.
  const own = document.createElement('section');
  own.id = 'own-screen-view';
  own.className = 'own-screen-view';
  own.hidden = true;
  own.setAttribute('aria-labelledby', 'own-screen-heading');
  const ownHeading = document.createElement('h2');
  ownHeading.id = 'own-screen-heading';
  ownHeading.className = 'screen-heading';
  const ownVideo = document.createElement('video');
  ownVideo.id = 'own-screen';
  ownVideo.autoplay = true;
  ownVideo.muted = true;
  ownVideo.playsInline = true;
  own.append(ownHeading, ownVideo);
  (document.getElementById('sharing-note') ?? stage.lastElementChild).after(own);

  const point = (screen) => (x, y) => {
    if (!call.sendPointer(screen(), true, x, y)) return;
    pointed = { screen: screen(), x, y };
    surfaceFor(pointed.screen)?.show(x, y);
    hideButton.hidden = false;
    announce(strings.pointer.placed(percent(x), percent(y)), true);
  };
  const hide = () => {
    if (pointed) call.sendPointer(pointed.screen, false);
    clearAll();
  };
  const options = (screen) => (advisor ? { onPoint: point(screen), onHide: hide } : {});
  const remote = new Surface(remoteVideo, options(() => remoteSharer));
  const mine = new Surface(ownVideo, options(() => call.peerId));
  if (advisor) {
    document.getElementById('screen-view').append(help);
    hideButton.addEventListener('click', hide);
    help.after(hideButton);
  }

  function surfaceFor(screen) {
    if (screen && screen === call.peerId) return mine;
    if (screen && screen === remoteSharer) return remote;
    return null;
  }

  function clearAll() {
    remote.hide();
    mine.hide();
    pointed = null;
    hideButton.hidden = true;
  }

  function announce(text, always = false) {
    const now = Date.now();
    if (!always && now - lastAnnounced < ANNOUNCE_GAP_MS) return;
    lastAnnounced = now;
    live.textContent = '';
    setTimeout(() => {
      live.textContent = text;
    }, 50);
  }

  function applyLanguage() {
    const p = strings.pointer;
    ownHeading.textContent = p.ownScreen;
    ownVideo.setAttribute('aria-label', p.ownScreen);
    help.textContent = p.help;
    hideButton.textContent = p.hide;
    remote.label(p.padLabel, help.id);
    mine.label(p.padLabelOwn, help.id);
  }

  call.addEventListener('pointer', ({ detail }) => {
    const surface = surfaceFor(detail.screen);
    if (!surface) return;
    if (!detail.show) {
      surface.hide();
      return;
    }
    const wasVisible = !surface.marker.hidden;
    surface.show(detail.x, detail.y);
    announce(surface === mine ? strings.pointer.atYourScreen : strings.pointer.atSharedScreen, !wasVisible);
  });
  call.addEventListener('screen', ({ detail }) => {
    if (detail.active) remoteSharer = detail.peer;
    else if (detail.peer === remoteSharer) remoteSharer = null;
    remote.hide();
    if (pointed && pointed.screen !== call.peerId) clearAll();
  });
  call.addEventListener('sharing', ({ detail }) => {
    own.hidden = !detail.active;
    mine.hide();
    if (pointed && pointed.screen === call.peerId) clearAll();
    if (detail.active && call.screenTrack) {
      ownVideo.srcObject = new MediaStream([call.screenTrack]);
      ownVideo.play().catch(() => {});
      if (advisor) own.append(help, hideButton);
    } else {
      ownVideo.srcObject = null;
      if (advisor) document.getElementById('screen-view').append(help, hideButton);
    }
  });
  call.addEventListener('statechange', () => {
    if (call.state === 'ended' || call.state === 'error') {
      clearAll();
      own.hidden = true;
    }
  });

  applyLanguage();
  return { applyLanguage };
}
