/**
 * The playground's shell: the tabs, the URL state, and mounting each panel the first time its
 * tab is shown (a panel may start Workers; a tab never opened costs nothing). Everything the
 * panels compute comes from the library itself (src/core.ts), bundled by scripts/playground.mjs.
 *
 * Tests drive the page through `globalThis.playground`: `ready` once the first tab is mounted,
 * `panels[id]` the mounted Panel objects (a panel may carry extra methods for tests), `show(id)`.
 */
import { mountGeometry } from './geometry/index.ts';
import { mountReports } from './reports/index.ts';
import { mountTraining } from './training/index.ts';
import type { MountPanel, Panel } from './panel.ts';
import { currentTab, panelState, setTab } from './url-state.ts';

interface PanelEntry {
  /** The tab's id: its URL parameter and `?tab=` value. */
  id: string;
  title: string;
  mount: MountPanel;
}

/** Every panel of the page, in tab order; the first is shown on a fresh page. */
const PANELS: PanelEntry[] = [
  { id: 'geometry', title: 'Geometry', mount: mountGeometry },
  { id: 'training', title: 'Training', mount: mountTraining },
  { id: 'reports', title: 'Reports', mount: mountReports },
];

interface Mounted { panel: Panel; root: HTMLElement }

const mounted = new Map<string, Mounted>();
const api = { ready: false, panels: {} as Record<string, Panel>, show, errors: [] as string[] };
(globalThis as unknown as { playground: typeof api }).playground = api;

const tabs = document.getElementById('tabs')!;
const content = document.getElementById('content')!;
const assetsBase = new URL('./assets/', location.href).href;
let shown: string | null = null;

function show(id: string): void {
  const entry = PANELS.find((p) => p.id === id) ?? PANELS[0]!;
  if (shown === entry.id) return;
  if (shown) {
    const prev = mounted.get(shown)!;
    prev.root.hidden = true;
    prev.panel.hide?.();
  }
  for (const b of tabs.querySelectorAll<HTMLButtonElement>('button')) b.setAttribute('aria-selected', String(b.dataset.tab === entry.id));
  let m = mounted.get(entry.id);
  if (m) {
    m.root.hidden = false;
    m.panel.show?.();
  } else {
    const root = document.createElement('section');
    root.className = 'panel';
    root.id = `panel-${entry.id}`;
    content.append(root);
    try {
      const panel = entry.mount(root, { state: panelState(entry.id), isolated: globalThis.crossOriginIsolated === true, assetsBase });
      m = { panel, root };
    } catch (e) {
      // A panel that cannot start (a broken link, say) says why in its own tab; the others still work.
      const msg = e instanceof Error ? e.message : String(e);
      api.errors.push(`${entry.id}: ${msg}`);
      root.replaceChildren(Object.assign(document.createElement('p'), { className: 'error', textContent: `${entry.title} could not start: ${msg}` }));
      m = { panel: { title: entry.title }, root };
    }
    mounted.set(entry.id, m);
    api.panels[entry.id] = m.panel;
  }
  shown = entry.id;
  if (currentTab() !== entry.id) setTab(entry.id);
}

for (const p of PANELS) {
  const b = document.createElement('button');
  b.type = 'button';
  b.role = 'tab';
  b.dataset.tab = p.id;
  b.textContent = p.title;
  b.addEventListener('click', () => show(p.id));
  tabs.append(b);
}
document.getElementById('copy-link')!.addEventListener('click', (e) => {
  const b = e.currentTarget as HTMLButtonElement;
  navigator.clipboard.writeText(location.href).then(() => { b.textContent = 'link copied'; }, () => { b.textContent = 'copy failed: use the address bar'; });
  setTimeout(() => { b.textContent = 'copy link'; }, 2000);
});
document.getElementById('isolation')!.textContent = globalThis.crossOriginIsolated
  ? 'cross-origin isolated (threads available)'
  : 'not cross-origin isolated (one thread)';
show(currentTab() ?? PANELS[0]!.id);
api.ready = true;
