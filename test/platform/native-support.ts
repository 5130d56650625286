import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/**
 * Why this machine cannot build and run the native addon (native/), or '' when it can: x86-64
 * Linux, a CPU with AVX2 and FMA, a C compiler. Tests of native code skip with this reason
 * elsewhere, and fail rather than skip where it is ''.
 */
export function whyNoNative(): string {
  if (process.arch !== 'x64') return `the CPU is ${process.arch}, not x86-64`;
  if (process.platform !== 'linux') return `${process.platform}: only Linux is set up to build it`;
  const cpu = cpuFlags();
  if (!/\bavx2\b/.test(cpu) || !/\bfma\b/.test(cpu)) return 'this CPU lacks AVX2 or FMA';
  if (spawnSync(process.env.CC || 'cc', ['--version'], { stdio: 'ignore' }).status !== 0) return 'no C compiler (cc)';
  return '';
}

/** Why the native matmul's 6x32 AVX-512 tile cannot run here, or '' when it can. */
export function whyNoWideTile(): string {
  return whyNoNative() || (/\bavx512f\b/.test(cpuFlags()) ? '' : 'this CPU lacks AVX-512F');
}

function cpuFlags(): string {
  return existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
}
