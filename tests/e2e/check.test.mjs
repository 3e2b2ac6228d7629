// SPDX-License-Identifier: Apache-2.0
// The device and connection check (web/check.html): the camera preview plays,
// the microphone meter moves, the test tone plays, the connection check reaches
// the gateway's /ws/check with a real media connection and gives a verdict;
// a browser that refuses the camera gets plain help; with media blocked (only
// the HTTPS port open) the verdict says media cannot get through. Then on to the call page with the
// choices made (sound only).
//
// Run through tests/e2e/run-in-netns.sh (BALIE_URL; nft needs root in the namespace).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { UI_TIMEOUT_MS, baseUrl, launchBrowser, outDir, waitFor } from './lib.mjs';

let browser;
after(async () => {
  await browser?.close().catch(() => {});
});

async function open(path, { permissions = ['camera', 'microphone'], b = null } = {}) {
  browser ??= await launchBrowser();
  const context = await (b ?? browser).newContext({ ignoreHTTPSErrors: true, permissions, locale: 'en-US', viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e.stack || e)));
  page.on('console', (m) => m.type() === 'error' && page.errors.push(m.text()));
  await page.goto(`${baseUrl}/${path}`, { timeout: UI_TIMEOUT_MS });
  return page;
}

const verdict = (page) => page.evaluate(() => window.balieCheck.result);

test('devices and connection: preview, meter, tone, a good verdict, then the call with sound only', async () => {
  assert.ok(baseUrl, 'BALIE_URL is not set: run tests/e2e/run-in-netns.sh');
  const room = `check-${Date.now().toString(36)}`;
  const page = await open(`check.html?room=${room}&name=Jan`);
  await page.getByRole('heading', { level: 1, name: /quick check/ }).waitFor({ timeout: UI_TIMEOUT_MS });

  await waitFor('the camera preview plays', () => page.evaluate(() => document.getElementById('preview').videoWidth > 0), UI_TIMEOUT_MS);
  // Chromium's fake microphone beeps: the meter must move and say so in words.
  await page.getByText('We can hear you.').waitFor({ timeout: UI_TIMEOUT_MS });
  assert.ok(Number(await page.getByLabel('Sound from your microphone').getAttribute('value')) >= 0);
  assert.ok((await page.getByLabel('Camera to use').locator('option').count()) >= 1, 'the camera picker lists the fake camera');

  await page.getByRole('button', { name: 'Play a tone' }).click();
  await waitFor('the tone played', () => page.evaluate(() => document.body.dataset.tone === 'played'), UI_TIMEOUT_MS);
  await page.getByRole('group', { name: 'Did you hear the tone?' }).getByRole('button', { name: 'No' }).click();
  await page.getByText(/Turn up the volume/).waitFor();
  await page.getByRole('button', { name: 'Yes', exact: true }).click();
  await page.getByText('Your sound works.').waitFor();

  // The check starts by itself once the devices are ready; media must really flow.
  await waitFor('a verdict', () => verdict(page), 40000);
  const result = await verdict(page);
  console.log(`check: ${JSON.stringify(result)}`);
  assert.equal(result.verdict, 'good', JSON.stringify(result));
  assert.ok(result.rttMs !== null && result.rttMs < 400, `round trip measured (${result.rttMs} ms)`);
  assert.ok(result.videoKbps > 0, `video was sent to the gateway (${result.videoKbps} kbit/s)`);
  // Loss comes from the gateway's receiver reports (webrtc/reports.c): the page
  // must not say "unknown" on a clean link.
  assert.ok(result.lossPct !== null && result.lossPct < 5, `loss measured (${result.lossPct} %)`);
  await page.getByText('Your connection is good enough for a video call.').waitFor();
  await page.screenshot({ path: join(outDir, 'check-verdict.png'), fullPage: true });

  // Keyboard only: tick "sound only" and go on.
  await page.getByLabel('Join with sound only (no camera)').focus();
  await page.keyboard.press('Space');
  await page.getByText('You will join with sound only').waitFor();
  await page.getByRole('button', { name: 'Go to the call' }).focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/customer\.html\?room=/, { timeout: UI_TIMEOUT_MS });
  assert.match(page.url(), new RegExp(`room=${room}&name=Jan`));
  await waitFor('the call page has a microphone and no camera', () =>
    page.evaluate(() => {
      const s = document.getElementById('self-view').srcObject;
      return s && s.getAudioTracks().length === 1 && s.getVideoTracks().length === 0;
    }), UI_TIMEOUT_MS);
  assert.deepEqual(page.errors, [], 'no script errors');
  await page.context().close();
});

test('a refused camera and microphone get plain help per browser, and a retry', async () => {
  // Without the fake-UI flag and without a grant, Chromium refuses getUserMedia.
  const strict = await launchBrowser({ withoutFakeUi: true });
  try {
    const page = await open('check.html?room=denied', { permissions: [], b: strict });
    await page.getByRole('alert').filter({ hasText: 'The browser does not let us use your camera and microphone.' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await page.getByRole('heading', { name: 'How to fix this' }).waitFor();
    await page.getByText('Set Camera and Microphone to "Allow".').waitFor();
    await page.context().grantPermissions(['camera', 'microphone']);
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByText('Your camera works.').waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await page.getByRole('alert').isVisible(), false, 'the help goes away');
    await page.context().close();
  } finally {
    await strict.close();
  }
});

function nft(args) {
  execFileSync('nft', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

test('with media blocked (UDP and ICE-TCP) the verdict says media cannot get through', async (t) => {
  try {
    nft(['add', 'table', 'inet', 'balie_check']);
  } catch {
    return t.skip('nft is not usable here (needs the nftables package and root in the namespace)');
  }
  try {
    nft(['add', 'chain', 'inet', 'balie_check', 'out', '{ type filter hook output priority 0 ; }']);
    // Only the page's own HTTPS/WebSocket port stays open: ICE over UDP and over
    // TCP (the gateway offers both) has no way through, as behind a strict firewall.
    const port = new URL(baseUrl).port;
    for (const rule of [`tcp dport ${port} accept`, `tcp sport ${port} accept`, 'meta l4proto { tcp, udp } drop'])
      nft(['add', 'rule', 'inet', 'balie_check', 'out', ...rule.split(' ')]);
    const page = await open('check.html?room=blocked');
    await waitFor('a verdict', () => verdict(page), 40000);
    const result = await verdict(page);
    assert.equal(result.verdict, 'failed');
    assert.equal(result.reason, 'media');
    await page.getByText(/Sound and video cannot reach our server from this network/).waitFor();
    await page.context().close();
  } finally {
    nft(['delete', 'table', 'inet', 'balie_check']);
  }
});
