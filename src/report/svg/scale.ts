/**
 * Axis scales and tick generation for the SVG charts: "nice" linear ticks (1, 2, 5 x 10^k),
 * decade ticks on a log axis, and a log axis that can also show 0 (epsilon sweeps include
 * epsilon = 0, which has no logarithm): 0 gets its own slot left of the first decade, drawn
 * behind a broken-axis mark.
 */

export interface Tick {
  value: number;
  pos: number;
  label: string;
}

export interface Scale {
  /** Maps a data value to a pixel position. */
  map(v: number): number;
  ticks: Tick[];
  /** Pixel position of the axis break (log axis with a zero slot), if any. */
  breakAt?: number;
}

/** Nice tick step for a span split into about `count` intervals. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / mag;
  const nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
  return nice * mag;
}

/** Domain widened to nice tick boundaries, and the tick values inside it. */
export function niceTicks(min: number, max: number, count = 5): { min: number; max: number; values: number[] } {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { min: 0, max: 1, values: [0, 0.5, 1] };
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const step = niceStep(max - min, count);
  // Snap quotients within float noise of an integer, so 0.3 / 0.1 does not add a tick.
  const snap = (q: number): number => (Math.abs(q - Math.round(q)) < 1e-9 ? Math.round(q) : q);
  const lo = Math.floor(snap(min / step)) * step;
  const hi = Math.ceil(snap(max / step)) * step;
  const values: number[] = [];
  for (let v = lo, k = 0; v <= hi + step * 1e-6 && k < 1000; k++, v = lo + k * step) {
    values.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  }
  return { min: lo, max: hi, values };
}

/**
 * Decimals that write every multiple of `step` exactly: 2.5 needs 1, 0.25 needs 2, 5 needs 0.
 * Counting from the step's own digits (not its magnitude) is what keeps -7.5 from printing "-8".
 */
export function stepDecimals(step: number): number {
  for (let d = 0; d < 10; d++) {
    const scaled = step * Math.pow(10, d);
    if (Math.abs(scaled - Math.round(scaled)) < 1e-9 * Math.max(1, scaled)) return d;
  }
  return 10;
}

/** Label for a tick value, with as many decimals as the step needs (no 0.30000000000000004). */
export function formatTick(v: number, step?: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-4) return formatExp(v);
  if (step !== undefined && step > 0 && Number.isFinite(step)) return v.toFixed(Math.min(6, stepDecimals(step)));
  return String(Number(v.toFixed(a < 1 ? 4 : 2)));
}

/** 1e-7 style label (mantissa kept only when it is not 1). */
export function formatExp(v: number): string {
  if (v === 0) return '0';
  const e = Math.floor(Math.log10(Math.abs(v)) + 1e-12);
  const m = Number((v / Math.pow(10, e)).toFixed(2));
  const mant = Math.abs(m) === 1 ? (m < 0 ? '-1' : '1') : String(m);
  return `${mant}e${e}`;
}

/** Linear scale over [min, max] with nice ticks, mapped onto pixels [p0, p1]. */
export function linearScale(min: number, max: number, p0: number, p1: number, count = 5): Scale {
  const t = niceTicks(min, max, count);
  const step = t.values.length > 1 ? t.values[1]! - t.values[0]! : 1;
  const span = t.max - t.min || 1;
  const map = (v: number): number => p0 + ((v - t.min) / span) * (p1 - p0);
  return { map, ticks: t.values.map((v) => ({ value: v, pos: map(v), label: formatTick(v, step) })) };
}

/**
 * Log10 scale over the positive values; if `hasZero`, the value 0 is placed at p0 and the
 * decades start `zeroGap` pixels further on, with `breakAt` between them for the break mark.
 * Negative values cannot be drawn on a log axis and map to NaN (callers skip them).
 */
export function logScale(minPos: number, maxPos: number, p0: number, p1: number, hasZero: boolean, zeroGap = 36): Scale {
  let lo = Math.floor(Math.log10(minPos) + 1e-9);
  let hi = Math.ceil(Math.log10(maxPos) - 1e-9);
  if (hi === lo) {
    lo -= 1;
    hi += 1;
  }
  const start = hasZero ? p0 + (p1 > p0 ? zeroGap : -zeroGap) : p0;
  const map = (v: number): number => {
    if (v === 0 && hasZero) return p0;
    if (!(v > 0)) return NaN;
    return start + ((Math.log10(v) - lo) / (hi - lo)) * (p1 - start);
  };
  const ticks: Tick[] = [];
  if (hasZero) ticks.push({ value: 0, pos: p0, label: '0' });
  // Thin the decades so that at most about 8 are labelled.
  const every = Math.max(1, Math.ceil((hi - lo + 1) / 8));
  for (let e = lo; e <= hi; e++) {
    if ((e - lo) % every !== 0 && e !== hi) continue;
    ticks.push({ value: Math.pow(10, e), pos: map(Math.pow(10, e)), label: formatExp(Math.pow(10, e)) });
  }
  const scale: Scale = { map, ticks };
  if (hasZero) scale.breakAt = (p0 + start) / 2;
  return scale;
}

/** Rough rendered width of a label in pixels (no font metrics without a browser). */
export function textWidth(text: string, fontSize: number): number {
  return text.length * fontSize * 0.6;
}

/** Drops ticks until neighbouring labels (horizontal axis) no longer overlap. */
export function thinTicks(ticks: Tick[], fontSize: number, minGap = 6): Tick[] {
  if (ticks.length <= 2) return ticks;
  for (let every = 1; every < ticks.length; every++) {
    const kept = ticks.filter((_, i) => i % every === 0);
    let ok = true;
    for (let i = 1; i < kept.length; i++) {
      const a = kept[i - 1]!;
      const b = kept[i]!;
      const need = (textWidth(a.label, fontSize) + textWidth(b.label, fontSize)) / 2 + minGap;
      if (Math.abs(b.pos - a.pos) < need) {
        ok = false;
        break;
      }
    }
    if (ok) return kept;
  }
  return [ticks[0]!];
}
