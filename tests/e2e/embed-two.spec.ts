// Two surveys on one portal page, each a <pingyi-survey>, vote independently: each has its own
// form, receipt, outbox and events, and each ballot reaches its own survey on the collector.
import { test, expect } from '@playwright/test';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { startCollector, TINY, TINY_ID, type Collector } from './collector';
import { events, hostPage, serveHost, violations, vote, watch } from './embed-host';

let collector: Collector;
const OTHER_ID = 'e2e-tiny-other';
test.beforeEach(async () => {
  const other = JSON.parse(require('node:fs').readFileSync(TINY, 'utf8'));
  other.id = OTHER_ID;
  other.title = { zh: '第二份问卷', en: 'Second survey' };
  mkdirSync(test.info().outputDir, { recursive: true });
  const file = path.join(test.info().outputDir, 'other.json');
  writeFileSync(file, JSON.stringify(other));
  collector = await startCollector([TINY, file]);
});
test.afterEach(async () => { await collector.dispose(); });

test('two surveys on one page vote independently', async ({ page }) => {
  await watch(page);
  await serveHost(page, collector.origin, collector.origin, {
    '/portal/page.html': hostPage('<script src="/pingyi.js" defer></script>',
      `<pingyi-survey id="one" survey="${TINY_ID}" retry-base-ms="200"></pingyi-survey>`
      + `<pingyi-survey id="two" survey="${OTHER_ID}" retry-base-ms="200"></pingyi-survey>`),
  });
  await page.goto(`${collector.origin}/portal/page.html`);
  const one = page.locator('#one');
  const two = page.locator('#two');
  await expect(two.locator('.py-title')).toHaveText('第二份问卷');
  const r1 = await vote(one, 'satisfied');
  // The second is untouched: still its form, nothing checked.
  await expect(two.getByTestId('survey-form')).toBeVisible();
  await expect(two.locator('input:checked')).toHaveCount(0);
  const r2 = await vote(two, 'dissatisfied');
  expect(r1).not.toBe(r2);
  await expect.poll(async () => (await collector.ballots(TINY_ID)).length).toBe(1);
  await expect.poll(async () => (await collector.ballots(OTHER_ID)).length).toBe(1);
  const casts = (await events(page)).filter((e) => e.type === 'pingyi:cast');
  expect(casts.map((e) => [e.target, e.detail.survey])).toEqual([['one', TINY_ID], ['two', OTHER_ID]]);
  expect(await violations(page)).toEqual([]);
});
