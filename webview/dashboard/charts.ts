/**
 * chart.js setup: only the controllers, elements, scales and plugins the dashboard uses are registered
 * (tree-shaken bundle; no chart.js/auto), with theme-derived defaults and no animation (fast at 8k classes).
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  ScatterController,
  Tooltip,
  type ChartConfiguration,
  type ChartType,
} from 'chart.js';
import type { Palette } from './theme';

Chart.register(BarController, BarElement, CategoryScale, Filler, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, ScatterController, Tooltip);

/** Owns what a section created (charts, observers, listeners) so it can be torn down and re-rendered. */
export class Scope {
  private readonly charts: Chart[] = [];
  private readonly disposers: (() => void)[] = [];

  constructor(readonly palette: Palette) {}

  /** Creates a chart on `canvas` with the palette's colours; destroyed with the scope. */
  chart<T extends ChartType>(canvas: HTMLCanvasElement, config: ChartConfiguration<T>): Chart<T> {
    const p = this.palette;
    Chart.defaults.color = p.fg;
    Chart.defaults.borderColor = p.grid;
    Chart.defaults.font.family = p.fontFamily;
    Chart.defaults.font.size = Math.max(11, Math.min(14, p.fontSize - 1));
    const options = (config.options ?? {}) as Record<string, unknown>;
    const merged = {
      ...config,
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        normalized: true,
        ...options,
        plugins: {
          ...(options.plugins as object),
          legend: { labels: { color: p.fg, boxWidth: 12 }, ...((options.plugins as { legend?: object } | undefined)?.legend ?? {}) },
          tooltip: {
            backgroundColor: p.bg,
            titleColor: p.fg,
            bodyColor: p.fg,
            borderColor: p.border,
            borderWidth: 1,
            ...((options.plugins as { tooltip?: object } | undefined)?.tooltip ?? {}),
          },
        },
      },
    } as ChartConfiguration<T>;
    const chart = new Chart<T>(canvas, merged);
    this.charts.push(chart as unknown as Chart);
    return chart;
  }

  /** Registers a teardown step. */
  onDispose(fn: () => void): void {
    this.disposers.push(fn);
  }

  /** Destroys every chart and runs every teardown step. */
  dispose(): void {
    for (const c of this.charts.splice(0)) c.destroy();
    for (const d of this.disposers.splice(0)) d();
  }
}

/** Standard axis options: themed title, grid and ticks. */
export function axis(p: Palette, title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: { display: true, text: title, color: p.fg },
    grid: { color: p.grid },
    ticks: { color: p.muted },
    border: { color: p.border },
    ...extra,
  };
}
