#!/usr/bin/env node
// The playground (playground/): one esbuild bundle of the page (the library itself, through
// src/core.ts) and the static files it needs, served on 127.0.0.1 with the COOP / COEP
// headers that make the page cross-origin isolated (SharedArrayBuffer, threaded wasm), or
// written out as static files any web server can host.
//
// Usage: node scripts/playground.mjs [--port N] [--open-log]   serve (default port 5180)
//        node scripts/playground.mjs --out <dir>               static build (npm run build: dist/playground)
//
// Layout, the same served or written (the shell hands `assetsBase` = './assets/' to panels):
//   index.html, main.js, style.css         the page, its bundle (playground/src/main.ts) and styles
//   <dir>/<name>.js                        every playground/src/**/*worker.ts, bundled on its own
//   assets/kernels/*.wasm                  the wasm kernels (build/wasm)
//   assets/tensor/wasm/{worker,start-data}.mjs, assets/tensor/gpu/worker.mjs   mtlkit's worker scripts
//   assets/gpu.js                          gpu.js's browser build
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, extname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const pgSrc = join(root, 'playground/src');

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.map': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml',
};

/** Files copied as they are: URL path under the site -> path in the repository. */
function staticAssets() {
  const out = {};
  const wasm = join(root, 'build/wasm');
  if (existsSync(wasm)) for (const f of readdirSync(wasm)) if (f.endsWith('.wasm')) out[`/assets/kernels/${f}`] = join(wasm, f);
  for (const f of ['wasm/worker.mjs', 'wasm/start-data.mjs', 'gpu/worker.mjs']) out[`/assets/tensor/${f}`] = join(root, 'src/tensor', f);
  out['/assets/gpu.js'] = join(root, 'node_modules/gpu.js/dist/gpu-browser.min.js');
  return out;
}

/** The shell's entry points, and every worker script of a panel (bundled on its own, as Workers load them). */
function entries() {
  const workers = {};
  for (const f of readdirSync(pgSrc, { recursive: true, encoding: 'utf8' })) {
    if (/worker\.ts$/.test(f)) workers[f.replace(/\.ts$/, '')] = join(pgSrc, f);
  }
  return { page: { main: join(pgSrc, 'main.ts'), style: join(pgSrc, 'style.css') }, workers };
}

export class PlaygroundBuildError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PlaygroundBuildError';
  }
}

async function bundle(entryPoints, minify) {
  try {
    const out = await build({
      entryPoints, bundle: true, platform: 'browser', format: 'esm', target: 'es2022', write: false,
      outdir: '/', sourcemap: 'linked', minify, logLevel: 'silent', charset: 'utf8',
      // The page's own code is browser-only; a Node import reaching it is a bug, not a fallback.
      external: [],
    });
    return out.outputFiles;
  } catch (e) {
    const errors = (e.errors ?? []).slice(0, 5).map((m) => `${m.location ? `${m.location.file}:${m.location.line}: ` : ''}${m.text}`);
    throw new PlaygroundBuildError(`esbuild could not bundle ${Object.values(entryPoints).map((p) => relative(root, p)).join(', ')}: ${errors.join('; ') || e.message}`);
  }
}

/**
 * Bundles the page. Returns URL path -> contents for the bundled files and index.html, and URL
 * path -> repository path for the assets copied as they are. With `strict` false (the dev
 * server), a worker script that does not bundle is served as one that throws the build error
 * when started, and the error is printed, so one panel's broken worker leaves the rest of the
 * page usable; a static build (`strict`, the default) fails instead.
 */
export async function buildPlayground({ minify = false, strict = true, warn = (m) => process.stderr.write(`${m}\n`) } = {}) {
  if (!existsSync(join(pgSrc, 'main.ts'))) throw new PlaygroundBuildError(`no ${relative(process.cwd(), join(pgSrc, 'main.ts'))}: run this from a clone of the mtlkit repository`);
  const { page, workers } = entries();
  const files = { '/index.html': readFileSync(join(root, 'playground/index.html'), 'utf8') };
  for (const f of await bundle(page, minify)) files[f.path] = f.text;
  for (const [name, path] of Object.entries(workers)) {
    try {
      for (const f of await bundle({ [name]: path }, minify)) files[f.path] = f.text;
    } catch (e) {
      if (strict || !(e instanceof PlaygroundBuildError)) throw e;
      warn(`playground: ${e.message}`);
      files[`/${name}.js`] = `throw new Error(${JSON.stringify(e.message)});\n`;
    }
  }
  return { files, assets: staticAssets() };
}

/** Writes the site into `dir` (replacing what is there). */
export async function writePlayground(dir, opts = {}) {
  const { files, assets } = await buildPlayground({ minify: true, ...opts });
  rmSync(dir, { recursive: true, force: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  for (const [path, from] of Object.entries(assets)) {
    if (!existsSync(from)) throw new PlaygroundBuildError(`missing ${relative(root, from)}: run \`npm run build:wasm\` (kernels) or \`npm ci\` (gpu.js)`);
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    cpSync(from, join(dir, path));
  }
  return dir;
}

const ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * Serves the playground on 127.0.0.1 (never another interface). `port` 0 picks a free one.
 * The bundle is made once at start; `rebuild()` makes it again (the dev server calls it when a
 * page is reloaded). Returns { url, close, rebuild }.
 */
export async function servePlayground({ port = 0, rebuildOnReload = false, strict = false } = {}) {
  const make = () => buildPlayground({ strict });
  let site = await make();
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let path = decodeURIComponent(url.pathname);
    if (path === '/') path = '/index.html';
    const headers = { ...ISOLATION, 'cache-control': 'no-store' };
    try {
      if (path === '/index.html' && rebuildOnReload) site = await make();
    } catch (e) {
      return void res.writeHead(500, { ...headers, 'content-type': 'text/plain' }).end(String(e.message));
    }
    let body = site.files[path];
    if (body === undefined && site.assets[path] !== undefined) {
      try { body = readFileSync(site.assets[path]); } catch { body = undefined; }
    }
    if (body === undefined) return void res.writeHead(404, headers).end();
    res.writeHead(200, { ...headers, 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
  });
  await new Promise((resolve, reject) => {
    server.once('error', (e) => reject(e.code === 'EADDRINUSE' ? new PlaygroundBuildError(`port ${port} on 127.0.0.1 is in use; pass --port N (0 picks a free one)`) : e));
    server.listen(port, '127.0.0.1', resolve);
  });
  const { port: bound } = server.address();
  return {
    url: `http://127.0.0.1:${bound}/`,
    rebuild: async () => { site = await make(); },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function flag(args, name) {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) {
    process.stderr.write(`playground: ${name} needs a value\n`);
    process.exit(1);
  }
  return v;
}

async function main() {
  const args = process.argv.slice(2);
  const known = new Set(['--out', '--port']);
  for (const a of args) {
    if (a.startsWith('--') && !known.has(a)) {
      process.stderr.write(`playground: unknown flag ${a}; flags: --port N (serve), --out DIR (static build)\n`);
      process.exit(1);
    }
  }
  try {
    const out = flag(args, '--out');
    if (out !== undefined) {
      await writePlayground(out);
      process.stdout.write(`playground: written to ${relative(process.cwd(), out) || '.'}\n`);
      return;
    }
    const portText = flag(args, '--port') ?? '5180';
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      process.stderr.write(`playground: --port must be an integer in [0, 65535], got ${portText}\n`);
      process.exit(1);
    }
    const s = await servePlayground({ port, rebuildOnReload: true });
    process.stdout.write(`playground: ${s.url} (cross-origin isolated; reload to rebuild; Ctrl-C stops)\n`);
  } catch (e) {
    process.stderr.write(`playground: ${e instanceof PlaygroundBuildError ? e.message : e.stack}\n`);
    process.exit(1);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === normalize(process.argv[1])) await main();
