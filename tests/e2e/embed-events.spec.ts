// The events a host page hears: pingyi:ready, pingyi:cast (the receipt, never the answers),
// pingyi:synced and pingyi:error, as bubbling, composed CustomEvents on the element; each fires
// once with its documented payload.
import { test, expect } from '@playwright/test';
import { startCollector, TINY_ID, type Collector } from './collector';
import { events, hostPage, serveHost, vote, watch } from './embed-host';

let collector: Collector;
test.beforeEach(async () => { collector = await startCollector(); });
test.afterEach(async () => { await collector.dispose(); });

test('ready, cast and synced fire once each with their payloads', async ({ page }) => {
  await watch(page);
  await serveHost(page, collector.origin, collector.origin, {
    '/portal/page.html': hostPage('<script src="/pingyi.js" defer></script>',
      `<pingyi-survey id="s1" survey="${TINY_ID}" retry-base-ms="200"></pingyi-survey>`),
  });
  await page.goto(`${collector.origin}/portal/page.html`);
  const receipt = await vote(page.locator('#s1'));
  await expect.poll(async () => (await events(page)).map((e) => e.type)).toContain('pingyi:synced');
  await page.waitForTimeout(500); // nothing more arrives
  const seen = await events(page);
  expect(seen.map((e) => e.type)).toEqual(['pingyi:ready', 'pingyi:cast', 'pingyi:synced']);
  for (const e of seen) {
    expect(e.target).toBe('s1');
    expect(e.bubbles).toBe(true);
    expect(e.composed).toBe(true);
  }
  expect(seen[0].detail).toEqual({ survey: TINY_ID, version: 1 });
  expect(seen[1].detail).toEqual({ survey: TINY_ID, receipt });
  expect(JSON.stringify(seen[1].detail)).not.toContain('satisfied');
  expect(seen[2].detail).toEqual({ survey: TINY_ID });
});

test('error fires once when the survey cannot be loaded', async ({ page }) => {
  await watch(page);
  await serveHost(page, collector.origin, collector.origin, {
    '/portal/page.html': hostPage('<script src="/pingyi.js" defer></script>',
      '<pingyi-survey id="s1" survey="no-such-survey"></pingyi-survey>'),
  });
  await page.goto(`${collector.origin}/portal/page.html`);
  await expect(page.locator('#s1').getByTestId('load-error')).toBeVisible();
  await page.waitForTimeout(300);
  const seen = await events(page);
  expect(seen.map((e) => e.type)).toEqual(['pingyi:error']);
  expect(seen[0].detail.code).toBe('load');
  expect(typeof seen[0].detail.detail).toBe('string');
});

test('an upload failure fires error with code upload', async ({ page }) => {
  await watch(page);
  await serveHost(page, collector.origin, collector.origin, {
    '/portal/page.html': hostPage('<script src="/pingyi.js" defer></script>',
      `<pingyi-survey id="s1" survey="${TINY_ID}" retry-base-ms="60000"></pingyi-survey>`),
  });
  await page.route(/\/ballots$/, (route) => route.fulfill({ status: 503, body: '{}' }));
  await page.goto(`${collector.origin}/portal/page.html`);
  await vote(page.locator('#s1'));
  await expect.poll(async () => (await events(page)).map((e) => e.type)).toContain('pingyi:error');
  const errors = (await events(page)).filter((e) => e.type === 'pingyi:error');
  expect(errors).toHaveLength(1);
  expect(errors[0].detail.code).toBe('upload');
});
