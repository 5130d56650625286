/**
 * Which API and device a gpu.js kernel really runs on, in words, for doctor: gpu.js picks a
 * kernel class per mode and may fall back to a CPU-side one at build time, so the answer comes
 * from the built kernel, not from the mode that was asked for.
 */
interface BuiltKernel {
  constructor: { mode?: string };
  context?: GlContext | null;
}
interface GlContext {
  getExtension(name: string): { UNMASKED_RENDERER_WEBGL: number } | null;
  getParameter(p: number): unknown;
  RENDERER: number;
  VERSION: number;
}

/** `shortcut` is what gpu.createKernel returned, after at least one run. */
export function describeGpuJsKernel(shortcut: unknown): string {
  const kernel = (shortcut as { kernel?: BuiltKernel }).kernel;
  // gpu.js's kernel classes name their mode; every GL one (WebGL, WebGL2, headless-gl) says 'gpu'.
  const mode = kernel?.constructor.mode ?? 'unknown';
  if (mode === 'webgpu') return 'WebGPU';
  const gl = kernel?.context;
  if (mode !== 'gpu' || !gl) {
    const inNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
    return `the CPU (gpu.js ${mode} kernels${inNode ? '; no GPU API in Node' : ''})`;
  }
  // "WebGL 2.0 (OpenGL ES 3.0 Chromium)", "WebGL 1.0 ...".
  const api = /^WebGL 2/.test(String(gl.getParameter(gl.VERSION))) ? 'WebGL2' : 'WebGL';
  // The unmasked renderer names the driver (ANGLE on SwiftShader, a vendor's GPU); browsers
  // that hide it still give the masked one.
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
  return `${api}, ${String(renderer)}`;
}
