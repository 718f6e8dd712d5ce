/**
 * A ring of real ChordNodes in this process, on the in-memory network, under the simulated
 * clock. Each node is built as node/start.ts builds one, minus the HTTP server (a listening
 * socket per node would not scale to thousands, and the simulation uses no public route):
 * its own store, peer book and RPC client, attached to the network; it then creates or
 * joins the ring through Membership, and its maintenance runs on the simulated clock.
 * Every node-to-node call passes through a counter, by path.
 */
import { hashId, ID_BITS } from '../common/ring.js';
import type { Logger } from '../common/log.js';
import type { Consistency, Member } from '../common/wire.js';
import { ChordNode } from '../node/chord-node.js';
import { resolveConfig, type NodeConfig } from '../node/config.js';
import { MemoryNetwork } from '../node/rpc/memory-network.js';
import { findSuccessor, type FindSuccessorAnswer } from '../node/rpc/routing.js';
import { RpcClient } from '../node/rpc/spec.js';
import { MemoryStore } from '../node/storage/memory-store.js';
import { MemoryPeerBook } from '../node/storage/peer-book.js';
import type { Rng } from '../torture/prng.js';
import type { SimClock } from './clock.js';
import { MessageCounter } from './message-counter.js';
import { RingTruth, wrongEntries } from './truth.js';

export interface SimRingOptions {
  k: number;
  consistency?: Consistency;
  /** Salts the nodes' addresses, hence their ids: another seed, another ring. */
  seed: number;
  /** Delay of every node-to-node call, each way (0: calls take no simulated time). */
  latencyMs?: number;
  successorListSize?: number;
}

/** Lines the simulated nodes write go nowhere: thousands of pino instances would cost more than the nodes. */
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, debugEnabled: false };

export class SimRing {
  readonly network = new MemoryNetwork();
  readonly messages = new MessageCounter();
  /** Members that are up, in the order they came. */
  readonly nodes: ChordNode[] = [];
  /** Nodes whose join has begun and not yet finished (the ring may already route to them). */
  readonly joining = new Set<ChordNode>();
  readonly config: NodeConfig;
  private serial = 0;
  private truth_: RingTruth | null = null;
  /** Lookups from outside the ring (the simulator's own calls; not counted as node messages). */
  private readonly client: RpcClient;

  constructor(readonly clock: SimClock, readonly rng: Rng, private readonly options: SimRingOptions) {
    this.config = resolveConfig({
      host: 'sim', port: 0, memory: true, logLevel: 'silent', metrics: false, k: options.k,
      consistency: options.consistency ?? 'linearizable', successorListSize: options.successorListSize,
    });
    if (options.latencyMs) this.network.delay(options.latencyMs);
    this.client = new RpcClient(this.network.transport('client.sim:1', { timeoutMs: this.config.requestTimeoutMs }));
  }

  get size(): number {
    return this.nodes.length;
  }

  /** The correct ring of the members now up. */
  get truth(): RingTruth {
    this.truth_ ??= new RingTruth(this.nodes.map((n) => n.self));
    return this.truth_;
  }

  randomNode(): ChordNode {
    return this.rng.pick(this.nodes);
  }

  /** Starts the ring's first node. */
  create(): ChordNode {
    const node = this.build();
    node.membership.create();
    this.admitted(node);
    return node;
  }

  /** Starts one more node and joins it through `contact` (default: a random member); resolves once it serves. */
  async join(contact: ChordNode = this.randomNode()): Promise<ChordNode> {
    const node = this.build();
    this.joining.add(node);
    try {
      await this.clock.run(node.membership.join(contact.self.address));
    } catch (err) {
      this.network.detach(node.self.address);
      await node.close();
      throw err;
    } finally {
      this.joining.delete(node);
    }
    this.admitted(node);
    return node;
  }

  /** Stops `node` with no goodbye, as a crash would: calls to it fail from now on. */
  async crash(node: ChordNode): Promise<void> {
    this.forget(node);
    this.network.detach(node.self.address);
    await node.close();
  }

  /** `node` leaves through the depart protocol. */
  async depart(node: ChordNode): Promise<void> {
    this.forget(node);
    await this.clock.run(node.depart());
    this.network.detach(node.self.address);
    await node.close();
  }

  /** Chord's find_successor, asked of `from` as another node would ask it (not counted as a node's message). */
  lookup(from: ChordNode, id: string): Promise<FindSuccessorAnswer> {
    return this.client.call(findSuccessor, from.self.address, { id, hops: 0 });
  }

  /** Lets `count` maintenance rounds pass. */
  rounds(count: number): Promise<void> {
    return this.clock.runFor(count * this.config.maintenanceIntervalMs);
  }

  /** The fraction of finger entries, over every node, that differ from the correct ring's. */
  wrongFingers(): number {
    let wrong = 0;
    for (const node of this.nodes) wrong += wrongEntries(node.routing.fingers, this.truth.fingers(node.self.id));
    return wrong / (this.nodes.length * ID_BITS);
  }

  private build(): ChordNode {
    const address = `n${this.serial++}.s${this.options.seed}:7000`;
    const self: Member = { id: hashId(address), address };
    const transport = this.messages.wrap(this.network.transport(address, { timeoutMs: this.config.requestTimeoutMs }));
    const node = new ChordNode(this.config, {
      self, store: new MemoryStore(), peerBook: new MemoryPeerBook(), rpc: new RpcClient(transport), log: silent,
    });
    this.network.attach(address, node.rpcServer);
    return node;
  }

  private admitted(node: ChordNode): void {
    this.nodes.push(node);
    this.truth_ = null;
    node.maintenance.start();
  }

  private forget(node: ChordNode): void {
    const index = this.nodes.indexOf(node);
    if (index >= 0) this.nodes.splice(index, 1);
    this.truth_ = null;
  }
}
