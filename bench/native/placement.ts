/**
 * Where a VM's two vCPUs sit, as bench/native/cross-core.c sees it: the rate at which one CPU
 * reads a buffer the other just wrote, against the writer's own rate. Where the two share a
 * last-level cache the two rates are close; where the host has put them on different core
 * complexes the reader gets the buffer at near the rate of memory. A host may move them while a
 * bench runs, so the scaling bench probes around each two-thread run.
 */
import { spawnSync } from 'node:child_process';

/** One probe's rates, GB/s: read on the writer's CPU, on the other CPU, and on it from memory. */
export interface CrossCore {
  own: number;
  other: number;
  flushed: number;
}

/** The other CPU reads at this share of the writer's rate or more: they share a cache. */
export const SHARED_AT = 0.75;

/** A probe's line, or null where it says something else. */
export function parseCrossCore(stdout: string): CrossCore | null {
  const m = /read on CPU \d+ ([0-9.]+) GB\/s, on CPU \d+ ([0-9.]+) GB\/s, on CPU \d+ after a \d+ MB flush ([0-9.]+) GB\/s/.exec(stdout);
  return m ? { own: Number(m[1]), other: Number(m[2]), flushed: Number(m[3]) } : null;
}

/** Whether every probe found the two CPUs sharing a cache (the other CPU at >= SHARED_AT of the writer's rate). */
export function sharedCache(probes: readonly CrossCore[]): boolean {
  return probes.length > 0 && probes.every((p) => p.other >= SHARED_AT * p.own);
}

/** One op family's mean milliseconds a step over the rounds sharing a cache and those apart. */
export interface FamilyByPlacement {
  family: string;
  shared: number;
  apart: number;
}

/**
 * Where the rounds apart lose: each op family's mean time a step (a family absent from a round
 * counts 0 there) over the rounds whose probes found a shared cache and over the others, the
 * families in order of the time apart less the time shared, largest first. `rounds[r]`: round
 * r's family times; `shared[r]`: its placement. Null unless both groups have a round.
 */
export function familiesByPlacement(rounds: readonly ReadonlyMap<string, number>[], shared: readonly boolean[]): FamilyByPlacement[] | null {
  if (rounds.length !== shared.length) throw new Error(`familiesByPlacement: ${rounds.length} rounds but ${shared.length} placements`);
  const n = shared.filter((s) => s).length;
  if (n === 0 || n === shared.length) return null;
  const families = new Set<string>();
  for (const r of rounds) for (const f of r.keys()) families.add(f);
  const mean = (f: string, want: boolean): number => {
    let sum = 0;
    rounds.forEach((r, i) => { if (shared[i] === want) sum += r.get(f) ?? 0; });
    return sum / (want ? n : shared.length - n);
  };
  return [...families].map((family) => ({ family, shared: mean(family, true), apart: mean(family, false) }))
    .sort((a, b) => (b.apart - b.shared) - (a.apart - a.shared) || a.family.localeCompare(b.family));
}

/** Runs the built cross-core bench on a 1 MB buffer; throws with its output where it fails. */
export function probeCrossCore(exe: string): CrossCore {
  const r = spawnSync(exe, ['1024'], { encoding: 'utf8' });
  const p = r.status === 0 ? parseCrossCore(r.stdout) : null;
  if (p === null) throw new Error(`cross-core 1024 failed or printed what this bench does not read: ${(r.stderr || r.stdout || `exit ${r.status}`).trim()}`);
  return p;
}

/**
 * The probe a bench runs around its two-thread runs, or why it has none: `probe()` gives null
 * once the probe is missing or has failed (a CPU without AVX2, one CPU to run on), with `why`
 * saying so; a probe that failed is not run again.
 */
export class PlacementProbe {
  private exe: string | null;
  why: string;

  constructor(exe: string | null, why: string) {
    this.exe = exe;
    this.why = exe === null ? why : '';
  }

  probe(): CrossCore | null {
    if (this.exe === null) return null;
    try {
      return probeCrossCore(this.exe);
    } catch (e) {
      this.exe = null;
      this.why = (e as Error).message;
      return null;
    }
  }
}
