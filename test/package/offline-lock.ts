/**
 * A lockfile for a fresh project that depends on the packed tarball, built from this repo's
 * package-lock.json: the tarball's dependencies get exactly the versions (and integrity) the
 * repo installed, so `npm ci --offline` takes every one from the local npm cache that the
 * repo's own `npm ci` filled, and the test downloads nothing. The repo's dependencies sit at
 * the top of its node_modules, which is where they go in the consumer's too.
 */
interface LockEntry {
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  link?: boolean;
  [key: string]: unknown;
}

interface PackageJson {
  version: string;
  dependencies?: Record<string, string>;
  bin?: Record<string, string>;
  engines?: Record<string, string>;
}

export function consumerLock(repoLock: { packages: Record<string, LockEntry> }, pkg: PackageJson, tarball: string, integrity: string): object {
  const spec = `file:${tarball}`;
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', version: '1.0.0', dependencies: { mtlkit: spec } },
    'node_modules/mtlkit': { version: pkg.version, resolved: spec, integrity, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines },
  };
  for (const [path, entry] of Object.entries(repoLock.packages)) {
    // The repo itself, its dev tools and its workspace links are no part of an install of the package.
    if (!path || entry.dev || entry.link) continue;
    const { devOptional, ...rest } = entry;
    // Needed by the dev tools and by an optional dependency: for a consumer, only the latter.
    packages[path] = devOptional ? { ...rest, optional: true } : rest;
  }
  return { name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}
