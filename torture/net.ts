/**
 * Where the torture ring's nodes live. With root and `ip netns`, every node gets its own
 * network namespace and address on one of two bridges, so the nemesis can cut a node off
 * (its link down) or cut the ring in two (the link between the bridges down) without
 * touching the processes. Without them, the nodes run inside the runner's process on the
 * in-memory network, whose links the partitions cut (MemoryPartitions); asked for loopback,
 * every node is a process on 127.0.0.1 and partitions are not available. The run says which.
 *
 * Layout (a 10.231.x.0/24 no other interface uses): the runner's own namespace holds both bridges and the
 * address .254 on the first one, so the clients always sit on side A of a split.
 */
import { execFileSync } from 'node:child_process';
import { MemoryNetwork } from '../node/rpc/memory-network.js';

/** What a partition needs to know of a member. */
interface Slotted {
  readonly slot: number;
  readonly address: string;
}

export interface Placement {
  /** The host a member listens on and is reached at. */
  readonly host: string;
  /** The command prefix that runs a process inside the member's namespace (empty on loopback). */
  readonly prefix: string[];
}

export interface Network {
  /** `namespaces` when partitions are possible, else why not. */
  readonly kind: 'namespaces' | 'memory' | 'loopback';
  readonly note: string;
  /** Where member `slot` lives; slots are handed out once per member (restarts reuse them). */
  place(slot: number): Placement;
  /** Takes member `slot`'s link down (true) or up again (false). */
  isolate(slot: number, cut: boolean): void;
  /** Cuts (true) or rejoins (false) side A (even slots) from side B (odd slots). */
  split(cut: boolean): void;
  /** Removes every namespace and link it made. */
  teardown(): void;
}

const MAX_SLOTS = 60;

/** A 10.231.x.0/24 no interface here uses yet, so that runs side by side do not answer for each other's nodes. */
function freeSubnet(): string {
  const used = execFileSync('ip', ['-o', '-4', 'addr'], { encoding: 'utf8' });
  for (let x = 1; x < 255; x++) if (!used.includes(` 10.231.${x}.`)) return `10.231.${x}`;
  throw new Error('no free 10.231.x.0/24 subnet');
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

class LoopbackNetwork implements Network {
  readonly kind = 'loopback';
  constructor(readonly note: string) {}
  place(): Placement {
    return { host: '127.0.0.1', prefix: [] };
  }
  isolate(): void {
    throw new Error('partitions need network namespaces');
  }
  split(): void {
    throw new Error('partitions need network namespaces');
  }
  teardown(): void {}
}

/** Bridges `<tag>a`/`<tag>b`, joined by veth `<tag>x`/`<tag>y`; member i: namespace `<tag>n<i>`, veth `<tag>h<i>` (host side). */
class NamespaceNetwork implements Network {
  readonly kind = 'namespaces';
  readonly note = 'each node in its own network namespace; partitions take links down';
  private readonly placed = new Set<number>();
  private subnet = '';

  constructor(private readonly tag: string) {}

  setup(): void {
    this.subnet = freeSubnet();
    const { a, b, x, y } = this.names();
    ip('link', 'add', a, 'type', 'bridge');
    ip('link', 'add', b, 'type', 'bridge');
    ip('link', 'add', x, 'type', 'veth', 'peer', 'name', y);
    ip('link', 'set', x, 'master', a);
    ip('link', 'set', y, 'master', b);
    ip('addr', 'add', `${this.subnet}.254/24`, 'dev', a);
    for (const link of [a, b, x, y]) ip('link', 'set', link, 'up');
  }

  private names() {
    const t = this.tag;
    return { a: `${t}a`, b: `${t}b`, x: `${t}x`, y: `${t}y` };
  }

  place(slot: number): Placement {
    if (slot < 0 || slot >= MAX_SLOTS) throw new Error(`at most ${MAX_SLOTS} members per run`);
    const ns = `${this.tag}n${slot}`;
    const host = `${this.subnet}.${slot + 1}`;
    if (!this.placed.has(slot)) {
      const outside = `${this.tag}h${slot}`;
      const inside = `${this.tag}i${slot}`;
      this.placed.add(slot); // before the first command, so that teardown removes a half-made slot too
      ip('netns', 'add', ns);
      ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
      ip('link', 'set', inside, 'netns', ns);
      ip('link', 'set', outside, 'master', slot % 2 === 0 ? this.names().a : this.names().b);
      ip('link', 'set', outside, 'up');
      ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${host}/24`, 'dev', inside);
      ip('netns', 'exec', ns, 'ip', 'link', 'set', inside, 'up');
      ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
    }
    return { host, prefix: ['ip', 'netns', 'exec', ns] };
  }

  isolate(slot: number, cut: boolean): void {
    ip('link', 'set', `${this.tag}h${slot}`, cut ? 'down' : 'up');
  }

  split(cut: boolean): void {
    ip('link', 'set', this.names().x, cut ? 'down' : 'up');
  }

  teardown(): void {
    const { a, b, x } = this.names();
    for (const slot of this.placed) {
      tryIp('netns', 'del', `${this.tag}n${slot}`);
      tryIp('link', 'del', `${this.tag}h${slot}`);
    }
    this.placed.clear();
    for (const link of [x, a, b]) tryIp('link', 'del', link);
  }
}

function tryIp(...args: string[]): void {
  try {
    ip(...args);
  } catch {
    // already gone
  }
}

/** Partitions on the in-memory network: a member cut off from every other, or side A (even slots) from side B. */
export class MemoryPartitions implements Network {
  readonly kind = 'memory';
  get note(): string {
    return `${this.reason}: every node in this process on the in-memory network, whose links the partitions cut (clients still reach every node); pauses skipped`;
  }
  private members: () => readonly Slotted[] = () => [];

  readonly network = new MemoryNetwork();

  constructor(readonly reason: string) {}

  /** The members whose links the partitions cut. */
  bind(members: () => readonly Slotted[]): void {
    this.members = members;
  }

  place(): Placement {
    return { host: '127.0.0.1', prefix: [] };
  }

  isolate(slot: number, cut: boolean): void {
    if (!cut) return this.network.heal();
    const all = this.members();
    const victim = all.find((m) => m.slot === slot);
    for (const other of all) if (victim && other !== victim) this.network.partition(victim.address, other.address);
  }

  split(cut: boolean): void {
    if (!cut) return this.network.heal();
    const all = this.members();
    for (const a of all.filter((m) => m.slot % 2 === 0)) {
      for (const b of all.filter((m) => m.slot % 2 === 1)) this.network.partition(a.address, b.address);
    }
  }

  teardown(): void {
    this.network.heal();
  }
}

/**
 * Namespaces when this process may make them (root, `ip` present, the kernel willing);
 * otherwise the in-memory network, with the reason. `tag` keeps concurrent runs apart (≤ 6 characters).
 */
export function openNetwork(want: 'auto' | 'memory' | 'loopback', tag: string): Network {
  if (want === 'loopback') return new LoopbackNetwork('loopback by request: partitions are not available');
  if (want === 'memory') return new MemoryPartitions('in-memory network by request');
  if (process.getuid?.() !== 0) return new MemoryPartitions('not root, so no network namespaces');
  const network = new NamespaceNetwork(tag);
  try {
    network.setup();
    return network;
  } catch (err) {
    const reason = (err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message;
    network.teardown(); // a half-made setup must not stay behind
    return new MemoryPartitions(`network namespaces unavailable (${reason})`);
  }
}
