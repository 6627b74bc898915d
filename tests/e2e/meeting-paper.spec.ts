// Paper ballots are counted. The organiser keys in two paper ballots one
// by one and a row of totals per option in the console (dist/console/, `?view=paper`), with the
// admin token; the collector's tally (admin) counts them with the digital ballot, and shows the
// paper channel separately from the digital one, as does the console's results view.
//
// Needs: target/*/pingyi-collector with the meeting endpoints, and the widget plus
// dist/console/ (or PINGYI_E2E_DIST pointing at a folder with both).
import { test, expect, type Page } from '@playwright/test';
import { startConsoleCollector, TOKEN, type Collector } from './collector';

const ID = 'e2e-paper';
const SURVEY = {
  format: 'pingyi/1', id: ID, version: 1,
  title: { zh: '纸质票测试' }, unit: '纸票湾', eligible: 20,
  sections: [{ id: 's', title: { zh: '评议' }, questions: [
    { id: 'sat', kind: 'scale', title: { zh: '环境卫生满意度' }, preset: 'satisfaction' },
    { id: 'cadres', kind: 'scale', title: { zh: '民主评议' }, preset: 'appraisal', required: false,
      subjects: [{ id: 'wang', label: { zh: '王主任' } }, { id: 'li', label: { zh: '李委员' } }] },
    { id: 'vote', kind: 'approve', title: { zh: '修建文化广场' } },
    { id: 'honour', kind: 'choose', title: { zh: '最美庭院' }, min: 1, max: 2, options: [
      { id: 'a', label: { zh: '王家' } }, { id: 'b', label: { zh: '刘家' } }, { id: 'c', label: { zh: '周家' } },
    ] },
    { id: 'say', kind: 'text', title: { zh: '意见建议' }, required: false },
  ] }],
};

let collector: Collector;

test.beforeEach(async () => {
  collector = await startConsoleCollector(SURVEY);
  // One digital ballot from a phone.
  const r = await fetch(`${collector.origin}/v1/surveys/${ID}/ballots`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ballots: [{
      id: '00000000-0000-4000-8000-000000000001', survey_id: ID, survey_version: 1,
      cast_at: '2026-11-27T19:30:00.000Z', device: '00000000-0000-4000-8000-00000000a001', channel: 'digital',
      answers: { sat: { choice: 'satisfied' }, vote: { choice: 'for' }, honour: { chosen: ['a'] } },
    }] }),
  });
  expect(r.status, await r.text()).toBe(200);
});

test.afterEach(async () => {
  await collector.dispose();
});

async function mark(page: Page, name: string, value: string) {
  await page.locator(`form input[name="${name}"][value="${value}"]`).check();
}

test('paper ballots one by one and as totals are counted, by channel', async ({ page }) => {
  await page.goto(`${collector.origin}/console/?view=paper&s=${ID}`);
  await page.getByTestId('org-token').fill(TOKEN);
  await page.getByTestId('paper-load').click();
  await expect(page.getByTestId('paper-one')).toBeVisible();
  // Only the single-answer kinds are on the form; the text question is not.
  await expect(page.locator('[data-testid=paper-one] fieldset[data-question]')).toHaveCount(4);

  // Paper ballot 1.
  await mark(page, 'b|sat', 'satisfied');
  await mark(page, 'b|cadres|wang', 'competent');
  await mark(page, 'b|cadres|li', 'not_competent');
  await mark(page, 'b|vote', 'against');
  await mark(page, 'b|honour', 'a');
  await mark(page, 'b|honour', 'b');
  await page.getByTestId('paper-submit').click();
  await expect(page.getByTestId('paper-result')).toContainText('已计入');
  await expect(page.getByTestId('paper-count')).toHaveText('本次已录入 1 张纸质选票');
  // The form is cleared for the next paper ballot.
  await expect(page.locator('form input[name="b|vote"]:checked')).toHaveCount(0);

  // Paper ballot 2.
  await mark(page, 'b|sat', 'dissatisfied');
  await mark(page, 'b|vote', 'for');
  await mark(page, 'b|honour', 'c');
  await page.getByTestId('paper-submit').click();
  await expect(page.getByTestId('paper-count')).toHaveText('本次已录入 2 张纸质选票');

  // A paper ballot the collector refuses (choose needs at least one mark): shown with its path.
  await mark(page, 'b|sat', 'satisfied');
  await mark(page, 'b|vote', 'for');
  await page.getByTestId('paper-submit').click();
  await expect(page.getByTestId('paper-result')).toContainText('被拒绝');
  await expect(page.getByTestId('paper-problems')).toContainText('$.answers.honour');
  await expect(page.getByTestId('paper-count')).toHaveText('本次已录入 2 张纸质选票');

  // Totals: first with marks that do not add up, the collector's problem is shown with its path.
  const field = (name: string) => page.locator(`[data-field="${name}"]`);
  await field('t|vote||ballots').fill('3');
  await field('t|vote||o|for').fill('1');
  await field('t|vote||o|against').fill('1');
  await page.getByTestId('totals-save').click();
  await expect(page.getByTestId('totals-problems')).toContainText('修建文化广场');
  await expect(page.getByTestId('totals-problems')).toContainText('$[0]');
  // Corrected: 3 paper ballots, for 1, against 1, abstain 1.
  await field('t|vote||o|abstain').fill('1');
  await page.getByTestId('totals-save').click();
  await expect(page.getByTestId('totals-result')).toContainText('代表 3 张纸质选票');

  // The collector's tally (admin): 1 digital + 2 one-by-one + 3 from totals.
  const tally = await (await fetch(`${collector.origin}/v1/surveys/${ID}/tally`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  })).json();
  expect(tally.participation.ballots).toBe(6);
  expect(tally.participation.by_channel).toEqual({ digital: 1, paper: 5 });
  expect(tally.participation.paper_totals_ballots).toBe(3);
  const vote = tally.questions.find((q: { question_id: string }) => q.question_id === 'vote');
  expect([vote.for_count, vote.against, vote.abstain]).toEqual([3, 2, 1]);
  const split = (ch: string, opt: string) =>
    vote.channel_counts.find((c: { channel: string; option_id: string }) => c.channel === ch && c.option_id === opt).count;
  expect([split('digital', 'for'), split('digital', 'against'), split('digital', 'abstain')]).toEqual([1, 0, 0]);
  expect([split('paper', 'for'), split('paper', 'against'), split('paper', 'abstain')]).toEqual([2, 2, 1]);
  const stored = await collector.ballots(ID);
  expect(stored.filter((b: any) => b.channel === 'paper' && !b.device)).toHaveLength(2);

  // The console's results view shows the channels separately.
  await page.getByTestId('nav-results').click();
  await page.getByTestId('source-server').click();
  await page.getByTestId('server-token').fill(TOKEN);
  await page.getByTestId('load-server').click();
  const table = page.locator('[data-question=vote] [data-testid=channel-counts]');
  await expect(table.locator('tr[data-option=for] td[data-channel=digital]')).toHaveText('1');
  await expect(table.locator('tr[data-option=for] td[data-channel=paper]')).toHaveText('2');
  await expect(table.locator('tr[data-option=against] td[data-channel=paper]')).toHaveText('2');
  await expect(page.locator('[data-question=cadres] [data-testid=channel-counts] tr[data-subject=li][data-option=not_competent] td[data-channel=paper]')).toHaveText('1');
});
