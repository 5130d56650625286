#!/usr/bin/env node
// The screenshots in docs/playground.md: the playground served as `npm run playground` serves
// it, opened in headless Chromium (Debian's /usr/bin/chromium through playwright-core, a fresh
// profile), one PNG per view into docs/img/playground-*.png. Every tab the page has gets at least
// its opening view, so a new panel appears here without editing this file; the Geometry views
// below are links (the page's state is its URL). Training and Reports are shot with something
// in them: a finished 100-step run, and a run folder the trainer writes here first (in this
// process, into a temporary folder), picked as a folder; the Reports tab once more on an
// experiment folder (the report tests' table2 fixture: several methods and seeds), for its plots.
//
// Usage: node scripts/playground-screenshots.mjs [--out docs/img]
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { tsImport } from 'tsx/esm/api';
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

/** How long a panel may take to get to its picture (a 100-step run on a loaded 2-core machine). */
const SETUP_MS = 180_000;

/** A run folder the trainer writes, as `mtlkit train` would: ple-lite with GradCraft on a small synthetic world. */
async function writeRunFolder(dir) {
  const { train } = await tsImport('../src/index.ts', import.meta.url);
  await train({
    data: { kind: 'synthetic', rows: 6000, users: 200, items: 600 }, model: 'ple-lite', method: 'gradcraft', epochs: 6, batchSize: 256,
    lr: 3e-3, diagnosticsEvery: 2, outDir: dir, checkpoint: false,
  }, { quiet: true });
  return dir;
}

/** Waits until `status()[key] === value` on panel `id`; a panel that reports an error stops the script with it. */
async function waitForPanel(page, id, key, value) {
  const handle = await page.waitForFunction(([id, key, value]) => {
    const st = globalThis.playground.panels[id].status();
    return st[key] === value || st.error ? st : null;
  }, [id, key, value], { timeout: SETUP_MS, polling: 100 });
  const st = await handle.jsonValue();
  if (st.error) throw new Error(`${id}: ${st.error}`);
}

/** Tabs whose picture needs more than opening them: tab -> what to do before the shot (the tab is open). */
const SETUPS = {
  training: async (page) => {
    await page.fill('input[name=steps]', '100');
    await page.click('button[data-action=start]');
    await waitForPanel(page, 'training', 'phase', 'done');
  },
  reports: async (page, scratch) => {
    const dir = await writeRunFolder(join(scratch, 'gradcraft-param-s5277'));
    await page.setInputFiles('[data-role=report-drop] input[webkitdirectory]', dir);
    await waitForPanel(page, 'reports', 'kind', 'run');
  },
};

/** Further full-page shots of a tab with something in it: name -> [tab, what to do before the shot]. */
const EXTRAS = {
  'reports-experiment': ['reports', async (page) => {
    await page.setInputFiles('[data-role=report-drop] input[webkitdirectory]', join(root, 'test/report/fixtures/exp-table2'));
    await waitForPanel(page, 'reports', 'kind', 'experiment');
    // Hovering GradCraft (the last of the twelve methods) puts its values in the RI chart's legend.
    const over = page.locator('[data-role=report-plots] .mtl-chart .u-over').first();
    await over.scrollIntoViewIfNeeded();
    const box = await over.boundingBox();
    await page.mouse.move(box.x + box.width * (11.5 / 12), box.y + box.height / 2, { steps: 4 });
  }],
};

const profile = mkdtempSync(join(tmpdir(), 'mtlkit-screens-'));
const scratch = mkdtempSync(join(tmpdir(), 'mtlkit-screens-runs-'));
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
    await SETUPS[tab]?.(page, scratch);
    // A panel may draw after its first frame (charts, a worker's first message).
    await page.waitForTimeout(1500);
    const path = join(out, `playground-${tab}.png`);
    await page.screenshot({ path, fullPage: tab in SETUPS });
    written.push(path);
  }
  for (const [name, [tab, setup]] of Object.entries(EXTRAS)) {
    await open(`?tab=${tab}`);
    await setup(page);
    await page.waitForTimeout(1500);
    const path = join(out, `playground-${name}.png`);
    await page.screenshot({ path, fullPage: true });
    written.push(path);
  }
  if (errors.length) throw new Error(`the page reported errors: ${errors.join('; ')}`);
} finally {
  await context.close();
  await served.close();
  rmSync(profile, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
}
process.stdout.write(written.map((p) => `playground-screenshots: ${relative(process.cwd(), p)}\n`).join(''));
