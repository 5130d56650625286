import { createHash } from 'node:crypto';

/**
 * Canonical JSON: object keys sorted at every depth, no whitespace. Two configs that differ only in
 * key order get the same text, hence the same trial id.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new Error(`canonicalJson: ${value} is not representable in JSON`);
    }
    if (value === undefined) return 'null';
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/**
 * A trial's id: `t-` and 12 hex digits of the SHA-256 of its canonical config. The `t-` keeps the
 * id non-numeric (BullMQ refuses integer-looking custom job ids) and makes ids easy to grep.
 */
export function trialId(config: unknown): string {
  return 't-' + createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 12);
}
