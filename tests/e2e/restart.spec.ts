// The collector is killed in the middle of a sync and restarted on the
// same port and database. Every ballot ends up stored exactly once (a repeat is a `duplicate`,
// which counts as success).
import { test, expect } from '@playwright/test';
import { startCollector, type Collector } from './collector';
import { castBallot, expectPending, pending, waitForForm } from './widget';

// page.route must see every request, so no service worker answers in between here.
test.use({ serviceWorkers: 'block' });

let collector: Collector;
test.beforeEach(async () => { collector = await startCollector(); });
test.afterEach(async () => { await collector.dispose(); });

const N = 5;

test('a collector killed mid-sync and restarted ends with every ballot exactly once', async ({ page, context }) => {
  // Hold the first batch's answer until the collector has stored it and been killed: the phone
  // never hears back, exactly as when the process dies mid-answer.
  let held = 0;
  let release: () => void = () => undefined;
  const killed = new Promise<void>((r) => { release = r; });
  await page.route('**/v1/surveys/*/ballots', async (route) => {
    const batch = route.request().method() === 'POST' ? JSON.parse(route.request().postData() ?? '{}') : {};
    if (held > 0 || batch.ballots?.length !== N) return route.continue();
    held += 1;
    await route.fetch().catch(() => null); // the collector stores the batch…
    await killed;
    await route.abort('connectionreset'); // …and its answer is lost with the process.
  });

  await page.goto(collector.link(undefined, '&shared=1&retry_base_ms=60000'));
  await waitForForm(page);
  await context.setOffline(true);
  for (let i = 0; i < N; i++) await castBallot(page, i % 2 ? 'satisfied' : 'dissatisfied');
  await expect(pending(page)).toHaveText(`${N} 张选票待上传`);

  // Online: the batch reaches the collector, which stores it and is then SIGKILLed.
  await context.setOffline(false);
  await expect.poll(async () => (await collector.ballots()).length, { timeout: 15_000 }).toBe(N);
  await collector.kill();
  release();
  await expect(page.getByTestId('outbox-error')).toBeVisible();
  await expect(pending(page)).toHaveText(`${N} 张选票待上传`);

  // Trying again while it is down fails and keeps everything pending (the long first back-off
  // of this test means only the button sends).
  await page.getByTestId('outbox-upload-now').click();
  await expect(page.getByTestId('outbox-upload-now')).toBeEnabled();
  await expect(page.getByTestId('outbox-error')).toContainText('network');
  await expect(pending(page)).toHaveText(`${N} 张选票待上传`);

  // Restart on the same port and database; the organiser presses 立即上传.
  await collector.start();
  await page.getByTestId('outbox-upload-now').click();
  await expectPending(page, 0);
  const stored = await collector.ballots();
  expect(stored).toHaveLength(N);
  expect(new Set(stored.map((b) => b.id)).size).toBe(N);
});
