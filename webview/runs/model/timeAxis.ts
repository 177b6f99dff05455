/**
 * Times of the runs table and its chart, in the viewer's local time: the time column's text, the zone it
 * is in, and the chart's time-axis ticks. Ticks fall on round local times (every 1 s, 5 min, 6 h, 1 day…)
 * chosen from the span so that there are at most `maxTicks`, and each is labelled only as finely as its
 * step needs — with milliseconds when runs are under a second apart, with the date when the span crosses
 * midnight — so no two ticks carry the same label (chart.js's linear ticks at arbitrary milliseconds,
 * labelled `HH:MM:SS`, repeated the same second when runs were seconds apart).
 */

const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;
const day = 24 * hour;

/** Candidate tick steps in ms, smallest first. */
const steps: readonly number[] = [
  1, 2, 5, 10, 20, 50, 100, 200, 500,
  second, 2 * second, 5 * second, 10 * second, 15 * second, 30 * second,
  minute, 2 * minute, 5 * minute, 10 * minute, 15 * minute, 30 * minute,
  hour, 2 * hour, 3 * hour, 6 * hour, 12 * hour,
  day, 2 * day, 7 * day, 14 * day, 28 * day, 56 * day, 91 * day, 182 * day, 364 * day, 728 * day, 1820 * day,
];

const p2 = (n: number): string => String(n).padStart(2, '0');

/** Local time of `ms` as `YYYY-MM-DD HH:MM:SS`. */
export function formatLocalTime(ms: number): string {
  const t = new Date(ms);
  return `${t.getFullYear()}-${p2(t.getMonth() + 1)}-${p2(t.getDate())} ${p2(t.getHours())}:${p2(t.getMinutes())}:${p2(t.getSeconds())}`;
}

/** The local zone at `ms` as an offset from UTC: `UTC`, `UTC+01:00`, `UTC−05:30`. */
export function localZone(ms: number): string {
  const off = -new Date(ms).getTimezoneOffset();
  if (off === 0) return 'UTC';
  const a = Math.abs(off);
  return `UTC${off > 0 ? '+' : '−'}${p2(Math.floor(a / 60))}:${p2(a % 60)}`;
}

/** Local wall-clock ms of `ms` (the epoch shifted by the zone offset at that time), to align ticks on local times. */
function toLocal(ms: number): number {
  return ms - new Date(ms).getTimezoneOffset() * minute;
}

/** The instant whose local wall-clock time is `local` (exact except within an hour of a daylight-saving change). */
function fromLocal(local: number): number {
  const guess = local + new Date(local).getTimezoneOffset() * minute;
  return local + new Date(guess).getTimezoneOffset() * minute;
}

/** A time axis: its range, the tick values (ms since the epoch) and the label of each. */
export interface TimeAxis {
  readonly min: number;
  readonly max: number;
  readonly ticks: readonly number[];
  readonly labels: readonly string[];
  /** The step between ticks, in ms. */
  readonly step: number;
}

/**
 * The ticks for runs from `minMs` to `maxMs`: the smallest round step giving at most `maxTicks` ticks
 * inside the range, ticks at multiples of it in local time. A single instant (span 0) is widened to ±30 s.
 * Labels: `HH:MM:SS.mmm` (as many decimals as the step needs) for steps under a second, `HH:MM:SS` under a
 * minute, `HH:MM` under a day, the date from a day on; `MM-DD ` (or `YYYY-MM-DD ` across years) in front
 * when a sub-day axis crosses midnight. Distinct for distinct ticks.
 */
export function timeAxis(minMs: number, maxMs: number, maxTicks = 6): TimeAxis {
  let lo = Math.min(minMs, maxMs);
  let hi = Math.max(minMs, maxMs);
  if (hi - lo < 1) {
    lo -= 30 * second;
    hi += 30 * second;
  }
  const n = Math.max(2, Math.floor(maxTicks));
  const localLo = toLocal(lo);
  const localHi = toLocal(hi);
  let step = steps[steps.length - 1];
  for (const s of steps) {
    if (Math.floor(localHi / s) - Math.ceil(localLo / s) + 1 <= n) {
      step = s;
      break;
    }
  }
  // Day-or-longer steps count days from the local epoch, so ticks fall on local midnights.
  const ticks: number[] = [];
  for (let k = Math.ceil(localLo / step); k * step <= localHi; k++) ticks.push(fromLocal(k * step));
  if (ticks.length === 0) ticks.push(lo);
  const first = new Date(lo);
  const last = new Date(hi);
  const crossesDay = first.getFullYear() !== last.getFullYear() || first.getMonth() !== last.getMonth() || first.getDate() !== last.getDate();
  const crossesYear = first.getFullYear() !== last.getFullYear();
  const label = (ms: number): string => {
    const t = new Date(ms);
    const date = `${crossesYear || step >= day ? `${t.getFullYear()}-` : ''}${p2(t.getMonth() + 1)}-${p2(t.getDate())}`;
    if (step >= day) return date;
    const hm = `${p2(t.getHours())}:${p2(t.getMinutes())}`;
    let time = hm;
    if (step < minute) time = `${hm}:${p2(t.getSeconds())}`;
    if (step < second) {
      const digits = step % 100 === 0 ? 1 : step % 10 === 0 ? 2 : 3;
      time = `${time}.${String(t.getMilliseconds()).padStart(3, '0').slice(0, digits)}`;
    }
    return crossesDay ? `${date} ${time}` : time;
  };
  return { min: lo, max: hi, ticks, labels: ticks.map(label), step };
}
