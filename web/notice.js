// SPDX-License-Identifier: Apache-2.0
// Pages that only tell the visitor something, chosen by <body data-notice>:
// the gateway's pages for a join or queue link that cannot be used
// (signaling/notice-page.c, which also writes both languages into the page for
// a browser without scripts); and notice.html?notice=busy (a full node, from
// ui.js and queue.js) or ?notice=end (after a call, from ui.js and rate.js).
// The texts are strings.notice; the language follows the browser and the
// language button like every other page.
import { applyTexts, loadBrand, orgName, wireLanguage } from './page.js';
import { strings } from './strings.js';

const params = new URLSearchParams(location.search);
// The gateway's pages name theirs; notice.html takes one of its two from the address.
const kind = document.body.dataset.notice || (['busy', 'end'].includes(params.get('notice')) ? params.get('notice') : 'end');
const main = document.querySelector('main');

/** The busy page's "try again": only an address on this site (no open redirect). */
function retryTarget() {
  const wanted = params.get('retry');
  if (!wanted || !wanted.startsWith('/') || wanted.startsWith('//')) return null;
  try {
    const url = new URL(wanted, location.origin);
    return url.origin === location.origin ? url.pathname + url.search : null;
  } catch {
    return null;
  }
}

/** The end page's first line: how the call ended (?ended=you|advisor, from ui.js). */
function endedLine() {
  const s = strings.status;
  const by = params.get('ended');
  if (by === 'you') return s.endedByYou;
  if (by === 'advisor') return s.endedByOther(strings.roleName.advisor);
  return s.ended;
}

function lines(t) {
  const opens = document.body.dataset;
  if (kind === 'queue-closed' && opens.opensDay) {
    return [t.opens({ day: Number(opens.opensDay), date: opens.opensDate, time: opens.opensTime })];
  }
  if (kind === 'end') return [endedLine(), t.rated[params.get('rated')] ?? '', ...t.text].filter(Boolean);
  return t.text;
}

function render() {
  const t = strings.notice[kind] ?? strings.notice['link-invalid'];
  applyTexts();
  document.getElementById('language').hidden = false; // hidden in the gateway's no-script page
  document.title = `${t.heading} – ${orgName()}`;
  const heading = document.createElement('h1');
  heading.textContent = t.heading;
  const body = lines(t).map((line) => {
    const p = document.createElement('p');
    p.textContent = line;
    return p;
  });
  const target = kind === 'busy' ? retryTarget() : null;
  if (target) {
    const action = document.createElement('a');
    action.className = 'notice-action';
    action.href = target;
    action.textContent = t.action;
    body.push(action);
  }
  main.replaceChildren(heading, ...body);
}

render();
wireLanguage(render);
loadBrand(render);
