import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { watchParent } from '../../src/cli/parent-watch.ts';

const watchModule = fileURLToPath(new URL('../../src/cli/parent-watch.ts', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('a trial stops when the sweep worker that started it dies', () => {
  it('SIGKILL of the parent ends a child whose main thread is busy (synchronous training)', async () => {
    // The child: the watchdog, then 30 s of synchronous work (no event loop turn at all).
    const child = `import(${JSON.stringify(watchModule)}).then((m) => { m.watchParent(process.env, 50); const end = Date.now() + 30000; while (Date.now() < end) {} })`;
    // The parent: starts the child as the runner does (detached, its pid in MTLKIT_PARENT_PID), prints its pid, waits.
    const parent = `
      const { spawn } = require('node:child_process');
      const c = spawn(process.execPath, ['--import', 'tsx', '-e', ${JSON.stringify(child)}], { detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, MTLKIT_PARENT_PID: String(process.pid) } });
      c.stderr.pipe(process.stderr);
      console.log(c.pid);
      setInterval(() => {}, 1000);`;
    const p = spawn(process.execPath, ['-e', parent], { stdio: ['ignore', 'pipe', 'pipe'] });
    const childPid = await new Promise<number>((resolve) => p.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
    expect(childPid).toBeGreaterThan(1);
    await new Promise((r) => setTimeout(r, 1500)); // let the child load and start its loop
    expect(alive(childPid)).toBe(true);
    p.kill('SIGKILL');
    const t0 = Date.now();
    while (alive(childPid) && Date.now() - t0 < 10000) await new Promise((r) => setTimeout(r, 100));
    const survived = alive(childPid);
    if (survived) process.kill(childPid, 'SIGKILL');
    expect(survived).toBe(false);
  }, 30000);

  it('does nothing without MTLKIT_PARENT_PID, and says so for a malformed one', () => {
    expect(watchParent({})).toBeNull();
    expect(watchParent({ MTLKIT_PARENT_PID: 'abc' })).toBeNull();
  });
});
