// SPDX-License-Identifier: Apache-2.0
// Every page a customer can meet beside the call itself, in Dutch and English
// at desktop and phone size, each checked with axe-core (zero serious or
// critical), for 44 px targets and no sideways scrolling, and photographed
// (BALIE_SCREENSHOTS=1 copies them into docs/screenshots/): the waiting room of
// a walk-in queue, the rating page the call page goes on to after an answered
// call, the end page after it, the busy page, and the gateway's pages for a
// link that cannot be used. The gateway runs with an example brand ([brand]
// name, logo and accent colour from tests/e2e/CMakeLists.txt), which every one
// of these pages must show.
//
// Run through tests/e2e/run-in-netns.sh.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:https';
import { UI_TIMEOUT_MS, addAccount, baseUrl, launchBrowser, waitFor } from './lib.mjs';
import { VIEWPORTS, axeTally, checkAxe, checkLayout, screenshot } from './page-checks.mjs';

const BRAND = process.env.BALIE_BRAND_NAME || 'Balie';
const QUEUE = 'hypotheek'; // run-in-netns.sh configures it
const LANGS = ['nl', 'en'];
const OTHER = { nl: 'English', en: 'Nederlands' }; // the language button's name
let browser;
const contexts = [];

after(async () => {
  if (axeTally.length) console.log(`axe: ${axeTally.map((r) => `${r.what}: ${r.summary}`).join('; ')}`);
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close().catch(() => {});
});

async function newPage({ locale = 'nl-NL', viewport = VIEWPORTS.desktop } = {}) {
  browser ??= await launchBrowser();
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    permissions: ['camera', 'microphone'],
    locale,
    viewport,
  });
  contexts.push(context);
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e.stack || e)));
  return page;
}

/** The page shows the brand: its name in the top bar and its logo loaded. */
async function assertBrand(page, what) {
  await waitFor(
    `${what}: the brand's name and logo`,
    () =>
      page.evaluate((brand) => {
        const name = document.querySelector('.brand-name')?.textContent;
        const logo = document.querySelector('img.brand-logo');
        return name === brand && logo && !logo.hidden && logo.complete && logo.naturalWidth > 0;
      }, BRAND),
    UI_TIMEOUT_MS,
  );
}

/**
 * The same page in both languages (switched with its language button, as a
 * visitor would) and at both sizes: heading, brand, axe, layout, screenshot.
 * `headings` maps a language to the page's h1 in it.
 */
async function everyWay(page, name, headings, { fullPage = true } = {}) {
  for (const lang of LANGS) {
    if ((await page.evaluate(() => document.documentElement.lang)) !== lang)
      await page.getByRole('button', { name: OTHER[lang === 'nl' ? 'en' : 'nl'], exact: true }).click();
    await page.getByRole('heading', { level: 1, name: headings[lang], exact: true }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await page.evaluate(() => document.documentElement.lang), lang, `${name}: <html lang>`);
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      const what = `${name} ${lang} ${size}`;
      await page.setViewportSize(viewport);
      await assertBrand(page, what);
      await checkAxe(page, what);
      await checkLayout(page, what);
      await screenshot(page, `${name}-${lang}-${size}`, { fullPage });
    }
  }
  assert.deepEqual(page.errors, [], `${name}: no script errors`);
}

/** GET over HTTPS (the gateway's self-signed certificate): {status, body}. */
function fetchPage(path) {
  return new Promise((resolve, reject) => {
    get(`${baseUrl}${path}`, { rejectUnauthorized: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    }).on('error', reject);
  });
}

test('the waiting room of a walk-in queue', async () => {
  assert.ok(baseUrl, 'BALIE_URL is not set: run tests/e2e/run-in-netns.sh');
  const page = await newPage({ locale: 'en-US' });
  // /q/QUEUE hands out a ticket and sends the customer to the device check
  // (check.test.mjs walks that); from there the waiting room takes the same query.
  await page.goto(`${baseUrl}/q/${QUEUE}`, { timeout: UI_TIMEOUT_MS });
  await page.waitForURL(/\/check\.html\?next=queue&/, { timeout: UI_TIMEOUT_MS });
  const query = new URL(page.url()).search;
  await page.goto(`${baseUrl}/queue.html${query}`, { timeout: UI_TIMEOUT_MS });
  // The browser says English; the page follows it.
  await page.getByRole('status').getByText('You are waiting for the next available advisor.', { exact: false }).waitFor({ timeout: UI_TIMEOUT_MS });
  await page.getByText('Your place in line').waitFor({ timeout: UI_TIMEOUT_MS });
  await everyWay(page, 'queue', { nl: 'U staat in de wachtrij', en: 'You are in the queue' });
  await page.context().close();
});

test('after an answered call: the rating page, then the end page', async () => {
  const room = `customer-pages-${Date.now().toString(36)}`;
  const advisor = await newPage({ locale: 'en-US' });
  await advisor.goto(`${baseUrl}/advisor.html?room=${room}&name=Anna`, { timeout: UI_TIMEOUT_MS });
  const customer = await newPage({ locale: 'nl-NL' });
  await customer.goto(`${baseUrl}/customer.html?room=${room}`, { timeout: UI_TIMEOUT_MS });
  await customer.getByRole('status').getByText(/^U bent verbonden met/).waitFor({ timeout: 40000 });
  // The call page carries the brand too, and a long name still fits a phone.
  await assertBrand(customer, 'call page');
  assert.match(await customer.title(), new RegExp(`^${BRAND} – videogesprek$`));
  await customer.setViewportSize(VIEWPORTS.mobile);
  await checkAxe(customer, 'call with brand nl mobile');
  await checkLayout(customer, 'call with brand nl mobile');
  await screenshot(customer, 'call-customer-brand-nl-mobile', { fullPage: true });
  await customer.setViewportSize(VIEWPORTS.desktop);
  await advisor.getByRole('button', { name: 'Hang up', exact: true }).click();

  // No click needed: the customer's page goes on to the rating form, in Dutch.
  await customer.waitForURL(/\/rate\.html\?.*#t=/, { timeout: UI_TIMEOUT_MS });
  await customer.getByText('Het gesprek is afgelopen. De adviseur heeft opgehangen.').waitFor({ timeout: UI_TIMEOUT_MS });
  await everyWay(customer, 'rate', { nl: 'Hoe was uw gesprek?', en: 'How was your call?' });

  // Skipping is fine; the end page says goodbye in the language in use (English now).
  await customer.getByRole('button', { name: 'Skip', exact: true }).click();
  await customer.waitForURL(/\/notice\.html\?notice=end&/, { timeout: UI_TIMEOUT_MS });
  await customer.getByText('The call has ended. The advisor hung up.').waitFor({ timeout: UI_TIMEOUT_MS });
  await customer.getByText('You can close this window now.', { exact: false }).waitFor({ timeout: UI_TIMEOUT_MS });
  await everyWay(customer, 'end', { nl: 'Bedankt voor uw gesprek', en: 'Thank you for your call' });
  await advisor.context().close();
  await customer.context().close();
});

test('the busy page, and the gateway pages for links that cannot be used', async () => {
  // The busy page: where a refused join goes (ui.js, queue.js); "try again" only to this site.
  const busy = await newPage({ locale: 'nl-NL' });
  await busy.goto(`${baseUrl}/notice.html?notice=busy&retry=${encodeURIComponent(`/q/${QUEUE}`)}`, { timeout: UI_TIMEOUT_MS });
  assert.equal(await busy.getByRole('link', { name: 'Opnieuw proberen' }).getAttribute('href'), `/q/${QUEUE}`);
  await everyWay(busy, 'busy', { nl: 'Het is nu erg druk', en: 'It is very busy right now' });
  for (const elsewhere of ['https://example.org/', '//example.org/x', 'javascript:alert(1)']) {
    await busy.goto(`${baseUrl}/notice.html?notice=busy&retry=${encodeURIComponent(elsewhere)}`, { timeout: UI_TIMEOUT_MS });
    await busy.getByRole('heading', { level: 1 }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await busy.getByRole('link').count(), 0, `no "try again" to ${elsewhere}`);
  }
  await busy.context().close();

  // The gateway's own pages: the status code stays, the words follow the browser.
  const invalid = await newPage({ locale: 'en-GB' });
  const answer = await invalid.goto(`${baseUrl}/j/not-a-link`, { timeout: UI_TIMEOUT_MS });
  assert.equal(answer.status(), 404);
  await invalid.getByRole('heading', { level: 1, name: 'This link does not work', exact: true }).waitFor({ timeout: UI_TIMEOUT_MS });
  assert.equal(await invalid.getByText('Deze link werkt niet').count(), 0, 'one language at a time');
  await everyWay(invalid, 'link-invalid', { nl: 'Deze link werkt niet', en: 'This link does not work' });
  await invalid.context().close();

  // A real invitation that the advisor withdrew: 410 and "cancelled".
  addAccount('carla', 'e2e-customer-pages-passphrase');
  const desk = await newPage({ locale: 'nl-NL' });
  await desk.goto(`${baseUrl}/index.html`, { timeout: UI_TIMEOUT_MS });
  const link = await desk.evaluate(async () => {
    const json = { 'content-type': 'application/json' };
    const login = await fetch('/api/v1/login', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ name: 'carla', password: 'e2e-customer-pages-passphrase' }),
    }).then((r) => r.json());
    const csrf = { ...json, 'X-CSRF-Token': login.csrf };
    const invite = await fetch('/api/v1/invites', { method: 'POST', headers: csrf, body: JSON.stringify({ journey: 'hypotheek' }) }).then((r) => r.json());
    const revoked = await fetch(`/api/v1/invites/${invite.contact}`, { method: 'DELETE', headers: csrf });
    return { path: new URL(invite.url).pathname, revoked: revoked.status };
  });
  assert.equal(link.revoked, 204, 'the invitation is withdrawn');
  await desk.context().close();
  const revoked = await newPage({ locale: 'nl-NL' });
  assert.equal((await revoked.goto(`${baseUrl}${link.path}`, { timeout: UI_TIMEOUT_MS })).status(), 410);
  await everyWay(revoked, 'link-revoked', { nl: 'Deze afspraak is geannuleerd', en: 'This appointment was cancelled' });
  await revoked.context().close();

  const unknown = await newPage({ locale: 'nl-NL' });
  assert.equal((await unknown.goto(`${baseUrl}/q/no-such-queue`, { timeout: UI_TIMEOUT_MS })).status(), 404);
  await everyWay(unknown, 'queue-unknown', { nl: 'Deze wachtrij bestaat niet', en: 'This queue does not exist' });
  await unknown.context().close();

  // "Closed" depends on the clock, so this gateway's queue is open: the closed page is the
  // same shell (signaling/notice-page.c) with the notice and the opening time the gateway
  // writes (test-queue.c checks those); here it is the gateway's real shell with them set.
  const shell = await fetchPage('/q/no-such-queue');
  assert.match(shell.body, /data-notice="queue-unknown"/);
  const closedHtml = shell.body.replace(
    'data-notice="queue-unknown"',
    'data-notice="queue-closed" data-opens-day="1" data-opens-date="30-11-2026" data-opens-time="08:00"',
  );
  const closed = await newPage({ locale: 'nl-NL' });
  await closed.route(`${baseUrl}/q/${QUEUE}-closed`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: closedHtml }),
  );
  await closed.goto(`${baseUrl}/q/${QUEUE}-closed`, { timeout: UI_TIMEOUT_MS });
  await closed.getByText('De balie opent weer op maandag 30-11-2026 om 08:00.', { exact: false }).waitFor({ timeout: UI_TIMEOUT_MS });
  await everyWay(closed, 'queue-closed', { nl: 'De balie is nu gesloten', en: 'The desk is closed now' });
  await closed.getByText('The desk opens again on Monday 30-11-2026 at 08:00.', { exact: false }).waitFor({ timeout: UI_TIMEOUT_MS });
  await closed.context().close();
});
