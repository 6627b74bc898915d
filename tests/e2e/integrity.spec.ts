// What a resident's phone keeps, where a link may send ballots, and what the service worker may
// keep. Each test runs against the real collector serving the built widget.
import { test, expect, type Page } from '@playwright/test';
import { startCollector, TINY_ID, TOKEN, type Collector } from './collector';

let collector: Collector;
test.beforeEach(async () => { collector = await startCollector(); });
test.afterEach(async () => { await collector.dispose(); });

/** Every URL held in the page's Cache Storage. */
async function cachedUrls(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const out: string[] = [];
    for (const name of await caches.keys()) {
      for (const r of await (await caches.open(name)).keys()) out.push(r.url);
    }
    return out;
  });
}

test('a personal phone keeps only its receipt once the collector has the ballot', async ({ page }) => {
  await page.goto(collector.link());
  expect(await page.locator('meta[name=referrer]').getAttribute('content')).toBe('no-referrer');
  await page.locator('[data-question=q_sat] input[value=dissatisfied]').check();
  await page.getByTestId('submit').click();
  await page.getByTestId('confirm-submit').click();
  const receipt = (await page.getByTestId('receipt').textContent())!.trim();
  // One's own phone: the receipt and the status, no second ballot.
  await expect(page.getByTestId('vote-again')).toHaveCount(0);
  await expect(page.getByTestId('outbox-pending')).toHaveText('全部已上传');
  const kept = await page.evaluate((id) => Object.keys(localStorage)
    .filter((k) => k.startsWith(`pingyi/v1/${id}/ballot/`))
    .map((k) => localStorage.getItem(k) as string), TINY_ID);
  expect(kept).toHaveLength(1);
  expect(kept[0]).not.toContain('dissatisfied');
  expect(JSON.parse(kept[0])).toMatchObject({ status: 'acked', receipt, endpoint: collector.origin });

  await page.reload();
  await expect(page.getByTestId('already-voted')).toContainText('您已投过票');
  await expect(page.getByTestId('receipt')).toHaveText(receipt);
});

test('a link to an unapproved server loads nothing and sends nothing', async ({ page }) => {
  const other = await startCollector();
  try {
    const elsewhere: string[] = [];
    page.on('request', (r) => { if (r.url().startsWith(other.origin)) elsewhere.push(r.url()); });
    await page.goto(collector.link(TINY_ID, `&endpoint=${encodeURIComponent(other.origin)}`));
    await expect(page.getByTestId('link-refused')).toContainText('未经批准的服务器');
    await expect(page.getByTestId('load-error')).toContainText(other.origin);
    await expect(page.getByTestId('survey-form')).toHaveCount(0);
    await page.waitForTimeout(500);
    expect(elsewhere).toEqual([]);
    expect(await other.ballots()).toHaveLength(0);
  } finally {
    await other.dispose();
  }
});

test('the service worker keeps no admin answer and serves none offline', async ({ page, context }) => {
  await page.goto(collector.link(TINY_ID, '&shared=1'));
  await expect(page.getByTestId('survey-form')).toBeVisible();
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  await expect.poll(async () => (await cachedUrls(page)).some((u) => u.endsWith(`/v1/surveys/${TINY_ID}`)),
    { message: 'the public survey is cached' }).toBe(true);

  // An organiser's requests on the same origin, through the worker.
  const statuses = await page.evaluate(async ({ id, token }) => {
    const auth = { headers: { authorization: `Bearer ${token}` } };
    const out: number[] = [];
    for (const p of [`codes/hints`, `paper-totals`, `ballots`, `state`]) {
      out.push((await fetch(`/v1/surveys/${id}/${p}`, auth)).status);
    }
    out.push((await fetch(`/v1/surveys/${id}/state`)).status);
    return out;
  }, { id: TINY_ID, token: TOKEN });
  expect(statuses[0]).toBe(200);
  await page.waitForTimeout(500);
  const api = (await cachedUrls(page)).filter((u) => u.includes('/v1/'));
  expect(api.map((u) => new URL(u).pathname)).toEqual([`/v1/surveys/${TINY_ID}`]);

  // Offline, nothing answers an admin route without a token.
  await context.setOffline(true);
  const offline = await page.evaluate(async (id) => {
    try {
      return (await fetch(`/v1/surveys/${id}/codes/hints`)).status;
    } catch (e) {
      return 'failed';
    }
  }, TINY_ID);
  expect(offline).toBe('failed');
  await context.setOffline(false);
});
