// SPDX-License-Identifier: Apache-2.0
// The console's "my recent contacts": the logged-in advisor's own last calls with their
// wait, length, outcome and the customer's rating (GET /api/v1/me/contacts, docs/api.md).
// console.js announces the login with `balie-logged-in` / `balie-logged-out` on document.
import { lang, strings } from './strings.js';

const REFRESH_MS = 30000;
const LIMIT = 10;
const $ = (id) => document.getElementById(id);
let contacts = null; // the last answer's list
let timer = null;

function duration(ms) {
  if (typeof ms !== 'number') return '–';
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

function outcomeText(contact) {
  const m = strings.console.myContacts;
  if (contact.wrap_up) return strings.wrapUp.outcomes[contact.wrap_up] ?? contact.wrap_up;
  return m.outcomes[contact.outcome] ?? m.outcomes.open;
}

function ratingText(rating) {
  const m = strings.console.myContacts;
  if (!rating) return m.notRated;
  if (rating.skipped) return m.skipped;
  const parts = [];
  if (rating.nps !== null) parts.push(`NPS ${rating.nps}`);
  if (rating.csat !== null) parts.push(`CSAT ${rating.csat}`);
  if (rating.ces !== null) parts.push(`CES ${rating.ces}`);
  return parts.join(' · ') || m.skipped;
}

function cell(row, label, text) {
  const td = document.createElement('td');
  td.dataset.label = label; // shown before the value when the table stacks on a phone
  td.textContent = text;
  row.append(td);
}

function render() {
  const m = strings.console.myContacts;
  $('my-contacts-refresh').textContent = m.refresh;
  const head = $('my-contacts-head');
  const columns = [m.time, m.journey, m.wait, m.duration, m.outcome, m.rating, m.comment];
  head.replaceChildren(
    ...columns.map((text) => {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = text;
      return th;
    }),
  );
  $('my-contacts-empty').textContent = m.empty;
  $('my-contacts-empty').hidden = !contacts || contacts.length > 0;
  $('my-contacts-table').hidden = !contacts || contacts.length === 0;
  const rows = (contacts ?? []).map((contact) => {
    const row = document.createElement('tr');
    const when = contact.time ? new Date(contact.time) : null;
    const th = document.createElement('th');
    th.scope = 'row';
    th.dataset.label = m.time;
    if (when) {
      const time = document.createElement('time');
      time.dateTime = contact.time;
      time.textContent = when.toLocaleString(lang, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
      th.append(time);
    } else {
      th.textContent = '–';
    }
    row.append(th);
    cell(row, m.journey, [contact.journey, contact.queue].filter(Boolean).join(' / ') || '–');
    cell(row, m.wait, duration(contact.wait_ms));
    cell(row, m.duration, duration(contact.handle_ms));
    cell(row, m.outcome, outcomeText(contact));
    cell(row, m.rating, ratingText(contact.rating));
    cell(row, m.comment, contact.rating?.comment ? m.commentYes : m.commentNo);
    return row;
  });
  $('my-contacts-body').replaceChildren(...rows);
}

async function load() {
  try {
    const response = await fetch(`/api/v1/me/contacts?limit=${LIMIT}`, { credentials: 'same-origin' });
    if (response.status === 401) {
      hide();
      return;
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    contacts = (await response.json()).contacts;
    $('my-contacts-message').textContent = '';
  } catch (err) {
    console.warn('balie: recent contacts', err);
    $('my-contacts-message').textContent = strings.console.myContacts.failed;
  }
  $('my-contacts').hidden = false;
  render();
}

function hide() {
  clearInterval(timer);
  timer = null;
  $('my-contacts').hidden = true;
}

document.addEventListener('balie-logged-in', () => {
  load();
  clearInterval(timer);
  timer = setInterval(load, REFRESH_MS);
});
document.addEventListener('balie-logged-out', hide);
$('my-contacts-refresh').addEventListener('click', load);
// The page's language button switches strings first (console.js listens before us).
$('language')?.addEventListener('click', () => render());
render();
