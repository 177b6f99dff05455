/** Page object: VS Code's quick input (quick picks and input boxes that commands open). */
import { expect, type Locator, type Page } from '@playwright/test';
import { log, secondsSince, sleep } from '../harness/log';
import { exactly } from './commandPalette';

/** The quick input widget of one workbench page. */
export class QuickInput {
  constructor(private readonly page: Page) {}

  private get widget() {
    return this.page.locator('.quick-input-widget');
  }

  /** The current title, '' when there is none (read without waiting: the widget may be closing). */
  async title(): Promise<string> {
    return textNow(this.widget.locator('.quick-input-title'));
  }

  /**
   * Answers a quick pick: waits until its title contains `titlePart` (so the previous step is not answered
   * twice), types `label` and clicks the row whose label is exactly `label`.
   */
  async pick(titlePart: string, label: string, timeoutMs = 60_000): Promise<void> {
    const started = Date.now();
    await expect(this.widget.locator('.quick-input-title')).toContainText(titlePart, { timeout: timeoutMs });
    await this.widget.locator('.quick-input-box input').fill(label);
    const row = this.widget.locator('.monaco-list-row').filter({ has: this.page.locator('.label-name', { hasText: exactly(label) }) }).first();
    await row.waitFor({ state: 'visible', timeout: timeoutMs });
    const rows = (await this.widget.locator('.monaco-list-row .label-name').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
    await row.click();
    log(`  quick pick ${titlePart}: "${label}" (of ${JSON.stringify(rows)}) after ${secondsSince(started)} s`);
  }

  /**
   * Presses Enter in every quick input that opens, until none has been open for 2 s; returns what each showed.
   * Fails when Enter does not move on (another title, or closed) within 10 s.
   */
  async acceptDefaults(timeoutMs: number): Promise<string[]> {
    const accepted: string[] = [];
    const started = Date.now();
    let closedSince = 0;
    while (Date.now() - started < timeoutMs) {
      if (!(await this.widget.isVisible())) {
        closedSince ||= Date.now();
        if (Date.now() - closedSince > 2000) return accepted;
        await sleep(200);
        continue;
      }
      closedSince = 0;
      const title = await this.title();
      const value = (await this.widget.locator('.quick-input-box input').evaluateAll((els) => String(els[0]?.value ?? ''))).trim();
      if (value.startsWith('>')) {
        await sleep(150); // the command palette that started the command, still closing: not ours to answer
        continue;
      }
      const focusedText = await textNow(this.widget.locator('.monaco-list-row.focused .label-name'));
      accepted.push(`${title}${focusedText ? ` → ${focusedText}` : value ? ` = ${value}` : ''}`);
      await this.page.keyboard.press('Enter');
      const pressed = Date.now();
      while ((await this.widget.isVisible()) && (await this.title()) === title) {
        if (Date.now() - pressed > 10_000) {
          const text = await textNow(this.widget.locator('.quick-input-message'));
          throw new Error(`the quick input "${title}" did not accept its default with Enter${text ? `: ${text}` : ''}`);
        }
        await sleep(150);
      }
    }
    throw new Error(`quick inputs were still opening after ${timeoutMs / 1000} s: ${JSON.stringify(accepted)}`);
  }
}

/** The text of the first element `locator` matches now, whitespace collapsed; '' when there is none. Never waits. */
export async function textNow(locator: Locator): Promise<string> {
  const texts = await locator.evaluateAll((els) => els.map((e) => e.textContent ?? ''));
  return (texts[0] ?? '').replace(/\s+/g, ' ').trim();
}
