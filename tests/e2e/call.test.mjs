// SPDX-License-Identifier: Apache-2.0
// One 1:1 call through a real gateway with two headless Chromium pages:
// camera + microphone both ways, screen share both ways (and a second share
// that reuses the send slot), chat, hang-up and room teardown.
//
// Run through tests/e2e/run-in-netns.sh, which starts the gateway in a private
// network namespace and passes BALIE_URL and BALIE_GATEWAY_LOG.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  UI_TIMEOUT_MS,
  assertCodecsMatchKinds,
  baseUrl,
  dumpDiagnostics,
  getHealth,
  launchBrowser,
  openSide,
  outDir,
  roomTeardownLine,
  root,
  rtcpReports,
  stepper,
  waitFor,
  waitForAfterCall,
  waitForAudio,
  waitForMedia,
  waitForStatus,
} from './lib.mjs';

// A stale failure report from an earlier run must not pass for this run's.
for (const f of ['failure.txt', 'failure-advisor.png', 'failure-customer.png']) rmSync(join(outDir, f), { force: true });

const sides = {}; // role → {context, page, logs}
let browser;
const run = { failed: false };

after(async () => {
  if (run.failed) await dumpDiagnostics(sides, 'failure');
  await browser?.close().catch(() => {});
});

test('a call through the gateway: media, screen share, chat, hang-up', async (t) => {
  assert.ok(baseUrl, 'BALIE_URL is not set: run tests/e2e/run-in-netns.sh');
  const room = `e2e-${Date.now().toString(36)}`;

  // Each step runs only if the ones before it passed; the first failure is the story.
  const step = stepper(t, run);

  await step('both sides join one fresh room', async () => {
    browser = await launchBrowser();
    // The advisor opens the room first, as in a real consultation.
    for (const role of ['advisor', 'customer']) {
      sides[role] = await openSide(browser, role, room, { name: role === 'advisor' ? 'Anna' : '' });
      if (role === 'advisor') await waitForStatus(sides[role].page, /Waiting for/);
    }
    await waitForStatus(sides.advisor.page, /Connected/);
    await waitForStatus(sides.customer.page, /Connected/);
  });

  await step('a third participant is refused in plain words', async () => {
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      permissions: ['camera', 'microphone'],
      locale: 'en-US',
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
        await assertCodecsMatchKinds(sides[role].page, role);
      }),
    );
  });

  await step('RTCP reports reach both sides for audio and video, about once a second', async () => {
    // rtpsession's regular RTCP went out once in 3-20 s under transport-wide
    // feedback; the gateway's sender reports and receiver reports ride its
    // early packets too (webrtc/direct.c, webrtc/reports.c). Sender reports
    // come once a second: while four more come, so must two report blocks.
    const kinds = ['audio', 'video'];
    const least = (a, b, table) => Math.min(...kinds.map((k) => (b[table][k] ?? 0) - (a?.[table][k] ?? 0)));
    await Promise.all(
      ['advisor', 'customer'].map(async (role) => {
        const page = sides[role].page;
        const first = await waitFor(`${role} gets RTCP reports for audio and video`, async () => {
          const r = await rtcpReports(page);
          return least(null, r, 'sr') >= 1 && least(null, r, 'rr') >= 1 && r;
        }, 15000);
        const later = await waitFor(`${role} gets 4 more sender reports per stream`, async () => {
          const r = await rtcpReports(page);
          return least(first, r, 'sr') >= 4 && r;
        }, 15000);
        console.log(`# ${role}: RTCP reports ${JSON.stringify(first)} then ${JSON.stringify(later)}`);
        assert.ok(least(first, later, 'rr') >= 2, `${role}: report blocks with a round trip come about as often as sender reports`);
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
    await assertCodecsMatchKinds(advisor, 'advisor');
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
    await assertCodecsMatchKinds(customer, 'customer');
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
    await assertCodecsMatchKinds(advisor, 'advisor');
    await assertCodecsMatchKinds(customer, 'customer');
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
    await waitForAfterCall(customer, 'rate');
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

function screenRegion(page) {
  return page.getByRole('region', { name: /^Screen shared by/ });
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
