// Isolation and theming of <pingyi-survey>: an aggressive host stylesheet (`* {…}`,
// `button {…}`, `fieldset {…}`) does not change the widget's rendering (screenshots compared),
// the widget's styles do not touch the host's elements, and the documented --pingyi-*
// properties theme it through the shadow boundary.
import { test, expect, type Page } from '@playwright/test';
import { startCollector, TINY_ID, type Collector } from './collector';
import { PNG } from 'pngjs';
import { hostPage, serveHost, violations, watch } from './embed-host';

let collector: Collector;
test.beforeEach(async () => { collector = await startCollector(); });
test.afterEach(async () => { await collector.dispose(); });

const AGGRESSIVE = `
* { margin: 13px !important; padding: 9px; font-size: 31px; line-height: 3; color: #f0f; font-family: serif;
    letter-spacing: 4px; text-align: right; box-sizing: content-box; border-radius: 0; }
button { background: hotpink !important; border: 7px dashed lime; font-size: 40px; }
fieldset, div, p, label, input { border: 5px dotted orange; display: block; width: 50%; }
pingyi-survey { display: inline; width: 10px; font-size: 50px; }
`;

// Whole-pixel positions in both layouts: a fractional offset alone changes anti-aliasing.
const LAYOUT = '.col { width: 420px; position: absolute; left: 0; top: 200px; }';

async function open(page: Page, css: string, body: string): Promise<void> {
  await watch(page);
  await serveHost(page, collector.origin, collector.origin, {
    '/portal/page.html': hostPage('<link rel="stylesheet" href="/portal/host.css"><script src="/pingyi.js" defer></script>', body),
    '/portal/host.css': css,
  });
  await page.goto(`${collector.origin}/portal/page.html`);
}

const WIDGET = `<div class="col"><pingyi-survey id="s1" survey="${TINY_ID}"></pingyi-survey></div>`;

async function shot(page: Page): Promise<Buffer> {
  const inner = page.locator('#s1 .pingyi-host');
  await expect(inner.getByTestId('survey-form')).toBeVisible();
  await page.evaluate(() => document.fonts.ready);
  return inner.screenshot({ animations: 'disabled', caret: 'hide' });
}

test('an aggressive host stylesheet leaves the widget exactly as it was', async ({ page }) => {
  await open(page, LAYOUT, WIDGET);
  const plain = await shot(page);
  await open(page, LAYOUT + AGGRESSIVE, WIDGET);
  // The host's rules do apply to the host's own elements...
  await expect(page.locator('#portal-title')).toHaveCSS('font-size', '31px');
  const styled = await shot(page);
  // Same size, and the same pixels but for anti-aliasing noise (a changed layout, font, colour or
  // border changes thousands of pixels).
  const [a, b] = [PNG.sync.read(plain), PNG.sync.read(styled)];
  expect([b.width, b.height]).toEqual([a.width, a.height]);
  let differing = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    if (a.data[i] !== b.data[i] || a.data[i + 1] !== b.data[i + 1] || a.data[i + 2] !== b.data[i + 2]) differing++;
  }
  expect(differing, 'the widget looks the same with and without the host stylesheet').toBeLessThan(a.width * a.height / 1000);
  expect(await violations(page)).toEqual([]);
});

test('the widget\'s styles do not touch the host page', async ({ page }) => {
  const host = '<p id="host-p">通知</p><button id="host-button" type="button">办事</button><fieldset id="host-fs"><legend>栏目</legend></fieldset>';
  const styles = () => page.evaluate(() => ['body', '#host-p', '#host-button', '#host-fs'].map((s) => {
    const c = getComputedStyle(document.querySelector(s)!);
    return [c.fontSize, c.fontFamily, c.color, c.backgroundColor, c.boxSizing, c.margin, c.padding, c.lineHeight, c.borderTopWidth].join('|');
  }));
  await open(page, '', `${host}<div id="later"></div>`);
  const before = await styles();
  await page.evaluate((id) => {
    const el = document.createElement('pingyi-survey');
    el.id = 's1';
    el.setAttribute('survey', id);
    document.querySelector('#later')!.appendChild(el);
  }, TINY_ID);
  await expect(page.locator('#s1').getByTestId('survey-form')).toBeVisible();
  expect(await styles()).toEqual(before);
});

test('the --pingyi-* properties theme the widget through the shadow boundary', async ({ page }) => {
  const theme = 'pingyi-survey { --pingyi-accent: rgb(0, 100, 0); --pingyi-font-scale: 1.5; --pingyi-radius: 0px; }';
  await open(page, theme, WIDGET);
  const s1 = page.locator('#s1');
  await expect(s1.getByTestId('survey-form')).toBeVisible();
  await expect(s1.getByTestId('submit')).toHaveCSS('background-color', 'rgb(0, 100, 0)');
  await expect(s1.locator('.pingyi')).toHaveCSS('font-size', '27px');
  await expect(s1.getByTestId('submit')).toHaveCSS('border-top-left-radius', '0px');
});
