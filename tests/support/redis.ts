import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** The compiled CLI (`npm test` builds it first). */
export const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** A client for assertions (SCAN, CONFIG); closed by stop(). */
  readonly client: Redis;
  stop(): Promise<void>;
}

/**
 * A real redis-server on 127.0.0.1 (no persistence), started for a test and killed after it. A
 * machine without redis-server fails the test: `.ci/run` installs it (apt-get install -y redis-server).
 */
export async function startRedis(extra: readonly string[] = [], password?: string): Promise<RedisServer> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (e) => reject(new Error(`cannot start redis-server (${e.message}); install it: apt-get install -y redis-server`)));
    child.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}:\n${output}`)));
  });
  failed.catch(() => {});
  const url = password === undefined ? `redis://127.0.0.1:${port}` : `redis://:${password}@127.0.0.1:${port}`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => {});
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await Promise.race([client.connect().then(() => client.ping()), failed]);
      break;
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null || (error instanceof Error && error.message.startsWith('cannot start'))) {
        child.kill('SIGKILL');
        throw error;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    port,
    url,
    client,
    async stop() {
      client.disconnect();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Every key in the server (SCAN). */
export async function allKeys(client: Redis): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await client.scan(cursor, 'COUNT', 1000);
    keys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  return keys.sort();
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  /** What the worker wrote to stderr so far. */
  log(): string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
}

/** `fanfold worker` as a child process, with short lock and stall intervals so tests recover in seconds. */
export async function startWorker(url: string, extra: readonly string[] = []): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [CLI, 'worker', '--redis', url, '--workers', '1', '--lock-ms', '1500', '--stalled-ms', '500', '--poll-ms', '100', ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (b: Buffer) => {
      text += b.toString();
      if (text.includes('waiting for runs')) resolve();
    });
    void exited.then((code) => reject(new Error(`fanfold worker exited with ${code}:\n${text}`)));
  });
  return { child, log: () => text, exited };
}

/** Kills a worker (if alive) and waits for it. */
export async function stopWorker(w: WorkerProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
  if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill(signal);
  return w.exited;
}
