import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { formatLocalTime, localZone, timeAxis } from '../../../webview/runs/model/timeAxis';

/** The labels are distinct, one per tick, the ticks inside the range and evenly spaced by the step. */
function checkAxis(lo: number, hi: number, maxTicks = 6): ReturnType<typeof timeAxis> {
  const a = timeAxis(lo, hi, maxTicks);
  assert.equal(a.labels.length, a.ticks.length);
  assert.equal(new Set(a.labels).size, a.labels.length, `distinct labels: ${a.labels.join(' | ')}`);
  assert.ok(a.ticks.length >= 1 && a.ticks.length <= maxTicks, `${a.ticks.length} ticks`);
  for (const t of a.ticks) assert.ok(t >= a.min && t <= a.max, `tick ${t} in [${a.min}, ${a.max}]`);
  assert.ok(a.min <= Math.min(lo, hi) && a.max >= Math.max(lo, hi));
  return a;
}

for (const zone of ['UTC', 'Asia/Kolkata', 'America/New_York']) {
  describe(`runs chart time axis (TZ=${zone})`, () => {
    const saved = process.env.TZ;
    before(() => {
      process.env.TZ = zone;
    });
    after(() => {
      process.env.TZ = saved;
    });

    it('runs seconds apart get second ticks with distinct HH:MM:SS labels (chart.js repeated one second)', () => {
      const t0 = Date.UTC(2026, 10, 27, 20, 7, 33, 250);
      const a = checkAxis(t0, t0 + 4300);
      assert.equal(a.step, 1000);
      assert.equal(a.labels.length, 4);
      for (const l of a.labels) assert.match(l, /^\d{2}:\d{2}:\d{2}$/);
      if (zone === 'UTC') assert.deepEqual(a.labels, ['20:07:34', '20:07:35', '20:07:36', '20:07:37']);
      if (zone === 'Asia/Kolkata') assert.deepEqual(a.labels, ['01:37:34', '01:37:35', '01:37:36', '01:37:37']);
    });

    it('runs milliseconds apart, a single run, minutes, hours, across midnight, days and years', () => {
      const t0 = Date.UTC(2026, 10, 27, 20, 7, 33, 0);
      const ms = checkAxis(t0, t0 + 400);
      assert.equal(ms.step, 100);
      for (const l of ms.labels) assert.match(l, /^\d{2}:\d{2}:\d{2}\.\d$/);
      const one = checkAxis(t0, t0);
      assert.ok(one.max - one.min === 60_000 && one.ticks.length >= 2);
      const minutes = checkAxis(t0, t0 + 25 * 60_000);
      assert.equal(minutes.step, 5 * 60_000);
      for (const l of minutes.labels) assert.match(l, /^\d{2}:\d[05]$/);
      // 30 hours cross local midnight in every zone: the date is in front.
      const night = checkAxis(Date.UTC(2026, 10, 27, 12), Date.UTC(2026, 10, 28, 18));
      for (const l of night.labels) assert.match(l, /^\d{2}-\d{2} \d{2}:\d{2}$/);
      const week = checkAxis(Date.UTC(2026, 10, 20), Date.UTC(2026, 10, 27, 12));
      assert.ok(week.step >= 86_400_000);
      for (const l of week.labels) assert.match(l, /^2026-\d{2}-\d{2}$/);
      for (const t of week.ticks) assert.equal(formatLocalTime(t).slice(11), '00:00:00', 'day ticks on local midnight');
      const years = checkAxis(Date.UTC(2024, 0, 1), Date.UTC(2026, 10, 27));
      for (const l of years.labels) assert.match(l, /^\d{4}-\d{2}-\d{2}$/);
      // Many spans, random ends: labels always distinct.
      let seed = 7;
      const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      for (let i = 0; i < 400; i++) {
        const lo = Date.UTC(2026, 0, 1) + rand() * 3e10;
        checkAxis(lo, lo + 10 ** (rand() * 10), 2 + Math.floor(rand() * 8));
      }
    });

    it('the zone is named', () => {
      const t = Date.UTC(2026, 10, 27, 12);
      assert.equal(localZone(t), { UTC: 'UTC', 'Asia/Kolkata': 'UTC+05:30', 'America/New_York': 'UTC−05:00' }[zone]);
      assert.equal(formatLocalTime(t), { UTC: '2026-11-27 12:00:00', 'Asia/Kolkata': '2026-11-27 17:30:00', 'America/New_York': '2026-11-27 07:00:00' }[zone]);
    });
  });
}
