/** Page object: VS Code's notification toasts and notification center. */
import { expect, type Page } from '@playwright/test';
import { log, secondsSince, sleep } from '../harness/log';

/** One notification as shown. */
export interface Notification {
  readonly text: string;
  /** Error severity (its icon). */
  readonly error: boolean;
}

/** What an extension error notification starts with. */
const EXTENSION_PREFIX = 'Long-Tail Lens';

/** The notifications of one workbench page. */
export class Notifications {
  constructor(private readonly page: Page) {}

  /** The notifications shown now (toasts and, when open, the notification center). Never waits. */
  async list(): Promise<Notification[]> {
    return this.page.locator('.notifications-toasts .notification-list-item, .notifications-center .notification-list-item').evaluateAll((els) =>
      els.map((e) => ({
        text: String(e.querySelector('.notification-list-item-message')?.textContent ?? '').replace(/\s+/g, ' ').trim(),
        error: Boolean(e.querySelector('.notification-list-item-icon[class*="error"]')),
      })),
    );
  }

  /** Throws when the extension shows an error notification (a case waiting on a result then fails at once). */
  async failOnExtensionError(): Promise<void> {
    const error = (await this.list()).find((m) => m.error && m.text.startsWith(EXTENSION_PREFIX));
    if (error) throw new Error(`the extension showed an error: ${error.text}`);
  }

  /** Waits for a notification matching `pattern` and returns its text; fails at once on an extension error. */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<string> {
    const started = Date.now();
    for (;;) {
      const shown = await this.list();
      const hit = shown.find((m) => pattern.test(m.text));
      if (hit) {
        log(`  notification after ${secondsSince(started)} s: ${hit.text}`);
        return hit.text;
      }
      await this.failOnExtensionError();
      if (Date.now() - started > timeoutMs) throw new Error(`no notification matching ${pattern} within ${timeoutMs / 1000} s; shown: ${JSON.stringify(shown.map((m) => m.text))}`);
      await sleep(250);
    }
  }

  /** Waits until no notification matches `pattern`. */
  async waitForNone(pattern: RegExp, timeoutMs: number): Promise<void> {
    await expect
      .poll(async () => (await this.list()).filter((m) => pattern.test(m.text)).map((m) => m.text), {
        message: `a notification matching ${pattern} still shows`,
        timeout: timeoutMs,
      })
      .toEqual([]);
  }

  /**
   * Starts collecting the distinct notification texts (every 150 ms: an analysis of the fixture takes 0.2 s,
   * its progress comes and goes); `stop()` returns them, or rethrows what made the polling fail.
   */
  watch(): { stop(): Promise<string[]> } {
    const seen = new Set<string>();
    let running = true;
    const loop = (async () => {
      while (running && !this.page.isClosed()) {
        for (const m of await this.list()) if (m.text) seen.add(m.text);
        await sleep(150);
      }
    })();
    return {
      async stop() {
        running = false;
        await loop;
        return [...seen];
      },
    };
  }

  /** Closes every toast (its ✕) so screenshots show what is under them; fails if some stay. */
  async closeToasts(): Promise<void> {
    const toasts = this.page.locator('.notifications-toasts .notification-list-item');
    for (let i = 0; i < 10 && (await toasts.count()) > 0; i++) {
      await toasts.first().hover();
      await toasts.first().locator('.codicon-notifications-clear').click({ timeout: 5000 });
      await sleep(200);
    }
    await expect(toasts).toHaveCount(0, { timeout: 5000 });
  }
}
