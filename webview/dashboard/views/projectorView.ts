/**
 * The embedding projector: PCA | UMAP, coloured by bucket or by class, drawn on one canvas (no element per point;
 * 5,000 points redraw in a few ms), hover shows class and example as text, a click opens that example.
 */
import { bucketNames, type Bucket } from '../../../src/protocol/report';
import { dataTable, h, textAlternative } from '../dom';
import { pointDrillDown } from '../model/drillDown';
import { formatNumber } from '../model/format';
import {
  buildHitGrid,
  classColour,
  fitView,
  keyboardOrder,
  nearestPoint,
  pointText,
  projectorCaption,
  projectorMethods,
  projectorPoints,
  stepPoint,
  toPixel,
  type HitGrid,
  type KeyboardOrder,
  type ProjectorColouring,
  type ProjectorMethod,
  type ProjectorPoints,
  type ProjectorView,
} from '../model/projector';
import { withAlpha } from '../theme';
import { note, type ViewContext } from './context';

/** Height of the plot in CSS pixels. */
const plotHeight = 420;
/** Hover and click pick the nearest point within this many CSS pixels. */
const hitRadius = 8;

/** The last layout and colouring picked in this webview, kept when the section is drawn again (theme switch, resize). */
const remembered: { method?: ProjectorMethod; colouring?: ProjectorColouring } = {};

/** A row of toggle buttons (aria-pressed); calls `onPick` with the chosen value. */
function toggleGroup<T extends string>(label: string, options: readonly { value: T; text: string; disabled?: string }[], current: T, onPick: (v: T) => void): HTMLElement {
  const group = h('div', { class: 'toggle-group', role: 'group', 'aria-label': label }, h('span', { class: 'muted' }, `${label}:`));
  const buttons = options.map((o) => {
    const b = h('button', { class: 'button toggle', type: 'button', 'data-value': o.value, 'aria-pressed': o.value === current ? 'true' : 'false', disabled: o.disabled !== undefined, title: o.disabled }, o.text);
    b.addEventListener('click', () => {
      for (const other of buttons) other.setAttribute('aria-pressed', other === b ? 'true' : 'false');
      onPick(o.value);
    });
    return b;
  });
  for (const b of buttons) group.appendChild(b);
  return group;
}

/** The projector figure, or a note when the report has no projection. */
export function projectorFigure(ctx: ViewContext): HTMLElement {
  const { report } = ctx;
  const methods = projectorMethods(report);
  if (!methods.length) return note('info', 'This report has no projection of the embeddings.');
  let method: ProjectorMethod = remembered.method && methods.includes(remembered.method) ? remembered.method : methods.includes('umap') ? 'umap' : 'pca';
  let colouring: ProjectorColouring = remembered.colouring ?? 'bucket';
  let points = projectorPoints(report, method) as ProjectorPoints;
  let view: ProjectorView | null = null;
  let grid: HitGrid | null = null;
  let keys: KeyboardOrder | null = null;
  let hover = -1;
  let size = { width: 0, height: plotHeight };
  const base = document.createElement('canvas');

  const canvas = h('canvas', { class: 'projector', role: 'img', tabindex: 0, 'aria-label': '' });
  const tip = h('div', { class: 'projector-tip', role: 'tooltip', hidden: true });
  const box = h('div', { class: 'projector-box' }, canvas, tip);
  const caption = h('figcaption', null, '');
  const legend = h('div', { class: 'legend projector-legend' });
  const readout = h('p', { class: 'readout', 'aria-live': 'polite' }, 'Hover a point to see its class and example; click it to open the example.');
  const alt = h('div');
  const umapMissing = methods.includes('umap') ? undefined : 'This report has no UMAP layout: analyse again (longtail.umapPoints > 0, or analyse --umap-points).';
  const toolbar = h(
    'div',
    { class: 'toolbar' },
    toggleGroup('Layout', [{ value: 'pca', text: 'PCA' }, { value: 'umap', text: 'UMAP', disabled: umapMissing }], method, (v) => {
      method = v;
      remembered.method = v;
      points = projectorPoints(report, method) as ProjectorPoints;
      hover = -1;
      refresh();
    }),
    toggleGroup('Colour', [{ value: 'bucket', text: 'Bucket' }, { value: 'class', text: 'Class' }], colouring, (v) => {
      colouring = v;
      remembered.colouring = v;
      refresh();
    }),
  );
  const figure = h('figure', { class: 'chart projector-figure', 'data-method': method }, caption, toolbar, box, legend, readout, alt);

  const colourOf = (k: number, dark: boolean): string => (colouring === 'class' ? classColour(points.labels[k], dark) : ctx.palette.bucket[points.buckets[k]]);

  /** Draws every point into the offscreen base canvas (once per layout, colouring, size or theme). */
  const drawBase = (): void => {
    const p = ctx.palette;
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(240, box.clientWidth || 700);
    size = { width, height: plotHeight };
    for (const c of [base, canvas]) {
      c.width = Math.round(width * dpr);
      c.height = Math.round(plotHeight * dpr);
    }
    canvas.style.width = `${width}px`;
    canvas.style.height = `${plotHeight}px`;
    view = fitView(points, width, plotHeight);
    const hits = buildHitGrid(points, view, hitRadius);
    grid = hits;
    keys = null;
    const g = base.getContext('2d');
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, width, plotHeight);
    g.strokeStyle = p.border;
    g.lineWidth = 1;
    g.strokeRect(0.5, 0.5, width - 1, plotHeight - 1);
    const dark = document.body.classList.contains('vscode-dark') || document.body.classList.contains('vscode-high-contrast');
    const n = points.xs.length;
    const radius = n > 3000 ? 1.8 : 2.4;
    const alpha = p.highContrast ? 1 : 0.75;
    // One path per run of equal colour (points are sorted by bucket, then class).
    let k = 0;
    while (k < n) {
      const colour = colourOf(k, dark);
      g.fillStyle = withAlpha(colour, alpha);
      g.beginPath();
      for (; k < n && colourOf(k, dark) === colour; k++) {
        const x = hits.px[k];
        const y = hits.py[k];
        g.moveTo(x + radius, y);
        g.arc(x, y, radius, 0, 2 * Math.PI);
      }
      g.fill();
    }
  };

  /** Copies the base and rings the hovered point. */
  const drawOverlay = (): void => {
    const g = canvas.getContext('2d');
    if (!g) return;
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.clearRect(0, 0, canvas.width, canvas.height);
    g.drawImage(base, 0, 0);
    if (hover >= 0 && grid) {
      const dpr = window.devicePixelRatio || 1;
      g.setTransform(dpr, 0, 0, dpr, 0, 0);
      g.strokeStyle = ctx.palette.fg;
      g.lineWidth = 2;
      g.beginPath();
      g.arc(grid.px[hover], grid.py[hover], 5, 0, 2 * Math.PI);
      g.stroke();
    }
  };

  const refresh = (): void => {
    figure.setAttribute('data-method', method);
    figure.setAttribute('data-colouring', colouring);
    caption.textContent = projectorCaption(report, method);
    canvas.setAttribute(
      'aria-label',
      `${method === 'umap' ? 'UMAP' : 'PCA'} scatter of ${points.xs.length} eval embeddings coloured by ${colouring}; hover a point for its class and example, click to open it; or use the arrow keys to walk the points and Enter to open one. The table below summarises it.`,
    );
    legend.replaceChildren(
      ...(colouring === 'bucket'
        ? bucketNames.map((b) => h('span', null, h('span', { class: `swatch swatch-${b}` }), ` ${b} (${points.counts[b].toLocaleString('en-US')})`))
        : [h('span', null, `One hue per class (${new Set(points.labels).size.toLocaleString('en-US')} classes; neighbouring classes differ in hue and lightness). Hover a point to name its class.`)]),
    );
    alt.replaceChildren(
      textAlternative(
        'Data: projected points per bucket',
        dataTable(
          `${method === 'umap' ? 'UMAP' : 'PCA'} points per bucket`,
          ['Bucket', 'Points', 'Mean x', 'Mean y'],
          bucketNames.map((b: Bucket) => {
            let sx = 0;
            let sy = 0;
            let c = 0;
            points.buckets.forEach((q, k) => {
              if (q === b) {
                sx += points.xs[k];
                sy += points.ys[k];
                c++;
              }
            });
            return [b, c, c ? formatNumber(sx / c, 3) : '—', c ? formatNumber(sy / c, 3) : '—'];
          }),
        ),
      ),
    );
    drawBase();
    drawOverlay();
  };

  const pick = (e: MouseEvent): number => {
    if (!grid) return -1;
    const r = canvas.getBoundingClientRect();
    // The canvas may be scaled by CSS (zoom); map to its own CSS pixel space.
    const x = ((e.clientX - r.left) * size.width) / (r.width || size.width);
    const y = ((e.clientY - r.top) * size.height) / (r.height || size.height);
    return nearestPoint(grid, x, y);
  };
  /** Rings point k (−1: none) and shows its text in the tooltip and the live readout. */
  const show = (k: number): void => {
    if (k !== hover) {
      hover = k;
      drawOverlay();
    }
    if (k < 0 || !grid) {
      tip.hidden = true;
      canvas.style.cursor = '';
      return;
    }
    const text = pointText(report, points.labels[k], points.indices[k]);
    tip.textContent = text;
    tip.hidden = false;
    canvas.style.cursor = points.indices[k] >= 0 ? 'pointer' : '';
    const [x, y] = toPixel(view as ProjectorView, points.xs[k], points.ys[k]);
    tip.style.left = `${Math.min(Math.max(0, x + 10), Math.max(0, size.width - 260))}px`;
    tip.style.top = `${Math.max(0, y - 30)}px`;
    readout.textContent = text;
  };
  canvas.addEventListener('mousemove', (e) => show(pick(e)));
  canvas.addEventListener('keydown', (e) => {
    if (!grid) return;
    if (e.key === 'Enter' && hover >= 0 && points.indices[hover] >= 0) {
      ctx.drillDown(pointDrillDown(report, points.indices[hover], points.labels[hover]));
      return;
    }
    keys ??= keyboardOrder(grid);
    const next = stepPoint(keys, hover, e.key);
    if (next === null) return;
    e.preventDefault();
    show(next);
  });
  canvas.addEventListener('blur', () => show(-1));
  canvas.addEventListener('mouseleave', () => {
    hover = -1;
    tip.hidden = true;
    drawOverlay();
  });
  canvas.addEventListener('click', (e) => {
    const k = pick(e);
    if (k >= 0 && points.indices[k] >= 0) ctx.drillDown(pointDrillDown(report, points.indices[k], points.labels[k]));
  });
  const ro = new ResizeObserver(() => {
    if (Math.max(240, box.clientWidth || 700) !== size.width) {
      drawBase();
      drawOverlay();
    }
  });
  ro.observe(box);
  ctx.scope.onDispose(() => ro.disconnect());
  refresh();
  requestAnimationFrame(() => {
    drawBase();
    drawOverlay();
  });
  return figure;
}
