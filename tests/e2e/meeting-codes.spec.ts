// A code used twice is rejected, including when two offline devices each
// used it and then synced. Two browser contexts are two phones: both open the same slip's link
// (a new slip's `?s=…#code=…`, and an older slip's `?s=…&code=…`, which still works), go offline, vote, and come back online one after the other. The collector keeps
// exactly one ballot; the other phone lists its ballot as refused with `code_used`. A kiosk
// refuses a second use of a code on the same tablet by itself, before any upload, holding only
// code hints (never a code hash that could cast a ballot).
import { test, expect, type Browser, type Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCollector, TOKEN, type Collector } from './collector';
import { expectPending } from './widget';

const ID = 'e2e-codes';
const SURVEY = {
  format: 'pingyi/1', id: ID, version: 1, codes: true,
  title: { zh: '选票码测试' }, unit: '码湾', eligible: 2,
  sections: [{ id: 's', title: { zh: '评议' }, questions: [
    { id: 'q_sat', kind: 'scale', title: { zh: '环境卫生' }, preset: 'satisfaction' },
  ] }],
};

let collector: Collector;
let dir: string;
let codes: string[];

test.beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'pingyi-codes-'));
  const file = path.join(dir, 'survey.json');
  writeFileSync(file, JSON.stringify(SURVEY));
  collector = await startCollector([file]);
  const r = await fetch(`${collector.origin}/v1/surveys/${ID}/codes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ count: 2 }),
  });
  const text = await r.text();
  expect(r.status, text).toBe(201);
  codes = JSON.parse(text).codes.map((c: { code: string }) => c.code);
  expect(codes).toHaveLength(2);
});

test.afterEach(async () => {
  await collector.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function setUpKiosk(page: Page, url: string, pin: string, token: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('kiosk-pin-new').fill(pin);
  await page.getByTestId('kiosk-pin-confirm').fill(pin);
  await page.getByTestId('kiosk-token').fill(token);
  await page.getByTestId('kiosk-setup-start').click();
  await expect(page.getByTestId('kiosk-welcome')).toBeVisible();
}

/** core's `codes::code_hash`: SHA-256 of `pingyi-code/1\n{survey}\n{code without dash}`. */
function codeHash(code: string): string {
  return createHash('sha256').update(`pingyi-code/1\n${ID}\n${code.replace('-', '')}`).digest('hex');
}

/** A phone opening a slip's link: the code in the fragment (new slips) or the query (older). */
async function phone(browser: Browser, code: string, older = false): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(older ? collector.link(ID, `&code=${code}`) : `${collector.link(ID)}#code=${code}`);
  // The slip's code opens the form directly, and leaves the address bar at once.
  await expect(page.getByTestId('survey-form')).toBeVisible();
  await expect(page).not.toHaveURL(/code=/);
  return page;
}

async function vote(page: Page, choice: string): Promise<void> {
  await page.locator(`[data-question=q_sat] input[value=${choice}]`).check();
  await page.getByTestId('submit').click();
  await page.getByTestId('confirm-submit').click();
  await expect(page.getByTestId('receipt')).toBeVisible();
}

test('one code on two offline phones: the first to sync wins, the other is refused', async ({ browser }) => {
  const a = await phone(browser, codes[0]);
  const b = await phone(browser, codes[0], true);
  await a.context().setOffline(true);
  await b.context().setOffline(true);
  await vote(a, 'satisfied');
  await vote(b, 'dissatisfied');
  await expectPending(a, 1);
  await expectPending(b, 1);
  // Stored with the hash of the code, never the code itself.
  const stored = await a.evaluate((id) => Object.keys(localStorage)
    .filter((k) => k.startsWith(`pingyi/v1/${id}/ballot/`))
    .map((k) => localStorage.getItem(k) as string), ID);
  expect(stored).toHaveLength(1);
  expect(stored[0]).not.toContain(codes[0]);
  expect(JSON.parse(stored[0]).ballot.code_hash).toMatch(/^[0-9a-f]{64}$/);

  await a.context().setOffline(false);
  await expectPending(a, 0);
  await expect(a.getByTestId('outbox-refused')).toHaveCount(0);
  await b.context().setOffline(false);
  const refused = b.getByTestId('outbox-refused');
  await expect(refused).toContainText('1 张选票被拒收', { timeout: 15_000 });
  // Said plainly to the voter, and listed with the refused ballot.
  await expect(b.getByTestId('code-refused')).toHaveText('这张选票码已经用过了，每个码只能投一次。');
  await refused.locator('summary').click();
  await expect(refused).toContainText('这张选票码已经用过了，每个码只能投一次。');
  const rec = await b.evaluate((id) => Object.keys(localStorage)
    .filter((k) => k.startsWith(`pingyi/v1/${id}/ballot/`))
    .map((k) => JSON.parse(localStorage.getItem(k) as string)), ID);
  expect(rec[0].status).toBe('refused');
  expect(rec[0].refusal.problems[0].code).toBe('code_used');

  const held = await collector.ballots(ID) as unknown as Array<{ answers: { q_sat: { choice: string } } }>;
  expect(held).toHaveLength(1);
  expect(held[0].answers.q_sat.choice).toBe('satisfied');

  // A phone without a code is asked for one first; a malformed code is refused there.
  const c = await (await browser.newContext()).newPage();
  await c.goto(collector.link(ID));
  await expect(c.getByTestId('code-entry')).toBeVisible();
  await expect(c.getByTestId('survey-form')).toHaveCount(0);
  await c.getByTestId('code-input').fill('12');
  await c.getByTestId('code-start').click();
  await expect(c.getByTestId('code-error')).toBeVisible();
  await c.getByTestId('code-input').fill(codes[1].toLowerCase().replace('-', ' '));
  await c.getByTestId('code-start').click();
  await expect(c.getByTestId('survey-form')).toBeVisible();
});

test('a kiosk refuses a code used twice on the same tablet, offline', async ({ page, context }) => {
  await setUpKiosk(page, `${collector.origin}/kiosk/?s=${ID}`, '13579', TOKEN);
  // The token was used once and is not kept, and the tablet holds hints, no code hash.
  const stored = await page.evaluate(() => JSON.stringify(localStorage));
  expect(stored).not.toContain(TOKEN);
  for (const c of codes) expect(stored).not.toContain(codeHash(c));
  await context.setOffline(true);

  const code = page.getByTestId('kiosk-code');
  await code.fill('AAAA-AAAA');
  await page.getByTestId('kiosk-begin').click();
  await expect(page.getByTestId('kiosk-code-error')).toHaveAttribute('data-code', 'code_unknown');
  await expect(page.getByTestId('kiosk-code-error')).toContainText('选票码不正确');

  await code.fill(codes[1]);
  await page.getByTestId('kiosk-begin').click();
  await page.locator('[data-question=q_sat] input[value=satisfied]').check();
  await page.getByTestId('submit').click();
  await page.getByTestId('confirm-submit').click();
  await page.getByTestId('kiosk-done').click();
  await expect(page.getByTestId('kiosk-count')).toHaveAttribute('data-count', '1');

  await page.getByTestId('kiosk-code').fill(codes[1]);
  await page.getByTestId('kiosk-begin').click();
  await expect(page.getByTestId('kiosk-code-error')).toHaveAttribute('data-code', 'code_used');
  await expect(page.getByTestId('kiosk-code-error')).toContainText('这个码已经用过了');
  await expect(page.getByTestId('kiosk-vote')).toHaveCount(0);

  await context.setOffline(false);
  await expect.poll(async () => (await collector.ballots(ID)).length, { timeout: 15_000 }).toBe(1);
});
