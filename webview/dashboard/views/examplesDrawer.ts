/**
 * The drill-down panel: the eval examples behind a class, a confusion cell or a projected point, as thumbnails
 * (image datasets) or index / label / prediction rows (feature datasets), with Open and Reveal for image files.
 */
import type { Report } from '../../../src/protocol/report';
import { clear, h } from '../dom';
import type { ExampleSource } from '../exampleSource';
import { formatPercent } from '../model/format';
import type { DrillDown } from '../model/drillDown';
import { className } from './context';

const svgNs = 'http://www.w3.org/2000/svg';

/** The class's precision–recall curve (step-wise, as stored: ≤ 24 points) and its AP, or null without one. */
function prFigure(report: Report, y: number): HTMLElement | null {
  const cls = report.classes[y];
  const curve = cls?.prCurve;
  if (!curve || curve.length === 0 || cls.averagePrecision === undefined || cls.averagePrecision === null) return null;
  const w = 220;
  const hgt = 140;
  const pad = 24;
  const sx = (r: number): number => pad + r * (w - pad - 6);
  const sy = (p: number): number => hgt - pad - p * (hgt - pad - 6);
  // Steps: precision P_n holds from R_{n−1} to R_n (the AP sum's rectangles).
  let d = `M ${sx(0)} ${sy(curve[0][1])}`;
  for (const [r, p] of curve) d += ` H ${sx(r)} V ${sy(p)}`;
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('viewBox', `0 0 ${w} ${hgt}`);
  svg.setAttribute('width', String(w));
  svg.setAttribute('height', String(hgt));
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `Precision–recall curve of class ${cls.name}: average precision ${cls.averagePrecision.toFixed(3)}`);
  const axes = document.createElementNS(svgNs, 'path');
  axes.setAttribute('d', `M ${sx(0)} ${sy(1)} V ${sy(0)} H ${sx(1)}`);
  axes.setAttribute('class', 'pr-axes');
  const line = document.createElementNS(svgNs, 'path');
  line.setAttribute('d', d);
  line.setAttribute('class', 'pr-line');
  const label = (x: number, yy: number, text: string, anchor: string): SVGTextElement => {
    const t = document.createElementNS(svgNs, 'text');
    t.setAttribute('x', String(x));
    t.setAttribute('y', String(yy));
    t.setAttribute('text-anchor', anchor);
    t.textContent = text;
    return t;
  };
  svg.append(axes, line, label(sx(1), hgt - 6, 'recall 1', 'end'), label(sx(0), hgt - 6, '0', 'middle'), label(pad - 4, sy(1) + 4, '1', 'end'), label(pad + 4, sy(1) + 10, 'precision', 'start'));
  return h('figure', { class: 'pr-curve' }, svg, h('figcaption', null, `Average precision ${cls.averagePrecision.toFixed(3)} (one-vs-rest on the softmax scores)`));
}

/** One drawer per dashboard; `show` replaces what it shows. */
export class ExamplesDrawer {
  readonly element: HTMLElement;
  private readonly heading: HTMLElement;
  private readonly body: HTMLElement;
  private generation = 0;

  constructor(private readonly source: ExampleSource) {
    this.heading = h('h2', { id: 'drilldown-title' });
    const close = h('button', { type: 'button', class: 'button', 'aria-label': 'Close examples' }, 'Close');
    close.addEventListener('click', () => this.hide());
    this.body = h('div', { class: 'drilldown-body' });
    this.element = h('aside', { class: 'drilldown', role: 'dialog', 'aria-labelledby': 'drilldown-title', tabindex: -1 }, h('div', { class: 'drilldown-head' }, this.heading, close), this.body);
    this.element.hidden = true;
    this.element.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.hide();
    });
  }

  hide(): void {
    this.generation++;
    this.element.hidden = true;
  }

  /** Shows a drill-down; thumbnails fill in when the source answers. */
  show(report: Report, drill: DrillDown): void {
    const generation = ++this.generation;
    this.heading.textContent = drill.title;
    clear(this.body);
    this.element.hidden = false;
    this.element.dataset.state = 'loading';
    this.body.appendChild(h('p', { class: 'meta' }, drill.note));
    if (drill.classIndex !== undefined) {
      const pr = prFigure(report, drill.classIndex);
      if (pr) this.body.appendChild(pr);
    }
    const grid = h('div', { class: 'drilldown-grid' });
    this.body.appendChild(grid);
    this.element.focus();
    if (drill.items.length === 0) {
      this.element.dataset.state = 'empty';
      return;
    }
    const cards = new Map<number, { figure: HTMLElement; art: HTMLElement }>();
    for (const item of drill.items) {
      const art = h('div', { class: 'thumb placeholder', 'aria-hidden': 'true' });
      const caption = h(
        'figcaption',
        null,
        h('strong', null, `#${item.index}`),
        ` · true ${className(report, item.label)}`,
        item.predicted !== null ? h('br') : null,
        item.predicted !== null ? `predicted ${className(report, item.predicted)}${item.confidence !== null ? ` (${formatPercent(item.confidence)})` : ''}` : null,
      );
      const figure = h('figure', { class: 'example', 'data-index': item.index }, art, caption);
      cards.set(item.index, { figure, art });
      grid.appendChild(figure);
    }
    void this.source.fetch(drill.items.map((i) => i.index)).then((lookup) => {
      if (generation !== this.generation) return;
      if (lookup.error) this.body.insertBefore(h('p', { class: 'note note-warn', role: 'alert' }, `Could not read the examples: ${lookup.error}`), grid);
      else if (lookup.isFeatures) this.body.insertBefore(h('p', { class: 'meta' }, 'A feature dataset: no images to show.'), grid);
      for (const [index, card] of cards) {
        const example = lookup.examples.get(index);
        if (example?.thumbnail) {
          const img = h('img', { class: 'thumb', src: example.thumbnail, alt: `eval example ${index}` });
          card.art.replaceWith(img);
        }
        if (example?.file && this.source.open) {
          const file = example.file;
          const open = this.source.open;
          const openButton = h('button', { type: 'button', class: 'button small' }, 'Open');
          openButton.addEventListener('click', () => open(file, 'open'));
          const reveal = h('button', { type: 'button', class: 'button small' }, 'Reveal in Explorer');
          reveal.addEventListener('click', () => open(file, 'reveal'));
          card.figure.appendChild(h('div', { class: 'example-actions', title: file }, openButton, reveal));
        }
      }
      this.element.dataset.state = 'ready';
    });
  }
}
