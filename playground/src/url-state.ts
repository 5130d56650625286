/**
 * The page's state in its URL, so a configuration can be shared by link: `?tab=<id>` and one
 * parameter per panel holding that panel's settings as JSON. Writes use
 * history.replaceState (no reload, no history entry per drag).
 */
import type { UrlState } from './panel.ts';

/** A URL parameter that is not the JSON object a panel's state must be. */
export class UrlStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UrlStateError';
  }
}

function params(): URLSearchParams {
  return new URLSearchParams(location.search);
}

function write(p: URLSearchParams): void {
  const q = p.toString();
  history.replaceState(history.state, '', `${location.pathname}${q ? `?${q}` : ''}${location.hash}`);
}

/** Parses one panel's parameter; a broken link is reported, not silently reset. */
export function parsePanelState(key: string, text: string | null): Record<string, unknown> | undefined {
  if (text === null || text === '') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new UrlStateError(`the URL parameter '${key}' is not valid JSON (${(e as Error).message}); remove it from the address to start fresh`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new UrlStateError(`the URL parameter '${key}' must be a JSON object; remove it from the address to start fresh`);
  }
  return v as Record<string, unknown>;
}

/** The slice of the URL owned by one panel. */
export function panelState(key: string): UrlState {
  return {
    get: () => parsePanelState(key, params().get(key)),
    set(value) {
      const p = params();
      p.set(key, JSON.stringify(value));
      write(p);
    },
  };
}

export function currentTab(): string | null {
  return params().get('tab');
}

export function setTab(id: string): void {
  const p = params();
  p.set('tab', id);
  write(p);
}
