/**
 * A quorum ring in this process whose node-to-node calls cross a LaggingNetwork, for the
 * staleness experiment: nodes can be cut off at an exact instant, stopped and replaced.
 * The public API is real HTTP, so what the experiment reads is what a client would read.
 */
import { createKvClient, type KvClient } from '../../common/client.js';
import { hashId, replicaSet } from '../../common/ring.js';
import { testConfig, type NodeConfig } from '../../node/config.js';
import { startNode, type RunningNode } from '../../node/start.js';
import { track } from './cleanup.js';
import { LaggingNetwork, type LossFilter } from './lagging-network.js';

export interface LaggingRingOptions {
  nodes: number;
  k: number;
  r: number;
  w: number;
  /** Mean of each leg's delay on the node-to-node network. */
  lagMs: number;
}

export class LaggingRing {
  readonly nodes: RunningNode[] = [];
  readonly kv: KvClient;
  private readonly closeClient: () => void;
  private readonly network: LaggingNetwork;
  private readonly config: Partial<NodeConfig>;

  private constructor(options: LaggingRingOptions) {
    ({ kv: this.kv, close: this.closeClient } = createKvClient({ timeoutMs: 20_000 }));
    this.network = new LaggingNetwork(options.lagMs);
    // Anti-entropy off: the experiment measures what the quorums see, not the slow background
    // repair that would, given long enough, copy a lost write's survivors everywhere.
    this.config = { k: options.k, consistency: 'quorum', r: options.r, w: options.w, antiEntropyRounds: 1_000_000, maintenanceIntervalMs: 50 };
    // Registered at once, so that Ctrl-C during a start stops the nodes started so far.
    this.teardown = track(() => this.release());
  }

  static async start(options: LaggingRingOptions): Promise<LaggingRing> {
    const ring = new LaggingRing(options);
    try {
      ring.nodes.push(await startNode(testConfig(ring.config), { network: ring.network }));
      for (let i = 1; i < options.nodes; i++) await ring.join();
      await ring.settled();
    } catch (err) {
      await ring.teardown();
      throw err;
    }
    return ring;
  }

  /** Starts one more node and joins it through a random member. */
  async join(): Promise<RunningNode> {
    const via = this.nodes[Math.floor(Math.random() * this.nodes.length)];
    const node = await startNode(testConfig({ ...this.config, contact: via.address }), { network: this.network });
    this.nodes.push(node);
    return node;
  }

  /** The node that coordinates `key`: its owner, from SHA-1 of the addresses. */
  owner(key: string): RunningNode {
    const ring = this.nodes.map((node) => ({ id: hashId(node.address), node }));
    return replicaSet(hashId(key), ring, 1)[0].node;
  }

  /** Cuts every link of `node` at once: calls it has not yet delivered are lost, as in a partition. */
  isolate(node: RunningNode): void {
    for (const other of this.nodes) if (other !== node) this.network.partition(node.address, other.address);
  }

  /** From now on, calls that `filter` picks are lost where they arrive (undefined: none is). */
  lose(filter: LossFilter | undefined): void {
    this.network.loses = filter;
  }

  /** Stops `node` with no goodbye and restores the links cut for it. */
  async crash(node: RunningNode): Promise<void> {
    this.nodes.splice(this.nodes.indexOf(node), 1);
    await node.stop();
    this.network.heal();
  }

  /**
   * Waits until every node names its true neighbours (in id order) as predecessor and first
   * successor: the ring has repaired itself. Throws after `timeoutMs`.
   */
  async settled(timeoutMs = 30_000): Promise<void> {
    const order = [...this.nodes].sort((a, b) => (hashId(a.address) < hashId(b.address) ? -1 : 1)).map((n) => n.address);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const views = await Promise.all(this.nodes.map((n) => this.kv.status(n.address).catch(() => undefined)));
      const right = views.every((view, i) => {
        const at = order.indexOf(this.nodes[i].address);
        return view?.ready && view.predecessor?.address === order[(at + order.length - 1) % order.length]
          && view.successors[0]?.address === order[(at + 1) % order.length];
      });
      if (right) return;
      if (Date.now() > deadline) throw new Error(`the ring did not settle within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Stops every node and the client; safe to call more than once. */
  readonly teardown: () => Promise<void>;

  private async release(): Promise<void> {
    await Promise.all(this.nodes.splice(0).map((n) => n.stop()));
    this.closeClient();
  }
}
