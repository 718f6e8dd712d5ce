/**
 * `chordkv up`: a whole local ring as child processes (a bootstrap node, then nodes that
 * join it one at a time). Every child it started is stopped when it is told to stop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ringArgs, type RingFlags } from './ring-args.js';
import { READY_PATTERN } from '../node/main.js';

export interface LaunchOptions extends RingFlags {
  /** The chordkv executable (a .js file run with this Node). */
  executable: string;
  nodes: number;
  host: string;
  /** Port of the bootstrap node; node i gets basePort + i. 0: every node picks a free port. */
  basePort: number;
  logLevel: string;
  secret?: string;
  /** When set, node i keeps its data on disk in `<dataRoot>/node-<i>` (else nodes on port 0 keep memory). */
  dataRoot?: string;
  /** How long one node may take to report ready. */
  readyTimeoutMs?: number;
  /** More flags for every node (e.g. --no-metrics). */
  nodeArgs?: readonly string[];
}

export interface LocalRing {
  readonly addresses: string[];
  /** The node processes' ids, in the order of `addresses` (benchmarks read their CPU time from /proc). */
  readonly pids: number[];
  /** Resolves when every child has exited. */
  readonly exited: Promise<void>;
  /** Stops every child (SIGTERM, then SIGKILL after a grace period) and waits for them. */
  stop: () => Promise<void>;
}

export async function launchRing(options: LaunchOptions): Promise<LocalRing> {
  const children: ChildProcess[] = [];
  const addresses: string[] = [];
  const stop = async () => {
    await Promise.all(children.map((child) => stopChild(child)));
  };
  try {
    for (let i = 0; i < options.nodes; i++) {
      const port = options.basePort === 0 ? 0 : options.basePort + i;
      const args = i === 0
        ? ['bootstrap', ...ringArgs(options)]
        : ['node', '--bootstrap', addresses[0]];
      args.push('--host', options.host, '--port', String(port), '--log-level', options.logLevel);
      if (options.secret) args.push('--secret', options.secret);
      if (options.dataRoot) args.push('--data-dir', join(options.dataRoot, `node-${i}`));
      args.push(...(options.nodeArgs ?? []));
      const child = spawn(process.execPath, [options.executable, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      addresses.push(await waitReady(child, options.readyTimeoutMs ?? 30_000));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const exited = Promise.all(children.map((child) => exitOf(child))).then(() => undefined);
  return { addresses, pids: children.map((child) => child.pid ?? 0), exited, stop };
}

/** Resolves with the address a starting node reports on its readiness line; rejects if it exits or stays silent. */
export function waitReady(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => fail(new Error(`a node did not report ready within ${timeoutMs} ms`)), timeoutMs);
    const onExit = (code: number | null) => fail(new Error(`a node exited (code ${code}) before it was ready; see its error above`));
    function fail(err: Error) {
      clearTimeout(timer);
      child.off('exit', onExit);
      lines.close();
      reject(err);
    }
    child.once('exit', onExit);
    lines.on('line', (line) => {
      const match = READY_PATTERN.exec(line);
      if (!match) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      // Keep draining stdout so the child never blocks on a full pipe.
      resolve(match[1]);
    });
  });
}

function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  const exited = exitOf(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
