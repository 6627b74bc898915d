// The organiser console (dist/console/, a second bundle) loads a private
// survey's results from the collector with the admin token; the tally JSON downloaded from the
// page is checked against the collector's own tally and report. The CSV and the anonymised raw
// ballots are downloaded too.
//
// Needs: target/*/pingyi-collector with the report endpoints, dist/ with dist/console/ built
// (`trunk build --config crates/console/Trunk.toml` after the widget build).
import { test, expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { startConsoleCollector, TOKEN, type Collector } from './collector';

const SURVEY_ID = 'e2e-results';

// A private survey (results_public false): the tally needs the admin token.
const SURVEY = {
  format: 'pingyi/1', id: SURVEY_ID, version: 1,
  title: { zh: '端到端结果测试', en: 'End-to-end results test' }, unit: '测试湾', eligible: 10,
  sections: [{ id: 's', title: { zh: '评议' }, questions: [
    { id: 'sat', kind: 'scale', title: { zh: '环境卫生满意度' }, preset: 'satisfaction' },
    { id: 'honour', kind: 'choose', title: { zh: '最美庭院' }, min: 1, max: 2, seats: 1, options: [
      { id: 'a', label: { zh: '王家' } }, { id: 'b', label: { zh: '刘家' } }, { id: 'c', label: { zh: '周家' } },
    ] },
    { id: 'square', kind: 'approve', title: { zh: '修建文化广场' }, rule: 'cast' },
  ] }],
};

const SAT = ['satisfied', 'satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied', 'unknown'];
const HONOUR = [['a', 'b'], ['a'], ['a', 'c'], ['b'], ['c'], ['a']];
const SQUARE = ['for', 'for', 'for', 'for', 'against', 'abstain'];

function ballots() {
  return SAT.map((sat, i) => ({
    id: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
    survey_id: SURVEY_ID,
    survey_version: 1,
    cast_at: '2026-11-27T19:30:00.000Z',
    device: `00000000-0000-4000-8000-00000000000${i % 2}`,
    channel: 'digital',
    answers: {
      sat: { choice: sat },
      honour: { chosen: HONOUR[i] },
      square: { choice: SQUARE[i] },
    },
  }));
}

let collector: Collector;

test.beforeEach(async () => {
  collector = await startConsoleCollector(SURVEY);
  const r = await fetch(`${collector.origin}/v1/surveys/${SURVEY_ID}/ballots`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ballots: ballots() }),
  });
  expect(r.status, await r.text()).toBe(200);
});

test.afterEach(async () => {
  await collector.dispose();
});

async function adminGet(p: string): Promise<Response> {
  return fetch(`${collector.origin}${p}`, { headers: { authorization: `Bearer ${TOKEN}` } });
}

async function download(page: Page, testid: string): Promise<{ name: string; bytes: Buffer }> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()]);
  const file = await dl.path();
  return { name: dl.suggestedFilename(), bytes: readFileSync(file!) };
}

test('the tally JSON downloaded from the console equals the collector\'s tally', async ({ page }) => {
  // The token is right, and the tally is really private.
  expect((await fetch(`${collector.origin}/v1/surveys/${SURVEY_ID}/tally`)).status).toBe(401);
  const tallyResp = await adminGet(`/v1/surveys/${SURVEY_ID}/tally`);
  expect(tallyResp.status).toBe(200);
  const tally = await tallyResp.json();
  const serverReport = await (await adminGet(`/v1/surveys/${SURVEY_ID}/tally?format=report`)).json();

  await page.goto(`${collector.origin}/console/`);
  await page.getByTestId('source-server').click();
  await expect(page.getByTestId('server-url')).toHaveValue(collector.origin);
  await page.getByTestId('server-survey').fill(SURVEY_ID);
  await page.getByTestId('server-token').fill(TOKEN);
  await page.getByTestId('load-server').click();

  const results = page.getByTestId('results');
  await expect(results).toBeVisible();
  await expect(results.getByTestId('counted')).toHaveText('6');
  await expect(results.locator('[data-question=sat] [data-testid=satisfaction]')).toHaveText('80.00% (4/5)');
  await expect(results.locator('[data-question=sat] svg[role=img] rect')).toHaveCount(4);
  await expect(results.locator('[data-question=honour] [data-testid=ranking] tbody tr').first())
    .toContainText('王家');
  await expect(results.locator('[data-question=square] [data-testid=approve-outcome]')).toHaveText('通过');
  await expect(results.getByTestId('footnote')).toContainText('满意率 = (满意+基本满意)/有效票，不了解不计入有效票');
  // The token was not stored: 记住 was not ticked.
  expect(await page.evaluate(() => localStorage.getItem('pingyi-console/v1/server'))).not.toContain(TOKEN);

  // 汇总 JSON: the collector's numbers exactly, and the same set of ballots.
  const json = await download(page, 'download-json');
  expect(json.name).toBe(`${SURVEY_ID}-tally.json`);
  const report = JSON.parse(json.bytes.toString('utf8'));
  expect(report.format).toBe('pingyi-tally/1');
  expect(report.tally).toEqual(tally);
  expect(report.ballot_ids_digest).toBe(serverReport.ballot_ids_digest);
  expect(report.survey_hash).toBe(serverReport.survey_hash);
  expect(report.ballots.by_device).toBeUndefined(); // anonymous survey: no device counts
  await expect(results.getByTestId('digest')).toHaveText(serverReport.ballot_ids_digest);

  // CSV for Excel: UTF-8 with BOM, Chinese headers, same bytes as the collector's CSV.
  const csv = await download(page, 'download-csv');
  expect(csv.name).toBe(`${SURVEY_ID}-tally.csv`);
  expect([...csv.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const serverCsv = Buffer.from(await (await adminGet(`/v1/surveys/${SURVEY_ID}/tally?format=csv`)).arrayBuffer());
  expect(csv.bytes.equals(serverCsv)).toBe(true);

  // 原始选票: anonymised (no device ids) and sorted by id.
  const raw = JSON.parse((await download(page, 'download-ballots')).bytes.toString('utf8'));
  expect(raw.format).toBe('pingyi-ballots/1');
  expect(raw.ballots).toHaveLength(6);
  for (const b of raw.ballots) expect(b.device).toBeUndefined();
});

test('without the token a private survey\'s results are refused, in words', async ({ page }) => {
  await page.goto(`${collector.origin}/console/`);
  await page.getByTestId('source-server').click();
  await page.getByTestId('server-survey').fill(SURVEY_ID);
  await page.getByTestId('load-server').click();
  await expect(page.getByTestId('error')).toContainText('401');
  await expect(page.getByTestId('results')).toHaveCount(0);
});
