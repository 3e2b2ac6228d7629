// SPDX-License-Identifier: Apache-2.0
// The device and connection check (check.html), between a join link and the
// call or waiting room: camera preview, microphone level, a test tone for the
// speaker, device pickers, plain help when the browser refuses a device, and a
// real connection check against the gateway (conncheck.js). The choices go to
// the next page in sessionStorage ("balie.media", read by ui.js).
import { runConnectionCheck } from './conncheck.js';
import { applyTexts, loadBrand, orgName, text, wireLanguage } from './page.js';
import { lang, strings } from './strings.js';

export const MEDIA_CHOICE_KEY = 'balie.media';
const params = new URLSearchParams(location.search);
const next = params.get('next') === 'queue' ? 'queue' : 'customer';
const scheme = location.protocol === 'http:' ? 'ws' : 'wss';
const $ = (id) => document.getElementById(id);

const state = {
  stream: null,
  problem: null, // {kind: 'denied'|'busy'|'missing'|'insecure'|'unsupported', device: 'camera'|'mic'|'both'}
  heardLevel: false,
  heard: null, // true/false once answered
  net: 'idle', // idle | connecting | measuring | done
  result: null,
  audioCtx: null,
  meterFrame: 0,
};

render();
wireLanguage(render);
loadBrand(render);
wireControls();
startDevices();

function render() {
  applyTexts();
  document.title = `${strings.check.title} – ${orgName()}`;
  $('continue').textContent = next === 'queue' ? strings.check.continueQueue : strings.check.continueCall;
  $('preview').setAttribute('aria-label', strings.check.preview);
  renderCamera();
  renderMic();
  renderSpeaker();
  renderProblem();
  renderNet();
}

function wireControls() {
  $('retry-devices').addEventListener('click', () => startDevices());
  $('camera-select').addEventListener('change', () => switchDevice('video', $('camera-select').value));
  $('mic-select').addEventListener('change', () => switchDevice('audio', $('mic-select').value));
  $('speaker-select').addEventListener('change', () => {
    state.heard = null;
    renderSpeaker();
  });
  $('play-tone').addEventListener('click', playTone);
  $('heard-yes').addEventListener('click', () => answerHeard(true));
  $('heard-no').addEventListener('click', () => answerHeard(false));
  $('net-run').addEventListener('click', () => checkConnection());
  $('audio-only').addEventListener('change', () => renderCamera());
  $('continue').addEventListener('click', goOn);
}

// ---- devices ---------------------------------------------------------------

/** Asks for camera and microphone; on failure, finds out which one and why. */
async function startDevices() {
  stopStream();
  state.problem = null;
  if (!window.isSecureContext) state.problem = { kind: 'insecure', device: 'both' };
  else if (!navigator.mediaDevices?.getUserMedia || !window.RTCPeerConnection) state.problem = { kind: 'unsupported', device: 'both' };
  if (state.problem) {
    render();
    return;
  }
  let stream = null;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: { ideal: 640 }, height: { ideal: 480 } } });
  } catch (err) {
    // Which one failed? Try each alone: a busy camera still leaves a working microphone.
    const [audio, video] = await Promise.all([tryDevice({ audio: true }), tryDevice({ video: true })]);
    if (audio.stream && !video.stream) {
      stream = audio.stream;
      state.problem = { kind: problemKind(video.error), device: 'camera' };
      $('audio-only').checked = true;
    } else if (video.stream && !audio.stream) {
      video.stream.getTracks().forEach((t) => t.stop());
      state.problem = { kind: problemKind(audio.error), device: 'mic' };
    } else {
      for (const s of [audio.stream, video.stream]) s?.getTracks().forEach((t) => t.stop());
      state.problem = { kind: problemKind(err), device: 'both' };
    }
    console.warn('balie: device check:', err.name, err.message);
  }
  state.stream = stream;
  if (stream) {
    $('preview').srcObject = stream;
    $('preview').play().catch(() => {});
    startMeter(stream);
  }
  await fillPickers();
  render();
  if (stream && state.net === 'idle') checkConnection();
}

async function tryDevice(constraints) {
  try {
    return { stream: await navigator.mediaDevices.getUserMedia(constraints) };
  } catch (error) {
    return { error };
  }
}

function problemKind(err) {
  switch (err?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
    case 'PermissionDeniedError':
      return 'denied';
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return 'busy';
    default:
      return 'missing'; // NotFoundError, OverconstrainedError, ...
  }
}

async function switchDevice(kind, deviceId) {
  if (!state.stream) return;
  const constraints = kind === 'audio' ? { audio: { deviceId: { exact: deviceId } } } : { video: { deviceId: { exact: deviceId } } };
  const { stream, error } = await tryDevice(constraints);
  if (!stream) {
    state.problem = { kind: problemKind(error), device: kind === 'audio' ? 'mic' : 'camera' };
    render();
    return;
  }
  const old = kind === 'audio' ? state.stream.getAudioTracks() : state.stream.getVideoTracks();
  for (const t of old) {
    t.stop();
    state.stream.removeTrack(t);
  }
  for (const t of stream.getTracks()) state.stream.addTrack(t);
  state.problem = null;
  if (kind === 'audio') startMeter(state.stream);
  else $('preview').srcObject = state.stream;
  render();
}

async function fillPickers() {
  let devices = [];
  try {
    devices = await navigator.mediaDevices.enumerateDevices();
  } catch {
    devices = [];
  }
  const current = {
    videoinput: state.stream?.getVideoTracks()[0]?.getSettings().deviceId,
    audioinput: state.stream?.getAudioTracks()[0]?.getSettings().deviceId,
  };
  const fill = (select, kind, fallback) => {
    const list = devices.filter((d) => d.kind === kind && d.deviceId);
    select.replaceChildren(
      ...list.map((d, i) => {
        const option = new Option(d.label || `${fallback} ${i + 1}`, d.deviceId);
        option.selected = d.deviceId === current[kind];
        return option;
      }),
    );
    select.disabled = list.length < 2 || !state.stream;
  };
  fill($('camera-select'), 'videoinput', strings.check.cameraFallback);
  fill($('mic-select'), 'audioinput', strings.check.micFallback);
  // Choosing the speaker needs setSinkId (Chrome, Edge, Firefox 116+); Safari uses the system's.
  const outputs = devices.filter((d) => d.kind === 'audiooutput' && d.deviceId);
  const canPick = typeof HTMLMediaElement.prototype.setSinkId === 'function' && outputs.length > 1;
  $('speaker-picker').hidden = !canPick;
  if (canPick) fill($('speaker-select'), 'audiooutput', strings.check.speakerFallback);
}

function stopStream() {
  cancelAnimationFrame(state.meterFrame);
  state.stream?.getTracks().forEach((t) => t.stop());
  state.stream = null;
}

// ---- microphone level ------------------------------------------------------

function startMeter(stream) {
  cancelAnimationFrame(state.meterFrame);
  const track = stream.getAudioTracks()[0];
  if (!track) return;
  state.audioCtx ??= new AudioContext();
  const analyser = state.audioCtx.createAnalyser();
  analyser.fftSize = 1024;
  state.audioCtx.createMediaStreamSource(new MediaStream([track])).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const meter = $('mic-level');
  const tick = () => {
    if (track.readyState === 'ended') return;
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const v of samples) sum += v * v;
    // RMS to a 0..100 scale that moves for speech at a normal distance.
    const level = Math.min(100, Math.round(Math.sqrt(sum / samples.length) * 300));
    meter.value = level;
    meter.setAttribute('aria-valuetext', `${level} %`);
    if (level >= 8 && !state.heardLevel) {
      state.heardLevel = true;
      renderMic();
    }
    state.meterFrame = requestAnimationFrame(tick);
  };
  state.audioCtx.resume().catch(() => {});
  tick();
}

// ---- speaker ---------------------------------------------------------------

/** A soft two-note chime of a second, made in the page: no file to fetch. */
async function playTone() {
  const ctx = new AudioContext();
  const sinkId = $('speaker-picker').hidden ? '' : $('speaker-select').value;
  if (sinkId && typeof ctx.setSinkId === 'function') await ctx.setSinkId(sinkId).catch(() => {});
  const gain = ctx.createGain();
  gain.connect(ctx.destination);
  const now = ctx.currentTime;
  gain.gain.setValueAtTime(0, now);
  gain.gain.linearRampToValueAtTime(0.3, now + 0.05);
  gain.gain.setValueAtTime(0.3, now + 0.9);
  gain.gain.linearRampToValueAtTime(0, now + 1.1);
  for (const [freq, start] of [
    [660, 0],
    [880, 0.45],
  ]) {
    const osc = ctx.createOscillator();
    osc.frequency.value = freq;
    osc.connect(gain);
    osc.start(now + start);
    osc.stop(now + 1.1);
  }
  document.body.dataset.tone = 'playing';
  setTimeout(() => {
    ctx.close();
    document.body.dataset.tone = 'played';
  }, 1200);
  $('heard').hidden = false;
  $('speaker-result').textContent = '';
}

function answerHeard(yes) {
  state.heard = yes;
  renderSpeaker();
  if (!yes) $('play-tone').focus();
}

// ---- connection ------------------------------------------------------------

async function checkConnection() {
  if (state.net === 'connecting' || state.net === 'measuring') return;
  state.result = null;
  state.net = 'connecting';
  renderNet();
  const stream = state.stream ?? new MediaStream();
  const result = await runConnectionCheck({
    stream,
    url: `${scheme}://${location.host}/ws/check`,
    onProgress: (phase) => {
      state.net = phase;
      renderNet();
    },
  });
  state.net = 'done';
  state.result = result;
  if (result.verdict === 'weak') $('audio-only').checked = true;
  renderNet();
  renderCamera();
}

// ---- rendering -------------------------------------------------------------

function renderCamera() {
  const c = strings.check;
  const video = state.stream?.getVideoTracks()[0];
  const audioOnly = $('audio-only').checked;
  $('preview').classList.toggle('off', !video || audioOnly);
  $('camera-result').textContent = !video ? c.cameraNone : audioOnly ? c.cameraAudioOnly : c.cameraOk;
  setMark($('camera-result'), video && !audioOnly ? 'ok' : 'warn');
}

function renderMic() {
  const c = strings.check;
  const audio = state.stream?.getAudioTracks()[0];
  $('mic-result').textContent = !audio ? c.micNone : state.heardLevel ? c.micOk : c.micWaiting;
  setMark($('mic-result'), !audio ? 'bad' : state.heardLevel ? 'ok' : 'info');
}

function renderSpeaker() {
  const c = strings.check;
  const node = $('speaker-result');
  node.textContent = state.heard === true ? c.speakerOk : state.heard === false ? c.speakerHelp : '';
  setMark(node, state.heard === true ? 'ok' : state.heard === false ? 'warn' : 'info');
}

function renderProblem() {
  const p = state.problem;
  $('help').hidden = !p;
  $('alert').hidden = !p;
  if (!p) return;
  const c = strings.check;
  $('alert').textContent = c.problem[p.kind](c.deviceName[p.device]);
  $('help-heading').textContent = c.helpHeading;
  const steps = p.kind === 'denied' ? c.deniedSteps[browserFamily()] : c.steps[p.kind];
  $('help-steps').replaceChildren(...steps.map((s) => Object.assign(document.createElement('li'), { textContent: s })));
}

function renderNet() {
  const c = strings.check;
  $('net-run').disabled = state.net === 'connecting' || state.net === 'measuring';
  $('net-run').textContent = state.net === 'done' ? c.netAgain : c.netRun;
  $('net-status').textContent = c.netPhase[state.net];
  const verdict = $('net-verdict');
  const figures = $('net-figures');
  const r = state.result;
  verdict.hidden = !r;
  figures.hidden = !r || r.verdict === 'failed';
  if (!r) return;
  verdict.textContent = r.verdict === 'failed' ? c.verdict.failed[r.reason] ?? c.verdict.failed.media : c.verdict[r.verdict];
  setMark(verdict, r.verdict === 'good' ? 'ok' : r.verdict === 'weak' ? 'warn' : 'bad');
  document.body.dataset.verdict = r.verdict;
  const unknown = c.unknownFigure;
  figures.textContent = c.figures({
    rtt: r.rttMs ?? unknown,
    loss: r.lossPct ?? unknown,
    video: r.videoKbps ?? unknown,
    relay: r.relay,
  });
}

/** Sets the result mark: a word-free symbol next to the text, never colour alone. */
function setMark(node, kind) {
  node.dataset.mark = kind;
}

function browserFamily() {
  const ua = navigator.userAgent;
  if (/iPhone|iPad|iPod/.test(ua)) return 'ios';
  if (/Firefox\//.test(ua)) return 'firefox';
  if (/Android/.test(ua)) return 'android';
  if (/Safari\//.test(ua) && !/Chrome\/|Chromium\//.test(ua)) return 'safari';
  return 'chrome';
}

function goOn() {
  const choice = {
    audioOnly: $('audio-only').checked || !state.stream?.getVideoTracks().length,
    audioDevice: state.stream?.getAudioTracks()[0]?.getSettings().deviceId ?? null,
    videoDevice: state.stream?.getVideoTracks()[0]?.getSettings().deviceId ?? null,
    speaker: $('speaker-picker').hidden ? null : $('speaker-select').value || null,
  };
  try {
    sessionStorage.setItem(MEDIA_CHOICE_KEY, JSON.stringify(choice));
  } catch {
    // Storage blocked: the call page asks for the default devices.
  }
  stopStream();
  const query = new URLSearchParams();
  for (const key of ['room', 'token', 'queue', 'name']) if (params.get(key)) query.set(key, params.get(key));
  if (params.get('lang')) query.set('lang', lang);
  location.href = `${next}.html?${query}`;
}

// For tests and support: what the page found.
Object.defineProperty(window, 'balieCheck', {
  value: Object.freeze({
    get result() {
      return state.result;
    },
    get problem() {
      return state.problem;
    },
    text,
  }),
});
