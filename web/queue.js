// SPDX-License-Identifier: Apache-2.0
// The walk-in waiting room (docs/protocol.md, "Walk-in queues"): joins the queue with the
// ticket from /q/QUEUE, shows the place in line and the estimated wait as the gateway
// updates them, and moves to the call page once an advisor accepts. Leaving this page
// before that gives up the place. Texts: strings.queue; a full node: the busy page (notice.html).
import { applyTexts, loadBrand, orgName, wireLanguage } from './page.js';
import { lang, strings } from './strings.js';

const params = new URLSearchParams(location.search);
const queue = params.get('queue') ?? '';
const room = params.get('room') ?? '';
const token = params.get('token') ?? '';
let state = 'connecting'; // connecting, waiting, accepted, lost
let place = null;
let problem = null; // a key of strings.queue, or {code, message} from the gateway

const $ = (id) => document.getElementById(id);

function problemText() {
  const t = strings.queue;
  if (problem === null) return '';
  if (typeof problem === 'string') return t[problem];
  return strings.errors[problem.code] ?? problem.message ?? strings.errorFallback;
}

function render() {
  const t = strings.queue;
  applyTexts();
  document.title = `${t.title} – ${orgName()}`;
  $('heading').textContent = t.heading;
  $('expect').textContent = t.expect;
  $('position-label').textContent = t.positionLabel;
  $('estimate-label').textContent = t.estimateLabel;
  $('hint').textContent = t.hint;
  $('retry').textContent = t.retry;
  $('status').textContent = t[state] ?? '';
  $('place').hidden = place === null || state !== 'waiting';
  if (place !== null) {
    $('position').textContent = String(place.position);
    $('estimate').textContent = t.minutes(Math.max(1, Math.round(place.estimated_wait_s / 60)));
  }
  $('expect').hidden = state === 'lost';
  $('hint').hidden = state === 'lost';
  $('alert').hidden = problem === null;
  $('alert').textContent = problemText();
  $('retry').hidden = state !== 'lost' || !queue;
}

$('retry').addEventListener('click', () => {
  location.href = `/q/${encodeURIComponent(queue)}`;
});

function join() {
  if (!room || !token) {
    state = 'lost';
    problem = 'badLink';
    render();
    return;
  }
  // ?room= lets a load balancer send the waiting customer to the node that will hold the call.
  const socket = new WebSocket(`wss://${location.host}/ws?room=${encodeURIComponent(room)}`);
  socket.addEventListener('open', () => {
    socket.send(JSON.stringify({ type: 'join', v: 1, room, role: 'customer', token }));
  });
  socket.addEventListener('message', (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      console.warn('balie: unparseable message from the gateway', event.data);
      return;
    }
    if (message.type === 'queue' && message.state === 'waiting') {
      state = 'waiting';
      place = message;
    } else if (message.type === 'queue' && message.state === 'accepted') {
      state = 'accepted';
      const query = new URLSearchParams({ room: message.room, token });
      if (params.get('lang')) query.set('lang', lang);
      location.replace(`customer.html?${query}`);
    } else if (message.type === 'error' && message.code === 'capacity') {
      // The queue or the node is full: the busy page, whose "try again" is a new ticket.
      state = 'accepted'; // leaving: the close that follows is no lost place
      const query = new URLSearchParams({ notice: 'busy', lang, retry: `/q/${encodeURIComponent(queue)}` });
      location.replace(`notice.html?${query}`);
    } else if (message.type === 'error') {
      problem = message.code === 'bad-token' ? 'badLink' : { code: message.code, message: message.message };
    }
    render();
  });
  socket.addEventListener('close', () => {
    if (state === 'accepted') return;
    state = 'lost';
    if (problem === null) problem = 'lost';
    render();
  });
}

render();
wireLanguage(render);
loadBrand(render);
join();
