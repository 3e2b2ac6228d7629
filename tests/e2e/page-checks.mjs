// SPDX-License-Identifier: Apache-2.0
// Checks every page test makes (pages.test.mjs, customer-pages.test.mjs): axe-core
// with zero serious or critical violations, touch targets of at least 44 px and
// no sideways scrolling, both viewports, and screenshots that BALIE_SCREENSHOTS=1
// also copies into docs/screenshots/.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { outDir, root } from './lib.mjs';

// The gateway's Content-Security-Policy (script-src 'self') refuses an injected
// <script> (page.addScriptTag), so axe-core goes in through the DevTools
// protocol instead, which a page's CSP does not govern; the CSP stays on.
const AXE_SOURCE = readFileSync(join(root, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  mobile: { width: 360, height: 640 },
};
export const MIN_TARGET_PX = 44;
/** {what, summary} per axe run, for a line at the end of a test file. */
export const axeTally = [];

/** Runs axe-core in the page; fails on any serious or critical violation. */
export async function checkAxe(page, what) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary}`),
    }));
  });
  const byImpact = {};
  for (const v of violations) byImpact[v.impact] = (byImpact[v.impact] ?? 0) + 1;
  axeTally.push({ what, summary: JSON.stringify(byImpact) });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${what}: axe found serious or critical violations`);
  for (const v of violations) console.log(`${what}: axe ${v.impact} ${v.id}: ${v.help} (${v.nodes.length} nodes)`);
}

/** Every visible control is at least 44×44 px, and nothing scrolls sideways. */
export async function checkLayout(page, what) {
  const { small, scrollWidth, clientWidth } = await page.evaluate((min) => {
    const small = [];
    for (const node of document.querySelectorAll('button, input, a[href], select, textarea')) {
      const box = node.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue; // hidden
      if (box.width < min || box.height < min)
        small.push(`${node.id || node.tagName} ${Math.round(box.width)}×${Math.round(box.height)}`);
    }
    const doc = document.documentElement;
    return { small, scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth };
  }, MIN_TARGET_PX);
  assert.deepEqual(small, [], `${what}: touch targets smaller than ${MIN_TARGET_PX} px`);
  assert.ok(scrollWidth <= clientWidth, `${what}: scrolls sideways (scrollWidth ${scrollWidth} > clientWidth ${clientWidth})`);
}

/** tests/e2e/out/NAME.png, and with BALIE_SCREENSHOTS=1 docs/screenshots/NAME.png too. */
export async function screenshot(page, name, { fullPage = false } = {}) {
  const file = join(outDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  if (process.env.BALIE_SCREENSHOTS === '1') {
    const docs = join(root, 'docs', 'screenshots');
    mkdirSync(docs, { recursive: true });
    copyFileSync(file, join(docs, `${name}.png`));
  }
}
