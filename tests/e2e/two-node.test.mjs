// SPDX-License-Identifier: Apache-2.0
// Two Balie nodes behind HAProxy, one PostgreSQL: a room lives on one node, the
// load balancer finds it by consistent hashing on ?room=, calls on both nodes
// complete, and both nodes' contacts land in the one store, each with its node.
//
// Run through tests/e2e/run-two-node.sh, which starts PostgreSQL, the two nodes
// and HAProxy in a private network namespace and passes BALIE_URL (HAProxy),
// BALIE_TWO_NODE_PSQL and BALIE_TWO_NODE_LOGS.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { request } from 'node:https';
import {
  baseUrl,
  dumpDiagnostics,
  launchBrowser,
  openSide,
  selectedPair,
  stepper,
  waitFor,
  waitForMedia,
  waitForStatus,
} from './lib.mjs';

const NODES = { 'node-a': '127.0.0.11', 'node-b': '127.0.0.12' };
const MAX_ROOM_PROBES = 256;
const PROBE_DEADLINE_MS = 15000;
const STORE_DEADLINE_MS = 20000;

let browser;
let sides = {};
const run = { failed: false };

after(async () => {
  if (run.failed) await dumpDiagnostics(sides, 'two-node-failure');
  await browser?.close().catch(() => {});
});

/** GET `path` through HAProxy: {status, backend}, the node HAProxy chose (X-Balie-Backend). */
function probe(path) {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}${path}`, { rejectUnauthorized: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, backend: res.headers['x-balie-backend'] }));
    });
    req.on('timeout', () => req.destroy(new Error(`${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Rows of a query on the shared store, as arrays of column strings. */
function query(sql) {
  const [psql, ...args] = process.env.BALIE_TWO_NODE_PSQL.split(' ');
  const out = execFileSync(psql, [...args, '-A', '-t', '-F', '|', '-c', sql], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('|'));
}

test('two nodes, one PostgreSQL, HAProxy hashing on the room', async (t) => {
  assert.ok(baseUrl && process.env.BALIE_TWO_NODE_PSQL, 'run tests/e2e/run-two-node.sh');
  const startedUs = Date.now() * 1000;
  const prefix = `two-${Date.now().toString(36)}`;
  const roomOf = {}; // node → a room HAProxy sends there
  const step = stepper(t, run);

  await step('HAProxy sends each room to one node, the same one every time', async () => {
    // Until HAProxy's first health checks have passed it may know only one node up.
    const deadline = Date.now() + PROBE_DEADLINE_MS;
    for (let i = 0; i < MAX_ROOM_PROBES && Object.keys(roomOf).length < 2 && Date.now() < deadline; i++) {
      if (i > 0 && i % 8 === 0) await new Promise((r) => setTimeout(r, 500));
      const room = `${prefix}-${i}`;
      const first = await probe(`/customer.html?room=${room}`);
      assert.equal(first.status, 200);
      assert.ok(first.backend in NODES, `unexpected backend ${first.backend}`);
      // Consistent: the page, the advisor's page and the WebSocket path agree.
      assert.equal((await probe(`/advisor.html?room=${room}`)).backend, first.backend);
      assert.equal((await probe(`/ws?room=${room}`)).backend, first.backend);
      roomOf[first.backend] ??= room;
    }
    assert.deepEqual(Object.keys(roomOf).sort(), Object.keys(NODES), `rooms found: ${JSON.stringify(roomOf)}`);
    console.log(`rooms: ${JSON.stringify(roomOf)}`);
  });

  for (const node of Object.keys(NODES)) {
    await step(`a call on ${node}, both sides through HAProxy`, async () => {
      const room = roomOf[node];
      browser ??= await launchBrowser();
      sides = {};
      sides.advisor = await openSide(browser, 'advisor', room, { name: 'Anna' });
      await waitForStatus(sides.advisor.page, /Waiting for/);
      sides.customer = await openSide(browser, 'customer', room);
      await waitForStatus(sides.customer.page, /Connected/);
      await waitForStatus(sides.advisor.page, /Connected/);
      const video = await waitForMedia(sides.customer.page, `the advisor's camera on ${node}`, 'camera');
      const pair = await selectedPair(sides.customer.page);
      console.log(`${node}: ${video.fps.toFixed(1)} fps at ${video.frameWidth}x${video.frameHeight}, media with ${JSON.stringify(pair)}`);
      // Signaling went through the load balancer; media goes straight to the room's node.
      assert.equal(pair.remoteAddress, NODES[node], `media of a room on ${node} goes to ${pair.remoteAddress}`);
      await sides.customer.page.getByRole('button', { name: 'Hang up', exact: true }).click();
      await waitForStatus(sides.advisor.page, /call has ended/);
      for (const side of Object.values(sides)) await side.context.close();
    });
  }

  await step("both nodes' contacts are in the one store, each with its node", async () => {
    const rows = await waitFor(
      'two answered, ended contacts in PostgreSQL',
      () => {
        const r = query(
          `SELECT node, outcome, end_reason, ended_by FROM contact WHERE offered_us >= ${startedUs} AND ended_us IS NOT NULL ORDER BY node`,
        );
        return r.length >= 2 ? r : null;
      },
      STORE_DEADLINE_MS,
    );
    console.log(`store: ${JSON.stringify(rows)}`);
    assert.deepEqual(
      rows.map((r) => r.join('|')),
      ['node-a|answered|hangup|customer', 'node-b|answered|hangup|customer'],
    );
    const events = query(
      `SELECT c.node, count(*) FROM contact_event e JOIN contact c ON c.id = e.contact_id WHERE c.offered_us >= ${startedUs} GROUP BY c.node ORDER BY c.node`,
    );
    console.log(`events per node: ${JSON.stringify(events)}`);
    assert.equal(events.length, 2);
    for (const [node, count] of events) assert.ok(Number(count) >= 3, `${node} wrote only ${count} events`);
  });
});
