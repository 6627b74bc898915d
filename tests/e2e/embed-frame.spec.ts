// Iframe mode: a portal on another origin frames embed.html?s=<id>&parent=<its origin>; the
// frame tells the portal its height (postMessage to that one origin) as sections change, and
// the same events as the element; storage the browser keeps apart (a third-party frame) is
// said before anyone votes.
import { test, expect, type Page } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startCollector, type Collector } from './collector';
import { hostPage, serveHost } from './embed-host';

// The portal page is served by routing, which Chromium counts as a public address: let it frame
// the collector on loopback (Chromium's local network access checks would block that).
test.use({
  launchOptions: {
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-features=LocalNetworkAccessChecks'],
  },
});

// Another origin and site than the collector's 127.0.0.1, on loopback too (Chromium's local
// network access checks block a public page from framing a loopback one). Served by routing.
const PORTAL = 'http://localhost:8106';
const TWO = {
  format: 'pingyi/1', id: 'e2e-two-sections', version: 1, title: { zh: '两部分问卷' }, unit: '测试湾',
  sections: [
    { id: 'a', title: { zh: '第一部分' }, questions: [
      { id: 'q1', kind: 'scale', title: { zh: '环境卫生' }, preset: 'satisfaction' },
    ] },
    { id: 'b', title: { zh: '第二部分' }, questions: [
      { id: 'q2', kind: 'scale', title: { zh: '道路' }, preset: 'satisfaction' },
      { id: 'q3', kind: 'scale', title: { zh: '路灯' }, preset: 'satisfaction' },
      { id: 'q4', kind: 'scale', title: { zh: '垃圾分类' }, preset: 'satisfaction' },
    ] },
  ],
};

// The portal's own script (an external file: the portal runs under a strict CSP too).
const PORTAL_JS = (collector: string) => `
window.pingyiMessages = [];
window.addEventListener('message', function (e) {
  var frame = document.getElementById('survey-frame');
  if (e.origin !== '${collector}' || e.source !== frame.contentWindow || !e.data || !e.data.pingyi) return;
  window.pingyiMessages.push(e.data);
  if (e.data.pingyi === 'resize') frame.style.height = e.data.detail.height + 'px';
});`;

let collector: Collector;
test.beforeEach(async () => {
  const file = path.join(test.info().outputDir, 'two.json');
  require('node:fs').mkdirSync(test.info().outputDir, { recursive: true });
  writeFileSync(file, JSON.stringify(TWO));
  collector = await startCollector([file], ['--frame-ancestors', PORTAL]);
});
test.afterEach(async () => { await collector.dispose(); });

async function openPortal(page: Page): Promise<void> {
  await serveHost(page, PORTAL, collector.origin, {
    '/page.html': hostPage('<script src="/portal.js"></script><link rel="stylesheet" href="/portal.css">',
      `<iframe id="survey-frame" title="问卷" src="${collector.origin}/embed.html?s=${TWO.id}&parent=${encodeURIComponent(PORTAL)}"></iframe>`),
    '/portal.js': PORTAL_JS(collector.origin),
    '/portal.css': '#survey-frame { width: 400px; height: 50px; border: 0; display: block; }',
  });
  await page.goto(`${PORTAL}/page.html`);
}

async function heights(page: Page): Promise<{ frame: number; content: number }> {
  const frame = await page.locator('#survey-frame').evaluate((f) => f.getBoundingClientRect().height);
  const content = await page.frameLocator('#survey-frame').locator('body').evaluate((b) => Math.ceil(b.getBoundingClientRect().height));
  return { frame, content };
}

test('the frame resizes as sections change and posts events to its parent only', async ({ page }) => {
  await openPortal(page);
  const inner = page.frameLocator('#survey-frame');
  await expect(inner.getByTestId('survey-form')).toBeVisible();
  await expect.poll(async () => { const h = await heights(page); return h.frame === h.content && h.frame > 100; }).toBe(true);
  const first = (await heights(page)).frame;

  await inner.locator('[data-question=q1] input[value=satisfied]').check();
  await inner.getByTestId('next').click();
  await expect(inner.locator('[data-question=q4]')).toBeVisible();
  await expect.poll(async () => { const h = await heights(page); return h.frame === h.content; }).toBe(true);
  const second = (await heights(page)).frame;
  expect(second).toBeGreaterThan(first);

  for (const q of ['q2', 'q3', 'q4']) await inner.locator(`[data-question=${q}] input[value=satisfied]`).check();
  await inner.getByTestId('submit').click();
  await inner.getByTestId('confirm-submit').click();
  await expect(inner.getByTestId('receipt')).toBeVisible();
  await expect.poll(async () => { const h = await heights(page); return h.frame === h.content && h.frame !== second; }).toBe(true);

  const messages = await page.evaluate(() => (window as unknown as { pingyiMessages: Array<{ pingyi: string; detail: Record<string, unknown> }> }).pingyiMessages);
  const types = messages.map((m) => m.pingyi).filter((t) => t !== 'resize');
  expect(types.slice(0, 2)).toEqual(['ready', 'cast']);
  const cast = messages.find((m) => m.pingyi === 'cast')!;
  expect(Object.keys(cast.detail).sort()).toEqual(['receipt', 'survey']);
});

test('a frame whose parent has another origin than ?parent= posts nothing', async ({ page }) => {
  await serveHost(page, PORTAL, collector.origin, {
    '/page.html': hostPage('<script src="/portal.js"></script>',
      `<iframe id="survey-frame" src="${collector.origin}/embed.html?s=${TWO.id}&parent=${encodeURIComponent('http://elsewhere.example')}"></iframe>`),
    '/portal.js': PORTAL_JS(collector.origin),
  });
  await page.goto(`${PORTAL}/page.html`);
  await expect(page.frameLocator('#survey-frame').getByTestId('survey-form')).toBeVisible();
  await page.waitForTimeout(500);
  expect(await page.evaluate(() => (window as unknown as { pingyiMessages: unknown[] }).pingyiMessages)).toEqual([]);
});

test('partitioned storage in a third-party frame is said before anyone votes', async ({ page }) => {
  await page.addInitScript(() => {
    if (window.top !== window) {
      Document.prototype.hasStorageAccess = () => Promise.resolve(false);
    }
  });
  await openPortal(page);
  const inner = page.frameLocator('#survey-frame');
  await expect(inner.getByTestId('survey-form')).toBeVisible();
  const notice = inner.getByTestId('storage-partitioned');
  await expect(notice).toBeVisible();
  await expect(notice).toContainText('浏览器会把选票与本站分开保存');
});

test('the same page on its own says nothing about storage', async ({ page }) => {
  await page.goto(`${collector.origin}/embed.html?s=${TWO.id}`);
  await expect(page.getByTestId('survey-form')).toBeVisible();
  await page.waitForTimeout(300);
  await expect(page.getByTestId('storage-partitioned')).toHaveCount(0);
});
