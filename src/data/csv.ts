/**
 * Streaming CSV reading on csv-parse: the file is read in chunks and handed over record by
 * record, never held whole in memory. Every field is trimmed of surrounding spaces and tabs
 * (csv-parse's `trim`), a UTF-8 byte order mark is dropped, and blank lines are skipped. The
 * first record is the header. Parser errors (an unclosed quote, a row with a different number
 * of fields than the header) become DataErrors with the file and line.
 */
import { createReadStream, statSync } from 'node:fs';
import { parse, CsvError } from 'csv-parse';
import { DataError } from './errors.ts';

export interface CsvReadOptions {
  delimiter?: string;
}

export interface CsvHeader {
  names: string[];
  /** Index of a column by name, or throws a DataError naming the file, line 1 and the column. */
  index(name: string, what?: string): number;
  /** Index of a column by name, or -1. */
  find(name: string): number;
}

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
  const parser = createReadStream(file).pipe(
    parse({
      delimiter: opts.delimiter ?? ',',
      trim: true,
      bom: true,
      skip_empty_lines: true,
      info: true,
      relax_quotes: false,
    }),
  );
  let header: string[] | null = null;
  let rows = 0;
  // Where the last complete record ended, to place an unclosed quote at the row that opens it.
  let lastLines = 0, lastEmpty = 0;
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number; empty_lines: number } }>) {
      const { record, info } = item;
      lastLines = info.lines;
      lastEmpty = info.empty_lines;
      if (header === null) {
        header = record;
        const seen = new Map<string, number>();
        header.forEach((name, i) => {
          if (seen.has(name)) throw new DataError(file, info.lines, name, `duplicate header name (columns ${seen.get(name)! + 1} and ${i + 1})`);
          seen.set(name, i);
        });
        const names = header;
        onHeader({
          names,
          find: (name) => seen.get(name) ?? -1,
          index: (name, what = 'the schema') => {
            const i = seen.get(name);
            if (i === undefined) {
              throw new DataError(file, info.lines, name, `${what} names a column the file lacks (header: ${names.join(', ')})`);
            }
            return i;
          },
        });
        continue;
      }
      rows++;
      onRow(record, info.lines);
    }
  } catch (e) {
    parser.destroy();
    if (e instanceof DataError) throw e;
    if (e instanceof CsvError) {
      const at = e as unknown as { lines?: number; empty_lines?: number };
      if (e.code === 'CSV_QUOTE_NOT_CLOSED') {
        // csv-parse reports the end of the file; the row that opens the quote is the first
        // non-blank line after the last complete record.
        const start = lastLines + 1 + Math.max(0, (at.empty_lines ?? lastEmpty) - lastEmpty);
        throw new DataError(file, start, null, `malformed row: the row starting on this line opens a quote that is never closed (the file ends inside it, at line ${at.lines ?? '?'}); close the quote, or write a literal quote as ""`);
      }
      const msg = e.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH'
        ? `malformed row: ${e.message.replace(/ on line \d+$/, '')} fields (a missing or extra column)`
        : `malformed row: ${e.message}`;
      throw new DataError(file, at.lines ?? null, null, msg);
    }
    if (e instanceof Error && (e as NodeJS.ErrnoException).code !== undefined && (e as NodeJS.ErrnoException).syscall !== undefined) {
      throw new DataError(file, null, null, `cannot read the file (${(e as NodeJS.ErrnoException).code})`);
    }
    throw e;
  }
  if (header === null) throw new DataError(file, 1, null, 'empty file: expected a header line and data rows');
  if (rows === 0) throw new DataError(file, 2, null, 'no data rows after the header');
  return rows;
}
