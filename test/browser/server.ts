import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

/**
 * The browser test's web server, on 127.0.0.1 only. Two origins' worth of behaviour under one
 * port: paths under /iso/ carry COOP / COEP (cross-origin isolated: SharedArrayBuffer, threads),
 * paths under /plain/ do not. Below the prefix: `files` (built in memory), /src/... from the
 * repository's src (the worker scripts), /kernels/... from build/wasm, /gpu.js (gpu.js's
 * browser build).
 */
const TYPES: Record<string, string> = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
};

export interface Served {
  base: string;
  close(): Promise<void>;
}

export async function serve(root: string, files: Record<string, string>): Promise<Served> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const m = /^\/(iso|plain)(\/.*)$/.exec(url.pathname);
    if (!m) return void res.writeHead(404).end();
    const [, kind, path] = m as unknown as [string, string, string];
    const headers: Record<string, string> = { 'cache-control': 'no-store' };
    if (kind === 'iso') {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    let body: string | Buffer | undefined = files[path];
    let type = TYPES[extname(path)] ?? 'application/octet-stream';
    try {
      if (body === undefined && path.startsWith('/src/')) body = readFileSync(safe(join(root, 'src'), path.slice(5)));
      else if (body === undefined && path.startsWith('/kernels/')) body = readFileSync(safe(join(root, 'build/wasm'), path.slice(9)));
      else if (body === undefined && path === '/gpu.js') body = readFileSync(join(root, 'node_modules/gpu.js/dist/gpu-browser.min.js'));
    } catch {
      body = undefined;
    }
    if (body === undefined) return void res.writeHead(404, headers).end();
    if (path.endsWith('/')) type = 'text/html';
    res.writeHead(200, { ...headers, 'content-type': type }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** `rel` inside `dir`, or an error (no path leaves the folder). */
function safe(dir: string, rel: string): string {
  const p = normalize(join(dir, rel));
  if (!p.startsWith(dir + '/')) throw new Error(`outside ${dir}: ${rel}`);
  return p;
}
