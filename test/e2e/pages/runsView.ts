/** Page object: the Explorer's "Long-Tail Runs" view. */
import { expect, type Locator, type Page } from '@playwright/test';

/** The runs view of one workbench page. */
export class RunsView {
  static readonly title = 'Long-Tail Runs';

  constructor(private readonly page: Page) {}

  /** Shows the view (opens the Explorer, expands the pane if collapsed) and returns its body. */
  async open(): Promise<Locator> {
    if (!(await this.page.locator('.part.sidebar').isVisible())) await this.page.keyboard.press('Control+Shift+E');
    const header = this.page.locator('.part.sidebar .pane-header', { hasText: RunsView.title }).first();
    await expect(header).toBeVisible({ timeout: 60_000 });
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    await expect(header).toHaveAttribute('aria-expanded', 'true', { timeout: 10_000 });
    return this.body;
  }

  /** The view's body. */
  get body(): Locator {
    return this.page.locator('.part.sidebar .pane', { has: this.page.locator('.pane-header', { hasText: RunsView.title }) }).first().locator('.pane-body');
  }

  /** The tree rows. */
  get rows(): Locator {
    return this.body.locator('.monaco-list-row');
  }

  /** The row of a run folder. */
  row(name: string): Locator {
    return this.rows.filter({ hasText: name }).first();
  }

  /** Expands a row with its twistie (a click on the row runs its command: it opens the report). */
  async expand(row: Locator): Promise<void> {
    await row.locator('.monaco-tl-twistie').click();
  }
}
