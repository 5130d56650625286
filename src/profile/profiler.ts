/**
 * A small step profiler: nested scopes with self time, grouped by phase (forward, backward,
 * balancer, optimizer) and by op family (a kernel, a layer's own JS loops, an op's backward).
 *
 * Bookkeeping. Every scope measures its inclusive time and subtracts its children's, so each
 * millisecond lands in exactly one family: the kernel inside Linear.forward counts for
 * `kernel.linearForward`, the layer's own JS around it for `linear.fwd`. A scope opened with a
 * `phase` while no phase is open starts that phase (its inclusive time is the phase's time);
 * inside an open phase the argument is ignored, so a model forward called from a balanced step
 * stays in whatever phase the caller opened. A phase's own time outside every op scope is
 * reported as the family `(js)` of that phase. `step()` marks a training step's end: the wall
 * time between marks gives each step's total, and the part no phase saw is `unattributed`
 * (graph walks, per-node bookkeeping between backward closures, loss reductions, ...).
 *
 * The clock is injectable so the bookkeeping is tested without wall-clock assertions.
 */
export interface ProfilerOptions {
  /** Milliseconds; default performance.now. */
  now?: () => number;
}

export interface FamilyRow {
  phase: string;
  family: string;
  /** Self milliseconds per step. */
  ms: number;
  /** Calls per step. */
  calls: number;
}

export interface ProfileReport {
  /** Steps aggregated (after the skipped warm-up steps). */
  steps: number;
  /** Mean wall milliseconds per step (between step marks); NaN without two marks. */
  wallMs: number;
  /** Milliseconds per step per phase, in order of first appearance. */
  phases: { phase: string; ms: number }[];
  /** Per-step wall time that no phase covered. */
  unattributedMs: number;
  /** Self time per (phase, family), largest first. */
  families: FamilyRow[];
  /** The same summed over phases, largest first. */
  byFamily: { family: string; ms: number; calls: number }[];
}

interface Frame {
  family: string;
  start: number;
  child: number;
  /** This frame opened a phase. */
  opensPhase: boolean;
  phase: string;
}

const NO_PHASE = 'other';
/** The default clock. */
const wallClock = (): number => performance.now();

export class Profiler {
  private now: () => number;
  private on = false;
  private stack: Frame[] = [];
  private self = new Map<string, { phase: string; family: string; ms: number; calls: number }>();
  private phaseMs = new Map<string, number>();
  private skip = 0;
  private stepsSeen = 0;
  private stepsKept = 0;
  private wallKept = 0;
  private lastMark = NaN;

  constructor(opts: ProfilerOptions = {}) {
    this.now = opts.now ?? wallClock;
  }

  /**
   * Times scopes by another clock (default performance.now): every figure of the report is then
   * in its units (bench step --idle: the kernel threads' idle time). Only while disabled, so no
   * scope spans two clocks.
   */
  setClock(now?: () => number): void {
    if (this.on) throw new Error('profiler: setClock() while enabled; call disable() first');
    this.now = now ?? wallClock;
  }

  get enabled(): boolean {
    return this.on;
  }

  /** Start recording; the first `skipSteps` steps (warm-up) are recorded then discarded. */
  enable(opts: { skipSteps?: number } = {}): void {
    this.reset();
    this.skip = opts.skipSteps ?? 0;
    this.on = true;
    this.lastMark = this.now();
  }

  /** Stop recording without forgetting (e.g. across an await between steps). */
  pause(): void {
    this.on = false;
  }

  /** Continue after pause(); the paused time counts toward no step. */
  resume(): void {
    if (this.on) return;
    this.on = true;
    this.lastMark = this.now();
  }

  disable(): void {
    this.on = false;
    this.stack.length = 0;
  }

  /** Forget everything recorded (keeps enabled / disabled). */
  reset(): void {
    this.clearData();
    this.stepsSeen = 0;
    this.stepsKept = 0;
    this.wallKept = 0;
    this.stack.length = 0;
    this.lastMark = this.on ? this.now() : NaN;
  }

  private clearData(): void {
    this.self.clear();
    this.phaseMs.clear();
  }

  /** The phase of the innermost open phase scope, or null. */
  currentPhase(): string | null {
    for (let i = this.stack.length - 1; i >= 0; i--) if (this.stack[i]!.opensPhase) return this.stack[i]!.phase;
    return null;
  }

  begin(family: string, phase?: string): void {
    if (!this.on) return;
    const open = this.currentPhase();
    const opensPhase = open === null && phase !== undefined;
    this.stack.push({ family, start: this.now(), child: 0, opensPhase, phase: open ?? phase ?? NO_PHASE });
  }

  end(): void {
    if (!this.on) return;
    const f = this.stack.pop();
    if (f === undefined) throw new Error('profiler: end() without a matching begin()');
    const t = this.now() - f.start;
    const parent = this.stack[this.stack.length - 1];
    if (parent) parent.child += t;
    const key = `${f.phase}\u0000${f.family}`;
    let row = this.self.get(key);
    if (!row) this.self.set(key, (row = { phase: f.phase, family: f.family, ms: 0, calls: 0 }));
    row.ms += t - f.child;
    row.calls++;
    if (f.opensPhase || (parent === undefined && f.phase === NO_PHASE)) {
      this.phaseMs.set(f.phase, (this.phaseMs.get(f.phase) ?? 0) + t);
    }
  }

  /** Run fn inside a scope (ends it on throw too). */
  scope<R>(family: string, fn: () => R, phase?: string): R {
    if (!this.on) return fn();
    this.begin(family, phase);
    try {
      return fn();
    } finally {
      this.end();
    }
  }

  /** A phase scope: its own time outside op scopes is the phase's `(js)` family. */
  phase<R>(name: string, fn: () => R): R {
    return this.scope('(js)', fn, name);
  }

  /** Marks the end of a training step. */
  step(): void {
    if (!this.on) return;
    const t = this.now();
    const wall = t - this.lastMark;
    this.lastMark = t;
    this.stepsSeen++;
    if (this.stepsSeen <= this.skip) {
      this.clearData();
      return;
    }
    this.stepsKept++;
    this.wallKept += wall;
  }

  report(): ProfileReport {
    const n = Math.max(1, this.stepsKept);
    const phases = [...this.phaseMs].map(([phase, ms]) => ({ phase, ms: ms / n }));
    const families = [...this.self.values()]
      .map((r) => ({ phase: r.phase, family: r.family, ms: r.ms / n, calls: r.calls / n }))
      .sort((a, b) => b.ms - a.ms);
    const agg = new Map<string, { family: string; ms: number; calls: number }>();
    for (const r of families) {
      const a = agg.get(r.family) ?? { family: r.family, ms: 0, calls: 0 };
      a.ms += r.ms;
      a.calls += r.calls;
      agg.set(r.family, a);
    }
    const wallMs = this.stepsKept > 0 ? this.wallKept / this.stepsKept : NaN;
    const covered = phases.reduce((s, p) => s + p.ms, 0);
    return {
      steps: this.stepsKept,
      wallMs,
      phases,
      unattributedMs: Number.isNaN(wallMs) ? NaN : Math.max(0, wallMs - covered),
      families,
      byFamily: [...agg.values()].sort((a, b) => b.ms - a.ms),
    };
  }
}

/** Plain-text rendering of a report: phases, then families per phase, then the top families. */
export function formatReport(r: ProfileReport, opts: { top?: number; clock?: string } = {}): string {
  const top = opts.top ?? 12;
  const pct = (ms: number, of: number): string => (of > 0 ? `${((100 * ms) / of).toFixed(1)}%` : '-');
  const f1 = (x: number): string => x.toFixed(x < 10 ? 2 : 1);
  const total = Number.isNaN(r.wallMs) ? r.phases.reduce((s, p) => s + p.ms, 0) : r.wallMs;
  const lines: string[] = [];
  lines.push(`profile: ${r.steps} step(s), ${f1(total)} ms/step ${opts.clock ?? 'wall'}`);
  lines.push('  by phase (ms/step, share of the step):');
  for (const p of r.phases) lines.push(`    ${p.phase.padEnd(12)} ${f1(p.ms).padStart(9)}  ${pct(p.ms, total).padStart(6)}`);
  if (!Number.isNaN(r.unattributedMs)) lines.push(`    ${'unattributed'.padEnd(12)} ${f1(r.unattributedMs).padStart(9)}  ${pct(r.unattributedMs, total).padStart(6)}`);
  lines.push(`  by op family (self ms/step, calls/step), top ${top}:`);
  for (const f of r.byFamily.slice(0, top)) {
    lines.push(`    ${f.family.padEnd(28)} ${f1(f.ms).padStart(9)}  ${pct(f.ms, total).padStart(6)}  ${String(Math.round(f.calls)).padStart(5)} calls`);
  }
  for (const p of r.phases) {
    const rows = r.families.filter((f) => f.phase === p.phase).slice(0, top);
    lines.push(`  ${p.phase}:`);
    for (const f of rows) lines.push(`    ${f.family.padEnd(28)} ${f1(f.ms).padStart(9)}  ${pct(f.ms, p.ms).padStart(6)} of phase  ${String(Math.round(f.calls)).padStart(5)} calls`);
  }
  return lines.join('\n');
}
