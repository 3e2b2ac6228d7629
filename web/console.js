// SPDX-License-Identifier: Apache-2.0
// The advisor's queue view (docs/api.md): who waits in which walk-in queue and for how
// long, refreshed every few seconds, and a button that accepts the next customer and
// opens the call (advisor.html?room=...).

const REFRESH_MS = 3000;
const $ = (id) => document.getElementById(id);
let csrf = null;
let timer = null;

function showAlert(message) {
  $('alert').hidden = message === null;
  $('alert').textContent = message ?? '';
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
  const json = response.status === 204 ? null : await response.json();
  return { status: response.status, json };
}

function formatWait(seconds) {
  const minutes = Math.floor(seconds / 60);
  const rest = String(seconds % 60).padStart(2, '0');
  return `${minutes}:${rest}`;
}

function renderQueue(queue) {
  const section = document.createElement('section');
  section.className = 'queue';
  const heading = document.createElement('h2');
  heading.textContent = queue.name;
  section.setAttribute('aria-label', queue.name);
  section.append(heading);

  const summary = document.createElement('p');
  summary.textContent =
    `${queue.waiting.length} wachtend (waiting)` + (queue.open ? '' : ' · balie gesloten (desk closed)');
  section.append(summary);

  if (queue.waiting.length > 0) {
    const list = document.createElement('ol');
    for (const customer of queue.waiting) {
      const item = document.createElement('li');
      item.textContent = `${customer.contact} – wacht ${formatWait(customer.waited_s)} (waiting)`;
      list.append(item);
    }
    section.append(list);
  }

  const accept = document.createElement('button');
  accept.type = 'button';
  accept.textContent = `Volgende klant aannemen: ${queue.name} (accept next)`;
  accept.disabled = queue.waiting.length === 0;
  accept.addEventListener('click', () => acceptNext(queue.name, accept));
  section.append(accept);
  return section;
}

async function refresh() {
  const { status, json } = await api('GET', '/queues');
  if (status === 401) {
    showLogin();
    return;
  }
  if (status !== 200) {
    showAlert(json?.error?.message ?? `HTTP ${status}`);
    return;
  }
  const container = $('queues');
  container.replaceChildren(...json.queues.map(renderQueue));
  if (json.queues.length === 0) container.textContent = 'Er zijn geen wachtrijen ingesteld (no queues configured).';
  container.hidden = false;
  $('status').textContent = `Bijgewerkt ${new Date().toLocaleTimeString()} (updated)`;
}

async function acceptNext(name, button) {
  button.disabled = true;
  const { status, json } = await api('POST', `/queues/${encodeURIComponent(name)}/accept`);
  if (status === 200) {
    location.href = json.url;
    return;
  }
  showAlert(json?.error?.message ?? `HTTP ${status}`);
  await refresh();
}

function showLogin() {
  clearInterval(timer);
  timer = null;
  $('queues').hidden = true;
  $('login').hidden = false;
}

async function start() {
  const { status, json } = await api('GET', '/me');
  if (status !== 200) {
    showLogin();
    return;
  }
  csrf = json.csrf;
  $('login').hidden = true;
  showAlert(null);
  await refresh();
  timer = setInterval(refresh, REFRESH_MS);
}

$('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  const { status, json } = await api('POST', '/login', {
    name: $('name').value,
    password: $('password').value,
  });
  if (status !== 200) {
    showAlert(json?.error?.message ?? `HTTP ${status}`);
    return;
  }
  $('password').value = '';
  await start();
});

start();
