// SPDX-License-Identifier: Apache-2.0
// advisor.html: a link that brings a guest (an interpreter, a specialist,
// family) into the running call: POST /api/v1/calls/ROOM/guests (docs/api.md)
// with the console login's cookie and CSRF token.
import { strings } from './strings.js';

const CSRF_HEADER = 'X-CSRF-Token';
const el = (id) => document.getElementById(id);
const ui = {
  create: el('guest-create'),
  result: el('guest-result'),
  link: el('guest-link'),
  copy: el('guest-copy'),
  message: el('guest-message'),
};
const room = new URLSearchParams(location.search).get('room') || 'demo';

async function createLink() {
  ui.create.disabled = true;
  ui.message.textContent = '';
  try {
    const me = await fetch('/api/v1/me', { credentials: 'same-origin' });
    if (me.status === 401) {
      ui.message.textContent = strings.guestLogin;
      return;
    }
    if (!me.ok) throw new Error(`/api/v1/me answered ${me.status}`);
    const { csrf } = await me.json();
    const reply = await fetch(`/api/v1/calls/${encodeURIComponent(room)}/guests`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { [CSRF_HEADER]: csrf },
    });
    if (!reply.ok) throw new Error(`guest link: ${reply.status}`);
    const { url } = await reply.json();
    ui.link.value = url;
    ui.result.hidden = false;
    ui.link.focus();
    ui.link.select();
  } catch (err) {
    console.warn('balie: guest link failed', err);
    ui.message.textContent = strings.guestFailed;
  } finally {
    ui.create.disabled = false;
  }
}

async function copyLink() {
  ui.link.select();
  try {
    await navigator.clipboard.writeText(ui.link.value);
  } catch {
    // No clipboard permission: the text is selected for Ctrl+C.
  }
  ui.message.textContent = strings.guestCopied;
}

ui.create.addEventListener('click', createLink);
ui.copy.addEventListener('click', copyLink);
