/**
 * One of the two balancers side by side: its method and option controls, its equations, its
 * canvas and its numbers.
 */
import { balancerIds, balancers, type BalancerEntry } from '../../../src/core.ts';
import { GeometryCanvas, TASK_COLORS, type CanvasEvents, type Scene } from './canvas.ts';
import { failed, type BalanceFailure, type BalanceResult } from './compute.ts';
import { optionControls } from './controls.ts';
import { el } from './dom.ts';
import { EQUATIONS } from './equations.ts';
import { resultNumbers } from './numbers.ts';
import type { SideState } from './state.ts';

export interface SideEvents extends CanvasEvents {
  method(method: string): void;
  options(options: Record<string, unknown>): void;
}

const entry = (id: string): BalancerEntry | undefined =>
  Object.prototype.hasOwnProperty.call(balancers, id) ? (balancers as Record<string, BalancerEntry>)[id] : undefined;

export class SideView {
  readonly element: HTMLElement;
  readonly canvas: GeometryCanvas;
  private readonly select: HTMLSelectElement;
  private readonly optionsBox = el('div');
  private readonly equation = el('div', { className: 'geo-equation' });
  private readonly legend = el('div', { className: 'geo-legend' });
  private readonly numbers = el('div');
  private shown: SideState | null = null;

  constructor(private readonly index: number, private readonly events: SideEvents) {
    this.select = el('select', { title: 'balancer' });
    this.select.setAttribute('aria-label', `balancer ${index === 0 ? 'A' : 'B'}`);
    for (const id of balancerIds) this.select.append(el('option', { value: id, textContent: id, title: entry(id)?.summary ?? '' }));
    this.select.addEventListener('change', () => events.method(this.select.value));
    this.canvas = new GeometryCanvas(events, `gradients and balancer ${index === 0 ? 'A' : 'B'}'s result`);
    this.element = el('div', { className: 'geo-side' },
      el('h2', {}, `${index === 0 ? 'A' : 'B'}:`, this.select),
      this.canvas.element, this.legend, this.equation, this.optionsBox, this.numbers);
    this.element.dataset.side = String(index);
  }

  /** Rebuilds the controls when the method or its options changed from outside (a preset, a link). */
  private controls(s: SideState): void {
    if (this.shown && this.shown.method === s.method && JSON.stringify(this.shown.options) === JSON.stringify(s.options)) return;
    this.shown = { method: s.method, options: { ...s.options } };
    this.select.value = s.method;
    const e = entry(s.method);
    this.optionsBox.replaceChildren(e
      ? optionControls(`side${this.index}`, e.options, s.options, (o) => { this.shown = { method: s.method, options: o }; this.events.options(o); })
      : el('p', { className: 'error', textContent: `unknown balancer '${s.method}'; pick one from the list` }));
    const eq = EQUATIONS[s.method];
    this.equation.replaceChildren(eq
      ? el('div', {}, el('div', { className: 'muted', textContent: eq.source }), ...eq.lines.map((l) => el('div', { textContent: l })))
      : el('div', { textContent: e?.summary || s.method }));
  }

  render(s: SideState, scene: Scene, result: BalanceResult | BalanceFailure): void {
    this.controls(s);
    const ok = !failed(result);
    this.canvas.render({ ...scene, result: ok ? result : null });
    const items: HTMLElement[] = [el('span', { textContent: 'gₜ input (drag the heads)', style: 'color: #555' })];
    if (ok) {
      items.push(el('span', { textContent: 'd combined update', style: 'color: #111; font-weight: 600' }));
      if (result.adjusted) items.push(el('span', { className: 'dot', textContent: 'ĝₜ adjusted (eq. 5)', style: `color: ${TASK_COLORS[0]}` }));
      if (result.crafted) items.push(el('span', { className: 'dash', textContent: result.method.startsWith('gradcraft') ? 'g̃ₜ crafted' : 'per-task projected', style: `color: ${TASK_COLORS[0]}` }));
      if (result.weighted) items.push(el('span', { className: 'dash', textContent: 'wₜgₜ weighted terms', style: `color: ${TASK_COLORS[0]}` }));
    }
    this.legend.replaceChildren(...items);
    this.numbers.replaceChildren(ok ? resultNumbers(result) : el('p', { className: 'error', textContent: result.error }));
  }
}
