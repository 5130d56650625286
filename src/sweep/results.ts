/**
 * The sweep's results file: JSON Lines, one record per finished trial, owned by the sweep process
 * (workers never write it). Each record is appended with a single write of one whole line, so a
 * crash leaves at most one torn last line, which reading skips and the next append starts after.
 * `append` refuses a trial id already recorded: a trial's result is written once even if it ran twice.
 */
import { appendFileSync, existsSync, mkdirSync, openSync, readFileSync, closeSync, readSync, fstatSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JsonObject } from './fields.ts';

export interface TrialRecord {
  trial: string;
  status: 'ok' | 'failed';
  config: JsonObject;
  /** The runner's last stdout line, parsed (status ok). */
  result?: JsonObject;
  /** Why it failed, with the tail of its stderr (status failed). */
  error?: string;
  /** How many times it was started. */
  attempts: number;
  durationMs?: number;
  /** `local` or the worker's host name and pid. */
  ranOn?: string;
  finishedAt: string;
}

export class ResultsFile {
  private readonly records = new Map<string, TrialRecord>();
  /** Lines that could not be parsed (a torn last line after a crash), kept for reporting. */
  skippedLines = 0;

  constructor(readonly path: string) {
    if (!existsSync(path)) return;
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        const rec = JSON.parse(line) as TrialRecord;
        if (typeof rec.trial === 'string' && (rec.status === 'ok' || rec.status === 'failed')) {
          // A later line for the same id (a failed trial re-run with --retry-failed) supersedes.
          this.records.set(rec.trial, rec);
        } else this.skippedLines++;
      } catch {
        this.skippedLines++;
      }
    }
  }

  get(id: string): TrialRecord | undefined {
    return this.records.get(id);
  }

  has(id: string): boolean {
    return this.records.has(id);
  }

  all(): TrialRecord[] {
    return [...this.records.values()];
  }

  /**
   * Appends a record unless one with this id is already there (an `ok` one always wins; a `failed`
   * one is superseded only when `replaceFailed`). Returns whether it wrote.
   */
  append(rec: TrialRecord, replaceFailed = false): boolean {
    const prev = this.records.get(rec.trial);
    if (prev && (prev.status === 'ok' || !replaceFailed)) return false;
    mkdirSync(dirname(this.path), { recursive: true });
    const lead = endsWithoutNewline(this.path) ? '\n' : '';
    appendFileSync(this.path, lead + JSON.stringify(rec) + '\n');
    this.records.set(rec.trial, rec);
    return true;
  }
}

function endsWithoutNewline(path: string): boolean {
  if (!existsSync(path)) return false;
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return false;
    const buf = Buffer.alloc(1);
    readSync(fd, buf, 0, 1, size - 1);
    return buf[0] !== 0x0a;
  } finally {
    closeSync(fd);
  }
}
