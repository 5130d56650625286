/**
 * Where a gradient lands on the canvas: 2-D as it is, 3-D by an orthographic camera turned by
 * `yaw` about the vertical z axis and tilted by `pitch` towards the viewer. Dragging a head
 * moves it in the screen's plane, keeping its depth, so `unproject` is the exact inverse.
 */
/** Which way the 3-D camera looks, degrees. */
export interface Orientation { yaw: number; pitch: number }

/** The camera: its orientation (3-D only) and a zoom factor over the fitted view. */
export interface View extends Orientation { zoom: number }

export const MIN_ZOOM = 0.25;
export const MAX_ZOOM = 1e6;

/** Screen coordinates in world units (x right, y up) and the depth into the screen. */
export interface Projected { x: number; y: number; depth: number }

const rad = (deg: number): number => (deg * Math.PI) / 180;

export function project(v: readonly number[], view: Orientation): Projected {
  if (v.length === 2) return { x: v[0]!, y: v[1]!, depth: 0 };
  const a = rad(view.yaw), b = rad(view.pitch);
  const x1 = v[0]! * Math.cos(a) - v[1]! * Math.sin(a);
  const y1 = v[0]! * Math.sin(a) + v[1]! * Math.cos(a);
  const z1 = v[2]!;
  return { x: x1, y: y1 * Math.sin(b) + z1 * Math.cos(b), depth: y1 * Math.cos(b) - z1 * Math.sin(b) };
}

/** The world vector at screen point (x, y) with the given depth (2-D: depth ignored). */
export function unproject(x: number, y: number, depth: number, d: 2 | 3, view: Orientation): number[] {
  if (d === 2) return [x, y];
  const a = rad(view.yaw), b = rad(view.pitch);
  const y1 = depth * Math.cos(b) + y * Math.sin(b);
  const z1 = -depth * Math.sin(b) + y * Math.cos(b);
  return [x * Math.cos(a) + y1 * Math.sin(a), -x * Math.sin(a) + y1 * Math.cos(a), z1];
}

export function clampPitch(p: number): number {
  return Math.max(-89, Math.min(89, p));
}
