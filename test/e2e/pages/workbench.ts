/** Page object: the VS Code workbench that code-server serves, opened on a folder. */
import { expect, type Locator, type Page } from '@playwright/test';
import { screenshotTo } from '../harness/artifacts';
import { log, secondsSince } from '../harness/log';
import type { ServerInfo } from '../harness/state';
import { CommandPalette, exactly } from './commandPalette';
import { DashboardWebview } from './dashboardWebview';
import { Notifications } from './notifications';
import { QuickInput } from './quickInput';
import { RunsView } from './runsView';

/** The title prefix of the extension's dashboard tabs (`Long-Tail: <run folder>`). */
export const DASHBOARD_TAB_PREFIX = 'Long-Tail:';

/** One workbench page. */
export class Workbench {
  readonly palette: CommandPalette;
  readonly quickInput: QuickInput;
  readonly notifications: Notifications;
  readonly runsView: RunsView;

  constructor(
    readonly page: Page,
    readonly server: ServerInfo,
  ) {
    this.palette = new CommandPalette(page);
    this.quickInput = new QuickInput(page);
    this.notifications = new Notifications(page);
    this.runsView = new RunsView(page);
  }

  /**
   * Opens the workbench on `folder` and waits until it is drawn. `viewport` is set first: the workbench does
   * not relayout when the viewport changes after it loaded.
   */
  async open(folder: string, { query = '', viewport }: { query?: string; viewport?: { width: number; height: number } } = {}): Promise<void> {
    const started = Date.now();
    if (viewport) await this.page.setViewportSize(viewport);
    await this.page.goto(`${this.server.url}/?folder=${encodeURIComponent(folder)}${query}`);
    await this.ready();
    log(`  workbench visible after ${secondsSince(started)} s`);
  }

  /** Waits until the workbench is drawn (its status bar shows). */
  async ready(): Promise<void> {
    await expect(this.page.locator('.monaco-workbench .part.statusbar')).toBeVisible({ timeout: 90_000 });
  }

  /** "Developer: Reload Window", then waits for the reloaded workbench. */
  async reloadWindow(): Promise<void> {
    const started = Date.now();
    const loaded = this.page.waitForEvent('load', { timeout: 60_000 });
    await this.palette.run('Developer: Reload Window');
    await loaded;
    await this.ready();
    log(`  window reloaded in ${secondsSince(started)} s`);
  }

  /** The status bar item whose text contains `text`. */
  statusBarItem(text: string | RegExp): Locator {
    return this.page.locator('.part.statusbar .statusbar-item', { hasText: text }).first();
  }

  /** The editor tabs whose title starts with `prefix` (all editor groups). */
  editorTabs(prefix: string): Locator {
    return this.page.locator('.part.editor .tabs-container .tab').filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^\\s*${prefix.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`) }) });
  }

  /** The editor tab titled exactly `title` (the first, in any group). */
  editorTab(title: string): Locator {
    return this.page.locator('.part.editor .tabs-container .tab').filter({ has: this.page.locator('.label-name', { hasText: exactly(title) }) }).first();
  }

  /** The titles of the editor tabs whose title starts with `prefix`, in DOM order. */
  async editorTabTitles(prefix: string): Promise<string[]> {
    return (await this.editorTabs(prefix).locator('.label-name').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
  }

  /** The webviews open now (their outer iframes). */
  get webviews(): Locator {
    return this.page.locator('iframe.webview.ready');
  }

  /** The headings (h1) of every open webview's document, in DOM order. */
  async webviewHeadings(): Promise<string[]> {
    const headings: string[] = [];
    const n = await this.webviews.count();
    for (let i = 0; i < n; i++) {
      const web = this.webviews.nth(i).contentFrame().locator('iframe#active-frame').contentFrame();
      headings.push(...(await web.locator('h1').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim()));
    }
    return headings;
  }

  /** The dashboard webview whose document has `selector` (see DashboardWebview.find). */
  dashboard(selector: string, timeoutMs = 60_000): Promise<DashboardWebview> {
    return DashboardWebview.find(this.page, this.notifications, selector, timeoutMs);
  }

  /** Screenshot of the whole window: test/e2e/artifacts/vscode/<name>.png. */
  screenshot(name: string): Promise<string> {
    return screenshotTo(this.page, name);
  }
}
