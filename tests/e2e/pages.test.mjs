// SPDX-License-Identifier: Apache-2.0
// The pages people see, in both languages and at desktop and phone size:
// language choice (browser, ?lang=, the language button, remembered), axe-core
// with zero serious or critical violations before and during a call, touch
// targets of at least 44 px, no sideways scrolling at 360×640, and, with
// BALIE_SCREENSHOTS=1, screenshots into docs/screenshots/.
//
// Run through tests/e2e/run-in-netns.sh, which starts the gateway in a private
// network namespace and passes BALIE_URL.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { UI_TIMEOUT_MS, addAccount, baseUrl, launchBrowser, outDir, waitFor } from './lib.mjs';
import { VIEWPORTS, axeTally, checkAxe, checkLayout, screenshot } from './page-checks.mjs';

const TEXT = {
  nl: { heading: { customer: 'Videogesprek', advisor: 'Scherm voor de adviseur' }, hangUp: 'Ophangen', switchTo: 'English', connected: /^U bent verbonden met/, waiting: /^Even wachten tot/, ended: /^Het gesprek is afgelopen/ },
  en: { heading: { customer: 'Video call', advisor: 'Advisor console' }, hangUp: 'Hang up', switchTo: 'Nederlands', connected: /^Connected with/, waiting: /^Waiting for/, ended: /^The call has ended/ },
};

let browser;
const contexts = [];

after(async () => {
  if (axeTally.length) console.log(`axe: ${axeTally.map((r) => `${r.what}: ${r.summary}`).join('; ')}`);
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close().catch(() => {});
});

async function getBrowser() {
  browser ??= await launchBrowser();
  return browser;
}

/** Opens `path` in a fresh context with the browser language `locale`; collects errors. */
async function open(path, { locale = 'nl-NL', viewport = VIEWPORTS.desktop } = {}) {
  const context = await (await getBrowser()).newContext({
    ignoreHTTPSErrors: true,
    permissions: ['camera', 'microphone'],
    locale,
    viewport,
  });
  contexts.push(context);
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e.stack || e)));
  page.on('console', (m) => m.type() === 'error' && page.errors.push(m.text()));
  await page.goto(`${baseUrl}/${path}`, { timeout: UI_TIMEOUT_MS });
  return page;
}

const room = (what) => `pages-${what}-${Date.now().toString(36)}`;

async function status(page, pattern) {
  const node = page.getByRole('status');
  await waitFor(`status matching ${pattern}`, async () => pattern.test((await node.textContent()) || ''), UI_TIMEOUT_MS).catch(
    async (err) => {
      err.message += ` — status is "${await node.textContent().catch(() => '?')}"`;
      throw err;
    },
  );
}

/** The page's controls can all be scrolled to and are inside the viewport's width. */
async function checkReachable(page, what) {
  const width = page.viewportSize().width;
  for (const name of ['mute', 'camera', 'share', 'hangup', 'chat-input', 'chat-send', 'language']) {
    const control = page.locator(`#${name}`);
    await control.scrollIntoViewIfNeeded();
    const box = await control.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= width, `${what}: #${name} is not within the ${width} px wide viewport`);
  }
  await page.evaluate(() => window.scrollTo(0, 0));
}

async function assertLanguage(page, lang, role) {
  assert.equal(await page.evaluate(() => document.documentElement.lang), lang, `<html lang> on ${page.url()}`);
  await page.getByRole('heading', { level: 1, name: TEXT[lang].heading[role], exact: true }).waitFor({ timeout: UI_TIMEOUT_MS });
  await page.getByRole('button', { name: TEXT[lang].hangUp, exact: true }).waitFor({ timeout: UI_TIMEOUT_MS });
}

test('the language comes from the browser, ?lang= and the language button', async () => {
  assert.ok(baseUrl, 'BALIE_URL is not set: run tests/e2e/run-in-netns.sh');
  for (const [locale, want] of [
    ['nl-NL', 'nl'],
    ['nl-BE', 'nl'],
    ['en-US', 'en'],
    ['en-GB', 'en'],
    ['de-DE', 'nl'], // neither: Dutch is the default
  ]) {
    const page = await open(`customer.html?room=${room('lang')}`, { locale });
    await assertLanguage(page, want, 'customer');
    await page.context().close();
  }

  // ?lang= wins over the browser.
  const en = await open(`advisor.html?room=${room('lang')}&lang=en`, { locale: 'nl-NL' });
  await assertLanguage(en, 'en', 'advisor');
  await en.context().close();

  // The button switches at once, and the choice survives a reload.
  const page = await open(`customer.html?room=${room('lang')}`, { locale: 'en-US' });
  await assertLanguage(page, 'en', 'customer');
  await page.getByRole('button', { name: 'Nederlands', exact: true }).click();
  await assertLanguage(page, 'nl', 'customer');
  await status(page, TEXT.nl.waiting);
  assert.equal(await page.title(), 'Balie – videogesprek');
  assert.equal(await page.getByRole('button', { name: 'English', exact: true }).getAttribute('lang'), 'en');
  await page.reload();
  await assertLanguage(page, 'nl', 'customer');
  await page.getByRole('button', { name: 'English', exact: true }).click();
  await assertLanguage(page, 'en', 'customer');
  await page.reload();
  await assertLanguage(page, 'en', 'customer');
  assert.deepEqual(page.errors, [], 'no script errors');
  await page.context().close();
});

test('before a call: axe, touch targets and no sideways scrolling, both languages and sizes', async () => {
  for (const lang of ['nl', 'en'])
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      const index = await open(`index.html?lang=${lang}`, { viewport });
      await checkAxe(index, `index ${lang} ${size}`);
      await checkLayout(index, `index ${lang} ${size}`);
      await screenshot(index, `index-${lang}-${size}`);
      await index.context().close();
      for (const role of ['customer', 'advisor']) {
        const what = `${role} waiting ${lang} ${size}`;
        const page = await open(`${role}.html?room=${room('wait')}&lang=${lang}`, { viewport });
        await status(page, TEXT[lang].waiting);
        await checkAxe(page, what);
        await checkLayout(page, what);
        if (size === 'mobile') await checkReachable(page, what);
        assert.deepEqual(page.errors, [], `${what}: no script errors`);
        await page.context().close();
      }
    }
});

test('during a call: axe, layout and screenshots in Dutch and English, desktop and phone', async () => {
  const id = room('call');
  const advisor = await open(`advisor.html?room=${id}&name=Anna`, { locale: 'nl-NL' });
  await status(advisor, TEXT.nl.waiting);
  const customer = await open(`customer.html?room=${id}`, { locale: 'nl-NL' });
  await status(advisor, TEXT.nl.connected);
  await status(customer, TEXT.nl.connected);
  const sides = { advisor, customer };

  // Pictures worth taking: both sides see the other's camera move.
  for (const [role, page] of Object.entries(sides))
    await waitFor(
      `${role} shows the remote camera`,
      () =>
        page.evaluate(() => {
          const v = document.getElementById('remote-video');
          return v.readyState >= 2 && v.videoWidth > 0 && v.currentTime > 0.5;
        }),
      40000,
    );

  for (const lang of ['nl', 'en']) {
    for (const [role, page] of Object.entries(sides)) {
      if ((await page.evaluate(() => document.documentElement.lang)) !== lang)
        await page.getByRole('button', { name: TEXT[lang === 'nl' ? 'en' : 'nl'].switchTo, exact: true }).click();
      await assertLanguage(page, lang, role);
      await status(page, TEXT[lang].connected);
    }
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      for (const [role, page] of Object.entries(sides)) {
        const what = `${role} in call ${lang} ${size}`;
        await page.setViewportSize(viewport);
        await checkAxe(page, what);
        await checkLayout(page, what);
        if (size === 'mobile') await checkReachable(page, what);
        await screenshot(page, `call-${role}-${lang}-${size}`, { fullPage: size === 'mobile' });
      }
    }
  }

  // The customer shares the screen (English now): the advisor's page changes layout.
  await customer.getByRole('button', { name: 'Share screen', exact: true }).click();
  await advisor.getByRole('region', { name: /^Screen shared by/ }).waitFor({ timeout: UI_TIMEOUT_MS });
  for (const [size, viewport] of Object.entries(VIEWPORTS))
    for (const [role, page] of Object.entries(sides)) {
      const what = `${role} sharing en ${size}`;
      await page.setViewportSize(viewport);
      await checkAxe(page, what);
      await checkLayout(page, what);
    }

  // Back to Dutch on the customer's side while sharing; then hang up.
  await customer.getByRole('button', { name: 'Nederlands', exact: true }).click();
  await customer.getByRole('button', { name: 'Stoppen met delen', exact: true }).click();
  await advisor.getByRole('region', { name: /^Screen shared by/ }).waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
  await customer.getByRole('button', { name: 'Ophangen', exact: true }).click();
  // The customer's page goes on to the rating form by itself, still in Dutch.
  await customer.waitForURL(/\/rate\.html\?.*#t=/, { timeout: UI_TIMEOUT_MS });
  await customer.getByRole('heading', { level: 1, name: 'Hoe was uw gesprek?' }).waitFor({ timeout: UI_TIMEOUT_MS });
  await customer.getByText('Het gesprek is afgelopen. U heeft opgehangen.').waitFor({ timeout: UI_TIMEOUT_MS });
  await status(advisor, /^The call has ended\. The customer hung up\./);
  await checkAxe(customer, 'customer rating nl mobile');
  await checkLayout(customer, 'customer rating nl mobile');

  for (const [role, page] of Object.entries(sides)) assert.deepEqual(page.errors, [], `${role}: no script errors`);
});

test('device check and advisor console: axe, layout, keyboard and screenshots in both languages and sizes', async () => {
  // An advisor account for the console, made with the gateway's own command.
  const password = 'e2e-console-passphrase';
  addAccount('anna', password);
  for (const lang of ['nl', 'en'])
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      const check = await open(`check.html?room=${room('check')}&lang=${lang}`, { viewport });
      await waitFor('a connection verdict', () => check.evaluate(() => window.balieCheck.result), 40000);
      await checkAxe(check, `check ${lang} ${size}`);
      await checkLayout(check, `check ${lang} ${size}`);
      await screenshot(check, `check-${lang}-${size}`, { fullPage: true });
      assert.deepEqual(check.errors, [], `check ${lang} ${size}: no script errors`);
      await check.context().close();

      const desk = await open(`console.html?lang=${lang}`, { viewport });
      const name = lang === 'nl' ? 'Naam' : 'Name';
      await desk.getByLabel(name, { exact: true }).waitFor({ timeout: UI_TIMEOUT_MS });
      await checkAxe(desk, `console login ${lang} ${size}`);
      await screenshot(desk, `console-login-${lang}-${size}`);
      // Keyboard only: type, tab, type, Enter.
      await desk.getByLabel(name, { exact: true }).focus();
      await desk.keyboard.type('anna');
      await desk.keyboard.press('Tab');
      await desk.keyboard.type(password);
      await desk.keyboard.press('Enter');
      const topic = lang === 'nl' ? /^Onderwerp/ : /^Topic/;
      await desk.getByLabel(topic).fill('hypotheek');
      await desk.getByRole('button', { name: lang === 'nl' ? 'Link maken' : 'Create link' }).click();
      const link = desk.getByLabel(lang === 'nl' ? 'Link voor de klant' : 'Link for the customer');
      await waitFor('an invitation link', async () => /\/j\/[A-Za-z0-9_.-]+$/.test(await link.inputValue()), UI_TIMEOUT_MS).catch(async (err) => {
        await desk.screenshot({ path: join(outDir, 'console-failure.png'), fullPage: true });
        err.message += ` — alert: "${await desk.locator('#alert').textContent()}"`;
        throw err;
      });
      await desk.getByRole('region', { name: 'hypotheek' }).waitFor({ timeout: UI_TIMEOUT_MS });
      await checkAxe(desk, `console ${lang} ${size}`);
      await checkLayout(desk, `console ${lang} ${size}`);
      await screenshot(desk, `console-${lang}-${size}`, { fullPage: true });
      // GET /api/v1/me answers 401 before the login, by design (docs/api.md).
      const errors = desk.errors.filter((e) => !/status of 401/.test(e));
      assert.deepEqual(errors, [], `console ${lang} ${size}: no script errors`);
      await desk.context().close();
    }
});
