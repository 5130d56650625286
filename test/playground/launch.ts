/**
 * The playground in headless Chromium, for the playground's end-to-end tests: bundles the page
 * (scripts/playground.mjs, as `npm run playground` does), serves it on 127.0.0.1 with the
 * cross-origin isolation headers, starts Debian's /usr/bin/chromium through playwright-core with
 * a fresh profile, and opens the page. Tests skip when the browser is absent
 * (`describe.skipIf(!chromiumAvailable)`, titled with `skipNote`).
 *
 * The page exposes `globalThis.playground` (playground/src/main.ts): `ready`, `panels[id]`
 * (the mounted Panel objects, which may carry methods for tests) and `show(id)`.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { servePlayground, type ServedPlayground } from '../../scripts/playground.mjs';

export const CHROMIUM = '/usr/bin/chromium';
export const chromiumAvailable = existsSync(CHROMIUM);
/** A suffix for a describe title: why it is skipped, or nothing. */
export const skipNote = chromiumAvailable ? '' : ` (skipped: ${CHROMIUM} is absent; .ci/run installs Debian's chromium)`;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Where screenshots and other artifacts go: gitignored (.tmp/), kept after the run to look at. */
export const ARTIFACTS = join(ROOT, '.tmp/test-artifacts/playground');

const ARGS = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'];

export interface OpenOptions {
  /** The query string the page opens with: '?tab=geometry&geometry=...' or an object of parameters (objects become JSON). */
  query?: string | Record<string, unknown>;
  /** Browser viewport; default 1400 x 900. */
  viewport?: { width: number; height: number };
}

export interface OpenedPlayground {
  /** The first page, opened with `query` and ready (`playground.ready`). */
  page: Page;
  /** http://127.0.0.1:<port>/ */
  url: string;
  context: BrowserContext;
  /** Uncaught page errors and console errors of every page opened, in order (a test may assert it is empty). */
  errors: string[];
  /** Navigates `page` (default: the first) to the playground with `query`, and waits until it is ready. */
  goto(query?: OpenOptions['query'], page?: Page): Promise<Page>;
  /** A new page with `query`, ready. */
  open(query?: OpenOptions['query']): Promise<Page>;
  /** Saves a PNG of `page` as ARTIFACTS/<name>.png and returns its path. */
  screenshot(page: Page, name: string): Promise<string>;
  /** Closes the browser, the server and the profile folder. */
  close(): Promise<void>;
}

/** '?a=..&b=..' from an object (values that are not strings become JSON). */
export function queryString(query: OpenOptions['query']): string {
  if (query === undefined) return '';
  if (typeof query === 'string') return query.startsWith('?') || query === '' ? query : `?${query}`;
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) p.set(k, typeof v === 'string' ? v : JSON.stringify(v));
  return `?${p.toString()}`;
}

export async function openPlayground(opts: OpenOptions = {}): Promise<OpenedPlayground> {
  if (!chromiumAvailable) throw new Error(`openPlayground: ${CHROMIUM} is absent; guard the suite with describe.skipIf(!chromiumAvailable)`);
  const served: ServedPlayground = await servePlayground({ port: 0 });
  const profile = mkdtempSync(join(tmpdir(), 'mtlkit-playground-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, args: ARGS, viewport: opts.viewport ?? { width: 1400, height: 900 },
    });
  } catch (e) {
    await served.close();
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  const errors: string[] = [];
  const watch = (page: Page): Page => {
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
    return page;
  };
  const goto = async (query?: OpenOptions['query'], page?: Page): Promise<Page> => {
    const p = page ?? first;
    await p.goto(`${served.url}${queryString(query)}`);
    await p.waitForFunction(() => (globalThis as { playground?: { ready?: boolean } }).playground?.ready === true);
    return p;
  };
  const first = watch(context.pages()[0] ?? await context.newPage());
  await goto(opts.query);
  return {
    page: first, url: served.url, context, errors, goto,
    open: async (query) => goto(query, watch(await context.newPage())),
    async screenshot(page, name) {
      mkdirSync(ARTIFACTS, { recursive: true });
      const path = join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close().catch(() => undefined);
      await served.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
