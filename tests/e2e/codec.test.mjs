// SPDX-License-Identifier: Apache-2.0
// H.264: a room takes the video codec its first browser prefers. Debian's
// Chromium can send and play H.264 but prefers VP8; Safari prefers H.264. An
// init script puts H.264 first in RTCRtpSender.getCapabilities (the order
// web/call.js reports), so these pages announce what Safari would.
//
// 1. An advisor page that prefers H.264 opens the room: the room is H.264.
// 2. A customer page whose browser cannot do H.264 is refused in plain words.
// 3. A customer page that can do both joins: camera and a screen share flow
//    both ways as H.264 (the codec each page decodes, from getStats).
//
// Run through tests/e2e/run-in-netns.sh.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  UI_TIMEOUT_MS,
  assertCodecsMatchKinds,
  baseUrl,
  dumpDiagnostics,
  gatewayLogLines,
  inboundStats,
  launchBrowser,
  openSide,
  pick,
  stepper,
  waitFor,
  waitForAfterCall,
  waitForMedia,
  waitForStatus,
} from './lib.mjs';

// Runs in the page before its scripts: reorders (or trims) the codec lists the
// browser reports, as a browser with another preference would report them.
/* global RTCRtpSender, RTCRtpReceiver */
function preferCodecs({ first, drop }) {
  for (const side of [RTCRtpSender, RTCRtpReceiver]) {
    const original = side.getCapabilities.bind(side);
    side.getCapabilities = (kind) => {
      const caps = original(kind);
      if (!caps || kind !== 'video') return caps;
      const name = (c) => c.mimeType.toLowerCase().replace(/^video\//, '');
      const codecs = caps.codecs.filter((c) => !drop.includes(name(c)));
      codecs.sort((a, b) => (name(b) === first) - (name(a) === first));
      return { ...caps, codecs };
    };
  }
}
const SAFARI_LIKE = { first: 'h264', drop: [] };
const NO_H264 = { first: 'vp8', drop: ['h264'] };

const sides = {};
let browser;
const run = { failed: false };

after(async () => {
  if (run.failed) await dumpDiagnostics(sides, 'failure-codec');
  await browser?.close().catch(() => {});
});

test('a browser that prefers H.264 gets an H.264 call', async (t) => {
  assert.ok(baseUrl, 'BALIE_URL is not set: run tests/e2e/run-in-netns.sh');
  const room = `h264-${Date.now().toString(36)}`;
  const step = stepper(t, run);

  await step('the advisor opens the room preferring H.264', async () => {
    browser = await launchBrowser();
    sides.advisor = await openSide(browser, 'advisor', room, { initScript: preferCodecs, initArg: SAFARI_LIKE });
    await waitForStatus(sides.advisor.page, /Waiting for/);
    const sent = await sides.advisor.page.evaluate(async () => (await import('/call.js')).videoCodecs());
    assert.equal(sent[0], 'h264', `the page reports H.264 first (${sent})`);
    await waitFor('gateway log: room video codec H.264', () => gatewayLogLines(`room=${room} `, 5000).some((l) => l.includes('room video codec: H.264')), 10000);
  });

  await step('a browser without H.264 is refused in plain words', async () => {
    const refused = await openSide(browser, 'customer', room, { initScript: preferCodecs, initArg: NO_H264 });
    try {
      await waitForStatus(refused.page, /cannot show this call's video/);
    } finally {
      await refused.context.close();
    }
    // The refusal changed nothing for the advisor, who still waits.
    await waitForStatus(sides.advisor.page, /Waiting for/);
  });

  await step('a customer that can do H.264 joins; camera flows both ways as H.264', async () => {
    sides.customer = await openSide(browser, 'customer', room);
    await waitForStatus(sides.advisor.page, /Connected/);
    await waitForStatus(sides.customer.page, /Connected/);
    const connectedAt = Date.now();
    for (const role of ['advisor', 'customer']) {
      const camera = await waitForMedia(sides[role].page, `${role} receives camera`, 'camera');
      assert.equal(camera.mimeType, 'video/H264', `${role} decodes ${camera.mimeType}`);
      // Chrome's H.264 encoder may start below the capture size and scale up as
      // the estimate grows; issue 4 asks for the capture size within 10 s of
      // connecting, as quality.test.mjs does for VP8.
      const full = await waitFor(
        `${role} camera at 640x480 within 10 s of connecting (first seen at ${camera.frameWidth}x${camera.frameHeight})`,
        async () => pick(await inboundStats(sides[role].page), 'camera').find((r) => r.kind === 'video' && r.frameWidth >= 640 && r.frameHeight >= 480),
        Math.max(0, connectedAt + 10000 - Date.now()),
      );
      console.log(
        `${role} receives H.264 camera: ${full.frameWidth}x${full.frameHeight} after ${((Date.now() - connectedAt) / 1000).toFixed(1)} s ` +
          `(first moving at ${camera.frameWidth}x${camera.frameHeight}, ${camera.fps.toFixed(1)} fps)`,
      );
      await assertCodecsMatchKinds(sides[role].page, role);
    }
  });

  await step('a screen share reaches the other side as H.264', async () => {
    const { advisor, customer } = { advisor: sides.advisor.page, customer: sides.customer.page };
    await customer.getByRole('button', { name: 'Share screen', exact: true }).click();
    await advisor.getByRole('region', { name: /^Screen shared by/ }).waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    const screen = await waitForMedia(advisor, 'advisor receives the customer screen', 'screen');
    assert.equal(screen.mimeType, 'video/H264');
    console.log(`customer → advisor H.264 screen: ${screen.frameWidth}x${screen.frameHeight} at ${screen.fps.toFixed(1)} fps`);
  });

  await step('hang-up; no script errors', async () => {
    await sides.advisor.page.getByRole('button', { name: 'Hang up', exact: true }).click();
    await waitForAfterCall(sides.customer.page, 'rate');
    for (const [role, side] of Object.entries(sides)) {
      const errors = side.logs.filter((l) => / (error|pageerror): /.test(l));
      assert.deepEqual(errors, [], `${role} page logged errors`);
    }
  });
});
