// Playwright end-to-end tests for the Pingyi widget (specs live in tests/e2e).
// Uses Debian's Chromium at /usr/bin/chromium: never run `npx playwright install`.
// Each spec starts its own pingyi-collector (tests/e2e/collector.ts) serving the built dist/;
// `cargo xtask test` builds dist/ and the collector in the steps before this one.
import { defineConfig, devices } from '@playwright/test';

const PORT = Number(process.env.PINGYI_E2E_PORT ?? 8089);
const BASE_URL = `http://127.0.0.1:${PORT}`;

export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'tests/e2e/test-results',
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['html', { outputFolder: 'tests/e2e/playwright-report', open: 'never' }]],
  use: {
    baseURL: BASE_URL,
    headless: true,
    locale: 'zh-CN',
    trace: 'retain-on-failure',
    actionTimeout: 10_000,
    navigationTimeout: 30_000,
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: {
          executablePath: '/usr/bin/chromium',
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
          ],
        },
      },
    },
  ],
});
