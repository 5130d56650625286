/**
 * A CSV given as text (a file dropped on a web page) + a schema -> a Dataset and its Encoders,
 * with the rules and the error messages of the file loader: csv-parse (its browser build, no
 * Node streams) runs over the text with the options and the record walk of csv-records.ts, and
 * the rows go through the same decoder (csv-decode.ts).
 */
import { parse } from 'csv-parse/browser/esm/sync';
import { csvWalk } from './csv-records.ts';
import { decodeCsv, type LoadCsvOptions, type LoadedCsv } from './csv-decode.ts';
import { DataError } from './errors.ts';
import { validateSchema, type CsvSchema } from './schema.ts';

/** Loads the CSV `text`; `file` names it in errors (the dropped file's name). */
export async function loadCsvText(file: string, text: string, schema: CsvSchema, opts: LoadCsvOptions = {}): Promise<LoadedCsv> {
  const checked = validateSchema(schema);
  return decodeCsv(file, async (onHeader, onRow, o) => {
    if (text.length === 0) throw new DataError(file, 1, null, 'empty file: expected a header line and data rows');
    const walk = csvWalk(file, onHeader, onRow, o);
    try {
      parse(text, walk.options);
    } catch (e) {
      throw walk.fail(e);
    }
    return walk.finish();
  }, checked, opts);
}
