/**
 * Rings of real node processes that keep their data on disk, for crash-and-restart tests.
 * A restarted node must come back as the same node, so every member gets a fixed port
 * (picked free just before its first start) and its own data dir, and is restarted with
 * the very same command line it was first started with.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKvClient, type KvClient } from '../../common/client.js';
import { hashId, replicaSet } from '../../common/ring.js';
import { waitFor } from './cluster.js';
import { ChordkvProcess, closedPort, startNodeProcess } from './processes.js';

/** `count` distinct ports that were free a moment ago (the kernel may hand one out twice in a row). */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await closedPort());
  return [...ports];
}

/** A temp dir, and a function that removes it. */
export async function scratchDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `chordkv-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface Member {
  readonly role: 'bootstrap' | 'node';
  readonly dataDir: string;
  /** Empty until its first start. */
  address: string;
  /** The exact arguments of its first start; every restart reuses them. */
  args: string[];
  process?: ChordkvProcess;
}

/** More flags: the bootstrap's (ring settings), and every member's. */
export interface ExtraArgs {
  bootstrap?: string[];
  every?: string[];
}

/** Tries before giving up on finding a port nobody else took in the meantime. */
const PORT_TRIES = 5;

export class DiskRing {
  /** Every process ever started, restarted incarnations included, so that teardown reaches them all. */
  readonly started: ChordkvProcess[] = [];
  readonly kv: KvClient;
  private readonly closeClient: () => void;

  private constructor(
    readonly root: string, private readonly removeRoot: () => Promise<void>, readonly members: Member[], readonly k: number, private readonly extra: ExtraArgs,
  ) {
    const { kv, close } = createKvClient({ timeoutMs: 20_000 });
    this.kv = kv;
    this.closeClient = close;
  }

  /** Describes a bootstrap node and `nodes` more, each with its own data dir; starts nothing. */
  static async plan(nodes: number, k: number, extra: ExtraArgs = {}): Promise<DiskRing> {
    const { dir, remove } = await scratchDir('ring');
    const members: Member[] = Array.from({ length: nodes + 1 }, (_, i) => ({
      role: i === 0 ? 'bootstrap' : 'node', dataDir: join(dir, `node-${i}`), address: '', args: [],
    }));
    return new DiskRing(dir, remove, members, k, extra);
  }

  /** The bootstrap node first, then every other member one at a time, as a user would. */
  async startAll(): Promise<void> {
    for (const member of this.members) await this.start(member);
  }

  /**
   * Starts `member` and waits for its readiness line: again with its original command when it
   * ran before, else on a port picked just now (and another one, should someone take it first).
   */
  async start(member: Member): Promise<void> {
    if (member.args.length > 0) {
      const { process, address } = await startNodeProcess(member.args, this.started);
      member.process = process;
      if (address !== member.address) throw new Error(`${member.args.join(' ')} came back as ${address}, not ${member.address}`);
      return;
    }
    for (let attempt = 1; ; attempt++) {
      const port = String(await closedPort());
      const args = member.role === 'bootstrap'
        ? ['bootstrap', '--port', port, '-k', String(this.k), '--data-dir', member.dataDir, ...this.extra.bootstrap ?? []]
        : ['node', '--port', port, '--bootstrap', this.members[0].address, '--data-dir', member.dataDir];
      args.push(...this.extra.every ?? []);
      try {
        const { process, address } = await startNodeProcess(args, this.started);
        Object.assign(member, { args, address, process });
        return;
      } catch (err) {
        if (attempt === PORT_TRIES || !/already in use/.test((err as Error).message)) throw err;
      }
    }
  }

  /** SIGKILL: no goodbye, no flush beyond what the store already wrote. */
  async crash(member: Member): Promise<void> {
    const proc = member.process;
    if (!proc) return;
    member.process = undefined;
    if (proc.running) proc.child.kill('SIGKILL');
    await proc.exited;
  }

  async crashAll(): Promise<void> {
    for (const member of this.members) member.process?.child.kill('SIGKILL');
    await Promise.all(this.members.map((m) => this.crash(m)));
  }

  get live(): Member[] {
    return this.members.filter((m) => m.process?.running);
  }

  /**
   * Waits until no live member names `gone` as its predecessor or a successor: the ring has
   * noticed the crash. Returns the members that still do, if the deadline passed.
   */
  async waitUntilForgotten(gone: Member, timeoutMs = 20_000): Promise<string[]> {
    let holdouts: string[] = [];
    await waitFor(async () => {
      const views = await Promise.all(this.live.map((m) => this.kv.status(m.address).catch(() => undefined)));
      holdouts = this.live.map((m) => m.address).filter((address, i) => {
        const view = views[i];
        return !view || view.predecessor?.address === gone.address || view.successors.some((s) => s.address === gone.address);
      });
      return holdouts.length === 0;
    }, timeoutMs, 100);
    return holdouts;
  }

  /**
   * Everything wrong with the ring as GET /kv shows it, against the placement computed here
   * from SHA-1 of the live addresses: each expected key on exactly its min(k, N) replica
   * nodes, the owner its one primary, the expected value everywhere, and no other key.
   */
  async placementProblems(expected: Map<string, string>): Promise<string[]> {
    const ring = this.live.map((m) => ({ id: hashId(m.address), address: m.address }));
    const all = await this.kv.all(ring[0].address);
    const held = new Map<string, { address: string; value: string; role: string }[]>();
    for (const node of all.nodes) {
      for (const item of node.items) held.set(item.key, [...(held.get(item.key) ?? []), { address: node.address, ...item }]);
    }
    const problems: string[] = [];
    const seen = all.nodes.map((n) => n.address).sort();
    if (seen.join() !== ring.map((n) => n.address).sort().join()) problems.push(`GET /kv lists ${seen.join()}`);
    for (const [key, value] of expected) {
      const want = replicaSet(hashId(key), ring, this.k).map((n) => n.address);
      const got = held.get(key) ?? [];
      const holders = got.map((h) => h.address).sort();
      if (holders.join() !== [...want].sort().join()) problems.push(`${key}: held by [${holders.join()}] but belongs on [${want.join()}]`);
      const primaries = got.filter((h) => h.role === 'primary').map((h) => h.address);
      if (primaries.join() !== want[0]) problems.push(`${key}: primary [${primaries.join()}] but owner is ${want[0]}`);
      const wrong = got.filter((h) => h.value !== value);
      if (wrong.length > 0) problems.push(`${key}: ${wrong.map((h) => `${h.address} has ${JSON.stringify(h.value)}`).join()}; expected ${JSON.stringify(value)}`);
    }
    for (const key of held.keys()) if (!expected.has(key)) problems.push(`${key}: held but should not exist`);
    return problems;
  }

  /** Polls placementProblems until it is empty or the deadline passes; returns the last problems. */
  async settledPlacement(expected: Map<string, string>, timeoutMs = 30_000): Promise<string[]> {
    let problems = ['not checked yet'];
    await waitFor(async () => {
      problems = await this.placementProblems(expected).catch((err: Error) => [`GET /kv failed: ${err.message}`]);
      return problems.length === 0;
    }, timeoutMs, 250);
    return problems;
  }

  /** Kills every process this ring ever started and removes its data. */
  async teardown(): Promise<void> {
    await Promise.all(this.started.map((p) => p.kill('SIGKILL', 2000)));
    this.closeClient();
    await this.removeRoot();
  }
}
