/**
 * Periodic maintenance on one scheduler, never overlapping: check the predecessor,
 * stabilize (and notify), fix a few fingers, and reconcile replicas — at once when the
 * node's chain or range changed, and every few rounds anyway (anti-entropy).
 */
import { randomUUID } from 'node:crypto';
import { isGone, type ChordError } from '../common/errors.js';
import { fingerStart, idToHex, inHalfOpen } from '../common/ring.js';
import { fromPeerJson, toPeerJson } from '../common/wire.js';
import type { ChordNode } from './chord-node.js';
import { sameChain } from './replicas.js';

/** Lookups spent on fingers per round: the table converges in a few rounds without a burst of traffic. */
const FINGER_LOOKUPS_PER_ROUND = 4;
const FINGER_COUNT = 160;

export class Maintenance {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private round = 0;
  private fingerCursor = 0;
  private reconfigureWanted = false;
  private rememberedPeers: string | null = null;

  constructor(private readonly node: ChordNode) {}

  start(): void {
    this.stopped = false;
    this.schedule(this.node.config.maintenanceIntervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Asks for a replica reconcile under this node's lock (its chain or range changed), soon. */
  requestReconfigure(): void {
    this.reconfigureWanted = true;
    this.kick();
  }

  /** Runs a round soon instead of waiting for the interval (after a peer was found dead). */
  kick(): void {
    if (this.stopped || this.running) return;
    this.schedule(0);
  }

  /** One full round now; tests use it to drive maintenance without waiting. */
  async runRound(): Promise<void> {
    while (this.running) await this.running;
    this.running = this.round_().finally(() => { this.running = null; });
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runRound().finally(() => {
        if (!this.stopped) this.schedule(this.node.config.maintenanceIntervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async round_(): Promise<void> {
    const { node } = this;
    if (node.state !== 'ready') return;
    this.round++;
    try {
      await this.checkPredecessor();
      await this.stabilize();
      await this.rememberPeers();
      await this.fixFingers();
      // The chain operations use lags the successor list until a reconfigure catches it up.
      if (!sameChain(node.activeChain, node.routing.chain(node.settings.k))) this.reconfigureWanted = true;
      if (this.reconfigureWanted) {
        this.reconfigureWanted = false;
        await this.reconfigure();
      } else if (this.round % node.config.antiEntropyRounds === 0) {
        await node.replicas.reconcile();
      }
    } catch (err) {
      node.log.warn(`maintenance round ${this.round}: ${(err as ChordError).code ?? ''} ${(err as Error).message}`);
    }
    node.lastMaintenanceAt = new Date();
  }

  /** The paper's check_predecessor: a silent predecessor is marked failed, not forgotten (see RoutingTable). */
  private async checkPredecessor(): Promise<void> {
    const { node } = this;
    const pred = node.routing.predecessor;
    if (!pred || !node.routing.predecessorAlive || pred.address === node.self.address) return;
    try {
      await node.membership.liveState(pred.address);
    } catch (err) {
      if (!isGone(err, pred.address)) return;
      node.log.warn(`predecessor ${pred.address} is unreachable`);
      node.routing.predecessorAlive = false;
    }
  }

  /** The paper's stabilize + notify, over the successor list. */
  private async stabilize(): Promise<void> {
    const { node } = this;
    if (node.routing.successors.length === 0) return;
    await node.membership.refresh([], false);
    const successor = node.routing.successors[0];
    if (!successor) {
      // Every successor refused connections and was evicted: the others are gone (a two-node
      // ring whose other node crashed, say). Alone, this node owns every key again.
      if (!node.routing.predecessorAlive || !node.routing.predecessor) {
        node.log.warn('every other node is gone; continuing alone');
        node.routing.predecessor = null;
        node.routing.predecessorAlive = true;
      }
      return;
    }
    try {
      await node.peers.notify(successor.address, toPeerJson(node.self));
    } catch (err) {
      node.log.debug(`notify ${successor.address}: ${(err as Error).message}`);
    }
  }

  /** The paper's fix_fingers, a few lookups per round; a finger whose start precedes the previous finger reuses it. */
  private async fixFingers(): Promise<void> {
    const { node } = this;
    const fingers = node.routing.fingers;
    let lookups = 0;
    for (let visited = 0; visited < FINGER_COUNT && lookups < FINGER_LOOKUPS_PER_ROUND; visited++) {
      const i = this.fingerCursor;
      this.fingerCursor = (this.fingerCursor + 1) % FINGER_COUNT;
      const start = fingerStart(node.self.id, i);
      const previous = i > 0 ? fingers[i - 1] : undefined;
      if (previous && inHalfOpen(start, node.self.id, previous.id)) {
        fingers[i] = previous;
        continue;
      }
      lookups++;
      const found = await node.findSuccessor(idToHex(start), 0);
      fingers[i] = found.node.address === node.self.address ? undefined : fromPeerJson(found.node);
    }
  }

  /** Reconcile under this node's own lock, so that a new chain member has every pair before it serves reads. */
  private async reconfigure(): Promise<void> {
    const { node } = this;
    const token = randomUUID();
    await node.lock.acquireExclusive(token, node.config.lockLeaseMs);
    try {
      await node.replicas.reconcile();
    } finally {
      node.lock.releaseExclusive(token);
    }
  }

  /** Keeps the neighbours on disk, so that a restarted node can rejoin through them (written only when they change). */
  async rememberPeers(): Promise<void> {
    const { routing } = this.node;
    const peers = [...routing.successors, ...(routing.predecessor ? [routing.predecessor] : [])].map((p) => p.address);
    const signature = peers.join(' ');
    if (signature === this.rememberedPeers) return;
    await this.node.store.writePeers(peers);
    this.rememberedPeers = signature;
  }
}
