// The built pages run under the collector's strict Content-Security-Policy, which allows no
// inline script or style at all (`script-src 'self' 'wasm-unsafe-eval'; style-src 'self'`, no
// hashes): the widget page, the kiosk and the console load, vote or load results, and upload
// without one `securitypolicyviolation` event.
import { test, expect, type Page } from '@playwright/test';
import { startCollector, startConsoleCollector, TINY_ID, TOKEN, type Collector } from './collector';
import { expectPending, waitForForm } from './widget';

/** Records every CSP violation of the page (and its frames) in `window.pingyiViolations`. */
export async function watchViolations(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { pingyiViolations: string[] }).pingyiViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) => {
      seen.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
  });
}

export async function violations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { pingyiViolations: string[] }).pingyiViolations);
}

function expectStrict(csp: string | undefined): void {
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval';");
  expect(csp).toContain("style-src 'self';");
  expect(csp).not.toContain('sha256');
  expect(csp).not.toContain('unsafe-inline');
}

test.describe('widget and kiosk', () => {
  let collector: Collector;
  test.beforeEach(async () => { collector = await startCollector(); });
  test.afterEach(async () => { await collector.dispose(); });

  test('the widget page votes and uploads with no CSP violation', async ({ page }) => {
    await watchViolations(page);
    const response = await page.goto(collector.link(TINY_ID, '&retry_base_ms=200'));
    expectStrict(response?.headers()['content-security-policy']);
    await waitForForm(page);
    // A link is a resident's own phone: one ballot, then its receipt and the upload status.
    await page.locator('[data-question=q_sat] input[value=satisfied]').check();
    await page.getByTestId('submit').click();
    await page.getByTestId('confirm-submit').click();
    await expect(page.getByTestId('receipt')).toBeVisible();
    await expectPending(page, 0);
    await expect.poll(async () => (await collector.ballots()).length).toBe(1);
    expect(await violations(page)).toEqual([]);
  });

  test('the kiosk votes and uploads with no CSP violation', async ({ page }) => {
    await watchViolations(page);
    const response = await page.goto(`${collector.origin}/kiosk/?s=${TINY_ID}`);
    expectStrict(response?.headers()['content-security-policy']);
    await page.getByTestId('kiosk-pin-new').fill('2468');
    await page.getByTestId('kiosk-pin-confirm').fill('2468');
    await page.getByTestId('kiosk-setup-start').click();
    await page.getByTestId('kiosk-begin').click();
    await page.locator('[data-question=q_sat] input[value=satisfied]').check();
    await page.getByTestId('submit').click();
    await page.getByTestId('confirm-submit').click();
    await expect(page.getByTestId('kiosk-receipt')).toBeVisible();
    await expect.poll(async () => (await collector.ballots()).length, { timeout: 20_000 }).toBe(1);
    // The kiosk's own stylesheet applies (it used to be an inline <style> block).
    await page.getByTestId('kiosk-done').click();
    await expect(page.getByTestId('kiosk-begin')).toHaveCSS('min-height', '80px');
    expect(await violations(page)).toEqual([]);
  });
});

test('the console loads results with no CSP violation', async ({ page }) => {
  const collector = await startConsoleCollector({
    format: 'pingyi/1', id: 'e2e-csp', version: 1, title: { zh: '安全策略' }, unit: '测试湾',
    sections: [{ id: 's', title: { zh: '评议' }, questions: [
      { id: 'sat', kind: 'scale', title: { zh: '满意度' }, preset: 'satisfaction' },
    ] }],
  });
  try {
    await watchViolations(page);
    const response = await page.goto(`${collector.origin}/console/`);
    expectStrict(response?.headers()['content-security-policy']);
    await page.getByTestId('source-server').click();
    await page.getByTestId('server-survey').fill('e2e-csp');
    await page.getByTestId('server-token').fill(TOKEN);
    await page.getByTestId('load-server').click();
    await expect(page.getByTestId('results')).toBeVisible();
    expect(await violations(page)).toEqual([]);
  } finally {
    await collector.dispose();
  }
});
