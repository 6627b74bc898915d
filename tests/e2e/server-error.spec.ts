// The collector answers 500 and then recovers. Ballots stay pending with
// the error shown, the back-off retries, and the collector ends up with each ballot once.
import { test, expect } from '@playwright/test';
import { startCollector, type Collector } from './collector';
import { castBallot, expectPending, pending, waitForForm } from './widget';

// page.route must see every request, so no service worker answers in between here.
test.use({ serviceWorkers: 'block' });

let collector: Collector;
test.beforeEach(async () => { collector = await startCollector(); });
test.afterEach(async () => { await collector.dispose(); });

test('a 500 keeps ballots pending, and the back-off retry delivers them once', async ({ page }) => {
  let failures = 0;
  let posts = 0;
  await page.route('**/v1/surveys/*/ballots', async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    posts += 1;
    if (failures < 2) {
      failures += 1;
      return route.fulfill({
        status: 500,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'internal', message: 'database is locked' } }),
      });
    }
    return route.continue();
  });

  // A short first back-off keeps the test quick; the link parameter is documented for tests.
  await page.goto(collector.link(undefined, '&shared=1&retry_base_ms=1500'));
  await waitForForm(page);
  // Casting while the endpoint fails: the first answer is a 500.
  await castBallot(page, 'satisfied');
  await expect(page.getByTestId('outbox-error')).toContainText('服务器暂时出错');
  await expect(page.getByTestId('outbox-error')).toContainText('选票已保存在本机');
  await expect(page.getByTestId('outbox-error-detail')).toHaveText('http 500 internal: database is locked');
  await castBallot(page, 'dissatisfied');
  await expect(pending(page)).toHaveText('2 张选票待上传');
  expect(await collector.ballots()).toHaveLength(0);

  // The timer retries (a second 500, then success) without anyone touching the page.
  await expectPending(page, 0, 30_000);
  await expect(page.getByTestId('outbox-error')).toHaveCount(0);
  expect(failures).toBe(2);
  expect(posts).toBeGreaterThanOrEqual(3);
  const stored = await collector.ballots();
  expect(stored).toHaveLength(2);
  expect(new Set(stored.map((b) => b.id)).size).toBe(2);
});
