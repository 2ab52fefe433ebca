import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
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
export async function startRedis(extra: readonly string[] = [], password?: string, tls?: { readonly dir: string }): Promise<RedisServer> {
  const port = await freePort();
  const listen = tls
    ? [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        join(tls.dir, 'server.pem'),
        '--tls-key-file',
        join(tls.dir, 'server.key'),
        '--tls-ca-cert-file',
        join(tls.dir, 'ca.pem'),
        '--tls-auth-clients',
        'no',
      ]
    : ['--port', String(port)];
  const child = spawn('redis-server', [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (e) => reject(new Error(`cannot start redis-server (${e.message}); install it: apt-get install -y redis-server`)));
    child.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}:\n${output}`)));
  });
  failed.catch(() => {});
  const scheme = tls ? 'rediss' : 'redis';
  const url = password === undefined ? `${scheme}://127.0.0.1:${port}` : `${scheme}://:${password}@127.0.0.1:${port}`;
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    ...(tls ? { tls: { ca: readFileSync(join(tls.dir, 'ca.pem')) } } : {}),
  });
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
export async function startWorker(url: string, extra: readonly string[] = [], env?: NodeJS.ProcessEnv): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    [CLI, 'worker', '--redis', url, '--workers', '1', '--lock-ms', '1500', '--stalled-ms', '500', '--poll-ms', '100', ...extra],
    { stdio: ['ignore', 'ignore', 'pipe'], env: env ?? process.env },
  );
  let text = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (b: Buffer) => {
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

/**
 * A test CA and a certificate for 127.0.0.1 signed by it, made with the openssl command line
 * (Debian's openssl package) into `dir`: ca.pem, server.pem, server.key.
 */
export function makeCertificates(dir: string): void {
  const openssl = (...args: string[]): void => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.error) throw new Error(`cannot run openssl (${r.error.message}); install it: apt-get install -y openssl`);
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed:\n${r.stderr}`);
  };
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=fanfold test CA');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'san.cnf',
  );
}
