/**
 * A CSV run's data in the Worker: the schema and the CSV from their text, through the library's
 * loaders (parseSchema, loadCsvText), so a malformed file gets the CLI's message (file, line,
 * column) word for word.
 */
import { loadCsvText, parseSchema, type CsvSchema, type Dataset } from '../../../src/core.ts';
import type { CsvData } from './config.ts';

export async function loadCsvData(d: CsvData): Promise<{ dataset: Dataset; schema: CsvSchema }> {
  const schema = parseSchema(d.schemaText, d.schemaFile);
  const { dataset } = await loadCsvText(d.file, d.text, schema);
  return { dataset, schema };
}
