/**
 * The chart layer's script for report.html: uPlot and the playground's charts
 * (playground/src/charts/report-entry.ts) bundled into one inline script, so a report's run plots
 * answer hover and legend clicks like the playground's, and the page still opens offline.
 *
 * Where it comes from: in the package, dist/report-charts.js, written by `npm run build`
 * (`writeChartRuntime`); in a clone running src/ (tsx), bundled here with esbuild (a
 * devDependency) the first time a report needs it. Neither there: null, and report.html keeps its
 * static SVG plots only.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const BUILT = new URL('../report-charts.js', import.meta.url);
const ENTRY = new URL('../../playground/src/charts/report-entry.ts', import.meta.url);

/** The script cannot hold what would end it or reach out of the page. */
export class ChartRuntimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChartRuntimeError';
  }
}

interface EsbuildSync {
  buildSync(opts: Record<string, unknown>): { outputFiles: { text: string }[] };
}

/**
 * Bundles the runtime from the playground's sources, under uPlot's licence line (its own
 * comment is not one esbuild keeps), with no URL: report.html holds none at all.
 */
export function bundleChartRuntime(): string {
  const require = createRequire(import.meta.url);
  const esbuild = require('esbuild') as EsbuildSync;
  const uplot = require('uplot/package.json') as { version: string; license: string };
  const out = esbuild.buildSync({
    entryPoints: [fileURLToPath(ENTRY)], bundle: true, format: 'iife', platform: 'browser', target: 'es2020', minify: true,
    legalComments: 'none', write: false, logLevel: 'silent', charset: 'utf8',
    banner: { js: `/*! uPlot v${uplot.version} (c) Leon Sorokin, ${uplot.license} licence; the mtlkit chart layer (playground/src/charts) */` },
  });
  const text = out.outputFiles[0]!.text.replace(/https?:\/\//g, '');
  if (/<\/script|<!--/i.test(text)) throw new ChartRuntimeError('the bundled chart layer holds "</script" or "<!--", which would end its inline script early');
  if (/\bimport\(|\bfetch\(|XMLHttpRequest/.test(text)) throw new ChartRuntimeError('the bundled chart layer loads something at run time; report.html must open offline');
  return text;
}

/** `npm run build`: writes dist/report-charts.js next to the compiled report code. */
export function writeChartRuntime(): string {
  const file = fileURLToPath(BUILT);
  writeFileSync(file, bundleChartRuntime());
  return file;
}

let cached: string | null | undefined;

/** The runtime's text, or null where this install has neither the built file nor the sources and esbuild. */
export function chartRuntime(): string | null {
  if (cached !== undefined) return cached;
  if (existsSync(BUILT)) return (cached = readFileSync(BUILT, 'utf8'));
  if (!existsSync(ENTRY)) return (cached = null);
  try {
    return (cached = bundleChartRuntime());
  } catch (e) {
    if (e instanceof ChartRuntimeError) throw e;
    // No esbuild (an install without devDependencies): the static plots only.
    return (cached = null);
  }
}
