/**
 * What the Post-hoc section shows, computed from the report without the DOM (unit-tested in Node): the
 * sweeps under names that say what they are, one τ grid for the slider, and the held-out choices.
 */
import type { HeldOutChoice, Interval, PostHocSweep, Report } from '../../../src/protocol/report';
import { formatNumber, formatPercent } from './format';

/** One post-hoc sweep under its display name. */
export interface NamedSweep {
  readonly key: 'logitAdjustment' | 'tauNormalisation' | 'tauNormalisationWithBias';
  readonly label: string;
  /** What τ = 0 is, in words. */
  readonly atZero: string;
  readonly sweep: PostHocSweep;
}

/** The report's sweeps, logit adjustment first; τ-normalisation named by what it does with the bias. */
export function namedSweeps(report: Report): NamedSweep[] {
  const out: NamedSweep[] = [{ key: 'logitAdjustment', label: 'logit adjustment', atZero: 'the model as is', sweep: report.postHoc.logitAdjustment }];
  const tn = report.postHoc.tauNormalisation;
  const tb = report.postHoc.tauNormalisationWithBias ?? null;
  const hasBias = report.classes.some((c) => c.bias !== null);
  if (tn) {
    out.push({
      key: 'tauNormalisation',
      label: hasBias ? 'τ-norm, bias dropped' : 'τ-normalisation',
      atZero: hasBias ? 'the model without its bias (not the model as is)' : 'the model as is',
      sweep: tn,
    });
  }
  if (tb) out.push({ key: 'tauNormalisationWithBias', label: 'τ-norm, bias kept', atZero: 'the model as is', sweep: tb });
  return out;
}

/** The sorted union of the sweeps' τ grids (they differ when one was extended past τ = 2). */
export function unionGrid(sweeps: readonly PostHocSweep[]): number[] {
  const all = sweeps.flatMap((s) => s.taus).sort((a, b) => a - b);
  return all.filter((t, i) => i === 0 || Math.abs(t - all[i - 1]) > 1e-9);
}

/** Balanced error of a sweep at τ, or null when τ is not on its grid. */
export function valueAt(sweep: PostHocSweep, tau: number): number | null {
  const k = sweep.taus.findIndex((t) => Math.abs(t - tau) < 1e-9);
  return k >= 0 ? sweep.balancedError[k] : null;
}

/** "τ = 2.0 (oracle)" plus a grid-edge warning when the best τ is the largest τ tried. */
export function oracleTauText(sweep: PostHocSweep): string {
  return `τ = ${formatNumber(sweep.bestTau, 2)}, chosen on this eval set (oracle)${sweep.bestAtGridEdge ? '; at the grid’s edge: a larger τ may be better' : ''}`;
}

/** "18.1–19.7%" for a rate interval; "—" when absent. */
export function formatInterval(v: Interval | null | undefined, digits = 1): string {
  if (!v) return '—';
  return `${(v.lo * 100).toFixed(digits)}–${formatPercent(v.hi, digits)}`;
}

/** Rows of the held-out table: method, τ chosen on validation, its validation and test balanced error, the test oracle. */
export function heldOutRows(report: Report): string[][] {
  const sel = report.postHoc.selection ?? null;
  if (!sel) return [];
  const row = (label: string, c: HeldOutChoice | null): string[] | null =>
    c
      ? [
          label,
          `${formatNumber(c.tau, 2)}${c.atGridEdge ? ' (grid edge)' : ''}`,
          formatPercent(c.valBalancedError),
          formatPercent(c.testBalancedError),
          `${formatPercent(c.oracleTestBalancedError)} at τ = ${formatNumber(c.oracleTau, 2)}`,
        ]
      : null;
  const names = Object.fromEntries(namedSweeps(report).map((s) => [s.key, s.label]));
  return [
    ['model as is', '—', '—', formatPercent(sel.testBalancedError), '—'],
    row(names.logitAdjustment ?? 'logit adjustment', sel.logitAdjustment),
    row(names.tauNormalisation ?? 'τ-normalisation', sel.tauNormalisation),
    row(names.tauNormalisationWithBias ?? 'τ-norm, bias kept', sel.tauNormalisationWithBias),
  ].filter((r): r is string[] => r !== null);
}
