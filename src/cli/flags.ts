import { readFileSync } from 'node:fs';
import { CliError } from './errors.ts';

/**
 * Flag parsing shared by the commands that build a config (train, experiment): `key=value`
 * pairs whose value is JSON when it parses as JSON and a plain string otherwise, dotted paths
 * into a config object, and JSON files that must hold an object. Errors name the command and
 * the flag, so each command's messages read as its own.
 */

/** commander's accumulator for a repeatable flag (`--set a=1 --set b=2`). */
export const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** JSON when it parses (numbers, booleans, arrays, objects), else the string itself. */
export function parseValue(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

/** 'a.b=1' -> ['a.b', 1]. */
export function keyValue(s: string, cmd: string, flag: string): [string, unknown] {
  const i = s.indexOf('=');
  if (i <= 0) throw new CliError(`${cmd}: ${flag} expects key=value, got '${s}'`);
  return [s.slice(0, i).trim(), parseValue(s.slice(i + 1).trim())];
}

/** obj.a.b = value, creating (or replacing non-object) intermediate nodes. */
export function setDotted(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = obj;
  for (const p of parts.slice(0, -1)) {
    if (typeof node[p] !== 'object' || node[p] === null || Array.isArray(node[p])) node[p] = {};
    node = node[p] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

/** A JSON file's contents, with an error naming the flag and the file. */
export function readJson(file: string, cmd: string, flag: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError(`${cmd}: cannot read ${flag} ${file}: ${(e as Error).message}`);
  }
}

/** A JSON file that must hold an object (a config). */
export function readJsonObject(file: string, cmd: string, flag: string, what: string): Record<string, unknown> {
  const v = readJson(file, cmd, flag);
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new CliError(`${cmd}: ${flag} ${file} must hold a JSON object${what}`);
  return v as Record<string, unknown>;
}
