/**
 * The chart of a chosen metric across runs over time (x: the report's createdAt, y: the metric), one
 * line per checkpoint, so watch mode's re-analyses of a checkpoint as training writes it draw the tail
 * improving epoch by epoch. Filters: checkpoint and tag. A click on a point opens that run's dashboard.
 * Drawn by chart.js through the dashboard's helpers (charts.ts Scope and axis, theme.ts palette); the
 * points are also listed in a table (the chart's text alternative).
 */
import type { ChartConfiguration } from 'chart.js';
import { runMetrics, type RunMetricId, type RunRow } from '../../src/protocol/runsTable';
import { axis, Scope } from '../dashboard/charts';
import { dataTable, h, textAlternative } from '../dashboard/dom';
import { formatPercent } from '../dashboard/model/format';
import { readPalette } from '../dashboard/theme';
import { filterChoices, metricSeries, type SeriesFilter } from './model/metricSeries';
import { formatLocalTime, localZone, timeAxis } from './model/timeAxis';
import { shortModel } from './runsTableView';

/** What the chart asks of its owner. */
export interface RunsChartActions {
  open(id: string): void;
  choiceChanged(metric: RunMetricId, filter: SeriesFilter): void;
}

/** Renders the chart section into `container` and re-renders on every listing or choice. */
export class RunsChartView {
  private rows: readonly RunRow[] = [];
  private scope: Scope | null = null;

  constructor(
    private readonly container: HTMLElement,
    private metric: RunMetricId,
    private filter: SeriesFilter,
    private readonly actions: RunsChartActions,
  ) {}

  /** Shows a new listing. */
  update(rows: readonly RunRow[]): void {
    this.rows = rows;
    this.render();
  }

  /** Redraws (e.g. in a new theme's colours). */
  render(): void {
    this.scope?.dispose();
    const palette = readPalette();
    const scope = new Scope(palette);
    this.scope = scope;
    const choices = filterChoices(this.rows);
    // A filter whose value no run has any more shows every run (the choice is kept for when it comes back).
    const filter: SeriesFilter = {
      model: this.filter.model !== null && choices.models.includes(this.filter.model) ? this.filter.model : null,
      tag: this.filter.tag !== null && choices.tags.includes(this.filter.tag) ? this.filter.tag : null,
    };

    const metricSelect = h('select', { id: 'runs-metric', 'aria-label': 'Metric' });
    for (const m of runMetrics) metricSelect.appendChild(h('option', { value: m.id, selected: m.id === this.metric }, m.label));
    const modelSelect = h('select', { id: 'runs-model-filter', 'aria-label': 'Checkpoint' }, h('option', { value: '' }, 'every checkpoint'));
    for (const m of choices.models) modelSelect.appendChild(h('option', { value: m, selected: m === filter.model, title: m }, shortModel(m)));
    const tagSelect = h('select', { id: 'runs-tag-filter', 'aria-label': 'Tag' }, h('option', { value: '' }, 'any tag'));
    for (const t of choices.tags) tagSelect.appendChild(h('option', { value: t, selected: t === filter.tag }, t));
    const changed = (): void => {
      const metric = runMetrics.find((m) => m.id === metricSelect.value)?.id ?? this.metric;
      this.metric = metric;
      this.filter = { model: modelSelect.value || null, tag: tagSelect.value || null };
      this.actions.choiceChanged(this.metric, this.filter);
      this.render();
    };
    for (const s of [metricSelect, modelSelect, tagSelect]) s.addEventListener('change', changed);
    const toolbar = h('div', { class: 'toolbar' }, h('label', null, 'Metric ', metricSelect), h('label', null, 'Checkpoint ', modelSelect), h('label', null, 'Tag ', tagSelect));

    const info = runMetrics.find((m) => m.id === this.metric) ?? runMetrics[0];
    const { series, missing } = metricSeries(this.rows, this.metric, filter);
    const points = series.reduce((n, s) => n + s.points.length, 0);
    const note = h(
      'p',
      { class: 'muted', id: 'runs-chart-note' },
      `${info.label} (${info.source}) of ${points} run${points === 1 ? '' : 's'} over time, one line per checkpoint`,
      missing ? `; ${missing} run${missing === 1 ? '' : 's'} without this value left out` : '',
      info.lowerIsBetter ? '; lower is better.' : '; higher is better.',
    );
    const canvas = h('canvas', { id: 'runs-chart', role: 'img', 'aria-label': `${info.label} across runs over time` });
    const box = h('div', { class: 'chart-box runs-chart-box' }, canvas);
    // Every metric is a fraction in [0, 1].
    const fmt = (v: number): string => formatPercent(v, 2);
    const altRows = series.flatMap((s) => s.points.map((p) => [formatLocalTime(p.x), shortModel(s.model), p.folder, fmt(p.y)] as const));
    const alt = textAlternative('Chart data as a table', dataTable(info.label, [`time (${localZone(Date.now())})`, 'checkpoint', 'run', info.label], altRows));
    this.container.replaceChildren(h('h2', null, 'Over time'), toolbar, note, box, alt);
    if (points === 0) {
      box.replaceChildren(h('p', { class: 'muted empty-chart' }, 'No run has this value with the chosen filters.'));
      return;
    }

    const xs = series.flatMap((s) => s.points.map((p) => p.x));
    const time = timeAxis(Math.min(...xs), Math.max(...xs), 6);
    const tickLabels = new Map(time.ticks.map((t, i) => [t, time.labels[i]]));
    const colours = [palette.bucket.many, palette.bucket.medium, palette.bucket.few, palette.good, palette.bad, palette.heat, palette.fg];
    const config: ChartConfiguration<'line', { x: number; y: number }[]> = {
      type: 'line',
      data: {
        datasets: series.map((s, i) => ({
          label: shortModel(s.model),
          data: s.points.map((p) => ({ x: p.x, y: p.y })),
          borderColor: colours[i % colours.length],
          backgroundColor: colours[i % colours.length],
          borderWidth: palette.highContrast ? 3 : 2,
          pointRadius: 4,
          pointHoverRadius: 6,
          tension: 0,
        })),
      },
      options: {
        parsing: false,
        interaction: { mode: 'nearest', intersect: true },
        scales: {
          // Ticks on round local times, each label distinct (model/timeAxis.ts), not chart.js's own.
          x: axis(palette, `time (createdAt, ${localZone(time.min)})`, {
            type: 'linear',
            min: time.min,
            max: time.max,
            afterBuildTicks: (scale: { ticks: { value: number }[] }) => {
              scale.ticks = time.ticks.map((value) => ({ value }));
            },
            ticks: { color: palette.muted, autoSkip: false, maxRotation: 0, callback: (v: number | string) => tickLabels.get(Number(v)) ?? '' },
          }),
          y: axis(palette, info.label, { ticks: { color: palette.muted, callback: (v: number | string) => fmt(Number(v)) } }),
        },
        plugins: {
          tooltip: {
            callbacks: {
              title: (items) => (items[0] ? `${formatLocalTime(items[0].parsed.x ?? 0)} (${localZone(items[0].parsed.x ?? 0)})` : ''),
              label: (item) => {
                const s = series[item.datasetIndex];
                const p = s?.points[item.dataIndex];
                return p ? `${p.folder}: ${fmt(p.y)}` : '';
              },
            },
          },
        },
        onClick: (_event, elements) => {
          const e = elements[0];
          const p = e ? series[e.datasetIndex]?.points[e.index] : undefined;
          if (p) this.actions.open(p.id);
        },
      },
    };
    scope.chart(canvas, config);
  }
}
