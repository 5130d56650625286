/**
 * Streaming CSV reading on csv-parse: the file is read in chunks and handed over record by
 * record, never held whole in memory. Every field is trimmed of surrounding spaces and tabs
 * (csv-parse's `trim`), a UTF-8 byte order mark is dropped, and blank lines are skipped. The
 * first record is the header. Parser errors (an unclosed quote, a row with a different number
 * of fields than the header) become DataErrors with the file and line (csv-records.ts, shared
 * with the browser's reader, csv-text.ts).
 */
import { createReadStream, statSync } from 'node:fs';
import { parse } from 'csv-parse';
import { DataError } from './errors.ts';
import { csvWalk, type CsvHeader, type CsvReadOptions } from './csv-records.ts';

export type { CsvHeader, CsvReadOptions } from './csv-records.ts';

/**
 * Calls `onHeader` once, then `onRow(fields, line)` for every data row. Throws DataError for an
 * empty file, a file with a header but no rows, duplicate header names and parse errors.
 */
export async function readCsv(
  file: string,
  onHeader: (h: CsvHeader) => void,
  onRow: (fields: string[], line: number) => void,
  opts: CsvReadOptions = {},
): Promise<number> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (e) {
    throw new DataError(file, null, null, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (size === 0) throw new DataError(file, 1, null, 'empty file: expected a header line and data rows');
  const walk = csvWalk(file, onHeader, onRow, opts);
  const parser = createReadStream(file).pipe(parse(walk.options));
  try {
    // The walk runs in the parser's record hook; the stream only has to be drained.
    for await (const _ of parser) void _;
  } catch (e) {
    parser.destroy();
    if (e instanceof Error && (e as NodeJS.ErrnoException).code !== undefined && (e as NodeJS.ErrnoException).syscall !== undefined) {
      throw new DataError(file, null, null, `cannot read the file (${(e as NodeJS.ErrnoException).code})`);
    }
    throw walk.fail(e);
  }
  return walk.finish();
}
