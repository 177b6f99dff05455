/** Page object: the runs table panel (webview/runs: the table of every run, tag editing, the chart over time). */
import { expect, type FrameLocator, type Locator, type Page } from '@playwright/test';
import { screenshotTo } from '../harness/artifacts';
import { DashboardWebview } from './dashboardWebview';
import type { Notifications } from './notifications';

/** The column header buttons (`data-sort-key`). */
export type RunsColumn = 'time' | 'model' | 'loss' | 'scope' | 'balancedError' | 'manyError' | 'mediumError' | 'fewError' | 'tags';

/** The runs table panel: its document inside VS Code's two webview iframes. */
export class RunsTableWebview {
  readonly web: FrameLocator;
  readonly frame: Locator;

  private constructor(private readonly webview: DashboardWebview) {
    this.web = webview.web;
    this.frame = webview.frame;
  }

  /** The open runs table (the webview whose document has `#runs-table`); fails fast on an error notification. */
  static async find(page: Page, notifications: Notifications, timeoutMs = 60_000): Promise<RunsTableWebview> {
    return new RunsTableWebview(await DashboardWebview.find(page, notifications, '#runs-table', timeoutMs));
  }

  /** The body rows, in the order shown. */
  get rows(): Locator {
    return this.web.locator('#runs-table tbody tr.run');
  }

  /** The row of a run folder. */
  row(folder: string): Locator {
    return this.web.locator(`#runs-table tbody tr.run[data-folder="${folder}"]`);
  }

  /** The run folders in the order shown. */
  async folders(): Promise<string[]> {
    return this.rows.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-folder') ?? ''));
  }

  /** A column's header cell (`th`, with `aria-sort`). */
  header(column: RunsColumn): Locator {
    return this.web.locator('#runs-table thead th', { has: this.web.locator(`button[data-sort-key="${column}"]`) });
  }

  /** Clicks a column's sort button. */
  async sortBy(column: RunsColumn): Promise<void> {
    await this.header(column).locator('button').click();
  }

  /** The tags shown in a run's row. */
  async tags(folder: string): Promise<string[]> {
    return this.row(folder).locator('.tag .tag-text').allTextContents();
  }

  /** Opens a run's tag box ("+ tag") and returns its input, focused. */
  async openTagBox(folder: string): Promise<Locator> {
    await this.row(folder).locator('button.tag-add').click();
    const input = this.row(folder).locator('input.tag-input');
    await expect(input).toBeFocused({ timeout: 10_000 });
    return input;
  }

  /** Adds a tag in the table: "+ tag", type, Enter. */
  async addTag(folder: string, tag: string): Promise<void> {
    const input = await this.openTagBox(folder);
    await input.fill(tag);
    await input.press('Enter');
  }

  /** Removes a tag with its × button. */
  async removeTag(folder: string, tag: string): Promise<void> {
    await this.row(folder).locator('.tag', { hasText: tag }).locator('button.tag-remove').click();
  }

  /** The line shown instead of runs (Restricted Mode, no folder open). */
  get notice(): Locator {
    return this.web.locator('#runs-notice');
  }

  /** The notes on what the listing left out (limits, links out of the workspace). */
  get notes(): Locator {
    return this.web.locator('#runs-notes li');
  }

  /** The chart canvas. */
  get chart(): Locator {
    return this.web.locator('#runs-chart');
  }

  /** The line under the chart's filters (`balanced error (…) of 3 runs over time, …`). */
  get chartNote(): Locator {
    return this.web.locator('#runs-chart-note');
  }

  /** The chart's points as the rows of its text alternative (time, checkpoint, run, value), oldest first per checkpoint. */
  get chartPoints(): Locator {
    return this.web.locator('.runs-chart-section details.alt tbody tr');
  }

  /** Fails unless the chart has been drawn (pixels read back, as for the dashboard's charts); returns a summary. */
  expectChartDrawn(): Promise<string> {
    return this.webview.expectCanvasDrawn(this.chart, 'the runs chart');
  }

  /** Screenshot of this webview: test/e2e/artifacts/vscode/<name>.png. */
  async screenshot(name: string): Promise<string> {
    return screenshotTo(this.frame, name);
  }
}
