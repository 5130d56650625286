/**
 * Heat map of a T x T matrix of cosine similarities between task gradients: a diverging
 * colour scale fixed to [-1, 1] (so two maps are comparable), the value printed in each cell,
 * task names on both axes and a colour bar.
 */
import { divergingColour } from './palette.ts';
import { escapeXml } from '../escape.ts';
import { chartTitle, FONT_SIZE, n, svgDocument, text } from './frame.ts';
import { textWidth } from './scale.ts';

export interface HeatmapOptions {
  title: string;
  /** Row-major square matrix of values in [-1, 1]; NaN / null cells are grey with "n/a". */
  matrix: Array<Array<number | null>>;
  /** Row and column labels (task names). */
  labels: string[];
  /** Title of the colour bar, e.g. "cosine similarity (-1..1)". */
  valueLabel?: string;
  cellSize?: number;
  /** Decimals printed in cells (default 2). */
  decimals?: number;
}

export function heatmap(opts: HeatmapOptions): string {
  const T = opts.matrix.length;
  const cell = opts.cellSize ?? Math.max(34, Math.min(64, Math.floor(360 / Math.max(1, T))));
  const labelW = Math.max(30, ...opts.labels.map((l) => textWidth(l, FONT_SIZE))) + 10;
  const top = 40 + labelW * 0.72; // column labels are rotated -45 degrees
  const left = labelW + 8;
  const gridW = cell * T;
  const barX = left + gridW + 24;
  const barW = 14;
  const width = barX + barW + 90;
  const gridH = Math.max(cell * T, 160);
  const height = top + gridH + 24;
  const decimals = opts.decimals ?? 2;
  const out: string[] = [chartTitle(width, opts.title)];
  for (let i = 0; i < T; i++) {
    const row = opts.matrix[i] ?? [];
    const label = opts.labels[i] ?? `task ${i}`;
    out.push(text(left - 6, top + i * cell + cell / 2 + 4, label, 'text-anchor="end" fill="#111"'));
    const cx = left + i * cell + cell / 2;
    out.push(text(cx, top - 6, label, `text-anchor="start" fill="#111" transform="rotate(-45 ${n(cx)} ${n(top - 6)})"`));
    for (let j = 0; j < T; j++) {
      const v = row[j];
      const finite = v !== null && v !== undefined && Number.isFinite(v);
      const fill = finite ? divergingColour(v) : '#bdbdbd';
      const x = left + j * cell;
      const y = top + i * cell;
      const tip = `${opts.labels[i] ?? i} vs ${opts.labels[j] ?? j}: ${finite ? v.toFixed(4) : 'n/a'}`;
      out.push(`<rect x="${n(x)}" y="${n(y)}" width="${n(cell)}" height="${n(cell)}" fill="${fill}" stroke="#ffffff"><title>${escapeXml(tip)}</title></rect>`);
      const ink = finite && Math.abs(v) > 0.55 ? '#ffffff' : '#111111';
      const fs = cell < 40 ? 10 : FONT_SIZE;
      out.push(text(x + cell / 2, y + cell / 2 + fs / 3, finite ? v.toFixed(decimals) : 'n/a', `text-anchor="middle" fill="${ink}" font-size="${fs}"`));
    }
  }
  // Colour bar: 40 stripes from +1 (top) to -1 (bottom).
  const stripes = 40;
  const sh = gridH / stripes;
  for (let k = 0; k < stripes; k++) {
    const v = 1 - (2 * (k + 0.5)) / stripes;
    out.push(`<rect x="${n(barX)}" y="${n(top + k * sh)}" width="${barW}" height="${n(sh + 0.5)}" fill="${divergingColour(v)}"/>`);
  }
  out.push(`<rect x="${n(barX)}" y="${n(top)}" width="${barW}" height="${n(gridH)}" fill="none" stroke="#333"/>`);
  for (const v of [1, 0.5, 0, -0.5, -1]) {
    const y = top + ((1 - v) / 2) * gridH;
    out.push(`<line x1="${n(barX + barW)}" x2="${n(barX + barW + 4)}" y1="${n(y)}" y2="${n(y)}" stroke="#333"/>`);
    out.push(text(barX + barW + 7, y + 4, v.toString(), 'fill="#333"'));
  }
  const bl = opts.valueLabel ?? 'cosine similarity (-1..1)';
  const bx = barX + barW + 48;
  const by = top + gridH / 2;
  out.push(text(bx, by, bl, `text-anchor="middle" fill="#111" transform="rotate(90 ${n(bx)} ${n(by)})"`));
  return svgDocument(width, height, opts.title, out.join(''));
}
