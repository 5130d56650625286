/**
 * The playground's panel contract. The shell (main.ts) owns the page, the tabs and the URL;
 * each panel owns one tab's content and keeps its own part of the page state in the URL
 * through `PanelContext.state`, so a configuration can be shared by link.
 */
export interface UrlState {
  /** This panel's saved settings, or undefined on a fresh page. */
  get(): Record<string, unknown> | undefined;
  /** Replace this panel's settings in the URL (history.replaceState, no reload). */
  set(value: Record<string, unknown>): void;
}

export interface PanelContext {
  /** The panel's slice of the URL state. */
  state: UrlState;
  /** Whether the page is cross-origin isolated (SharedArrayBuffer, threaded wasm). */
  isolated: boolean;
  /** Where the page's static assets live (wasm kernels, worker scripts, gpu.js), ending in '/'. */
  assetsBase: string;
}

export interface Panel {
  /** The tab's label. */
  readonly title: string;
  /** Called when the tab is hidden; panels stop their animation frames, not their workers. */
  hide?(): void;
  /** Called when the tab is shown again. */
  show?(): void;
}

/** A panel module's one export. */
export type MountPanel = (root: HTMLElement, ctx: PanelContext) => Panel;
