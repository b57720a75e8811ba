/** Driving the model panel (src/components/model/ModelPanel.svelte) from a test. */
import type { Page } from 'playwright-core';

/** Catalog id of the tiny test model (models/manifest.json). */
export const TINY_ID = 'qwen2.5-vl-tiny';

export async function selectEntry(page: Page, id: string): Promise<void> {
  await page.locator(`[data-testid=model-entry][data-id="${id}"] input[type=radio]`).check();
}

/** Waits until the `model-status` element's state is one of `states`, and returns its line. */
export async function settledStatus(page: Page, states = ['ready', 'error']): Promise<string> {
  await page.waitForFunction(
    (s) =>
      s.includes((document.querySelector('[data-testid=model-status]') as HTMLElement | null)?.dataset.state ?? ''),
    states,
    { timeout: 240_000, polling: 250 },
  );
  return page.locator('[data-testid=model-status]').innerText();
}
