import type * as ChildProcess from 'node:child_process';
import type * as Crypto from 'node:crypto';
import type * as Fs from 'node:fs';
import type * as Module from 'node:module';
import type * as Os from 'node:os';
import type * as Path from 'node:path';
import type * as Url from 'node:url';
import type * as V8 from 'node:v8';
import type * as WorkerThreads from 'node:worker_threads';
import type * as Zlib from 'node:zlib';
import { KERNEL_FILES as FILES, KERNEL_SOURCES, type KernelFlavor } from './wasm-kernels.ts';
import type { Host, HostFile, HostFiles } from './host.ts';
import { NATIVE_SOURCE_DIR, nativeAddonPath, NativeKernelsUnavailableError, type NativeKernels } from './native-kernels.ts';

/**
 * The Node host. It reaches Node's modules only through `NodeBuiltins`, so this file imports
 * none itself (the `import type` lines above vanish when compiled): the Node entry hands it
 * the modules it imported (./install-node.ts), and the automatic choice in ./host.ts hands it
 * `process.getBuiltinModule`. Either way a browser bundle that contains this file pulls in
 * nothing from Node.
 */
export interface NodeModules {
  'node:child_process': typeof ChildProcess;
  'node:crypto': typeof Crypto;
  'node:fs': typeof Fs;
  'node:module': typeof Module;
  'node:os': typeof Os;
  'node:path': typeof Path;
  'node:url': typeof Url;
  'node:v8': typeof V8;
  'node:worker_threads': typeof WorkerThreads;
  'node:zlib': typeof Zlib;
}

export type NodeBuiltins = <K extends keyof NodeModules>(name: K) => NodeModules[K];

/** Node's own loader of built-in modules (Node 20.16 and later), or null outside Node. */
export function nodeBuiltinsFromProcess(): NodeBuiltins | null {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const get = p?.getBuiltinModule;
  if (typeof get !== 'function') return null;
  return ((name: string) => get.call(p, name)) as NodeBuiltins;
}

export function createNodeHost(node: NodeBuiltins): Host {
  const fs = () => node('node:fs');
  const path = () => node('node:path');
  const root = node('node:url').fileURLToPath(new URL('../../', import.meta.url));

  function packageVersion(): string {
    try {
      return (JSON.parse(fs().readFileSync(`${root}package.json`, 'utf8')) as { version: string }).version;
    } catch {
      return 'unknown';
    }
  }

  function cacheDir(): string {
    const env = process.env;
    if (env.MTLKIT_CACHE_DIR) return env.MTLKIT_CACHE_DIR;
    if (env.XDG_CACHE_HOME) return path().join(env.XDG_CACHE_HOME, 'mtlkit');
    return path().join(node('node:os').homedir(), '.cache', 'mtlkit');
  }

  /**
   * `npm ci` builds the kernels through the `prepare` script; when the .wasm is missing or
   * older than one of its sources (a checkout that skipped scripts, an edited kernel) it is built
   * here, synchronously, by running the same script in a child process, because backends are
   * created synchronously.
   */
  function wasmKernels(flavor: KernelFlavor): Uint8Array {
    const { existsSync, readFileSync, statSync } = fs();
    const file = `${root}build/wasm/${FILES[flavor]}`;
    // An installed package ships no sources: its .wasm is fresh.
    const fresh = existsSync(file) && KERNEL_SOURCES.every((s) => !existsSync(root + s) || statSync(file).mtimeMs >= statSync(root + s).mtimeMs);
    if (!fresh) {
      try {
        node('node:child_process').execFileSync(process.execPath, [`${root}scripts/build-wasm.mjs`, '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
      } catch (e) {
        const err = e as { stderr?: Uint8Array; message: string };
        throw new Error(`could not build ${file}: ${err.stderr?.toString().trim() || err.message}`);
      }
      if (!existsSync(file)) throw new Error(`building the wasm kernels did not produce ${file}`);
    }
    return readFileSync(file);
  }

  /**
   * The native matmul addon, loaded once. `npm ci` builds it through `prepare`; when it is
   * missing or older than a file of native/ it is built here, synchronously, by the same script
   * in a child process. Any failure (not x86-64, no compiler, a CPU without AVX2 / FMA) becomes
   * a NativeKernelsUnavailableError with the reason, remembered so it is paid once.
   */
  let native: NativeKernels | NativeKernelsUnavailableError | undefined;
  function loadNative(): NativeKernels {
    native ??= tryLoadNative();
    if (native instanceof NativeKernelsUnavailableError) throw native;
    return native;
  }
  function tryLoadNative(): NativeKernels | NativeKernelsUnavailableError {
    if (process.arch !== 'x64') return new NativeKernelsUnavailableError(`the CPU is ${process.arch}, not x86-64`);
    const { existsSync, readdirSync, statSync } = fs();
    const file = root + nativeAddonPath(process.platform, process.arch);
    const srcDir = root + NATIVE_SOURCE_DIR;
    const sources = existsSync(srcDir) ? readdirSync(srcDir).filter((f) => /\.[ch]$/.test(f)).map((f) => `${srcDir}/${f}`) : [];
    const fresh = existsSync(file) && sources.every((s) => statSync(file).mtimeMs >= statSync(s).mtimeMs);
    if (!fresh) {
      const script = `${root}scripts/build-native.mjs`;
      if (!existsSync(script)) return new NativeKernelsUnavailableError(`${file} is missing`);
      // The script exits 0 either way and says why on stderr when it could not build.
      const r = node('node:child_process').spawnSync(process.execPath, [script, '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
      const said = r.stderr?.toString().trim().replace(/^mtlkit: native matmul not built \((.*)\); the wasm matmul will be used$/s, '$1');
      if (!existsSync(file) || !sources.every((s) => statSync(file).mtimeMs >= statSync(s).mtimeMs)) {
        return new NativeKernelsUnavailableError(said || r.error?.message || `building ${file} failed`);
      }
    }
    try {
      const addon = node('node:module').createRequire(import.meta.url)(file) as Omit<NativeKernels, 'file'>;
      const info = addon.info();
      return info.available ? { ...addon, file } : new NativeKernelsUnavailableError(info.reason);
    } catch (e) {
      return new NativeKernelsUnavailableError(`loading ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  const zlibCrc = (node('node:zlib') as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

  return {
    name: 'node',
    env: (name) => process.env[name],
    cpuCount: () => node('node:os').availableParallelism(),
    defaultBackend: () => 'wasm',
    wasmKernels,
    nativeKernels: loadNative,
    // Node 20's V8 validates relaxed SIMD only behind this flag; it only widens what validates.
    enableRelaxedSimd: () => node('node:v8').setFlagsFromString('--experimental-wasm-relaxed-simd'),
    startWorker(script, data) {
      // The worker scripts are plain JavaScript: don't make them load the parent's TypeScript loader.
      const w = new (node('node:worker_threads').Worker)(script, { workerData: data, execArgv: [] });
      w.unref();
      return { post: (m) => w.postMessage(m), terminate: () => void w.terminate() };
    },
    gpuJs: () => node('node:module').createRequire(import.meta.url)('gpu.js'),
    cache: {
      read(name) {
        try { return fs().readFileSync(path().join(cacheDir(), name), 'utf8'); } catch { return undefined; }
      },
      write(name, text) {
        try {
          fs().mkdirSync(cacheDir(), { recursive: true });
          const file = path().join(cacheDir(), name);
          const tmp = `${file}.${process.pid}.tmp`;
          fs().writeFileSync(tmp, text);
          fs().renameSync(tmp, file);
        } catch {
          // A read-only home only costs a calibration per process.
        }
      },
      where: (name) => path().join(cacheDir(), name),
    },
    fingerprint() {
      const cpus = node('node:os').cpus();
      return [cpus[0]?.model ?? 'cpu', cpus.length, process.version, packageVersion()].join('|');
    },
    digest: (text) => node('node:crypto').createHash('sha256').update(text).digest('hex').slice(0, 16),
    crc32: zlibCrc ? (data, prev) => zlibCrc(data, prev) >>> 0 : undefined,
    files: nodeFiles(node),
  };
}

function nodeFiles(node: NodeBuiltins): HostFiles {
  const fs = () => node('node:fs');
  const path = () => node('node:path');
  return {
    open(file, mode): HostFile {
      const f = fs();
      const fd = f.openSync(file, mode);
      return {
        size: () => f.fstatSync(fd).size,
        read: (into, position) => f.readSync(fd, into, 0, into.length, position),
        write(bytes) {
          for (let off = 0; off < bytes.length; ) off += f.writeSync(fd, bytes, off, bytes.length - off);
        },
        sync: () => f.fsyncSync(fd),
        close: () => f.closeSync(fd),
      };
    },
    exists: (file) => fs().existsSync(file),
    readText: (file) => fs().readFileSync(file, 'utf8'),
    writeText: (file, text) => fs().writeFileSync(file, text),
    rename: (from, to) => fs().renameSync(from, to),
    remove: (file) => fs().unlinkSync(file),
    linkOrCopy(from, to) {
      try {
        fs().linkSync(from, to);
      } catch {
        fs().copyFileSync(from, to);
      }
    },
    syncDir(dir) {
      // Not every platform can open a directory; only surviving a power cut depends on it.
      try {
        const fd = fs().openSync(dir, 'r');
        try { fs().fsyncSync(fd); } finally { fs().closeSync(fd); }
      } catch { /* best effort */ }
    },
    dirname: (file) => path().dirname(file),
    tempBeside: (file) => path().join(path().dirname(file), `.${path().basename(file)}.tmp-${process.pid}-${Date.now().toString(36)}`),
  };
}
