// SPDX-License-Identifier: Apache-2.0
// The rating page after a call (docs/api.md, "Ratings"): NPS 0-10, CSAT 1-5,
// CES 1-7 and an optional comment, or skip. The right to rate comes from the
// gateway's `ended` message as a token in the address's fragment (#t=…), so
// it never reaches a server log; it is POSTed once to /api/v1/ratings. The
// call page comes here by itself after an answered call (ui.js, with ?ended=
// and ?lang=); once sent or skipped the customer goes on to the end page.
import { applyTexts, loadBrand, orgName, wireLanguage } from './page.js';
import { lang, strings } from './strings.js';

const COMMENT_MAX = 1000;
const token = new URLSearchParams(location.hash.slice(1)).get('t') ?? '';
const el = (id) => document.getElementById(id);
const scales = [
  { name: 'nps', from: 0, to: 10 },
  { name: 'csat', from: 1, to: 5 },
  { name: 'ces', from: 1, to: 7 },
];
let state = token ? 'open' : 'bad-link'; // open, sending, bad-link (sent or skipped: the end page)
let problem = null;

/** One radio button per score, built once; the texts follow the language. */
function buildChoices() {
  for (const { name, from, to } of scales) {
    const box = el(`${name}-choices`);
    for (let value = from; value <= to; value++) {
      const wrap = document.createElement('div');
      wrap.className = 'choice';
      const input = document.createElement('input');
      input.type = 'radio';
      input.name = name;
      input.value = String(value);
      input.id = `${name}-${value}`;
      const label = document.createElement('label');
      label.htmlFor = input.id;
      label.append(String(value));
      wrap.append(input, label);
      box.append(wrap);
    }
  }
}

function render() {
  const t = strings.rate;
  applyTexts();
  document.title = `${t.title} – ${orgName()}`;
  for (const { name, from, to } of scales) {
    const labels = t.scaleLabels[name];
    for (let value = from; value <= to; value++) {
      const label = document.querySelector(`label[for="${name}-${value}"]`);
      const words = labels[value];
      label.replaceChildren(String(value));
      if (words) {
        const small = document.createElement('small');
        small.textContent = words;
        label.append(small);
      }
    }
  }
  const used = el('comment').value.length;
  el('comment-count').textContent = t.commentCount(COMMENT_MAX - used);
  const ended = new URLSearchParams(location.search).get('ended');
  el('ended').textContent =
    ended === null
      ? ''
      : ended === 'you'
        ? strings.status.endedByYou
        : ended === 'advisor'
          ? strings.status.endedByOther(strings.roleName.advisor)
          : strings.status.ended;
  const finished = state !== 'open' && state !== 'sending';
  el('rate-form').hidden = finished;
  for (const control of el('rate-form').elements) control.disabled = state !== 'open';
  el('result').textContent = t.result[state] ?? '';
  el('alert').hidden = problem === null;
  el('alert').textContent = problem === null ? '' : (t.problems[problem] ?? t.problems.failed);
}

function chosen(name) {
  const input = document.querySelector(`input[name="${name}"]:checked`);
  return input ? Number(input.value) : null;
}

async function submit(skipped) {
  if (state !== 'open') return;
  const body = { token };
  if (skipped) {
    body.skipped = true;
  } else {
    for (const { name } of scales) body[name] = chosen(name);
    const comment = el('comment').value.trim();
    if (comment) body.comment = comment.slice(0, COMMENT_MAX);
  }
  state = 'sending';
  problem = null;
  render();
  let reply = null;
  try {
    reply = await fetch('/api/v1/ratings', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (err) {
    console.warn('balie: rating not sent', err);
  }
  const code = reply && !reply.ok ? (await reply.json().catch(() => ({})))?.error?.code : null;
  if (reply?.ok || code === 'already-rated') {
    // The friendly end page says thank you (or that it was rated before).
    const query = new URLSearchParams({ notice: 'end', lang, rated: reply?.ok ? (skipped ? 'skipped' : 'done') : 'closed' });
    const ended = new URLSearchParams(location.search).get('ended');
    if (ended) query.set('ended', ended);
    location.replace(`notice.html?${query}`);
    return;
  } else if (code === 'bad-token' || code === 'token-expired') {
    state = 'bad-link';
    problem = code;
  } else {
    state = 'open'; // nothing was saved: the customer may try again
    problem = 'failed';
  }
  render();
}

el('rate-form').addEventListener('submit', (event) => {
  event.preventDefault();
  submit(false);
});
el('skip').addEventListener('click', () => submit(true));
el('comment').addEventListener('input', () => render());

buildChoices();
if (!token) problem = 'bad-token';
render();
wireLanguage(render);
loadBrand(render);
