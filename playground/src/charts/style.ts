/**
 * The chart layer's CSS: uPlot's own sheet and a few rules of ours, added to the document once
 * (the playground and report.html are single pages with no stylesheet to link).
 */
import uplotCss from 'uplot/dist/uPlot.min.css' with { type: 'text' };

const OURS = `
.mtl-chart { display: inline-block; vertical-align: top; margin: 0 12px 16px 0; }
.mtl-chart .u-title { font-size: 14px; font-weight: 600; }
.mtl-chart .u-legend { font-size: 12px; }
.mtl-chart .u-legend .u-series { cursor: pointer; }
.mtl-chart .u-legend th, .mtl-chart .u-legend td { border: 0; padding: 0 2px; background: none; }
.mtl-chart-caption { font-size: 12px; color: #555; min-height: 1.4em; margin: 2px 0 0 8px; }
.mtl-chart-empty { font-size: 13px; color: #777; padding: 24px; border: 1px dashed #ccc; }
`;

let added = false;

export function addChartStyles(doc: Document = document): void {
  if (added || doc.getElementById('mtl-chart-style')) return;
  const el = doc.createElement('style');
  el.id = 'mtl-chart-style';
  el.textContent = uplotCss + OURS;
  doc.head.append(el);
  added = true;
}

/** A chart's container: the shared styles added once, a `.mtl-chart` div named by its title. */
export function chartContainer(parent: HTMLElement, title: string): HTMLElement {
  addChartStyles(parent.ownerDocument);
  const el = parent.ownerDocument.createElement('div');
  el.className = 'mtl-chart';
  el.dataset.chart = title;
  parent.append(el);
  return el;
}
