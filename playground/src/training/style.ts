/** The Training and Reports panels' own rules, added once. */
const CSS = `
/* The display rules below would otherwise beat the hidden attribute. */
.mtl-row[hidden], .mtl-drop[hidden] { display: none; }
.mtl-row { display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: center; margin: 6px 0; }
.mtl-row label { white-space: nowrap; }
.mtl-status { margin: 8px 0; font-family: ui-monospace, monospace; font-size: 13px; }
.mtl-drop { border: 2px dashed #aaa; border-radius: 6px; padding: 10px; margin: 6px 0; }
.mtl-drop.over { border-color: #0072B2; background: #eef6fb; }
.mtl-charts { margin-top: 8px; }
.error { color: #a00; white-space: pre-wrap; margin: 6px 0; }
.muted { color: #666; }
.mtl-table { border-collapse: collapse; font-size: 13px; margin: 6px 0 14px; }
.mtl-table th, .mtl-table td { border: 1px solid #ddd; padding: 2px 6px; text-align: right; }
.mtl-table th:first-child, .mtl-table td:first-child { text-align: left; }
.mtl-report-tables { overflow-x: auto; }
.mtl-report-tables table { border-collapse: collapse; font-size: 13px; margin: 6px 0 14px; }
.mtl-report-tables th, .mtl-report-tables td { border: 1px solid #ddd; padding: 2px 6px; text-align: right; }
.mtl-report-tables th.group { text-align: center; }
.mtl-report-tables tbody th { text-align: left; font-weight: normal; }
.mtl-report-tables td.num span.sd { display: block; font-size: .82em; color: #555; }
.mtl-report-tables caption { text-align: left; font-weight: 600; padding: 4px 0; }
.mtl-facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; font-size: 13px; }
.mtl-facts dt { color: #555; }
.mtl-facts dd { margin: 0; }
button[aria-pressed=true] { font-weight: 600; }
`;

export function addTrainingStyles(): void {
  if (document.getElementById('mtl-training-style')) return;
  const s = document.createElement('style');
  s.id = 'mtl-training-style';
  s.textContent = CSS;
  document.head.append(s);
}
