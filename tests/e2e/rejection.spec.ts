// A ballot for a survey version the collector does not know yet is kept on the device and sent
// again with back-off, not refused for good. The answer is real: the page is handed a survey
// version the collector never published, so the collector answers core's `unknown_version`.
import { test, expect } from '@playwright/test';
import { startCollector, type Collector } from './collector';
import { castBallot, pending, waitForForm } from './widget';

// page.route must see every request, so no service worker answers in between here.
test.use({ serviceWorkers: 'block' });

let collector: Collector;
test.beforeEach(async () => { collector = await startCollector(); });
test.afterEach(async () => { await collector.dispose(); });

test('a ballot for a version the collector has not published yet waits on the device', async ({ page }) => {
  await page.route('**/v1/surveys/e2e-tiny', async (route) => {
    const response = await route.fetch();
    const survey = await response.json();
    survey.version = 7;
    await route.fulfill({ response, json: survey });
  });
  await page.goto(collector.link(undefined, '&shared=1'));
  await waitForForm(page);
  await castBallot(page);

  // Not refused for good: the new version is usually about to be published.
  await expect(page.getByTestId('outbox-error')).toContainText('收集端还没有这一版问卷');
  await expect(page.getByTestId('outbox-refused')).toHaveCount(0);
  await expect(pending(page)).not.toHaveText('全部已上传');
  expect(await collector.ballots()).toHaveLength(0);

  const records = await page.evaluate(() => Object.keys(localStorage)
    .filter((k) => k.startsWith('pingyi/v1/e2e-tiny/ballot/'))
    .map((k) => JSON.parse(localStorage.getItem(k) as string)));
  expect(records).toHaveLength(1);
  expect(records[0].status).toBe('pending');

  // Still waiting after a reload, and in English on request.
  await page.reload();
  await waitForForm(page);
  await page.getByTestId('lang-toggle').click();
  await expect(page.getByTestId('outbox-error')).toContainText('does not have this version of the survey yet');
});
