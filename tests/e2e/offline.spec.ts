// Three ballots cast offline survive a reload with no signal (served by the
// service worker), and reach the real collector exactly once when the browser is back online.
import { test, expect } from '@playwright/test';
import { startCollector, type Collector } from './collector';
import { castBallot, expectPending, pending, waitForForm } from './widget';

let collector: Collector;
test.beforeEach(async () => { collector = await startCollector(); });
test.afterEach(async () => { await collector.dispose(); });

test('three ballots cast offline survive a reload and reach the collector exactly once', async ({ page, context }) => {
  // First visit with signal: the page, and the service worker that keeps it.
  // `&shared=1`: one phone casts several ballots here, so personal mode's soft check (a phone
  // that voted sees its receipt) is off, as for a household's shared phone.
  await page.goto(collector.link(undefined, '&shared=1'));
  await waitForForm(page);
  await expect(pending(page)).toHaveText('全部已上传');
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await expect.poll(() => page.evaluate(async () => {
    const names = await caches.keys();
    const hits = await Promise.all([
      caches.match('/v1/surveys/e2e-tiny'),
      ...Array.from(document.querySelectorAll('link[rel=modulepreload],link[rel=preload]'))
        .map((l) => caches.match((l as HTMLLinkElement).href)),
    ]);
    return names.length > 0 && hits.every(Boolean);
  }), { message: 'the shell and the survey are cached' }).toBe(true);

  // The meeting: no signal at all. The collector is down too, so nothing but the cache can
  // answer the reload.
  await context.setOffline(true);
  for (const choice of ['satisfied', 'basically_satisfied', 'unknown']) {
    await castBallot(page, choice);
  }
  await expect(pending(page)).toHaveText('3 张选票待上传');
  await collector.kill();
  await page.reload();
  await waitForForm(page);
  expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  await expect(pending(page)).toHaveText('3 张选票待上传');
  expect(await collector.ballots().catch(() => 'down')).toBe('down');

  // Back home: the collector runs again and the browser goes online. The `online` event alone
  // starts the upload.
  await collector.start();
  expect(await collector.ballots()).toHaveLength(0);
  await context.setOffline(false);
  await expectPending(page, 0);
  await expect(pending(page)).toHaveText('全部已上传');
  await expect(page.getByTestId('outbox-last-success')).toContainText('上次上传：');
  const stored = await collector.ballots();
  expect(stored).toHaveLength(3);
  expect(new Set(stored.map((b) => b.id)).size).toBe(3);

  // The device kept them, marked acknowledged, one key per ballot.
  const statuses = await page.evaluate(() => Object.keys(localStorage)
    .filter((k) => k.startsWith('pingyi/v1/e2e-tiny/ballot/'))
    .map((k) => JSON.parse(localStorage.getItem(k) as string).status));
  expect(statuses.sort()).toEqual(['acked', 'acked', 'acked']);
});
