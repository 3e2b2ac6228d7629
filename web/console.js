// SPDX-License-Identifier: Apache-2.0
// The advisor's console (docs/api.md): log in, see every queue at a glance
// (who waits how long, refreshed every few seconds), take the next customer
// with one click (on to advisor.html), and make an invitation link to copy
// into an e-mail or text message.
import { applyTexts, loadBrand, orgName, wireLanguage } from './page.js';
import { lang, strings } from './strings.js';

const REFRESH_MS = 3000;
const EXPIRY_MINUTES = [30, 60, 240, 1440];
const $ = (id) => document.getElementById(id);
let csrf = null;
let timer = null;
let queues = null; // the last GET /queues answer
let alertText = null; // () => text, so a language switch redoes it
let updated = null;

render();
wireLanguage(render);
loadBrand(render);

function render() {
  applyTexts();
  const c = strings.console;
  document.title = `${c.title} – ${orgName()}`;
  const chosen = $('expires').value;
  $('expires').replaceChildren(...EXPIRY_MINUTES.map((m) => new Option(c.expiry(m), String(m))));
  $('expires').value = chosen || '60';
  $('status').textContent = updated ? c.updated(updated.toLocaleTimeString(lang)) : '';
  $('alert').hidden = alertText === null;
  $('alert').textContent = alertText ? alertText() : '';
  if (queues) renderQueues();
}

function showAlert(text) {
  alertText = text;
  render();
}

function apiError(status, json) {
  const code = json?.error?.code;
  return () => strings.console.errors[code] ?? json?.error?.message ?? `HTTP ${status}`;
}

async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf !== null) headers['X-CSRF-Token'] = csrf;
  const response = await fetch(`/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const json = response.status === 204 ? null : await response.json().catch(() => null);
  return { status: response.status, json };
}

function formatWait(seconds) {
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${String(seconds % 60).padStart(2, '0')}`;
}

function renderQueue(queue) {
  const c = strings.console;
  const card = document.createElement('section');
  card.className = 'queue-card';
  card.setAttribute('aria-label', queue.name);
  const heading = document.createElement('h3');
  heading.textContent = queue.name;
  const summary = document.createElement('p');
  summary.className = 'queue-summary';
  const longest = queue.waiting[0]?.waited_s;
  summary.textContent = c.waitingSummary(queue.waiting.length, longest === undefined ? null : formatWait(longest));
  card.append(heading, summary);
  if (!queue.open) {
    const closed = document.createElement('p');
    closed.textContent = c.closed;
    card.append(closed);
  }
  if (queue.waiting.length > 0) {
    const list = document.createElement('ol');
    list.setAttribute('aria-label', c.waitingList(queue.name));
    for (const customer of queue.waiting) {
      const item = document.createElement('li');
      item.textContent = `${c.waited(formatWait(customer.waited_s))} `;
      // Accept a chosen customer, not only the next one (an appointment that
      // came early, someone who needs this advisor's language).
      const take = document.createElement('button');
      take.type = 'button';
      take.className = 'take';
      take.textContent = c.take(formatWait(customer.waited_s));
      take.addEventListener('click', () => accept(queue.name, take, customer.contact));
      item.append(take);
      list.append(item);
    }
    card.append(list);
  }
  const next = document.createElement('button');
  next.type = 'button';
  next.className = 'primary';
  next.textContent = c.accept(queue.name);
  next.disabled = queue.waiting.length === 0;
  next.addEventListener('click', () => accept(queue.name, next));
  card.append(next);
  return card;
}

function renderQueues() {
  const list = $('queue-list');
  // Keep focus on a queue's button across refreshes.
  const focused = document.activeElement?.closest?.('.queue-card')?.getAttribute('aria-label');
  list.replaceChildren(...queues.map(renderQueue));
  if (queues.length === 0) list.textContent = strings.console.noQueues;
  if (focused) list.querySelector(`.queue-card[aria-label="${CSS.escape(focused)}"] button`)?.focus();
}

async function refresh() {
  const { status, json } = await api('GET', '/queues');
  if (status === 401) {
    showLogin();
    return;
  }
  if (status !== 200) {
    showAlert(apiError(status, json));
    return;
  }
  queues = json.queues;
  updated = new Date();
  $('queues').hidden = false;
  render();
}

async function accept(name, button, contact) {
  button.disabled = true;
  const body = contact ? { contact } : undefined;
  const { status, json } = await api('POST', `/queues/${encodeURIComponent(name)}/accept`, body);
  if (status === 200) {
    location.href = json.url;
    return;
  }
  showAlert(apiError(status, json));
  await refresh();
}

function showAvailability(state) {
  $('availability').hidden = false;
  const radio = $(`avail-${state}`);
  if (radio) radio.checked = true;
}

for (const radio of document.querySelectorAll('input[name="availability"]')) {
  radio.addEventListener('change', async () => {
    const { status, json } = await api('PUT', '/availability', { state: radio.value });
    if (status === 200) showAvailability(json.availability);
    else showAlert(apiError(status, json));
  });
}

function showLogin() {
  document.dispatchEvent(new CustomEvent('balie-logged-out'));
  $('availability').hidden = true;
  clearInterval(timer);
  timer = null;
  $('queues').hidden = true;
  $('invite').hidden = true;
  $('login').hidden = false;
}

async function start() {
  const { status, json } = await api('GET', '/me');
  if (status !== 200) {
    showLogin();
    return;
  }
  csrf = json.csrf;
  showAvailability(json.availability);
  $('login').hidden = true;
  $('invite').hidden = false;
  alertText = null;
  document.dispatchEvent(new CustomEvent('balie-logged-in')); // my-contacts.js
  await refresh();
  timer = setInterval(refresh, REFRESH_MS);
}

$('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  const { status, json } = await api('POST', '/login', { name: $('name').value, password: $('password').value });
  if (status !== 200) {
    showAlert(apiError(status, json));
    return;
  }
  $('password').value = '';
  await start();
});

$('invite-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const { status, json } = await api('POST', '/invites', {
    journey: $('journey').value.trim(),
    expires_in_minutes: Number($('expires').value),
  });
  if (status !== 201) {
    showAlert(apiError(status, json));
    return;
  }
  alertText = null;
  render();
  $('invite-url').value = json.url;
  $('invite-result').hidden = false;
  $('copy-status').textContent = '';
  $('invite-url').focus();
  $('invite-url').select();
});

$('copy').addEventListener('click', async () => {
  const url = $('invite-url').value;
  let copied = false;
  try {
    await navigator.clipboard.writeText(url);
    copied = true;
  } catch {
    // No clipboard permission (http, old browser): leave it selected for Ctrl+C.
    $('invite-url').select();
  }
  $('copy-status').textContent = copied ? strings.console.copied : strings.console.copyByHand;
});

start();
