// SPDX-License-Identifier: Apache-2.0
// The contact flow in real browsers (issue: contact flow):
// 1. an advisor logs in, creates an invitation; the customer opens the link,
//    passes the device check and waits; the advisor opens the call: it runs;
// 2. the advisor makes a guest link from the call page; a guest (say an
//    interpreter) opens it: all three decode each other's video, and a screen
//    share still reaches both others;
// 3. after hanging up the advisor records the wrap-up (journey, outcome);
// 4. a walk-in customer waits in a queue; an away advisor may not take them,
//    an available one does.
//
// Run through tests/e2e/run-in-netns.sh with the queue "zorgvraag" configured
// (the ctest entry sets BALIE_QUEUES_NAMES).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  UI_TIMEOUT_MS,
  addAccount,
  baseUrl,
  dumpDiagnostics,
  elapsed,
  gatewayLogLines,
  getHealth,
  launchBrowser,
  pageFetch,
  stepper,
  waitFor,
  waitForAfterCall,
  waitForMedia,
  waitForStatus,
  waitForVideoCount,
} from './lib.mjs';

const ACCOUNT = 'bert';
const PASSWORD = 'e2e-contact-passphrase';
const QUEUE = 'zorgvraag';
const sides = {};
let browser;
const run = { failed: false };

after(async () => {
  if (run.failed) await dumpDiagnostics(sides, 'failure-contact');
  await browser?.close().catch(() => {});
});

/** A fresh browser context (camera and microphone allowed, English) with one page at `path`. */
async function open(key, path) {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    permissions: ['camera', 'microphone'],
    viewport: { width: 1280, height: 800 },
    locale: 'en-US',
  });
  const page = await context.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(`[${elapsed()}] ${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`[${elapsed()}] pageerror: ${e.stack || e}`));
  await page.goto(`${baseUrl}${path}`, { timeout: UI_TIMEOUT_MS });
  sides[key] = { context, page, logs };
  return page;
}

/** From a link page (/j/… or /q/…) through the device check into the call or queue page. */
async function throughCheck(page) {
  await page.waitForURL(/check\.html/, { timeout: UI_TIMEOUT_MS });
  // The connection check ticks "sound only" when the path looks weak (a busy
  // test machine): wait for its verdict, then ask for video anyway.
  await waitFor('a connection verdict', () => page.evaluate(() => window.balieCheck?.result), 40000);
  await page.locator('#audio-only').setChecked(false);
  const go = page.locator('#continue');
  await waitFor('the device check lets us continue', () => go.isEnabled(), UI_TIMEOUT_MS);
  await go.click();
}

test('invite, guest and walk-in queue in real browsers', async (t) => {
  assert.ok(baseUrl, 'BALIE_URL is not set: run tests/e2e/run-in-netns.sh');
  const step = stepper(t, run);
  let csrf;
  let contact;
  let inviteUrl;

  await step('the advisor logs in and creates an invitation', async () => {
    addAccount(ACCOUNT, PASSWORD);
    browser = await launchBrowser();
    const desk = await open('advisor', '/console.html?lang=en');
    const login = await pageFetch(desk, 'POST', '/api/v1/login', { body: { name: ACCOUNT, password: PASSWORD } });
    assert.equal(login.status, 200, `login answered ${login.status}`);
    csrf = login.json.csrf;
    const invite = await pageFetch(desk, 'POST', '/api/v1/invites', { body: { journey: 'hypotheek' }, csrf });
    assert.equal(invite.status, 201, `invite answered ${invite.status}`);
    contact = invite.json.contact;
    inviteUrl = new URL(invite.json.url).pathname;
  });

  await step('the customer opens the link, passes the device check and waits', async () => {
    const customer = await open('customer', inviteUrl);
    await throughCheck(customer);
    await customer.waitForURL(/customer\.html/, { timeout: UI_TIMEOUT_MS });
    await waitForStatus(customer, /Waiting for/);
    await waitFor('the contact is offered', () => gatewayLogLines(`room=${contact} `, 5000).some((l) => / offered/.test(l)), 10000);
  });

  await step('the advisor opens the call: camera both ways', async () => {
    const advisor = sides.advisor.page;
    await advisor.goto(`${baseUrl}/advisor.html?room=${contact}&name=Bert&lang=en`, { timeout: UI_TIMEOUT_MS });
    await waitForStatus(advisor, /Connected/);
    await waitForStatus(sides.customer.page, /Connected/);
    for (const role of ['advisor', 'customer']) await waitForMedia(sides[role].page, `${role} receives camera`, 'camera');
    await waitFor('the contact is answered', () => gatewayLogLines(`room=${contact} `, 5000).some((l) => / answered/.test(l)), 10000);
  });

  await step('a guest joins through a link from the call page: three-way video', async () => {
    const advisor = sides.advisor.page;
    await advisor.getByRole('button', { name: 'Create a guest link' }).click();
    const field = advisor.getByLabel('Link for the guest');
    await waitFor('a guest link', async () => /\/j\/[A-Za-z0-9_.-]+$/.test(await field.inputValue()), UI_TIMEOUT_MS);
    const guest = await open('guest', new URL(await field.inputValue()).pathname);
    await throughCheck(guest);
    await guest.waitForURL(/customer\.html/, { timeout: UI_TIMEOUT_MS });
    await waitForStatus(guest, /Connected/);
    for (const role of ['advisor', 'customer', 'guest']) {
      const live = await waitForVideoCount(sides[role].page, `${role} decodes both others`, 'camera', 2);
      console.log(`${role}: ${live.map((r) => `${r.frameWidth}x${r.frameHeight} ${r.fps.toFixed(1)} fps`).join(', ')}`);
    }
    // The guest shows as a tile, named by role.
    await advisor.locator('#guests figure').first().waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal((await getHealth()).participants ?? 3, 3);
  });

  await step('a screen share reaches both others', async () => {
    const customer = sides.customer.page;
    await customer.getByRole('button', { name: 'Share screen', exact: true }).click();
    for (const role of ['advisor', 'guest']) {
      const screen = await waitForMedia(sides[role].page, `${role} receives the customer screen`, 'screen');
      console.log(`${role} sees the screen at ${screen.frameWidth}x${screen.frameHeight}`);
    }
    await customer.getByRole('button', { name: 'Stop sharing', exact: true }).click();
  });

  await step('the advisor hangs up: everyone is out, the link is spent', async () => {
    await sides.advisor.page.getByRole('button', { name: 'Hang up', exact: true }).click();
    // The customer is asked to rate the call; a guest has nothing to rate.
    await waitForAfterCall(sides.customer.page, 'rate');
    await waitForAfterCall(sides.guest.page, 'end');
    await waitFor('0 rooms', async () => (await getHealth()).rooms === 0, 10000);
  });

  await step('the advisor wraps the call up', async () => {
    const advisor = sides.advisor.page;
    const form = advisor.getByRole('region', { name: 'Wrap-up' });
    await form.waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await advisor.getByLabel(/^Topic/).inputValue(), 'hypotheek', 'the topic is the invitation\'s');
    await advisor.getByLabel('Follow-up needed').check();
    await advisor.getByRole('button', { name: 'Save wrap-up' }).click();
    await advisor.getByText(/^Saved\./).waitFor({ timeout: UI_TIMEOUT_MS });
    await waitFor('the gateway logged the wrap-up', () => gatewayLogLines(`room=${contact} `, 5000).some((l) => /wrapped up by .*: follow-up/.test(l)), 10000);
  });

  await step('a walk-in customer waits in the queue and the advisor takes them', async () => {
    const walkIn = await open('walk-in', `/q/${QUEUE}`);
    await throughCheck(walkIn);
    await walkIn.waitForURL(/queue\.html/, { timeout: UI_TIMEOUT_MS });
    const advisor = sides.advisor.page;
    await waitFor(
      'the queue lists one waiting customer',
      async () => (await pageFetch(advisor, 'GET', '/api/v1/queues')).json?.queues?.find((q) => q.name === QUEUE)?.waiting?.length === 1,
      UI_TIMEOUT_MS,
    );
    // Availability routes: an advisor who is away takes nobody.
    const away = await pageFetch(advisor, 'POST', `/api/v1/queues/${QUEUE}/accept`, { csrf });
    assert.equal(away.status, 409, 'an away advisor cannot take a customer');
    assert.equal(away.json.error?.code ?? away.json.code, 'not-available');
    assert.equal((await pageFetch(advisor, 'PUT', '/api/v1/availability', { body: { state: 'available' }, csrf })).status, 200);
    const taken = await pageFetch(advisor, 'POST', `/api/v1/queues/${QUEUE}/accept`, { csrf });
    assert.equal(taken.status, 200, `accept answered ${taken.status}`);
    await walkIn.waitForURL(/customer\.html/, { timeout: UI_TIMEOUT_MS });
    await advisor.goto(`${baseUrl}${taken.json.url}&lang=en`, { timeout: UI_TIMEOUT_MS });
    await waitForStatus(advisor, /Connected/);
    for (const page of [advisor, walkIn]) await waitForMedia(page, 'camera after the queue', 'camera');
    await advisor.getByRole('button', { name: 'Hang up', exact: true }).click();
    await waitForAfterCall(walkIn, 'rate');
  });

  await step('no script errors', async () => {
    for (const [key, side] of Object.entries(sides)) {
      // Expected refusals the test provokes: /api/v1/me before login (401), an
      // away advisor taking a customer (409).
      const errors = side.logs.filter((l) => / (error|pageerror): /.test(l) && !/status of (401|409)/.test(l));
      assert.deepEqual(errors, [], `${key} page logged errors`);
    }
  });
});
