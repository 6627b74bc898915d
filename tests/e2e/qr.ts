// Test helper: decodes a QR code from a PNG (a Playwright screenshot of the element) with jsQR,
// so the meeting specs check what the page really draws, not the URL the page says it encoded.
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import type { Locator } from '@playwright/test';

/** The text of the QR code in `png`, or null when none is found. */
export function decodePng(png: Buffer): string | null {
  const img = PNG.sync.read(png);
  const data = new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.length);
  const found = jsQR(data, img.width, img.height, { inversionAttempts: 'dontInvert' });
  return found ? found.data : null;
}

/** Screenshots `el` (an `<svg>` QR code) and decodes it. */
export async function decodeElement(el: Locator): Promise<string | null> {
  await el.scrollIntoViewIfNeeded();
  return decodePng(await el.screenshot({ animations: 'disabled' }));
}
