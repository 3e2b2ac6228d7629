// SPDX-License-Identifier: Apache-2.0
// Ratings and insights in the browser: a real call through the gateway, the
// customer's link to the rating page after the advisor hangs up, the form
// (NPS, CSAT, CES, comment) sent once, a second try told it was rated
// already, a bad link told so; then the supervisors' insights page over two
// weeks of scripted contacts plus that call: log in, key figures equal to the
// API's, uPlot charts drawn, a journey filter, axe-core. BALIE_SCREENSHOTS=1
// writes docs/screenshots/insights.png and rate-filled-en-desktop.png.
//
// Run through tests/e2e/run-in-netns.sh (BALIE_URL, BALIE_GATEWAY, BALIE_SERVER_DATA_DIR).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { UI_TIMEOUT_MS, baseUrl, launchBrowser, openSide, waitFor, waitForAfterCall, waitForStatus } from './lib.mjs';
import { VIEWPORTS, checkAxe, checkLayout, screenshot } from './page-checks.mjs';
import { seedSql } from './seed-metrics.mjs';

const PASSWORD = 'een lang wachtwoord voor sam';
const QUALITY_REPORT_MS = 4000;
let browser;
const contexts = [];

after(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close().catch(() => {});
});

test('after an answered call the customer rates it once; a replay and a bad link are told so', async () => {
  assert.ok(baseUrl, 'BALIE_URL is not set: run tests/e2e/run-in-netns.sh');
  browser ??= await launchBrowser();
  const room = `rate-${Date.now().toString(36)}`;
  const advisor = await openSide(browser, 'advisor', room, { name: 'Anna' });
  const customer = await openSide(browser, 'customer', room);
  contexts.push(advisor.context, customer.context);
  await waitForStatus(customer.page, /Connected/);
  // Long enough for the customer's browser to report on what the gateway sends it
  // (receiver reports, about once a second): the call's quality sample comes from those.
  await customer.page.waitForTimeout(QUALITY_REPORT_MS);
  await advisor.page.getByRole('button', { name: 'Hang up', exact: true }).click();
  // The customer's page goes on to the rating form by itself; the advisor stays.
  await waitForAfterCall(customer.page, 'rate');
  await waitForStatus(advisor.page, /call has ended/);
  assert.match(advisor.page.url(), /advisor\.html/, 'only the customer is asked');
  const page = customer.page;
  await page.getByText('The call has ended. The advisor hung up.').waitFor({ timeout: UI_TIMEOUT_MS });
  const rateUrl = page.url();

  // The hang-up took the call's last quality sample: round trip, loss and bitrate to the customer.
  const dataDir = process.env.BALIE_SERVER_DATA_DIR;
  assert.ok(dataDir, 'run through tests/e2e/run-in-netns.sh (BALIE_SERVER_DATA_DIR)');
  let quality = '';
  await waitFor(
    'the call\'s quality sample in the store',
    async () => {
      quality = execFileSync('sqlite3', [join(dataDir, 'metrics.db'),
        'SELECT quality_samples, kbps_sum, rtt_ms_sum, loss_pct_sum FROM contact WHERE answered_us IS NOT NULL ORDER BY offered_us DESC LIMIT 1'])
        .toString().trim();
      return Number(quality.split('|')[0]) >= 1;
    },
    UI_TIMEOUT_MS,
  );
  const [, kbps, rtt, loss] = quality.split('|').map(Number);
  console.log(`quality of the call as stored (samples|kbps|rtt ms|loss %): ${quality}`);
  assert.ok(kbps > 100, `the gateway sent the customer video (${kbps} kbit/s)`);
  assert.ok(rtt >= 0 && rtt < 1000 && loss >= 0 && loss <= 100, `round trip and loss are plausible (${quality})`);

  const nps = page.getByRole('group', { name: /recommend us/ });
  assert.equal(await nps.getByRole('radio').count(), 11);
  await nps.getByRole('radio', { name: '9', exact: true }).check();
  const csat = page.getByRole('group', { name: /How satisfied/ });
  assert.equal(await csat.getByRole('radio').count(), 5);
  await csat.getByRole('radio', { name: /^4/ }).check();
  const ces = page.getByRole('group', { name: /easy to get my question handled/ });
  assert.equal(await ces.getByRole('radio').count(), 7);
  await ces.getByRole('radio', { name: /^6/ }).check();
  const comment = page.getByLabel(/Anything else/);
  await comment.fill('Prima geholpen, dank!');
  await page.getByText('979 characters left.').waitFor();
  // The limit holds in the page too: 1000 characters at most.
  await comment.fill('x'.repeat(1200));
  assert.equal((await comment.inputValue()).length, 1000);
  await comment.fill('Prima geholpen, dank!');
  await checkAxe(page, 'rating form');
  await screenshot(page, 'rate-filled-en-desktop', { fullPage: true });
  await page.getByRole('button', { name: 'Send' }).click();
  // Then the friendly end page.
  await page.waitForURL(/\/notice\.html\?notice=end&/, { timeout: UI_TIMEOUT_MS });
  await page.getByText('Thank you for your feedback!').waitFor({ timeout: UI_TIMEOUT_MS });
  await page.getByRole('heading', { level: 1, name: 'Thank you for your call' }).waitFor({ timeout: UI_TIMEOUT_MS });
  await checkAxe(page, 'end page');

  // The same link again: the gateway answers 409 and the pages say so kindly.
  await page.goto(rateUrl);
  await page.getByRole('button', { name: 'Skip' }).click();
  await page.getByText('You have already rated this call.').waitFor({ timeout: UI_TIMEOUT_MS });

  // A link that is not ours (a fresh page: only the fragment differs).
  const forged = await customer.context.newPage();
  await forged.goto(`${baseUrl}/rate.html#t=bm90LWEtdG9rZW4.c2lnbmF0dXJl`);
  await forged.getByRole('button', { name: 'Skip' }).click();
  await forged.getByRole('alert').getByText('This link to rate the call does not work.').waitFor({ timeout: UI_TIMEOUT_MS });
});

test('insights: a supervisor sees figures equal to the API, charts and a journey filter', async () => {
  const dataDir = process.env.BALIE_SERVER_DATA_DIR;
  const gateway = process.env.BALIE_GATEWAY;
  assert.ok(dataDir && gateway, 'run through tests/e2e/run-in-netns.sh (BALIE_GATEWAY, BALIE_SERVER_DATA_DIR)');
  execFileSync(gateway, ['user', 'add', 'sam', '--role', 'supervisor'], {
    input: `${PASSWORD}\n`,
    env: { ...process.env, BALIE_SERVER_DATA_DIR: dataDir },
  });
  const { sql, contacts } = seedSql();
  execFileSync('sqlite3', [join(dataDir, 'metrics.db')], { input: sql });
  console.log(`insights: ${contacts} scripted contacts seeded`);

  browser ??= await launchBrowser();
  const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'en-US', viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e.stack || e)));
  await page.goto(`${baseUrl}/insights.html`, { timeout: UI_TIMEOUT_MS });
  await page.getByRole('heading', { name: 'Log in as a supervisor' }).waitFor({ timeout: UI_TIMEOUT_MS });
  await page.getByLabel('Name').fill('sam');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Key figures' }).waitFor({ timeout: UI_TIMEOUT_MS });

  // The figures on the page are the API's, for the same period.
  const period = await page.evaluate(() => ({ from: document.getElementById('from').value, to: document.getElementById('to').value }));
  const api = async (query) =>
    page.evaluate(async (q) => (await fetch(`/api/v1/insights?${q}`, { credentials: 'same-origin' })).json(), query);
  const toExclusive = new Date(Date.parse(`${period.to}T00:00:00Z`) + 86400000).toISOString().slice(0, 10);
  const all = await api(`from=${period.from}&to=${toExclusive}`);
  assert.ok(all.totals.offered >= contacts, `the seeded contacts and the call are counted (${all.totals.offered})`);
  assert.ok(all.totals.responses >= 1, 'the rating from the first test is there');
  const tile = (label) => page.locator('.kpi').filter({ has: page.getByText(label, { exact: true }) }).locator('dd');
  assert.equal(await tile('Offered').textContent(), all.totals.offered.toLocaleString('en-US'));
  assert.equal(await tile('NPS').evaluate((dd) => dd.firstChild.textContent), String(Math.round(all.totals.nps)));

  // Seven charts drawn by uPlot, each with its numbers as a table.
  await waitFor('the charts', async () => (await page.locator('.uplot').count()) === 7, UI_TIMEOUT_MS).catch((err) => {
    err.message += ` (page errors: ${errors.join('; ')})`;
    throw err;
  });
  assert.equal(await page.locator('figure.chart .table table').count(), 7);
  const npsRows = page.locator('#chart-nps .table tr');
  assert.equal(await npsRows.count(), 12);

  // Filter on one journey: the figures follow.
  await page.getByLabel('Journey').selectOption('hypotheek');
  await page.getByRole('button', { name: 'Show' }).click();
  const journey = all.by_journey.find((g) => g.key === 'hypotheek');
  await waitFor('the filtered figures', async () => (await tile('Offered').textContent()) === journey.offered.toLocaleString('en-US'), UI_TIMEOUT_MS);
  await page.getByLabel('Journey').selectOption('');
  await page.getByRole('button', { name: 'Show' }).click();
  await waitFor('all journeys again', async () => (await tile('Offered').textContent()) === all.totals.offered.toLocaleString('en-US'), UI_TIMEOUT_MS);
  const exportHref = await page.getByRole('link', { name: 'Ratings (CSV)' }).getAttribute('href');
  const csv = await page.evaluate(async (href) => (await fetch(href, { credentials: 'same-origin' })).text(), exportHref);
  assert.match(csv, /^contact_id,channel,time_us,skipped,nps,csat,ces,comment\r\n/);
  assert.match(csv, /"Prima geholpen, dank!"/);

  await checkAxe(page, 'insights page');
  await page.waitForTimeout(300); // let the last chart settle before the picture
  await screenshot(page, 'insights', { fullPage: true });

  // Both languages and sizes (the session cookie carries over): axe, touch
  // targets, no sideways scrolling, and a picture of each.
  for (const lang of ['nl', 'en']) {
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await page.goto(`${baseUrl}/insights.html?lang=${lang}`, { timeout: UI_TIMEOUT_MS });
      await waitFor(`the charts (${lang} ${size})`, async () => (await page.locator('.uplot').count()) === 7, UI_TIMEOUT_MS);
      assert.equal(await page.evaluate(() => document.documentElement.lang), lang);
      await checkAxe(page, `insights ${lang} ${size}`);
      await checkLayout(page, `insights ${lang} ${size}`);
      await page.waitForTimeout(300);
      await screenshot(page, `insights-${lang}-${size}`, { fullPage: true });
    }
  }
  assert.deepEqual(errors, [], 'no page errors');
});
