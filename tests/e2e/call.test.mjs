// SPDX-License-Identifier: Apache-2.0
// One 1:1 call through a real gateway with two headless Chromium pages:
// camera + microphone both ways, screen share both ways (and a second share
// that reuses the send slot), chat, hang-up and room teardown.
//
// Run through tests/e2e/run-in-netns.sh, which starts the gateway in a private
// network namespace and passes BALIE_URL and BALIE_GATEWAY_LOG.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const outDir = join(here, 'out');
const baseUrl = (process.env.BALIE_URL || '').replace(/\/+$/, '');
const gatewayLog = process.env.BALIE_GATEWAY_LOG || '';

// DESIGN.md, "Facts about testing here". Playwright adds its own
// --disable-features; a second one would silently replace it, so none here.
const CHROMIUM_ARGS = [
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

const MIN_FPS = 5;
const WINDOW_MS = 3000; // one measuring window
const MEDIA_DEADLINE_MS = 40000; // how long media may take to reach the rates
const UI_TIMEOUT_MS = 15000;

mkdirSync(outDir, { recursive: true });
// A stale failure report from an earlier run must not pass for this run's.
for (const f of ['failure.txt', 'failure-advisor.png', 'failure-customer.png']) rmSync(join(outDir, f), { force: true });

const sides = {}; // role → {context, page, logs}
let browser;
let failed = false;

after(async () => {
  if (failed) await dumpDiagnostics();
  await browser?.close().catch(() => {});
});

test('a call through the gateway: media, screen share, chat, hang-up', async (t) => {
  assert.ok(baseUrl, 'BALIE_URL is not set: run tests/e2e/run-in-netns.sh');
  const room = `e2e-${Date.now().toString(36)}`;

  // Each step runs only if the ones before it passed; the first failure is the story.
  const step = (name, fn) =>
    t.test(name, { skip: failed && 'an earlier step failed' }, async () => {
      try {
        await fn();
      } catch (err) {
        failed = true;
        throw err;
      }
    });

  await step('both sides join one fresh room', async () => {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
      timeout: 30000,
    });
    // The advisor opens the room first, as in a real consultation.
    for (const role of ['advisor', 'customer']) {
      const context = await browser.newContext({
        ignoreHTTPSErrors: true,
        permissions: ['camera', 'microphone'],
        viewport: { width: 1280, height: 800 },
      });
      const page = await context.newPage();
      const logs = [];
      page.on('console', (m) => logs.push(`[${elapsed()}] ${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => logs.push(`[${elapsed()}] pageerror: ${e.stack || e}`));
      sides[role] = { context, page, logs };
      const name = role === 'advisor' ? 'Anna' : '';
      const query = `room=${room}${name ? `&name=${name}` : ''}`;
      await page.goto(`${baseUrl}/${role}.html?${query}`, { timeout: UI_TIMEOUT_MS });
      if (role === 'advisor') await waitForStatus(page, /Waiting for/);
    }
    await waitForStatus(sides.advisor.page, /Connected/);
    await waitForStatus(sides.customer.page, /Connected/);
  });

  await step('a third participant is refused in plain words', async () => {
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      permissions: ['camera', 'microphone'],
    });
    try {
      const page = await context.newPage();
      await page.goto(`${baseUrl}/customer.html?room=${room}`, { timeout: UI_TIMEOUT_MS });
      await waitForStatus(page, /maximum number of participants/);
    } finally {
      await context.close();
    }
  });

  await step('camera and microphone flow both ways', async () => {
    await Promise.all(
      ['advisor', 'customer'].map(async (role) => {
        await waitForMedia(sides[role].page, `${role} receives camera`, 'camera');
        await waitForAudio(sides[role].page, `${role} receives audio`);
      }),
    );
  });

  let customerScreenMid;
  await step('customer shares the screen, the advisor sees it', async () => {
    const { advisor, customer } = pages();
    await customer.getByRole('button', { name: 'Share screen', exact: true }).click();
    await customer.getByRole('button', { name: 'Stop sharing', exact: true }).waitFor({ timeout: UI_TIMEOUT_MS });
    await screenRegion(advisor).waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    const screen = await waitForMedia(advisor, 'advisor receives the customer screen', 'screen');
    const camera = await waitForMedia(advisor, 'advisor still receives camera', 'camera');
    assert.notEqual(screen.mid, camera.mid, 'screen and camera arrive on different m-lines');
    assert.notEqual(screen.trackIdentifier, camera.trackIdentifier, 'screen and camera are different tracks');
    noteScreenSize('customer → advisor', screen);
    customerScreenMid = screen.mid;
    await screenshot('advisor', advisor);
  });

  await step('customer stops sharing, the screen view goes away', async () => {
    const { advisor, customer } = pages();
    await customer.getByRole('button', { name: 'Stop sharing', exact: true }).click();
    await customer.getByRole('button', { name: 'Share screen', exact: true }).waitFor({ timeout: UI_TIMEOUT_MS });
    await screenRegion(advisor).waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
  });

  await step('advisor shares the screen, the customer sees it', async () => {
    const { advisor, customer } = pages();
    await advisor.getByRole('button', { name: 'Share screen', exact: true }).click();
    await screenRegion(customer).waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    const screen = await waitForMedia(customer, 'customer receives the advisor screen', 'screen');
    const camera = await waitForMedia(customer, 'customer still receives camera', 'camera');
    assert.notEqual(screen.trackIdentifier, camera.trackIdentifier, 'screen and camera are different tracks');
    noteScreenSize('advisor → customer', screen);
    await screenshot('customer', customer);
    await advisor.getByRole('button', { name: 'Stop sharing', exact: true }).click();
    await screenRegion(customer).waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
  });

  await step('customer shares again on the existing send slot', async () => {
    const { advisor, customer } = pages();
    const offersBefore = await customer.evaluate(() => window.balie.tracks.length);
    await customer.getByRole('button', { name: 'Share screen', exact: true }).click();
    await screenRegion(advisor).waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    const screen = await waitForMedia(advisor, 'advisor receives the second customer share', 'screen');
    assert.equal(screen.mid, customerScreenMid, 'the second share reuses the first share’s m-line');
    const offersAfter = await customer.evaluate(() => window.balie.tracks.length);
    assert.equal(offersAfter, offersBefore, 'no new m-line for a second share');
  });

  await step('chat reaches the other side', async () => {
    const { advisor, customer } = pages();
    const text = `Hello from the customer ${Date.now()}`;
    await customer.getByLabel('Message', { exact: true }).fill(text);
    await customer.getByRole('button', { name: 'Send', exact: true }).click();
    await advisor.getByRole('log').getByText(text).waitFor({ timeout: UI_TIMEOUT_MS });
    await customer.getByRole('log').getByText(text).waitFor({ timeout: UI_TIMEOUT_MS });
    const reply = `Hello from the advisor ${Date.now()}`;
    await advisor.getByLabel('Message', { exact: true }).fill(reply);
    await advisor.getByRole('button', { name: 'Send', exact: true }).click();
    await customer.getByRole('log').getByText(reply).waitFor({ timeout: UI_TIMEOUT_MS });
  });

  await step('mute and camera off are shown to the other side', async () => {
    const { advisor, customer } = pages();
    await customer.getByRole('button', { name: 'Mute', exact: true }).click();
    await customer.getByRole('button', { name: 'Camera off', exact: true }).click();
    await advisor.getByText('The customer muted their microphone.').waitFor({ timeout: UI_TIMEOUT_MS });
    await advisor.getByText('The customer turned their camera off.').waitFor({ timeout: UI_TIMEOUT_MS });
    await customer.getByRole('button', { name: 'Unmute', exact: true }).click();
    await customer.getByRole('button', { name: 'Camera on', exact: true }).click();
    await advisor.getByText('The customer muted their microphone.').waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
    await advisor.getByText('The customer turned their camera off.').waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
  });

  await step('hang-up ends the call for both and closes the room', async () => {
    const { advisor, customer } = pages();
    await advisor.getByRole('button', { name: 'Hang up', exact: true }).click();
    await waitForStatus(advisor, /call has ended/);
    await waitForStatus(customer, /call has ended/);
    const health = await waitFor(
      'GET /healthz reports 0 rooms',
      async () => {
        const h = await getHealth();
        return h.rooms === 0 ? h : null;
      },
      10000,
    );
    assert.equal(health.rooms, 0);
    await waitFor(
      `gateway log has the teardown line for room ${room}`,
      () => roomTeardownLine(room),
      10000,
    );
  });

  await step('no script errors on either page', async () => {
    for (const [role, side] of Object.entries(sides)) {
      const errors = side.logs.filter((l) => / (error|pageerror): /.test(l));
      assert.deepEqual(errors, [], `${role} page logged errors`);
    }
  });
});

function pages() {
  return { advisor: sides.advisor.page, customer: sides.customer.page };
}

const started = Date.now();
function elapsed() {
  return `${((Date.now() - started) / 1000).toFixed(1)}s`;
}

function screenRegion(page) {
  return page.getByRole('region', { name: /^Screen shared by/ });
}

/** Polls fn until it returns something truthy, at most timeoutMs. */
async function waitFor(what, fn, timeoutMs, intervalMs = 250) {
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

async function waitForStatus(page, pattern) {
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

/** inbound-rtp stats of the page, each labelled with its source from the latest offer. */
async function inboundStats(page) {
  return page.evaluate(async () => {
    const { pc, tracks } = window.balie;
    const midOfTrack = new Map();
    for (const t of pc.getTransceivers()) if (t.mid != null) midOfTrack.set(t.receiver.track.id, t.mid);
    const report = await pc.getStats();
    const inbound = [];
    report.forEach((r) => {
      if (r.type !== 'inbound-rtp') return;
      const mid = r.mid ?? midOfTrack.get(r.trackIdentifier);
      const entry = tracks.find((e) => e.mid === mid);
      inbound.push({
        kind: r.kind,
        mid,
        source: entry?.source,
        direction: entry?.direction,
        trackIdentifier: r.trackIdentifier,
        ssrc: r.ssrc,
        packetsReceived: r.packetsReceived ?? 0,
        packetsLost: r.packetsLost ?? 0,
        bytesReceived: r.bytesReceived ?? 0,
        framesDecoded: r.framesDecoded ?? 0,
        frameWidth: r.frameWidth ?? 0,
        frameHeight: r.frameHeight ?? 0,
        totalAudioEnergy: r.totalAudioEnergy ?? 0,
        audioLevel: r.audioLevel ?? 0,
        codecId: r.codecId,
      });
    });
    return { now: performance.now(), inbound };
  });
}

/** outbound-rtp stats, for failure reports: is the browser sending what it should? */
async function outboundStats(page) {
  return page.evaluate(async () => {
    const out = [];
    (await window.balie.pc.getStats()).forEach((r) => {
      if (r.type !== 'outbound-rtp') return;
      out.push({
        kind: r.kind,
        mid: r.mid,
        ssrc: r.ssrc,
        packetsSent: r.packetsSent,
        framesEncoded: r.framesEncoded,
        frameWidth: r.frameWidth,
        frameHeight: r.frameHeight,
        targetBitrate: r.targetBitrate,
        qualityLimitationReason: r.qualityLimitationReason,
      });
    });
    return out;
  });
}

function pick(sample, source) {
  return sample.inbound.filter((r) => r.source === source && r.direction === 'recv');
}

/**
 * Waits until one inbound video track of `source` decodes ≥ MIN_FPS over a
 * WINDOW_MS window at a non-zero size. A dead or muted track still yields
 * ~1 black frame a second, so a rate is what proves the call is alive.
 */
async function waitForMedia(page, what, source) {
  let lastRate = 'no inbound video of that source';
  return waitFor(
    what,
    async () => {
      const a = await inboundStats(page);
      await page.waitForTimeout(WINDOW_MS);
      const b = await inboundStats(page);
      const seconds = (b.now - a.now) / 1000;
      for (const end of pick(b, source)) {
        if (end.kind !== 'video') continue;
        const start = pick(a, source).find((r) => r.ssrc === end.ssrc);
        if (!start) continue;
        const fps = (end.framesDecoded - start.framesDecoded) / seconds;
        lastRate = `${fps.toFixed(1)} fps at ${end.frameWidth}x${end.frameHeight} on mid ${end.mid}`;
        if (fps >= MIN_FPS && end.frameWidth > 0 && end.frameHeight > 0) return { ...end, fps };
      }
      return null;
    },
    MEDIA_DEADLINE_MS,
    0,
  ).catch((err) => {
    err.message += ` — last window: ${lastRate}`;
    throw err;
  });
}

/** Waits until inbound audio arrives at a packet rate with rising energy (not silence). */
async function waitForAudio(page, what) {
  let last = 'no inbound audio';
  return waitFor(
    what,
    async () => {
      const a = await inboundStats(page);
      await page.waitForTimeout(WINDOW_MS);
      const b = await inboundStats(page);
      const seconds = (b.now - a.now) / 1000;
      for (const end of pick(b, 'audio')) {
        const start = pick(a, 'audio').find((r) => r.ssrc === end.ssrc);
        if (!start) continue;
        const pps = (end.packetsReceived - start.packetsReceived) / seconds;
        const energy = end.totalAudioEnergy - start.totalAudioEnergy;
        last = `${pps.toFixed(1)} packets/s, energy +${energy.toExponential(2)} on mid ${end.mid}`;
        if (pps >= 25 && energy > 0) return { ...end, pps, energy };
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

function noteScreenSize(what, stats) {
  const note = `${what}: screen share ${stats.frameWidth}x${stats.frameHeight} at ${stats.fps.toFixed(1)} fps`;
  console.log(stats.frameWidth >= 1280 ? note : `${note} (below the 1280 wide the fake monitor captures)`);
}

async function screenshot(role, page) {
  const file = join(outDir, `call-${role}.png`);
  await page.screenshot({ path: file });
  if (process.env.BALIE_SCREENSHOTS === '1') {
    const docs = join(root, 'docs', 'screenshots');
    mkdirSync(docs, { recursive: true });
    copyFileSync(file, join(docs, `call-${role}.png`));
  }
}

function getHealth() {
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

function roomTeardownLine(room) {
  if (!gatewayLog) return 'no log to check';
  const lines = readFileSync(gatewayLog, 'utf8').split('\n');
  // signaling/room-directory.c: "room=ID peer=-: room closed (N open)", at info level.
  return lines.find((l) => l.includes(`room=${room} `) && l.includes('room closed'));
}

async function dumpDiagnostics() {
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
      report.push(`outbound: ${JSON.stringify(await outboundStats(side.page))}`);
      await side.page.screenshot({ path: join(outDir, `failure-${role}.png`) });
    } catch (err) {
      report.push(`(page state unavailable: ${err.message})`);
    }
    report.push(`console (last 60):\n${side.logs.slice(-60).join('\n')}`);
  }
  const text = report.join('\n');
  writeFileSync(join(outDir, 'failure.txt'), text);
  console.error(text);
}
