/**
 * The Geometry panel: 2 to 6 task gradients in 2-D or 3-D, and what two balancers make of
 * them, side by side, computed by the library's own balancers (compute.ts). The state lives in
 * the URL (state.ts); presets, a table of the numbers and a run's diagnostics.jsonl set it.
 *
 * For tests, the returned Panel also has `setState(partial)` (as a link would set it),
 * `getState()` and `results()` (each side's combined update or error).
 */
import type { MountPanel, Panel } from '../panel.ts';
import { runBalancer, failed, type BalanceFailure, type BalanceResult } from './compute.ts';
import { el } from './dom.ts';
import { REBUILT, REBUILT_CAVEAT, diagnosticsLoader } from './diagnostics-loader.ts';
import { inputsTable } from './inputs.ts';
import { PRESETS } from './presets.ts';
import { SideView } from './side.ts';
import { MAX_TASKS, defaultState, parseState, serializeState, type GeometryState } from './state.ts';

export interface GeometryPanel extends Panel {
  setState(partial: Record<string, unknown>): void;
  getState(): GeometryState;
  results(): ({ method: string; combined: number[]; weights: number[] | null; taskWeights: number[] | null } | BalanceFailure)[];
}

/** Rounds a dragged coordinate to 4 significant digits of the view's size, so links stay short. */
function quantize(x: number, extent: number): number {
  const q = 10 ** (Math.floor(Math.log10(extent)) - 3);
  return Number((Math.round(x / q) * q).toPrecision(12));
}

export const mountGeometry: MountPanel = (root, ctx) => {
  let state: GeometryState;
  let startError = '';
  try {
    state = parseState(ctx.state.get());
  } catch (e) {
    // A broken link still opens the page, with the reason on top and the default gradients.
    startError = (e as Error).message;
    state = defaultState();
  }
  let results: (BalanceResult | BalanceFailure)[] = [];
  let extent = 1;

  const save = (): void => ctx.state.set(serializeState(state));

  const sides = [0, 1].map((i) => new SideView(i, {
    method(m) { state.sides[i] = { method: m, options: {} }; update(); },
    options(o) { state.sides[i] = { method: state.sides[i]!.method, options: o }; update(); },
    drag(t, v, done) {
      state.G[t] = v.map((x) => quantize(x, extent / state.view.zoom));
      update({ rescale: done, url: done, table: done });
    },
    turn(view, done) {
      state.view = view;
      update({ rescale: false, url: done, compute: false, table: false });
    },
  }));

  // Toolbar: presets, dimension, seed, a diagnostics file.
  const presetBar = el('span', {}, el('span', { className: 'muted', textContent: 'presets: ' }));
  for (const p of PRESETS) {
    const b = el('button', { type: 'button', textContent: p.label, title: p.why });
    b.dataset.preset = p.id;
    b.addEventListener('click', () => {
      state = { ...state, d: p.d, G: p.G.map((r) => [...r]), losses: p.G.map(() => 1), source: `preset: ${p.label}` };
      update();
    });
    presetBar.append(b, ' ');
  }
  const dim = el('select', { title: 'dimension of the gradients' });
  dim.append(el('option', { value: '2', textContent: '2-D' }), el('option', { value: '3', textContent: '3-D' }));
  dim.setAttribute('aria-label', 'dimension');
  dim.addEventListener('change', () => {
    const d = Number(dim.value) as 2 | 3;
    // 3-D -> 2-D drops z; 2-D -> 3-D starts every gradient at z = 0.
    state = { ...state, d, G: state.G.map((r) => (d === 2 ? r.slice(0, 2) : [...r, 0])), source: `${state.source}, ${d}-D` };
    update();
  });
  const seed = el('input', { type: 'number', step: '1', value: String(state.seed), title: 'seed of the randomised methods: the projection order of pcgrad, pcgrad+, gradvac and gradcraft local; graddrop\'s thresholds', style: 'width: 5rem' });
  seed.setAttribute('aria-label', 'seed');
  seed.addEventListener('change', () => {
    const v = Number(seed.value);
    if (!Number.isInteger(v)) return void seed.setAttribute('aria-invalid', 'true');
    seed.setAttribute('aria-invalid', 'false');
    state.seed = v;
    update({ rescale: false });
  });
  const message = el('div', { className: 'geo-note', hidden: true, textContent: REBUILT_CAVEAT });
  const errorLine = el('p', { className: 'error', hidden: !startError, textContent: startError });
  const source = el('span', { className: 'muted' });
  const loader = diagnosticsLoader(root, (r) => {
    errorLine.hidden = true;
    state = { ...state, d: r.d, G: r.G, losses: r.losses, source: r.source };
    update();
  }, (msg) => {
    errorLine.hidden = false;
    errorLine.textContent = msg;
  });

  const inputsBox = el('div');
  const sidesBox = el('div', { className: 'geo-sides' }, ...sides.map((s) => s.element));
  root.append(
    el('div', { className: 'geo-toolbar' }, presetBar,
      el('label', {}, 'dimension ', dim), el('label', {}, 'seed ', seed), ...loader.controls),
    errorLine, el('div', {}, 'gradients: ', source), message, inputsBox, sidesBox,
  );

  function computeExtent(): number {
    let m = 0;
    const see = (v: number[]): void => { m = Math.max(m, Math.hypot(...v)); };
    state.G.forEach(see);
    for (const r of results) {
      if (failed(r)) continue;
      see(r.combined);
      for (const set of [r.crafted, r.adjusted, r.weighted]) set?.forEach(see);
    }
    return m > 0 ? m * 1.08 : 1;
  }

  function renderInputs(): void {
    inputsBox.replaceChildren(inputsTable(state.G, state.losses, {
      set(t, k, v) { state.G[t]![k] = v; state.source = 'edited'; update(); },
      setLoss(t, v) { state.losses[t] = v; update({ rescale: false }); },
      add() {
        if (state.G.length >= MAX_TASKS) return;
        // A new task at a right angle to the last one and as long: visible, and movable.
        const last = state.G[state.G.length - 1]!;
        state.G.push(state.d === 2 ? [-last[1]!, last[0]!] : [-last[1]!, last[0]!, last[2]! * 0.5]);
        state.losses.push(1);
        update();
      },
      remove(t) { state.G.splice(t, 1); state.losses.splice(t, 1); update(); },
    }));
  }

  function update({ rescale = true, url = true, compute = true, table = true } = {}): void {
    if (compute) results = state.sides.map((s) => runBalancer(state.G, s.method, s.options, state.seed, state.losses));
    if (rescale) extent = computeExtent();
    const scene = { d: state.d, G: state.G, view: state.view, extent, result: null };
    sides.forEach((v, i) => v.render(state.sides[i]!, scene, results[i]!));
    dim.value = String(state.d);
    seed.value = String(state.seed);
    source.textContent = state.source;
    message.hidden = !state.source.includes(REBUILT);
    if (table) renderInputs();
    if (url) save();
  }

  update();
  const panel: GeometryPanel = {
    title: 'Geometry',
    setState(partial) {
      state = parseState({ ...serializeState(state), ...partial });
      update();
    },
    getState: () => structuredClone(state),
    results: () => results.map((r) => (failed(r) ? r : { method: r.method, combined: [...r.combined], weights: r.weights, taskWeights: r.taskWeights })),
  };
  return panel;
};
