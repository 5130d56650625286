import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWebHost, host, HostCapabilityError, useHost, type Host } from '../../src/platform/index.ts';
import { decodeCheckpoint, encodeCheckpoint, loadCheckpoint, saveCheckpoint } from '../../src/nn/io.ts';
import { Adam } from '../../src/nn/optim/index.ts';
import { ParameterStore } from '../../src/nn/store.ts';
import { loadSchema, parseSchema } from '../../src/data/schema.ts';
import { getBackend, initBackend, setBackend, UnknownBackendError } from '../../src/tensor/backends/registry.ts';

let saved: Host | undefined;
/** Runs the rest of the test under `h`, restoring the Node host afterwards. */
function under(h: Host): void {
  saved ??= useHost(h);
}
afterEach(() => {
  if (saved) useHost(saved);
  saved = undefined;
  setBackend('js');
});

function tinyStore(): { store: ParameterStore; opt: Adam } {
  const store = new ParameterStore({ tasks: 2 });
  store.declare('w', [3, 4], { group: 'shared', init: 'xavier_uniform' });
  store.declare('b', [5, 1], { group: 1, init: 'he_normal' });
  store.allocate(3);
  store.values.forEach((_, i) => { store.values[i] = Math.sin(i + 1); });
  const opt = new Adam(store, { lr: 0.1 });
  store.grads.fill(0.5);
  opt.step();
  return { store, opt };
}

describe('hosts', () => {
  it('Node is chosen without any entry point, and importing src/index.ts installs the same capabilities', async () => {
    expect(host().name).toBe('node');
    expect(host().files).toBeDefined();
    const { nodeHost } = await import('../../src/index.ts');
    expect(host()).toBe(nodeHost);
    expect(getBackend().name).not.toBe('');
  });

  it('a capability the host lacks is a HostCapabilityError naming it, not a TypeError', () => {
    under(createWebHost());
    const { store } = tinyStore();
    expect(() => saveCheckpoint('/tmp/x.ckpt', store)).toThrow(HostCapabilityError);
    expect(() => saveCheckpoint('/tmp/x.ckpt', store)).toThrow(/web host has no files; keep checkpoints as bytes with encodeCheckpoint/);
    expect(() => loadSchema('schema.json')).toThrow(/cannot read the schema: the web host has no files/);
  });

  it('checkpoint bytes in memory are the file\'s bytes, and load back the same under a host without files', () => {
    const { store, opt } = tinyStore();
    const file = join(mkdtempSync(join(tmpdir(), 'mtlkit-host-')), 'a.ckpt');
    saveCheckpoint(file, store, opt, { note: 'x' });
    const bytes = encodeCheckpoint(store, opt, { note: 'x' });
    expect(Buffer.from(bytes).equals(readFileSync(file))).toBe(true);
    under(createWebHost());
    const again = tinyStore();
    again.store.values.fill(0);
    decodeCheckpoint(bytes, again.store, again.opt);
    expect(Array.from(again.store.values)).toEqual(Array.from(store.values));
    useHost(saved!);
    const fromFile = tinyStore();
    fromFile.store.values.fill(0);
    loadCheckpoint(file, fromFile.store, fromFile.opt);
    expect(Array.from(fromFile.store.values)).toEqual(Array.from(store.values));
  });

  it('schemas parse from text anywhere', () => {
    under(createWebHost());
    const s = parseSchema('{"categorical": ["u"], "labels": {"like": "like"}}', 'inline');
    expect(s.categorical).toEqual(['u']);
    expect(() => parseSchema('{', 'inline')).toThrow(/inline.*cannot read the schema/);
  });

  it('initBackend refuses unknown names and, on a web host without kernels, says how to give them', async () => {
    await expect(initBackend('wasmm')).rejects.toThrow(UnknownBackendError);
    // Fresh backend singletons: this process's wasm backend was made under the Node host.
    vi.resetModules();
    const fresh = await import('../../src/tensor/backends/registry.ts');
    under(createWebHost());
    await expect(fresh.initBackend('wasm')).rejects.toThrow(/kernels.*createWebHost/);
    expect(fresh.getBackend().name).toBe('js');
  });
});
