import { S3Client } from '@aws-sdk/client-s3';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * The local AWS emulator for integration tests: a moto server on a free loopback port, started
 * by the test harness and stopped afterwards. Python comes from SLUICE_PYTHON (set by `make test`),
 * else the repository's .venv, else python3.
 */
export interface MotoServer {
  /** e.g. http://127.0.0.1:53127 */
  readonly endpoint: string;
  /** Forgets every resource, so each test starts from an empty account. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const REPO = join(__dirname, '..', '..');

function python(): string {
  if (process.env.SLUICE_PYTHON) return process.env.SLUICE_PYTHON;
  const venv = join(REPO, '.venv', 'bin', 'python');
  return existsSync(venv) ? venv : 'python3';
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** Starts moto and waits until it answers; fails with what to install when moto is missing. */
export async function startMoto(): Promise<MotoServer> {
  const py = python();
  const probe = spawnSync(py, ['-c', 'import moto.server'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(
      `moto server is not available to ${py} (${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()}); ` +
        'run `make test` (it installs requirements.txt into .venv), or `python3 -m venv .venv && .venv/bin/pip install -r requirements.txt`, or set SLUICE_PYTHON to a Python with moto[server]',
    );
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(py, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto server exited with code ${child.exitCode} before it was ready: ${stderr.trim()}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto server did not answer on ${endpoint} within 30 s: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    async reset() {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`moto reset failed: HTTP ${res.status}`);
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * SDK client settings for a moto endpoint: fixed test credentials, path-style S3, and an HTTP/1.1
 * request handler. The Kinesis client defaults to HTTP/2, which moto does not speak, so every
 * client gets the S3 client's default HTTP/1.1 handler instead.
 */
export function motoClientConfig(endpoint: string) {
  const base = { endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, forcePathStyle: true };
  return { ...base, requestHandler: new S3Client(base).config.requestHandler };
}

/** Registers mocha hooks that start moto before the suite and stop it after. */
export function useMoto(): () => MotoServer {
  let server: MotoServer | undefined;
  before(async function () {
    this.timeout(60000);
    server = await startMoto();
  });
  after(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error('moto server is not running (useMoto hooks did not run)');
    return server;
  };
}
