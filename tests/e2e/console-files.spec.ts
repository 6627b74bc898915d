// The officials' file tools (本机选票, 导入文件) live on their own page, /console/files/, with
// their own wasm: the console page organisers open first (results from the collector, the
// meeting pages) never downloads it. Against the real collector: the console's 导入文件 tab opens
// the file tools, which import two device export files, merge them (a ballot in both files counted
// once, a ballot id with two different contents left out and listed) and count them with core.
//
// Needs: target/*/pingyi-collector, dist/ with dist/console/ and dist/console/files/
// (`cargo xtask build`).
import { test, expect, type Page, type Request } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { startConsoleCollector, TOKEN, type Collector } from './collector';

const SURVEY_ID = 'e2e-files';

const SURVEY = {
  format: 'pingyi/1', id: SURVEY_ID, version: 1,
  title: { zh: '端到端文件测试', en: 'End-to-end files test' }, unit: '测试湾', eligible: 10,
  sections: [{ id: 's', title: { zh: '评议' }, questions: [
    { id: 'sat', kind: 'scale', title: { zh: '环境卫生满意度' }, preset: 'satisfaction' },
    { id: 'square', kind: 'approve', title: { zh: '修建文化广场' }, rule: 'cast' },
  ] }],
};

function ballot(n: number, sat: string, square: string) {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    survey_id: SURVEY_ID,
    survey_version: 1,
    cast_at: '2026-11-27T19:30:00.000Z',
    device: `00000000-0000-4000-8000-00000000000${n % 2}`,
    channel: 'digital',
    answers: { sat: { choice: sat }, square: { choice: square } },
  };
}

let collector: Collector;

test.beforeEach(async () => {
  collector = await startConsoleCollector(SURVEY);
  const r = await fetch(`${collector.origin}/v1/surveys/${SURVEY_ID}/ballots`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ballots: [ballot(1, 'satisfied', 'for'), ballot(2, 'dissatisfied', 'against')] }),
  });
  expect(r.status, await r.text()).toBe(200);
});

test.afterEach(async () => {
  await collector.dispose();
});

/** Every request the page makes, from now on. */
function requests(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (r: Request) => urls.push(new URL(r.url()).pathname));
  return urls;
}

const filesWasm = (urls: string[]) => urls.filter((u) => u.startsWith('/console/files/') && u.endsWith('.wasm'));
const consoleWasm = (urls: string[]) => urls.filter((u) => /^\/console\/[^/]+\.wasm$/.test(u));

test('the console\'s results and meeting pages do not download the file tools', async ({ page }) => {
  const urls = requests(page);
  await page.goto(`${collector.origin}/console/`);
  await page.getByTestId('server-survey').fill(SURVEY_ID);
  await page.getByTestId('server-token').fill(TOKEN);
  await page.getByTestId('load-server').click();
  const results = page.getByTestId('results');
  await expect(results.getByTestId('counted')).toHaveText('2');
  // The downloads of a collector's results still work without the file tools.
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-json').click()]);
  const report = JSON.parse(readFileSync((await dl.path())!, 'utf8'));
  expect(report.format).toBe('pingyi-tally/1');
  expect(report.ballots.counted).toBe(2);
  for (const view of ['controls', 'codes', 'paper']) {
    await page.goto(`${collector.origin}/console/?view=${view}&s=${SURVEY_ID}`);
    await expect(page.getByTestId('org-token')).toBeVisible();
  }
  await page.goto(`${collector.origin}/console/?view=projector&s=${SURVEY_ID}`);
  await expect(page.getByTestId('pj-count')).toBeVisible();
  expect(consoleWasm(urls).length, urls.join('\n')).toBeGreaterThan(0);
  expect(filesWasm(urls), urls.join('\n')).toEqual([]);
  expect(urls.filter((u) => u.startsWith('/console/files/'))).toEqual([]);
  // The ballot-file reader (core's `read_ballots`, "not a ballot: …") is in the file tools' wasm
  // only, not in the console's.
  const wasmText = async (p: string) => Buffer.from(await (await fetch(`${collector.origin}${p}`)).arrayBuffer()).toString('latin1');
  expect(await wasmText(consoleWasm(urls)[0])).not.toContain('not a ballot');
  const filesPage = await (await fetch(`${collector.origin}/console/files/pingyi.js`)).text();
  const filesWasmName = /pingyi-console-files-[0-9a-f]+_bg\.wasm/.exec(filesPage)?.[0];
  expect(filesWasmName, filesPage).toBeTruthy();
  expect(await wasmText(`/console/files/${filesWasmName}`)).toContain('not a ballot');
});

test('the files tool imports, merges and tallies device exports', async ({ page }) => {
  const urls = requests(page);
  await page.goto(`${collector.origin}/console/`);
  await page.getByTestId('source-files').click();
  await expect(page).toHaveURL(/\/console\/files\/\?source=files$/);
  await expect(page.getByTestId('panel-files')).toBeVisible();
  expect(filesWasm(urls).length, urls.join('\n')).toBe(1);

  const exportOf = (ballots: object[]) => JSON.stringify({
    format: 'pingyi-ballots/1', survey_id: SURVEY_ID, survey_version: 1, ballots,
  });
  const conflicting = ballot(5, 'satisfied', 'for');
  const a = exportOf([ballot(3, 'satisfied', 'for'), ballot(4, 'basically_satisfied', 'for'), conflicting]);
  const b = exportOf([ballot(4, 'basically_satisfied', 'for'), ballot(6, 'dissatisfied', 'against'),
    { ...conflicting, answers: { sat: { choice: 'dissatisfied' }, square: { choice: 'against' } } }]);
  await page.getByTestId('survey-url').fill(`/v1/surveys/${SURVEY_ID}`);
  await page.getByTestId('ballot-files').setInputFiles([
    { name: 'a.json', mimeType: 'application/json', buffer: Buffer.from(a) },
    { name: 'b.json', mimeType: 'application/json', buffer: Buffer.from(b) },
  ]);
  await page.getByTestId('count-files').click();
  const results = page.getByTestId('results');
  // 3, 4 (in both files, once) and 6 counted; 5 (two contents) left out and listed.
  await expect(results.getByTestId('counted')).toHaveText('3');
  await expect(page.getByTestId('merge-note')).toBeVisible();
  await expect(results).toContainText(conflicting.id);
  await expect(results.locator('[data-question=sat] [data-testid=satisfaction]')).toHaveText('66.67% (2/3)');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-json').click()]);
  const report = JSON.parse(readFileSync((await dl.path())!, 'utf8'));
  expect(report.format).toBe('pingyi-tally/1');
  expect(report.ballots.counted).toBe(3);
  expect(report.excluded_conflicts).toEqual([conflicting.id]);

  // Back to the console: the collector's results are there.
  await page.getByTestId('nav-console').click();
  await expect(page).toHaveURL(/\/console\/$/);
  await expect(page.getByTestId('panel-server')).toBeVisible();
});

test('the widget\'s 查看本机结果 link is passed on to the file tools', async ({ page }) => {
  await page.goto(`${collector.origin}/console/?source=local&s=${SURVEY_ID}`);
  await expect(page).toHaveURL(new RegExp(`/console/files/\\?source=local&s=${SURVEY_ID}$`));
  await expect(page.getByTestId('files-page')).toBeVisible();
  await expect(page.getByTestId('local-none')).toBeVisible();
});

test('the file tools\' page runs under the strict policy with no violation', async ({ page }) => {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { violations: string[] }).violations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const response = await page.goto(`${collector.origin}/console/files/?source=files`);
  const csp = response?.headers()['content-security-policy'];
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval';");
  expect(csp).toContain("style-src 'self';");
  expect(csp).not.toContain('unsafe-inline');
  await page.getByTestId('survey-url').fill(`/v1/surveys/${SURVEY_ID}`);
  await page.getByTestId('ballot-files').setInputFiles([{
    name: 'a.json', mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify([ballot(7, 'satisfied', 'for')])),
  }]);
  await page.getByTestId('count-files').click();
  await expect(page.getByTestId('results').getByTestId('counted')).toHaveText('1');
  expect(await page.evaluate(() => (window as unknown as { violations: string[] }).violations)).toEqual([]);
});
