/**
 * The playground's Geometry panel in headless Chromium: the page's combined update against
 * `mtlkit balance`'s (the CLI's own request code, run here in Node) on the same G, options,
 * seed and losses for every registered balancer, to the bit (both run the library's balancers
 * in float64 on the js engine); the URL holds a dragged configuration across a reload; option
 * controls come from the registry and reach the balancer; a run's diagnostics.jsonl rebuilds
 * rows with the run's Gram matrix; screenshots of the presets go to ARTIFACTS.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balancerIds, balancers, createBalancer, diagnose, Rng, type BalancerEntry } from '../../src/core.ts';
import { runBalanceRequest } from '../../src/cli/commands/balance.ts';
import { CliError } from '../../src/cli/errors.ts';
import { writePlayground } from '../../scripts/playground.mjs';
import { project, unproject } from '../../playground/src/geometry/camera.ts';
import { DiagnosticsFileError, parseDiagnostics, rebuildGradients } from '../../playground/src/geometry/diagnostics-file.ts';
import { GeometryStateError, parseState } from '../../playground/src/geometry/state.ts';
import { ARTIFACTS, chromiumAvailable, openPlayground, skipNote, type OpenedPlayground } from './launch.ts';

type PageResult = { method: string; combined: number[]; weights: number[] | null; taskWeights: number[] | null } | { method: string; error: string };
interface Case { G: number[][]; method: string; options: Record<string, unknown>; seed: number; losses: number[] }

const CONFIGS: { name: string; G: number[][]; losses: number[] }[] = [
  { name: 'golden J', G: [[-4, 1, 1], [6, 1, 1]], losses: [0.7, 1.3] },
  { name: 'T > d (5 tasks in 2-D)', G: [[1.5, 0], [0.4, 1.4], [-1.1, 0.6], [-0.7, -1], [0.9, -1.1]], losses: [0.5, 0.9, 1.1, 0.3, 2] },
  { name: 'six tasks in 3-D, one dominant', G: [[12, 0.2, 0.1], [-0.5, 1.1, 0.3], [0.2, -0.4, 1.3], [-0.9, -0.3, 0.4], [0.4, 0.8, -0.9], [0.1, -1, -0.5]], losses: [1, 2, 3, 0.5, 0.25, 1.5] },
];

const entry = (id: string): BalancerEntry => (balancers as Record<string, BalancerEntry>)[id]!;

/** Per method: the defaults, and every option that lists choices set to its last choice (one at a time). */
function optionVariants(id: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [{}];
  for (const [name, o] of Object.entries(entry(id).options)) {
    const c = o.check?.choices;
    if (c && c.length > 1) out.push({ [name]: c[c.length - 1] });
  }
  return out;
}

/** What `mtlkit balance --json` answers for the case: its combined update, or its error line. */
function cli(c: Case): { combined: number[] } | { error: string } {
  try {
    const r = runBalanceRequest({ G: c.G, method: c.method, options: c.options, seed: c.seed, losses: c.losses });
    return { combined: r.combined as number[] };
  } catch (e) {
    if (e instanceof CliError) return { error: e.message };
    throw e;
  }
}

async function pageResults(page: Page, cases: Case[]): Promise<PageResult[][]> {
  return page.evaluate((cs) => {
    const geo = (globalThis as unknown as { playground: { panels: { geometry: { setState(s: unknown): void; results(): unknown[] } } } }).playground.panels.geometry;
    return cs.map((c) => {
      geo.setState({ G: c.G, d: c.G[0]!.length, losses: c.losses, seed: c.seed, sides: [{ method: c.method, options: c.options }, { method: 'ew', options: {} }] });
      return geo.results();
    });
  }, cases) as Promise<PageResult[][]>;
}

const geometryState = (page: Page): Promise<{ G: number[][]; d: number; view: { yaw: number }; sides: { method: string; options: Record<string, unknown> }[] }> =>
  page.evaluate(() => (globalThis as unknown as { playground: { panels: { geometry: { getState(): unknown } } } }).playground.panels.geometry.getState()) as never;

const urlState = (page: Page): Record<string, unknown> => JSON.parse(new URL(page.url()).searchParams.get('geometry') ?? 'null') as Record<string, unknown>;

describe('the Geometry panel\'s pure parts, in Node', () => {
  it('the 3-D camera: unproject inverts project at the same depth (a dragged head keeps its depth)', () => {
    const rng = new Rng(5);
    for (let k = 0; k < 50; k++) {
      const v = [rng.normal(), rng.normal(), rng.normal()];
      const view = { yaw: rng.next() * 360 - 180, pitch: rng.next() * 178 - 89 };
      const p = project(v, view);
      const back = unproject(p.x, p.y, p.depth, 3, view);
      back.forEach((x, i) => expect(x).toBeCloseTo(v[i]!, 12));
      const moved = unproject(p.x + 0.3, p.y - 0.2, p.depth, 3, view);
      expect(project(moved, view).depth).toBeCloseTo(p.depth, 12);
    }
    expect(project([1, 2], { yaw: 40, pitch: 10 })).toEqual({ x: 1, y: 2, depth: 0 });
  });

  it('rows rebuilt from norms and cosines have that Gram matrix, in the smallest dimension (2 for rank <= 2)', () => {
    const G = [[3, 0, 0, 1], [-1, 2, 0, 0.5]];
    const n = G.map((g) => Math.hypot(...g));
    const cos = G.map((a, i) => G.map((b, j) => a.reduce((s, x, k) => s + x * b[k]!, 0) / (n[i]! * n[j]!)));
    const [step] = parseDiagnostics(JSON.stringify({ step: 3, norms_before: n, cosine: cos, losses: [0.5, 0.7] }), 'd.jsonl');
    const r = rebuildGradients(step!);
    expect(r.d).toBe(2);
    expect(r.rank).toBe(2);
    expect(r.dropped).toBe(0);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) {
      expect(r.G[i]![0]! * r.G[j]![0]! + r.G[i]![1]! * r.G[j]![1]!).toBeCloseTo(n[i]! * n[j]! * cos[i]![j]!, 12);
    }
    expect(step!.losses).toEqual([0.5, 0.7]);
    expect(() => parseDiagnostics('{"step": 1}\n', 'x.jsonl')).toThrow(DiagnosticsFileError);
    expect(() => parseDiagnostics('\n', 'x.jsonl')).toThrow(/has no records/);
  });

  it('a link\'s state is checked, naming the field and the fix', () => {
    expect(parseState(undefined).G).toEqual([[-4, 1, 1], [6, 1, 1]]);
    expect(parseState({ G: [[1, 2], [3, 4]] }).d).toBe(2);
    expect(() => parseState({ G: [[1, 2]] })).toThrow(/G must be an array of 2 to 6 rows/);
    expect(() => parseState({ d: 2, G: [[1, 2], [3]] })).toThrow(/G\[1\] must have 2 numbers/);
    expect(() => parseState({ G: [[1, 2], [3, 'x']] })).toThrow(/G\[1\]\[1\] is "x", not a finite number/);
    expect(() => parseState({ d: 4 })).toThrow(GeometryStateError);
    expect(() => parseState({ G: [[1, 2], [3, 4]], losses: [1] })).toThrow(/losses must be 2 finite numbers/);
    expect(() => parseState({ seed: 1.5 })).toThrow(/seed must be an integer/);
  });
});

describe.skipIf(!chromiumAvailable)(`the playground's Geometry panel in headless Chromium${skipNote}`, () => {
  let pg: OpenedPlayground;

  beforeAll(async () => {
    pg = await openPlayground({ query: { tab: 'geometry' } });
  }, 60_000);

  afterAll(async () => {
    await pg?.close();
  });

  it('every registered balancer, its option choices and two seeds: the page\'s combined update has mtlkit balance\'s bits', async () => {
    const cases: Case[] = [];
    for (const method of balancerIds) {
      for (const options of optionVariants(method)) {
        for (const [k, cfg] of CONFIGS.entries()) cases.push({ G: cfg.G, method, options, seed: k === 1 ? 7 : 0, losses: cfg.losses });
      }
    }
    const away = await pageResults(pg.page, cases);
    const mismatches: string[] = [];
    let compared = 0, refused = 0;
    cases.forEach((c, i) => {
      const home = cli(c);
      const there = away[i]![0]!;
      const label = `${c.method} ${JSON.stringify(c.options)} on ${c.G.length}x${c.G[0]!.length}`;
      if ('error' in home || 'error' in there) {
        // Both refuse, for the same reason (the CLI prefixes 'balance: ').
        if (!('error' in home && 'error' in there && home.error.includes(there.error))) mismatches.push(`${label}: page ${JSON.stringify(there)}, CLI ${JSON.stringify(home)}`);
        refused++;
        return;
      }
      compared++;
      const j = there.combined.findIndex((x, k) => !Object.is(x, home.combined[k]));
      if (there.combined.length !== home.combined.length || j >= 0) mismatches.push(`${label}: page ${JSON.stringify(there.combined)}, CLI ${JSON.stringify(home.combined)}`);
    });
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThanOrEqual(balancerIds.length * CONFIGS.length);
    console.log(`geometry: ${compared} page updates equal to mtlkit balance's bit for bit, ${refused} refused by both alike (${balancerIds.length} balancers)`);
    expect(pg.errors).toEqual([]);
  }, 60_000);

  it('a link sets the configuration; a drag moves the arrow, the update and the URL; a reload restores it', async () => {
    const page = await pg.goto({ tab: 'geometry', geometry: { d: 2, G: [[2, 0.6], [-1.2, 1.5]], sides: [{ method: 'pcgrad', options: {} }, { method: 'gradcraft', options: { tau: 0.3 } }] } });
    const before = await geometryState(page);
    expect(before.G).toEqual([[2, 0.6], [-1.2, 1.5]]);
    expect(before.sides[1]).toEqual({ method: 'gradcraft', options: { tau: 0.3 } });
    const shown = await page.locator('[data-side="0"] [data-combined]').getAttribute('data-combined');
    expect(JSON.parse(shown!)).toEqual((cli({ G: before.G, method: 'pcgrad', options: {}, seed: 0, losses: [1, 1] }) as { combined: number[] }).combined);

    const head = page.locator('[data-side="0"] circle[data-task="1"]');
    const box = (await head.boundingBox())!;
    const x = box.x + box.width / 2, y = box.y + box.height / 2;
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.move(x + 30, y + 20, { steps: 4 });
    await page.mouse.move(x + 60, y + 50, { steps: 4 });
    await page.mouse.up();
    const after = await geometryState(page);
    expect(after.G[0]).toEqual([2, 0.6]);
    expect(after.G[1]![0]).toBeGreaterThan(-1.2);
    expect(after.G[1]![1]).toBeLessThan(1.5);
    expect(urlState(page).G).toEqual(after.G);
    const dragged = JSON.parse((await page.locator('[data-side="0"] [data-combined]').getAttribute('data-combined'))!) as number[];
    expect(dragged).toEqual((cli({ G: after.G, method: 'pcgrad', options: {}, seed: 0, losses: [1, 1] }) as { combined: number[] }).combined);
    await pg.screenshot(page, 'geometry-after-drag');

    await page.reload();
    await page.waitForFunction(() => (globalThis as { playground?: { ready?: boolean } }).playground?.ready === true);
    const reloaded = await geometryState(page);
    expect(reloaded.G).toEqual(after.G);
    expect(reloaded.sides).toEqual(after.sides);
    expect(JSON.parse((await page.locator('[data-side="0"] [data-combined]').getAttribute('data-combined'))!)).toEqual(dragged);
    // The keyboard moves a focused head too (arrow keys, 1% of the view).
    await page.locator('[data-side="0"] circle[data-task="0"]').focus();
    await page.keyboard.press('ArrowUp');
    const nudged = await geometryState(page);
    expect(nudged.G[0]![0]).toBe(reloaded.G[0]![0]);
    expect(nudged.G[0]![1]).toBeGreaterThan(reloaded.G[0]![1]!);
    expect(urlState(page).G).toEqual(nudged.G);
  }, 60_000);

  it('3-D: dragging the background turns the camera, and the URL keeps the view', async () => {
    const page = await pg.goto({ tab: 'geometry', geometry: { d: 3, G: [[-4, 1, 1], [6, 1, 1]] } });
    const canvas = page.locator('[data-side="1"] svg.geo-canvas');
    const box = (await canvas.boundingBox())!;
    const yaw0 = (await geometryState(page)).view.yaw;
    await page.mouse.move(box.x + 20, box.y + box.height - 20);
    await page.mouse.down();
    await page.mouse.move(box.x + 120, box.y + box.height - 20, { steps: 5 });
    await page.mouse.up();
    const yaw1 = (await geometryState(page)).view.yaw;
    expect(yaw1).not.toBe(yaw0);
    expect((urlState(page).view as { yaw: number }).yaw).toBe(yaw1);
    // A head dragged in 3-D moves in the screen's plane: its depth stays (to the 4 digits kept).
    const before = await geometryState(page) as unknown as { G: number[][]; view: { yaw: number; pitch: number } };
    const head = (await page.locator('[data-side="0"] circle[data-task="1"]').boundingBox())!;
    await page.mouse.move(head.x + head.width / 2, head.y + head.height / 2);
    await page.mouse.down();
    await page.mouse.move(head.x + head.width / 2 - 40, head.y + head.height / 2 - 30, { steps: 4 });
    await page.mouse.up();
    const after = await geometryState(page) as unknown as { G: number[][]; view: { yaw: number; pitch: number } };
    expect(after.G[1]).not.toEqual(before.G[1]);
    expect(Math.abs(project(after.G[1]!, after.view).depth - project(before.G[1]!, before.view).depth)).toBeLessThan(0.01);
    expect(after.G[0]).toEqual(before.G[0]);
    // The wheel zooms both canvases (kept in the URL); a double click fits the view again.
    const canvas0 = page.locator('[data-side="0"] svg.geo-canvas');
    await canvas0.hover({ position: { x: 30, y: 30 } });
    // Wheel events are delivered asynchronously: wait for each before the next.
    const zoom = (): number => (urlState(page).view as { zoom: number }).zoom;
    await page.mouse.wheel(0, -100);
    await expect.poll(zoom).toBe(1.25);
    await page.mouse.wheel(0, -100);
    await expect.poll(zoom).toBeCloseTo(1.5625, 12);
    await expect(page.locator('[data-side="1"] svg.geo-canvas text', { hasText: 'zoom ×1.56' }).count()).resolves.toBe(1);
    await canvas0.dblclick({ position: { x: 30, y: 30 } });
    await expect.poll(zoom).toBe(1);
  }, 30_000);

  it('option controls are generated from the registry, checked by it, and reach the balancer', async () => {
    const page = await pg.goto({ tab: 'geometry', geometry: { d: 2, G: [[1.5, 0], [0.4, 1.4], [-1.1, 0.6]], sides: [{ method: 'cagrad', options: {} }, { method: 'mgda', options: {} }] } });
    // One control per option of the spec, nothing hand-copied.
    for (const [side, id] of [[0, 'cagrad'], [1, 'mgda']] as const) {
      for (const name of Object.keys(entry(id).options)) await expect(page.locator(`#side${side}-${name}`).count()).resolves.toBe(1);
    }
    await page.locator('#side0-c').fill('0.8');
    await page.locator('#side0-c').press('Enter');
    await page.locator('#side1-normalization').selectOption({ label: '"l2"' });
    const s = await geometryState(page);
    expect(s.sides[0]).toEqual({ method: 'cagrad', options: { c: 0.8 } });
    expect(s.sides[1]).toEqual({ method: 'mgda', options: { normalization: 'l2' } });
    expect(urlState(page).sides).toEqual(s.sides);
    const res = await page.evaluate(() => (globalThis as unknown as { playground: { panels: { geometry: { results(): unknown } } } }).playground.panels.geometry.results()) as PageResult[];
    expect((res[0] as { combined: number[] }).combined).toEqual((cli({ G: s.G, method: 'cagrad', options: { c: 0.8 }, seed: 0, losses: [1, 1, 1] }) as { combined: number[] }).combined);
    expect((res[1] as { combined: number[] }).combined).toEqual((cli({ G: s.G, method: 'mgda', options: { normalization: 'l2' }, seed: 0, losses: [1, 1, 1] }) as { combined: number[] }).combined);
    // A value the spec refuses is shown beside the field and not used.
    await page.locator('#side0-c').fill('-1');
    await page.locator('#side0-c').press('Enter');
    await expect(page.locator('[data-side="0"] .geo-options .bad').first().textContent()).resolves.toMatch(/must be a finite number in \[0, 1000\]/);
    expect((await geometryState(page)).sides[0]).toEqual({ method: 'cagrad', options: { c: 0.8 } });
  }, 30_000);

  it('PCGrad\'s projections are drawn in the order made: one numbered step per projection, as many as the CLI\'s conflict sets hold', async () => {
    const G = [[1.5, 0], [0.4, 1.4], [-1.1, 0.6], [-0.7, -1], [0.9, -1.1]];
    const page = await pg.goto({ tab: 'geometry', geometry: { G, seed: 3, sides: [{ method: 'pcgrad', options: {} }, { method: 'ew', options: {} }] } });
    const home = runBalanceRequest({ G, method: 'pcgrad', seed: 3 }) as { diagnostics: { conflictSets: number[][] } };
    const made = home.diagnostics.conflictSets.reduce((n, s) => n + s.length, 0);
    expect(made).toBeGreaterThan(0);
    await expect(page.locator('[data-side="0"] [data-path] circle').count()).resolves.toBe(made);
    await expect(page.locator('[data-side="1"] [data-path]').count()).resolves.toBe(0);
    // Pointing at g1 leaves g1 and its conflict set in colour and dims the others.
    await page.locator('[data-side="0"] circle[data-task="0"]').hover();
    const dimmed = await page.locator('[data-side="0"] .dim').evaluateAll((es) => [...new Set(es.map((e) => Number(e.getAttribute('data-owner'))))].sort());
    expect(dimmed).toEqual([0, 1, 2, 3, 4].filter((t) => t !== 0 && !home.diagnostics.conflictSets[0]!.includes(t)));
    const text = (await page.locator('[data-side="0"] .geo-numbers').textContent())!;
    home.diagnostics.conflictSets.forEach((set, i) => {
      expect(text).toContain(`g${i + 1}: visits`);
      if (set.length) expect(text).toContain(`projected onto ${set.map((j) => `g${j + 1}`).join(', then ')}`);
    });
  }, 30_000);

  it('a run\'s diagnostics.jsonl: rows rebuilt with the step\'s norms and cosines, so Gram-only methods give the run\'s weights', async () => {
    const rng = new Rng(3);
    const records: string[] = [];
    const originals: { G: Float64Array; T: number; d: number }[] = [];
    for (const [step, T] of [[10, 3], [20, 4]] as const) {
      const d = 12;
      const G = Float64Array.from({ length: T * d }, () => rng.normal() * (1 + step / 10));
      const b = createBalancer('imtl');
      const out = b.combine(G, T, { step: 0, rng: new Rng(0), diagnostics: true });
      const dg = diagnose(G, T, out, b.lastInfo());
      records.push(JSON.stringify({ step, epoch: 0, norms_before: dg.normsBefore, cosine: dg.cosine, losses: Array.from({ length: T }, (_, t) => 0.5 + t / 10), weights: dg.weights }));
      originals.push({ G, T, d });
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, 'diagnostics.jsonl');
    writeFileSync(file, records.join('\n') + '\n');
    const page = await pg.goto({ tab: 'geometry', geometry: { sides: [{ method: 'imtl', options: {} }, { method: 'mgda', options: {} }] } });
    await page.locator('input[type=file]').setInputFiles(file);
    await page.locator('text=diagnostics.jsonl step 10').first().waitFor();
    // Step 10 (T = 3, rank 3): exactly the run's Gram matrix, so IMTL-G's and MGDA's weights are the run's.
    const check = async (k: number): Promise<void> => {
      const { G: flat, T, d } = originals[k]!;
      const s = await geometryState(page);
      expect(s.G).toHaveLength(T);
      const rows = Array.from({ length: T }, (_, t) => Array.from(flat.subarray(t * d, t * d + d)));
      const dot = (a: number[], b: number[]): number => a.reduce((x, v, i) => x + v * b[i]!, 0);
      for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) {
        expect(Math.abs(dot(s.G[i]!, s.G[j]!) - dot(rows[i]!, rows[j]!))).toBeLessThan(1e-12 * Math.sqrt(dot(rows[i]!, rows[i]!) * dot(rows[j]!, rows[j]!)));
      }
      const res = await page.evaluate(() => (globalThis as unknown as { playground: { panels: { geometry: { results(): unknown } } } }).playground.panels.geometry.results()) as PageResult[];
      for (const [side, method] of [[0, 'imtl'], [1, 'mgda']] as const) {
        const home = runBalanceRequest({ G: rows, method, seed: 0, losses: Array.from({ length: T }, (_, t) => 0.5 + t / 10) });
        const w = (res[side] as { weights: number[] }).weights;
        const want = home.weights as number[];
        for (let t = 0; t < T; t++) expect(Math.abs(w[t]! - want[t]!), `${method} step ${k} weight ${t}: ${w} vs ${want}`).toBeLessThan(1e-9);
      }
    };
    await check(0);
    expect(await page.locator('.geo-note').textContent()).toMatch(/not the gradients/);
    // Step 20 (T = 4 in d = 12, rank 4): the page keeps 3 dimensions and says so.
    await page.locator('select[aria-label="diagnostics step"]').selectOption({ index: 1 });
    const s = await geometryState(page);
    expect(s.d).toBe(3);
    expect(s.G).toHaveLength(4);
    expect((await page.textContent('body'))!).toMatch(/step 20: rebuilt from norms and cosines; rank 4 > 3, best 3-D approximation, [\d.]+% of trace\(K\) dropped/);
    await pg.screenshot(page, 'geometry-diagnostics');
    // A file that is not a diagnostics.jsonl says so and leaves the gradients alone.
    const wrong = join(ARTIFACTS, 'not-diagnostics.jsonl');
    writeFileSync(wrong, '{"step": 1, "losses": [1, 2]}\n');
    await page.locator('input[type=file]').setInputFiles(wrong);
    await page.locator('#panel-geometry > .error').filter({ hasText: /not-diagnostics\.jsonl line 1 has no "norms_before" and T x T "cosine"; is it a diagnostics\.jsonl/ }).waitFor({ timeout: 5000 });
    expect((await geometryState(page)).G).toEqual(s.G);
  }, 30_000);

  it('a broken link opens the page with the reason and the default gradients', async () => {
    const page = await pg.goto('?tab=geometry&geometry=%7Bnot-json');
    await expect(page.locator('#panel-geometry .error').first().textContent()).resolves.toMatch(/'geometry' is not valid JSON.*remove it from the address/);
    expect((await geometryState(page)).G).toEqual([[-4, 1, 1], [6, 1, 1]]);
    pg.errors.length = 0;
  }, 30_000);

  it('the static build (what npm run build writes to dist/playground) runs from a plain web server, not isolated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtlkit-playground-static-'));
    const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
    // A server that knows nothing of the playground: files only, no COOP / COEP.
    const server = http.createServer((req, res) => {
      const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.replace(/\/$/, '/index.html')));
      try {
        res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(join(dir, path)));
      } catch {
        res.writeHead(404).end();
      }
    });
    try {
      await writePlayground(dir);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const page = await pg.context.newPage();
      const G = [[2, 0.6], [-1.2, 1.5]];
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/?tab=geometry&geometry=${encodeURIComponent(JSON.stringify({ G, sides: [{ method: 'pcgrad', options: {} }, { method: 'mgda', options: {} }] }))}`);
      await page.waitForFunction(() => (globalThis as { playground?: { ready?: boolean } }).playground?.ready === true);
      expect(await page.evaluate(() => (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated)).toBe(false);
      await expect(page.locator('#isolation').textContent()).resolves.toMatch(/not cross-origin isolated/);
      const res = await page.evaluate(() => (globalThis as unknown as { playground: { panels: { geometry: { results(): unknown } } } }).playground.panels.geometry.results()) as PageResult[];
      expect((res[0] as { combined: number[] }).combined).toEqual((cli({ G, method: 'pcgrad', options: {}, seed: 0, losses: [1, 1] }) as { combined: number[] }).combined);
      await page.close();
    } finally {
      server.closeAllConnections();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('the shell: the open tab is in the URL, a panel mounts the first time its tab is shown, each keeps its own parameter', async () => {
    const page = await pg.goto({ tab: 'geometry', geometry: { d: 2, G: [[1, 0], [0, 1]] } });
    const mounted = (): Promise<string[]> => page.evaluate(() => Object.keys((globalThis as unknown as { playground: { panels: object } }).playground.panels));
    expect(await mounted()).toEqual(['geometry']);
    const tabs = await page.locator('nav button[data-tab]').evaluateAll((bs) => bs.map((b) => (b as unknown as { dataset: { tab: string } }).dataset.tab));
    expect(tabs[0]).toBe('geometry');
    for (const tab of tabs.slice(1)) {
      await page.locator(`nav button[data-tab="${tab}"]`).click();
      expect(new URL(page.url()).searchParams.get('tab')).toBe(tab);
      await expect(page.locator(`#panel-${tab}`).isVisible()).resolves.toBe(true);
      await expect(page.locator('#panel-geometry').isVisible()).resolves.toBe(false);
    }
    expect((await mounted()).sort()).toEqual([...tabs].sort());
    await page.locator('nav button[data-tab="geometry"]').click();
    // The geometry parameter survived the other panels' visits, and the panel was not mounted twice.
    expect(urlState(page).G).toEqual([[1, 0], [0, 1]]);
    await expect(page.locator('#panel-geometry').count()).resolves.toBe(1);
    expect(pg.errors).toEqual([]);
  }, 30_000);

  it('screenshots of every preset (saved to ARTIFACTS)', async () => {
    const page = await pg.goto({ tab: 'geometry' });
    for (const id of ['golden', 'conflict', 'dominant', 'collinear', 'wide', 'six']) {
      await page.locator(`button[data-preset="${id}"]`).click();
      const path = await pg.screenshot(page, `geometry-preset-${id}`);
      expect(path).toMatch(/\.png$/);
    }
    expect(pg.errors).toEqual([]);
  }, 60_000);
});
