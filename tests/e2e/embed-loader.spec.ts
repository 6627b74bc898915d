// The stable loader, pingyi.js: one tag on a portal page under a strict CSP mounts
// <pingyi-survey>; the survey is fetched in parallel with the wasm; it works without streaming
// compilation; without WebAssembly it says so in Chinese; several instances are independent;
// removing an element unmounts it; changing an attribute renders it again; a JSON child
// configures it; the resident page asks for its wasm from its head and for no /favicon.ico.
import { test, expect } from '@playwright/test';
import { startCollector, TINY_ID, type Collector } from './collector';
import { events, hostPage, serveHost, violations, vote, watch } from './embed-host';

let collector: Collector;
test.beforeEach(async () => { collector = await startCollector(); });
test.afterEach(async () => { await collector.dispose(); });

const SCRIPT = '<script src="/pingyi.js" defer></script>';

async function open(page: import('@playwright/test').Page, body: string): Promise<void> {
  await watch(page);
  await serveHost(page, collector.origin, collector.origin, { '/portal/page.html': hostPage(SCRIPT, body) });
  await page.goto(`${collector.origin}/portal/page.html`);
}

test('pingyi.js is one small unhashed file that mounts <pingyi-survey> and votes under a strict CSP', async ({ page }) => {
  const loader = await fetch(`${collector.origin}/pingyi.js`);
  expect(loader.status).toBe(200);
  const text = await loader.text();
  expect(text.length).toBeLessThan(6_000);
  expect(text).not.toContain('__PINGYI_'); // the build filled in this build's file names
  await open(page, `<pingyi-survey id="s1" survey="${TINY_ID}" retry-base-ms="200"></pingyi-survey>`);
  const widget = page.locator('#s1');
  await expect(widget.getByTestId('survey-form')).toBeVisible();
  // The widget lives in the element's shadow root.
  expect(await page.evaluate(() => document.querySelector('#s1')!.shadowRoot!.querySelector('[data-testid=survey-form]') !== null)).toBe(true);
  await vote(widget);
  await expect.poll(async () => (await collector.ballots()).length).toBe(1);
  expect(await violations(page)).toEqual([]);
});

test('the survey is fetched while the wasm is still downloading', async ({ page }) => {
  const order: string[] = [];
  await page.route(/_bg\.wasm$/, async (route) => {
    order.push('wasm requested');
    await new Promise((r) => setTimeout(r, 1000));
    order.push('wasm released');
    await route.continue();
  });
  page.on('request', (r) => { if (r.url().endsWith(`/v1/surveys/${TINY_ID}`)) order.push('survey requested'); });
  await open(page, `<pingyi-survey id="s1" survey="${TINY_ID}"></pingyi-survey>`);
  await expect(page.locator('#s1').getByTestId('survey-form')).toBeVisible();
  expect(order.indexOf('survey requested')).toBeGreaterThanOrEqual(0);
  expect(order.indexOf('survey requested')).toBeLessThan(order.indexOf('wasm released'));
  // One request for the survey: the widget used the loader's copy.
  expect(order.filter((o) => o === 'survey requested')).toHaveLength(1);
});

test('without streaming compilation the widget still starts', async ({ page }) => {
  await page.addInitScript(() => {
    delete (WebAssembly as unknown as Record<string, unknown>).instantiateStreaming;
    delete (WebAssembly as unknown as Record<string, unknown>).compileStreaming;
  });
  await open(page, `<pingyi-survey id="s1" survey="${TINY_ID}"></pingyi-survey>`);
  await expect(page.locator('#s1').getByTestId('survey-form')).toBeVisible();
});

test('without WebAssembly the element says so in Chinese instead of staying blank', async ({ page }) => {
  await page.addInitScript(() => { delete (window as unknown as Record<string, unknown>).WebAssembly; });
  await open(page, `<pingyi-survey id="s1" survey="${TINY_ID}"></pingyi-survey>`);
  await expect(page.locator('#s1')).toContainText('您的浏览器版本过旧，无法使用本问卷');
  await expect(page.locator('#s1 [role=alert]')).toBeVisible();
});

test('instances are independent; removing one unmounts it; an attribute change renders it again', async ({ page }) => {
  await open(page,
    `<pingyi-survey id="a" survey="${TINY_ID}"></pingyi-survey><pingyi-survey id="b" survey="${TINY_ID}"></pingyi-survey>`);
  const a = page.locator('#a');
  const b = page.locator('#b');
  await expect(a.getByTestId('survey-form')).toBeVisible();
  await expect(b.getByTestId('survey-form')).toBeVisible();
  await a.locator('[data-question=q_sat] input[value=satisfied]').check();
  await expect(b.locator('input:checked')).toHaveCount(0);

  // Language by attribute: only b changes, and b is rendered again from scratch.
  await expect(b.locator('.py-title')).toHaveText('端到端测试问卷');
  await page.evaluate(() => document.querySelector('#b')!.setAttribute('lang', 'en'));
  await expect(b.locator('.py-title')).toHaveText('End-to-end test survey');
  await expect(a.locator('.py-title')).toHaveText('端到端测试问卷');
  await expect(a.locator('input:checked')).toHaveCount(1);
  expect(await page.evaluate(() => document.querySelector('#b')!.shadowRoot!.querySelectorAll('.pingyi').length)).toBe(1);

  // Removing a unmounts it: nothing of it is left in its shadow root; b carries on.
  await page.evaluate(() => {
    const el = document.querySelector('#a')!;
    (window as unknown as { removed: Element }).removed = el;
    el.remove();
  });
  expect(await page.evaluate(() => (window as unknown as { removed: Element }).removed.shadowRoot!.querySelectorAll('.pingyi').length)).toBe(0);
  await vote(b);
  // Put back: it mounts again, fresh.
  await page.evaluate(() => document.body.appendChild((window as unknown as { removed: Element }).removed));
  await expect(a.getByTestId('survey-form')).toBeVisible();
  await expect(a.locator('input:checked')).toHaveCount(0);
  expect((await events(page)).filter((e) => e.type === 'pingyi:cast')).toHaveLength(1);
});

test('a JSON child configures the element', async ({ page }) => {
  await open(page, `<pingyi-survey id="s1"><script type="application/json">{"survey": "${TINY_ID}", "lang": "en", "elder": true}</script></pingyi-survey>`);
  const s1 = page.locator('#s1');
  await expect(s1.locator('.py-title')).toHaveText('End-to-end test survey');
  await expect(s1.locator('.pingyi')).toHaveClass(/elder/);
  expect(await violations(page)).toEqual([]);
});

test('the resident page asks for the wasm from its head, and downloads it once', async ({ page }) => {
  const html = await (await fetch(`${collector.origin}/?s=${TINY_ID}`)).text();
  const preload = html.match(/<link rel="preload" href="([^"]+_bg\.wasm)" as="fetch" type="application\/wasm" crossorigin>/);
  expect(preload, 'a wasm preload in the page head').not.toBeNull();
  expect(html.indexOf(preload![0])).toBeLessThan(html.indexOf('</head>'));
  const wasm: string[] = [];
  page.on('request', (r) => { if (r.url().endsWith('_bg.wasm')) wasm.push(r.url()); });
  const warnings: string[] = [];
  page.on('console', (m) => { if (/preload/i.test(m.text())) warnings.push(m.text()); });
  await page.goto(`${collector.origin}/?s=${TINY_ID}`);
  await expect(page.getByTestId('survey-form')).toBeVisible();
  // Give Chromium the moment it takes to warn about a preload nobody used.
  await page.waitForTimeout(3_500);
  expect(wasm, 'the preload and the loader share one download').toHaveLength(1);
  expect(warnings).toEqual([]);
});

test('the resident and kiosk pages name their icon in the page, so the browser asks for no /favicon.ico while the survey loads', async ({ page }) => {
  // Headless Chromium never asks for an icon, so the page itself is checked: without a
  // <link rel=icon> a phone's browser asks for /favicon.ico, which the server answers with this
  // page, one more download on slow signal while the wasm downloads.
  for (const path of ['/', '/kiosk/']) {
    const html = await (await fetch(`${collector.origin}${path}?s=${TINY_ID}`)).text();
    const icon = html.match(/<link [^>]*rel=["']?icon["']?[^>]*>/);
    expect(icon, `an icon link in the head of ${path}`).not.toBeNull();
    expect(icon![0]).toMatch(/href=["']?data:/);
    expect(html.indexOf(icon![0])).toBeLessThan(html.indexOf('</head>'));
  }
  const icons: string[] = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/favicon.ico') icons.push(r.url()); });
  await page.goto(`${collector.origin}/?s=${TINY_ID}`);
  await expect(page.getByTestId('survey-form')).toBeVisible();
  expect(icons).toEqual([]);
});
