/** What every dashboard section receives, and small widgets they share. */
import type { Bucket, Report } from '../../../src/protocol/report';
import type { DashboardLayout } from '../../../src/protocol/webviewProtocol';
import type { Scope } from '../charts';
import { h } from '../dom';
import type { StateStore } from '../state';
import type { DrillDown } from '../model/drillDown';
import type { Palette } from '../theme';

/** Inputs of a section's render function. */
export interface ViewContext {
  readonly report: Report;
  /** The "after" report when comparing. */
  readonly compare: Report | null;
  /** Class indices by training count, descending. */
  readonly order: readonly number[];
  readonly scope: Scope;
  readonly palette: Palette;
  readonly state: StateStore;
  readonly layout: DashboardLayout;
  /** Saves a CSV: a message to the host in VS Code, a Blob download standalone. */
  readonly exportCsv: (suggestedName: string, csv: string, rows: number) => void;
  /** Opens the drill-down panel on these examples (a class, a confusion cell, a projected point). */
  readonly drillDown: (drill: DrillDown) => void;
}

/** A section of the dashboard. */
export interface SectionView {
  readonly title: string;
  /** False hides the section (e.g. compare without a second report). */
  readonly available: (ctx: Pick<ViewContext, 'report' | 'compare'>) => boolean;
  readonly render: (root: HTMLElement, ctx: ViewContext) => void;
}

/** A titled chart box: a figure with a canvas (role img, labelled) in a sized container. */
export function chartFigure(title: string, label: string, height = 280): { figure: HTMLElement; canvas: HTMLCanvasElement } {
  const canvas = h('canvas', { role: 'img', 'aria-label': label });
  const box = h('div', { class: 'chart-box' }, canvas);
  box.style.height = `${height}px`;
  const figure = h('figure', { class: 'chart' }, h('figcaption', null, title), box);
  return { figure, canvas };
}

/** A note paragraph: `info`, `warn` or `good`. */
export function note(kind: 'info' | 'warn' | 'good', ...text: string[]): HTMLElement {
  return h('p', { class: `note note-${kind}`, role: kind === 'warn' ? 'note' : undefined }, ...text);
}

/** A coloured swatch + bucket name. */
export function bucketLabel(bucket: Bucket): HTMLElement {
  return h('span', { class: `bucket bucket-${bucket}` }, bucket);
}

/** Human label of a bucket with its threshold. */
export function bucketTitle(bucket: Bucket, thresholds: { many: number; few: number }): string {
  if (bucket === 'many') return `Many-shot (n > ${thresholds.many})`;
  if (bucket === 'few') return `Few-shot (n < ${thresholds.few})`;
  return `Medium-shot (${thresholds.few} ≤ n ≤ ${thresholds.many})`;
}

/** The display name of a class index (text; may be hostile, never parsed). */
export function className(report: Report, index: number): string {
  return report.classes[index]?.name ?? `#${index}`;
}
