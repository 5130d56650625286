/**
 * Small multiples: several finished chart SVGs laid out in a grid inside one SVG document,
 * each panel kept as a nested <svg> with its own coordinate system.
 */
import { chartTitle, n, svgDocument } from './frame.ts';

export interface SmallMultiplesOptions {
  title: string;
  /** Panels per row (default: 2, or fewer when there are fewer panels). */
  columns?: number;
  gap?: number;
}

function size(svg: string): { w: number; h: number } {
  const head = svg.slice(0, svg.indexOf('>'));
  const w = Number(/\swidth="([\d.]+)"/.exec(head)?.[1] ?? 400);
  const h = Number(/\sheight="([\d.]+)"/.exec(head)?.[1] ?? 300);
  return { w, h };
}

export function smallMultiples(panels: string[], opts: SmallMultiplesOptions): string {
  const cols = Math.max(1, Math.min(opts.columns ?? 2, panels.length || 1));
  const gap = opts.gap ?? 12;
  const sizes = panels.map(size);
  const colW = Math.max(0, ...sizes.map((s) => s.w));
  const rows = Math.ceil(panels.length / cols);
  const rowH: number[] = [];
  for (let r = 0; r < rows; r++) rowH.push(Math.max(0, ...sizes.slice(r * cols, r * cols + cols).map((s) => s.h)));
  const top = 34;
  const width = cols * colW + (cols + 1) * gap;
  const height = top + rowH.reduce((a, b) => a + b, 0) + (rows + 1) * gap;
  const out: string[] = [chartTitle(width, opts.title)];
  let y = top + gap;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const p = panels[i];
      if (p === undefined) continue;
      const x = gap + c * (colW + gap);
      // Nested documents: drop the namespace declaration (inherited) and position the panel.
      const inner = p.trim().replace(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, `<svg x="${n(x)}" y="${n(y)}"`);
      out.push(inner);
    }
    y += rowH[r]! + gap;
  }
  return svgDocument(width, height, opts.title, out.join(''));
}
