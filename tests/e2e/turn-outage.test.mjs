// SPDX-License-Identifier: Apache-2.0
// coturn stopped mid-call (issue 8): two calls run, one whose customer may use
// only relayed candidates (iceTransportPolicy "relay", as behind a strict
// firewall) and one that connects directly. coturn is stopped: /readyz says
// "turn":"unavailable" (and stays 200: a shared coturn is no reason to take
// every node out of the load balancer), the gauge balie_turn_up drops to 0 and
// the log says so once; the direct call keeps moving video; the relayed call's
// pages are told (the customer's page reconnects, the advisor's sees the
// customer gone); the advisor hangs up and the contact ends with a reason, the
// room goes. coturn is started again: /readyz says "ok" and a new relayed call
// connects through it; stopped and started once more under that call, the call
// comes back by itself (its page reconnects). Every contact ends with a reason;
// no store event lost.
//
// Run through tests/e2e/run-turn.sh PATH/TO/balie turn-outage.test.mjs: coturn
// at 127.0.0.3, the gateway at 127.0.0.2, the browser at 127.0.0.1, in a
// private network namespace. No firewall here: the relay is forced by the page.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:https';
import { join } from 'node:path';
import {
  baseUrl,
  dumpDiagnostics,
  gatewayLogLines,
  getHealth,
  launchBrowser,
  openSide,
  selectedPair,
  stepper,
  waitFor,
  waitForAfterCall,
  waitForMedia,
} from './lib.mjs';

const COTURN = '127.0.0.3';
// The gateway probes every 3 s and gives each probe 2 s (gateway/lifecycle.c).
const TURN_NOTICED_MS = 15000;
// The page reconnects after 4 s of a disconnected peer connection (web/call.js);
// Chrome calls a pair disconnected after a few seconds without answers.
const TOLD_MS = 30000;

const run = { failed: false };
let browser;
let sides = {};
let coturnAgain;

after(async () => {
  if (run.failed) await dumpDiagnostics(sides, 'turn-outage-failure');
  await browser?.close().catch(() => {});
  coturnAgain?.kill('SIGTERM');
});

/** GET `path` of the gateway: {status, text}. */
function get(path) {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}${path}`, { rejectUnauthorized: false, timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('timeout', () => req.destroy(new Error(`${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

async function readyz() {
  const { status, text } = await get('/readyz');
  return { httpStatus: status, ...JSON.parse(text) };
}

/** The balie_turn_up samples: {"127.0.0.3:3478 udp": 1, ...}. */
async function turnGauge() {
  const { text } = await get('/metrics');
  const samples = {};
  for (const m of text.matchAll(/^balie_turn_up\{server="([^"]+)",transport="([^"]+)"\} (\d+)$/gm)) {
    samples[`${m[1]} ${m[2]}`] = Number(m[3]);
  }
  return samples;
}

async function metric(name) {
  const { text } = await get('/metrics');
  const m = text.match(new RegExp(`^${name} (\\d+)$`, 'm'));
  return m ? Number(m[1]) : undefined;
}

/** Every contact in the store, oldest first. */
function contacts() {
  const out = execFileSync(
    'sqlite3',
    ['-batch', '-noheader', '-separator', '|', join(process.env.BALIE_SERVER_DATA_DIR, 'metrics.db'),
      "SELECT outcome, coalesce(end_reason, ''), coalesce(ended_by, '') FROM contact ORDER BY offered_us"],
    { encoding: 'utf8' },
  ).trim();
  return out ? out.split('\n').map((l) => {
    const [outcome, reason, endedBy] = l.split('|');
    return { outcome, reason, endedBy };
  }) : [];
}

/**
 * Runs in each page before its scripts: records every state of the call page
 * (document.body.dataset.state, web/ui.js) with its time, and with `relay`
 * makes every RTCPeerConnection use relayed candidates only.
 */
function pageSetup({ relay }) {
  /* global MutationObserver */
  window.__states = [];
  const record = () => {
    const state = document.body.dataset.state;
    if (state && window.__states.at(-1)?.state !== state) window.__states.push({ state, at: Date.now() });
  };
  const observe = () =>
    new MutationObserver(record).observe(document.body, { attributes: true, attributeFilter: ['data-state'] });
  if (document.body) observe();
  else document.addEventListener('DOMContentLoaded', observe);
  if (relay) {
    const Native = window.RTCPeerConnection;
    window.RTCPeerConnection = function RelayOnly(config, ...rest) {
      return new Native({ ...config, iceTransportPolicy: 'relay' }, ...rest);
    };
    window.RTCPeerConnection.prototype = Native.prototype;
  }
}

async function state(page) {
  return page.evaluate(() => document.body.dataset.state);
}

async function statesSince(page, t0) {
  return page.evaluate((since) => window.__states.filter((s) => s.at >= since), t0);
}

/** An advisor (direct) and a customer (relayed when `relay`) in a call with video both ways. */
async function call(room, { relay }) {
  const advisor = await openSide(browser, 'advisor', room, { name: 'Anna', initScript: pageSetup, initArg: { relay: false } });
  await waitFor(`${room}: the advisor waits`, async () => (await state(advisor.page)) === 'waiting', 20000);
  const customer = await openSide(browser, 'customer', room, { initScript: pageSetup, initArg: { relay } });
  for (const [role, side] of Object.entries({ advisor, customer })) {
    await waitForMedia(side.page, `${room}: the ${role} receives the other's camera`, 'camera');
  }
  return { advisor, customer };
}

async function hangUp(side) {
  await side.page.getByRole('button', { name: 'Hang up', exact: true }).click();
}

test('coturn stopped mid-call: /readyz tells, direct calls go on, relayed calls end cleanly, TURN comes back', async (t) => {
  assert.ok(baseUrl, 'BALIE_URL is not set: run tests/e2e/run-turn.sh');
  const conf = process.env.BALIE_E2E_COTURN_CONF;
  const coturnPid = Number(process.env.BALIE_E2E_COTURN_PID);
  assert.ok(conf && coturnPid, 'BALIE_E2E_COTURN_CONF and _PID come from run-turn.sh');
  const step = stepper(t, run);
  const stamp = Date.now().toString(36);
  let relayed;
  let direct;
  let again;
  let stoppedAt;

  await step('coturn answers: /readyz says turn ok, the gauge is 1 for each server', async () => {
    const ready = await waitFor('/readyz: turn ok', async () => {
      const r = await readyz();
      return r.turn === 'ok' ? r : null;
    }, TURN_NOTICED_MS);
    assert.equal(ready.httpStatus, 200);
    const gauge = await turnGauge();
    console.log(`before: /readyz ${JSON.stringify(ready)}; balie_turn_up ${JSON.stringify(gauge)}`);
    assert.deepEqual(gauge, {
      [`${COTURN}:3478 udp`]: 1,
      [`${COTURN}:3478 tcp`]: 1,
      [`${COTURN}:443 tcp`]: 1,
    });
  });

  await step('a relayed call and a direct call carry video', async () => {
    browser = await launchBrowser();
    relayed = await call(`outage-relay-${stamp}`, { relay: true });
    direct = await call(`outage-direct-${stamp}`, { relay: false });
    sides = { relayedAdvisor: relayed.advisor, relayedCustomer: relayed.customer, directAdvisor: direct.advisor, directCustomer: direct.customer };
    const viaRelay = await selectedPair(relayed.customer.page);
    const viaDirect = await selectedPair(direct.customer.page);
    console.log(`relayed customer: ${JSON.stringify(viaRelay)}; direct customer: ${JSON.stringify(viaDirect)}`);
    assert.equal(viaRelay?.localType, 'relay', 'the relayed customer does not use a relay candidate');
    assert.equal(viaRelay.localAddress, COTURN);
    assert.equal(viaDirect?.localType, 'host', 'the direct customer does not use a host candidate');
  });

  await step('coturn stops: /readyz says turn unavailable (still 200), the gauge drops, one warning each', async () => {
    const warningsBefore = gatewayLogLines('does not answer').length;
    stoppedAt = Date.now();
    process.kill(coturnPid, 'SIGTERM');
    await waitFor('coturn to exit', () => {
      try {
        process.kill(coturnPid, 0);
        return false;
      } catch {
        return true;
      }
    }, 10000, 50);
    const ready = await waitFor('/readyz: turn unavailable', async () => {
      const r = await readyz();
      return r.turn === 'unavailable' ? r : null;
    }, TURN_NOTICED_MS, 100);
    const noticedMs = Date.now() - stoppedAt;
    const gauge = await turnGauge();
    console.log(`coturn stopped: /readyz says unavailable after ${noticedMs} ms: ${JSON.stringify(ready)}; ` +
      `balie_turn_up ${JSON.stringify(gauge)}`);
    assert.equal(ready.httpStatus, 200, 'TURN away must not take the node out of the load balancer');
    assert.equal(ready.status, 'ready');
    assert.deepEqual(Object.values(gauge), [0, 0, 0]);
    const warnings = await waitFor('three warnings in the gateway log', () => {
      const lines = gatewayLogLines('does not answer').slice(warningsBefore);
      return lines.length >= 3 ? lines : null;
    }, 5000);
    console.log(warnings.map((l) => `  ${l.trim()}`).join('\n'));
  });

  await step('the direct call keeps moving video', async () => {
    for (const [role, side] of Object.entries(direct)) {
      const video = await waitForMedia(side.page, `direct call: the ${role} still receives video`, 'camera');
      console.log(`direct call, coturn stopped: the ${role} receives ${video.fps.toFixed(1)} fps`);
    }
  });

  await step('the relayed call\'s pages are told: the customer reconnects, the advisor sees the customer go', async () => {
    const toldMs = await waitFor('the relayed customer\'s page reconnects', async () => {
      const states = await statesSince(relayed.customer.page, stoppedAt);
      const told = states.find((s) => s.state === 'reconnecting');
      return told ? told.at - stoppedAt : null;
    }, TOLD_MS, 200);
    const advisorMs = await waitFor('the relayed advisor\'s page leaves "connected"', async () => {
      const states = await statesSince(relayed.advisor.page, stoppedAt);
      const told = states.find((s) => s.state !== 'connected');
      return told ? told.at - stoppedAt : null;
    }, TOLD_MS, 200);
    // Back in the call on a new connection (webrtcbin cannot restart ICE), though
    // its media cannot come up without the relay.
    const rejoinedMs = await waitFor('the relayed customer\'s page is back in the call', async () => {
      const states = (await statesSince(relayed.customer.page, stoppedAt)).map((s) => s.state);
      const last = states.at(-1);
      return states.includes('reconnecting') && ['media-connecting', 'failed', 'connected'].includes(last)
        ? Date.now() - stoppedAt
        : null;
    }, TOLD_MS, 100);
    const customerStates = (await statesSince(relayed.customer.page, stoppedAt)).map((s) => s.state);
    const advisorStates = (await statesSince(relayed.advisor.page, stoppedAt)).map((s) => s.state);
    console.log(`relayed call: the customer's page told after ${toldMs} ms and back in the call after ${rejoinedMs} ms ` +
      `(${customerStates.join(' > ')}), the advisor's told after ${advisorMs} ms (${advisorStates.join(' > ')})`);
  });

  await step('the advisor hangs up: the contact ends with a reason, the room goes, the customer is told', async () => {
    const t0 = Date.now();
    await hangUp(relayed.advisor);
    const ended = await waitFor('the relayed call\'s contact ends in the store', () => {
      const c = contacts()[0];
      return c?.reason ? c : null;
    }, 15000);
    console.log(`relayed contact: outcome ${ended.outcome}, reason ${ended.reason}, ended by ${ended.endedBy} ` +
      `(${Date.now() - t0} ms after the hang-up)`);
    assert.equal(ended.outcome, 'answered');
    assert.equal(ended.reason, 'hangup');
    // The customer's page goes on to the rating page, as after any answered call.
    await waitForAfterCall(relayed.customer.page, 'rate');
    await waitFor('one room left (the direct call)', async () => (await getHealth()).rooms === 1, 15000);
    const video = await waitForMedia(direct.customer.page, 'direct call: video still moving', 'camera');
    console.log(`direct call: still ${video.fps.toFixed(1)} fps`);
  });

  await step('coturn is back: /readyz says turn ok, and a new relayed call connects through it', async () => {
    const messagesBefore = gatewayLogLines('answers again').length;
    const startedAt = Date.now();
    coturnAgain = spawn('turnserver', ['-c', conf], { stdio: 'ignore' });
    const ready = await waitFor('/readyz: turn ok again', async () => {
      const r = await readyz();
      return r.turn === 'ok' ? r : null;
    }, TURN_NOTICED_MS, 100);
    console.log(`coturn started again: /readyz says ok after ${Date.now() - startedAt} ms; ` +
      `balie_turn_up ${JSON.stringify(await turnGauge())}`);
    assert.equal(ready.httpStatus, 200);
    assert.deepEqual(Object.values(await turnGauge()), [1, 1, 1]);
    assert.ok(gatewayLogLines('answers again').length - messagesBefore >= 3, 'no "answers again" line per server');
    again = await call(`outage-again-${stamp}`, { relay: true });
    sides.againAdvisor = again.advisor;
    sides.againCustomer = again.customer;
    const viaRelay = await selectedPair(again.customer.page);
    console.log(`new relayed call: ${JSON.stringify(viaRelay)}`);
    assert.equal(viaRelay?.localType, 'relay');
  });

  await step('a short coturn outage: the relayed call comes back by itself', async () => {
    const t0 = Date.now();
    coturnAgain.kill('SIGTERM');
    await once(coturnAgain, 'exit');
    await waitFor('/readyz: turn unavailable again', async () => (await readyz()).turn === 'unavailable', TURN_NOTICED_MS, 100);
    const toldMs = await waitFor('the relayed customer\'s page reconnects', async () => {
      const states = await statesSince(again.customer.page, t0);
      return states.find((st) => st.state === 'reconnecting') ? Date.now() - t0 : null;
    }, TOLD_MS, 200);
    const restartedAt = Date.now();
    coturnAgain = spawn('turnserver', ['-c', conf], { stdio: 'ignore' });
    await waitFor('/readyz: turn ok', async () => (await readyz()).turn === 'ok', TURN_NOTICED_MS, 100);
    for (const [role, side] of Object.entries(again)) {
      await waitForMedia(side.page, `the relayed call's ${role} receives video again`, 'camera');
    }
    const measuredMs = Date.now() - restartedAt;
    const pair = await selectedPair(again.customer.page);
    const states = await statesSince(again.customer.page, t0);
    const connected = states.findLast((st) => st.state === 'connected');
    console.log(`short outage: the relayed customer reconnects after ${toldMs} ms; coturn started again, ` +
      `the page is connected ${connected ? connected.at - restartedAt : '?'} ms later, video both ways measured ` +
      `${measuredMs} ms later (${states.map((st) => st.state).join(' > ')}), pair ${pair?.localType}/${pair?.relayProtocol}`);
    assert.equal(pair?.localType, 'relay');
    await hangUp(again.advisor);
    await hangUp(direct.advisor);
  });

  await step('every contact ended with a reason, no room left, no store event lost', async () => {
    await waitFor('no room or participant left', async () => {
      const health = await getHealth();
      return health.rooms === 0 && health.participants === 0;
    }, 20000);
    const all = await waitFor('three contacts ended', () => {
      const list = contacts();
      return list.length === 3 && list.every((c) => c.reason) ? list : null;
    }, 15000);
    console.log(`contacts: ${JSON.stringify(all)}`);
    // Every event the gateway accepted is written: none failed, none still waiting.
    await waitFor('balie_store_backlog 0', async () => (await metric('balie_store_backlog')) === 0, 10000);
    const written = await metric('balie_store_events_written_total');
    console.log(`store: ${written} events written, backlog 0`);
    assert.equal(await metric('balie_store_events_failed_total'), 0);
    assert.ok(written >= 9, `only ${written} events written for three calls`);
  });
});
