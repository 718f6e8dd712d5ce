/**
 * The torture run's ring: real chordkv processes, each with its own data dir (and, with
 * namespaces, its own address), that the nemesis kills and restarts with the same data,
 * pauses, isolates, joins and departs. Every process it starts it also stops.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitReady } from '../bootstrap/launcher.js';
import type { Consistency } from '../common/wire.js';
import type { Network } from './net.js';

const BIN = fileURLToPath(new URL('../bin/chordkv.js', import.meta.url));
/** Inside a namespace a member has the port space to itself. */
const NAMESPACE_PORT = 7000;

export type MemberState = 'up' | 'killed' | 'paused' | 'departed';

export interface Member {
  readonly slot: number;
  readonly address: string;
  readonly dataDir: string;
  state: MemberState;
  /** Cut off by a partition (its own link down, or its side of a split). */
  isolated: boolean;
  child?: ChildProcess;
  /** The arguments after the executable, minus the contact, which is picked afresh at each start. */
  readonly args: string[];
  readonly bootstrap: boolean;
}

/** What the nemesis and the run need of a ring, whatever its nodes are (processes here, or MemoryRing). */
export interface Ring {
  readonly members: Member[];
  /** Members that belong to the ring (not departed), whatever their health. */
  readonly joined: Member[];
  /** Members that are up, not paused and reachable. */
  readonly healthy: Member[];
  startAll(): Promise<void>;
  /** A fresh member: the bootstrap node first, later ones join through a healthy member. */
  add(): Promise<Member>;
  /** (Re)starts a member with its data dir, joining through any healthy member. */
  start(member: Member): Promise<void>;
  /** Stops a member with no goodbye: nothing flushed beyond what its store already wrote. */
  kill(member: Member): Promise<void>;
  pause(member: Member): void;
  resume(member: Member): void;
  /** Graceful depart through the public API. */
  depart(member: Member, request: (address: string) => Promise<unknown>): Promise<void>;
  /** Stops every node it started. */
  stop(): Promise<void>;
}

/** The member list every ring keeps, and starting the first `nodes` one by one. */
export abstract class RingBase implements Ring {
  readonly members: Member[] = [];

  constructor(private readonly size: number) {}

  get joined(): Member[] {
    return this.members.filter((m) => m.state !== 'departed');
  }

  get healthy(): Member[] {
    return this.members.filter((m) => m.state === 'up' && !m.isolated);
  }

  async startAll(): Promise<void> {
    for (let i = 0; i < this.size; i++) await this.add();
  }

  abstract add(): Promise<Member>;
  abstract start(member: Member): Promise<void>;
  abstract kill(member: Member): Promise<void>;
  abstract pause(member: Member): void;
  abstract resume(member: Member): void;
  abstract depart(member: Member, request: (address: string) => Promise<unknown>): Promise<void>;
  abstract stop(): Promise<void>;
}

/**
 * Stops the ring and tears the network down when the run ends, or when it is interrupted
 * (SIGINT, SIGTERM: the signal is raised again once everything stopped). Call the function
 * returned where the run ends.
 */
export function stopOnInterrupt(ring: Ring, network: Network): () => Promise<void> {
  const interrupted = (signal: NodeJS.Signals) => {
    void ring.stop().finally(() => {
      network.teardown();
      process.kill(process.pid, signal);
    });
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  return async () => {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    await ring.stop();
    network.teardown();
  };
}

export interface RingOptions {
  readonly nodes: number;
  readonly k: number;
  readonly mode: Consistency;
  readonly dir: string;
  readonly network: Network;
  /** Node-to-node call deadline: the failure detector's timeout. */
  readonly requestTimeoutMs: number;
  /** The nodes' log level; warn when absent. */
  readonly logLevel?: string;
}

export class TortureRing extends RingBase {
  private readonly logs = new Map<number, WriteStream>();

  constructor(private readonly options: RingOptions) {
    super(options.nodes);
  }

  /** A fresh member: the bootstrap node first, later ones join through a healthy member. */
  async add(): Promise<Member> {
    const slot = this.members.length;
    const placement = this.options.network.place(slot);
    const port = placement.prefix.length > 0 ? NAMESPACE_PORT : await freePort();
    const dataDir = join(this.options.dir, `node-${slot}`);
    const bootstrap = slot === 0;
    const args = [
      ...(bootstrap ? ['bootstrap', '-k', String(this.options.k), '--consistency', this.options.mode] : ['node']),
      '--host', placement.host, '--port', String(port), '--data-dir', dataDir,
      '--request-timeout-ms', String(this.options.requestTimeoutMs), '--log-level', this.options.logLevel ?? 'warn',
    ];
    const member: Member = { slot, address: `${placement.host}:${port}`, dataDir, state: 'killed', isolated: false, args, bootstrap };
    this.members.push(member);
    await this.start(member);
    return member;
  }

  /** (Re)starts a member's process with its data dir, joining through any healthy member. */
  async start(member: Member): Promise<void> {
    const { prefix } = this.options.network.place(member.slot);
    const contact = this.healthy.find((m) => m !== member);
    const args = [BIN, ...member.args];
    // A restarted bootstrap node finds the ring through the peers it remembers.
    if (!member.bootstrap && contact) args.push('--bootstrap', contact.address);
    const [command, ...rest] = prefix.length > 0 ? [...prefix, process.execPath, ...args] : [process.execPath, ...args];
    const child = spawn(command, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr.pipe(this.log(member), { end: false });
    member.child = child;
    try {
      const address = await waitReady(child, 30_000);
      if (address !== member.address) throw new Error(`a node meant to be ${member.address} came up as ${address}`);
    } catch (err) {
      child.kill('SIGKILL'); // a node that did not come up right must not stay running
      throw err;
    }
    member.state = 'up';
  }

  /** kill -9: nothing flushed beyond what the store already wrote. */
  async kill(member: Member): Promise<void> {
    const child = member.child;
    member.state = 'killed';
    if (!child) return;
    if (child.signalCode === null && child.exitCode === null) child.kill('SIGKILL');
    await exited(child);
  }

  pause(member: Member): void {
    member.child?.kill('SIGSTOP');
    member.state = 'paused';
  }

  resume(member: Member): void {
    member.child?.kill('SIGCONT');
    member.state = 'up';
  }

  /** Graceful depart through the public API; the process exits once it has handed everything on. */
  async depart(member: Member, request: (address: string) => Promise<unknown>): Promise<void> {
    await request(member.address);
    member.state = 'departed';
    if (member.child) await exited(member.child, 30_000);
  }

  /** Stops every process (SIGCONT first, so a paused one can die) and closes the logs. */
  async stop(): Promise<void> {
    await Promise.all(this.members.map(async (member) => {
      const child = member.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited(child);
    }));
    for (const log of this.logs.values()) log.end();
  }

  private log(member: Member): WriteStream {
    let log = this.logs.get(member.slot);
    if (!log) {
      log = createWriteStream(join(this.options.dir, `node-${member.slot}.log`), { flags: 'a' });
      this.logs.set(member.slot, log);
    }
    return log;
  }
}

function exited(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** A port that was free a moment ago; loopback members keep it across restarts. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
