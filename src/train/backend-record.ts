/**
 * Which kernel backend a run trained on, as written into config.json and final.json. Resume is
 * bit-exact only on the same kernels: the backends round differently, the wasm backend's FMA
 * flavour rounds a multiply-add once instead of twice, and its matmul kernel (native or wasm)
 * sums in another order. Those are recorded and compared. The thread count is recorded too but
 * no longer decides a number (`threadInvariant`): every kernel splits its sums by size, not by
 * threads. Records written before that (no `threadInvariant`) split the Gram matrix into one
 * partial sum per thread; the fixed split reproduces exactly the two-thread one, so such a
 * record matches today's kernels only at GRAM_PARTS threads.
 */
import { activeBackendName, getBackend } from '../tensor/backends/registry.ts';
import { GRAM_PARTS } from '../tensor/backends/wasm.ts';

export interface BackendRecord {
  /** js | wasm | gpu | auto (auto: a per-op plan over the others). */
  name: string;
  /** Worker threads the kernels split across (1 for js). */
  threads: number;
  /** true: the numbers do not depend on `threads` (every record written since that holds). */
  threadInvariant?: true;
  /** The wasm kernels' relaxed-SIMD FMA flavour; null where the backend has none. */
  fma: boolean | null;
  /** The wasm backend's float32 matmul kernel ('native' AVX2 / FMA or 'wasm'); absent elsewhere and in older folders. */
  matmul?: 'native' | 'wasm';
  /** auto only: which backend runs each op at each size. */
  plan?: unknown;
}

export function activeBackendRecord(): BackendRecord {
  const be = getBackend();
  // fma and plan belong to the wasm kernels and to auto's routing only.
  const extra = be as unknown as { fma?: unknown; plan?: unknown; matmulKernel?: unknown; under?: { matmulKernel?: unknown } };
  const matmul = extra.matmulKernel ?? extra.under?.matmulKernel;
  const auto = activeBackendName() === 'auto';
  const rec: BackendRecord = {
    name: auto ? 'auto' : be.name,
    threads: be.threads,
    threadInvariant: true,
    fma: typeof extra.fma === 'boolean' ? extra.fma : null,
  };
  if (matmul === 'native' || matmul === 'wasm') rec.matmul = matmul;
  if (auto && extra.plan !== undefined) rec.plan = extra.plan;
  return rec;
}

/** A stored record, or null when `v` is not one (an older run folder, or edited by hand). */
export function parseBackendRecord(v: unknown): BackendRecord | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const r = v as Record<string, unknown>;
  if (typeof r.name !== 'string' || typeof r.threads !== 'number' || !(r.fma === null || typeof r.fma === 'boolean')) return null;
  return {
    name: r.name, threads: r.threads,
    ...(r.threadInvariant === true ? { threadInvariant: true as const } : {}),
    fma: r.fma,
    ...(r.matmul === 'native' || r.matmul === 'wasm' ? { matmul: r.matmul } : {}),
    ...(r.plan !== undefined ? { plan: r.plan } : {}),
  };
}

export function describeBackend(r: BackendRecord): string {
  return `${r.name}, ${r.threads} thread${r.threads === 1 ? '' : 's'}${r.fma === null ? '' : r.fma ? ', FMA' : ', no FMA'}${r.matmul ? `, ${r.matmul} matmul` : ''}`;
}

/** Whether a different thread count can change the numbers between the two records. */
function threadsMatter(was: BackendRecord, now: BackendRecord): boolean {
  if (was.threadInvariant === true && now.threadInvariant === true) return false;
  // An older record: its Gram was split per thread, which the fixed split matches only here.
  const old = was.threadInvariant === true ? now : was, fresh = old === was ? now : was;
  return !(fresh.threadInvariant === true && old.threads === GRAM_PARTS);
}

/** What differs between two records, e.g. "matmul native -> wasm"; null when they match. */
export function backendDifference(was: BackendRecord, now: BackendRecord): string | null {
  const d: string[] = [];
  if (was.name !== now.name) d.push(`backend ${was.name} -> ${now.name}`);
  if (was.threads !== now.threads && threadsMatter(was, now)) d.push(`threads ${was.threads} -> ${now.threads}`);
  if (was.fma !== now.fma) d.push(`FMA ${String(was.fma)} -> ${String(now.fma)}`);
  if (was.matmul !== undefined && was.matmul !== now.matmul) d.push(`matmul ${was.matmul} -> ${String(now.matmul)}`);
  if (was.name === now.name && JSON.stringify(was.plan) !== JSON.stringify(now.plan)) d.push('auto plan differs (recalibrated)');
  return d.length ? d.join(', ') : null;
}

/** The flag and environment that select `r` again, for the exact command in error messages. */
export function backendSettings(r: BackendRecord): { backend: string; env: string[] } {
  const env: string[] = [];
  if (r.name !== 'js') env.push(`MTLKIT_THREADS=${r.threads}`);
  if (r.fma !== null) env.push(`MTLKIT_WASM_FMA=${r.fma ? 1 : 0}`);
  if (r.matmul !== undefined) env.push(`MTLKIT_NATIVE=${r.matmul === 'native' ? 1 : 0}`);
  return { backend: r.name, env };
}
