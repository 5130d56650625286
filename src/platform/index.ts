export {
  host, useHost, HostCapabilityError,
  type Host, type HostCache, type HostFile, type HostFiles, type HostWorker, type WorkerRole,
} from './host.ts';
export { createWebHost, type WebHostOptions } from './web.ts';
export {
  NativeKernelsUnavailableError, nativeAddonPath,
  type NativeKernels, type NativeKernelsInfo, type SgemmArgs,
} from './native-kernels.ts';
