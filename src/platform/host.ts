import type { KernelFlavor } from './wasm-kernels.ts';
import type { NativeKernels } from './native-kernels.ts';
import { createNodeHost, nodeBuiltinsFromProcess } from './node.ts';
import { createWebHost } from './web.ts';

/**
 * What the engine needs from the place it runs in, as capabilities rather than as a platform
 * name: the core (tensor, autograd, nn, mtl, metrics, in-memory data) asks `host()` for a
 * capability and never imports a `node:` module, so it bundles for a browser unchanged.
 *
 * An entry point installs the host (`useHost`): src/index.ts installs the Node one; a browser
 * app may install `createWebHost({ ... })`. When none was installed, the first `host()` picks
 * one: Node's (through `process.getBuiltinModule`, so nothing is imported) where that exists,
 * else the web host. Deep imports in Node (the CLI, tests, worker scripts) therefore keep the
 * Node host without naming it.
 *
 * Optional members are capabilities a host may lack; `need` turns an absent one into a
 * HostCapabilityError that names it and the host.
 */
export interface Host {
  /** 'node', 'web', ...: for messages only; code asks for capabilities. */
  readonly name: string;
  /** A configuration variable (MTLKIT_*): the environment in Node, options in a browser. */
  env(name: string): string | undefined;
  /** Logical cores, the default for the wasm backend's threads. */
  cpuCount(): number;
  /** The backend the registry makes when MTLKIT_BACKEND says nothing. */
  defaultBackend(): string;
  /**
   * Work a backend needs before its synchronous factory can run (fetching and compiling
   * kernels in a browser). `initBackend` awaits it; hosts that load synchronously omit it.
   */
  prepare?(backend: string): Promise<void>;
  /** The compiled wasm kernels of this flavour, synchronously; throws with the reason. */
  wasmKernels?(flavor: KernelFlavor): Uint8Array;
  /**
   * The native AVX2 / FMA matmul (native/), loaded once; throws a
   * NativeKernelsUnavailableError with the reason where it cannot run (not built, not x86-64,
   * a CPU without AVX2 / FMA). Hosts without native code omit it.
   */
  nativeKernels?(): NativeKernels;
  /** Lets the engine validate relaxed SIMD where a runtime keeps it behind a flag. */
  enableRelaxedSimd?(): void;
  /**
   * Starts one of mtlkit's worker scripts (plain JavaScript) with `data` as its start data.
   * `role` names the script for hosts that cannot find it by `script` (a bundled page).
   */
  startWorker?(script: URL, data: Record<string, unknown>, role: WorkerRole): HostWorker;
  /** The gpu.js module (its `GPU` class). */
  gpuJs?(): unknown;
  /** A small persistent text store keyed by file name (auto's calibration cache). */
  cache?: HostCache;
  /** Text that changes with the machine and runtime (auto's calibration key). */
  fingerprint(): string;
  /** A short stable hex digest of `text`. */
  digest(text: string): string;
  /** A native CRC-32 (zlib polynomial) continuing from `prev`, where the host has one. */
  crc32?(data: Uint8Array, prev: number): number;
  /** Synchronous files: checkpoints, encoders, schemas. */
  files?: HostFiles;
}

/** mtlkit's worker scripts: the wasm kernel threads, and gpu.js behind the synchronous bridge. */
export type WorkerRole = 'wasm-kernels' | 'gpu-bridge';

export interface HostWorker {
  post(message: unknown): void;
  terminate(): void;
}

export interface HostCache {
  read(name: string): string | undefined;
  /** Best effort: a read-only store just means no cache. */
  write(name: string, text: string): void;
  /** Where `name` lives, for messages. */
  where(name: string): string;
}

/** An open file; positions are byte offsets. */
export interface HostFile {
  size(): number;
  /** Reads up to `into.length` bytes at `position`; returns how many (0 at the end). */
  read(into: Uint8Array, position: number): number;
  /** Appends all of `bytes` at the current end. */
  write(bytes: Uint8Array): void;
  /** Flushes to the device. */
  sync(): void;
  close(): void;
}

/**
 * Opening a missing file throws an error whose `code` is 'ENOENT' (Node's convention, kept so
 * callers can say "no such file" on any host).
 */
export interface HostFiles {
  open(path: string, mode: 'r' | 'w'): HostFile;
  exists(path: string): boolean;
  readText(path: string): string;
  writeText(path: string, text: string): void;
  rename(from: string, to: string): void;
  remove(path: string): void;
  /** A hard link where the file system allows one, else a copy. */
  linkOrCopy(from: string, to: string): void;
  /** Makes renames in `dir` durable; best effort. */
  syncDir(dir: string): void;
  dirname(path: string): string;
  /** A fresh name for a temporary file in the same folder as `path` (renames stay atomic). */
  tempBeside(path: string): string;
}

/** A capability this host does not have (a file system in a browser, threads without workers). */
export class HostCapabilityError extends Error {
  constructor(readonly capability: string, readonly host: string, readonly fix: string) {
    super(`the ${host} host has no ${capability}; ${fix}`);
    this.name = 'HostCapabilityError';
  }
}

/** The member `key` of the host, or a HostCapabilityError naming it and `fix`. */
export function need<K extends keyof Host>(key: K, fix: string): NonNullable<Host[K]> {
  const h = host();
  const v = h[key];
  if (v === undefined || v === null) throw new HostCapabilityError(String(key), h.name, fix);
  return (typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(h) : v) as NonNullable<Host[K]>;
}

// On globalThis, not in a module variable: a test that resets its module registry, or an app
// that ends up with two copies of mtlkit, still sees the host its entry point installed.
const SLOT = Symbol.for('mtlkit.host');
type Slot = { [SLOT]?: Host };

/** Installs `h` for everything that runs after; returns the one it replaces, if any. */
export function useHost(h: Host): Host | undefined {
  const g = globalThis as Slot;
  const before = g[SLOT];
  g[SLOT] = h;
  return before;
}

export function host(): Host {
  const g = globalThis as Slot;
  return g[SLOT] ??= detectHost();
}

function detectHost(): Host {
  const builtins = nodeBuiltinsFromProcess();
  return builtins ? createNodeHost(builtins) : createWebHost();
}
