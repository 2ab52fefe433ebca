import { Redis, type RedisOptions } from 'ioredis';
import { UserError } from '../../errors.js';
import { redactedUrl } from '../../common/redis-url.js';

/** How long the pre-flight check waits for Redis to answer before calling it unreachable. */
export const CONNECT_TIMEOUT_MS = 5_000;

/**
 * A connection for BullMQ: it must retry commands forever (a Redis restart pauses the run, it does
 * not fail it). rediss:// URLs get TLS from ioredis.
 */
export function bullConnection(url: string, name: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, connectionName: name });
}

/**
 * Watches connections that retry forever (a Redis restart pauses a run) and calls `lost` once when
 * one of them has not been ready for `limitMs`: a Redis that stays away ends the run with an error
 * instead of a hang.
 */
export class Reachability {
  private downSince: number | null = null;
  private readonly timer: NodeJS.Timeout;
  private told = false;

  constructor(
    private readonly connections: readonly Redis[],
    private readonly limitMs: number,
    private readonly lost: (downMs: number) => void,
  ) {
    this.timer = setInterval(() => this.check(), Math.min(1000, Math.max(50, limitMs / 4)));
    this.timer.unref();
  }

  private check(): void {
    const ready = this.connections.every((c) => c.status === 'ready');
    if (ready) {
      this.downSince = null;
      return;
    }
    const now = Date.now();
    this.downSince ??= now;
    if (!this.told && now - this.downSince >= this.limitMs) {
      this.told = true;
      this.lost(now - this.downSince);
    }
  }

  dispose(): void {
    clearInterval(this.timer);
  }
}

/** A connection for a one-shot command (`fanfold queues`): a few retries, then the command fails. */
export function commandConnection(url: string, name: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: 2,
    connectTimeout: CONNECT_TIMEOUT_MS,
    connectionName: name,
    retryStrategy: (times) => (times > 3 ? null : 200),
  });
}

/**
 * Checks, once and without retrying, that Redis at `url` can carry a run: it answers, accepts the
 * credentials, and never evicts keys (an evicted job or market data key would lose work silently).
 * Throws a UserError that says which; a server that hides CONFIG is reported through `log`.
 */
export async function checkRedis(url: string, log: (line: string) => void): Promise<void> {
  const where = redactedUrl(url);
  const options: RedisOptions = {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  };
  let client: Redis;
  try {
    client = new Redis(url, options);
  } catch (error) {
    throw new UserError(`redis: cannot use ${where}: ${messageOf(error)}`);
  }
  // connect() rejects with a bare 'Connection is closed'; the cause (refused, timed out, WRONGPASS)
  // arrives as an error event.
  let cause: unknown = null;
  client.on('error', (e) => (cause ??= e));
  try {
    try {
      await client.connect();
      await client.ping();
    } catch (error) {
      throw explain(cause ?? error, where);
    }
    let policy: string | null = null;
    try {
      const reply = (await client.config('GET', 'maxmemory-policy')) as string[];
      policy = reply[1] ?? null;
    } catch (error) {
      log(`redis: cannot read maxmemory-policy at ${where} (${messageOf(error)}); make sure it is noeviction, or evicted jobs will be lost`);
    }
    if (policy !== null && policy !== 'noeviction') {
      throw new UserError(
        `redis: ${where} has maxmemory-policy '${policy}', which may evict queued jobs and market data; set it to noeviction (redis-cli CONFIG SET maxmemory-policy noeviction, or maxmemory-policy noeviction in redis.conf)`,
      );
    }
  } finally {
    client.disconnect();
  }
}

function explain(error: unknown, where: string): UserError {
  const message = messageOf(error);
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(message)) {
    return new UserError(`redis: ${where} refused the credentials (${message}); give the user and password in the URL: redis://user:password@host:port`);
  }
  if (/NOPERM/.test(message)) return new UserError(`redis: the ACL user of ${where} lacks a permission fanfold needs (${message})`);
  const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  if (typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) {
    return new UserError(
      `redis: ${where} presented a TLS certificate this machine does not trust (${message}); give Node its CA: NODE_EXTRA_CA_CERTS=/path/to/ca.pem fanfold …`,
    );
  }
  const tls = where.startsWith('rediss:') ? ' rediss:// speaks TLS: does the server (or its proxy) accept TLS connections?' : '';
  return new UserError(`redis: cannot reach ${where} (${message || 'connection closed'}); is redis-server running and reachable from here?${tls}`);
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(messageOf).join('; ');
  return error instanceof Error ? error.message : String(error);
}
