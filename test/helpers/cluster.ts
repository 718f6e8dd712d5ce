/**
 * TestCluster: whole rings in one process, every node a real HTTP server on port 0.
 * Node-to-node calls go over HTTP, or (`transport: 'memory'`) over an in-memory network
 * whose links can be cut and delayed. Verbs: start, join, depart, crash, partition, heal,
 * pause, resume, delay, waitFor, placementProblems, teardown.
 */
import { createKvClient, type KvClient } from '../../common/client.js';
import { hashId } from '../../common/ring.js';
import { ringIdsOf, vnodeAddress, VirtualRing } from '../../common/vnodes.js';
import type { Consistency } from '../../common/wire.js';
import { testConfig, type NodeConfig } from '../../node/config.js';
import { MemoryNetwork } from '../../node/rpc/memory-network.js';
import { startNode, type RunningNode } from '../../node/start.js';
import type { Store } from '../../node/storage/store.js';

export interface ClusterOptions {
  k?: number;
  consistency?: Consistency;
  config?: Partial<NodeConfig>;
  /** How nodes call each other: real HTTP (the default) or the in-memory network. */
  transport?: 'http' | 'memory';
  /** Each node's store, made by this (the cluster keeps them: `storeOf`), instead of the one its config would build. */
  store?: () => Store;
}

export class TestCluster {
  readonly nodes: RunningNode[] = [];
  readonly kv: KvClient;
  /** The in-memory network, when the cluster uses one. */
  readonly network?: MemoryNetwork;
  private readonly closeClient: () => void;
  private readonly stores = new Map<RunningNode, Store>();

  private constructor(private readonly options: ClusterOptions) {
    const { kv, close } = createKvClient({ timeoutMs: 20_000 });
    this.kv = kv;
    this.closeClient = close;
    if (options.transport === 'memory') this.network = new MemoryNetwork();
  }

  /** A ring of `size` nodes: one creates it, the rest join one at a time through it. */
  static async start(size: number, options: ClusterOptions = {}): Promise<TestCluster> {
    const cluster = new TestCluster(options);
    try {
      cluster.nodes.push(await cluster.started(testConfig({
        k: options.k ?? 1, consistency: options.consistency ?? 'linearizable', ...options.config,
      })));
      for (let i = 1; i < size; i++) await cluster.join();
    } catch (err) {
      await cluster.teardown();
      throw err;
    }
    return cluster;
  }

  /** Starts one more node and joins it through `via` (default: a random member), `config` over the cluster's. */
  async join(via: RunningNode = this.random(), config: Partial<NodeConfig> = {}): Promise<RunningNode> {
    const node = await this.started(testConfig({ contact: via.address, ...this.options.config, ...config }));
    this.nodes.push(node);
    return node;
  }

  /** The store `node` was given (only with the `store` option): tests change it behind the node's back. */
  storeOf(node: RunningNode): Store {
    const store = this.stores.get(node);
    if (!store) throw new Error('storeOf needs a cluster started with a `store` option');
    return store;
  }

  private async started(config: NodeConfig): Promise<RunningNode> {
    const store = this.options.store?.();
    const node = await startNode(config, { network: this.network, store });
    if (store) this.stores.set(node, store);
    return node;
  }

  /** Departs `node` through the public API and waits until it is gone. */
  async depart(node: RunningNode): Promise<void> {
    const index = this.nodes.indexOf(node);
    if (index >= 0) this.nodes.splice(index, 1); // no new requests are sent to it from here on
    await this.kv.depart(node.address);
    await node.departed;
    await this.remove(node);
  }

  /** Stops `node` with no goodbye, as a crash would. */
  async crash(node: RunningNode): Promise<void> {
    await this.remove(node);
  }

  /** Cuts the link between two nodes (in-memory network only); the public API stays reachable. */
  partition(a: RunningNode, b: RunningNode): void {
    this.memory().partition(a.address, b.address);
  }

  /** Restores every cut link. */
  heal(): void {
    this.memory().heal();
  }

  /** Pauses `node` as SIGSTOP would (in-memory network only): its calls, in and out, wait until `resume`. */
  pause(node: RunningNode): void {
    this.memory().pause(node.address);
  }

  resume(node: RunningNode): void {
    this.memory().resume(node.address);
  }

  /** Delays every node-to-node call by `ms`. */
  delay(ms: number): void {
    this.memory().delay(ms);
  }

  private memory(): MemoryNetwork {
    if (!this.network) throw new Error('partition, heal, pause and delay need a cluster started with transport: "memory"');
    return this.network;
  }

  get addresses(): string[] {
    return this.nodes.map((n) => n.address);
  }

  random(): RunningNode {
    return this.nodes[Math.floor(Math.random() * this.nodes.length)];
  }

  /** Where every key is held, from GET /kv: key → { value, holders: [{ address, role }] }. */
  async holdings(via = this.random()): Promise<Map<string, { values: Set<string>; holders: { address: string; role: string }[] }>> {
    const all = await this.kv.all(via.address);
    const result = new Map<string, { values: Set<string>; holders: { address: string; role: string }[] }>();
    for (const node of all.nodes) {
      for (const item of node.items) {
        const entry = result.get(item.key) ?? { values: new Set(), holders: [] };
        entry.values.add(item.value);
        entry.holders.push({ address: node.address, role: item.role });
        result.set(item.key, entry);
      }
    }
    return result;
  }

  /**
   * Everything wrong with placement, computed independently from SHA-1 of the addresses:
   * each expected key must sit on exactly its min(k, N) replica members (on distinct
   * processes when processes hold several ring ids), with the owner
   * as its one primary and one value everywhere. Empty when all is right.
   */
  async placementProblems(expected: Map<string, string>, k: number): Promise<string[]> {
    // Each process's ring ids from its address alone; a key's holders are the first id of
    // each of the k processes met walking clockwise from its owner (common/vnodes.ts).
    const ids = this.nodes.flatMap((n) => ringIdsOf(n.address, n.vnodes.length)
      .map((id, i) => ({ id, address: n.address, member: vnodeAddress(n.address, i, n.vnodes.length) })));
    const ring = new VirtualRing(ids);
    const held = await this.holdings();
    const problems: string[] = [];
    for (const [key, value] of expected) {
      const want = ring.replicaSet(hashId(key), k).map((n) => n.member);
      const got = held.get(key);
      if (!got) {
        problems.push(`${key}: held nowhere`);
        continue;
      }
      const holders = got.holders.map((h) => h.address).sort();
      if (holders.join() !== [...want].sort().join()) problems.push(`${key}: held by ${holders.join()} but belongs on ${want.join()}`);
      const primaries = got.holders.filter((h) => h.role === 'primary').map((h) => h.address);
      if (primaries.length !== 1 || primaries[0] !== want[0]) problems.push(`${key}: primary ${primaries.join()} but owner is ${want[0]}`);
      if (got.values.size !== 1 || !got.values.has(value)) problems.push(`${key}: values ${[...got.values].join()} but expected ${value}`);
    }
    for (const key of held.keys()) if (!expected.has(key)) problems.push(`${key}: held but should not exist`);
    return problems;
  }

  async teardown(): Promise<void> {
    for (const node of this.nodes) this.network?.resume(node.address); // a paused node could not stop
    await Promise.all(this.nodes.splice(0).map((n) => n.stop()));
    this.closeClient();
  }

  private async remove(node: RunningNode): Promise<void> {
    const index = this.nodes.indexOf(node);
    if (index >= 0) this.nodes.splice(index, 1);
    await node.stop();
  }
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes; returns the last value. */
export async function waitFor<T>(check: () => Promise<T> | T, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
