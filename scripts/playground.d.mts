// Types of scripts/playground.mjs for the TypeScript that imports it (test/playground).
export class PlaygroundBuildError extends Error {}
export interface PlaygroundSite {
  /** URL path -> contents of the bundled files and index.html. */
  files: Record<string, string>;
  /** URL path -> repository path of the files served as they are (kernels, worker scripts, gpu.js). */
  assets: Record<string, string>;
}
/** strict (default true): a worker script that does not bundle fails the build; false serves it as a script that throws. */
export function buildPlayground(opts?: { minify?: boolean; strict?: boolean; warn?: (message: string) => void }): Promise<PlaygroundSite>;
export function writePlayground(dir: string, opts?: { minify?: boolean }): Promise<string>;
export interface ServedPlayground {
  /** http://127.0.0.1:<port>/ */
  url: string;
  rebuild(): Promise<void>;
  close(): Promise<void>;
}
/** strict (default false): as buildPlayground's. */
export function servePlayground(opts?: { port?: number; rebuildOnReload?: boolean; strict?: boolean }): Promise<ServedPlayground>;
