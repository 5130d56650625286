/**
 * The Geometry panel's state, as kept in the URL: the gradients (T rows of d = 2 or 3 numbers),
 * the per-task losses the loss-using methods need, the seed of the randomised methods, the two
 * balancers compared side by side (options only where they differ from the defaults) and the
 * 3-D camera. Parsed with errors that name the field and the fix, so a hand-edited link that
 * is wrong says so instead of silently resetting.
 */
import { MAX_ZOOM, MIN_ZOOM, type View } from './camera.ts';

export const MIN_TASKS = 2;
export const MAX_TASKS = 6;

export interface SideState {
  method: string;
  /** Only the options the user changed; the rest are the registry's defaults. */
  options: Record<string, unknown>;
}

export interface GeometryState {
  d: 2 | 3;
  G: number[][];
  losses: number[];
  seed: number;
  sides: [SideState, SideState];
  /** The camera (camera.ts): 3-D orientation in degrees, and the zoom of both canvases. */
  view: View;
  /** Where G came from, shown above the canvases (a preset's name, a diagnostics step). */
  source: string;
}

export class GeometryStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GeometryStateError';
  }
}

export function defaultState(): GeometryState {
  return {
    d: 3,
    G: [[-4, 1, 1], [6, 1, 1]],
    losses: [1, 1],
    seed: 0,
    sides: [{ method: 'gradcraft', options: {} }, { method: 'pcgrad', options: {} }],
    view: { yaw: -35, pitch: 20, zoom: 1 },
    source: 'preset: golden J',
  };
}

const bad = (what: string, fix: string): never => {
  throw new GeometryStateError(`geometry state: ${what}; ${fix}`);
};

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Checks a G matrix: 2..6 rows of d finite numbers each. */
export function checkG(G: unknown, d: number, where = 'G'): number[][] {
  if (!Array.isArray(G) || G.length < MIN_TASKS || G.length > MAX_TASKS) {
    bad(`${where} must be an array of ${MIN_TASKS} to ${MAX_TASKS} rows (one per task)`, 'give one gradient per task');
  }
  return (G as unknown[]).map((r, t) => {
    if (!Array.isArray(r) || r.length !== d) bad(`${where}[${t}] must have ${d} numbers (d = ${d})`, 'give every task the same length');
    (r as unknown[]).forEach((x, k) => { if (!finite(x)) bad(`${where}[${t}][${k}] is ${JSON.stringify(x)}, not a finite number`, 'use a finite number'); });
    return [...(r as number[])];
  });
}

function checkSide(v: unknown, i: number, fallback: SideState): SideState {
  if (v === undefined) return fallback;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return bad(`sides[${i}] must be {"method", "options"}`, 'fix or remove it');
  const s = v as Record<string, unknown>;
  if (typeof s.method !== 'string') bad(`sides[${i}].method must be a balancer id`, 'name one of the listed balancers');
  const options = s.options ?? {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) bad(`sides[${i}].options must be an object`, 'fix or remove it');
  return { method: s.method as string, options: { ...(options as Record<string, unknown>) } };
}

/** The state from the URL's JSON (fields not given take their defaults). */
export function parseState(raw: Record<string, unknown> | undefined): GeometryState {
  const def = defaultState();
  if (!raw) return def;
  const d = raw.d ?? (Array.isArray(raw.G) && Array.isArray(raw.G[0]) ? (raw.G[0] as unknown[]).length : def.d);
  if (d !== 2 && d !== 3) bad(`d must be 2 or 3, got ${JSON.stringify(d)}`, 'the page draws 2-D or 3-D gradients');
  const G = raw.G === undefined ? (d === def.d ? def.G : def.G.map((r) => r.slice(0, d as number))) : checkG(raw.G, d as number);
  const T = G.length;
  let losses = Array.from({ length: T }, () => 1);
  if (raw.losses !== undefined) {
    if (!Array.isArray(raw.losses) || raw.losses.length !== T || !raw.losses.every(finite)) bad(`losses must be ${T} finite numbers (one per task)`, 'give one loss per task');
    losses = [...(raw.losses as number[])];
  }
  const seed = raw.seed ?? 0;
  if (!Number.isInteger(seed)) bad(`seed must be an integer, got ${JSON.stringify(seed)}`, 'use an integer');
  const sides = raw.sides ?? [];
  if (!Array.isArray(sides) || sides.length > 2) bad('sides must be an array of at most two {"method", "options"}', 'fix or remove it');
  const view = raw.view as { yaw?: unknown; pitch?: unknown; zoom?: unknown } | undefined;
  const yaw = view?.yaw ?? def.view.yaw, pitch = view?.pitch ?? def.view.pitch, zoom = view?.zoom ?? 1;
  if (!finite(yaw) || !finite(pitch)) bad('view must be {"yaw": degrees, "pitch": degrees, "zoom": factor}', 'fix or remove it');
  if (!finite(zoom) || zoom < MIN_ZOOM || zoom > MAX_ZOOM) bad(`view.zoom must be a number in [${MIN_ZOOM}, ${MAX_ZOOM}]`, 'fix or remove it');
  return {
    d: d as 2 | 3, G, losses, seed: seed as number,
    sides: [checkSide((sides as unknown[])[0], 0, def.sides[0]), checkSide((sides as unknown[])[1], 1, def.sides[1])],
    view: { yaw: yaw as number, pitch: pitch as number, zoom: zoom as number },
    source: typeof raw.source === 'string' ? raw.source : 'link',
  };
}

/** The JSON kept in the URL. */
export function serializeState(s: GeometryState): Record<string, unknown> {
  return { d: s.d, G: s.G, losses: s.losses, seed: s.seed, sides: s.sides, view: s.view, source: s.source };
}
