// SPDX-License-Identifier: Apache-2.0
// Two weeks of scripted contacts and ratings for the insights page, written
// straight into the shared store as another channel's writer would
// (docs/metrics.md): deterministic (a seeded generator), relative to `now`.
// Returns SQL for the sqlite3 shell.

/** A small deterministic generator (LCG), so every run draws the same contacts. */
function generator(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const pick = (rand, items) => items[Math.floor(rand() * items.length)];
const text = (value) => (value == null ? 'NULL' : `'${String(value).replaceAll("'", "''")}'`);
const int = (value) => (value == null ? 'NULL' : String(Math.round(value)));

/** Office hours weigh most: 08-18 local (UTC+1 in winter), a few in the evening. */
function offeredHourUtc(rand) {
  const r = rand();
  if (r < 0.06) return 18 + Math.floor(rand() * 3);
  return 7 + Math.floor(rand() * 10);
}

export function seedSql(nowMs = Date.now(), days = 14) {
  const rand = generator(20240501);
  const journeys = ['hypotheek', 'pensioen', 'zorgvraag'];
  const queues = ['particulier', 'zakelijk'];
  const advisors = ['u1a2b3c4d5e6f7a8b', 'u2b3c4d5e6f7a8b9c', 'u3c4d5e6f7a8b9c0d', 'u4d5e6f7a8b9c0d1e'];
  const lines = ['BEGIN;'];
  const today = new Date(nowMs);
  today.setUTCHours(0, 0, 0, 0);
  let n = 0;
  for (let d = days; d >= 1; d--) {
    const day = today.getTime() - d * 86400000;
    const weekday = new Date(day).getUTCDay();
    const volume = weekday === 0 || weekday === 6 ? 4 + Math.floor(rand() * 4) : 18 + Math.floor(rand() * 14);
    // Service gets better over the fortnight: shorter waits, happier customers.
    const trend = (days - d) / days;
    for (let i = 0; i < volume; i++, n++) {
      const id = `seed-${n}`;
      const journey = pick(rand, journeys);
      const queue = pick(rand, queues);
      const offered = day + offeredHourUtc(rand) * 3600000 + Math.floor(rand() * 3600000);
      const r = rand();
      const waitS = Math.round(-Math.log(1 - rand()) * (45 - 25 * trend));
      let outcome = 'answered';
      if (r < 0.08) outcome = 'abandoned';
      else if (r < 0.1) outcome = 'failed';
      const answered = outcome === 'answered';
      const advisor = answered ? pick(rand, advisors) : null;
      const handleMs = answered ? (4 + rand() * 22) * 60000 : null;
      const screenMs = answered && rand() < 0.45 ? rand() * handleMs * 0.6 : 0;
      const samples = answered ? Math.max(1, Math.round(handleMs / 10000)) : 0;
      const rtt = 25 + rand() * 50 + (rand() < 0.1 ? 120 : 0);
      const loss = rand() < 0.15 ? rand() * 3 : rand() * 0.4;
      const kbps = 900 + rand() * 1400;
      const endedMs = answered ? offered + waitS * 1000 + handleMs : offered + waitS * 1000;
      lines.push(
        `INSERT INTO contact (id, channel, journey, queue, node, advisor_ref, customer_ref, offered_us, answered_us, ended_us, outcome, end_reason, ended_by, wait_ms, handle_ms, screen_share_ms, quality_samples, rtt_ms_sum, loss_pct_sum, kbps_sum, freezes_max, height_min, updated_us) VALUES (` +
          [
            text(id), text('video'), text(journey), text(queue), text('node-1'), text(advisor), text(`p${n % 97}`),
            int(offered * 1000), answered ? int((offered + waitS * 1000) * 1000) : 'NULL', int(endedMs * 1000),
            text(outcome), text(answered ? 'hangup' : outcome === 'failed' ? 'media-failed' : null),
            text(answered ? pick(rand, ['customer', 'advisor']) : null), int(waitS * 1000), int(handleMs),
            int(screenMs), int(samples), String(rtt * samples), String(loss * samples), String(kbps * samples),
            int(rand() < 0.1 ? 2 : 0), answered ? int(pick(rand, [360, 480, 720])) : 'NULL', int(endedMs * 1000),
          ].join(', ') +
          ');',
      );
      if (!answered || rand() > 0.62) continue;
      const skipped = rand() < 0.12;
      const happy = rand() < 0.45 + 0.35 * trend;
      const nps = skipped ? null : happy ? 8 + Math.floor(rand() * 3) : Math.floor(rand() * 9);
      const csat = skipped ? null : Math.min(5, Math.max(1, Math.round(nps / 2.2) + (rand() < 0.5 ? 0 : 1)));
      const ces = skipped ? null : Math.min(7, Math.max(1, Math.round(nps * 0.6) + 1));
      lines.push(
        `INSERT INTO rating (contact_id, channel, time_us, skipped, nps, csat, ces, comment) VALUES (${text(id)}, 'video', ${int((endedMs + 60000) * 1000)}, ${skipped ? 1 : 0}, ${int(nps)}, ${int(csat)}, ${int(ces)}, NULL);`,
      );
    }
  }
  lines.push('COMMIT;');
  return { sql: lines.join('\n') + '\n', contacts: n };
}
