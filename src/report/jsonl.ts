/**
 * The report's reading of JSON Lines text, shared by the Node reader (io.ts) and the
 * playground's Reports panel (dropped files): the same torn-line rule and the same messages.
 */

/** A report folder that cannot be read: the message names the file and what is wrong. */
export class ReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportError';
  }
}

/**
 * Parsed lines of the JSON Lines text of `name`. A torn last line (a run killed mid-write) is
 * dropped with a line in `warnings`; a bad line before the end is a ReportError.
 */
export function parseJsonl<T>(text: string, name: string, warnings: string[] = []): T[] {
  const lines = text.split('\n');
  const out: T[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      const last = lines.slice(i + 1).every((l) => l.trim() === '');
      if (!last) throw new ReportError(`${name} line ${i + 1} is not valid JSON`);
      warnings.push(`${name}: the last line is incomplete (run interrupted while writing?) and was ignored.`);
    }
  });
  return out;
}
