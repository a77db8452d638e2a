// What the browser tests share: the environment (GHL_BIN, CHROMIUM, GHL_SCREENSHOT_DIR), the
// skip rule (exit 77, CTest's skipped, when playwright-core or chromium is missing) and how
// chromium is launched (headless, no network beyond the page's own requests).
import {existsSync} from 'node:fs';
import {tmpdir} from 'node:os';

export const ghlBin = process.env.GHL_BIN;
export const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
export const shotDir = process.env.GHL_SCREENSHOT_DIR || tmpdir();

let playwright;
try {
  playwright = await import('playwright-core');
} catch (e) {
  console.log('SKIP: playwright-core is not installed (run scripts/install-test-tools): ' + e.message);
  process.exit(77);
}
if (!existsSync(chromiumPath)) {
  console.log('SKIP: no chromium at ' + chromiumPath + ' (apt-get install chromium, or set CHROMIUM)');
  process.exit(77);
}
if (!ghlBin || !existsSync(ghlBin)) {
  console.error('GHL_BIN must name the built ghl binary (got ' + ghlBin + ')');
  process.exit(1);
}

// A persistent chromium context in `profileDir` (its first page is context.pages()[0]).
export function launchChromium(profileDir, viewport = {width: 1440, height: 900}) {
  return playwright.chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           '--disable-dev-shm-usage'],
    viewport,
  });
}
