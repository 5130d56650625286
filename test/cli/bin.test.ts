import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'mtlkit.js');
const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };

describe('bin/mtlkit.js', () => {
  it('finds tsx from its own package, run from another folder and through a link (npm link, a global install)', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'mtlkit-bin-'));
    const link = join(elsewhere, 'mtlkit');
    symlinkSync(bin, link);
    for (const entry of [bin, link]) {
      const r = spawnSync(process.execPath, [entry, '--version'], { cwd: elsewhere, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect([r.status, r.stdout.trim()]).toEqual([0, pkg.version]);
    }
  });

  it('without tsx installed next to it: one clear line and exit 1, no stack trace', () => {
    const bare = mkdtempSync(join(tmpdir(), 'mtlkit-bare-'));
    mkdirSync(join(bare, 'bin'));
    copyFileSync(bin, join(bare, 'bin', 'mtlkit.js'));
    const r = spawnSync(process.execPath, [join(bare, 'bin', 'mtlkit.js'), '--version'], { cwd: bare, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([`mtlkit: found neither the built CLI ${join(bare, 'dist/cli/main.js')} nor the package "tsx" (from ${bare}) to run the sources: run \`npm install\` in ${bare}, or reinstall mtlkit`]);
  });

  it('runs the built CLI (dist/cli/main.js) with plain node when there is one, arguments and exit code passed through', () => {
    const built = mkdtempSync(join(tmpdir(), 'mtlkit-built-'));
    mkdirSync(join(built, 'bin'));
    mkdirSync(join(built, 'dist/cli'), { recursive: true });
    copyFileSync(bin, join(built, 'bin', 'mtlkit.js'));
    writeFileSync(join(built, 'dist/cli/main.js'), "process.stdout.write(JSON.stringify(process.argv.slice(2))); process.exitCode = 3;\n");
    const r = spawnSync(process.execPath, [join(built, 'bin', 'mtlkit.js'), 'balance', '--json'], { cwd: built, encoding: 'utf8' });
    expect([r.status, r.stdout, r.stderr]).toEqual([3, '["balance","--json"]', '']);
  });
});
