/** A small element builder for the Training and Reports panels. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K, props: Partial<HTMLElementTagNameMap[K]> & { dataset?: Record<string, string> } = {}, ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const { dataset, ...rest } = props;
  const node = Object.assign(document.createElement(tag), rest);
  if (dataset) Object.assign(node.dataset, dataset);
  node.append(...children);
  return node;
}

/** A labelled <select> of `values`. */
export function select(label: string, name: string, values: readonly string[], value: string, titles: Record<string, string> = {}): { wrap: HTMLLabelElement; input: HTMLSelectElement } {
  const input = el('select', { name });
  for (const v of values) input.append(el('option', { value: v, textContent: v, title: titles[v] ?? '' }));
  input.value = value;
  return { wrap: el('label', {}, `${label} `, input), input };
}

/** A labelled number <input>. */
export function numberInput(label: string, name: string, value: number, attrs: { min?: number; max?: number; step?: number | 'any' } = {}): { wrap: HTMLLabelElement; input: HTMLInputElement } {
  const input = el('input', { type: 'number', name, value: String(value) });
  if (attrs.min !== undefined) input.min = String(attrs.min);
  if (attrs.max !== undefined) input.max = String(attrs.max);
  input.step = String(attrs.step ?? 'any');
  input.style.width = '6.5em';
  return { wrap: el('label', {}, `${label} `, input), input };
}
