/**
 * The platform-neutral half of CSV reading: the parser's options and the walk over its records
 * (header checks, row callbacks, csv-parse's errors turned into DataErrors with the file and
 * line). The walk runs inside csv-parse's `on_record` hook, so rows are handled in file order as
 * they are parsed, and a fault surfaces where it is in the file, whether it is the parser's (a
 * quote never closed) or a row's (a value that is not a number). Node streams a file through it
 * (csv.ts); a browser parses text with it (csv-text.ts): the same csv-parse options and this
 * same walk, so a malformed file gives the same message on both.
 */
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

/** Where csv-parse is in the file when it hands over a record. */
interface RecordInfo { lines: number; empty_lines: number }

/**
 * csv-parse's error, known by the parser's position it carries (its Node and its browser build
 * have different CsvError classes, and a minified bundle renames them).
 */
function csvParseError(e: unknown): (Error & { code: string; lines: number; empty_lines?: number }) | null {
  const x = e as { code?: unknown; lines?: unknown; records?: unknown } | null;
  return e instanceof Error && typeof x?.code === 'string' && typeof x.lines === 'number' && typeof x.records === 'number'
    ? (e as Error & { code: string; lines: number }) : null;
}

export interface CsvWalk {
  /** csv-parse's options, `on_record` included: every field trimmed, a BOM dropped, blank lines skipped, strict quotes. */
  options: {
    delimiter: string; trim: true; bom: true; skip_empty_lines: true; relax_quotes: false;
    on_record: (record: string[], info: RecordInfo) => null;
  };
  /** After the parser ended: the number of data rows, or the DataError of a file without them. */
  finish(): number;
  /** The DataError for what the parser threw. */
  fail(e: unknown): unknown;
}

/**
 * A walk that calls `onHeader` once, then `onRow(fields, line)` for every data row. Duplicate
 * header names, a file with no header or no rows, and parse errors become DataErrors.
 */
export function csvWalk(
  file: string,
  onHeader: (h: CsvHeader) => void,
  onRow: (fields: string[], line: number) => void,
  opts: CsvReadOptions = {},
): CsvWalk {
  let header: string[] | null = null;
  let rows = 0;
  // Where the last complete record ended, to place an unclosed quote at the row that opens it.
  let lastLines = 0, lastEmpty = 0;
  const onRecord = (record: string[], info: RecordInfo): null => {
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
      const line = info.lines;
      onHeader({
        names,
        find: (name) => seen.get(name) ?? -1,
        index: (name, what = 'the schema') => {
          const i = seen.get(name);
          if (i === undefined) throw new DataError(file, line, name, `${what} names a column the file lacks (header: ${names.join(', ')})`);
          return i;
        },
      });
      return null;
    }
    rows++;
    onRow(record, info.lines);
    // Nothing is kept: the parser drops a record its hook returns null for.
    return null;
  };
  return {
    options: { delimiter: opts.delimiter ?? ',', trim: true, bom: true, skip_empty_lines: true, relax_quotes: false, on_record: onRecord },
    finish() {
      if (header === null) throw new DataError(file, 1, null, 'empty file: expected a header line and data rows');
      if (rows === 0) throw new DataError(file, 2, null, 'no data rows after the header');
      return rows;
    },
    fail(e) {
      if (e instanceof DataError) return e;
      const ce = csvParseError(e);
      if (!ce) return e;
      if (ce.code === 'CSV_QUOTE_NOT_CLOSED') {
        // csv-parse reports the end of the file; the row that opens the quote is the first
        // non-blank line after the last complete record.
        const start = lastLines + 1 + Math.max(0, (ce.empty_lines ?? lastEmpty) - lastEmpty);
        return new DataError(file, start, null, `malformed row: the row starting on this line opens a quote that is never closed (the file ends inside it, at line ${ce.lines}); close the quote, or write a literal quote as ""`);
      }
      const msg = ce.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH'
        ? `malformed row: ${ce.message.replace(/ on line \d+$/, '')} fields (a missing or extra column)`
        : `malformed row: ${ce.message}`;
      return new DataError(file, ce.lines, null, msg);
    },
  };
}
