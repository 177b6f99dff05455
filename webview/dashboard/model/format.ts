/** Number formatting for the dashboard (DOM-free: unit-tested in Node). */

/** `0.1234` → `12.3%`; null/NaN → `—`. */
export function formatPercent(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : `${(value * 100).toFixed(digits)}%`;
}

/** Signed percentage points: `+1.2 pp`, `−0.4 pp`; null → `—`. */
export function formatDeltaPp(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return '—';
  }
  const pp = value * 100;
  const text = Math.abs(pp).toFixed(digits);
  return Number(text) === 0 ? `±${text} pp` : `${pp > 0 ? '+' : '−'}${text} pp`;
}

/** A plain number with up to `digits` significant decimals; null/NaN → `—`. */
export function formatNumber(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return '—';
  }
  if (value !== 0 && Math.abs(value) < 1e-3) {
    return value.toExponential(2);
  }
  return Number(value.toFixed(digits)).toString();
}

/** Integer counts with thin grouping: `8142` → `8,142`. */
export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : Math.round(value).toLocaleString('en-US');
}

/** A file name safe to propose in a save dialog or download: no path separators or control characters. */
export function safeFileName(name: string, fallback = 'report'): string {
  const cleaned = name.replace(/[\u0000-\u001f\u007f/\\:*?"<>|]+/g, '_').replace(/^\.+/, '').trim().slice(0, 120);
  return cleaned || fallback;
}
