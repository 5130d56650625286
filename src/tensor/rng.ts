/**
 * The one seeded PRNG of mtlkit: xoshiro128** (Blackman and Vigna, 2018), seeded through
 * SplitMix32 so that any 32-bit seed (0 included) gives a well-mixed 128-bit state.
 *
 * Why this one: 32-bit arithmetic only (exact in JavaScript via Math.imul), a period of
 * 2^128 - 1, passes BigCrush, and its state is four numbers that checkpoints can save.
 * Everything random in mtlkit (data generation, initialisation, shuffling, dropout masks,
 * randomised balancers) draws from an `Rng`; `fork(tag)` derives an independent stream so
 * that adding draws in one component never shifts the numbers of another.
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  /** Second Box-Muller variate, kept so randn uses both halves of each pair. */
  private spare = NaN;

  constructor(seed = 0) {
    this.seed(seed);
  }

  seed(seed: number): void {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, got ${seed}`);
    let x = (Math.trunc(seed) | 0) >>> 0;
    const next = (): number => {
      // SplitMix32 (the 32-bit variant of Steele et al.'s SplitMix).
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.spare = NaN;
  }

  /** A uniform unsigned 32-bit integer. */
  nextU32(): number {
    const s0 = this.s0, s1 = this.s1, s2 = this.s2, s3 = this.s3;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 = s2 ^ s0;
    this.s3 = s3 ^ s1;
    this.s1 = s1 ^ this.s2;
    this.s0 = s0 ^ this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r;
  }

  /**
   * out[0..count) = the next `count` nextU32() values (the same stream), with the state in
   * locals for the loop: a bulk draw (dropout masks) saves a call and a state load / store per
   * number.
   */
  fillU32(out: Uint32Array, count = out.length): Uint32Array {
    if (count > out.length) throw new Error(`Rng.fillU32: count ${count} exceeds the buffer's ${out.length}`);
    let s0 = this.s0, s1 = this.s1, s2 = this.s2, s3 = this.s3;
    for (let i = 0; i < count; i++) {
      out[i] = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl(s3, 11);
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    return out;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [lo, hi) without modulo bias (rejection sampling). */
  int(lo: number, hi: number): number {
    const span = hi - lo;
    if (!(span >= 1) || !Number.isInteger(lo) || !Number.isInteger(hi) || span > 0x100000000) {
      throw new Error(`Rng.int: need integers lo < hi with hi - lo <= 2^32, got [${lo}, ${hi})`);
    }
    const limit = 0x100000000 - (0x100000000 % span);
    let r = this.nextU32();
    while (r >= limit) r = this.nextU32();
    return lo + (r % span);
  }

  /** Standard normal via Box-Muller. */
  normal(mean = 0, std = 1): number {
    if (!Number.isNaN(this.spare)) {
      const z = this.spare;
      this.spare = NaN;
      return mean + std * z;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: any }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** A permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /**
   * An independent stream derived from this one's current state and a tag, without advancing
   * this one: the same parent state and tag always give the same child.
   */
  fork(tag: string | number = 0): Rng {
    let h = 0x811c9dc5;
    const s = String(tag);
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    const child = new Rng(0);
    child.s0 = (this.s0 ^ h) >>> 0;
    child.s1 = (this.s1 ^ Math.imul(h, 0x9e3779b9)) >>> 0;
    child.s2 = (this.s2 ^ rotl(h, 13)) >>> 0;
    child.s3 = (this.s3 ^ rotl(h, 23)) >>> 0;
    if ((child.s0 | child.s1 | child.s2 | child.s3) === 0) child.s0 = 1;
    // Warm up so nearby tags decorrelate.
    for (let i = 0; i < 8; i++) child.nextU32();
    return child;
  }

  /** The full state, for checkpoints. */
  getState(): number[] {
    return [this.s0, this.s1, this.s2, this.s3, this.spare];
  }

  setState(state: readonly number[]): void {
    if (state.length !== 5) throw new Error(`Rng.setState: expected 5 numbers, got ${state.length}`);
    [this.s0, this.s1, this.s2, this.s3] = state.map((v) => v >>> 0);
    this.spare = state[4] ?? NaN;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
