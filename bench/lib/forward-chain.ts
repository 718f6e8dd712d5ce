/**
 * The bare reference: hop servers in a line, one child process each (so that it spreads over
 * the cores the way the ring's node processes do). A request entering at server i is
 * forwarded to the end of the line, so the entry picks the hop count: `entry(h)` is the
 * server h forwards before the last one, which answers. One chain of `servers` serves every
 * hop count from 0 to servers - 1, with the same processes and warmed-up connections.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { trackStarting } from './cleanup.js';
import { REPO } from './ring.js';

export interface ForwardChain {
  /** Where a request must enter to be forwarded `forwards` times before it is answered. */
  entry(forwards: number): string;
  /** The servers' process ids, first server first. */
  pids: number[];
  stop(): Promise<void>;
}

/** Starts `servers` hop servers in a line. */
export function startForwardChain(servers: number): Promise<ForwardChain> {
  return trackStarting(launch(servers));
}

async function launch(servers: number): Promise<ForwardChain> {
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }));
  };
  try {
    // Started from the last server back, so each one can be told where its next hop listens.
    const addresses: string[] = [];
    let next = '-';
    for (let i = 0; i < servers; i++) {
      const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'bench', 'lib', 'hop-server.ts'), next], {
        cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      next = await ready(child);
      addresses.unshift(next);
    }
    const entry = (forwards: number) => {
      if (!(forwards >= 0 && forwards < servers)) throw new RangeError(`a chain of ${servers} servers forwards 0 to ${servers - 1} times, not ${forwards}`);
      return addresses[servers - 1 - forwards];
    };
    return { entry, pids: children.map((child) => child.pid ?? 0).reverse(), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function ready(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('a hop server did not report ready within 20 s')), 20_000);
    child.once('exit', (code) => reject(new Error(`a hop server exited (code ${code}) before it was ready`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^ready (\S+)/.exec(line);
      if (!match) return;
      clearTimeout(timer);
      resolve(match[1]);
    });
  });
}
