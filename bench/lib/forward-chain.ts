/**
 * The bare reference: hop servers in a line, one child process each (so that it spreads over
 * the cores the way the ring's node processes do). A request entering at server i is
 * forwarded to the end of the line, so the entry picks the hop count: `entry(h)` is the
 * server h forwards before the last one, which answers. One chain of `servers` serves every
 * hop count from 0 to servers - 1, with the same processes and warmed-up connections.
 * The same servers side by side, none forwarding, are the ceiling (`startAnswerers`); placed on
 * a ring, forwarding each request only as far as a ring must, the ring-shaped ceiling
 * (`startRingShaped`, ring-server.ts).
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
export async function startForwardChain(servers: number): Promise<ForwardChain> {
  const { addresses, pids, stop } = await trackStarting(launch(servers, true));
  const entry = (forwards: number) => {
    if (!(forwards >= 0 && forwards < servers)) throw new RangeError(`a chain of ${servers} servers forwards 0 to ${servers - 1} times, not ${forwards}`);
    return addresses[servers - 1 - forwards];
  };
  return { entry, pids, stop };
}

export interface Answerers {
  /** Every server's address; each answers from its own memory. */
  addresses: string[];
  pids: number[];
  stop: () => Promise<void>;
}

/**
 * `servers` hop servers side by side, each the end of its own line: the store's API with no
 * forward, no framework and no replication in as many processes as a ring has. No store of
 * that many Node processes, serving the same requests on the same cores, does more.
 */
export function startAnswerers(servers: number): Promise<Answerers> {
  return trackStarting(launch(servers, false));
}

/**
 * `servers` ring servers (ring-server.ts) with `k` copies of each key, speaking `wire` to each
 * other: the fewest hops a ring of k copies in line takes with clients spread over its nodes,
 * and nothing else; with `koa`, its public API served by Koa.
 */
export function startRingShaped(servers: number, k: number, wire: 'http' | 'lines' | 'frames', koa = false): Promise<Answerers> {
  return trackStarting(launch(servers, false, { k, wire, koa }));
}

/**
 * Hop servers, first server first; `inLine`: each forwards to the one after it (the last
 * answers). With `ring`: ring servers instead, told every peer address once all listen.
 */
async function launch(servers: number, inLine: boolean, ring?: { k: number; wire: string; koa: boolean }): Promise<Answerers> {
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
    const [addresses, peerAddresses]: string[][] = [[], []];
    let next = '-';
    for (let i = 0; i < servers; i++) {
      const args = ring ? ['ring-server.ts', String(ring.k), ring.wire, ...(ring.koa ? ['koa'] : [])] : ['hop-server.ts', next];
      const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'bench', 'lib', args[0]), ...args.slice(1)], {
        cwd: REPO, stdio: [ring ? 'pipe' : 'ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      const [address, peerAddress] = await said(child, /^ready (\S+) ?(\S*)/);
      addresses.unshift(address);
      peerAddresses.unshift(peerAddress);
      if (inLine) next = address;
    }
    if (ring) {
      await Promise.all(children.map((child) => {
        const told = said(child, /^(peers)$/);
        child.stdin!.end(`${peerAddresses.join(' ')}\n`);
        return told;
      }));
    }
    return { addresses, pids: children.map((child) => child.pid ?? 0).reverse(), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The groups of the first line of the server's output that matches `pattern`. */
function said(child: ChildProcess, pattern: RegExp): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`a hop server did not say ${pattern} within 20 s`)), 20_000);
    child.once('exit', (code) => reject(new Error(`a hop server exited (code ${code}) before it said ${pattern}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = pattern.exec(line);
      if (!match) return;
      clearTimeout(timer);
      resolve(match.slice(1));
    });
  });
}
