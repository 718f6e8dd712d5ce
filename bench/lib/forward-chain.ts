/**
 * The efficiency reference: a chain of hop servers, one child process each, so that it
 * spreads over the cores the way the ring's node processes do.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { trackStarting } from './cleanup.js';
import { REPO } from './ring.js';

export interface ForwardChain {
  /** Where clients send requests: the first server. */
  entry: string;
  stop(): Promise<void>;
}

/**
 * Starts `servers` hop servers in a line; a PUT travels `putHops` forwards and a GET `getHops`
 * (both at most servers - 1) before a server answers.
 */
export function startForwardChain(servers: number, putHops: number, getHops: number): Promise<ForwardChain> {
  return trackStarting(launch(servers, putHops, getHops));
}

async function launch(servers: number, putHops: number, getHops: number): Promise<ForwardChain> {
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
    let next = '-';
    for (let i = 0; i < servers; i++) {
      const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'bench', 'lib', 'hop-server.ts'), next, String(putHops), String(getHops)], {
        cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      next = await ready(child);
    }
    return { entry: next, stop };
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
