// A ballot the collector refuses is shown to the organiser with the collector's reason and stays
// stored on the device. The refusal is real: the page is handed a survey version the collector
// never published, so the collector rejects the ballot with core's `unknown_version` problem.
import { test, expect } from '@playwright/test';
import { startCollector, type Collector } from './collector';
import { castBallot, pending, waitForForm } from './widget';

// page.route must see every request, so no service worker answers in between here.
test.use({ serviceWorkers: 'block' });

let collector: Collector;
test.beforeEach(async () => { collector = await startCollector(); });
test.afterEach(async () => { await collector.dispose(); });

test('a rejected ballot is listed with its reason and kept on the device', async ({ page }) => {
  await page.route('**/v1/surveys/e2e-tiny', async (route) => {
    const response = await route.fetch();
    const survey = await response.json();
    survey.version = 7;
    await route.fulfill({ response, json: survey });
  });
  await page.goto(collector.link(undefined, '&shared=1'));
  await waitForForm(page);
  await castBallot(page);

  const refused = page.getByTestId('outbox-refused');
  await expect(refused).toContainText('1 张选票被拒收');
  await refused.locator('summary').click();
  await expect(refused).toContainText('本收集端没有第 7 版问卷');
  await expect(pending(page)).toHaveText('全部已上传');
  expect(await collector.ballots()).toHaveLength(0);

  const records = await page.evaluate(() => Object.keys(localStorage)
    .filter((k) => k.startsWith('pingyi/v1/e2e-tiny/ballot/'))
    .map((k) => JSON.parse(localStorage.getItem(k) as string)));
  expect(records).toHaveLength(1);
  expect(records[0].status).toBe('refused');
  expect(records[0].refusal.problems[0].code).toBe('unknown_version');

  // Still listed after a reload, and in English on request.
  await page.reload();
  await waitForForm(page);
  await page.getByTestId('lang-toggle').click();
  await expect(page.getByTestId('outbox-refused')).toContainText('1 ballot refused');
});
