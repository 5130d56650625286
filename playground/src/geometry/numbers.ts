/**
 * One side's numbers under its canvas: the update, the weights, the conflict sets and
 * projection order, the cosine matrices before and after balancing, and what is left in
 * conflict. Every figure is what the library reported (compute.ts), rounded for display only.
 */
import { ZERO_RELATIVE, type BalanceResult } from './compute.ts';
import { el, fmt } from './dom.ts';
import { TASK_COLORS } from './canvas.ts';

const taskName = (t: number): string => `g${t + 1}`;
const setText = (s: number[]): string => (s.length ? `{${s.map((j) => j + 1).join(', ')}}` : '∅');

function table(head: string[], rows: (string | HTMLElement)[][], cls = ''): HTMLTableElement {
  const t = el('table', { className: cls });
  if (head.length) t.append(el('tr', {}, ...head.map((h) => el('th', { textContent: h }))));
  for (const r of rows) t.append(el('tr', {}, ...r.map((c) => (typeof c === 'string' ? el('td', { textContent: c }) : c))));
  return t;
}

function swatch(t: number): HTMLElement {
  return el('th', { textContent: taskName(t), style: `color: ${TASK_COLORS[t]}` });
}

/** A T x T cosine matrix, negative entries off the diagonal in red. */
function cosTable(M: number[][], name: string): HTMLTableElement {
  const T = M.length;
  const t = el('table', { className: 'cos' });
  t.dataset.matrix = name;
  t.append(el('tr', {}, el('th', { textContent: 'cos' }), ...Array.from({ length: T }, (_, j) => swatch(j))));
  M.forEach((row, i) => t.append(el('tr', {}, swatch(i), ...row.map((c, j) => {
    const neg = i !== j && c < 0;
    // Shade by sign and size, so the conflicts stand out before the digits are read.
    const bg = i === j ? '' : c < 0 ? `rgba(214, 39, 40, ${Math.min(-c, 1) * 0.45})` : `rgba(44, 160, 44, ${Math.min(c, 1) * 0.3})`;
    return el('td', { textContent: fmt(c), className: neg ? 'bad' : '', style: bg ? `background: ${bg}` : '' });
  }))));
  return t;
}

export function resultNumbers(r: BalanceResult): HTMLElement {
  const T = r.alignmentCos.length;
  const box = el('div', { className: 'geo-numbers' });
  const h = (text: string): HTMLElement => el('h3', { textContent: text });
  const update = el('code', { textContent: `[${r.combined.map(fmt).join(', ')}]` });
  update.dataset.combined = JSON.stringify(r.combined);
  box.append(h('combined update d'), el('div', {}, update, el('span', { className: 'muted', textContent: `  ‖d‖ = ${fmt(r.diagnostics.normUpdate)}` })));

  const rows: (string | HTMLElement)[][] = [];
  const add = (label: string, v: number[] | null): void => { if (v) rows.push([el('th', { textContent: label }), ...v.map(fmt)]); };
  add('row weights w (d = Σ wₜgₜ)', r.weights);
  add(r.method === 'cagrad' ? 'w* (CAGrad)' : r.method === 'mgda' ? 'α* (MGDA)' : 'task weights λ', r.taskWeights);
  add('loss weights', r.lossWeights);
  add('eq. 5 factors fₜ (ĝₜ = fₜgₜ)', r.rowScales);
  add('‖gₜ‖', r.diagnostics.normsBefore);
  if (r.normsAfter) {
    rows.push([el('th', { textContent: r.crafted ? '‖g̃ₜ‖' : '|wₜ| ‖gₜ‖' }), ...r.normsAfter.map((n, t) => (r.zeroAfter![t] ? el('td', { textContent: '≈ 0', title: `${n}: zero to rounding` }) : fmt(n)))]);
  }
  add('cos(gₜ, d)', r.alignmentCos);
  box.append(h('per task'), table(['', ...Array.from({ length: T }, (_, t) => taskName(t))], rows));
  if (!r.weights) box.append(el('p', { className: 'notes', textContent: 'Not a fixed combination of this step\'s rows (per-coordinate or tracked state), so no row weights.' }));

  const sets = r.conflictSets.map((s, i) => `C${i + 1} = ${setText(s)}`).join('   ');
  box.append(h('conflict sets (projected against)'), el('div', { textContent: sets }));
  if (r.projectionOrder) {
    const lines = r.projectionOrder.map((o, i) => {
      const made = r.projectionPath?.[i]?.map((s) => (s.onto === i ? 'itself' : `g${s.onto + 1}`)) ?? [];
      return el('div', { textContent: `g${i + 1}: visits ${o.filter((j) => j !== i).map((j) => `g${j + 1}`).join(' → ')}; projected onto ${made.length ? made.join(', then ') : 'none'}` });
    });
    box.append(h('projection order (seeded; numbered on the canvas)'), el('div', {}, ...lines));
  }
  const cos = el('div', { style: 'display: flex; gap: 1rem; flex-wrap: wrap' });
  cos.append(el('div', {}, h('cosines before'), cosTable(r.diagnostics.cosine, 'before')));
  if (r.cosineAfter) cos.append(el('div', {}, h(r.crafted ? 'cosines after (g̃)' : 'cosines after (wₜgₜ)'), cosTable(r.cosineAfter, 'after')));
  box.append(cos);

  const rc = r.diagnostics.residualConflicts;
  // A pair with a vector that is zero to rounding is the diagnostics' rounding, not a conflict.
  const noise = rc.pairs.filter(([i, j]) => r.zeroAfter?.[i] || r.zeroAfter?.[j]);
  const pairs = rc.pairs.filter((p) => !noise.includes(p));
  const residual = el('div', {});
  residual.dataset.residual = JSON.stringify(rc);
  residual.append(
    el('span', { className: pairs.length ? 'bad' : '', textContent: `pairs still in conflict after balancing: ${pairs.length ? pairs.map(([i, j]) => `(${i + 1}, ${j + 1})`).join(' ') : 'none'}` }),
    ...(noise.length ? [el('br'), el('span', { className: 'muted', textContent: `(the library's diagnostics also list ${noise.map(([i, j]) => `(${i + 1}, ${j + 1})`).join(' ')}, pairs with a gradient crafted to zero: rounding, not conflict)` })] : []),
    el('br'),
    el('span', { className: rc.tasksAgainstUpdate.length ? 'bad' : '', textContent: `tasks the update works against (⟨gₜ, d⟩ < 0): ${rc.tasksAgainstUpdate.length ? rc.tasksAgainstUpdate.map((t) => t + 1).join(', ') : 'none'}` }),
  );
  box.append(h('residual conflicts'), residual);
  if (r.zeroUpdate) {
    box.append(el('p', { className: 'notes', textContent: `d is zero to rounding (‖d‖ ≤ ${ZERO_RELATIVE} maxₜ‖gₜ‖): the method stops here, and the signs of ⟨gₜ, d⟩ above are rounding noise.` }));
  }
  if (r.certificate) {
    const c = r.certificate;
    box.append(h('certificate'), el('div', { className: c.ok ? '' : 'bad', textContent: `${c.status}: ${c.problem}${c.ok ? '' : ` (${c.conditions.filter((k) => !k.ok).map((k) => k.name).join(', ')})`}` }));
  }
  if (r.notes.length) box.append(h('notes'), el('ul', { className: 'notes' }, ...r.notes.map((n) => el('li', { textContent: n }))));
  return box;
}
