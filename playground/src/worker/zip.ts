/** The run folder as one zip (fflate), every file under one folder named like a CLI run. */
import { strToU8, zipSync } from 'fflate';

export function zipFolder(folder: string, files: Record<string, string>): Uint8Array {
  const entries: Record<string, Uint8Array> = {};
  for (const [name, text] of Object.entries(files)) entries[`${folder}/${name}`] = strToU8(text);
  // A fixed time stamp: the same run gives the same bytes.
  return zipSync(entries, { level: 6, mtime: new Date('2020-01-01T00:00:00Z') });
}
