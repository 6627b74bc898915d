// Test helper: drive the widget the way a resident does.
import { expect, type Page } from '@playwright/test';

/** Waits for the form of the tiny survey. */
export async function waitForForm(page: Page): Promise<void> {
  await expect(page.getByTestId('survey-form')).toBeVisible();
}

/** Casts one ballot on the tiny survey and comes back to a fresh form. */
export async function castBallot(page: Page, choice = 'satisfied'): Promise<void> {
  await page.locator(`[data-question=q_sat] input[value=${choice}]`).check();
  await page.getByTestId('submit').click();
  await page.getByTestId('confirm-submit').click();
  await expect(page.getByTestId('receipt')).toBeVisible();
  await page.getByTestId('vote-again').click();
  await waitForForm(page);
}

/** The number of ballots the status line says are waiting. */
export function pending(page: Page) {
  return page.getByTestId('outbox-pending');
}

/** Waits until the status line reports `n` ballots waiting. */
export async function expectPending(page: Page, n: number, timeout = 15_000): Promise<void> {
  await expect(pending(page)).toHaveAttribute('data-count', String(n), { timeout });
}
