#!/usr/bin/env node
// The screenshots in docs/playground.md: the playground served as `npm run playground` serves
// it, opened in headless Chromium (Debian's /usr/bin/chromium through playwright-core, a fresh
// profile), one PNG per view into docs/img/playground-*.png. Every tab the page has gets at least
// its opening view, so a new panel appears here without editing this file; the Geometry views
// below are links (the page's state is its URL).
//
// Usage: node scripts/playground-screenshots.mjs [--out docs/img]
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { servePlayground } from './playground.mjs';

const CHROMIUM = '/usr/bin/chromium';
const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = outIndex >= 0 ? args[outIndex + 1] : join(root, 'docs/img');
if (!out) {
  process.stderr.write('playground-screenshots: --out needs a folder\n');
  process.exit(1);
}
if (!existsSync(CHROMIUM)) {
  process.stderr.write(`playground-screenshots: ${CHROMIUM} is absent; install Debian's chromium (apt-get install chromium)\n`);
  process.exit(1);
}

const geometry = (state) => `?tab=geometry&geometry=${encodeURIComponent(JSON.stringify(state))}`;
/** name -> [query, what to capture ('page': the viewport; a selector: that element)]. */
const VIEWS = {
  'geometry': [geometry({ d: 3, G: [[-4, 1, 1], [6, 1, 1]], sides: [{ method: 'gradcraft', options: {} }, { method: 'pcgrad', options: {} }], source: 'preset: golden J' }), 'page'],
  'geometry-2d': [geometry({ d: 2, G: [[2, 0.6], [-1.2, 1.5], [1.2, 1]], sides: [{ method: 'gradcraft', options: { tau: 0.3 } }, { method: 'cagrad', options: {} }], source: 'three tasks, one conflicting pair' }), 'page'],
  'geometry-numbers': [geometry({ d: 2, G: [[1.5, 0], [0.4, 1.4], [-1.1, 0.6], [-0.7, -1], [0.9, -1.1]], sides: [{ method: 'gradcraft-exact', options: {} }, { method: 'pcgrad', options: {} }], seed: 3, source: 'preset: T > d' }), '.geo-sides'],
};

const profile = mkdtempSync(join(tmpdir(), 'mtlkit-screens-'));
const served = await servePlayground({ port: 0, strict: true });
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM, viewport: { width: 1400, height: 1000 },
  args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const written = [];
try {
  mkdirSync(out, { recursive: true });
  const page = context.pages()[0] ?? await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const open = async (query) => {
    await page.goto(`${served.url}${query}`);
    await page.waitForFunction(() => globalThis.playground?.ready === true);
  };
  for (const [name, [query, what]] of Object.entries(VIEWS)) {
    await open(query);
    const path = join(out, `playground-${name}.png`);
    if (what === 'page') await page.screenshot({ path });
    else await page.locator(what).first().screenshot({ path });
    written.push(path);
  }
  await open('');
  const tabs = await page.locator('nav button[data-tab]').evaluateAll((bs) => bs.map((b) => b.dataset.tab));
  for (const tab of tabs.filter((t) => !Object.keys(VIEWS).some((v) => v === t || v.startsWith(`${t}-`)))) {
    await open(`?tab=${tab}`);
    // A panel may draw after its first frame (charts, a worker's first message).
    await page.waitForTimeout(1500);
    const path = join(out, `playground-${tab}.png`);
    await page.screenshot({ path });
    written.push(path);
  }
  if (errors.length) throw new Error(`the page reported errors: ${errors.join('; ')}`);
} finally {
  await context.close();
  await served.close();
  rmSync(profile, { recursive: true, force: true });
}
process.stdout.write(written.map((p) => `playground-screenshots: ${relative(process.cwd(), p)}\n`).join(''));
