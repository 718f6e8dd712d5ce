/**
 * A throw-away etcd cluster on this machine for the bench's comparison rows: 3 members on
 * 127.0.0.1, ports picked free at start, data in a temporary directory that stop() removes
 * with the processes. Found on PATH (or at the path the caller names); absent, the bench
 * skips those rows and prints ETCD_MISSING.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createTransport } from '../../common/transport.js';
import { trackStarting } from './cleanup.js';

/** What the bench prints instead of the etcd rows when no etcd binary is found. */
export const ETCD_MISSING = 'etcd rows skipped: no `etcd` binary on PATH. Install one to compare '
  + '(Debian/Ubuntu: `apt-get install -y etcd-server`, etcd 3.4), or set ETCD_BIN=/path/to/etcd.';

/** The etcd executable: `explicit` when given, else the first `etcd` on `path`; undefined when there is none. */
export function findEtcd(explicit: string | undefined, path: string | undefined): string | undefined {
  const candidates = explicit ? [explicit] : (path ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'etcd'));
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export interface EtcdCluster {
  /** The members' client addresses (host:port), where the gateway listens. */
  endpoints: string[];
  pids: number[];
  /** Where the members keep their data (their WAL is fsync'd, on this file system). */
  dataDir: string;
  stop(): Promise<void>;
}

/** Starts `members` etcd members as one cluster and waits until every one reports healthy. */
export function startEtcdCluster(binary: string, members = 3): Promise<EtcdCluster> {
  return trackStarting(launch(binary, members));
}

/** `count` distinct free ports: all held open at once, so that none is handed out twice, then released. */
async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => net.createServer());
  try {
    return await Promise.all(servers.map(async (server) => {
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      return (server.address() as net.AddressInfo).port;
    }));
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

async function launch(binary: string, members: number): Promise<EtcdCluster> {
  const dataDir = await mkdtemp(join(tmpdir(), 'chordkv-bench-etcd-'));
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map(stopChild));
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const ports = await freePorts(2 * members);
    const names = Array.from({ length: members }, (_, i) => `m${i}`);
    const client = (i: number) => `http://127.0.0.1:${ports[i]}`;
    const peer = (i: number) => `http://127.0.0.1:${ports[members + i]}`;
    const cluster = names.map((name, i) => `${name}=${peer(i)}`).join(',');
    const exits: Promise<never>[] = [];
    for (const [i, name] of names.entries()) {
      const child = spawn(binary, [
        '--name', name, '--data-dir', join(dataDir, name),
        '--listen-client-urls', client(i), '--advertise-client-urls', client(i),
        '--listen-peer-urls', peer(i), '--initial-advertise-peer-urls', peer(i),
        '--initial-cluster', cluster, '--initial-cluster-token', 'chordkv-bench', '--initial-cluster-state', 'new',
        '--logger', 'zap', '--log-outputs', 'stderr', '--log-level', 'error',
      ], { stdio: ['ignore', 'ignore', 'pipe'] });
      children.push(child);
      exits.push(failOnExit(child, name));
    }
    const endpoints = ports.slice(0, members).map((port) => `127.0.0.1:${port}`);
    await Promise.race([waitHealthy(endpoints, 30_000), ...exits]);
    return { endpoints, pids: children.map((child) => child.pid ?? 0), dataDir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Rejects with the member's last error lines if it exits before the cluster is up; keeps draining stderr. */
function failOnExit(child: ChildProcess, name: string): Promise<never> {
  let tail = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { tail = (tail + chunk).slice(-2000); });
  return new Promise((_, reject) => {
    child.once('error', (err) => reject(new Error(`etcd member ${name} could not start: ${err.message}`)));
    child.once('exit', (code) => reject(new Error(`etcd member ${name} exited (code ${code}) before the cluster was up:\n${tail}`)));
  });
}

/** Polls every member's /health until it says "true"; throws after `timeoutMs`. */
async function waitHealthy(endpoints: string[], timeoutMs: number): Promise<void> {
  const transport = createTransport({ timeoutMs: 2000 });
  const deadline = Date.now() + timeoutMs;
  try {
    for (const endpoint of endpoints) {
      for (;;) {
        const health = await transport.call<{ health?: string }>(endpoint, 'GET', '/health').catch(() => undefined);
        if (health?.health === 'true') break;
        if (Date.now() > deadline) throw new Error(`etcd member ${endpoint} was not healthy within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    transport.close();
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
