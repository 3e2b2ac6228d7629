// SPDX-License-Identifier: Apache-2.0
// advisor.html after the call: the wrap-up (journey, outcome) that the
// logged-in advisor who took the call records with the token from `ended`
// (POST /api/v1/wrap-ups, docs/api.md). ui.js announces the token with a
// `balie-wrap-up` event on document.
import { strings } from './strings.js';

const CSRF_HEADER = 'X-CSRF-Token';
const JOURNEY = /^[A-Za-z0-9_-]{1,64}$/;
const el = (id) => document.getElementById(id);
const ui = {
  section: el('wrap-up'),
  form: el('wrap-up-form'),
  journey: el('wrap-up-journey'),
  message: el('wrap-up-message'),
};
let token = null;

document.addEventListener('balie-wrap-up', ({ detail }) => {
  token = detail.token;
  // The token's payload names the journey the call was made for.
  try {
    const payload = JSON.parse(atob(token.split('.')[0].replace(/-/g, '+').replace(/_/g, '/')));
    if (payload.j && payload.j !== 'none') ui.journey.value = payload.j;
  } catch {
    // Not readable: the advisor types it.
  }
  // The call is over: its stopped pictures and controls give way to the wrap-up.
  for (const id of ['stage', 'controls', 'guest-invite']) {
    const part = el(id);
    if (part) part.hidden = true;
  }
  ui.section.hidden = false;
  ui.section.querySelector('input[name="outcome"]').focus();
});

ui.form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const outcome = ui.form.querySelector('input[name="outcome"]:checked')?.value;
  const journey = ui.journey.value.trim();
  if (journey && !JOURNEY.test(journey)) {
    ui.message.textContent = strings.wrapUp.badJourney;
    ui.journey.focus();
    return;
  }
  const button = ui.form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    const me = await fetch('/api/v1/me', { credentials: 'same-origin' });
    if (!me.ok) throw new Error(`/api/v1/me answered ${me.status}`);
    const { csrf } = await me.json();
    const body = { token, outcome };
    if (journey) body.journey = journey;
    const reply = await fetch('/api/v1/wrap-ups', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', [CSRF_HEADER]: csrf },
      body: JSON.stringify(body),
    });
    if (!reply.ok) throw new Error(`wrap-up: ${reply.status}`);
    ui.message.textContent = strings.wrapUp.saved;
    for (const input of ui.form.querySelectorAll('input, button')) input.disabled = true;
  } catch (err) {
    console.warn('balie: wrap-up failed', err);
    ui.message.textContent = strings.wrapUp.failed;
    button.disabled = false;
  }
});
