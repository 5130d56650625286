/**
 * Redis connection plumbing shared by the distributed sweep and `mtlkit worker`: URL parsing, a
 * fail-fast reachability check with a one-line error naming the URL and the fix, and a watchdog
 * that turns a connection lost for too long into the same kind of error (BullMQ itself would keep
 * retrying silently forever).
 */
import { Redis, type RedisOptions } from 'ioredis';

export class QueueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueueError';
  }
}

/** The URL with its password masked, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/** `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS) into ioredis options. */
export function parseRedisUrl(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new QueueError(`--queue ${url}: not a URL; expected redis://host:port, e.g. redis://127.0.0.1:6379`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new QueueError(`--queue ${redactUrl(url)}: expected a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379`);
  }
  if (!u.hostname) throw new QueueError(`--queue ${redactUrl(url)}: no host; expected redis://host:port`);
  const opts: RedisOptions = {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 6379,
    // BullMQ requires this on the connections it blocks on.
    maxRetriesPerRequest: null,
  };
  if (u.username) opts.username = decodeURIComponent(u.username);
  if (u.password) opts.password = decodeURIComponent(u.password);
  const db = u.pathname.replace(/^\//, '');
  if (db) {
    if (!/^\d+$/.test(db)) throw new QueueError(`--queue ${redactUrl(url)}: the path must be a database number, e.g. redis://host:6379/0`);
    opts.db = Number(db);
  }
  if (u.protocol === 'rediss:') opts.tls = {};
  return opts;
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException | undefined;
  return e?.code ?? e?.message ?? String(err);
}

/** Resolves once a PING succeeds; rejects with a one-line QueueError within about `timeoutMs`. */
export async function checkRedis(url: string, timeoutMs = 5000): Promise<void> {
  const opts = parseRedisUrl(url);
  let lastErr: unknown;
  const client = new Redis({
    ...opts,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', (err) => {
    lastErr = err;
  });
  try {
    await withTimeout(
      (async () => {
        await client.connect();
        await client.ping();
      })(),
      timeoutMs,
    );
  } catch (err) {
    throw new QueueError(
      `cannot reach Redis at ${redactUrl(url)} (${describe(lastErr ?? err)}): start one there (e.g. \`redis-server --port ${opts.port}\`) or pass --queue with the right host:port`,
    );
  } finally {
    client.disconnect();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error('ETIMEDOUT')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Pings every `intervalMs`; when no ping has succeeded for `lossMs`, calls `onLost` once with a
 * one-line error. Reconnection in between is silent: a short blip costs nothing.
 */
export class ConnectionWatch {
  private readonly client: Redis;
  private readonly timer: NodeJS.Timeout;
  private lastOk = Date.now();
  private lastErr: unknown;
  private fired = false;

  constructor(private readonly url: string, lossMs: number, onLost: (err: QueueError) => void, intervalMs = 1000) {
    this.client = new Redis({
      ...parseRedisUrl(url),
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => Math.min(intervalMs, 1000),
    });
    this.client.on('error', (err) => {
      this.lastErr = err;
    });
    this.timer = setInterval(() => {
      withTimeout(this.client.ping(), intervalMs)
        .then(() => {
          this.lastOk = Date.now();
        })
        .catch((err) => {
          this.lastErr ??= err;
          if (!this.fired && Date.now() - this.lastOk > lossMs) {
            this.fired = true;
            onLost(
              new QueueError(
                `lost the connection to Redis at ${redactUrl(this.url)} for ${Math.round(lossMs / 1000)} s (${describe(this.lastErr)}): check that redis-server is up and reachable, then run the same command again (finished trials are kept)`,
              ),
            );
          }
        });
    }, intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.client.disconnect();
  }
}
