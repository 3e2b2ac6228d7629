// SPDX-License-Identifier: Apache-2.0
// Shared parts of the browser end-to-end tests (call.test.mjs, quality.test.mjs):
// Chromium launch flags, opening a call page, getStats sampling, waits with
// deadlines, gateway health and log checks, and a failure report.
//
// Every test runs through tests/e2e/run-in-netns.sh, which starts the gateway in
// a private network namespace and passes BALIE_URL and BALIE_GATEWAY_LOG.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..', '..');
export const outDir = join(here, 'out');
export const baseUrl = (process.env.BALIE_URL || '').replace(/\/+$/, '');
export const gatewayLog = process.env.BALIE_GATEWAY_LOG || '';

mkdirSync(outDir, { recursive: true });

// DESIGN.md, "Facts about testing here". Playwright adds its own
// --disable-features; a second one would silently replace it, so none here.
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
];

export const MIN_FPS = 5;
export const WINDOW_MS = 3000; // one measuring window
export const MEDIA_DEADLINE_MS = 40000; // how long media may take to reach the rates
export const UI_TIMEOUT_MS = 15000;

const started = Date.now();
/** Seconds since this module was loaded, for log lines. */
export function elapsed() {
  return `${((Date.now() - started) / 1000).toFixed(1)}s`;
}

/**
 * Headless Debian Chromium with the flags above. `fakeDevice` gives the fake
 * capture devices options (e.g. "fps=30,display-media-type=browser"), `extraArgs`
 * are appended.
 */
export function launchBrowser({ fakeDevice = '', extraArgs = [], withoutFakeUi = false } = {}) {
  // withoutFakeUi: permission prompts are not answered "allow" by themselves.
  const args = CHROMIUM_ARGS.map((a) =>
    a === '--use-fake-device-for-media-stream' && fakeDevice ? `${a}=${fakeDevice}` : a,
  ).filter((a) => !(withoutFakeUi && a === '--use-fake-ui-for-media-stream'));
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [...args, ...extraArgs],
    timeout: 30000,
  });
}

/**
 * Opens `role`.html for `room` in a fresh context with camera and microphone
 * allowed; collects the page's console and errors. `initScript` (a function)
 * runs in the page before its own scripts. Returns {context, page, logs}.
 */
export async function openSide(browser, role, room, { name = '', initScript = null, initArg } = {}) {
  const query = `room=${room}${name ? `&name=${name}` : ''}`;
  return openPage(browser, `/${role}.html?${query}`, { initScript, initArg });
}

/**
 * A fresh browser context (as openSide's; `headers` go with every request) with
 * one page at `path`. Returns {context, page, logs}.
 */
export async function openPage(browser, path, { headers = {}, initScript = null, initArg } = {}) {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    permissions: ['camera', 'microphone'],
    viewport: { width: 1280, height: 800 },
    // The pages default to Dutch; these tests name controls in English.
    locale: 'en-US',
    extraHTTPHeaders: headers,
  });
  if (initScript) await context.addInitScript(initScript, initArg);
  const page = await context.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(`[${elapsed()}] ${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`[${elapsed()}] pageerror: ${e.stack || e}`));
  await page.goto(`${baseUrl}${path}`, { timeout: UI_TIMEOUT_MS });
  return { context, page, logs };
}

/**
 * fetch() inside `page` (its cookies), JSON in and out: {status, json, backend},
 * backend the node a load balancer says answered (X-Balie-Backend), if any.
 */
export function pageFetch(page, method, path, { body, csrf } = {}) {
  return page.evaluate(
    async ({ method, path, body, csrf }) => {
      const headers = { 'content-type': 'application/json' };
      if (csrf) headers['X-CSRF-Token'] = csrf;
      const r = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
      const text = await r.text();
      let json;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = { notJson: text.slice(0, 200) }; // e.g. a load balancer's own error page
      }
      return { status: r.status, json, backend: r.headers.get('x-balie-backend') };
    },
    { method, path, body, csrf },
  );
}

/** An account made with the real `balie user add` of the gateway under test (BALIE_GATEWAY). */
export function addAccount(name, password, role = 'advisor') {
  execFileSync(process.env.BALIE_GATEWAY, ['user', 'add', name, '--role', role], {
    input: `${password}\n`,
    env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
}

/** Polls fn until it returns something truthy, at most timeoutMs. */
export async function waitFor(what, fn, timeoutMs, intervalMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}${last ? ` (${last.message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * After a call the customer's page goes on by itself (web/ui.js): to the rating
 * page after an answered call (`which` 'rate'), else to the end page ('end').
 * Waits for that page, its English heading and its line saying the call ended.
 */
export async function waitForAfterCall(page, which) {
  await page.waitForURL(which === 'rate' ? /\/rate\.html\?.*#t=/ : /\/notice\.html\?notice=end&/, { timeout: UI_TIMEOUT_MS });
  const heading = which === 'rate' ? 'How was your call?' : 'Thank you for your call';
  await page.getByRole('heading', { level: 1, name: heading }).waitFor({ timeout: UI_TIMEOUT_MS });
  await page.getByText(/^The call has ended\./).waitFor({ timeout: UI_TIMEOUT_MS });
}

export async function waitForStatus(page, pattern) {
  const status = page.getByRole('status');
  return waitFor(
    `status matching ${pattern} on ${page.url()}`,
    async () => pattern.test((await status.textContent()) || ''),
    UI_TIMEOUT_MS,
  ).catch(async (err) => {
    err.message += ` — status is "${await status.textContent().catch(() => '?')}"`;
    throw err;
  });
}

/**
 * inbound-rtp stats of the page, each labelled with its source and direction
 * from the latest offer, with its codec's mimeType and the receiving
 * transceiver's track kind.
 */
export async function inboundStats(page) {
  return page.evaluate(async () => {
    const { pc, tracks } = window.balie;
    const midOfTrack = new Map();
    const kindOfMid = new Map();
    for (const t of pc.getTransceivers()) {
      if (t.mid == null) continue;
      midOfTrack.set(t.receiver.track.id, t.mid);
      kindOfMid.set(t.mid, t.receiver.track.kind);
    }
    const report = await pc.getStats();
    const inbound = [];
    report.forEach((r) => {
      if (r.type !== 'inbound-rtp') return;
      const mid = r.mid ?? midOfTrack.get(r.trackIdentifier);
      const entry = tracks.find((e) => e.mid === mid);
      inbound.push({
        kind: r.kind,
        trackKind: kindOfMid.get(mid),
        mid,
        source: entry?.source,
        direction: entry?.direction,
        offerKind: entry?.kind,
        trackIdentifier: r.trackIdentifier,
        ssrc: r.ssrc,
        packetsReceived: r.packetsReceived ?? 0,
        packetsLost: r.packetsLost ?? 0,
        bytesReceived: r.bytesReceived ?? 0,
        framesDecoded: r.framesDecoded ?? 0,
        framesPerSecond: r.framesPerSecond ?? 0,
        frameWidth: r.frameWidth ?? 0,
        frameHeight: r.frameHeight ?? 0,
        freezeCount: r.freezeCount ?? 0,
        totalFreezesDuration: r.totalFreezesDuration ?? 0,
        nackCount: r.nackCount ?? 0,
        pliCount: r.pliCount ?? 0,
        firCount: r.firCount ?? 0,
        keyFramesDecoded: r.keyFramesDecoded ?? 0,
        totalAudioEnergy: r.totalAudioEnergy ?? 0,
        audioLevel: r.audioLevel ?? 0,
        concealedSamples: r.concealedSamples ?? 0,
        totalSamplesReceived: r.totalSamplesReceived ?? 0,
        codecId: r.codecId,
        mimeType: r.codecId ? report.get(r.codecId)?.mimeType : undefined,
      });
    });
    return { now: performance.now(), inbound };
  });
}

/** outbound-rtp stats: what the browser sends, at what target and why it is limited. */
export async function outboundStats(page) {
  return page.evaluate(async () => {
    const out = [];
    const report = await window.balie.pc.getStats();
    let availableOutgoingBitrate;
    report.forEach((r) => {
      if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded')
        availableOutgoingBitrate = r.availableOutgoingBitrate;
    });
    report.forEach((r) => {
      if (r.type !== 'outbound-rtp') return;
      out.push({
        kind: r.kind,
        mid: r.mid,
        ssrc: r.ssrc,
        packetsSent: r.packetsSent,
        bytesSent: r.bytesSent ?? 0,
        retransmittedPacketsSent: r.retransmittedPacketsSent ?? 0,
        framesEncoded: r.framesEncoded,
        frameWidth: r.frameWidth,
        frameHeight: r.frameHeight,
        framesPerSecond: r.framesPerSecond,
        targetBitrate: r.targetBitrate,
        availableOutgoingBitrate,
        qualityLimitationReason: r.qualityLimitationReason,
        nackCount: r.nackCount ?? 0,
        pliCount: r.pliCount ?? 0,
        firCount: r.firCount ?? 0,
        keyFramesEncoded: r.keyFramesEncoded ?? 0,
        mimeType: r.codecId ? report.get(r.codecId)?.mimeType : undefined,
      });
    });
    return { now: performance.now(), outbound: out };
  });
}

/**
 * RTCP reports the page got from the gateway, per kind (audio, video), the
 * fewest any stream of that kind got (0 for a stream with none): `sr`, sender
 * reports about each received stream (remote-outbound-rtp; Chrome lines audio
 * up with video from these), and `rr`, report blocks about each sent stream
 * with a round trip (remote-inbound-rtp; Chrome's round trip and loss towards
 * the gateway).
 */
export async function rtcpReports(page) {
  return page.evaluate(async () => {
    const report = await window.balie.pc.getStats();
    const fewest = { sr: {}, rr: {} };
    const note = (table, kind, n) => (table[kind] = Math.min(table[kind] ?? Infinity, n));
    const remoteOf = (type, id) => {
      let found;
      report.forEach((o) => {
        if (o.type === type && o.localId === id) found = o;
      });
      return found;
    };
    report.forEach((r) => {
      if (r.type === 'inbound-rtp' && r.packetsReceived > 0)
        note(fewest.sr, r.kind, remoteOf('remote-outbound-rtp', r.id)?.reportsSent ?? 0);
      if (r.type === 'outbound-rtp' && r.packetsSent > 0)
        note(fewest.rr, r.kind, remoteOf('remote-inbound-rtp', r.id)?.roundTripTimeMeasurements ?? 0);
    });
    return fewest;
  });
}

/** The page's selected ICE pair: its own address and port, the gateway's, and its candidate type (host, relay...). */
export async function selectedPair(page) {
  return page.evaluate(async () => {
    const report = await window.balie.pc.getStats();
    let pairId;
    report.forEach((r) => {
      if (r.type === 'transport' && r.selectedCandidatePairId) pairId = r.selectedCandidatePairId;
    });
    const pair = pairId && report.get(pairId);
    if (!pair) return null;
    const local = report.get(pair.localCandidateId);
    const remote = report.get(pair.remoteCandidateId);
    return {
      localAddress: local?.address ?? local?.ip,
      localPort: local?.port,
      remoteAddress: remote?.address ?? remote?.ip,
      remotePort: remote?.port,
      protocol: local?.protocol,
      localType: local?.candidateType,
      relayProtocol: local?.relayProtocol,
    };
  });
}

export function pick(sample, source) {
  return sample.inbound.filter((r) => r.source === source && r.direction === 'recv');
}

/**
 * Samples inbound stats of `source` over one WINDOW_MS window until `judge`
 * accepts a stream, or MEDIA_DEADLINE_MS passes. `judge(start, end, seconds)`
 * returns {ok, text, ...figures}; the last text goes into the timeout error.
 */
async function waitForWindow(page, what, source, judge, nothing) {
  let last = nothing;
  return waitFor(
    what,
    async () => {
      const a = await inboundStats(page);
      await page.waitForTimeout(WINDOW_MS);
      const b = await inboundStats(page);
      const seconds = (b.now - a.now) / 1000;
      for (const end of pick(b, source)) {
        const start = pick(a, source).find((r) => r.ssrc === end.ssrc);
        if (!start) continue;
        const { ok, text, ...figures } = judge(start, end, seconds);
        if (text) last = text;
        if (ok) return { ...end, ...figures };
      }
      return null;
    },
    MEDIA_DEADLINE_MS,
    0,
  ).catch((err) => {
    err.message += ` — last window: ${last}`;
    throw err;
  });
}

/**
 * Waits until one inbound video track of `source` decodes ≥ MIN_FPS over a
 * WINDOW_MS window at a non-zero size. A dead or muted track still yields
 * ~1 black frame a second, so a rate is what proves the call is alive.
 */
export function waitForMedia(page, what, source) {
  return waitForWindow(
    page,
    what,
    source,
    (start, end, seconds) => {
      if (end.kind !== 'video') return { ok: false };
      const fps = (end.framesDecoded - start.framesDecoded) / seconds;
      return {
        ok: fps >= MIN_FPS && end.frameWidth > 0 && end.frameHeight > 0,
        text: `${fps.toFixed(1)} fps at ${end.frameWidth}x${end.frameHeight} on mid ${end.mid}`,
        fps,
      };
    },
    'no inbound video of that source',
  );
}

/** Waits until inbound audio arrives at a packet rate with rising energy (not silence). */
export function waitForAudio(page, what) {
  return waitForWindow(
    page,
    what,
    'audio',
    (start, end, seconds) => {
      const pps = (end.packetsReceived - start.packetsReceived) / seconds;
      const energy = end.totalAudioEnergy - start.totalAudioEnergy;
      return {
        ok: pps >= 25 && energy > 0,
        text: `${pps.toFixed(1)} packets/s, energy +${energy.toExponential(2)} on mid ${end.mid}`,
        pps,
        energy,
      };
    },
    'no inbound audio',
  );
}

/**
 * Every inbound stream must carry media of its m-line's kind: an earlier gateway
 * bug delivered screen video on an audio m-line. For each inbound-rtp stat the
 * stat's kind, the receiving track's kind and the kind the offer announced for
 * that mid must agree, and the codec's mimeType must start with that kind.
 */
export async function assertCodecsMatchKinds(page, who) {
  const { inbound } = await inboundStats(page);
  for (const r of inbound) {
    const label = `${who}: inbound ssrc ${r.ssrc} on mid ${r.mid} (${r.source ?? '?'})`;
    assert.ok(r.mid != null, `${label} has no mid`);
    assert.equal(r.kind, r.trackKind, `${label}: stat kind ${r.kind} but the m-line's track is ${r.trackKind}`);
    if (r.offerKind) assert.equal(r.kind, r.offerKind, `${label}: stat kind ${r.kind} but the offer says ${r.offerKind}`);
    if (r.mimeType) {
      const codecKind = r.mimeType.split('/')[0].toLowerCase();
      assert.equal(codecKind, r.trackKind, `${label}: codec ${r.mimeType} arrives on a ${r.trackKind} m-line`);
    }
  }
  return inbound.length;
}

export function getHealth() {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}/healthz`, { rejectUnauthorized: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`/healthz answered ${res.statusCode}: ${body}`));
        try {
          resolve(JSON.parse(body));
        } catch {
          reject(new Error(`/healthz is not JSON: ${body}`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('/healthz timed out')));
    req.on('error', reject);
    req.end();
  });
}

export function roomTeardownLine(room) {
  if (!gatewayLog) return 'no log to check';
  const lines = readFileSync(gatewayLog, 'utf8').split('\n');
  // signaling/room-directory.c: "room=ID peer=-: room closed (N open)", at info level.
  return lines.find((l) => l.includes(`room=${room} `) && l.includes('room closed'));
}

/** Gateway log lines that mention `needle` (e.g. a room id), the last `max` of them. */
export function gatewayLogLines(needle, max = 40) {
  if (!gatewayLog) return [];
  try {
    return readFileSync(gatewayLog, 'utf8')
      .split('\n')
      .filter((l) => l.includes(needle))
      .slice(-max);
  } catch {
    return [];
  }
}

/**
 * Writes what each page knows (state, stats, screenshot, console) to
 * out/`prefix`.txt and out/`prefix`-ROLE.png, and prints it.
 */
export async function dumpDiagnostics(sides, prefix = 'failure') {
  const report = [];
  for (const [role, side] of Object.entries(sides)) {
    report.push(`==== ${role} page ${side.page.url()}`);
    try {
      const state = await side.page.evaluate(() => ({
        state: window.balie.state,
        peer: window.balie.peer,
        tracks: window.balie.tracks,
        connectionState: window.balie.pc?.connectionState,
        iceConnectionState: window.balie.pc?.iceConnectionState,
        signalingState: window.balie.pc?.signalingState,
        status: document.getElementById('status')?.textContent,
        alert: document.getElementById('alert')?.textContent,
      }));
      report.push(`state: ${JSON.stringify(state)}`);
      report.push(`inbound: ${JSON.stringify((await inboundStats(side.page)).inbound)}`);
      report.push(`outbound: ${JSON.stringify((await outboundStats(side.page)).outbound)}`);
      await side.page.screenshot({ path: join(outDir, `${prefix}-${role}.png`) });
    } catch (err) {
      report.push(`(page state unavailable: ${err.message})`);
    }
    report.push(`console (last 60):\n${side.logs.slice(-60).join('\n')}`);
  }
  const text = report.join('\n');
  writeFileSync(join(outDir, `${prefix}.txt`), text);
  console.error(text);
}

/**
 * Samples the page's getStats inside the page every `intervalMs` for `durationMs`
 * (no DevTools round trip between samples, so gaps are the page's own). Each
 * sample: {t (ms), aob (availableOutgoingBitrate), in: {KEY: …}, out: {KEY: …}},
 * KEY being "mid/ssrc", each entry labelled with the offer's source.
 */
export async function sampleStats(page, durationMs, intervalMs = 150) {
  return page.evaluate(
    async ({ durationMs, intervalMs }) => {
      const { pc } = window.balie;
      const samples = [];
      const end = performance.now() + durationMs;
      for (;;) {
        const tracks = window.balie.tracks;
        const report = await pc.getStats();
        const s = { t: performance.now(), wall: Date.now(), aob: undefined, in: {}, out: {} };
        report.forEach((r) => {
          if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') s.aob = r.availableOutgoingBitrate;
          if (r.type !== 'inbound-rtp' && r.type !== 'outbound-rtp') return;
          const entry = tracks.find((e) => e.mid === r.mid);
          const common = { source: entry?.source, direction: entry?.direction, kind: r.kind, mid: r.mid, ssrc: r.ssrc };
          if (r.type === 'inbound-rtp') {
            s.in[`${r.mid}/${r.ssrc}`] = {
              ...common,
              bytes: r.bytesReceived ?? 0,
              packets: r.packetsReceived ?? 0,
              lost: r.packetsLost ?? 0,
              frames: r.framesDecoded ?? 0,
              framesReceived: r.framesReceived ?? 0,
              keyframesDecoded: r.keyFramesDecoded ?? 0,
              framesDropped: r.framesDropped ?? 0,
              w: r.frameWidth ?? 0,
              h: r.frameHeight ?? 0,
              freezes: r.freezeCount ?? 0,
              freezeS: r.totalFreezesDuration ?? 0,
              energy: r.totalAudioEnergy ?? 0,
              nack: r.nackCount ?? 0,
              pli: r.pliCount ?? 0,
              fir: r.firCount ?? 0,
              rtx: r.retransmittedPacketsReceived ?? 0,
            };
          } else {
            // What the gateway's report blocks say about this stream (remote-inbound-rtp).
            const remote = r.remoteId ? report.get(r.remoteId) : undefined;
            s.out[`${r.mid}/${r.ssrc}`] = {
              ...common,
              bytes: r.bytesSent ?? 0,
              packets: r.packetsSent ?? 0,
              reportedLost: remote?.packetsLost ?? 0,
              target: r.targetBitrate,
              w: r.frameWidth ?? 0,
              h: r.frameHeight ?? 0,
              frames: r.framesEncoded ?? 0,
              limit: r.qualityLimitationReason,
              nack: r.nackCount ?? 0,
              pli: r.pliCount ?? 0,
              fir: r.firCount ?? 0,
              keyframes: r.keyFramesEncoded ?? 0,
              rtx: r.retransmittedPacketsSent ?? 0,
            };
          }
        });
        samples.push(s);
        if (performance.now() >= end) break;
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
      return samples;
    },
    { durationMs, intervalMs },
  );
}

/** The busiest stream of `source` in `side` ('in' or 'out') over the samples: its series. */
function series(samples, side, source, direction) {
  const last = samples[samples.length - 1]?.[side] ?? {};
  let key;
  for (const [k, v] of Object.entries(last)) {
    if (v.source !== source || v.direction !== direction) continue;
    if (!key || v.bytes > last[key].bytes) key = k;
  }
  if (!key) return [];
  return samples.filter((s) => s[side][key]).map((s) => ({ t: s.t, wall: s.wall, aob: s.aob, ...s[side][key] }));
}

/**
 * Received video of `source` over the samples: frame rate, bitrate, the longest
 * time between two decoded frames (a freeze), freezes counted by the browser,
 * the smallest and the last frame size, and the share of packets lost.
 */
export function analyseVideo(samples, source) {
  const s = series(samples, 'in', source, 'recv');
  if (s.length < 2) return null;
  const a = s[0];
  const b = s[s.length - 1];
  const seconds = (b.t - a.t) / 1000;
  let maxGapMs = 0;
  let lastChange = a.t;
  for (let i = 1; i < s.length; i++) {
    if (s[i].frames !== s[i - 1].frames) {
      maxGapMs = Math.max(maxGapMs, s[i].t - lastChange);
      lastChange = s[i].t;
    }
  }
  maxGapMs = Math.max(maxGapMs, b.t - lastChange);
  const packets = b.packets - a.packets;
  const lost = b.lost - a.lost;
  return {
    seconds,
    fps: (b.frames - a.frames) / seconds,
    mbps: ((b.bytes - a.bytes) * 8) / seconds / 1e6,
    maxGapMs,
    freezes: b.freezes - a.freezes,
    freezeS: b.freezeS - a.freezeS,
    minWidth: Math.min(...s.map((x) => x.w)),
    minHeight: Math.min(...s.map((x) => x.h)),
    width: b.w,
    height: b.h,
    lossPct: packets + lost > 0 ? (100 * lost) / (packets + lost) : 0,
    nack: b.nack - a.nack,
    pli: b.pli - a.pli,
    fir: b.fir - a.fir,
    rtx: b.rtx - a.rtx,
  };
}

/**
 * The first moment (wall-clock ms) at which received video of `source` had, over
 * the `windowMs` before it, at least `minMbps` at a size of at least `minW`x`minH`.
 */
export function firstReached(samples, source, { minMbps, minW, minH, windowMs = 1000 }) {
  const s = series(samples, 'in', source, 'recv');
  let j = 0;
  for (let i = 1; i < s.length; i++) {
    while (j < i && s[i].t - s[j + 1].t >= windowMs) j++;
    const dt = (s[i].t - s[j].t) / 1000;
    if (dt < windowMs / 1000 - 0.3) continue;
    const mbps = ((s[i].bytes - s[j].bytes) * 8) / dt / 1e6;
    if (mbps >= minMbps && s[i].w >= minW && s[i].h >= minH) return { wall: s[i].wall, mbps, width: s[i].w, height: s[i].h };
  }
  return null;
}

/** Received audio over the samples: packet rate, energy added, loss. */
export function analyseAudio(samples) {
  const s = series(samples, 'in', 'audio', 'recv');
  if (s.length < 2) return null;
  const a = s[0];
  const b = s[s.length - 1];
  const seconds = (b.t - a.t) / 1000;
  const packets = b.packets - a.packets;
  const lost = b.lost - a.lost;
  return {
    pps: packets / seconds,
    energy: b.energy - a.energy,
    lossPct: packets + lost > 0 ? (100 * lost) / (packets + lost) : 0,
  };
}

/** Sent video of `source` over the samples: bitrate, target bitrate, keyframe requests received. */
export function analyseSent(samples, source) {
  const s = series(samples, 'out', source, 'send');
  if (s.length < 2) return null;
  const a = s[0];
  const b = s[s.length - 1];
  const seconds = (b.t - a.t) / 1000;
  const targets = s.map((x) => x.target).filter((x) => typeof x === 'number');
  const aobs = s.map((x) => x.aob).filter((x) => typeof x === 'number');
  return {
    seconds,
    mbps: ((b.bytes - a.bytes) * 8) / seconds / 1e6,
    targetMbps: (b.target ?? 0) / 1e6,
    minTargetMbps: targets.length ? Math.min(...targets) / 1e6 : undefined,
    aobMbps: (b.aob ?? 0) / 1e6,
    minAobMbps: aobs.length ? Math.min(...aobs) / 1e6 : undefined,
    width: b.w,
    height: b.h,
    fps: (b.frames - a.frames) / seconds,
    limit: b.limit,
    pli: b.pli - a.pli,
    fir: b.fir - a.fir,
    nack: b.nack - a.nack,
    keyframes: b.keyframes - a.keyframes,
    rtx: b.rtx - a.rtx,
    // Loss the gateway's report blocks gave the sender over the samples (they
    // lag by up to a second), of the packets it sent meanwhile.
    reportedLossPct: b.packets > a.packets ? (100 * (b.reportedLost - a.reportedLost)) / (b.packets - a.packets) : 0,
  };
}

/**
 * Waits until `n` different inbound video streams of `source` each decode
 * ≥ MIN_FPS over one WINDOW_MS window (a room of n + 1 people: one per other
 * participant). Returns their figures.
 */
export async function waitForVideoCount(page, what, source, n) {
  let last = 'no window yet';
  return waitFor(
    what,
    async () => {
      const a = await inboundStats(page);
      await page.waitForTimeout(WINDOW_MS);
      const b = await inboundStats(page);
      const seconds = (b.now - a.now) / 1000;
      const live = [];
      for (const end of pick(b, source)) {
        const start = pick(a, source).find((r) => r.ssrc === end.ssrc);
        if (!start || end.kind !== 'video') continue;
        const fps = (end.framesDecoded - start.framesDecoded) / seconds;
        if (fps >= MIN_FPS && end.frameWidth > 0) live.push({ ...end, fps });
      }
      last = live.map((r) => `${r.fps.toFixed(1)} fps on mid ${r.mid}`).join(', ') || 'none decoding';
      return live.length >= n ? live : null;
    },
    MEDIA_DEADLINE_MS,
    0,
  ).catch((err) => {
    err.message += ` — last window: ${last}`;
    throw err;
  });
}

/**
 * The steps of one browser test as node:test sub-tests, run in order: after the
 * first failure the rest are skipped (the first failure is the story), and
 * `run.failed` tells the file's after() hook to dump diagnostics. A step's
 * function gets its sub-test context (for st.skip()).
 */
export function stepper(t, run) {
  return (name, fn) =>
    t.test(name, { skip: run.failed && 'an earlier step failed' }, async (st) => {
      try {
        await fn(st);
      } catch (err) {
        run.failed = true;
        throw err;
      }
    });
}
