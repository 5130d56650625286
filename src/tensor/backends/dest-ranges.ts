/**
 * How threads share a sum of rows at offsets into one destination (scatterAddAt): by ranges of
 * the destination's elements, not by rows (two rows may add into one element) nor by columns
 * (every row's line would then be written by every thread). Each thread adds, in row order,
 * the elements of every row that fall in its range, so an element takes its additions in the
 * order of one call whatever the cuts: the cuts only balance the work.
 */

/** Offsets sampled per range to place the cuts. */
const SAMPLES_PER_PART = 64;
/** The sample's step through the rows, a fraction of them: irrational, so that it never runs in step with a period of the rows (an embedding's rows cycle through its tables). */
const STEP = (Math.sqrt(5) - 1) / 2;
/** Floats per 64-byte line: a cut on a line boundary leaves no line to two threads. */
const LINE = 16;

let sample = new Int32Array(0);

/**
 * `parts` ranges covering [0, length) of a destination whose element 0 is element `origin` of
 * its buffer (for the line boundaries), cut where about as many of the `count` rows' offsets
 * `at` fall on either side: at quantiles of a sample of them, each cut moved
 * down to a line boundary. Empty ranges are possible (many rows at one offset).
 */
export function destRanges(at: Int32Array, count: number, length: number, parts: number, origin: number): Array<[number, number]> {
  if (!(Number.isInteger(parts) && parts >= 1)) throw new RangeError(`destRanges: parts must be an integer >= 1, got ${parts}`);
  const n = Math.min(count, SAMPLES_PER_PART * parts);
  if (sample.length < n) sample = new Int32Array(n);
  const s = sample.subarray(0, n);
  for (let i = 0, f = 0; i < n; i++, f = (f + STEP) % 1) s[i] = at[Math.floor(f * count)]!;
  s.sort();
  const out: Array<[number, number]> = [];
  let lo = 0;
  for (let p = 1; p < parts; p++) {
    let cut = n === 0 ? length : s[Math.floor((p * n) / parts)]!;
    cut -= (((origin + cut) % LINE) + LINE) % LINE;
    cut = Math.min(length, Math.max(lo, cut));
    out.push([lo, cut]);
    lo = cut;
  }
  out.push([lo, length]);
  return out;
}
