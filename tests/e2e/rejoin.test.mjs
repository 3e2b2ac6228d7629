// SPDX-License-Identifier: Apache-2.0
// Rejoin (docs/protocol.md, "Rejoin"): the customer reloads the page mid-call,
// and later loses its media path (nft drops its UDP); each time the call comes
// back by itself, the advisor sees "reconnecting" meanwhile, and video flows
// again both ways. Prints how long the picture took to come back.
//
// Run through tests/e2e/run-in-netns.sh (root in the namespace for nft).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  baseUrl,
  dumpDiagnostics,
  gatewayLogLines,
  getHealth,
  inboundStats,
  launchBrowser,
  openSide,
  pick,
  selectedPair,
  stepper,
  waitFor,
  waitForAfterCall,
  waitForMedia,
  waitForStatus,
} from './lib.mjs';
import { NftTable } from './nft.mjs';

// The target: video back on both sides within 5 s of a reload.
const RELOAD_TARGET_MS = 5000;
const nft = new NftTable('balie_rejoin');
const sides = {};
let browser;
const run = { failed: false };

after(async () => {
  nft.clear();
  if (run.failed) await dumpDiagnostics(sides, 'failure-rejoin');
  await browser?.close().catch(() => {});
});

/* global MutationObserver */
/** Starts recording the page's call states (body[data-state]) with times. */
async function recordStates(page) {
  await page.evaluate(() => {
    window.__states = [document.body.dataset.state];
    new MutationObserver(() => window.__states.push(document.body.dataset.state)).observe(document.body, {
      attributes: true,
      attributeFilter: ['data-state'],
    });
  });
}

/** Resolves when camera frames decode again (framesDecoded rising on some camera stream), with the time it took. */
async function cameraBack(page, what, since) {
  let last = new Map();
  return waitFor(
    what,
    async () => {
      const { inbound } = await inboundStats(page);
      const now = new Map(pick({ inbound }, 'camera').map((r) => [r.ssrc, r.framesDecoded]));
      const rising = [...now].some(([ssrc, frames]) => last.has(ssrc) && frames > last.get(ssrc));
      last = now;
      return rising ? Date.now() - since : null;
    },
    30000,
    100,
  );
}

test('a customer comes back into the same call after a reload and after losing its network', async (t) => {
  assert.ok(baseUrl, 'BALIE_URL is not set: run tests/e2e/run-in-netns.sh');
  const room = `rejoin-${Date.now().toString(36)}`;
  const step = stepper(t, run);

  await step('advisor and customer are in a call', async () => {
    browser = await launchBrowser();
    sides.advisor = await openSide(browser, 'advisor', room, { name: 'Anna' });
    await waitForStatus(sides.advisor.page, /Waiting for/);
    sides.customer = await openSide(browser, 'customer', room);
    for (const role of ['advisor', 'customer']) await waitForMedia(sides[role].page, `${role} receives camera`, 'camera');
    await recordStates(sides.advisor.page);
  });

  await step('the customer reloads: video is back on both sides', async () => {
    const { advisor, customer } = { advisor: sides.advisor.page, customer: sides.customer.page };
    const before = await customer.evaluate(() => window.balie.peer);
    const t0 = Date.now();
    await customer.reload();
    const [advisorMs, customerMs] = await Promise.all([
      cameraBack(advisor, 'advisor decodes the customer camera again', t0),
      cameraBack(customer, 'customer decodes the advisor camera again', t0),
    ]);
    const states = await advisor.evaluate(() => window.__states);
    console.log(`reload: advisor sees video again after ${advisorMs} ms, customer after ${customerMs} ms; advisor states ${states.join(' → ')}`);
    const after = await customer.evaluate(() => window.balie.peer);
    assert.notEqual(after, before, 'the reloaded page is a new peer');
    assert.ok(states.includes('other-left'), `the advisor was told the customer is reconnecting (states: ${states})`);
    await waitForStatus(advisor, /connected with/i);
    assert.ok(Math.max(advisorMs, customerMs) <= RELOAD_TARGET_MS,
      `video took ${Math.max(advisorMs, customerMs)} ms to come back (target ${RELOAD_TARGET_MS} ms)`);
    const log = gatewayLogLines(`room=${room} `, 5000);
    assert.ok(log.some((l) => l.includes('rejoined')), 'the gateway recorded a rejoin');
    assert.equal((await getHealth()).rooms, 1, 'still one room');
  });

  await step('the customer loses its media path: the page reconnects by itself', async (st) => {
    if (!nft.usable()) return st.skip('nft is not usable here (needs the nftables package and root in the namespace)');
    const { advisor, customer } = { advisor: sides.advisor.page, customer: sides.customer.page };
    await recordStates(customer);
    const pair = await selectedPair(customer);
    assert.ok(pair?.localPort, 'the customer has a selected candidate pair');
    // Everything the customer's peer connection sends, dropped: as if its Wi-Fi went.
    nft.set(`udp sport ${pair.localPort} counter drop`);
    const t0 = Date.now();
    await waitFor('the customer page notices and reconnects', () => customer.evaluate(() => window.__states.includes('reconnecting')), 20000);
    const [advisorMs, customerMs] = await Promise.all([
      cameraBack(advisor, 'advisor decodes the customer camera again', t0),
      cameraBack(customer, 'customer decodes the advisor camera again', t0),
    ]);
    const dropped = nft.counter();
    nft.clear();
    const states = await customer.evaluate(() => window.__states);
    console.log(`network cut: video back after ${advisorMs} ms (advisor) / ${customerMs} ms (customer), nft dropped ${dropped} packets; customer states ${states.join(' → ')}`);
    assert.ok(dropped > 0, 'the rule dropped the customer media');
    const newPair = await selectedPair(customer);
    assert.notEqual(newPair?.localPort, pair.localPort, 'a fresh peer connection on another port');
    await waitForStatus(customer, /connected with/i);
  });

  await step('hang-up closes the room; no script errors', async () => {
    await sides.advisor.page.getByRole('button', { name: 'Hang up', exact: true }).click();
    await waitForAfterCall(sides.customer.page, 'rate');
    await waitFor('0 rooms', async () => (await getHealth()).rooms === 0, 10000);
    for (const [role, side] of Object.entries(sides)) {
      const errors = side.logs.filter((l) => / (error|pageerror): /.test(l));
      assert.deepEqual(errors, [], `${role} page logged errors`);
    }
  });
});
