// Personal mode: a resident's own phone, opened from the projector's or a slip's link.
// In a survey without codes a phone that already voted shows its receipt instead of a second
// ballot (a soft check: it is this browser's memory only). After the organiser closes the survey
// a phone sees "投票已结束" and no form; one that was already open is told so when its ballot is
// refused with 409 survey_closed.
import { test, expect } from '@playwright/test';
import { startCollector, TINY_ID, TOKEN, type Collector } from './collector';

let collector: Collector;
test.beforeEach(async () => { collector = await startCollector(); });
test.afterEach(async () => { await collector.dispose(); });

test('a phone that voted sees its receipt; after closing nobody gets a form', async ({ page, browser }) => {
  await page.goto(collector.link());
  await expect(page.getByTestId('survey-form')).toBeVisible();
  await page.locator('[data-question=q_sat] input[value=satisfied]').check();
  await page.getByTestId('submit').click();
  await page.getByTestId('confirm-submit').click();
  const receipt = (await page.getByTestId('receipt').textContent())!.trim();
  await expect.poll(async () => (await collector.ballots()).length).toBe(1);

  await page.reload();
  await expect(page.getByTestId('already-voted')).toBeVisible();
  await expect(page.getByTestId('already-voted')).toContainText('您已投过票');
  await expect(page.getByTestId('receipt')).toHaveText(receipt);
  await expect(page.getByTestId('survey-form')).toHaveCount(0);

  // A household's shared phone may opt out of the soft check. The link also asks for large text.
  await page.goto(collector.link(TINY_ID, '&shared=1&elder=1'));
  await expect(page.getByTestId('survey-form')).toBeVisible();
  await expect(page.getByTestId('pingyi')).toHaveClass(/\belder\b/);
  await expect(page.getByTestId('elder-toggle')).toHaveAttribute('aria-pressed', 'true');

  // A second phone opens the form before closing.
  const late = await (await browser.newContext()).newPage();
  await late.goto(collector.link());
  await expect(late.getByTestId('survey-form')).toBeVisible();

  const r = await fetch(`${collector.origin}/v1/surveys/${TINY_ID}/close`, {
    method: 'POST', headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(r.status, await r.text()).toBe(200);

  // A fresh phone: the closed message, no form.
  const fresh = await (await browser.newContext()).newPage();
  await fresh.goto(collector.link());
  await expect(fresh.getByTestId('closed')).toHaveText('投票已结束，不再接受选票。');
  await expect(fresh.getByTestId('survey-form')).toHaveCount(0);

  // The phone that was already open: its ballot is refused (409 survey_closed) and it says so.
  await late.locator('[data-question=q_sat] input[value=dissatisfied]').check();
  await late.getByTestId('submit').click();
  await late.getByTestId('confirm-submit').click();
  await expect(late.getByTestId('closed')).toHaveText('投票已结束，不再接受选票。', { timeout: 15_000 });
  expect(await collector.ballots()).toHaveLength(1);
});

test('a closed survey\'s link says so at once: its state is asked beside the survey, and no form is ever shown', async ({ page }) => {
  const r = await fetch(`${collector.origin}/v1/surveys/${TINY_ID}/close`, {
    method: 'POST', headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(r.status, await r.text()).toBe(200);
  // Remember whether a form was ever in the page, however briefly.
  await page.addInitScript(() => {
    new MutationObserver(() => {
      if (document.querySelector('[data-testid=survey-form]')) (window as unknown as { formSeen: boolean }).formSeen = true;
    }).observe(document, { childList: true, subtree: true });
  });
  const order: string[] = [];
  await page.route(/_bg\.wasm$/, async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    order.push('wasm released');
    await route.continue();
  });
  page.on('request', (q) => { if (q.url().endsWith(`/v1/surveys/${TINY_ID}/state`)) order.push('state requested'); });
  await page.goto(collector.link());
  await expect(page.getByTestId('closed')).toHaveText('投票已结束，不再接受选票。');
  expect(order.indexOf('state requested')).toBeGreaterThanOrEqual(0);
  expect(order.indexOf('state requested')).toBeLessThan(order.indexOf('wasm released'));
  // One request for the state: the widget used the loader's answer.
  expect(order.filter((o) => o === 'state requested')).toHaveLength(1);
  expect(await page.evaluate(() => (window as unknown as { formSeen?: boolean }).formSeen ?? false)).toBe(false);
});
