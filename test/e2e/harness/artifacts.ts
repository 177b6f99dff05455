/** Screenshots into test/e2e/artifacts/vscode/ (git-ignored). */
import type { Locator, Page } from '@playwright/test';
import { join } from 'node:path';
import { log } from './log';
import { ARTIFACTS, ROOT } from './paths';

/** Saves a screenshot of a page or an element as `<ARTIFACTS>/<name>.png`; returns the file. */
export async function screenshotTo(target: Page | Locator, name: string): Promise<string> {
  const file = join(ARTIFACTS, `${name}.png`);
  await target.screenshot({ path: file, timeout: 15_000 });
  log(`  screenshot ${file.slice(ROOT.length + 1)}`);
  return file;
}
