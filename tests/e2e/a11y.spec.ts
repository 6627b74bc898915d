// Everyone can vote: WCAG 2.2 AA, checked by axe-core, on every screen a resident, an organiser
// or a projector shows, in Simplified Chinese and in English, and in large-text (elder) mode,
// where axe's enhanced contrast rule (7:1) runs too. Then what axe does not see: screens that fit
// (320 px phones to a landscape tablet, the projector at 1280×720 and 1920×1080), a keyboard-only
// ballot with a visible focus ring, elder mode's type and touch-target sizes, the confirmation
// before a ballot is cast, and reading a question aloud (朗读).
//
// Screenshots of the widget at 320, 390 and 1024 px and of the projector at 1280×720 are saved in
// the run's output folder (tests/e2e/test-results/…).
//
// Needs dist/ with console/, console/builder/ and kiosk/ (`cargo xtask build`) and the collector.
import { test, expect, type Page, type TestInfo } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { startConsoleCollector, TOKEN, type Collector } from './collector';

const ID = 'e2e-a11y';
const LONG = 'A'.repeat(160);
/** A survey with every question kind: single and matrix scale, choose, approve, score, notice, text. */
const SURVEY = {
  format: 'pingyi/1', id: ID, version: 1,
  title: { zh: '石桥湾 11 月村湾夜话 · 无障碍测试问卷（光荣榜、积分榜、公示榜与文化广场项目表决）',
    en: 'Shiqiao hamlet November evening meeting: accessibility test survey (honour, points and notice lists, culture square vote)' },
  unit: '无障碍湾', eligible: 20,
  results_public: true,
  sections: [
    { id: 's1', title: { zh: '满意度与表决', en: 'Satisfaction and vote' }, questions: [
      { id: 'q_sat', kind: 'scale', title: { zh: '环境卫生', en: 'Sanitation' }, preset: 'satisfaction' },
      { id: 'q_matrix', kind: 'scale', title: { zh: '村干部评议', en: 'Village officers' }, preset: 'appraisal',
        subjects: [
          { id: 'wang', label: { zh: '王书记', en: 'Secretary Wang' } },
          { id: 'li', label: { zh: '李主任', en: 'Director Li' } },
        ] },
      { id: 'q_choose', kind: 'choose', title: { zh: '最美庭院（最多 2 户）', en: 'Best courtyards (up to 2)' },
        options: [
          { id: 'a', label: { zh: '王家', en: 'The Wangs' }, detail: { zh: '种满月季', en: 'Full of roses' } },
          { id: 'b', label: { zh: '刘家', en: 'The Lius' } },
          { id: 'c', label: { zh: '周家', en: 'The Zhous' } },
        ], min: 1, max: 2 },
      { id: 'q_approve', kind: 'approve', title: { zh: '修建文化广场', en: 'Build the culture square' },
        detail: { zh: '预算 12 万元', en: 'Budget 120,000 yuan' } },
    ] },
    { id: 's2', title: { zh: '积分、公示与建议', en: 'Points, notices and suggestions' }, questions: [
      { id: 'q_score', kind: 'score', title: { zh: '积分榜', en: 'Points' },
        subjects: [{ id: 'h1', label: { zh: '一组 王户', en: 'Group 1, Wang' } }],
        criteria: [{ id: 'clean', label: { zh: '环境卫生', en: 'Sanitation' }, min: 0, max: 5 }] },
      { id: 'q_notice', kind: 'notice', title: { zh: '公示事项', en: 'Notices' },
        items: [{ id: 'road', label: { zh: '主路硬化 38,600 元', en: 'Road paving: 38,600 yuan' } }],
        reason_max_len: 200 },
      { id: 'q_text', kind: 'text', title: { zh: '意见建议', en: 'Suggestions' }, required: false, max_len: 200 },
    ] },
  ],
};
/** A survey whose question title is one unbroken 160-letter word. */
const LONG_SURVEY = {
  format: 'pingyi/1', id: 'e2e-a11y-long', version: 1,
  title: { zh: LONG, en: LONG }, unit: '长标题湾',
  sections: [{ id: 's', title: { zh: LONG }, questions: [
    { id: 'q', kind: 'scale', title: { zh: LONG }, preset: 'satisfaction' },
  ] }],
};

const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Runs axe (WCAG 2.2 AA; in elder mode also the 7:1 contrast rule) and expects no violation. */
async function axe(page: Page, what: string, elder = false): Promise<void> {
  // Let transitions and late renders settle.
  await page.waitForTimeout(150);
  const runs = [new AxeBuilder({ page }).withTags(WCAG)];
  if (elder) runs.push(new AxeBuilder({ page }).withRules(['color-contrast-enhanced']));
  for (const run of runs) {
    const { violations } = await run.analyze();
    const found = violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n` + v.nodes.slice(0, 6).map(
      (n) => `    ${n.target.join(' ')}: ${n.failureSummary?.replace(/\n/g, ' ')}`).join('\n'));
    expect(found, `axe on ${what}`).toEqual([]);
  }
}

/** Switches the widget to English (its own toggle) when `lang` is en. */
async function widgetLang(page: Page, lang: string): Promise<void> {
  if (lang === 'en') {
    await page.getByTestId('lang-toggle').first().click();
    await expect(page.getByTestId('pingyi').first()).toHaveAttribute('lang', 'en');
  }
}

/** Turns large text on with the widget's toggle. */
async function widgetElder(page: Page, elder: boolean): Promise<void> {
  if (!elder) return;
  const toggle = page.getByTestId('elder-toggle').first();
  if ((await toggle.getAttribute('aria-pressed')) !== 'true') await toggle.click();
  await expect(page.getByTestId('pingyi').first()).toHaveClass(/\belder\b/);
}

/** Answers section 1 of SURVEY (mouse is fine here: the keyboard test does it by keyboard). */
async function answerFirstSection(page: Page): Promise<void> {
  await page.locator('[data-question=q_sat] input[value=satisfied]').check();
  for (const s of ['wang', 'li']) {
    await page.locator(`[data-question=q_matrix] [data-subject=${s}] input[type=radio]`).first().check();
  }
  await page.locator('[data-question=q_choose] input[value=a]').check();
  await page.locator('[data-question=q_approve] input[value=for]').check();
}

// The service worker would answer some requests itself, out of reach of page.route.
test.use({ serviceWorkers: 'block' });

/** Serves `path` (an HTML page) with its `data-lang` set to `lang`: for pages with no language switch. */
async function pageInLang(page: Page, path: string, lang: string): Promise<void> {
  if (lang !== 'en') return;
  await page.route((u) => u.pathname === path, async (route) => {
    const r = await route.fetch();
    await route.fulfill({ response: r, body: (await r.text()).replace(/data-lang="?zh-CN"?/, 'data-lang="en"') });
  });
}

let collector: Collector;
test.beforeEach(async () => { collector = await startConsoleCollector(SURVEY); });
test.afterEach(async () => { await collector.dispose(); });

const MODES: Array<{ lang: string; elder: boolean }> = [
  { lang: 'zh-CN', elder: false }, { lang: 'en', elder: false }, { lang: 'zh-CN', elder: true }, { lang: 'en', elder: true },
];

for (const { lang, elder } of MODES) {
  const mode = `${lang}${elder ? ', elder' : ''}`;

  test(`axe: the widget's form, errors and thanks (${mode})`, async ({ page }) => {
    await page.goto(collector.link(ID, '&shared=1'));
    await expect(page.getByTestId('survey-form')).toBeVisible();
    await widgetLang(page, lang);
    await widgetElder(page, elder);
    await axe(page, `section 1 (${mode})`, elder);
    // Errors: next without answers.
    await page.getByTestId('next').click();
    await expect(page.getByTestId('fix-below')).toBeVisible();
    await axe(page, `section 1 with errors (${mode})`, elder);
    await answerFirstSection(page);
    await page.getByTestId('next').click();
    await expect(page.locator('[data-question=q_score]')).toBeVisible();
    await page.locator('[data-question=q_notice] input[value=objection]').check();
    await axe(page, `section 2 with a reason box (${mode})`, elder);
    await page.locator('[data-question=q_notice] input[value=no_objection]').check();
    await page.locator('[data-question=q_score] select').selectOption('3');
    await page.getByTestId('submit').click();
    await expect(page.getByTestId('confirm')).toBeVisible();
    await axe(page, `confirmation (${mode})`, elder);
    await page.getByTestId('confirm-submit').click();
    await expect(page.getByTestId('receipt')).toBeVisible();
    await axe(page, `thanks (${mode})`, elder);
  });

  test(`axe: the widget failing, refused and closed (${mode})`, async ({ page }) => {
    // Not found.
    await page.goto(collector.link('no-such-survey', elder ? '&elder=1' : ''));
    await expect(page.getByTestId('load-error')).toBeVisible();
    await widgetLang(page, lang);
    await widgetElder(page, elder);
    await axe(page, `load error (${mode})`, elder);

    // A link to an unapproved collector.
    await page.goto(collector.link(ID, `&endpoint=${encodeURIComponent('http://127.0.0.1:9')}`));
    await expect(page.getByTestId('link-refused')).toBeVisible();
    await widgetLang(page, lang);
    await widgetElder(page, elder);
    await axe(page, `refused link (${mode})`, elder);

    // Closed by the organiser.
    const r = await fetch(`${collector.origin}/v1/surveys/${ID}/close`, {
      method: 'POST', headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(r.status, await r.text()).toBe(200);
    await page.goto(collector.link(ID));
    await expect(page.getByTestId('closed')).toBeVisible();
    await widgetLang(page, lang);
    await widgetElder(page, elder);
    await axe(page, `closed (${mode})`, elder);
  });

  test(`axe: the kiosk (${mode})`, async ({ page }) => {
    // The kiosk's language and large text are the organiser's (page and link), not a voter's switch.
    await pageInLang(page, '/kiosk/', lang);
    await page.goto(`${collector.origin}/kiosk/?s=${ID}${elder ? '&elder=1' : ''}`);
    await expect(page.getByTestId('kiosk-setup')).toBeVisible();
    await expect(page.getByTestId('pingyi')).toHaveAttribute('lang', lang === 'en' ? 'en' : 'zh-CN');
    if (elder) await expect(page.getByTestId('pingyi')).toHaveClass(/\belder\b/);
    await axe(page, `kiosk setup (${mode})`, elder);
    await page.getByTestId('kiosk-pin-new').fill('2468');
    await page.getByTestId('kiosk-pin-confirm').fill('2468');
    await page.getByTestId('kiosk-setup-start').click();
    await expect(page.getByTestId('kiosk-welcome')).toBeVisible();
    await axe(page, `kiosk welcome (${mode})`, elder);
    await page.getByTestId('kiosk-organiser').click();
    await expect(page.getByTestId('kiosk-pin-pad')).toBeVisible();
    await axe(page, `kiosk PIN pad (${mode})`, elder);
    await page.getByTestId('kiosk-pin-cancel').click();
    await page.getByTestId('kiosk-begin').click();
    await expect(page.getByTestId('kiosk-vote')).toBeVisible();
    await axe(page, `kiosk ballot (${mode})`, elder);
    await page.getByTestId('next').click();
    await expect(page.getByTestId('fix-below')).toBeVisible();
    await axe(page, `kiosk ballot with errors (${mode})`, elder);
  });
}

for (const lang of ['zh-CN', 'en']) {
  test(`axe: the page while the survey is still on its way says it is loading (${lang})`, async ({ page }) => {
    // Hold the survey back, as weak signal does: the box must say it is loading, never stay blank.
    let release: () => void = () => {};
    const held = new Promise<void>((r) => { release = r; });
    await page.route((u) => u.pathname === `/v1/surveys/${ID}`, async (route) => {
      await held;
      await route.continue();
    });
    await pageInLang(page, '/', lang);
    await page.goto(collector.link(ID));
    const wait = page.getByTestId('loader-wait');
    await expect(wait).toBeVisible();
    await expect(wait).toHaveText(lang === 'en' ? 'Loading the survey…' : '正在加载问卷…');
    await expect(wait).toHaveAttribute('role', 'status');
    await axe(page, `loading (${lang})`);
    release();
    await expect(page.getByTestId('survey-form')).toBeVisible();
    await expect(wait).toHaveCount(0);
  });
}

for (const lang of ['zh-CN', 'en']) {
  test(`axe: every console view, the projector and the builder (${lang})`, async ({ page }) => {
    test.setTimeout(180_000);
    const switchLang = async () => {
      if (lang === 'en') await page.getByTestId('lang').first().click();
    };
    // One ballot so that results have something to show.
    await page.goto(collector.link(ID, '&shared=1'));
    await answerFirstSection(page);
    await page.getByTestId('next').click();
    await page.locator('[data-question=q_notice] input[value=no_objection]').check();
    await page.locator('[data-question=q_score] select').selectOption('3');
    await page.getByTestId('submit').click();
    await page.getByTestId('confirm-submit').click();
    await expect(page.getByTestId('receipt')).toBeVisible();
    await expect.poll(async () => (await collector.ballots(ID)).length).toBe(1);

    await page.goto(`${collector.origin}/console/`);
    await switchLang();
    await page.getByTestId('source-server').click();
    await axe(page, `console results, server source (${lang})`);
    await page.getByTestId('server-survey').fill(ID);
    await page.getByTestId('server-token').fill(TOKEN);
    await page.getByTestId('load-server').click();
    await expect(page.getByTestId('results')).toBeVisible();
    await axe(page, `console results (${lang})`);
    // 导入文件 and 本机选票 are on the file tools' page (/console/files/).
    await page.getByTestId('source-files').click();
    await expect(page.getByTestId('panel-files')).toBeVisible();
    await switchLang();
    await axe(page, `console files source (${lang})`);
    await page.getByTestId('source-local').click();
    await axe(page, `console local source (${lang})`);

    for (const view of ['controls', 'codes', 'paper']) {
      await page.goto(`${collector.origin}/console/?view=${view}&s=${ID}`);
      await switchLang();
      await page.getByTestId('org-token').fill(TOKEN);
      await axe(page, `console ${view} (${lang})`);
    }
    await page.goto(`${collector.origin}/console/?view=controls&s=${ID}`);
    await page.getByTestId('org-token').fill(TOKEN);
    await page.getByTestId('refresh-state').click();
    await expect(page.getByTestId('meeting-state')).toBeVisible();
    await switchLang();
    await axe(page, `console controls signed in (${lang})`);
    await page.goto(`${collector.origin}/console/?view=paper&s=${ID}`);
    await page.getByTestId('org-token').fill(TOKEN);
    await page.getByTestId('paper-load').click();
    await expect(page.getByTestId('paper-one')).toBeVisible();
    await switchLang();
    await axe(page, `console paper entry (${lang})`);
    await page.goto(`${collector.origin}/console/?view=codes&s=${ID}`);
    await page.getByTestId('org-token').fill(TOKEN);
    await switchLang();
    await axe(page, `console codes (${lang})`);

    await pageInLang(page, '/console/', lang);
    await page.goto(`${collector.origin}/console/?view=projector&s=${ID}`);
    await expect(page.getByTestId('pj-count')).toBeVisible();
    await axe(page, `projector (${lang})`);

    await page.goto(`${collector.origin}/console/builder/`);
    await switchLang();
    await axe(page, `builder start (${lang})`);
    await page.getByTestId('template-evening-meeting').click();
    await expect(page.getByTestId('settings')).toBeVisible();
    await axe(page, `builder editor (${lang})`);
  });
}

// ---- Screens that fit ----

type Box = { x: number; y: number; width: number; height: number };
function inside(b: Box, w: number, h: number): boolean {
  return b.x >= 0 && b.y >= 0 && b.x + b.width <= w + 0.5 && b.y + b.height <= h + 0.5;
}
function intersect(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Fails when the page scrolls sideways. */
async function expectNoSideScroll(page: Page, what: string): Promise<void> {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
  }));
  expect(scroll, `${what}: scrollWidth ${scroll} > clientWidth ${client}`).toBeLessThanOrEqual(client);
}

for (const width of [320, 390, 1024]) {
  test(`the widget fits ${width} px without sideways scrolling`, async ({ browser }, testInfo: TestInfo) => {
    const height = width === 1024 ? 768 : 800;
    const ctx = await browser.newContext({ viewport: { width, height } });
    const page = await ctx.newPage();
    await page.goto(collector.link(ID, '&shared=1'));
    await expect(page.getByTestId('survey-form')).toBeVisible();
    await expectNoSideScroll(page, `section 1 at ${width}`);
    await page.screenshot({ path: testInfo.outputPath(`widget-${width}.png`), fullPage: true });
    await page.getByTestId('elder-toggle').click();
    await expectNoSideScroll(page, `section 1 elder at ${width}`);
    await page.screenshot({ path: testInfo.outputPath(`widget-${width}-elder.png`), fullPage: true });
    await answerFirstSection(page);
    await page.getByTestId('next').click();
    await page.locator('[data-question=q_notice] input[value=objection]').check();
    await expectNoSideScroll(page, `section 2 elder at ${width}`);
    await page.screenshot({ path: testInfo.outputPath(`widget-${width}-section2-elder.png`), fullPage: true });
    await ctx.close();
  });
}

test('a very long unbroken question title stays inside its fieldset', async ({ browser }) => {
  const long = await startConsoleCollector(LONG_SURVEY);
  try {
    for (const width of [320, 1024]) {
      const ctx = await browser.newContext({ viewport: { width, height: 800 } });
      const page = await ctx.newPage();
      await page.goto(long.link(LONG_SURVEY.id, '&shared=1'));
      const q = page.locator('fieldset[data-question=q]');
      await expect(q).toBeVisible();
      for (const elder of [false, true]) {
        if (elder) await page.getByTestId('elder-toggle').click();
        const field = (await q.boundingBox())!;
        const legend = (await q.locator('legend').boundingBox())!;
        expect(legend.x, `legend left at ${width}`).toBeGreaterThanOrEqual(field.x);
        expect(legend.x + legend.width, `legend right at ${width}${elder ? ' elder' : ''}`)
          .toBeLessThanOrEqual(field.x + field.width + 0.5);
        // The words wrap inside the legend rather than spilling out of it.
        const spill = await q.locator('legend').evaluate((e) => e.scrollWidth - e.clientWidth);
        expect(spill).toBeLessThanOrEqual(0);
        await expectNoSideScroll(page, `long title at ${width}`);
      }
      await ctx.close();
    }
  } finally {
    await long.dispose();
  }
});

for (const [width, height] of [[1280, 720], [1920, 1080]]) {
  test(`the projector shows title, QR, link and count on one ${width}×${height} screen`, async ({ browser }, testInfo: TestInfo) => {
    const ctx = await browser.newContext({ viewport: { width, height } });
    const page = await ctx.newPage();
    await page.goto(`${collector.origin}/console/?view=projector&s=${ID}`);
    await expect(page.getByTestId('pj-count')).toBeVisible();
    for (const el of ['pj-title', 'pj-url', 'pj-count', 'pj-fullscreen', 'pj-hidden']) {
      const b = (await page.getByTestId(el).boundingBox())!;
      expect(inside(b, width, height), `${el} ${JSON.stringify(b)} inside ${width}×${height}`).toBe(true);
    }
    const qr = (await page.locator('svg.pj-qr').boundingBox())!;
    expect(inside(qr, width, height), `QR ${JSON.stringify(qr)}`).toBe(true);
    expect(qr.width).toBeGreaterThan(200);
    const title = (await page.getByTestId('pj-title').boundingBox())!;
    const full = (await page.getByTestId('pj-fullscreen').boundingBox())!;
    expect(intersect(title, full), `全屏 ${JSON.stringify(full)} over the title ${JSON.stringify(title)}`).toBe(false);
    const scroll = await page.locator('.pj').evaluate((e) => e.scrollHeight - e.clientHeight);
    expect(scroll, 'the projector scrolls').toBeLessThanOrEqual(0);
    if (width === 1280) await page.screenshot({ path: testInfo.outputPath('projector-1280x720.png') });

    // Revealed: one question per page, each page on the screen; the pages turn unless paused.
    const r = await fetch(`${collector.origin}/v1/surveys/${ID}/reveal`, {
      method: 'POST', headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(r.status, await r.text()).toBe(200);
    await expect(page.getByTestId('pj-results')).toBeVisible();
    await expect(page.getByTestId('pj-pages')).toHaveText(/^1 \/ \d+$/);
    const shown = page.locator('.pj-page:not(.pj-off)');
    await expect(shown).toHaveCount(1);
    const pageBox = (await shown.boundingBox())!;
    expect(inside(pageBox, width, height), `results page ${JSON.stringify(pageBox)}`).toBe(true);
    expect(intersect((await page.getByTestId('pj-title').boundingBox())!, (await page.getByTestId('pj-fullscreen').boundingBox())!)).toBe(false);
    if (width === 1280) await page.screenshot({ path: testInfo.outputPath('projector-1280x720-revealed.png') });
    await page.getByTestId('pj-pause').click();
    await expect(page.getByTestId('pj-pause')).toHaveAttribute('aria-pressed', 'true');
    await axe(page, `projector revealed ${width}×${height}`);
    await ctx.close();
  });
}

// ---- Keyboard only ----

/** Fails unless the focused element shows a focus ring (an outline or a box shadow). */
async function expectFocusRing(page: Page): Promise<string> {
  const ring = await page.evaluate(() => {
    const e = document.activeElement as HTMLElement;
    const own = getComputedStyle(e);
    const label = e.closest('label');
    const l = label ? getComputedStyle(label) : null;
    const shows = (c: CSSStyleDeclaration | null) => !!c && ((c.outlineStyle !== 'none' && parseFloat(c.outlineWidth) >= 2) || c.boxShadow !== 'none');
    return { ok: shows(own) || shows(l), what: `${e.tagName} ${e.getAttribute('type') ?? ''} ${e.getAttribute('data-testid') ?? ''}` };
  });
  expect(ring.ok, `no visible focus ring on ${ring.what}`).toBe(true);
  return ring.what;
}

test('a resident completes and submits every question kind by keyboard alone', async ({ page }) => {
  await page.goto(collector.link(ID, '&shared=1'));
  await expect(page.getByTestId('survey-form')).toBeVisible();
  const done = new Set<string>();
  let usedArrows = false;
  let usedShiftTab = false;
  for (let step = 0; step < 120; step++) {
    if (await page.getByTestId('receipt').isVisible()) break;
    await page.keyboard.press('Tab');
    const f = await page.evaluate(() => {
      const e = document.activeElement as HTMLInputElement;
      return {
        tag: e.tagName.toLowerCase(), type: e.getAttribute('type') ?? '', name: e.getAttribute('name') ?? '',
        testid: e.getAttribute('data-testid') ?? '', checked: !!e.checked, value: e.value ?? '',
        question: (e.closest('[data-question]') as HTMLElement | null)?.dataset.question ?? '',
      };
    });
    if (f.tag === 'body') continue;
    await expectFocusRing(page);
    if (f.type === 'radio' && !done.has(f.name)) {
      if (!usedArrows) {
        // Arrows move within a radio group (and choose), Space chooses the focused one.
        await page.keyboard.press('ArrowDown');
        await page.keyboard.press('ArrowUp');
        usedArrows = true;
      }
      await page.keyboard.press('Space');
      expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).checked)).toBe(true);
      done.add(f.name);
    } else if (f.type === 'checkbox' && !done.has(f.question)) {
      await page.keyboard.press('Space');
      done.add(f.question);
    } else if (f.tag === 'select' && !done.has(f.value + f.question)) {
      await page.keyboard.press('ArrowDown');
      expect(await page.evaluate(() => (document.activeElement as HTMLSelectElement).value)).not.toBe('');
      done.add(f.value + f.question);
    } else if (f.tag === 'textarea' && !done.has(f.question)) {
      await page.keyboard.type('键盘');
      done.add(f.question);
      if (!usedShiftTab) {
        // Back one field and forward again.
        await page.keyboard.press('Shift+Tab');
        await expectFocusRing(page);
        await page.keyboard.press('Tab');
        usedShiftTab = true;
      }
    } else if (f.testid === 'next' || f.testid === 'submit' || f.testid === 'confirm-submit') {
      await page.keyboard.press('Enter');
    }
  }
  await expect(page.getByTestId('receipt')).toBeVisible();
  expect(usedArrows && usedShiftTab).toBe(true);
  await expect.poll(async () => (await collector.ballots(ID)).length).toBe(1);
  const [ballot] = await collector.ballots(ID) as unknown as Array<{ answers: Record<string, unknown> }>;
  expect(Object.keys(ballot.answers).sort()).toEqual(
    ['q_approve', 'q_choose', 'q_matrix', 'q_notice', 'q_sat', 'q_score', 'q_text']);
});

// ---- Elder mode sizes, motion, live regions ----

test('sizes: body text 18 px (22 px elder), elder touch targets 60 px, reduced motion, live regions', async ({ page }) => {
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.goto(collector.link(ID, '&shared=1'));
  await expect(page.getByTestId('survey-form')).toBeVisible();
  const sizes = () => page.locator('[data-testid=pingyi] :is(p, label, legend, button, span, small, code, select, textarea, dt, dd)').evaluateAll(
    (els) => els.filter((e) => (e as HTMLElement).offsetParent !== null && e.textContent!.trim() !== '')
      .map((e) => ({ text: e.textContent!.trim().slice(0, 20), px: parseFloat(getComputedStyle(e).fontSize) })));
  for (const s of await sizes()) expect(s.px, `“${s.text}”`).toBeGreaterThanOrEqual(18);
  expect(await page.evaluate(() => getComputedStyle(document.documentElement).scrollBehavior)).toBe('auto');

  await page.getByTestId('elder-toggle').click();
  for (const s of await sizes()) expect(s.px, `elder “${s.text}”`).toBeGreaterThanOrEqual(22);
  const checkTargets = async (what: string) => {
    const targets = page.locator('[data-testid=pingyi] :is(button, .py-opt, select, a.py-button, a.py-link)');
    for (let i = 0; i < await targets.count(); i++) {
      const t = targets.nth(i);
      if (!(await t.isVisible())) continue;
      const b = (await t.boundingBox())!;
      const name = (await t.textContent())!.trim().slice(0, 20);
      expect(b.height, `${what}: height of “${name}”`).toBeGreaterThanOrEqual(60);
      expect(b.width, `${what}: width of “${name}”`).toBeGreaterThanOrEqual(60);
    }
  };
  await checkTargets('section 1');

  // Errors: announced (a live region), marked with ⚠ and words, not colour alone.
  await page.getByTestId('next').click();
  await expect(page.getByTestId('form-status')).toHaveAttribute('aria-live', 'assertive');
  await expect(page.getByTestId('fix-below')).toContainText('⚠');
  const qErrors = page.locator('[data-question=q_sat] [data-testid=question-errors]');
  await expect(qErrors).toHaveAttribute('aria-live', 'polite');
  await expect(qErrors).toContainText('⚠');

  await answerFirstSection(page);
  await page.getByTestId('next').click();
  await page.locator('[data-question=q_notice] input[value=objection]').check();
  await checkTargets('section 2');
  await page.locator('[data-question=q_notice] input[value=no_objection]').check();
  await page.locator('[data-question=q_score] select').selectOption('3');
  await page.getByTestId('submit').click();
  await expect(page.getByTestId('confirm')).toBeVisible();
  await checkTargets('confirmation');
  await page.getByTestId('confirm-submit').click();
  // Saved and uploading: announced in live regions.
  await expect(page.getByTestId('thanks')).toHaveAttribute('aria-live', 'polite');
  await expect(page.getByTestId('outbox')).toHaveAttribute('aria-live', 'polite');
  await checkTargets('thanks');
});

// ---- Confirm before submit ----

test('the summary lists every answer in large type before 确认提交; 返回修改 keeps the answers', async ({ page }) => {
  await page.goto(collector.link(ID, '&shared=1'));
  await answerFirstSection(page);
  await page.getByTestId('next').click();
  await page.locator('[data-question=q_score] select').selectOption('4');
  await page.locator('[data-question=q_notice] input[value=objection]').check();
  await page.locator('[data-question=q_notice] textarea').fill('预算不清楚');
  await page.locator('[data-question=q_text] textarea').fill('多装路灯');
  await page.getByTestId('submit').click();
  const confirm = page.getByTestId('confirm');
  await expect(confirm).toBeVisible();
  await expect(confirm.locator('dd')).toHaveText([
    '满意', '王书记：称职；李主任：称职', '王家', '赞同', '一组 王户 环境卫生：4', '主路硬化 38,600 元：有异议（预算不清楚）', '多装路灯',
  ]);
  const size = await confirm.locator('dd').first().evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
  expect(size).toBeGreaterThanOrEqual(20);
  expect(await collector.ballots(ID)).toHaveLength(0);
  await page.getByTestId('confirm-back').click();
  await expect(page.locator('[data-question=q_text] textarea')).toHaveValue('多装路灯');
  await page.getByTestId('submit').click();
  await page.getByTestId('confirm-submit').click();
  await expect(page.getByTestId('receipt')).toBeVisible();
  await expect.poll(async () => (await collector.ballots(ID)).length).toBe(1);
});

// ---- Read aloud ----

/** A fake speech synthesis with the given voices, recording what it is asked to say. */
function fakeSpeech(langs: string[]): string {
  return `(() => {
    window.__spoken = [];
    const voices = ${JSON.stringify(langs)}.map((lang) => ({ lang, name: 'fake ' + lang }));
    Object.defineProperty(window, 'speechSynthesis', { configurable: true, value: {
      getVoices: () => voices, speak: (u) => window.__spoken.push(u.text), cancel: () => {},
      addEventListener: () => {},
    } });
    window.SpeechSynthesisUtterance = class { constructor(text) { this.text = text; } };
  })();`;
}

test('朗读 reads a question and its options aloud where a Chinese voice exists', async ({ page }) => {
  await page.addInitScript(fakeSpeech(['en-US', 'zh-CN']));
  await page.goto(collector.link(ID, '&shared=1'));
  const q = page.locator('[data-question=q_approve]');
  await expect(q.getByTestId('read-aloud')).toHaveText('朗读');
  await expect(page.getByTestId('read-aloud')).toHaveCount(4);
  await q.getByTestId('read-aloud').click();
  const spoken = await page.evaluate(() => (window as unknown as { __spoken: string[] }).__spoken);
  expect(spoken).toEqual(['修建文化广场（必答）。预算 12 万元。赞同。反对。弃权。']);
});

test('no 朗读 button where the browser has no Chinese voice', async ({ page }) => {
  await page.addInitScript(fakeSpeech(['en-US']));
  await page.goto(collector.link(ID, '&shared=1'));
  await expect(page.getByTestId('survey-form')).toBeVisible();
  await expect(page.getByTestId('read-aloud')).toHaveCount(0);
});
