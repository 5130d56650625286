/**
 * The drop zone for a CSV and its schema: files dropped on it or picked with its button; a
 * .json file is the schema, anything else the CSV. Both are read as text, whole: the Worker
 * parses them with the library's loaders.
 */
import type { CsvData } from '../worker/config.ts';
import { el } from './dom.ts';

export class CsvDrop {
  readonly el: HTMLElement;
  private csv: { name: string; text: string } | null = null;
  private schema: { name: string; text: string } | null = null;
  private readonly status: HTMLElement;

  constructor(private readonly changed: (ready: boolean) => void) {
    const input = el('input', { type: 'file', multiple: true, accept: '.csv,.tsv,.txt,.json' });
    input.addEventListener('change', () => void this.take([...(input.files ?? [])]));
    this.status = el('span', { className: 'muted', textContent: 'drop a CSV and its schema JSON here' });
    this.el = el('div', { className: 'mtl-drop', dataset: { role: 'csv-drop' } }, this.status, ' ', input);
    this.el.addEventListener('dragover', (e) => { e.preventDefault(); this.el.classList.add('over'); });
    this.el.addEventListener('dragleave', () => this.el.classList.remove('over'));
    this.el.addEventListener('drop', (e) => {
      e.preventDefault();
      this.el.classList.remove('over');
      void this.take([...(e.dataTransfer?.files ?? [])]);
    });
  }

  /** The dropped pair, or null until both are there. */
  data(): CsvData | null {
    return this.csv && this.schema ? { kind: 'csv', file: this.csv.name, text: this.csv.text, schemaFile: this.schema.name, schemaText: this.schema.text } : null;
  }

  async take(files: File[]): Promise<void> {
    for (const f of files) {
      const entry = { name: f.name, text: await f.text() };
      if (/\.json$/i.test(f.name)) this.schema = entry;
      else this.csv = entry;
    }
    const parts = [this.csv ? `CSV: ${this.csv.name}` : 'no CSV yet', this.schema ? `schema: ${this.schema.name}` : 'no schema JSON yet'];
    this.status.textContent = parts.join('; ');
    this.changed(this.data() !== null);
  }
}
