/**
 * The gradients as numbers: one row per task (its d coordinates and its loss), a button to
 * remove it, and one to add a task. What the arrows show, editable exactly.
 */
import { el } from './dom.ts';
import { TASK_COLORS } from './canvas.ts';
import { MAX_TASKS, MIN_TASKS } from './state.ts';

export interface InputsEvents {
  set(task: number, coord: number, value: number): void;
  setLoss(task: number, value: number): void;
  add(): void;
  remove(task: number): void;
}

export function inputsTable(G: number[][], losses: number[], ev: InputsEvents): HTMLElement {
  const d = G[0]!.length;
  const axes = ['x', 'y', 'z'].slice(0, d);
  const t = el('table', {}, el('tr', {}, el('th', { textContent: 'task' }), ...axes.map((a) => el('th', { textContent: a })),
    el('th', { textContent: 'loss', title: 'the per-task loss, for the methods that use it (uc, dwa, dbmtl, imtl l / hybrid, mgda loss, moco loss)' }), el('th')));
  const num = (value: number, label: string, apply: (v: number) => void): HTMLInputElement => {
    const input = el('input', { type: 'text', value: String(value), title: label });
    input.setAttribute('aria-label', label);
    input.setAttribute('inputmode', 'decimal');
    input.addEventListener('change', () => {
      const v = Number(input.value.trim());
      const ok = input.value.trim() !== '' && Number.isFinite(v);
      input.setAttribute('aria-invalid', String(!ok));
      if (ok) apply(v);
    });
    return input;
  };
  G.forEach((row, i) => {
    const remove = el('button', { type: 'button', textContent: '−', title: `remove task ${i + 1}`, disabled: G.length <= MIN_TASKS });
    remove.addEventListener('click', () => ev.remove(i));
    t.append(el('tr', {},
      el('th', { textContent: `g${i + 1}`, style: `color: ${TASK_COLORS[i]}` }),
      ...row.map((x, k) => el('td', {}, num(x, `g${i + 1} ${axes[k]}`, (v) => ev.set(i, k, v)))),
      el('td', {}, num(losses[i]!, `loss of task ${i + 1}`, (v) => ev.setLoss(i, v))),
      el('td', {}, remove)));
  });
  const add = el('button', { type: 'button', textContent: '+ task', disabled: G.length >= MAX_TASKS });
  add.addEventListener('click', () => ev.add());
  return el('div', { className: 'geo-inputs' }, t, add);
}
