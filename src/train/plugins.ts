/**
 * Plugins: modules imported before a config's method is looked up, so a balancer added with
 * `registerBalancer` (src/mtl/balancers/index.ts) is known in every process that runs the
 * config, including the fresh child processes of sweeps and `mtlkit experiment --workers N`.
 *
 * TrainConfig `plugins` lists module paths. A relative path is resolved against a base folder:
 * the config file's folder for `--config FILE` (the CLI rewrites them), else the current
 * directory; `resolveConfig` stores them absolute, so a run folder's config.json re-runs from
 * anywhere. `--plugin <path>` on `mtlkit train / experiment / balance` adds one (relative to the
 * current directory). A module is imported once per process (ESM caches it by URL).
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export class PluginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PluginError';
  }
}

/** The absolute path of a plugin module (relative paths against `base`, default the cwd). */
export function pluginPath(path: string, base = process.cwd()): string {
  return isAbsolute(path) ? path : resolve(base, path);
}

/** Rewrites a raw config's relative `plugins` against the folder of the config file it came from. */
export function pluginsRelativeTo(raw: Record<string, unknown>, configFile: string): void {
  if (!Array.isArray(raw.plugins)) return;
  raw.plugins = raw.plugins.map((p) => (typeof p === 'string' && p !== '' ? pluginPath(p, dirname(resolve(configFile))) : p));
}

const loaded = new Set<string>();

/** Imports each plugin module (once per process); errors name the plugin and what went wrong. */
export async function loadPlugins(paths: readonly string[], base = process.cwd()): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    if (typeof p !== 'string' || p === '') throw new PluginError(`plugin: expected a module path, got ${JSON.stringify(p)}`);
    const abs = pluginPath(p, base);
    out.push(abs);
    if (loaded.has(abs)) continue;
    if (!existsSync(abs)) throw new PluginError(`plugin ${p}: no such file (${abs})`);
    try {
      await import(pathToFileURL(abs).href);
    } catch (e) {
      throw new PluginError(`plugin ${p}: importing ${abs} failed: ${(e as Error).message}`);
    }
    loaded.add(abs);
  }
  return out;
}

/** Loads `raw.plugins` of a raw (unresolved) config when it is a list; resolveConfig reports a bad one. */
export async function loadConfigPlugins(raw: unknown): Promise<void> {
  const list = (raw as { plugins?: unknown } | null)?.plugins;
  if (Array.isArray(list) && list.every((p) => typeof p === 'string' && p !== '')) await loadPlugins(list as string[]);
}
