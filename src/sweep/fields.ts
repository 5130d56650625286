/**
 * Dotted field paths into plain JSON configs: `methodOptions.tau` names `config.methodOptions.tau`.
 * A sweep varies any config field this way, so the sweep never needs to know the trainer's schema.
 */
import { isPlainObject as isRecord } from '../train/json-checks.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** train's isPlainObject, narrowing to a JSON object. */
export const isPlainObject = isRecord as (v: unknown) => v is JsonObject;

/** Splits and checks a dotted path; throws naming `where` when a segment is empty. */
export function splitPath(path: string, where: string): string[] {
  const parts = path.split('.');
  if (path.length === 0 || parts.some((p) => p.length === 0 || /\s/.test(p))) {
    throw new Error(`${where}: "${path}" is not a field path (use dotted names such as "methodOptions.tau")`);
  }
  return parts;
}

/** Sets `path` in `target` (mutating), creating intermediate objects; refuses to walk through a non-object. */
export function setPath(target: JsonObject, path: string, value: Json, where: string): void {
  const parts = splitPath(path, where);
  let node: JsonObject = target;
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i]!;
    const next = node[key];
    if (next === undefined) {
      const created: JsonObject = {};
      node[key] = created;
      node = created;
    } else if (isPlainObject(next)) {
      node = next;
    } else {
      const at = parts.slice(0, i + 1).join('.');
      throw new Error(`${where}: cannot set "${path}" because the base config's "${at}" is ${JSON.stringify(next)}, not an object`);
    }
  }
  node[parts[parts.length - 1]!] = value;
}

/** Reads `path` from any JSON value; undefined when some segment is missing. */
export function getPath(source: unknown, path: string): unknown {
  let node: unknown = source;
  for (const key of path.split('.')) {
    if (!isPlainObject(node)) return undefined;
    node = node[key];
  }
  return node;
}

export function deepClone<T extends Json>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
