import * as childProcess from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as url from 'node:url';
import * as v8 from 'node:v8';
import * as workerThreads from 'node:worker_threads';
import * as zlib from 'node:zlib';
import { useHost } from './host.ts';
import { createNodeHost, type NodeModules } from './node.ts';

/**
 * The Node entry's choice of host, made on import. Static imports work on every Node 20
 * (`process.getBuiltinModule`, which the automatic choice uses, arrived in 20.16).
 */
const modules: NodeModules = {
  'node:child_process': childProcess, 'node:crypto': crypto, 'node:fs': fs, 'node:module': module, 'node:os': os,
  'node:path': path, 'node:url': url, 'node:v8': v8, 'node:worker_threads': workerThreads, 'node:zlib': zlib,
};

export const nodeHost = createNodeHost((name) => modules[name]);
useHost(nodeHost);
