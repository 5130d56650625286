/** The Training and Reports panels' own rules, added once. */
const CSS = `
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
`;

export function addTrainingStyles(): void {
  if (document.getElementById('mtl-training-style')) return;
  const s = document.createElement('style');
  s.id = 'mtl-training-style';
  s.textContent = CSS;
  document.head.append(s);
}
