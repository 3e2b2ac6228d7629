// SPDX-License-Identifier: Apache-2.0
// A call through TURN: the browsers sit behind a strict firewall that drops all
// their UDP and lets TCP out only to the gateway's HTTPS port and to TURN over
// TLS on 443. The gateway hands each page a time-limited TURN REST credential in
// `welcome`; the call must still connect, through coturn, with a relay candidate
// pair selected on both pages.
//
// Run through tests/e2e/run-turn.sh: coturn at 127.0.0.3, the gateway (HTTPS and
// ICE) at 127.0.0.2, the browser at 127.0.0.1, all in a private network namespace.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
  baseUrl,
  dumpDiagnostics,
  gatewayLogLines,
  launchBrowser,
  openSide,
  stepper,
  waitFor,
  waitForAfterCall,
  waitForAudio,
  waitForMedia,
  waitForStatus,
} from './lib.mjs';

const TABLE = 'balie_e2e_turn';
const BROWSER = '127.0.0.1';
const COTURN = '127.0.0.3';
const TLS_PORT = 443;

const sides = {};
let browser;
const run = { failed: false };

after(async () => {
  firewallOff();
  if (run.failed) await dumpDiagnostics(sides, 'turn-failure');
  await browser?.close().catch(() => {});
});

/**
 * The firewall: named rules in the output hook (loopback packets pass it once),
 * each with a counter. The browser is the only thing on 127.0.0.1: the gateway
 * and coturn bind their own addresses.
 */
function firewallOn(gatewayPort) {
  const rules = {
    'udp-out': `ip saddr ${BROWSER} ip daddr != ${BROWSER} meta l4proto udp`,
    'udp-in': `ip daddr ${BROWSER} ip saddr != ${BROWSER} meta l4proto udp`,
    'tcp-out': `ip saddr ${BROWSER} ip daddr != ${BROWSER} tcp dport != { ${gatewayPort}, ${TLS_PORT} }`,
  };
  const lines = [
    `add table inet ${TABLE}`,
    `add chain inet ${TABLE} out { type filter hook output priority 0; policy accept; }`,
  ];
  for (const [name, match] of Object.entries(rules)) {
    lines.push(`add rule inet ${TABLE} out ${match} counter drop comment "${name}"`);
  }
  execFileSync('nft', ['-f', '-'], { input: `${lines.join('\n')}\n` });
}

/** Packets each firewall rule dropped, by rule name. */
function firewallCounters() {
  const text = execFileSync('nft', ['list', 'table', 'inet', TABLE], { encoding: 'utf8' });
  const counts = {};
  for (const m of text.matchAll(/counter packets (\d+) bytes \d+ drop comment "([^"]+)"/g)) {
    counts[m[2]] = Number(m[1]);
  }
  return counts;
}

function firewallOff() {
  try {
    execFileSync('nft', ['delete', 'table', 'inet', TABLE], { stdio: 'ignore' });
  } catch {
    // not set up
  }
}

/** The page's selected candidate pair, with both candidates' types and the relay's transport. */
function selectedCandidates(page) {
  return page.evaluate(async () => {
    const report = await window.balie.pc.getStats();
    let pair;
    report.forEach((r) => {
      if (r.type === 'transport' && r.selectedCandidatePairId) pair = report.get(r.selectedCandidatePairId);
    });
    if (!pair) return null;
    const local = report.get(pair.localCandidateId);
    const remote = report.get(pair.remoteCandidateId);
    return {
      state: pair.state,
      localType: local?.candidateType,
      localAddress: local?.address,
      relayProtocol: local?.relayProtocol,
      url: local?.url,
      remoteType: remote?.candidateType,
      remoteAddress: remote?.address,
      remotePort: remote?.port,
      bytesReceived: pair.bytesReceived,
    };
  });
}

test('a call connects through TURN over TLS when UDP is blocked', async (t) => {
  assert.ok(baseUrl, 'BALIE_URL is not set: run tests/e2e/run-turn.sh');
  const gatewayPort = Number(new URL(baseUrl).port);
  const room = `e2e-turn-${Date.now().toString(36)}`;
  const step = stepper(t, run);

  await step('the strict firewall is up', async () => {
    firewallOn(gatewayPort);
    assert.deepEqual(Object.keys(firewallCounters()).sort(), ['tcp-out', 'udp-in', 'udp-out']);
  });

  await step('both pages get a TURN credential in welcome and connect', async () => {
    browser = await launchBrowser();
    sides.advisor = await openSide(browser, 'advisor', room, { name: 'Anna' });
    await waitForStatus(sides.advisor.page, /Waiting for/);
    sides.customer = await openSide(browser, 'customer', room);
    await waitForStatus(sides.advisor.page, /Connected/);
    await waitForStatus(sides.customer.page, /Connected/);
    for (const side of Object.values(sides)) {
      const servers = await side.page.evaluate(() => window.balie.pc.getConfiguration().iceServers);
      assert.equal(servers.length, 1, `one TURN entry expected, got ${JSON.stringify(servers)}`);
      const [expiry, peer] = servers[0].username.split(':');
      assert.ok(Number(expiry) > Date.now() / 1000 + 300, `the credential expires too soon: ${servers[0].username}`);
      assert.equal(peer, await side.page.evaluate(() => window.balie.peer));
      assert.ok(servers[0].urls.some((u) => u.startsWith(`turns:${COTURN}:${TLS_PORT}`)));
    }
  });

  await step('media flows both ways', async () => {
    const customerVideo = await waitForMedia(sides.customer.page, "the advisor's camera at the customer", 'camera');
    const advisorVideo = await waitForMedia(sides.advisor.page, "the customer's camera at the advisor", 'camera');
    const audio = await waitForAudio(sides.customer.page, "the advisor's microphone at the customer");
    console.log(
      `through TURN: customer receives ${customerVideo.fps.toFixed(1)} fps at ${customerVideo.frameWidth}x${customerVideo.frameHeight}, ` +
        `advisor ${advisorVideo.fps.toFixed(1)} fps; audio ${audio.pps.toFixed(0)} packets/s`,
    );
  });

  await step('the selected pairs are relayed by coturn over TLS, and direct UDP was tried and dropped', async () => {
    for (const [role, side] of Object.entries(sides)) {
      const pair = await waitFor(`${role}: a selected candidate pair`, () => selectedCandidates(side.page), 10000);
      console.log(`${role}: selected pair ${JSON.stringify(pair)}`);
      assert.equal(pair.localType, 'relay', `${role}: the selected local candidate is ${pair.localType}, not relay`);
      assert.equal(pair.relayProtocol, 'tls', `${role}: reached coturn over ${pair.relayProtocol}, not TLS`);
      assert.equal(pair.localAddress, COTURN, `${role}: the relay address is not coturn's`);
      assert.equal(pair.remoteAddress, new URL(baseUrl).hostname, `${role}: the remote candidate is not the gateway`);
    }
    const counters = firewallCounters();
    console.log(`firewall dropped: ${JSON.stringify(counters)}`);
    assert.ok(counters['udp-out'] > 0, 'the browser never tried UDP: the test would pass without TURN');
    // coturn saw the allocations with Balie's credentials (user name EXPIRY:PEER).
    const coturnLog = process.env.BALIE_E2E_COTURN_LOG;
    if (coturnLog) {
      const peer = await sides.customer.page.evaluate(() => window.balie.peer);
      const line = await waitFor(
        `coturn's log to show the customer's TURN user (…:${peer}) allocating`,
        () => readFileSync(coturnLog, 'utf8').split('\n').find((l) => l.includes(`:${peer}>`) && /ALLOCATE processed, success/.test(l)),
        10000,
      );
      console.log(`coturn: ${line.trim()}`);
    }
  });

  await step('the secret and the credentials are not in the gateway log', async () => {
    const credential = await sides.customer.page.evaluate(() => window.balie.pc.getConfiguration().iceServers[0].credential);
    assert.equal(gatewayLogLines(credential).length, 0, 'a TURN credential appears in the gateway log');
    const secretFile = process.env.BALIE_TURN_SECRET_FILE;
    assert.ok(secretFile, 'BALIE_TURN_SECRET_FILE is not set: run tests/e2e/run-turn.sh');
    const secret = readFileSync(secretFile, 'utf8').trim();
    assert.equal(gatewayLogLines(secret).length, 0, 'the TURN secret appears in the gateway log');
  });

  await step('hang up', async () => {
    await sides.advisor.page.getByRole('button', { name: 'Hang up', exact: true }).click();
    await waitForAfterCall(sides.customer.page, 'rate');
  });
});
