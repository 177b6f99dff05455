/** Page object: the extension's dashboard webview (webview/dashboard, inside VS Code's webview iframes). */
import { expect, type FrameLocator, type Locator, type Page } from '@playwright/test';
import { screenshotTo } from '../harness/artifacts';
import { sleep } from '../harness/log';
import type { Notifications } from './notifications';

/** Dashboard tabs (#tab-<id>, #panel-<id>). */
export type DashboardTab = 'overview' | 'weights' | 'embeddings' | 'confusion' | 'postHoc' | 'classes' | 'compare';

/**
 * One dashboard. A webview is two nested iframes: VS Code's host page (`iframe.webview.ready`, served by
 * code-server) and the extension's document inside it (`iframe#active-frame`).
 */
export class DashboardWebview {
  constructor(
    /** The extension's document. */
    readonly web: FrameLocator,
    /** The outer iframe (for screenshots). */
    readonly frame: Locator,
  ) {}

  /**
   * The webview whose document has an element matching `selector` (several may be open: a restored dashboard,
   * the fine-tune panel, a compare dashboard); fails at once on an error notification from the extension or
   * when a dashboard shows its error view instead.
   */
  static async find(page: Page, notifications: Notifications, selector: string, timeoutMs = 60_000): Promise<DashboardWebview> {
    const started = Date.now();
    let errorRounds = 0;
    for (;;) {
      const outer = page.locator('iframe.webview.ready');
      const n = await outer.count();
      const alerts: string[] = [];
      for (let i = n - 1; i >= 0; i--) {
        const web = outer.nth(i).contentFrame().locator('iframe#active-frame').contentFrame();
        // A webview that is still loading has no inner document yet: it counts as not matching this round.
        if ((await web.locator(selector).count()) > 0) return new DashboardWebview(web, outer.nth(i));
        alerts.push(...(await web.locator('.empty[role="alert"]').allTextContents()));
      }
      // The dashboard's error view (e.g. a report it refused; the same view says "Loading report…" until the
      // report arrives): an error that stays for 3 rounds fails now with its message, not after the timeout.
      const errors = alerts.map((a) => a.replace(/\s+/g, ' ').trim()).filter((a) => !a.includes('Loading report'));
      errorRounds = errors.length ? errorRounds + 1 : 0;
      if (errorRounds >= 3) throw new Error(`no webview shows ${selector}; a dashboard shows an error instead: ${errors.join(' | ')}`);
      await notifications.failOnExtensionError();
      if (Date.now() - started > timeoutMs) throw new Error(`no webview shows ${selector} within ${timeoutMs / 1000} s (${n} webview(s) open)`);
      await sleep(300);
    }
  }

  /** The Overview's balanced-error card value (`18.3%`). */
  get balancedError(): Locator {
    return this.web.locator('#panel-overview .card-primary .card-value');
  }

  /** The Overview's bucket card titles (`Many-shot (n > 50)`, …). */
  get bucketTitles(): Locator {
    return this.web.locator('#panel-overview .card-bucket .card-title');
  }

  /** The header's meta line (`Model … · engine 0.1.0 (<report.engine.device>)`). */
  get metaLine(): Locator {
    return this.web.locator('header.top p.meta').first();
  }

  /** The heading (`Long-Tail Lens — <run>`). */
  get heading(): Locator {
    return this.web.locator('h1').first();
  }

  /** Clicks a tab and waits until its panel is shown and rendered. */
  async selectTab(id: DashboardTab): Promise<void> {
    await this.web.locator(`#tab-${id}`).click({ timeout: 15_000 });
    await expect(this.web.locator(`#tab-${id}`)).toHaveAttribute('aria-selected', 'true', { timeout: 15_000 });
    await expect(this.web.locator(`#panel-${id}[data-render-ms]`)).toBeVisible({ timeout: 30_000 });
  }

  /**
   * Reads a canvas's pixels and fails unless something was drawn: at least 0.5 % of its pixels painted
   * (chart.js leaves the background transparent) in at least 3 colours. Returns a summary.
   */
  async expectCanvasDrawn(canvas: Locator, what: string, timeoutMs = 20_000): Promise<string> {
    let stats = { width: 0, height: 0, painted: 0, colours: 0 };
    await expect
      .poll(
        async () => {
          stats = await canvas.evaluate((c) => {
            const { width, height } = c;
            if (!width || !height) return { width, height, painted: 0, colours: 0 };
            const data = c.getContext('2d').getImageData(0, 0, width, height).data;
            let painted = 0;
            const colours = new Set<number>();
            for (let i = 0; i < data.length; i += 4) {
              if (data[i + 3] > 0) {
                painted++;
                if (colours.size < 64) colours.add((data[i] >> 4) * 256 + (data[i + 1] >> 4) * 16 + (data[i + 2] >> 4));
              }
            }
            return { width, height, painted, colours: colours.size };
          });
          return stats.painted >= 0.005 * stats.width * stats.height && stats.colours >= 3;
        },
        { message: `${what} is drawn (≥ 0.5 % of pixels painted, ≥ 3 colours)`, timeout: timeoutMs },
      )
      .toBe(true);
    return `${stats.width}×${stats.height}, ${((100 * stats.painted) / (stats.width * stats.height)).toFixed(1)}% painted, ${stats.colours}${stats.colours >= 64 ? '+' : ''} colours`;
  }

  /** Screenshot of this webview: test/e2e/artifacts/vscode/<name>.png. */
  async screenshot(name: string): Promise<string> {
    return screenshotTo(this.frame, name);
  }
}
