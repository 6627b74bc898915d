// The projector shows counts and hides results until they are revealed.
// The console's projector page (dist/console/, `?view=projector&s=…`) follows the collector's
// live events: two ballots posted over HTTP show up as "2" without a reload, and no result
// figure or bar is in the DOM until the organiser reveals the results with the console's
// control (admin token); then large bars with the right counts appear. Closing (with the inline
// confirmation) shows the frozen content hash and the projector's "投票已结束" banner.
//
// Needs: target/*/pingyi-collector with the meeting endpoints, and the widget plus
// dist/console/ (or PINGYI_E2E_DIST pointing at a folder with both).
import { test, expect } from '@playwright/test';
import { startConsoleCollector, TOKEN, type Collector } from './collector';

const ID = 'e2e-projector';
const SURVEY = {
  format: 'pingyi/1', id: ID, version: 1,
  title: { zh: '夜话投影测试', en: 'Projector test' }, unit: '投影湾', eligible: 10,
  // The projector is public: it shows counts only when the results are public (村务公开).
  results_public: true,
  sections: [{ id: 's', title: { zh: '评议' }, questions: [
    { id: 'vote', kind: 'approve', title: { zh: '修建文化广场' } },
    { id: 'sat', kind: 'scale', title: { zh: '环境卫生满意度' }, preset: 'satisfaction' },
  ] }],
};

function ballot(n: number, vote: string, sat: string) {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    survey_id: ID, survey_version: 1, cast_at: '2026-11-27T19:30:00.000Z', device: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    channel: 'digital', answers: { vote: { choice: vote }, sat: { choice: sat } },
  };
}

let collector: Collector;

test.beforeEach(async () => {
  collector = await startConsoleCollector(SURVEY);
});

test.afterEach(async () => {
  await collector.dispose();
});

test('projector counts live, hides results until revealed, then shows bars and the close', async ({ browser }) => {
  const ctx = await browser.newContext({ viewport: { width: 1600, height: 900 } });
  const projector = await ctx.newPage();
  await projector.goto(`${collector.origin}/console/?view=projector&s=${ID}`);
  const count = projector.getByTestId('pj-count');
  await expect(count).toHaveText('已收到 0 张 / 应到 10');
  await expect(projector.getByTestId('pj-title')).toHaveText('夜话投影测试');
  await expect(projector.getByTestId('pj-url')).toHaveText(`${collector.origin}/?s=${ID}`);

  // Two ballots arrive from phones; the page updates itself (server-sent events).
  const r = await fetch(`${collector.origin}/v1/surveys/${ID}/ballots`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ballots: [ballot(1, 'for', 'satisfied'), ballot(2, 'for', 'dissatisfied')] }),
  });
  expect(r.status, await r.text()).toBe(200);
  await expect(count).toHaveText('已收到 2 张 / 应到 10');
  await expect(projector.getByTestId('pj-hidden')).toHaveText('结果将在投票结束后公布');
  // No tally in the DOM: no chart, no bar, no percentage, no per-option figure.
  await expect(projector.locator('.pc-chart, .pc-bar, [data-testid=pj-results]')).toHaveCount(0);
  const hiddenHtml = await projector.locator('[data-testid=projector]').innerHTML();
  expect(hiddenHtml).not.toContain('%');
  expect(hiddenHtml).not.toContain('赞同');

  // The organiser reveals the results with the console's control (admin token).
  const admin = await ctx.newPage();
  await admin.goto(`${collector.origin}/console/?view=controls&s=${ID}`);
  await admin.getByTestId('org-token').fill(TOKEN);
  await admin.getByTestId('reveal').click();
  await expect(admin.getByTestId('meeting-state')).toHaveAttribute('data-revealed', 'true');

  await expect(projector.getByTestId('pj-results')).toBeVisible();
  await expect(projector.getByTestId('pj-hidden')).toHaveCount(0);
  const voteBars = projector.locator('.pj-question[data-question=vote] .pc-bar');
  await expect(voteBars).toHaveCount(3);
  expect(await voteBars.evaluateAll((els) => els.map((e) => e.getAttribute('data-count')))).toEqual(['2', '0', '0']);
  await expect(projector.locator('.pj-question[data-question=vote]')).toContainText('2 票 · 100.00%');
  const satBars = projector.locator('.pj-question[data-question=sat] .pc-bar');
  expect(await satBars.evaluateAll((els) => els.map((e) => e.getAttribute('data-count')))).toEqual(['1', '0', '1', '0']);
  // Readable from 5 m: the chart spans most of the screen width.
  const box = await projector.locator('.pj-question[data-question=vote] svg.pc-chart').boundingBox();
  expect(box!.width).toBeGreaterThan(1200);

  // Hide again: the bars go away.
  await admin.getByTestId('hide').click();
  await expect(projector.locator('.pc-bar')).toHaveCount(0);
  await expect(projector.getByTestId('pj-hidden')).toBeVisible();

  // Close with the inline confirmation (no browser pop-up), reveal the final result.
  await admin.getByTestId('close').click();
  await expect(admin.getByTestId('confirm-close')).toBeVisible();
  await admin.getByTestId('confirm-close').click();
  const hash = admin.getByTestId('content-hash');
  await expect(hash).toHaveText(/^[0-9a-f]{64}$/);
  const fin = await (await fetch(`${collector.origin}/v1/surveys/${ID}/final`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  })).json();
  await expect(hash).toHaveText(fin.content_hash);
  await expect(projector.getByTestId('pj-closed')).toHaveText('投票已结束');
  // Closed but not revealed: the projector shows the frozen hash (in groups of 8), no figures.
  const grouped = fin.content_hash.match(/.{8}/g).join(' ');
  await expect(projector.locator('[data-testid=pj-hash] code')).toHaveText(grouped);
  await expect(projector.locator('.pc-bar')).toHaveCount(0);
  await admin.getByTestId('reveal').click();
  await expect(projector.locator('.pj-question[data-question=vote] .pc-bar')).toHaveCount(3);
  await ctx.close();
});
