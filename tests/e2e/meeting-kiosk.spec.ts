// A kiosk reset leaves no trace of the previous ballot in the DOM or in
// storage. One shared tablet (kiosk/, the `kiosk` build): the organiser sets a PIN, a voter casts
// a ballot with a distinctive answer, and back at the welcome screen nothing of it is left: no
// checked input, no receipt, no history entry to go back to; once uploaded, localStorage keeps
// only `{id, status}` of it. Leaving the kiosk needs the PIN.
//
// Needs dist/kiosk/ (or PINGYI_E2E_DIST with kiosk/): `trunk build --release --offline kiosk.html
// --dist dist/kiosk --public-url /kiosk/` after the widget build.
import { test, expect, type Page } from '@playwright/test';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startCollector, ROOT, TINY_ID, type Collector } from './collector';

let collector: Collector;
test.beforeEach(async () => {
  const dist = process.env.PINGYI_E2E_DIST ?? path.join(ROOT, 'dist');
  if (!existsSync(path.join(dist, 'kiosk', 'index.html'))) {
    throw new Error(`${dist}/kiosk/index.html is missing: build kiosk.html (see kiosk.html)`);
  }
  collector = await startCollector();
});
test.afterEach(async () => { await collector.dispose(); });

async function setUpKiosk(page: Page, url: string, pin: string, token?: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('kiosk-pin-new').fill(pin);
  await page.getByTestId('kiosk-pin-confirm').fill(pin);
  if (token) await page.getByTestId('kiosk-token').fill(token);
  await page.getByTestId('kiosk-setup-start').click();
  await expect(page.getByTestId('kiosk-welcome')).toBeVisible();
}

async function typePin(page: Page, pin: string): Promise<void> {
  for (const d of pin) await page.getByTestId(`kiosk-digit-${d}`).click();
  await page.getByTestId('kiosk-pin-ok').click();
}

test('a kiosk reset leaves no trace of the previous ballot', async ({ page }) => {
  const kioskUrl = `${collector.origin}/kiosk/?s=${TINY_ID}`;
  await setUpKiosk(page, kioskUrl, '2468');
  await expect(page.getByTestId('kiosk-count')).toHaveAttribute('data-count', '0');
  // The PIN is kept only as a salted hash.
  const rec = await page.evaluate((id) => localStorage.getItem(`pingyi/v1/${id}/kiosk`), TINY_ID);
  expect(rec).not.toContain('2468');
  expect(JSON.parse(rec as string).pin_hash).toMatch(/^[0-9a-f]{64}$/);

  const historyBefore = await page.evaluate(() => history.length);

  // Voter 1 picks the distinctive 不满意.
  await page.getByTestId('kiosk-begin').click();
  await expect(page.getByTestId('kiosk-vote')).toBeVisible();
  expect(await page.locator('form.py-form').getAttribute('autocomplete')).toBe('off');
  await page.locator('[data-question=q_sat] input[value=dissatisfied]').check();
  await page.getByTestId('submit').click();
  await page.getByTestId('confirm-submit').click();
  const receipt = (await page.getByTestId('kiosk-receipt').textContent())!.trim();
  expect(receipt).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  await page.getByTestId('kiosk-done').click();

  // Back at the welcome screen: nothing of voter 1 in the DOM.
  await expect(page.getByTestId('kiosk-welcome')).toBeVisible();
  await expect(page.getByTestId('kiosk-count')).toHaveAttribute('data-count', '1');
  const html = await page.content();
  expect(html).not.toContain(receipt);
  expect(html).not.toContain('dissatisfied');
  expect(html).not.toContain('kiosk-vote');
  expect(await page.locator('input:checked').count()).toBe(0);
  expect(await page.evaluate(() => document.activeElement === document.body || document.activeElement === null)).toBe(true);
  expect(await page.evaluate(() => String(window.getSelection())) ).toBe('');
  // No history entries were made: going back leaves the kiosk; it never shows the ballot.
  expect(await page.evaluate(() => history.length)).toBe(historyBefore);
  await page.goBack();
  expect(await page.content()).not.toContain(receipt);
  expect(await page.locator('[data-question=q_sat]').count()).toBe(0);
  await page.goForward();
  await expect(page.getByTestId('kiosk-welcome')).toBeVisible();
  expect(await page.locator('input:checked').count()).toBe(0);
  expect(await page.content()).not.toContain(receipt);

  // The next voter gets a fresh form: nothing is preselected.
  await page.getByTestId('kiosk-begin').click();
  await expect(page.getByTestId('kiosk-vote')).toBeVisible();
  expect(await page.locator('input:checked').count()).toBe(0);
  await page.locator('[data-question=q_sat] input[value=satisfied]').check();
  await page.getByTestId('submit').click();
  await page.getByTestId('confirm-submit').click();
  await expect(page.getByTestId('kiosk-receipt')).toBeVisible();
  await page.getByTestId('kiosk-done').click();
  await expect(page.getByTestId('kiosk-count')).toHaveAttribute('data-count', '2');

  // Uploaded: the collector holds both ballots, and the tablet keeps only {id, status}.
  await expect.poll(async () => (await collector.ballots()).length, { timeout: 15_000 }).toBe(2);
  await expect.poll(() => page.evaluate((id) => Object.keys(localStorage)
    .filter((k) => k.startsWith(`pingyi/v1/${id}/ballot/`))
    .map((k) => JSON.parse(localStorage.getItem(k) as string))
    .every((r) => r.status === 'acked' && r.ballot === undefined && Object.keys(r).sort().join() === 'id,status'), TINY_ID),
  { timeout: 15_000 }).toBe(true);
  const dump = await page.evaluate(() => JSON.stringify(localStorage));
  expect(dump).not.toContain('dissatisfied');
  expect(dump).not.toContain('"answers"');
  const stored = await collector.ballots() as unknown as Array<{ answers: Record<string, { choice: string }> }>;
  expect(stored.map((b) => b.answers.q_sat.choice).sort()).toEqual(['dissatisfied', 'satisfied']);

  // Leaving kiosk mode needs the PIN: a wrong one is refused (no lockout), the right one opens
  // the organiser panel.
  await page.getByTestId('kiosk-organiser').click();
  await typePin(page, '1111');
  await expect(page.getByTestId('kiosk-pin-error')).toBeVisible();
  await expect(page.getByTestId('kiosk-panel')).toHaveCount(0);
  await typePin(page, '2468');
  await expect(page.getByTestId('kiosk-panel')).toBeVisible();
  await expect(page.getByTestId('kiosk-count')).toHaveAttribute('data-count', '2');
  await expect(page.getByTestId('outbox-pending')).toHaveText('全部已上传');
  // 结束本机投票: the welcome screen takes no more ballots.
  await page.getByTestId('kiosk-end').click();
  await page.getByTestId('kiosk-resume').click();
  await expect(page.getByTestId('kiosk-ended')).toBeVisible();
  await expect(page.getByTestId('kiosk-begin')).toHaveCount(0);
  // Exit.
  await page.getByTestId('kiosk-organiser').click();
  await typePin(page, '2468');
  await page.getByTestId('kiosk-exit').click();
  await expect(page.getByTestId('kiosk-exited')).toBeVisible();
  expect(await page.evaluate((id) => localStorage.getItem(`pingyi/v1/${id}/kiosk`), TINY_ID)).toBeNull();
});
