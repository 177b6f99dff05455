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
