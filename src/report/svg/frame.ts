/**
 * Shared pieces of every chart: the SVG document shell, a plot frame with grid lines, tick
 * labels and axis titles, and a wrapping legend. All text passes through escapeXml here.
 */
import { escapeXml } from '../escape.ts';
import { seriesColour, seriesDash } from './palette.ts';
import { textWidth, thinTicks, type Scale } from './scale.ts';

export const FONT = 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif';
export const FONT_SIZE = 12;
export const TITLE_SIZE = 14;

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Number formatting for attributes: short, and never "NaN" in a path. */
export function n(v: number): string {
  return Number.isFinite(v) ? String(Math.round(v * 100) / 100) : '0';
}

export function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${n(x)}" y="${n(y)}"${attrs ? ' ' + attrs : ''}>${escapeXml(s)}</text>`;
}

/** A complete standalone SVG document; `title` is also the accessible name. */
export function svgDocument(width: number, height: number, title: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n(width)}" height="${n(height)}" ` +
    `viewBox="0 0 ${n(width)} ${n(height)}" role="img" font-family="${escapeXml(FONT)}" font-size="${FONT_SIZE}">` +
    `<title>${escapeXml(title)}</title>` +
    `<rect x="0" y="0" width="${n(width)}" height="${n(height)}" fill="#ffffff"/>` +
    body +
    `</svg>\n`
  );
}

export function chartTitle(width: number, title: string): string {
  return text(width / 2, 20, title, `text-anchor="middle" font-size="${TITLE_SIZE}" font-weight="600"`);
}

/** Left margin needed so that the y tick labels and the rotated y title fit. */
export function leftMargin(yScale: Scale): number {
  const w = Math.max(0, ...yScale.ticks.map((t) => textWidth(t.label, FONT_SIZE)));
  return Math.ceil(w + 8 + 22);
}

/** Grid, axes, ticks and axis titles around `plot`. */
export function drawAxes(plot: Rect, x: Scale | null, y: Scale, xLabel: string, yLabel: string): string {
  const out: string[] = [];
  const bottom = plot.y + plot.h;
  for (const t of y.ticks) {
    out.push(`<line x1="${n(plot.x)}" x2="${n(plot.x + plot.w)}" y1="${n(t.pos)}" y2="${n(t.pos)}" stroke="#e0e0e0"/>`);
    out.push(text(plot.x - 6, t.pos + 4, t.label, 'text-anchor="end" fill="#333"'));
  }
  if (x) {
    for (const t of thinTicks(x.ticks, FONT_SIZE)) {
      out.push(`<line x1="${n(t.pos)}" x2="${n(t.pos)}" y1="${n(bottom)}" y2="${n(bottom + 4)}" stroke="#333"/>`);
      out.push(text(t.pos, bottom + 16, t.label, 'text-anchor="middle" fill="#333"'));
    }
  }
  out.push(`<line x1="${n(plot.x)}" x2="${n(plot.x)}" y1="${n(plot.y)}" y2="${n(bottom)}" stroke="#333"/>`);
  if (x?.breakAt !== undefined) {
    // Broken x axis: the zero slot and the first decade are not on one continuous log scale.
    const b = x.breakAt;
    out.push(`<line x1="${n(plot.x)}" x2="${n(b - 4)}" y1="${n(bottom)}" y2="${n(bottom)}" stroke="#333"/>`);
    out.push(`<line x1="${n(b + 4)}" x2="${n(plot.x + plot.w)}" y1="${n(bottom)}" y2="${n(bottom)}" stroke="#333"/>`);
    out.push(`<path d="M${n(b - 7)} ${n(bottom + 5)} L${n(b - 1)} ${n(bottom - 5)} M${n(b + 1)} ${n(bottom + 5)} L${n(b + 7)} ${n(bottom - 5)}" stroke="#333" fill="none"/>`);
  } else {
    out.push(`<line x1="${n(plot.x)}" x2="${n(plot.x + plot.w)}" y1="${n(bottom)}" y2="${n(bottom)}" stroke="#333"/>`);
  }
  if (xLabel) out.push(text(plot.x + plot.w / 2, bottom + 34, xLabel, 'text-anchor="middle" fill="#111"'));
  const cy = plot.y + plot.h / 2;
  out.push(text(14, cy, yLabel, `text-anchor="middle" fill="#111" transform="rotate(-90 14 ${n(cy)})"`));
  return out.join('');
}

export interface LegendItem {
  name: string;
  index: number;
  kind: 'line' | 'box';
}

/** Legend laid out in rows that wrap within `maxWidth`; returns its markup and height. */
export function legend(items: LegendItem[], x: number, y: number, maxWidth: number): { svg: string; height: number } {
  if (items.length === 0) return { svg: '', height: 0 };
  const out: string[] = [];
  let cx = x;
  let cy = y;
  const rowH = 18;
  for (const it of items) {
    const w = 26 + textWidth(it.name, FONT_SIZE) + 14;
    if (cx > x && cx + w > x + maxWidth) {
      cx = x;
      cy += rowH;
    }
    const colour = seriesColour(it.index);
    if (it.kind === 'line') {
      const dash = seriesDash(it.index);
      out.push(`<line x1="${n(cx)}" x2="${n(cx + 20)}" y1="${n(cy - 4)}" y2="${n(cy - 4)}" stroke="${colour}" stroke-width="2.5"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    } else {
      out.push(`<rect x="${n(cx + 4)}" y="${n(cy - 10)}" width="12" height="12" fill="${colour}"/>`);
    }
    out.push(text(cx + 26, cy, it.name, 'fill="#111"'));
    cx += w;
  }
  return { svg: `<g class="legend">${out.join('')}</g>`, height: cy - y + rowH };
}

/** Height a legend will take, to size the document before drawing. */
export function legendHeight(names: string[], maxWidth: number): number {
  if (names.length === 0) return 0;
  let cx = 0;
  let rows = 1;
  for (const name of names) {
    const w = 26 + textWidth(name, FONT_SIZE) + 14;
    if (cx > 0 && cx + w > maxWidth) {
      cx = 0;
      rows++;
    }
    cx += w;
  }
  return rows * 18;
}

/** A centred note inside the plot area, e.g. "no data". */
export function plotNote(plot: Rect, s: string): string {
  return text(plot.x + plot.w / 2, plot.y + plot.h / 2, s, 'text-anchor="middle" fill="#777"');
}
