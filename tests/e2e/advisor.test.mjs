// SPDX-License-Identifier: Apache-2.0
// The advisor's working day in real browsers, at desktop (1280×800) and phone (360×640)
// size, in Dutch and English, with axe-core on every step and role-based selectors:
// 1. log in on the console with the keyboard and make an invitation;
// 2. the customer joins and shares their screen; the advisor points at it with the
//    mouse and with the keyboard, and the customer sees the marker at the same place
//    of their own preview (also when the two windows differ in size) and hears it;
//    then the advisor shares their own screen and points at it for the customer;
// 3. the advisor hangs up and wraps up, the customer rates the call;
// 4. the console's "my recent contacts" shows that call with its rating.
// BALIE_SCREENSHOTS=1 copies the screenshots into docs/screenshots/.
//
// Run through tests/e2e/run-in-netns.sh, which starts the gateway in a private
// network namespace and passes BALIE_URL and BALIE_GATEWAY.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { UI_TIMEOUT_MS, addAccount, baseUrl, dumpDiagnostics, elapsed, launchBrowser, stepper, waitFor } from './lib.mjs';
import { VIEWPORTS, axeTally, checkAxe, checkLayout, screenshot } from './page-checks.mjs';

const ACCOUNT = 'anouk';
const PASSWORD = 'e2e-advisor-passphrase';
const LANGS = ['nl', 'en']; // the last one stays on for the next step
const OTHER = { nl: 'English', en: 'Nederlands' }; // the language button's name
const TEXT = {
  nl: {
    pad: 'Gedeeld scherm: aanwijzen',
    padOwn: 'Uw gedeelde scherm: aanwijzen',
    own: 'Uw gedeelde scherm, zoals de ander het ziet',
    heard: 'De adviseur wijst iets aan op uw scherm.',
    wrapUp: 'Nawerk',
    resolved: 'Opgelost',
    recent: 'Mijn recente gesprekken',
  },
  en: {
    pad: 'Shared screen: point',
    padOwn: 'Your shared screen: point',
    heardShared: 'The advisor is pointing at the shared screen.',
    own: 'Your shared screen, as the other side sees it',
    heard: 'The advisor is pointing at your screen.',
    wrapUp: 'Wrap-up',
    resolved: 'Resolved',
    recent: 'My recent contacts',
  },
};
const sides = {};
const run = { failed: false };
let browser;

after(async () => {
  if (axeTally.length) console.log(`axe: ${axeTally.map((r) => `${r.what}: ${r.summary}`).join('; ')}`);
  if (run.failed) await dumpDiagnostics(sides, 'failure-advisor');
  await browser?.close().catch(() => {});
});

/** A fresh English context with camera and microphone allowed, one page at `path`. */
async function open(key, path, viewport = VIEWPORTS.desktop) {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    permissions: ['camera', 'microphone', 'clipboard-read', 'clipboard-write'],
    viewport,
    locale: 'en-US',
  });
  const page = await context.newPage();
  const logs = [];
  page.errors = [];
  page.on('console', (m) => {
    logs.push(`[${elapsed()}] ${m.type()}: ${m.text()}`);
    if (m.type() === 'error' && !/status of 401/.test(m.text())) page.errors.push(m.text());
  });
  page.on('pageerror', (e) => {
    logs.push(`[${elapsed()}] pageerror: ${e.stack || e}`);
    page.errors.push(String(e.stack || e));
  });
  await page.goto(`${baseUrl}${path}`, { timeout: UI_TIMEOUT_MS });
  sides[key] = { context, page, logs };
  return page;
}

async function setLanguage(page, lang) {
  if ((await page.evaluate(() => document.documentElement.lang)) === lang) return;
  await page.getByRole('button', { name: OTHER[lang === 'nl' ? 'en' : 'nl'], exact: true }).click();
  await waitFor(`the page in ${lang}`, async () => (await page.evaluate(() => document.documentElement.lang)) === lang, UI_TIMEOUT_MS);
}

/** Every language and size: axe, touch targets, no sideways scrolling, a screenshot each. */
async function everyLanguageAndSize(pages, prepare) {
  for (const lang of LANGS)
    for (const [size, viewport] of Object.entries(VIEWPORTS))
      for (const [name, page] of Object.entries(pages)) {
        await page.setViewportSize(viewport);
        await setLanguage(page, lang);
        if (prepare) await prepare(page, name, lang, size);
        const what = `${name} ${lang} ${size}`;
        await checkAxe(page, what);
        await checkLayout(page, what);
        await screenshot(page, `${name}-${lang}-${size}`, { fullPage: true });
      }
}

/** Where the customer's marker sits, as fractions of the picture in their own preview. */
function markerPlace(page, videoId = 'own-screen') {
  return page.evaluate((id) => {
    const video = document.getElementById(id);
    // pointer.js lays its layer right after the video it covers.
    const marker = video?.nextElementSibling?.querySelector('.pointer-marker');
    if (!video || !marker || marker.hidden || !video.videoWidth) return null;
    const box = video.getBoundingClientRect();
    const scale = Math.min(box.width / video.videoWidth, box.height / video.videoHeight);
    const w = video.videoWidth * scale;
    const h = video.videoHeight * scale;
    const left = box.left + (box.width - w) / 2;
    const top = box.top + (box.height - h) / 2;
    const m = marker.getBoundingClientRect();
    return { x: (m.left + m.width / 2 - left) / w, y: (m.top + m.height / 2 - top) / h };
  }, videoId);
}

async function expectMarker(page, x, y, what, videoId = 'own-screen') {
  const place = await waitFor(
    what,
    async () => {
      const p = await markerPlace(page, videoId);
      return p && Math.abs(p.x - x) < 0.02 && Math.abs(p.y - y) < 0.02 ? p : null;
    },
    UI_TIMEOUT_MS,
  ).catch(async (err) => {
    err.message += ` — marker at ${JSON.stringify(await markerPlace(page, videoId))}`;
    throw err;
  });
  console.log(`${what}: marker at ${place.x.toFixed(3)}, ${place.y.toFixed(3)} (asked ${x}, ${y})`);
}

/** Waits until each [who, page, video id] shows moving pictures. */
async function videosPlay(list) {
  for (const [who, page, id] of list) {
    const state = () =>
      page.evaluate((v) => {
        const video = document.getElementById(v);
        return { w: video.videoWidth, t: video.currentTime, paused: video.paused, src: !!video.srcObject, ready: video.readyState };
      }, id);
    await waitFor(`${who}'s ${id} plays`, async () => ((s) => s.w > 0 && s.t > 0.3)(await state()), 40000).catch(async (err) => {
      err.message += ` — ${JSON.stringify(await state())}`;
      throw err;
    });
  }
}

/** Clicks the advisor's view of the shared screen at (x, y), fractions of the picture. */
async function pointAt(advisor, lang, x, y, which = 'pad') {
  const pad = advisor.getByRole('application', { name: TEXT[lang][which] });
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  assert.ok(box && box.width > 50 && box.height > 30, `the pointing layer covers the picture (${JSON.stringify(box)})`);
  await pad.click({ position: { x: box.width * x, y: box.height * y } });
}

test('the advisor flow: console, pointer, wrap-up, recent contacts', async (t) => {
  assert.ok(baseUrl, 'BALIE_URL is not set: run tests/e2e/run-in-netns.sh');
  const step = stepper(t, run);
  let inviteUrl;
  let contact;

  await step('the advisor logs in with the keyboard and makes an invitation', async () => {
    addAccount(ACCOUNT, PASSWORD);
    browser = await launchBrowser();
    const desk = await open('advisor', '/console.html?lang=en');
    await desk.getByLabel('Name', { exact: true }).focus();
    await desk.keyboard.type(ACCOUNT);
    await desk.keyboard.press('Tab');
    await desk.keyboard.type(PASSWORD);
    await desk.keyboard.press('Enter');
    // Before any call the panel says so, in plain words.
    await desk.getByText('You have not had any calls yet.').waitFor({ timeout: UI_TIMEOUT_MS });
    await desk.getByLabel(/^Topic/).fill('hypotheek');
    await desk.getByRole('button', { name: 'Create link' }).click();
    const link = desk.getByLabel('Link for the customer');
    await waitFor('an invitation link', async () => /\/j\/[A-Za-z0-9_.-]+$/.test(await link.inputValue()), UI_TIMEOUT_MS);
    inviteUrl = new URL(await link.inputValue());
    await checkAxe(desk, 'console after login en desktop');
  });

  await step('the customer joins and shares the screen; the advisor sees it', async () => {
    const token = inviteUrl.pathname.split('/j/')[1];
    const payload = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());
    contact = payload.c;
    const customer = await open('customer', `/customer.html?room=${contact}&token=${token}&lang=en`);
    // The customer waits first here; an advisor who is first works as well (gateway-advisor-contacts).
    await waitFor('the customer waits', async () => /^Waiting for/.test((await customer.getByRole('status').textContent()) || ''), 40000);
    const advisor = sides.advisor.page;
    await advisor.goto(`${baseUrl}/advisor.html?room=${contact}&name=Anouk&lang=en`, { timeout: UI_TIMEOUT_MS });
    for (const page of [advisor, customer])
      await waitFor('connected', async () => /^Connected with/.test((await page.getByRole('status').textContent()) || ''), 40000);
    // Camera both ways first, as in a real call; then the customer shares.
    await videosPlay([
      ['advisor', advisor, 'remote-video'],
      ['customer', customer, 'remote-video'],
    ]);
    await customer.getByRole('button', { name: 'Share screen', exact: true }).click();
    await customer.getByRole('region', { name: TEXT.en.own }).waitFor({ timeout: UI_TIMEOUT_MS });
    await advisor.getByRole('region', { name: /^Screen shared by/ }).waitFor({ timeout: UI_TIMEOUT_MS });
    await videosPlay([
      ['advisor', advisor, 'remote-screen'],
      ['customer', customer, 'own-screen'],
      ['customer', customer, 'remote-video'],
    ]);
  });

  await step('the advisor points with the mouse and the keyboard; the customer sees and hears it', async () => {
    const { page: advisor } = sides.advisor;
    const { page: customer } = sides.customer;
    // The marker pulses to be noticed, except for people who asked for less motion.
    await customer.emulateMedia({ reducedMotion: 'reduce' });
    await pointAt(advisor, 'en', 0.25, 0.4);
    await expectMarker(customer, 0.25, 0.4, 'a click');
    const animation = () => customer.evaluate(() => window.getComputedStyle(document.querySelector('#own-screen-view .pointer-marker')).animationName);
    assert.equal(await animation(), 'none', 'no pulse under prefers-reduced-motion');
    await customer.emulateMedia({ reducedMotion: 'no-preference' });
    assert.equal(await animation(), 'pointer-pulse', 'the pulse otherwise');
    await waitFor('the customer is told', async () => (await customer.locator('#pointer-live').textContent()) === TEXT.en.heard, UI_TIMEOUT_MS);
    // Keyboard only: the cross starts where the click was; two steps right, one down, Enter.
    const pad = advisor.getByRole('application', { name: TEXT.en.pad });
    await pad.focus();
    await advisor.keyboard.press('ArrowRight');
    await advisor.keyboard.press('ArrowRight');
    await advisor.keyboard.press('ArrowDown');
    await advisor.keyboard.press('Enter');
    await expectMarker(customer, 0.35, 0.45, 'arrow keys and Enter');
    await advisor.keyboard.press('Escape');
    await waitFor('the marker is gone', async () => (await markerPlace(customer)) === null, UI_TIMEOUT_MS);
    // A phone-sized advisor and a desk-sized customer point at the same spot of the picture.
    await advisor.setViewportSize(VIEWPORTS.mobile);
    await pointAt(advisor, 'en', 0.8, 0.7);
    await expectMarker(customer, 0.8, 0.7, 'a tap on a 360 px wide advisor page');
    await advisor.setViewportSize(VIEWPORTS.desktop);
  });

  await step('the call with the pointer: axe, layout and screenshots, both languages and sizes', async () => {
    const pages = { 'advisor-pointer': sides.advisor.page, 'customer-pointer': sides.customer.page };
    await everyLanguageAndSize(pages, async (page, name, lang) => {
      if (name !== 'advisor-pointer') return;
      // Each size lays the picture out anew: point again, the marker follows the picture.
      await pointAt(page, lang, 0.6, 0.3);
      await expectMarker(sides.customer.page, 0.6, 0.3, `pointed on ${lang} ${await page.evaluate(() => window.innerWidth)} px`);
      await page.evaluate(() => document.activeElement?.blur());
    });
  });

  await step('the advisor shares their own screen and points at it; the customer sees where', async () => {
    const { page: advisor } = sides.advisor;
    const { page: customer } = sides.customer;
    await customer.getByRole('button', { name: 'Stop sharing', exact: true }).click();
    await advisor.getByRole('region', { name: /^Screen shared by/ }).waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
    await advisor.getByRole('button', { name: 'Share screen', exact: true }).click();
    await advisor.getByRole('region', { name: TEXT.en.own }).waitFor({ timeout: UI_TIMEOUT_MS });
    await customer.getByRole('region', { name: /^Screen shared by/ }).waitFor({ timeout: UI_TIMEOUT_MS });
    await videosPlay([
      ['advisor', advisor, 'own-screen'],
      ['customer', customer, 'remote-screen'],
    ]);
    await pointAt(advisor, 'en', 0.3, 0.6, 'padOwn');
    await expectMarker(customer, 0.3, 0.6, 'on the advisor\'s own screen', 'remote-screen');
    await waitFor('the customer is told', async () => (await customer.locator('#pointer-live').textContent()) === TEXT.en.heardShared, UI_TIMEOUT_MS);
    await advisor.getByRole('button', { name: 'Stop sharing', exact: true }).click();
    await customer.getByRole('region', { name: /^Screen shared by/ }).waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
  });

  await step('the advisor hangs up and wraps up; the customer rates the call', async () => {
    const { page: advisor } = sides.advisor;
    const { page: customer } = sides.customer;
    await advisor.getByRole('button', { name: 'Hang up', exact: true }).click();
    await customer.waitForURL(/\/rate\.html\?.*#t=/, { timeout: UI_TIMEOUT_MS });
    const rated = await customer.evaluate(async () => {
      const token = decodeURIComponent(window.location.hash.replace(/^#t=/, ''));
      const body = { token, nps: 9, csat: 5, ces: 6, comment: 'Heel duidelijk uitgelegd' };
      const r = await fetch('/api/v1/ratings', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return r.status;
    });
    assert.equal(rated, 201, 'the rating is stored');
    await advisor.getByRole('region', { name: TEXT.en.wrapUp }).waitFor({ timeout: UI_TIMEOUT_MS });
    await everyLanguageAndSize({ 'advisor-wrap-up': advisor }, async (page, name, lang) => {
      await page.getByRole('radio', { name: TEXT[lang].resolved, exact: true }).check();
    });
    await advisor.getByRole('button', { name: 'Save wrap-up' }).click();
    await advisor.getByText(/^Saved\./).waitFor({ timeout: UI_TIMEOUT_MS });
  });

  await step('the console lists the call with its rating, only in the own list', async () => {
    const desk = sides.advisor.page;
    await desk.goto(`${baseUrl}/console.html?lang=en`, { timeout: UI_TIMEOUT_MS });
    const table = desk.getByRole('table', { name: TEXT.en.recent });
    await table.waitFor({ timeout: UI_TIMEOUT_MS });
    const row = table.getByRole('row').filter({ hasText: 'hypotheek' });
    await waitFor('the rated call', async () => /NPS 9 · CSAT 5 · CES 6/.test((await row.textContent()) || ''), UI_TIMEOUT_MS);
    const text = await row.textContent();
    assert.match(text, /Resolved/, 'the wrap-up outcome');
    assert.match(text, /Yes/, 'the comment flag');
    assert.doesNotMatch(text, /duidelijk/, 'never the comment itself');
    // The refusal without a login, from a fresh context.
    const stranger = await open('stranger', '/console.html?lang=en');
    const status = await stranger.evaluate(async () => (await fetch('/api/v1/me/contacts')).status);
    assert.equal(status, 401);
    await sides.stranger.context.close();
    await everyLanguageAndSize({ 'console-contacts': desk }, async (page, name, lang) => {
      await page.getByRole('table', { name: TEXT[lang].recent }).waitFor({ timeout: UI_TIMEOUT_MS });
    });
    for (const key of ['advisor', 'customer']) assert.deepEqual(sides[key].page.errors, [], `${key}: no script errors`);
  });
});
