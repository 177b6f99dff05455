/** Page object: VS Code's command palette (F1). */
import { expect, type Page } from '@playwright/test';
import { log, secondsSince, sleep } from '../harness/log';

/** Normalises a label: whitespace collapsed, trimmed. */
function clean(text: string | null): string {
  return (text ?? '').replace(/\s+/g, ' ').trim();
}

/** The command palette of one workbench page. */
export class CommandPalette {
  constructor(private readonly page: Page) {}

  private get widget() {
    return this.page.locator('.quick-input-widget');
  }

  /**
   * Opens the palette and types `>title` until a row with that text shows; returns the labels of the rows shown.
   * The palette builds its list when the text changes: opened before the extension host registered the
   * extension's contributions, it never shows the command, so it closes and retries every 2 s until the deadline.
   */
  async find(title: string, deadlineMs = 90_000): Promise<string[]> {
    const input = this.widget.locator('input');
    const row = this.widget.locator('.monaco-list-row', { hasText: title }).first();
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      await this.page.keyboard.press('F1');
      // Under load the palette can take seconds to open, and the keypress can be lost while the workbench
      // moves focus (e.g. into a restored webview): both are retried until the deadline, like a missing row.
      const opened = await input.waitFor({ state: 'visible', timeout: 5000 }).then(
        () => true,
        () => false,
      );
      if (opened) {
        await input.fill(`>${title}`);
        const shown = await row.waitFor({ state: 'visible', timeout: 2000 }).then(
          () => true,
          () => false, // not (yet) in the list: retried below until the deadline
        );
        if (shown) {
          log(`  "${title}" in the palette after ${secondsSince(started)} s (attempt ${attempt})`);
          break;
        }
        await this.page.keyboard.press('Escape');
      }
      if (Date.now() - started > deadlineMs) {
        throw new Error(`"${title}" did not appear in the command palette within ${deadlineMs / 1000} s (${attempt} attempts; the palette ${opened ? 'opened' : 'did not open'} on the last)`);
      }
      await sleep(500);
    }
    return this.labels();
  }

  /** The labels of the rows the open palette shows. */
  async labels(): Promise<string[]> {
    return (await this.widget.locator('.monaco-list-row .label-name').allTextContents()).map(clean);
  }

  /**
   * The labels the palette shows for `text` once the list has settled (no retry: for a workbench whose
   * extension is known to be up). Closes the palette again.
   */
  async listFor(text: string): Promise<string[]> {
    await this.page.keyboard.press('F1');
    const input = this.widget.locator('input');
    await expect(input).toBeVisible({ timeout: 10_000 });
    await input.fill(`>${text}`);
    await expect(this.widget.locator('.monaco-list-row').first()).toBeVisible({ timeout: 10_000 });
    const labels = await this.labels();
    await this.page.keyboard.press('Escape');
    return labels;
  }

  /** Runs a command by its exact palette title (F1, type, Enter or a click on the row). */
  async run(title: string): Promise<void> {
    const labels = await this.find(title);
    if (!labels.includes(title)) throw new Error(`no palette entry titled exactly "${title}"; entries: ${JSON.stringify(labels)}`);
    const focused = clean(await this.widget.locator('.monaco-list-row.focused .label-name').first().textContent({ timeout: 2000 }));
    if (focused === title) await this.page.keyboard.press('Enter');
    else await this.widget.locator('.monaco-list-row').filter({ has: this.page.locator('.label-name', { hasText: exactly(title) }) }).first().click();
  }
}

/** A RegExp matching exactly `text` (whitespace around it allowed). */
export function exactly(text: string): RegExp {
  return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\s*$`);
}
