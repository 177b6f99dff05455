/**
 * The embedding projector's data, geometry, colours and hit-testing (pure; the canvas view is
 * views/projectorView.ts). Points come from report.projection: the PCA points or the engine's UMAP layout
 * (projection.umap), each with its eval index so a click opens that example.
 */
import type { Bucket, Report } from '../../../src/protocol/report';

/** Which layout the projector shows. */
export type ProjectorMethod = 'pca' | 'umap';
/** What colours the points. */
export type ProjectorColouring = 'bucket' | 'class';

/** The points of one layout, in draw order (many-shot first, few-shot last so the tail stays on top). */
export interface ProjectorPoints {
  readonly method: ProjectorMethod;
  readonly xs: Float64Array;
  readonly ys: Float64Array;
  /** Class of each point. */
  readonly labels: Int32Array;
  /** Eval index of each point (−1: a report written before drill-down). */
  readonly indices: Int32Array;
  /** Bucket of each point's class. */
  readonly buckets: readonly Bucket[];
  /** Points per bucket. */
  readonly counts: Readonly<Record<Bucket, number>>;
}

/** Layouts this report has, in the order offered. */
export function projectorMethods(report: Report): ProjectorMethod[] {
  const p = report.projection;
  if (!p || !p.points.length) return [];
  return p.umap && p.umap.points.length ? ['pca', 'umap'] : ['pca'];
}

const bucketRank: Readonly<Record<Bucket, number>> = { many: 0, medium: 1, few: 2 };

/**
 * The points of `method`, without non-finite coordinates or labels outside the classes, sorted by bucket
 * (many, medium, few), then class, then position in the report (stable). Null when the report has no such layout.
 */
export function projectorPoints(report: Report, method: ProjectorMethod): ProjectorPoints | null {
  const p = report.projection;
  const source = method === 'umap' ? p?.umap : p;
  if (!source || !source.points.length) return null;
  const keep: number[] = [];
  source.points.forEach((q, k) => {
    if (Number.isFinite(q[0]) && Number.isFinite(q[1]) && report.classes[q[2]] !== undefined) keep.push(k);
  });
  const bucketOf = (k: number): Bucket => report.classes[source.points[k][2]].bucket;
  keep.sort((a, b) => bucketRank[bucketOf(a)] - bucketRank[bucketOf(b)] || source.points[a][2] - source.points[b][2] || a - b);
  const n = keep.length;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  const labels = new Int32Array(n);
  const indices = new Int32Array(n);
  const buckets: Bucket[] = [];
  const counts = { many: 0, medium: 0, few: 0 };
  keep.forEach((k, s) => {
    const q = source.points[k];
    xs[s] = q[0];
    ys[s] = q[1];
    labels[s] = q[2];
    indices[s] = source.indices?.[k] ?? -1;
    const b = bucketOf(k);
    buckets.push(b);
    counts[b]++;
  });
  return { method, xs, ys, labels, indices, buckets, counts };
}

/** Maps data coordinates to CSS pixels of a plot area: px = left + (x − x₀)·sx, py = top + (y₁ − y)·sy (y up). */
export interface ProjectorView {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
  readonly x0: number;
  readonly y1: number;
  readonly sx: number;
  readonly sy: number;
}

/** Inner margin of the plot area in CSS pixels (room for the point radius and the frame). */
export const projectorPadding = 10;

/**
 * The view that fits every point into a `width` × `height` canvas with {@link projectorPadding} on each side;
 * each axis is scaled on its own (as a scatter chart does); a constant coordinate is centred.
 */
export function fitView(points: Pick<ProjectorPoints, 'xs' | 'ys'>, width: number, height: number): ProjectorView {
  let xMin = Infinity;
  let xMax = -Infinity;
  let yMin = Infinity;
  let yMax = -Infinity;
  for (let k = 0; k < points.xs.length; k++) {
    xMin = Math.min(xMin, points.xs[k]);
    xMax = Math.max(xMax, points.xs[k]);
    yMin = Math.min(yMin, points.ys[k]);
    yMax = Math.max(yMax, points.ys[k]);
  }
  if (!(xMax >= xMin)) [xMin, xMax] = [0, 0];
  if (!(yMax >= yMin)) [yMin, yMax] = [0, 0];
  const w = Math.max(1, width - 2 * projectorPadding);
  const hgt = Math.max(1, height - 2 * projectorPadding);
  const spanX = xMax - xMin;
  const spanY = yMax - yMin;
  const sx = spanX > 0 ? w / spanX : 1;
  const sy = spanY > 0 ? hgt / spanY : 1;
  // A zero span is centred: shift the origin by half the plot.
  return {
    left: projectorPadding + (spanX > 0 ? 0 : w / 2),
    top: projectorPadding + (spanY > 0 ? 0 : hgt / 2),
    width: w,
    height: hgt,
    x0: xMin,
    y1: yMax,
    sx,
    sy,
  };
}

/** CSS-pixel position of a data point in `view`. */
export function toPixel(view: ProjectorView, x: number, y: number): [number, number] {
  return [view.left + (x - view.x0) * view.sx, view.top + (view.y1 - y) * view.sy];
}

/** A uniform grid over pixel positions for nearest-point queries (bucket side = the search radius). */
export interface HitGrid {
  readonly cell: number;
  readonly px: Float64Array;
  readonly py: Float64Array;
  readonly buckets: Map<number, number[]>;
}

function key(i: number, j: number): number {
  return i * 65536 + j;
}

/** Indexes the points' pixel positions in `view` into cells of `radius` pixels. O(n). */
export function buildHitGrid(points: Pick<ProjectorPoints, 'xs' | 'ys'>, view: ProjectorView, radius: number): HitGrid {
  const n = points.xs.length;
  const px = new Float64Array(n);
  const py = new Float64Array(n);
  const cell = Math.max(1, radius);
  const buckets = new Map<number, number[]>();
  for (let k = 0; k < n; k++) {
    const [x, y] = toPixel(view, points.xs[k], points.ys[k]);
    px[k] = x;
    py[k] = y;
    const id = key(Math.floor(x / cell), Math.floor(y / cell));
    const list = buckets.get(id);
    if (list) list.push(k);
    else buckets.set(id, [k]);
  }
  return { cell, px, py, buckets };
}

/**
 * The point nearest to pixel (x, y) within the grid's radius, or −1. Equal distances go to the point drawn
 * last (on top). Looks at the 3 × 3 cells around (x, y) only, so a query costs O(points nearby).
 */
export function nearestPoint(grid: HitGrid, x: number, y: number): number {
  const ci = Math.floor(x / grid.cell);
  const cj = Math.floor(y / grid.cell);
  let best = -1;
  let bestD = grid.cell * grid.cell;
  for (let di = -1; di <= 1; di++) {
    for (let dj = -1; dj <= 1; dj++) {
      for (const k of grid.buckets.get(key(ci + di, cj + dj)) ?? []) {
        const d = (grid.px[k] - x) ** 2 + (grid.py[k] - y) ** 2;
        if (d < bestD || (d === bestD && k > best)) {
          best = k;
          bestD = d;
        }
      }
    }
  }
  return best;
}

/**
 * A colour per class that stays distinguishable among neighbours at 1,000 classes: hue = (y · 137.508°) mod 360
 * (the golden angle, so consecutive classes are far apart on the wheel), saturation 70%, lightness cycling through
 * three levels with y mod 3 (darker on light themes, lighter on dark ones). Class is shown on hover; the colour only
 * separates neighbouring clusters.
 */
export function classColour(y: number, dark: boolean): string {
  const hue = (y * 137.50776405003785) % 360;
  const levels = dark ? [62, 72, 52] : [38, 48, 30];
  return `hsl(${hue.toFixed(1)}, 70%, ${levels[((y % 3) + 3) % 3]}%)`;
}

/** The hover text of a point: class name, bucket and eval index (shown as text, never parsed as markup). */
export function pointText(report: Report, label: number, index: number): string {
  const cls = report.classes[label];
  const name = cls?.name ?? `#${label}`;
  return `${name} (${cls?.bucket ?? 'unknown'}-shot)${index >= 0 ? ` · eval example ${index}` : ''}`;
}

/** The caption of a layout: which method, how many points of how many examples, and its parameters. */
export function projectorCaption(report: Report, method: ProjectorMethod): string {
  const p = report.projection;
  if (!p) return '';
  const fmt = (v: number): string => v.toLocaleString('en-US');
  if (method === 'umap' && p.umap) {
    const u = p.umap.params;
    return `UMAP of ${fmt(p.umap.points.length)} of ${fmt(p.total)} eval embeddings (stratified sample: every class while they fit; ${u.nNeighbors} neighbours, min_dist ${u.minDist}, ${u.nEpochs} epochs, seed ${u.seed})`;
  }
  const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
  return `PCA of ${fmt(p.sampled)} of ${fmt(p.total)} eval embeddings (PC1 ${pct(p.explainedVariance[0])}, PC2 ${pct(p.explainedVariance[1])} of variance)`;
}

/** The points in reading order along each axis, for the keyboard (arrow keys walk them). */
export interface KeyboardOrder {
  /** Point indices sorted by pixel x (then y), and by pixel y (then x). */
  readonly byX: Int32Array;
  readonly byY: Int32Array;
  /** Position of each point in byX and in byY. */
  readonly rankX: Int32Array;
  readonly rankY: Int32Array;
}

/** Sorts the grid's pixel positions along x and along y (ties by the other axis, then index). O(n log n). */
export function keyboardOrder(grid: Pick<HitGrid, 'px' | 'py'>): KeyboardOrder {
  const n = grid.px.length;
  const byX = Int32Array.from({ length: n }, (_, k) => k).sort((a, b) => grid.px[a] - grid.px[b] || grid.py[a] - grid.py[b] || a - b);
  const byY = Int32Array.from({ length: n }, (_, k) => k).sort((a, b) => grid.py[a] - grid.py[b] || grid.px[a] - grid.px[b] || a - b);
  const rankX = new Int32Array(n);
  const rankY = new Int32Array(n);
  byX.forEach((k, r) => (rankX[k] = r));
  byY.forEach((k, r) => (rankY[k] = r));
  return { byX, byY, rankX, rankY };
}

/**
 * The point an arrow key moves to from point k: ArrowRight / ArrowLeft the next / previous along x, ArrowDown /
 * ArrowUp along the screen's y (down = larger pixel y); stays at the ends. Null for any other key; the first point
 * along x when k is −1.
 */
export function stepPoint(order: KeyboardOrder, k: number, key: string): number | null {
  const n = order.byX.length;
  if (!n) return null;
  if (k < 0) return ['ArrowRight', 'ArrowLeft', 'ArrowDown', 'ArrowUp'].includes(key) ? order.byX[0] : null;
  const clamp = (r: number): number => Math.min(n - 1, Math.max(0, r));
  if (key === 'ArrowRight') return order.byX[clamp(order.rankX[k] + 1)];
  if (key === 'ArrowLeft') return order.byX[clamp(order.rankX[k] - 1)];
  if (key === 'ArrowDown') return order.byY[clamp(order.rankY[k] + 1)];
  if (key === 'ArrowUp') return order.byY[clamp(order.rankY[k] - 1)];
  return null;
}
