// SPDX-License-Identifier: Apache-2.0
// The supervisors' insights page: GET /api/v1/insights (docs/metrics.md) for a
// period, journey, queue and advisor, shown as key figures and uPlot charts
// (served by the gateway from npm's uplot, never a CDN), each chart with its
// numbers as a table for screen readers. Log in as a supervisor or admin.
import { applyTexts, loadBrand, orgName, wireLanguage } from './page.js';
import { lang, strings } from './strings.js';

const DAY_MS = 86400 * 1000;
const $ = (id) => document.getElementById(id);
const COLORS = { accent: '#0b5cad', green: '#1b7a3a', grey: '#6b7580', red: '#b3261e', amber: '#9a5b00' };
let report = null; // the last GET /insights answer
let choices = { journey: [], queue: [], advisor: [] }; // from the unfiltered report
let alertText = null;
let state = 'loading'; // loading, login, ready
const plots = new Map(); // figure id → uPlot
let uPlot = null;

const isoDay = (date) => date.toISOString().slice(0, 10);

function defaultPeriod() {
  const today = new Date();
  $('to').value = isoDay(today);
  $('from').value = isoDay(new Date(today.getTime() - 29 * DAY_MS));
}

function query() {
  const params = new URLSearchParams();
  params.set('from', $('from').value);
  // The page's "to" includes that day; the API's `to` is exclusive.
  params.set('to', isoDay(new Date(new Date(`${$('to').value}T00:00:00Z`).getTime() + DAY_MS)));
  for (const name of ['journey', 'queue', 'advisor']) if ($(name).value) params.set(name, $(name).value);
  return params;
}

async function api(method, path, body) {
  const response = await fetch(`/api/v1${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const json = await response.json().catch(() => null);
  return { status: response.status, json };
}

async function load() {
  if (!$('from').value) defaultPeriod();
  const params = query();
  const { status, json } = await api('GET', `/insights?${params}`);
  if (status === 401) {
    state = 'login';
  } else if (status === 403) {
    state = 'login';
    alertText = () => strings.insights.forbidden;
  } else if (status !== 200 || !json) {
    alertText = () => strings.insights.failed(status);
  } else {
    state = 'ready';
    alertText = null;
    report = json;
    if (![...params.keys()].some((k) => ['journey', 'queue', 'advisor'].includes(k))) {
      choices = {
        journey: json.by_journey.map((g) => g.key),
        queue: json.by_queue.map((g) => g.key),
        advisor: json.by_advisor.map((g) => g.key),
      };
    }
  }
  render();
}

// ---- numbers ----

const nf = (digits) => new Intl.NumberFormat(lang, { maximumFractionDigits: digits, minimumFractionDigits: digits });
const none = '–';
const pct = (v) => (v == null ? none : `${nf(1).format(v)} %`);
const num = (v, digits = 0) => (v == null ? none : nf(digits).format(v));
function duration(ms) {
  if (ms == null) return none;
  const s = Math.round(ms / 1000);
  return s < 120 ? strings.insights.seconds(s) : strings.insights.minutes(nf(1).format(s / 60));
}

function renderKpis() {
  const t = report.totals;
  const k = strings.insights.kpi;
  const tiles = [
    [k.offered, num(t.offered)],
    [k.answered, num(t.answered)],
    [k.serviceLevel(report.service_level_seconds), pct(t.service_level_pct)],
    [k.abandonment, pct(t.abandonment_pct), k.shortAbandons(t.short_abandons)],
    [k.waitMean, duration(t.wait_mean_ms)],
    [k.waitP90, duration(t.wait_p90_ms)],
    [k.handleMean, duration(t.handle_mean_ms)],
    [k.nps, t.nps == null ? none : num(t.nps), k.npsCount(t.promoters + t.passives + t.detractors)],
    [k.csat, pct(t.csat_pct)],
    [k.ces, num(t.ces_mean, 1)],
    [k.responseRate, pct(t.response_rate_pct), k.skips(t.skips)],
    [k.screenShare, pct(t.screen_share_pct)],
    [k.rtt, t.rtt_mean_ms == null ? none : `${num(t.rtt_mean_ms)} ms`],
    [k.loss, pct(t.loss_mean_pct)],
  ];
  $('kpis').replaceChildren(
    ...tiles.map(([label, value, note]) => {
      const div = document.createElement('div');
      div.className = 'kpi';
      const dt = document.createElement('dt');
      dt.textContent = label;
      const dd = document.createElement('dd');
      dd.textContent = value;
      if (note) {
        const small = document.createElement('small');
        small.textContent = note;
        dd.append(small);
      }
      div.append(dt, dd);
      return div;
    }),
  );
}

// ---- charts ----

function table(figure, head, rows) {
  const tableEl = document.createElement('table');
  const tr = document.createElement('tr');
  for (const h of head) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = h;
    tr.append(th);
  }
  tableEl.append(tr);
  for (const row of rows) {
    const line = document.createElement('tr');
    for (const cell of row) {
      const td = document.createElement('td');
      td.textContent = cell;
      line.append(td);
    }
    tableEl.append(line);
  }
  figure.querySelector('.table').replaceChildren(tableEl);
}

function plot(id, options, data) {
  const figure = $(id);
  const box = figure.querySelector('.plot');
  plots.get(id)?.destroy();
  plots.delete(id);
  if (!uPlot) return;
  const width = Math.max(280, box.clientWidth || 520);
  // Not the live legend (values under the pointer): the tables carry the numbers.
  const chart = new uPlot({ width, height: 240, legend: { live: false }, ...options }, data, box);
  plots.set(id, chart);
}

const bars = () => (uPlot ? uPlot.paths.bars({ size: [0.7, 60] }) : undefined);

function categorical(labels) {
  const xs = labels.map((_, i) => i);
  return {
    xs,
    scale: { time: false, range: [-0.6, labels.length - 0.4] },
    axis: { splits: () => xs, values: (u, splits) => splits.map((i) => labels[i] ?? ''), grid: { show: false } },
  };
}

function barChart(id, labels, series) {
  const c = categorical(labels);
  plot(
    id,
    {
      scales: { x: c.scale },
      axes: [c.axis, { label: strings.insights.count }],
      series: [{}, ...series.map((s) => ({ label: s.label, fill: s.color, stroke: s.color, paths: bars(), points: { show: false } }))],
      legend: { show: series.length > 1, live: false },
    },
    [c.xs, ...series.map((s) => s.values)],
  );
  const head = [strings.insights.value, ...series.map((s) => s.label)];
  table($(id), head, labels.map((label, i) => [label, ...series.map((s) => (s.values[i] == null ? '' : String(s.values[i])))]));
}

function renderTrend() {
  const days = report.by_day;
  const xs = days.map((d) => Date.parse(`${d.key}T12:00:00Z`) / 1000);
  const s = strings.insights;
  plot(
    'chart-trend',
    {
      scales: { x: { time: true }, nps: { range: [-100, 100] }, pct: { range: [0, 100] } },
      axes: [{}, { scale: 'nps', label: 'NPS' }, { scale: 'pct', side: 1, label: '%', grid: { show: false } }],
      series: [
        {},
        { label: 'NPS', scale: 'nps', stroke: COLORS.accent, width: 2, spanGaps: true, points: { size: 6 } },
        { label: s.kpi.serviceLevel(report.service_level_seconds), scale: 'pct', stroke: COLORS.green, width: 2, dash: [6, 4], spanGaps: true, points: { size: 6 } },
      ],
    },
    [xs, days.map((d) => d.nps), days.map((d) => d.service_level_pct)],
  );
  table($('chart-trend'), [s.day, 'NPS', s.kpi.serviceLevel(report.service_level_seconds)], days.map((d) => [d.key, num(d.nps), pct(d.service_level_pct)]));
}

function renderHours() {
  // The gateway counts by UTC hour; shown in the viewer's own time.
  const shift = -new Date().getTimezoneOffset() / 60;
  const counts = new Array(24).fill(0);
  report.by_hour_utc.forEach((n, h) => {
    counts[(((h + shift) % 24) + 24) % 24] += n;
  });
  barChart('chart-hours', counts.map((_, h) => String(h).padStart(2, '0')), [{ label: strings.insights.contacts, values: counts, color: COLORS.accent }]);
}

function renderWait() {
  const bounds = report.wait_histogram_bounds_s;
  const labels = bounds.map((b) => `≤ ${b} s`).concat(`> ${bounds[bounds.length - 1]} s`);
  barChart('chart-wait', labels, [{ label: strings.insights.answeredContacts, values: report.wait_histogram, color: COLORS.accent }]);
}

function renderRatings() {
  const s = strings.insights;
  const n = report.nps_distribution;
  const part = (from, to) => n.map((v, i) => (i >= from && i <= to ? v : null));
  barChart('chart-nps', n.map((_, i) => String(i)), [
    { label: s.detractors, values: part(0, 6), color: COLORS.red },
    { label: s.passives, values: part(7, 8), color: COLORS.grey },
    { label: s.promoters, values: part(9, 10), color: COLORS.green },
  ]);
  barChart('chart-csat', ['1', '2', '3', '4', '5'], [{ label: s.answers, values: report.csat_distribution, color: COLORS.accent }]);
  barChart('chart-ces', ['1', '2', '3', '4', '5', '6', '7'], [{ label: s.answers, values: report.ces_distribution, color: COLORS.amber }]);
}

function renderQuality() {
  const days = report.by_day;
  const xs = days.map((d) => Date.parse(`${d.key}T12:00:00Z`) / 1000);
  const s = strings.insights;
  plot(
    'chart-quality',
    {
      scales: { x: { time: true }, ms: { range: (u, min, max) => [0, Math.max(100, max ?? 0)] }, loss: { range: (u, min, max) => [0, Math.max(5, max ?? 0)] } },
      axes: [{}, { scale: 'ms', label: 'RTT (ms)' }, { scale: 'loss', side: 1, label: s.lossAxis, grid: { show: false } }],
      series: [
        {},
        { label: s.kpi.rtt, scale: 'ms', stroke: COLORS.accent, width: 2, spanGaps: true, points: { size: 6 } },
        { label: s.kpi.loss, scale: 'loss', stroke: COLORS.red, width: 2, dash: [6, 4], spanGaps: true, points: { size: 6 } },
      ],
    },
    [xs, days.map((d) => d.rtt_mean_ms), days.map((d) => d.loss_mean_pct)],
  );
  table($('chart-quality'), [s.day, s.kpi.rtt, s.kpi.loss], days.map((d) => [d.key, d.rtt_mean_ms == null ? none : `${num(d.rtt_mean_ms)} ms`, pct(d.loss_mean_pct)]));
}

function renderFilters() {
  for (const name of ['journey', 'queue', 'advisor']) {
    const select = $(name);
    const chosen = select.value;
    select.replaceChildren(new Option(strings.insights.all, ''), ...choices[name].map((key) => new Option(key, key)));
    select.value = choices[name].includes(chosen) ? chosen : '';
  }
}

function renderExports() {
  const params = query();
  const links = [];
  for (const table of ['contacts', 'events', 'ratings']) {
    for (const format of ['csv', 'jsonl']) {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = `/api/v1/export/${table}.${format}?${params}`;
      a.download = `balie-${table}-${$('from').value}-${$('to').value}.${format}`;
      a.textContent = strings.insights.exportLink(strings.insights.tables[table], format.toUpperCase());
      li.append(a);
      links.push(li);
    }
  }
  $('export-links').replaceChildren(...links);
}

function render() {
  applyTexts();
  document.title = `${strings.insights.title} – ${orgName()}`;
  $('login').hidden = state !== 'login';
  $('report').hidden = state !== 'ready';
  $('alert').hidden = alertText === null;
  $('alert').textContent = alertText ? alertText() : '';
  $('status').textContent = state === 'loading' ? strings.insights.loading : '';
  if (state !== 'ready' || !report) return;
  renderFilters();
  renderKpis();
  renderTrend();
  renderHours();
  renderWait();
  renderRatings();
  renderQuality();
  renderExports();
  if (!uPlot) $('status').textContent = strings.insights.noCharts;
}

$('filters').addEventListener('submit', (event) => {
  event.preventDefault();
  load();
});
$('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  const { status, json } = await api('POST', '/login', { name: $('name').value, password: $('password').value });
  if (status !== 200) {
    alertText = () => strings.insights.loginFailed;
    render();
    return;
  }
  $('password').value = '';
  alertText = json.account.role === 'advisor' ? () => strings.insights.forbidden : null;
  load();
});
new ResizeObserver(() => {
  for (const chart of plots.values()) {
    const box = chart.root.parentElement;
    if (box.clientWidth > 0 && Math.abs(box.clientWidth - chart.width) > 8) chart.setSize({ width: box.clientWidth, height: 240 });
  }
}).observe(document.body);

try {
  uPlot = (await import('/vendor/uplot/uPlot.esm.js')).default;
} catch (err) {
  console.warn('balie: uPlot not available; tables only', err);
}
defaultPeriod();
render();
wireLanguage(render);
loadBrand(render);
load();
