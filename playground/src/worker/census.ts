/**
 * The census (UCI Adult) data built into the playground: the repository's data/adult.csv and
 * schemas/adult.json, bundled into the Worker only (the page never carries the 3 MB), and read
 * like a dropped file.
 */
import csv from '../../../data/adult.csv' with { type: 'text' };
import schema from '../../../schemas/adult.json' with { type: 'json' };
import { CENSUS_FILE, type CsvData } from './config.ts';

export const CENSUS: CsvData = { kind: 'csv', file: CENSUS_FILE, text: csv, schemaFile: 'schemas/adult.json', schemaText: JSON.stringify(schema) };
