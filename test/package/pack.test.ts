/**
 * The package as a user gets it: build, `npm pack`, install the tarball into a fresh project,
 * then use it there with plain node (no tsx, no src/): import from a .mjs file and train, run
 * the CLI, run a sweep (whose trials are child processes of the built CLI), and typecheck a
 * .ts consumer against the published types.
 *
 * The build runs in a copy of the repo, so this repo's own dist/ (which bin/mtlkit.js would
 * prefer to the sources) is never created or replaced by a test run. The install is offline
 * (offline-lock.ts). Slow by nature: build, pack and install are each a few seconds to a minute.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerLock } from './offline-lock.ts';

const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const FIXTURES = join(ROOT, 'test/package/fixtures');
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; files: string[]; dependencies: Record<string, string>; bin: Record<string, string>; engines: Record<string, string> };
// What the build reads besides the published files (asm/ keeps the built kernels fresh, not rebuilt).
const BUILD_INPUTS = ['package.json', 'README.md', 'src', 'scripts', 'asm', 'tsconfig.json', 'tsconfig.build.json'];
// Every npm command here stays off the network: a missing package is an error, not a download.
const OFFLINE = { ...process.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

const npmVersion = spawnSync('npm', ['--version'], { encoding: 'utf8' });
const hasNpm = npmVersion.status === 0;
const title = hasNpm ? 'the packed package' : `the packed package: SKIPPED, \`npm --version\` failed (${npmVersion.error?.message ?? npmVersion.stderr}); install npm to run it`;

interface Ran { code: number | null; stdout: string; stderr: string }

/** Runs a command without blocking this worker's event loop (vitest talks to it meanwhile). */
function start(cmd: string, args: string[], cwd: string, input?: string): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: OFFLINE });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', (e) => resolve({ code: null, stdout, stderr: stderr + e.message }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** start, failing with the command's output when it exits non-zero. */
async function run(cmd: string, args: string[], cwd: string, input?: string): Promise<Ran> {
  const res = await start(cmd, args, cwd, input);
  if (res.code !== 0) {
    const hint = /ENOTCACHED/.test(res.stderr) ? '\n(a dependency is missing from the npm cache: run `npm ci` in the repo, which fills it)' : '';
    throw new Error(`\`${cmd} ${args.join(' ')}\` in ${cwd} exited with ${res.code}:\n${res.stdout.slice(-3000)}\n${res.stderr.slice(-3000)}${hint}`);
  }
  return res;
}

/** A copy of what `npm run build` and `npm pack` read, with this repo's node_modules linked in. */
function stage(dir: string): void {
  const published = PKG.files.map((f) => f.replace(/\/\*[^/]*$/, '').replace(/\/$/, '')).filter((f) => f !== 'dist');
  for (const path of new Set([...BUILD_INPUTS, ...published])) {
    if (existsSync(join(ROOT, path))) cpSync(join(ROOT, path), join(dir, path), { recursive: true, preserveTimestamps: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
}

describe.skipIf(!hasNpm)(title, () => {
  let tmp = '';
  let app = '';
  let files: string[] = [];
  let typecheck: Promise<Ran>;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'mtlkit-pack-'));
    const repo = join(tmp, 'repo');
    stage(repo);
    await run(process.execPath, ['scripts/build.mjs'], repo);
    // The build just ran; the prepack / prepare scripts would only repeat it.
    const [packed] = JSON.parse((await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], repo)).stdout) as { filename: string; integrity: string; files: { path: string }[] }[];
    files = packed!.files.map((f) => f.path);

    app = join(tmp, 'consumer');
    mkdirSync(app);
    const tarball = `../${packed!.filename}`;
    const repoLock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Parameters<typeof consumerLock>[0];
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module', dependencies: { mtlkit: `file:${tarball}` } }, null, 2));
    writeFileSync(join(app, 'package-lock.json'), JSON.stringify(consumerLock(repoLock, PKG, tarball, packed!.integrity), null, 2));
    // No dependency needs an install script for what runs here; gl (optional, under gpu.js)
    // would try to compile itself.
    await run('npm', ['ci', '--ignore-scripts'], app);
    for (const f of ['train.mjs', 'sweep.json']) cpSync(join(FIXTURES, f), join(app, f));
    // Kept as .txt in the repo: its `import 'mtlkit'` means the installed package, which the
    // repo's own typecheck (tsconfig.json includes test/) cannot resolve.
    cpSync(join(FIXTURES, 'consumer.ts.txt'), join(app, 'consumer.ts'));
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2022'], strict: true, noEmit: true,
        // Check the published .d.ts files too, not only the consumer's use of them.
        skipLibCheck: false,
        types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')],
      },
      files: ['consumer.ts'],
    }));
    typecheck = start(process.execPath, [TSC, '-p', app], app);
  }, 300_000);

  // The consumer's node_modules is a few hundred MB: never leave one behind per run.
  afterAll(async () => {
    await typecheck;
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }, 120_000);

  it('ships dist/, the wasm kernels and the bin, and no sources or tests', () => {
    for (const f of ['package.json', 'bin/mtlkit.js', 'dist/index.js', 'dist/index.d.ts', 'dist/core.js', 'dist/cli/main.js',
      'dist/tensor/wasm/worker.mjs', 'dist/tensor/gpu/worker.mjs', 'build/wasm/kernels.wasm', 'build/wasm/kernels-single.wasm',
      // The native matmul's sources and build script: an install builds it where it can.
      'native/sgemm.c', 'native/gram.c', 'native/gram.h', 'native/narrow.c', 'native/narrow.h', 'native/binding.c', 'scripts/build-native.mjs']) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/') || /\.test\.|\.ts$/.test(f.replace(/\.d\.ts$/, '')))).toEqual([]);
  });

  it('imports from a plain .mjs file and trains one epoch on the wasm kernels', async () => {
    const out = JSON.parse((await run(process.execPath, ['train.mjs', 'run'], app)).stdout.trim().split('\n').at(-1)!) as { backend: string; epochsRun: number; tasks: string[]; valid: { mean_auc: number } };
    expect(out.backend).toBe('wasm');
    expect(out.epochsRun).toBe(1);
    expect(out.tasks.length).toBeGreaterThan(1);
    expect(Number.isFinite(out.valid.mean_auc)).toBe(true);
  });

  it('runs `npx mtlkit --help` and `npx mtlkit balance`', async () => {
    expect((await run('npx', ['mtlkit', '--help'], app)).stdout).toMatch(/Usage: mtlkit/);
    const balanced = JSON.parse((await run('npx', ['mtlkit', 'balance', '--json'], app, JSON.stringify({ G: [[1, 0], [0, 1]], method: 'mgda' }))).stdout) as { weights: number[] };
    expect(balanced.weights).toEqual([0.5, 0.5]);
  });

  it('runs a sweep whose trials are child processes of the built CLI', async () => {
    await run('npx', ['mtlkit', 'sweep', 'sweep.json', '--out', 'sweep', '--workers', '1', '--quiet'], app);
    const records = readFileSync(join(app, 'sweep/results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { status: string; error?: string });
    expect(records.map((r) => r.error ?? r.status)).toEqual(['ok']);
  });

  it('typechecks a consumer .ts file against the published types (NodeNext)', async () => {
    const { code, stdout, stderr } = await typecheck;
    expect(stdout + stderr).toBe('');
    expect(code).toBe(0);
  }, 120_000);
});
