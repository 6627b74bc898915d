// Test helper for the embed-*.spec.ts: host pages (a township portal) served by the test itself
// through Playwright's routing, on the collector's origin or another one, under a strict
// Content-Security-Policy that allows no inline script or style.
import { expect, type Page } from '@playwright/test';

/** The policy a host page runs under: what docs/embedding.md tells a portal to send. */
export function hostPolicy(collector: string): string {
  return `default-src 'self'; script-src 'self' ${collector} 'wasm-unsafe-eval'; `
    + `style-src 'self' ${collector}; connect-src 'self' ${collector}; frame-src ${collector}; `
    + "img-src 'self' data:; base-uri 'none'; object-src 'none'";
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/**
 * Serves `files` (path under `origin` → text) to `page`, each with the strict host policy.
 * Everything else under `origin` goes to the network as usual.
 */
export async function serveHost(page: Page, origin: string, collector: string, files: Record<string, string>): Promise<void> {
  for (const [path, body] of Object.entries(files)) {
    await page.route(`${origin}${path}`, (route) => route.fulfill({
      status: 200,
      headers: {
        'content-type': TYPES[path.split('.').pop() ?? 'html'] ?? TYPES.html,
        'content-security-policy': hostPolicy(collector),
        'cache-control': 'no-store',
      },
      body,
    }));
  }
}

/** A host page: `head` and `body` HTML, with no inline script or style of its own. */
export function hostPage(head: string, body: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>镇政府门户</title>${head}</head>`
    + `<body><h1 id="portal-title">石桥镇政务公开</h1>${body}</body></html>`;
}

/** Records every CSP violation and every `pingyi:*` event the page (and its frames) sees. */
export async function watch(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { pingyiViolations: string[]; pingyiEvents: object[] };
    w.pingyiViolations = [];
    w.pingyiEvents = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.pingyiViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
    for (const type of ['pingyi:ready', 'pingyi:cast', 'pingyi:synced', 'pingyi:error']) {
      document.addEventListener(type, (e) => {
        const ev = e as CustomEvent;
        const target = ev.target as Element;
        w.pingyiEvents.push({
          type, detail: ev.detail, bubbles: ev.bubbles, composed: ev.composed,
          target: target.id || target.tagName.toLowerCase(),
        });
      });
    }
  });
}

export async function violations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { pingyiViolations: string[] }).pingyiViolations);
}

export type SeenEvent = { type: string; detail: Record<string, unknown>; bubbles: boolean; composed: boolean; target: string };

export async function events(page: Page): Promise<SeenEvent[]> {
  return page.evaluate(() => (window as unknown as { pingyiEvents: SeenEvent[] }).pingyiEvents);
}

/** Casts one ballot in the widget inside `scope` (a locator that pierces its shadow root). */
export async function vote(scope: ReturnType<Page['locator']>, choice = 'satisfied'): Promise<string> {
  await scope.locator(`[data-question=q_sat] input[value=${choice}]`).check();
  await scope.getByTestId('submit').click();
  await scope.getByTestId('confirm-submit').click();
  const receipt = scope.getByTestId('receipt');
  await expect(receipt).toBeVisible();
  return (await receipt.textContent())!.trim();
}
