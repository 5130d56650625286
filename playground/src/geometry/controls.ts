/**
 * A balancer's option controls, generated from its registry entry's options spec (the one list
 * the library validates against): a select where the check lists its choices, a number field
 * where it states a range, a JSON field otherwise (null defaults, arrays). Every value goes
 * through the spec's own check before it is used, and a bad one is shown beside its field.
 */
import type { OptionsSpec } from '../../../src/core.ts';
import { el } from './dom.ts';

export type OptionsChange = (options: Record<string, unknown>) => void;

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function parseField(text: string, numeric: boolean): { value: unknown } | { error: string } {
  const t = text.trim();
  if (numeric) {
    const v = Number(t);
    return t !== '' && Number.isFinite(v) ? { value: v } : { error: `'${t}' is not a number` };
  }
  try {
    return { value: JSON.parse(t) };
  } catch {
    return { error: `'${t}' is not JSON (null, a number, an array [...])` };
  }
}

/**
 * Builds the controls for `spec` with the current non-default `given` options. `onChange` gets
 * only the options that differ from their defaults, so links stay short.
 */
export function optionControls(idPrefix: string, spec: OptionsSpec, given: Record<string, unknown>, onChange: OptionsChange): HTMLElement {
  const grid = el('div', { className: 'geo-options' });
  const current: Record<string, unknown> = { ...given };
  const emit = (): void => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(current)) if (k in spec && !same(v, spec[k]!.default)) out[k] = v;
    onChange(out);
  };
  const names = Object.keys(spec);
  if (names.length === 0) grid.append(el('span', { className: 'muted', textContent: 'no options' }));
  for (const name of names) {
    const o = spec[name]!;
    const id = `${idPrefix}-${name}`;
    const value = name in current ? current[name] : o.default;
    const label = el('label', { htmlFor: id, textContent: name, title: o.doc });
    const err = el('span', { className: 'bad' });
    let field: HTMLElement;
    const choices = o.check?.choices;
    if (choices) {
      const sel = el('select', { id, title: o.doc });
      choices.forEach((c, i) => sel.append(el('option', { value: String(i), textContent: JSON.stringify(c), selected: same(c, value) })));
      sel.addEventListener('change', () => { current[name] = choices[Number(sel.value)]; emit(); });
      field = sel;
    } else {
      const numeric = typeof o.default === 'number' || o.check?.range !== undefined;
      const r = o.check?.range;
      const input = el('input', {
        id, type: 'text', value: numeric ? String(value) : JSON.stringify(value), title: r ? `${o.doc} (${r.openLo ? '(' : '['}${r.lo}, ${r.hi}]${r.int ? ', integer' : ''})` : o.doc,
      });
      input.setAttribute('inputmode', numeric ? 'decimal' : 'text');
      input.addEventListener('change', () => {
        const p = parseField(input.value, numeric);
        const problem = 'error' in p ? p.error : o.check?.(p.value) ?? null;
        err.textContent = problem ? ` ${problem}` : '';
        input.setAttribute('aria-invalid', String(problem !== null));
        if (problem !== null || 'error' in p) return;
        current[name] = p.value;
        emit();
      });
      field = input;
    }
    grid.append(label, el('span', {}, field, err), el('div', { className: 'doc', textContent: o.doc }));
  }
  return grid;
}
