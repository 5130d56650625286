/**
 * The chart layer in report.html (bundled with uPlot into one inline script by
 * src/report/chart-runtime.ts): every figure that carries chart specs gets interactive charts
 * in place of its static SVG, which a page without scripts keeps showing.
 */
import type { ChartSpec } from '../../../src/core.ts';
import { drawChart } from './spec.ts';

for (const fig of document.querySelectorAll<HTMLElement>('figure[data-charts]')) {
  try {
    const specs = JSON.parse(fig.dataset.charts ?? '[]') as ChartSpec[];
    const box = document.createElement('div');
    box.className = 'mtl-figure-charts';
    fig.querySelector('svg')?.replaceWith(box);
    for (const s of specs) drawChart(box, s, { width: 520 });
  } catch (e) {
    // The static SVG is still there when a spec cannot be drawn; say why under it.
    const p = document.createElement('p');
    p.className = 'skipped';
    p.textContent = `interactive chart not drawn: ${e instanceof Error ? e.message : String(e)}`;
    fig.append(p);
  }
}
