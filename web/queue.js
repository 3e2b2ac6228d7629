// SPDX-License-Identifier: Apache-2.0
// The walk-in waiting room (docs/protocol.md, "Walk-in queues"): joins the queue with the
// ticket from /q/QUEUE, shows the place in line and the estimated wait as the gateway
// updates them, and moves to the call page once an advisor accepts. Leaving this page
// before that gives up the place.

const text = {
  nl: {
    heading: 'U staat in de wachtrij',
    connecting: 'Verbinden…',
    waiting: 'U wacht op de eerstvolgende adviseur. Laat deze pagina open.',
    positionLabel: 'Uw plaats in de rij',
    estimateLabel: 'Geschatte wachttijd',
    hint: 'Als u deze pagina sluit of vernieuwt, verliest u uw plaats.',
    accepted: 'Een adviseur neemt uw gesprek aan. Even geduld…',
    lost: 'De verbinding is verbroken; uw plaats in de rij is vervallen.',
    retry: 'Opnieuw in de rij',
    badLink: 'Deze link werkt niet. Open de link van de wachtrij opnieuw.',
    minutes: (m) => (m <= 1 ? 'ongeveer 1 minuut' : `ongeveer ${m} minuten`),
    language: 'English',
  },
  en: {
    heading: 'You are in the queue',
    connecting: 'Connecting…',
    waiting: 'You are waiting for the next available adviser. Keep this page open.',
    positionLabel: 'Your place in line',
    estimateLabel: 'Estimated wait',
    hint: 'If you close or reload this page, you lose your place.',
    accepted: 'An adviser is taking your call. One moment…',
    lost: 'The connection was lost; your place in the queue has lapsed.',
    retry: 'Queue again',
    badLink: 'This link does not work. Open the queue link again.',
    minutes: (m) => (m <= 1 ? 'about 1 minute' : `about ${m} minutes`),
    language: 'Nederlands',
  },
};

const params = new URLSearchParams(location.search);
const queue = params.get('queue') ?? '';
const room = params.get('room') ?? '';
const token = params.get('token') ?? '';
let lang = params.get('lang') === 'en' ? 'en' : 'nl';
let state = 'connecting';
let place = null;
let problem = null;

const $ = (id) => document.getElementById(id);

function render() {
  const t = text[lang];
  document.documentElement.lang = lang;
  $('heading').textContent = t.heading;
  $('language').textContent = t.language;
  $('language').lang = lang === 'nl' ? 'en' : 'nl';
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
  $('alert').hidden = problem === null;
  $('alert').textContent = problem === null ? '' : (t[problem] ?? problem);
  $('retry').hidden = state !== 'lost';
}

$('language').addEventListener('click', () => {
  lang = lang === 'nl' ? 'en' : 'nl';
  render();
});
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
  const socket = new WebSocket(`wss://${location.host}/ws`);
  socket.addEventListener('open', () => {
    socket.send(JSON.stringify({ type: 'join', v: 1, room, role: 'customer', token }));
  });
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(event.data);
    if (message.type === 'queue' && message.state === 'waiting') {
      state = 'waiting';
      place = message;
    } else if (message.type === 'queue' && message.state === 'accepted') {
      state = 'accepted';
      const query = new URLSearchParams({ room: message.room, token });
      if (params.get('lang')) query.set('lang', lang);
      location.replace(`customer.html?${query}`);
    } else if (message.type === 'error') {
      problem = message.code === 'bad-token' ? 'badLink' : message.message;
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
join();
