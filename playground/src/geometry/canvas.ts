/**
 * One side's drawing: the task gradients as draggable arrows, and over them what the balancer
 * made of them (the combined update d; GradCraft's adjusted ĝ and crafted g̃, PCGrad's
 * projected gradients, a weighting method's terms wₜgₜ). SVG, redrawn whole on every change
 * (a few dozen elements). In 3-D, dragging the background turns the camera.
 */
import type { BalanceResult } from './compute.ts';
import { MAX_ZOOM, MIN_ZOOM, clampPitch, project, unproject, type View } from './camera.ts';
import { svg } from './dom.ts';

export const TASK_COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf'];
const SIZE = 500, C = SIZE / 2, R = 225;

export interface Scene {
  d: 2 | 3;
  G: number[][];
  result: BalanceResult | null;
  view: View;
  /** World units at the canvas's edge radius R before zooming (the panel keeps it fixed during a drag). */
  extent: number;
}

export interface CanvasEvents {
  /** A head moved to `v` (world units); `done` on release. */
  drag(task: number, v: number[], done: boolean): void;
  /** The camera turned (3-D) or zoomed; `done` on release. */
  turn(view: View, done: boolean): void;
}

export class GeometryCanvas {
  readonly element: SVGSVGElement;
  private scene: Scene | null = null;
  private dragging: { task: number; depth: number } | { turn: true; x: number; y: number; view: View } | null = null;

  constructor(private readonly events: CanvasEvents, label: string) {
    this.element = svg('svg', { viewBox: `0 0 ${SIZE} ${SIZE}`, class: 'geo-canvas', role: 'img', 'aria-label': label });
    this.element.addEventListener('pointerdown', (e) => this.down(e));
    this.element.addEventListener('pointermove', (e) => this.move(e, false));
    this.element.addEventListener('pointerup', (e) => this.move(e, true));
    this.element.addEventListener('pointercancel', (e) => this.move(e, true));
    this.element.addEventListener('pointerover', (e) => this.focusTask(e.target as Element));
    this.element.addEventListener('pointerout', () => { if (!this.dragging) this.focusTask(null); });
    this.element.addEventListener('focusin', (e) => this.focusTask(e.target as Element));
    this.element.addEventListener('focusout', () => this.focusTask(null));
    this.element.addEventListener('keydown', (e) => this.nudge(e));
    this.element.addEventListener('wheel', (e) => this.wheel(e), { passive: false });
    this.element.addEventListener('dblclick', () => { if (this.scene) this.events.turn({ ...this.scene.view, zoom: 1 }, true); });
  }

  private scale(): number {
    return (R * this.scene!.view.zoom) / this.scene!.extent;
  }

  /** World units at the edge radius as shown (after the zoom). */
  private shown(): number {
    return this.scene!.extent / this.scene!.view.zoom;
  }

  /** The wheel zooms about the origin (where every vector starts); a double click fits the view again. */
  private wheel(e: WheelEvent): void {
    if (!this.scene) return;
    e.preventDefault();
    const v = this.scene.view;
    const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, v.zoom * (e.deltaY < 0 ? 1.25 : 0.8)));
    this.events.turn({ ...v, zoom }, true);
  }

  /** World -> SVG user units. */
  toScreen(v: readonly number[]): { x: number; y: number; depth: number } {
    const p = project(v, this.scene!.view), s = this.scale();
    return { x: C + p.x * s, y: C - p.y * s, depth: p.depth };
  }

  /** Client (pointer) coordinates -> SVG user units. */
  private local(e: PointerEvent): { x: number; y: number } {
    const m = this.element.getScreenCTM();
    if (!m) return { x: 0, y: 0 };
    const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(m.inverse());
    return { x: p.x, y: p.y };
  }

  private down(e: PointerEvent): void {
    if (!this.scene) return;
    const head = (e.target as Element).closest('[data-task]');
    if (head) {
      const task = Number(head.getAttribute('data-task'));
      this.dragging = { task, depth: project(this.scene.G[task]!, this.scene.view).depth };
    } else if (this.scene.d === 3) {
      const p = this.local(e);
      this.dragging = { turn: true, x: p.x, y: p.y, view: { ...this.scene.view } };
    } else return;
    this.element.setPointerCapture(e.pointerId);
    this.element.classList.add('dragging');
    e.preventDefault();
  }

  private move(e: PointerEvent, done: boolean): void {
    const g = this.dragging;
    if (!g || !this.scene) return;
    const p = this.local(e);
    if ('turn' in g) {
      const view = { ...g.view, yaw: g.view.yaw + (p.x - g.x) * 0.5, pitch: clampPitch(g.view.pitch + (p.y - g.y) * 0.5) };
      this.events.turn(view, done);
    } else {
      const s = this.scale();
      this.events.drag(g.task, unproject((p.x - C) / s, (C - p.y) / s, g.depth, this.scene.d, this.scene.view), done);
    }
    if (done) {
      this.dragging = null;
      this.element.classList.remove('dragging');
    }
  }

  render(scene: Scene): void {
    this.scene = scene;
    const parts: SVGElement[] = [this.axes()];
    const r = scene.result;
    const T = scene.G.length;
    // Back to front: derived vectors under the inputs, the update on top, heads last (grabbable).
    const own = (t: number, e: SVGElement): void => { e.setAttribute('data-owner', String(t)); parts.push(e); };
    if (r?.adjusted) r.adjusted.forEach((v, t) => own(t, this.arrow(v, TASK_COLORS[t]!, { dash: '2 4', width: 1.6, label: `ĝ${sub(t)}`, labelAt: 0.55 })));
    r?.projectionPath?.forEach((steps, t) => { if (steps.length) own(t, this.path(scene.G[t]!, steps, TASK_COLORS[t]!)); });
    if (r?.crafted) r.crafted.forEach((v, t) => own(t, this.arrow(v, TASK_COLORS[t]!, { dash: '8 5', width: 2.2, label: `g̃${sub(t)}` })));
    if (r?.weighted) r.weighted.forEach((v, t) => own(t, this.arrow(v, TASK_COLORS[t]!, { dash: '8 5', width: 2, label: `w${sub(t)}g${sub(t)}` })));
    scene.G.forEach((v, t) => own(t, this.arrow(v, TASK_COLORS[t]!, { width: 2.6, label: `g${sub(t)}` })));
    if (r) parts.push(this.arrow(r.combined, '#111', { width: 4, label: 'd', id: 'update' }));
    for (let t = 0; t < T; t++) {
      const h = this.toScreen(scene.G[t]!);
      const conflicts = r?.conflictSets[t] ?? [];
      parts.push(svg('circle', { cx: h.x, cy: h.y, r: 9, fill: TASK_COLORS[t]!, 'fill-opacity': 0.25, stroke: TASK_COLORS[t]!, class: 'head', 'data-task': t, tabindex: 0 },
        svg('title', {}, `g${t + 1}: drag to move (arrow keys: small steps); conflict set ${conflicts.length ? conflicts.map((j) => `g${j + 1}`).join(', ') : 'empty'}`)));
    }
    this.element.replaceChildren(...parts);
  }

  /**
   * Pointing at a head (or focusing it) leaves that task and its conflict set in full colour and
   * dims the rest, so the set the method projected against is seen on the canvas.
   */
  private focusTask(target: Element | null): void {
    const head = target?.closest('[data-task]');
    const t = head ? Number(head.getAttribute('data-task')) : -1;
    const keep = new Set(t >= 0 ? [t, ...(this.scene?.result?.conflictSets[t] ?? [])] : []);
    for (const e of this.element.querySelectorAll('[data-owner]')) e.classList.toggle('dim', t >= 0 && !keep.has(Number(e.getAttribute('data-owner'))));
  }

  /** Arrow keys on a focused head move it by 1% of the view (Shift: 10%). */
  private nudge(e: KeyboardEvent): void {
    const head = (e.target as Element).closest?.('[data-task]');
    const step = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] }[e.key];
    if (!head || !step || !this.scene) return;
    e.preventDefault();
    const task = Number(head.getAttribute('data-task'));
    const s = this.shown() * (e.shiftKey ? 0.1 : 0.01);
    const p = project(this.scene.G[task]!, this.scene.view);
    this.events.drag(task, unproject(p.x + step[0]! * s, p.y + step[1]! * s, p.depth, this.scene.d, this.scene.view), true);
    // The canvas was redrawn: focus the task's new head, so the keys keep working.
    (this.element.querySelector(`[data-task="${task}"]`) as SVGElement | null)?.focus();
  }

  private axes(): SVGGElement {
    const g = svg('g', { stroke: '#c9ced6', 'stroke-width': 1, fill: '#8a929c', 'font-size': 12 });
    const ext = this.shown();
    const names = this.scene!.d === 2 ? ['x', 'y'] : ['x', 'y', 'z'];
    names.forEach((name, k) => {
      const e = names.map((_, j) => (j === k ? ext : 0));
      const a = this.toScreen(e.map((x) => -x)), b = this.toScreen(e);
      g.append(svg('line', { x1: a.x, y1: a.y, x2: b.x, y2: b.y }), svg('text', { x: b.x + 4, y: b.y - 4, stroke: 'none' }, name));
    });
    g.append(svg('circle', { cx: C, cy: C, r: R, fill: 'none', 'stroke-dasharray': '2 6' }));
    const zoom = this.scene!.view.zoom;
    g.append(svg('text', { x: 8, y: 18, stroke: 'none' }, zoom === 1 ? 'wheel: zoom' : `zoom ×${Number(zoom.toPrecision(3))} (double-click: fit)`));
    return g;
  }

  /**
   * A task's projections in the order made: from its gradient's head through the head after
   * each projection, each step numbered and titled with the task it was projected against.
   */
  private path(start: readonly number[], steps: { onto: number; vector: number[] }[], color: string): SVGGElement {
    const g = svg('g', { stroke: color, fill: color, 'data-path': '' });
    const pts = [start, ...steps.map((s) => s.vector)].map((v) => this.toScreen(v));
    g.append(svg('polyline', { points: pts.map((p) => `${p.x},${p.y}`).join(' '), fill: 'none', 'stroke-width': 1.2, 'stroke-dasharray': '1 3', 'stroke-opacity': 0.8 }));
    steps.forEach((s, k) => {
      const p = pts[k + 1]!;
      g.append(svg('circle', { cx: p.x, cy: p.y, r: 6, fill: '#fff', 'stroke-width': 1 },
        svg('title', {}, `projection ${k + 1}: onto g${s.onto + 1}`)));
      g.append(svg('text', { x: p.x, y: p.y + 3.5, stroke: 'none', 'font-size': 9, 'text-anchor': 'middle' }, String(k + 1)));
    });
    return g;
  }

  private arrow(v: readonly number[], color: string, o: { width: number; dash?: string; label?: string; labelAt?: number; id?: string }): SVGGElement {
    const a = this.toScreen(v.map(() => 0)), b = this.toScreen(v);
    const g = svg('g', { stroke: color, fill: color, ...(o.id ? { 'data-vector': o.id } : {}) });
    const len = Math.hypot(b.x - a.x, b.y - a.y);
    if (len < 1e-9) {
      g.append(svg('circle', { cx: a.x, cy: a.y, r: o.width + 1 }));
      return g;
    }
    const ux = (b.x - a.x) / len, uy = (b.y - a.y) / len;
    const head = Math.min(14, len * 0.4) * (0.6 + o.width / 6);
    const bx = b.x - ux * head * 0.8, by = b.y - uy * head * 0.8;
    g.append(svg('line', { x1: a.x, y1: a.y, x2: bx, y2: by, 'stroke-width': o.width, ...(o.dash ? { 'stroke-dasharray': o.dash } : {}) }));
    const w = head * 0.45;
    g.append(svg('polygon', { points: `${b.x},${b.y} ${b.x - ux * head - uy * w},${b.y - uy * head + ux * w} ${b.x - ux * head + uy * w},${b.y - uy * head - ux * w}`, stroke: 'none', 'fill-opacity': o.dash ? 0.6 : 1 }));
    if (o.label) {
      const t = o.labelAt ?? 1;
      const lx = a.x + (b.x - a.x) * t + 8 * (-uy) + 6 * ux, ly = a.y + (b.y - a.y) * t + 8 * ux + 6 * uy;
      g.append(svg('text', { x: lx, y: ly + 4, stroke: 'none', 'font-size': 14, 'font-weight': o.id ? 700 : 500, 'text-anchor': 'middle' }, o.label));
    }
    return g;
  }
}

/** Task t's 1-based subscript. */
export function sub(t: number): string {
  return String(t + 1).replace(/\d/g, (c) => '₀₁₂₃₄₅₆₇₈₉'[Number(c)]!);
}
