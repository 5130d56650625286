/**
 * The controls that load a run's diagnostics.jsonl: a file field, the panel as a drop target,
 * and a step select when the file has several records. Hands the panel rebuilt rows
 * (diagnostics-file.ts) with a `source` line that says how they were made.
 */
import { el } from './dom.ts';
import { DiagnosticsFileError, parseDiagnostics, rebuildGradients, type DiagnosticsStep, type RebuiltGradients } from './diagnostics-file.ts';

/** Marks a `source` line as rows rebuilt from a diagnostics record (the page then shows REBUILT_CAVEAT). */
export const REBUILT = 'rebuilt from norms and cosines';

export const REBUILT_CAVEAT = 'diagnostics.jsonl records each sampled step\'s gradient norms, cosines and losses, not the gradients (they have the model\'s size). '
  + 'The arrows are rows with exactly that Gram matrix, in the smallest dimension that holds it: every method here except GradDrop sees only the Gram matrix and the losses, '
  + 'so its weights, conflict sets and cosines are those of the run\'s step (the update is the run\'s, turned into this basis). GradDrop works per coordinate and gives a different answer on these rows. '
  + 'Stateful methods (EMAs, learned weights: uc, dwa, dbmtl, gradvac, multibalance, moco, gradcraft b > 0) start fresh here; in the run they carried state from earlier steps.';

export interface LoadedStep extends RebuiltGradients {
  losses: number[];
  source: string;
}

export interface DiagnosticsLoader {
  /** The file field and the step select, for the toolbar. */
  controls: HTMLElement[];
}

export function diagnosticsLoader(dropTarget: HTMLElement, use: (step: LoadedStep) => void, fail: (message: string) => void): DiagnosticsLoader {
  let steps: DiagnosticsStep[] = [];
  let fileName = 'diagnostics.jsonl';
  const file = el('input', { type: 'file', accept: '.jsonl,.json,application/json' });
  file.setAttribute('aria-label', 'diagnostics.jsonl');
  const select = el('select', { hidden: true, title: 'which recorded step' });
  select.setAttribute('aria-label', 'diagnostics step');
  const label = el('label', { className: 'geo-drop', title: 'a run folder\'s diagnostics.jsonl (mtlkit train writes one); or drop it on the panel' }, 'load diagnostics.jsonl: ', file);

  const pick = (i: number): void => {
    const s = steps[i]!;
    const r = rebuildGradients(s);
    const approx = r.dropped > 0 ? `; rank ${r.rank} > 3, best 3-D approximation, ${(r.dropped * 100).toPrecision(2)}% of trace(K) dropped` : '';
    use({ ...r, losses: s.losses ?? s.norms.map(() => 1), source: `${fileName} step ${s.step}: ${REBUILT}${approx}` });
  };
  const load = async (f: File): Promise<void> => {
    try {
      steps = parseDiagnostics(await f.text(), f.name);
    } catch (e) {
      if (!(e instanceof DiagnosticsFileError)) throw e;
      return fail(e.message);
    }
    fileName = f.name;
    select.replaceChildren(...steps.map((s, i) => el('option', { value: String(i), textContent: `step ${s.step}${s.epoch !== null ? ` (epoch ${s.epoch})` : ''}` })));
    select.hidden = steps.length < 2;
    pick(0);
  };
  file.addEventListener('change', () => { const f = file.files?.[0]; if (f) void load(f); });
  select.addEventListener('change', () => pick(Number(select.value)));
  dropTarget.addEventListener('dragover', (e) => { e.preventDefault(); label.classList.add('over'); });
  dropTarget.addEventListener('dragleave', () => label.classList.remove('over'));
  dropTarget.addEventListener('drop', (e) => {
    e.preventDefault();
    label.classList.remove('over');
    const f = e.dataTransfer?.files[0];
    if (f) void load(f);
  });
  return { controls: [label, select] };
}
