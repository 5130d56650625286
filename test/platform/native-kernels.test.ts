import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nativeAddonPath } from '../../src/platform/native-kernels.ts';
import { createWebHost } from '../../src/platform/web.ts';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const script = join(root, 'scripts/build-native.mjs');

describe('the native matmul addon as a platform capability', () => {
  it('the build script writes where the Node host looks', async () => {
    const { OUT } = (await import(script)) as { OUT: string };
    expect(OUT).toBe(join(root, nativeAddonPath(process.platform, process.arch)));
  });

  it('the web host has none (the wasm matmul runs in a page)', () => {
    expect(createWebHost().nativeKernels).toBeUndefined();
  });

  it('a build that cannot run says why in one line and exits 0 (an install never fails for it)', () => {
    // An absolute compiler path that does not exist: no compiler here, whatever the machine has.
    const r = spawnSync(process.execPath, [script, '--force', '--quiet'], { env: { ...process.env, CC: '/nonexistent/cc' }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^mtlkit: native matmul not built \((.+)\); the wasm matmul will be used$/);
    if (process.arch === 'x64') expect(lines[0]).toMatch(/no C compiler \(\/nonexistent\/cc\)|no Node headers/);
  });
});
