// Load-time and casting benchmark for the pages exactly as the reference collector serves them.
// Run by `cargo xtask bench-load`, which builds what is needed, starts the collector with the
// example surveys published and passes its origin here. Prints a table and writes the figures
// to the file named by --out (JSON).
//
// 1. Lighthouse 12.2.3 (installed by xtask into .pingyi/lighthouse), Debian's Chromium, mobile
//    preset (Lighthouse's default: Moto G Power, slow 4G, 4x CPU), simulated throttling,
//    performance category only; --runs runs per page, the median of each figure is reported.
// 2. Casting: Chromium with 4x CPU throttling (DevTools Emulation.setCPUThrottlingRate); the
//    time from the pointerdown on 确认提交 (the tap that casts, after 提交 shows the summary) to the ballot's record being written to localStorage
//    (the moment it is durable on the device), over --casts fresh browser contexts.
//
// Usage: node scripts/bench-load.mjs --origin http://127.0.0.1:8190 --survey <id>
//        [--cast-survey <id>] [--runs 5] [--casts 15] [--out target/bench/load.json]
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CHROME = process.env.CHROME_PATH ?? '/usr/bin/chromium';
const LIGHTHOUSE = path.join(ROOT, '.pingyi', 'lighthouse', 'node_modules', 'lighthouse', 'cli', 'index.js');

function args() {
  const out = { runs: 5, casts: 15, out: path.join(ROOT, 'target', 'bench', 'load.json') };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`--${key} needs a value`);
    out[key.replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = ['runs', 'casts'].includes(key) ? Number(value) : value;
  }
  if (!out.origin || !out.survey) throw new Error('usage: bench-load.mjs --origin URL --survey ID [--runs N] [--casts N] [--out FILE]');
  out.castSurvey ??= out.survey;
  return out;
}

function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

function percentile(values, p) {
  const v = [...values].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)];
}

/** One Lighthouse run: the figures the benchmark reports. */
function lighthouse(url) {
  const dir = mkdtempSync(path.join(tmpdir(), 'pingyi-lh-'));
  const report = path.join(dir, 'report.json');
  try {
    execFileSync(
      process.execPath,
      [
        LIGHTHOUSE,
        url,
        '--only-categories=performance',
        '--output=json',
        `--output-path=${report}`,
        '--chrome-flags=--headless=new --no-sandbox --disable-gpu',
        '--quiet',
      ],
      { env: { ...process.env, CHROME_PATH: CHROME }, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const r = JSON.parse(readFileSync(report, 'utf8'));
    const a = r.audits;
    if (r.runtimeError) throw new Error(`${url}: ${r.runtimeError.code} ${r.runtimeError.message}`);
    return {
      score: Math.round(r.categories.performance.score * 100),
      fcp_ms: a['first-contentful-paint'].numericValue,
      lcp_ms: a['largest-contentful-paint'].numericValue,
      tbt_ms: a['total-blocking-time'].numericValue,
      tti_ms: a['interactive'].numericValue,
      bytes: a['total-byte-weight'].numericValue,
      form_factor: r.configSettings.formFactor,
      throttling: r.configSettings.throttlingMethod,
      lighthouse: r.lighthouseVersion,
      user_agent: r.environment?.hostUserAgent,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function summarise(runs) {
  const pick = (k) => runs.map((r) => r[k]);
  return {
    runs: runs.length,
    score: median(pick('score')),
    fcp_ms: Math.round(median(pick('fcp_ms'))),
    lcp_ms: Math.round(median(pick('lcp_ms'))),
    tbt_ms: Math.round(median(pick('tbt_ms'))),
    tti_ms: Math.round(median(pick('tti_ms'))),
    bytes: Math.round(median(pick('bytes'))),
    all: runs.map(({ score, lcp_ms, tbt_ms, tti_ms, bytes }) => ({
      score,
      lcp_ms: Math.round(lcp_ms),
      tbt_ms: Math.round(tbt_ms),
      tti_ms: Math.round(tti_ms),
      bytes,
    })),
  };
}

// Records the pointerdown on the confirm button (确认提交) and the first write of a ballot record after it.
const CAST_PROBE = () => {
  window.__pingyiCast = { down: null, stored: null };
  document.addEventListener(
    'pointerdown',
    (e) => {
      const t = e.target instanceof Element ? e.target.closest('[data-testid=confirm-submit]') : null;
      if (t && window.__pingyiCast.down === null) window.__pingyiCast.down = e.timeStamp;
    },
    true,
  );
  const setItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function (key, value) {
    const r = setItem.call(this, key, value);
    if (window.__pingyiCast.down !== null && window.__pingyiCast.stored === null && String(key).includes('/ballot/')) {
      window.__pingyiCast.stored = performance.now();
    }
    return r;
  };
};

/** Answers every radio group (first option) section by section until 提交 shows. */
async function fillAll(page) {
  for (let section = 0; section < 20; section++) {
    await page.evaluate(() => {
      const seen = new Set();
      for (const input of document.querySelectorAll('input[type=radio]')) {
        if (!input.offsetParent || seen.has(input.name)) continue;
        seen.add(input.name);
        input.click();
      }
    });
    if (await page.getByTestId('submit').isVisible()) return;
    await page.getByTestId('next').click();
  }
  throw new Error('no 提交 button after 20 sections');
}

async function castLatency(origin, survey, casts) {
  const browser = await chromium.launch({
    executablePath: CHROME,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const times = [];
  try {
    for (let i = 0; i < casts; i++) {
      const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 412, height: 823 } });
      const page = await context.newPage();
      await page.addInitScript(CAST_PROBE);
      await page.goto(`${origin}/?s=${encodeURIComponent(survey)}`);
      await page.getByTestId('survey-form').waitFor();
      await fillAll(page);
      const cdp = await context.newCDPSession(page);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
      // 提交 shows the large-type summary; 确认提交 is the tap that casts.
      await page.getByTestId('submit').click();
      await page.getByTestId('confirm-submit').click();
      await page.getByTestId('receipt').waitFor({ timeout: 30_000 });
      const probe = await page.evaluate(() => window.__pingyiCast);
      if (probe.down === null || probe.stored === null) throw new Error(`cast ${i}: no timing recorded ${JSON.stringify(probe)}`);
      times.push(probe.stored - probe.down);
      await context.close();
    }
  } finally {
    await browser.close();
  }
  return {
    casts: times.length,
    cpu_throttling: 4,
    median_ms: Math.round(median(times) * 10) / 10,
    p90_ms: Math.round(percentile(times, 90) * 10) / 10,
    max_ms: Math.round(Math.max(...times) * 10) / 10,
  };
}

async function main() {
  const opt = args();
  const pages = {
    resident: `${opt.origin}/?s=${encodeURIComponent(opt.survey)}`,
    kiosk: `${opt.origin}/kiosk/?s=${encodeURIComponent(opt.survey)}`,
    console: `${opt.origin}/console/`,
  };
  const result = {
    date: new Date().toISOString(),
    machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB`,
    command: 'cargo xtask bench-load',
    pages: {},
  };
  for (const [name, url] of Object.entries(pages)) {
    const runs = [];
    for (let i = 0; i < opt.runs; i++) {
      runs.push(lighthouse(url));
      process.stderr.write(`lighthouse ${name} run ${i + 1}/${opt.runs}: score ${runs.at(-1).score}, TTI ${Math.round(runs.at(-1).tti_ms)} ms\n`);
    }
    result.pages[name] = { url: url.replace(opt.origin, ''), ...summarise(runs) };
    result.lighthouse = runs[0].lighthouse;
    result.user_agent = runs[0].user_agent;
    result.preset = `${runs[0].form_factor}, ${runs[0].throttling} throttling`;
  }
  result.cast = { survey: opt.castSurvey, ...(await castLatency(opt.origin, opt.castSurvey, opt.casts)) };

  mkdirSync(path.dirname(opt.out), { recursive: true });
  writeFileSync(opt.out, JSON.stringify(result, null, 2) + '\n');
  console.log(`\nLighthouse ${result.lighthouse}, ${result.preset}, median of ${opt.runs} runs (${result.machine})`);
  console.log('page      score    LCP ms    TBT ms    TTI ms   bytes');
  for (const [name, p] of Object.entries(result.pages)) {
    console.log(
      `${name.padEnd(9)} ${String(p.score).padStart(5)} ${String(p.lcp_ms).padStart(9)} ${String(p.tbt_ms).padStart(9)} ${String(p.tti_ms).padStart(9)} ${String(p.bytes).padStart(7)}`,
    );
  }
  const c = result.cast;
  console.log(`\ncast (4x CPU throttling, ${c.casts} casts on ${c.survey}): tap on 确认提交 → stored on the device: median ${c.median_ms} ms, p90 ${c.p90_ms} ms, max ${c.max_ms} ms`);
  console.log(`\nwritten to ${path.relative(ROOT, opt.out)}`);
}

main().catch((e) => {
  console.error(`bench-load: ${e.stack ?? e}`);
  process.exit(1);
});
