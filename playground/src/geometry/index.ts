/** The Geometry panel (being built). */
import type { MountPanel } from '../panel.ts';

export const mountGeometry: MountPanel = (root) => {
  root.textContent = 'Geometry';
  return { title: 'Geometry' };
};
