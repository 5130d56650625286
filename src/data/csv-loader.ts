/**
 * A CSV file + a schema (schema.ts) -> a Dataset and its Encoders: the file streamed by csv.ts
 * into the decoder (csv-decode.ts, which has the rules; docs/data.md).
 */
import { readCsv } from './csv.ts';
import { decodeCsv, type LoadCsvOptions, type LoadedCsv } from './csv-decode.ts';
import { loadSchema, validateSchema, type CsvSchema } from './schema.ts';

export type { LoadCsvOptions, LoadedCsv } from './csv-decode.ts';

/** Loads `file` with a schema object or the path of a schema JSON file. */
export async function loadCsv(file: string, schemaOrPath: CsvSchema | string, opts: LoadCsvOptions = {}): Promise<LoadedCsv> {
  const schema = typeof schemaOrPath === 'string' ? loadSchema(schemaOrPath) : validateSchema(schemaOrPath);
  return decodeCsv(file, (onHeader, onRow, o) => readCsv(file, onHeader, onRow, o), schema, opts);
}
