/**
 * One self-contained report page: inline CSS, the SVG plots inlined, at most one inline script
 * (the chart layer, chart-runtime.ts, which turns figures with chart specs into interactive
 * charts), no external resources (not even the SVG namespace URL, which inline SVG in HTML does
 * not need).
 */
import { escapeXml } from './escape.ts';

export interface HtmlSection {
  heading: string;
  /** Trusted HTML (tables from toHtml, inline SVG, notes already escaped). */
  html: string;
}

export interface HtmlPage {
  title: string;
  /** Short "what was run" facts shown in the header, e.g. [["preset", "table2"], ...]. */
  facts: Array<[string, string]>;
  /** The full configuration, shown folded. */
  config?: unknown;
  /** When the run / experiment was made (if known) and when this page was written. */
  created?: string | null;
  generated: Date;
  sections: HtmlSection[];
  /** Lines about skipped plots, torn files and other caveats. */
  notes?: string[];
  /** The chart layer's script (chart-runtime.ts), inlined at the end of the body; none: static plots only. */
  script?: string | null;
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;color:#111;line-height:1.4}
h1{font-size:1.5em;margin:0 0 .3em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:2px 14px;margin:.6em 0}dl.facts dt{font-weight:600;color:#444}dl.facts dd{margin:0}
table{border-collapse:collapse;margin:.8em 0;font-size:.9em}caption{text-align:left;font-weight:600;padding:4px 0}
th,td{border:1px solid #ccc;padding:3px 8px}thead th{background:#f3f3f3}th.group{text-align:center}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tbody th{text-align:left;font-weight:normal;white-space:nowrap}table.wide{font-size:.78em}table.wide th,table.wide td{padding:2px 5px}
td.num span.sd{display:block;font-size:.82em;color:#555}.table-wrap{max-width:100%;overflow-x:auto}ul.notes{font-size:.85em;color:#444;margin:.2em 0 1em}
figure{margin:1em 0;overflow-x:auto}.mtl-figure-charts{display:flex;flex-wrap:wrap}figure svg{max-width:100%;height:auto}figcaption{font-size:.85em;color:#555}
.skipped{color:#8a5a00;background:#fff8e6;border-left:3px solid #e69f00;padding:4px 8px;margin:.4em 0}
pre{background:#f6f6f6;padding:8px;overflow-x:auto;font-size:.85em}details{margin:.6em 0}
`;

/** SVG text prepared for inlining into HTML: no XML prolog, no namespace attribute. */
export function inlineSvg(svg: string): string {
  return svg
    .replace(/^\s*<\?xml[^>]*>\s*/, '')
    .replace(/\sxmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')
    .trim();
}

/** A plot; with chart specs (chart-specs.ts), the chart layer draws them in place of the SVG. */
export function figure(svg: string, caption: string, charts?: readonly unknown[]): string {
  const data = charts?.length ? ` data-charts="${escapeXml(JSON.stringify(charts))}"` : '';
  return `<figure${data}>${inlineSvg(svg)}<figcaption>${escapeXml(caption)}</figcaption></figure>`;
}

export function skipped(reason: string): string {
  return `<p class="skipped">${escapeXml(reason)}</p>`;
}

export function renderHtml(page: HtmlPage): string {
  const facts = page.facts.map(([k, v]) => `<dt>${escapeXml(k)}</dt><dd>${escapeXml(v)}</dd>`).join('');
  const when = [
    page.created ? `<dt>created</dt><dd>${escapeXml(page.created)}</dd>` : '',
    `<dt>report written</dt><dd>${escapeXml(page.generated.toISOString())}</dd>`,
  ].join('');
  const config =
    page.config === undefined || page.config === null
      ? ''
      : `<details><summary>Full configuration</summary><pre>${escapeXml(JSON.stringify(page.config, null, 2))}</pre></details>`;
  const notes = page.notes?.length ? page.notes.map(skipped).join('') : '';
  const sections = page.sections.map((s) => `<section><h2>${escapeXml(s.heading)}</h2>${s.html}</section>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(page.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${escapeXml(page.title)}</h1><dl class="facts">${facts}${when}</dl>${config}${notes}</header>
${sections}
${page.script ? `<script>${page.script}</script>\n` : ''}</body>
</html>
`;
}
