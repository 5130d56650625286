/**
 * Colours. Series use the Okabe-Ito palette (distinguishable under the common colour-vision
 * deficiencies); past eight series the colours repeat with a different dash pattern, so a
 * line is still told apart by its stroke. The diverging scale is ColorBrewer's RdBu (blue for
 * -1, near-white for 0, red for +1), which is also colour-blind safe.
 */
export const SERIES_COLOURS = [
  '#0072B2', // blue
  '#E69F00', // orange
  '#009E73', // bluish green
  '#D55E00', // vermillion
  '#CC79A7', // reddish purple
  '#56B4E9', // sky blue
  '#F0E442', // yellow
  '#000000', // black
] as const;

const DASHES = ['', '6 3', '2 2', '8 3 2 3'];

export function seriesColour(i: number): string {
  return SERIES_COLOURS[i % SERIES_COLOURS.length]!;
}

/** Dash pattern for series i: solid for the first eight, then dashed variants. */
export function seriesDash(i: number): string {
  return DASHES[Math.floor(i / SERIES_COLOURS.length) % DASHES.length]!;
}

const RDBU: Array<[number, [number, number, number]]> = [
  [-1, [0x21, 0x66, 0xac]],
  [-0.5, [0x67, 0xa9, 0xcf]],
  [0, [0xf7, 0xf7, 0xf7]],
  [0.5, [0xef, 0x8a, 0x62]],
  [1, [0xb2, 0x18, 0x2b]],
];

/** Colour of v in [-1, 1] on the diverging scale (values outside are clamped; NaN is grey). */
export function divergingColour(v: number): string {
  if (!Number.isFinite(v)) return '#bdbdbd';
  const x = Math.max(-1, Math.min(1, v));
  for (let k = 0; k < RDBU.length - 1; k++) {
    const [a, ca] = RDBU[k]!;
    const [b, cb] = RDBU[k + 1]!;
    if (x <= b) {
      const t = (x - a) / (b - a);
      const c = ca.map((q, j) => Math.round(q + t * (cb[j]! - q)));
      return '#' + c.map((q) => q.toString(16).padStart(2, '0')).join('');
    }
  }
  return '#b2182b';
}
