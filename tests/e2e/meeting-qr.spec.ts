// A test decodes the QR codes to prove they carry the right URL. The
// console's code sheet (`?view=codes`) makes ballot codes through the collector and draws one
// slip per code; each slip's QR code, screenshotted and decoded with jsQR, must carry exactly
// `{origin}/?s={id}#code={code}` for the code printed beside it (the code in the fragment, which
// never reaches a server), and the collector's kiosk list must hold that code's hint (never hashes).
// The projector's QR code must carry `{origin}/?s={id}`.
//
// Needs: target/*/pingyi-collector with the meeting endpoints, and the widget plus
// dist/console/ (or PINGYI_E2E_DIST pointing at a folder with both).
import { test, expect } from '@playwright/test';
import { createHash } from 'node:crypto';
import { startConsoleCollector, TOKEN, type Collector } from './collector';
import { decodeElement } from './qr';

const ID = 'e2e-qr';
const SURVEY = {
  format: 'pingyi/1', id: ID, version: 1, codes: true,
  title: { zh: '选票码测试' }, unit: '扫码湾', eligible: 5,
  sections: [{ id: 's', title: { zh: '评议' }, questions: [
    { id: 'vote', kind: 'approve', title: { zh: '修建文化广场' } },
  ] }],
};

// Sharper screenshots make decoding independent of how small a slip is drawn.
test.use({ deviceScaleFactor: 2 });

let collector: Collector;

test.beforeEach(async () => {
  collector = await startConsoleCollector(SURVEY);
});

test.afterEach(async () => {
  await collector.dispose();
});

/** core's `codes::code_hash`: SHA-256 of `pingyi-code/1\n{survey}\n{code without dash}`. */
function codeHash(code: string): string {
  return createHash('sha256').update(`pingyi-code/1\n${ID}\n${code.replace('-', '')}`).digest('hex');
}

/** core's `codes::code_hint`: the first 4 hex digits of SHA-256 of `pingyi-code-check/1\n{hash}`. */
function codeHint(code: string): string {
  return createHash('sha256').update(`pingyi-code-check/1\n${codeHash(code)}`).digest('hex').slice(0, 4);
}

test('each slip QR carries its join URL with its code; the projector QR carries the survey link', async ({ page }) => {
  await page.goto(`${collector.origin}/console/?view=codes&s=${ID}`);
  await page.getByTestId('org-token').fill(TOKEN);
  await page.getByTestId('codes-count').fill('4');
  await page.getByTestId('codes-generate').click();
  await expect(page.getByTestId('codes-once')).toContainText('只显示这一次');
  const slips = page.locator('[data-testid=slips] .pc-slip');
  await expect(slips).toHaveCount(4);

  const codes: string[] = [];
  for (let i = 0; i < 3; i++) {
    const slip = slips.nth(i);
    const code = (await slip.getByTestId('slip-code').textContent())!.trim();
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    await expect(slip).toContainText('选票码测试');
    await expect(slip).toContainText('扫码或在平板上输入此码投票，每码只能用一次');
    const decoded = await decodeElement(slip.locator('svg'));
    expect(decoded).toBe(`${collector.origin}/?s=${ID}#code=${code}`);
    codes.push(code);
  }
  expect(new Set(codes).size).toBe(3);

  // The printed code is a real one: the kiosk list has its hint (the collector hands out no hash).
  const hints = await (await fetch(`${collector.origin}/v1/surveys/${ID}/codes/hints`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  })).json();
  expect(hints.hashes).toBeUndefined();
  for (const c of codes) expect(hints.hints).toContain(codeHint(c));

  // The projector's QR code: the join link of the survey.
  await page.goto(`${collector.origin}/console/?view=projector&s=${ID}`);
  await expect(page.getByTestId('pj-count')).toHaveText('已收到 0 张 / 应到 5');
  expect(await decodeElement(page.locator('svg.pj-qr'))).toBe(`${collector.origin}/?s=${ID}`);
});
