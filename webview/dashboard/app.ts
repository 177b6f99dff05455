/**
 * The dashboard shell: header, tabs (VS Code panel) or stacked sections (standalone HTML report), theme
 * re-rendering, state persistence and CSV export. Sections live in ./views; their data shaping in ./model.
 */
import type { Report } from '../../src/protocol/report';
import type { DashboardLayout, DashboardTab } from '../../src/protocol/webviewProtocol';
import { Scope } from './charts';
import { clear, h } from './dom';
import type { ExampleSource } from './exampleSource';
import { frequencyOrder } from './model/series';
import type { StateStore, VsCodeApi } from './state';
import { observeTheme, readPalette } from './theme';
import { classesView } from './views/classesView';
import { compareView } from './views/compareView';
import { confusionView } from './views/confusionView';
import type { SectionView, ViewContext } from './views/context';
import { embeddingsView } from './views/embeddingsView';
import { ExamplesDrawer } from './views/examplesDrawer';
import { overviewView } from './views/overviewView';
import { postHocView } from './views/postHocView';
import { weightsView } from './views/weightsView';
import { probeSummary } from './model/probeSummary';

const sections: readonly (readonly [DashboardTab, SectionView])[] = [
  ['overview', overviewView],
  ['weights', weightsView],
  ['embeddings', embeddingsView],
  ['confusion', confusionView],
  ['postHoc', postHocView],
  ['classes', classesView],
  ['compare', compareView],
];

/** What the dashboard shows. */
export interface DashboardData {
  readonly report: Report;
  readonly compare: Report | null;
  readonly title?: string;
}

/** Renders a report into `root` and keeps it in sync with the theme and the persisted state. */
export class Dashboard {
  private data: DashboardData | null = null;
  private order: number[] = [];
  private readonly scopes = new Map<DashboardTab, Scope>();
  private readonly panels = new Map<DashboardTab, HTMLElement>();
  private readonly tabs = new Map<DashboardTab, HTMLButtonElement>();
  private status: HTMLElement | null = null;
  private renders = 0;
  private readonly drawer: ExamplesDrawer;

  constructor(
    private readonly root: HTMLElement,
    private readonly layout: DashboardLayout,
    private readonly state: StateStore,
    private readonly api: VsCodeApi | null,
    examples: ExampleSource,
  ) {
    this.drawer = new ExamplesDrawer(examples);
    document.body.appendChild(this.drawer.element);
    observeTheme(() => this.rerenderCharts());
    if (layout === 'standalone') {
      let restore: string | null = null;
      let closed: HTMLDetailsElement[] = [];
      window.addEventListener('beforeprint', () => {
        // Print the text alternatives too, and print in light colours.
        closed = Array.from(document.querySelectorAll('details:not([open])'));
        for (const d of closed) d.open = true;
        const cls = document.body.className;
        if (!document.body.classList.contains('vscode-light')) {
          restore = cls;
          document.body.className = cls.replace(/\bvscode-(dark|high-contrast-light|high-contrast|light)\b/g, '').trim() + ' vscode-light';
          this.rerenderCharts();
        }
      });
      window.addEventListener('afterprint', () => {
        for (const d of closed.splice(0)) d.open = false;
        if (restore !== null) {
          document.body.className = restore;
          restore = null;
          this.rerenderCharts();
        }
      });
    }
  }

  /** Shows a report (replacing any previous one). */
  show(data: DashboardData): void {
    const started = performance.now();
    this.data = data;
    this.drawer.hide();
    this.order = frequencyOrder(data.report);
    this.disposeAll();
    clear(this.root);
    this.root.appendChild(this.header(data));
    const available = sections.filter(([, v]) => v.available(data));
    if (this.layout === 'tabs') {
      let active = this.state.get().tab;
      if (!available.some(([id]) => id === active)) active = 'overview';
      this.root.appendChild(this.tabList(available.map(([id]) => id), active));
      for (const [id, view] of available) {
        const panel = h('section', { id: `panel-${id}`, role: 'tabpanel', 'aria-labelledby': `tab-${id}`, class: 'panel', tabindex: 0 });
        panel.hidden = id !== active;
        this.panels.set(id, panel);
        this.root.appendChild(panel);
        void view;
      }
      this.renderSection(active);
    } else {
      for (const [id, view] of available) {
        const panel = h('section', { id: `section-${id}`, class: 'panel standalone', 'aria-labelledby': `heading-${id}` }, h('h2', { id: `heading-${id}` }, view.title));
        this.panels.set(id, panel);
        this.root.appendChild(panel);
        this.renderSection(id);
      }
    }
    this.markRendered(started);
  }

  /** Shows an error instead of a report (as text). */
  showError(message: string): void {
    this.disposeAll();
    clear(this.root);
    this.root.appendChild(h('div', { class: 'empty', role: 'alert' }, h('h1', null, 'Long-Tail Lens'), h('p', null, message)));
  }

  /** Shows a short status message (e.g. the outcome of a CSV export). */
  notify(text: string): void {
    if (this.status) this.status.textContent = text;
  }

  /**
   * The preprocessing that was applied and, for class-named image folders, how folders became classes: a model
   * analysed with the wrong normalisation or class order gives plausible but wrong numbers, so both are always shown.
   */
  private inputsLine(r: DashboardData['report']): HTMLElement {
    const entries = Object.entries(r.preprocessing).map(([k, v]) => `${k} ${Array.isArray(v) ? `[${v.join(', ')}]` : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`);
    const line = h('p', { class: 'meta inputs' }, `Preprocessing: ${entries.length ? entries.join(', ') : 'none (inputs used as stored)'}`);
    const probe = probeSummary(r.preprocessingProbe);
    if (probe) line.appendChild(h('span', { class: probe.warning ? 'warning' : 'muted', title: probe.title }, ` · ${probe.text}`));
    const order = r.data.eval.classOrder;
    if (order) {
      const mapping = order.folders.map((f, k) => `${k} = ${f ?? '(no folder)'}`).join(', ');
      if (order.convention === 'by-name') {
        line.appendChild(h('span', { title: mapping }, ' · classes: image folders matched to the class names by name'));
      } else {
        line.appendChild(h('span', { class: 'warning', title: mapping }, ' · classes: image folders in sorted order (torchvision ImageFolder); if the model uses another class order, set classNames in longtail.json'));
      }
    }
    return line;
  }

  private header(data: DashboardData): HTMLElement {
    const r = data.report;
    this.status = h('span', { class: 'status', role: 'status', 'aria-live': 'polite' });
    const meta = h(
      'p',
      { class: 'meta' },
      'Model ',
      h('code', null, r.model.path),
      ` (${r.model.format}) · eval `,
      h('code', null, r.data.eval.path),
      ` · ${r.summary.numClasses.toLocaleString('en-US')} classes · ${r.summary.evalExamples.toLocaleString('en-US')} examples · ${r.createdAt} · engine ${r.engine.version} (${r.engine.device ?? r.engine.backend})`,
    );
    const header = h('header', { class: 'top' }, h('h1', null, data.title ? `Long-Tail Lens — ${data.title}` : 'Long-Tail Lens report'), meta, this.inputsLine(r), this.status);
    if (this.layout === 'standalone') {
      const nav = h('nav', { class: 'toc', 'aria-label': 'Sections' });
      for (const [id, view] of sections) if (view.available(data)) nav.appendChild(h('a', { href: `#section-${id}` }, view.title));
      const themeSelect = h('select', { 'aria-label': 'Theme' }, ...[['auto', 'Theme: system'], ['vscode-light', 'Light'], ['vscode-dark', 'Dark'], ['vscode-high-contrast', 'High contrast']].map(([v, t]) => h('option', { value: v }, t)));
      themeSelect.addEventListener('change', () => {
        document.body.classList.remove('vscode-light', 'vscode-dark', 'vscode-high-contrast', 'vscode-high-contrast-light');
        document.body.classList.add(themeSelect.value === 'auto' ? systemThemeClass() : themeSelect.value);
      });
      const print = h('button', { type: 'button', class: 'button' }, 'Print');
      print.addEventListener('click', () => window.print());
      header.appendChild(h('div', { class: 'toolbar no-print' }, nav, themeSelect, print));
    }
    return header;
  }

  private tabList(ids: DashboardTab[], active: DashboardTab): HTMLElement {
    const list = h('div', { role: 'tablist', 'aria-label': 'Dashboard sections', class: 'tabs' });
    for (const id of ids) {
      const view = sections.find(([s]) => s === id)![1];
      const tab = h('button', { type: 'button', role: 'tab', id: `tab-${id}`, 'aria-controls': `panel-${id}`, 'aria-selected': String(id === active), tabindex: id === active ? 0 : -1 }, view.title);
      tab.addEventListener('click', () => this.select(id));
      tab.addEventListener('keydown', (e) => {
        const k = ids.indexOf(id);
        const next = e.key === 'ArrowRight' ? ids[(k + 1) % ids.length] : e.key === 'ArrowLeft' ? ids[(k - 1 + ids.length) % ids.length] : e.key === 'Home' ? ids[0] : e.key === 'End' ? ids[ids.length - 1] : null;
        if (next) {
          e.preventDefault();
          this.select(next);
          this.tabs.get(next)?.focus();
        }
      });
      this.tabs.set(id, tab);
      list.appendChild(tab);
    }
    return list;
  }

  private select(id: DashboardTab): void {
    if (this.state.get().tab === id && this.scopes.has(id)) return;
    const started = performance.now();
    this.state.update({ tab: id });
    for (const [tid, tab] of this.tabs) {
      tab.setAttribute('aria-selected', String(tid === id));
      tab.tabIndex = tid === id ? 0 : -1;
    }
    for (const [pid, panel] of this.panels) {
      panel.hidden = pid !== id;
      if (pid !== id) this.disposeSection(pid);
    }
    this.renderSection(id);
    this.markRendered(started);
  }

  private renderSection(id: DashboardTab): void {
    const panel = this.panels.get(id);
    const view = sections.find(([s]) => s === id)?.[1];
    if (!panel || !view || !this.data) return;
    this.disposeSection(id);
    const keep = this.layout === 'standalone' ? panel.querySelector('h2') : null;
    clear(panel);
    if (keep) panel.appendChild(keep);
    const palette = readPalette();
    const scope = new Scope(palette);
    this.scopes.set(id, scope);
    const ctx: ViewContext = {
      report: this.data.report,
      compare: this.data.compare,
      order: this.order,
      scope,
      palette,
      state: this.state,
      layout: this.layout,
      exportCsv: (name, csv, rows) => this.exportCsv(name, csv, rows),
      drillDown: (drill) => {
        if (this.data) this.drawer.show(this.data.report, drill);
      },
    };
    const started = performance.now();
    try {
      view.render(panel, ctx);
      panel.dataset.renderMs = String(Math.round(performance.now() - started));
    } catch (error) {
      panel.appendChild(h('p', { class: 'note note-warn', role: 'alert' }, `This section could not be drawn: ${error instanceof Error ? error.message : String(error)}`));
    }
  }

  /** Theme changed: redraw every rendered section that paints on canvas (tables follow CSS by themselves). */
  private rerenderCharts(): void {
    if (!this.data) return;
    const started = performance.now();
    for (const id of [...this.scopes.keys()]) {
      if (id !== 'classes') this.renderSection(id);
    }
    this.markRendered(started);
  }

  private exportCsv(name: string, csv: string, rows: number): void {
    if (this.api) {
      this.api.postMessage({ type: 'dashboard/exportCsv', suggestedName: name, csv, rows });
      this.notify(`Saving ${rows.toLocaleString('en-US')} rows…`);
      return;
    }
    const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
    const link = h('a', { href: url, download: name, class: 'hidden-link' });
    document.body.appendChild(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
    this.notify(`Downloaded ${name} (${rows.toLocaleString('en-US')} rows).`);
  }

  private markRendered(started: number): void {
    this.renders++;
    document.body.dataset.renderMs = String(Math.round(performance.now() - started));
    document.body.dataset.renderedAt = String(Math.round(performance.now()));
    document.body.dataset.renderCount = String(this.renders);
  }

  private disposeSection(id: DashboardTab): void {
    this.scopes.get(id)?.dispose();
    this.scopes.delete(id);
  }

  private disposeAll(): void {
    for (const id of [...this.scopes.keys()]) this.disposeSection(id);
    this.panels.clear();
    this.tabs.clear();
  }
}

/** `vscode-dark` or `vscode-light` from the OS preference (standalone page). */
export function systemThemeClass(): string {
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'vscode-dark' : 'vscode-light';
}
