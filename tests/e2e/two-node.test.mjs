// SPDX-License-Identifier: Apache-2.0
// Two Balie nodes behind HAProxy, one PostgreSQL: a room lives on one node, the
// load balancer finds it by consistent hashing on ?room=, calls on both nodes
// complete, and both nodes' contacts land in the one store, each with its node.
// Queues and logins are shared: a walk-in customer waits on one node, an
// advisor logged in on the other node takes them, the call runs (video both
// ways) and the customer's rating lands in the same store.
//
// Run through tests/e2e/run-two-node.sh, which starts PostgreSQL, the two nodes
// and HAProxy in a private network namespace and passes BALIE_URL (HAProxy),
// BALIE_TWO_NODE_PSQL and BALIE_TWO_NODE_LOGS.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { request } from 'node:https';
import {
  UI_TIMEOUT_MS,
  baseUrl,
  dumpDiagnostics,
  launchBrowser,
  openPage as openPageIn,
  openSide,
  pageFetch as api,
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
const QUEUE = 'zorgvraag';
const ACCOUNT = 'bert';
const PASSWORD = 'e2e-two-node-passphrase';

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

/** openPage() kept in `sides` under `key` (for the diagnostics after a failure). */
async function openPage(key, path, headers = {}) {
  sides[key] = await openPageIn(browser, path, { headers });
  return sides[key].page;
}

/** A walk-in ticket as /q/QUEUE hands it out (the redirect's room and token), from any node. */
function ticket() {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}/q/${QUEUE}`, { rejectUnauthorized: false, timeout: 5000 }, (res) => {
      res.resume();
      const location = new URL(res.headers.location ?? '/', baseUrl);
      resolve({ room: location.searchParams.get('room'), token: location.searchParams.get('token') });
    });
    req.on('timeout', () => req.destroy(new Error('/q/ timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Walk-in customers waiting with just their queue WebSockets (no media), all from `page`. */
async function waitInQueue(page, tickets) {
  await page.evaluate((list) => {
    window.queueMessages ??= {};
    for (const { room, token } of list) {
      const ws = new WebSocket(`wss://${window.location.host}/ws?room=${room}`);
      window.queueMessages[room] = [];
      ws.onopen = () => ws.send(JSON.stringify({ type: 'join', v: 1, room, role: 'customer', token }));
      ws.onmessage = (e) => window.queueMessages[room].push(JSON.parse(e.data));
    }
  }, tickets);
}

/** The `accepted` messages each customer of waitInQueue() got: room → [room named in each]. */
async function acceptedMessages(page) {
  const all = await page.evaluate(() => window.queueMessages);
  return Object.fromEntries(
    Object.entries(all).map(([room, list]) => [room, list.filter((m) => m.state === 'accepted').map((m) => m.room)]),
  );
}

/** Logs in as the test's advisor on `node` (pinned there) and goes available: {page, csrf}. */
async function advisorOn(key, node) {
  const page = await openPage(key, '/index.html', { 'X-Balie-Node': node });
  const login = await api(page, 'POST', '/api/v1/login', { body: { name: ACCOUNT, password: PASSWORD } });
  assert.equal(login.status, 200, `login on ${node} answered ${login.status}`);
  return { page, csrf: login.json.csrf };
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

  let walkIn; // {room, node}: the walk-in customer and the node holding their room
  await step('a walk-in customer waits on one node; an advisor logged in on the other takes them', async () => {
    sides = {};
    const customer = await openPage('customer', `/q/${QUEUE}?lang=en`);
    await customer.waitForURL(/check\.html/, { timeout: UI_TIMEOUT_MS });
    const go = customer.locator('#continue');
    await waitFor('a connection verdict', () => customer.evaluate(() => window.balieCheck?.result), 40000);
    await customer.locator('#audio-only').setChecked(false);
    await waitFor('the device check lets us continue', () => go.isEnabled(), UI_TIMEOUT_MS);
    await go.click();
    await customer.waitForURL(/queue\.html/, { timeout: UI_TIMEOUT_MS });
    const [row] = await waitFor(
      'the waiting customer in the shared queue table',
      () => {
        const r = query(`SELECT room, node FROM queue_entry WHERE queue = '${QUEUE}' AND accepted_us IS NULL`);
        return r.length === 1 ? r : null;
      },
      STORE_DEADLINE_MS,
    );
    walkIn = { room: row[0], node: row[1] };
    // The customer's WebSocket carries ?room=, so HAProxy keeps them where their call will be.
    assert.equal((await probe(`/ws?room=${walkIn.room}`)).backend, walkIn.node);
    const other = Object.keys(NODES).find((n) => n !== walkIn.node);
    console.log(`walk-in ${walkIn.room} waits on ${walkIn.node}; the advisor works on ${other}`);

    const desk = await openPage('advisor', '/console.html?lang=en', { 'X-Balie-Node': other });
    const login = await api(desk, 'POST', '/api/v1/login', { body: { name: ACCOUNT, password: PASSWORD } });
    assert.equal(login.status, 200, `login answered ${login.status}`);
    assert.equal(login.backend, other);
    const csrf = login.json.csrf;
    const list = await waitFor(
      `${other} lists the customer waiting on ${walkIn.node}`,
      async () => {
        const r = await api(desk, 'GET', '/api/v1/queues');
        return r.json?.queues?.find((q) => q.name === QUEUE)?.waiting?.length === 1 ? r : null;
      },
      UI_TIMEOUT_MS,
    );
    assert.equal(list.backend, other);
    assert.deepEqual(list.json.queues.find((q) => q.name === QUEUE).waiting.map((w) => [w.contact, w.node]), [[walkIn.room, walkIn.node]]);
    assert.equal((await api(desk, 'PUT', '/api/v1/availability', { body: { state: 'available' }, csrf })).status, 200);
    const taken = await api(desk, 'POST', `/api/v1/queues/${QUEUE}/accept`, { csrf });
    assert.equal(taken.status, 200, `accept answered ${taken.status} ${JSON.stringify(taken.json)}`);
    assert.equal(taken.backend, other);
    assert.equal(taken.json.room, walkIn.room);
    await customer.waitForURL(/customer\.html/, { timeout: UI_TIMEOUT_MS });

    // The call page goes wherever HAProxy hashes the room: the customer's node, logged in there too.
    await sides.advisor.context.setExtraHTTPHeaders({});
    await desk.goto(`${baseUrl}${taken.json.url}&lang=en`, { timeout: UI_TIMEOUT_MS });
    await waitForStatus(desk, /Connected/);
    await waitForStatus(customer, /Connected/);
    for (const [who, page] of [['advisor', desk], ['customer', customer]]) {
      const video = await waitForMedia(page, `the ${who} receives camera`, 'camera');
      const pair = await selectedPair(page);
      assert.equal(pair.remoteAddress, NODES[walkIn.node], `the ${who}'s media goes to ${pair.remoteAddress}`);
      console.log(`${who}: ${video.fps.toFixed(1)} fps at ${video.frameWidth}x${video.frameHeight}`);
    }
    await desk.getByRole('button', { name: 'Hang up', exact: true }).click();
    await customer.waitForURL(/\/rate\.html/, { timeout: UI_TIMEOUT_MS });
    await customer.getByRole('group', { name: /recommend us/ }).getByRole('radio', { name: '9', exact: true }).check();
    await customer.getByRole('button', { name: 'Send' }).click();
    // Sent: the page moves on (to the end page).
    await customer.waitForURL((url) => !url.pathname.endsWith('/rate.html'), { timeout: UI_TIMEOUT_MS });
    for (const side of Object.values(sides)) await side.context.close();
  });

  await step('the walk-in contact and its rating are in the one store', async () => {
    const [contact] = await waitFor(
      'the walk-in contact ended, answered by the advisor, and rated',
      () => {
        const r = query(
          `SELECT c.node, c.queue, c.outcome, c.advisor_ref IS NOT NULL, r.nps FROM contact c JOIN rating r ON r.contact_id = c.id WHERE c.id = '${walkIn.room}' AND c.ended_us IS NOT NULL`,
        );
        return r.length === 1 ? r : null;
      },
      STORE_DEADLINE_MS,
    );
    assert.deepEqual(contact, [walkIn.node, QUEUE, 'answered', 't', '9']);
    assert.deepEqual(query(`SELECT count(*) FROM queue_entry WHERE room = '${walkIn.room}'`), [['0']]);
  });

  await step('two advisors on two nodes accept at once: each gets another customer, nobody twice', async () => {
    sides = {};
    // Two customers waiting (no media: just their queue WebSockets, from one page).
    const tickets = [await ticket(), await ticket()];
    const waiting = await openPage('walk-ins', '/index.html');
    await waitInQueue(waiting, tickets);
    await waitFor(
      'both customers in the shared queue table',
      () => query(`SELECT count(*) FROM queue_entry WHERE queue = '${QUEUE}' AND accepted_us IS NULL`)[0][0] === '2',
      STORE_DEADLINE_MS,
    );
    const desks = {};
    for (const node of Object.keys(NODES)) desks[node] = await advisorOn(`advisor-${node}`, node);
    // Away advisors take nobody, whichever node they ask.
    const away = await api(desks['node-a'].page, 'POST', `/api/v1/queues/${QUEUE}/accept`, { csrf: desks['node-a'].csrf });
    assert.equal(away.status, 409);
    assert.equal(away.json.error.code, 'not-available');
    for (const { page, csrf } of Object.values(desks)) {
      assert.equal((await api(page, 'PUT', '/api/v1/availability', { body: { state: 'available' }, csrf })).status, 200);
    }
    const accepts = await Promise.all(
      Object.values(desks).map(({ page, csrf }) => api(page, 'POST', `/api/v1/queues/${QUEUE}/accept`, { csrf })),
    );
    console.log(`concurrent accepts: ${JSON.stringify(accepts.map((a) => [a.backend, a.status, a.json.room]))}`);
    assert.deepEqual(accepts.map((a) => a.status), [200, 200]);
    assert.deepEqual(accepts.map((a) => a.json.room).sort(), tickets.map((t) => t.room).sort());
    // Each customer was told to join their own room, once.
    await waitFor(
      'both customers told they were taken, each once, to their own room',
      async () => {
        const told = await acceptedMessages(waiting);
        return tickets.every(({ room }) => told[room]?.length === 1 && told[room][0] === room);
      },
      UI_TIMEOUT_MS,
    );
    // Busy advisors and an empty queue: nobody more to take.
    const more = await api(desks['node-b'].page, 'PUT', '/api/v1/availability', { body: { state: 'available' }, csrf: desks['node-b'].csrf });
    assert.equal(more.status, 200);
    const empty = await api(desks['node-b'].page, 'POST', `/api/v1/queues/${QUEUE}/accept`, { csrf: desks['node-b'].csrf });
    assert.equal(empty.status, 409);
    assert.equal(empty.json.error.code, 'queue-empty');
    // A logout on one node ends the session on the other, which knew it, too (the
    // cookie is put back after the logout cleared it, as a copied cookie would be).
    const { page, csrf } = desks['node-a'];
    const context = page.context();
    await context.setExtraHTTPHeaders({ 'X-Balie-Node': 'node-b' });
    assert.equal((await api(page, 'GET', '/api/v1/me')).status, 200);
    const cookies = await context.cookies();
    await context.setExtraHTTPHeaders({ 'X-Balie-Node': 'node-a' });
    assert.equal((await api(page, 'POST', '/api/v1/logout', { csrf })).status, 204);
    await context.addCookies(cookies);
    await context.setExtraHTTPHeaders({ 'X-Balie-Node': 'node-b' });
    await waitFor('node-b forgets the session', async () => (await api(page, 'GET', '/api/v1/me')).status === 401, UI_TIMEOUT_MS);
    for (const side of Object.values(sides)) await side.context.close();
  });

  await step("a claim the customer's node cannot answer is given up; the customer is taken after all", async () => {
    sides = {};
    const walkInTicket = await ticket();
    const waiting = await openPage('walk-in', '/index.html');
    await waitInQueue(waiting, [walkInTicket]);
    const [[node]] = await waitFor(
      'the customer in the shared queue table',
      () => {
        const r = query(`SELECT node FROM queue_entry WHERE room = '${walkInTicket.room}'`);
        return r.length === 1 ? r : null;
      },
      STORE_DEADLINE_MS,
    );
    const other = Object.keys(NODES).find((n) => n !== node);
    const { page, csrf } = await advisorOn('advisor', other);
    assert.equal((await api(page, 'PUT', '/api/v1/availability', { body: { state: 'available' }, csrf })).status, 200);
    // The customer's node stops answering (SIGSTOP) while the advisor takes them.
    const pid = Number(process.env.BALIE_TWO_NODE_PIDS.match(new RegExp(`${node}=(\\d+)`))[1]);
    process.kill(pid, 'SIGSTOP');
    let late;
    try {
      late = await api(page, 'POST', `/api/v1/queues/${QUEUE}/accept`, { csrf });
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    assert.equal(late.status, 503, `accept answered ${late.status} ${JSON.stringify(late.json)}`);
    assert.equal(late.json.error.code, 'store-unavailable');
    // The advisor is available again, and the node, back, puts its customer in the queue again.
    let last;
    const again = await waitFor(
      'the customer taken after all',
      async () => {
        last = await api(page, 'POST', `/api/v1/queues/${QUEUE}/accept`, { csrf });
        return last.status === 200 ? last : null;
      },
      STORE_DEADLINE_MS,
    ).catch((err) => {
      err.message += ` (last answer: ${last?.status} from ${last?.backend}: ${JSON.stringify(last?.json)})`;
      throw err;
    });
    assert.equal(again.json.room, walkInTicket.room);
    await waitFor('the customer told once', async () => (await acceptedMessages(waiting))[walkInTicket.room]?.length === 1, UI_TIMEOUT_MS);
    for (const side of Object.values(sides)) await side.context.close();
  });

  await step("both nodes' contacts are in the one store, each with its node", async () => {
    const rows = await waitFor(
      'two answered, ended contacts in PostgreSQL',
      () => {
        const r = query(
          `SELECT node, outcome, end_reason, ended_by FROM contact WHERE offered_us >= ${startedUs} AND ended_us IS NOT NULL AND queue IS NULL ORDER BY node`,
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
      `SELECT c.node, count(*) FROM contact_event e JOIN contact c ON c.id = e.contact_id WHERE c.offered_us >= ${startedUs} AND c.queue IS NULL GROUP BY c.node ORDER BY c.node`,
    );
    console.log(`events per node: ${JSON.stringify(events)}`);
    assert.equal(events.length, 2);
    for (const [node, count] of events) assert.ok(Number(count) >= 3, `${node} wrote only ${count} events`);
  });
});
