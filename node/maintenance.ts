/**
 * Periodic maintenance on one scheduler, never overlapping: check the predecessor,
 * stabilize (and notify), remember the neighbours, fix a few fingers, and keep replicas
 * right: a full reconcile at once when the node's chain or range changed, and every few
 * rounds a Merkle exchange with the chain (anti-entropy), which moves only the pairs that
 * differ. The receiving side of Chord's notify lives here too.
 */
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import type { ChordError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { distance, inOpen } from '../common/ring.js';
import { fromMemberJson, sameMember, toMemberJson, type Member, type MemberJson } from '../common/wire.js';
import type { Lifecycle } from './lifecycle.js';
import { FingerFixer } from './membership/fingers.js';
import type { Neighbours } from './membership/neighbours.js';
import type { MembershipLock } from './membership-lock.js';
import { notify } from './rpc/maintenance.js';
import type { FindSuccessorAnswer } from './rpc/routing.js';
import type { Metrics } from './metrics.js';
import type { RpcClient } from './rpc/spec.js';
import type { RoutingTable } from './routing.js';
import type { ReadLeases } from './replication/read-lease.js';
import type { PeerBook } from './storage/peer-book.js';

/**
 * After this many rounds in a row that found the ring as it was, rounds come QUIET_STRETCH
 * times further apart, until something changes, a round fails, or a peer is found gone or
 * silent. An idle ring then costs half the calls. The price is slower detection where the
 * node itself must notice: a crashed successor at the next (stretched) round; a crashed
 * predecessor once it has not notified for 2 × QUIET_STRETCH intervals (about 3 s at the
 * default 500 ms, against 0.5–1 s before), unless the node before it notifies first, which
 * makes this node check at once. A request that meets a dead node kicks a round anyway.
 */
const QUIET_ROUNDS_BEFORE_STRETCH = 4;
const QUIET_STRETCH = 2;

export interface MaintenanceComponents {
  readonly routing: RoutingTable;
  readonly lifecycle: Lifecycle;
  readonly rpc: RpcClient;
  readonly lock: MembershipLock;
  readonly neighbours: Neighbours;
  readonly peerBook: PeerBook;
  readonly log: Logger;
  readonly metrics: Pick<Metrics, 'maintenanceRound' | 'antiEntropy'>;
  findSuccessor(idHex: string, hops: number): Promise<FindSuccessorAnswer>;
  /** Read leases this node granted its predecessor (see ReadLeases). */
  readonly leases: Pick<ReadLeases, 'waitOut'>;
  /** Replica placement (see ReplicaSync). */
  readonly replicas: { reconcile(): Promise<{ pushed: number }>; chainIsCurrent(): boolean; handOnForeign(): Promise<number> };
  /** Anti-entropy: a Merkle exchange with every chain member; the pairs it moved (see MerkleExchange). */
  antiEntropy(): Promise<{ moved: number }>;
  /** Replaces the expired pairs this node owns with tombstones (see ExpirySweeper). */
  expire(): Promise<unknown>;
  /** Sends `address` the records of the writes this node applied to keys in (from, to] (see AppliedWrites). */
  handOverWrites(address: string, from: bigint, to: bigint): Promise<void>;
  /** Sends `address` this node's pairs of the keys in (from, to] (it keeps the newer version of each). */
  sendPairs(address: string, from: bigint, to: bigint): Promise<void>;
  /**
   * Whether this node may go on alone when every node it knew fell silent (judged failed for
   * timing out, not for refusing): they may be alive behind a cut, serving the same keys.
   * Not in a linearizable ring, which would then answer from stale copies once the cut heals.
   */
  aloneAfterSilence(): boolean;
}

export interface MaintenanceInit {
  readonly maintenanceIntervalMs: number;
  readonly antiEntropyRounds: number;
  readonly lockLeaseMs: number;
}

export class Maintenance {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private round = 0;
  private readonly fingers: FingerFixer;
  private quietRounds = 0;
  private neighbourSignature = '';
  /** Whether this node has found no node it knew answering, and does not go on alone (logged once, until it finds a successor). */
  private cutOff = false;
  private reconfigureWanted = false;
  private rememberedPeers: string | null = null;
  private lastRoundAt: Date | null = null;
  /** The last notify from the predecessor of the time, and when it came. */
  private predecessorHeard: { member: Member; at: number } | null = null;

  constructor(private readonly components: MaintenanceComponents, private readonly init: MaintenanceInit) {
    this.fingers = new FingerFixer(components.routing, (idHex, hops) => components.findSuccessor(idHex, hops));
  }

  /** When the last round ended. */
  get lastMaintenanceAt(): Date | null {
    return this.lastRoundAt;
  }

  start(): void {
    this.stopped = false;
    this.schedule(this.init.maintenanceIntervalMs);
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
    this.fingers.soon();
    this.quietRounds = 0;
    if (this.stopped || this.running) return;
    this.schedule(0);
  }

  /** One full round now; tests use it to drive maintenance without waiting. */
  async runRound(): Promise<void> {
    while (this.running) await this.running;
    this.running = this.runOnce().finally(() => { this.running = null; });
    await this.running;
  }

  /**
   * Chord's notify from a node that believes it is our predecessor. Taking it changes the
   * range this node heads, so it happens under the exclusive lock and the grown range is
   * pushed to the chain before any operation on it runs (the chain's tail must hold it).
   */
  async notified(candidateJson: MemberJson): Promise<boolean> {
    const { routing, lock, neighbours, log, replicas, lifecycle } = this.components;
    // A process restarted on an address the ring still lists waits to be spliced in: its
    // pointers are the join's to set, and the notifier is to treat it as gone meanwhile.
    lifecycle.assertMember();
    const candidate = fromMemberJson(candidateJson);
    const pred = routing.predecessor;
    if (!routing.wouldAccept(candidate) && pred && candidate.id !== pred.id && routing.predecessorAlive) {
      // Someone behind our predecessor says it comes right before us: our predecessor may
      // have died since our last check. Look now rather than a round later.
      await neighbours.liveState(pred.address).catch((err) => {
        if (neighbours.hasFailed(err, pred.address)) this.markPredecessorFailed(pred);
      });
    }
    // A predecessor marked failed that notifies us is alive after all; nothing else changes.
    if (routing.isSelf(candidate) || candidate.id === routing.predecessor?.id) {
      this.predecessorHeard = { member: candidate, at: performance.now() };
      return routing.notify(candidate);
    }
    if (!routing.wouldAccept(candidate)) return false;
    // Taking over a failed predecessor's range waits until no read lease it holds is in force.
    if (routing.predecessor && !routing.predecessorAlive) await this.components.leases.waitOut();
    const token = randomUUID();
    const leaseMs = this.init.lockLeaseMs;
    await lock.acquireExclusive(token, leaseMs);
    // Handing a large range over may outlast one lease; the hold must not lapse while it runs,
    // or requests for those keys would be served here again before the candidate is taken.
    const keepAlive = setInterval(() => {
      if (lock.heldBy === token) lock.renewExclusive(token, leaseMs);
    }, leaseMs / 3);
    keepAlive.unref();
    try {
      // Before the candidate is taken: until then requests for the keys it takes wait on the
      // lock here and are then forwarded, so they reach it after the records.
      if (!routing.wouldAccept(candidate)) return false;
      await this.handOverRange(candidate);
      // Refused (RING_CHANGING) if the hold lapsed all the same (a loop stalled for most of a lease).
      lock.renewExclusive(token, leaseMs);
      if (!routing.notify(candidate)) return false;
      log.info(`predecessor is now ${candidate.address}`, { peer: candidate.address });
      await replicas.reconcile();
      return true;
    } finally {
      clearInterval(keepAlive);
      lock.releaseExclusive(token);
    }
  }

  /**
   * The keys `candidate` now heads go to it with their pairs and the records of the writes made
   * here to them, as on a join. A predecessor back after an eviction (a partition, a pause)
   * heads its keys again: it must answer reads with the writes this node acknowledged in its
   * place, not its own older copies, and a retry of a write applied here meanwhile (or a copy of
   * its first attempt that a link held back) must not be applied there afresh, with a version
   * newer than later writes. Pairs that cannot be sent refuse the candidate (it notifies again
   * next round); records are best effort: a candidate whose records cannot be sent is taken
   * all the same (refusing it would stall the ring's healing), at the cost of that protection.
   */
  private async handOverRange(candidate: Member): Promise<void> {
    const { routing } = this.components;
    const predecessor = routing.predecessor;
    const alone = !predecessor || routing.isSelf(predecessor);
    // Only a candidate between the predecessor and this node takes keys from here: (predecessor,
    // candidate]. One before a failed predecessor takes nothing from here (the failed one's keys
    // were never this node's: it does not serve them until a notify like this one is taken).
    if (!alone && !inOpen(candidate.id, predecessor.id, routing.self.id)) return;
    const from = alone ? routing.self.id : predecessor.id;
    await this.components.sendPairs(candidate.address, from, candidate.id);
    try {
      await this.components.handOverWrites(candidate.address, from, candidate.id);
    } catch (err) {
      this.components.log.warn(`could not hand the write records of its keys to ${candidate.address}: ${(err as Error).message}`, { peer: candidate.address });
    }
  }

  /** Keeps the neighbours in the peer book, so that a restarted node can rejoin through them (written only when they change). */
  async rememberPeers(): Promise<void> {
    const { routing, peerBook } = this.components;
    const peers = [...routing.successors, ...(routing.predecessor ? [routing.predecessor] : [])].map((p) => p.address);
    const signature = peers.join(' ');
    if (signature === this.rememberedPeers) return;
    await peerBook.write(peers);
    this.rememberedPeers = signature;
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runRound().finally(() => {
        if (!this.stopped) this.schedule(this.init.maintenanceIntervalMs * (this.quietRounds >= QUIET_ROUNDS_BEFORE_STRETCH ? QUIET_STRETCH : 1));
      });
    }, delayMs);
    this.timer.unref();
  }

  private async runOnce(): Promise<void> {
    const { lifecycle, replicas, log } = this.components;
    if (lifecycle.state !== 'ready') return;
    this.round++;
    const start = performance.now();
    try {
      await this.checkPredecessor();
      const settled = await this.stabilize();
      await this.rememberPeers();
      const moved = this.neighboursChanged();
      if (moved) this.fingers.soon();
      await this.fingers.round();
      await this.components.expire();
      // The chain operations use lags the successor list until a reconfigure catches it up.
      if (!replicas.chainIsCurrent()) this.reconfigureWanted = true;
      this.quietRounds = settled && !moved && !this.reconfigureWanted ? this.quietRounds + 1 : 0;
      if (this.reconfigureWanted) {
        this.reconfigureWanted = false;
        await this.reconfigure();
      } else if (this.round % this.init.antiEntropyRounds === 0) {
        this.components.metrics.antiEntropy((await this.components.antiEntropy()).moved);
        // What a restarted node brought back from ranges the ring has since moved.
        await replicas.handOnForeign();
      }
    } catch (err) {
      this.quietRounds = 0;
      log.warn(`maintenance round ${this.round}: ${(err as ChordError).code ?? ''} ${(err as Error).message}`, { round: this.round, code: (err as ChordError).code });
    }
    this.components.metrics.maintenanceRound((performance.now() - start) / 1000);
    this.lastRoundAt = new Date();
  }

  /** The paper's check_predecessor: a silent predecessor is marked failed, not forgotten (see RoutingTable). */
  private async checkPredecessor(): Promise<void> {
    const { routing, neighbours, log } = this.components;
    const pred = routing.predecessor;
    if (!pred || !routing.predecessorAlive || routing.isSelf(pred)) return;
    // It notifies us every round of its own: one that did so lately needs no call to tell it lives.
    const heard = this.predecessorHeard;
    if (heard && sameMember(heard.member, pred) && performance.now() - heard.at < 2 * QUIET_STRETCH * this.init.maintenanceIntervalMs) return;
    try {
      await neighbours.liveState(pred.address);
    } catch (err) {
      if (!neighbours.hasFailed(err, pred.address)) return;
      log.warn(`predecessor ${pred.address} has failed (${(err as ChordError).code ?? err})`, { peer: pred.address, code: (err as ChordError).code });
      this.markPredecessorFailed(pred);
    }
  }

  private markPredecessorFailed(pred: Member): void {
    this.components.routing.markPredecessorFailed(pred);
    this.quietRounds = 0;
  }

  /**
   * The paper's stabilize + notify, over the successor list. Usually the notify's answer shows
   * nothing changed and that one call is the whole of it: then it returns true.
   */
  private async stabilize(): Promise<boolean> {
    const { routing, neighbours, rpc, log } = this.components;
    const first = routing.successors[0];
    const quick = await neighbours.notifySuccessor();
    if (quick === 'settled') return true;
    let before = routing.successors[0];
    // A successor found gone by the notify is not asked again in this round's refresh.
    await neighbours.refresh(quick === 'gone' && first ? [first.address] : [], false);
    const known = routing.successors.length === 0 ? await this.successorFromKnownNodes() : 'none';
    let standIn = known === 'found';
    // A refresh steps back at most one node, to the successor's predecessor. After a stand-in
    // (or a step) refresh again at once rather than a node per round: a stand-in may be many
    // nodes past the true successor, and the keys in between are out of reach meanwhile.
    // Only strictly nearer steps continue the walk, so it ends.
    while (routing.successors[0] && (standIn || (before && inOpen(routing.successors[0].id, routing.self.id, before.id)))) {
      standIn = false;
      before = routing.successors[0];
      await neighbours.refresh([], false);
    }
    const successor = routing.successors[0];
    if (!successor) {
      // Every node this one knew refused connections (a two-node ring whose other node
      // crashed, say). Alone, this node owns every key again.
      // Only when every node it knew is judged failed: one that merely did not answer in time
      // (a slow or paused process) may be the ring going on, and claiming its keys would split it.
      if (routing.predecessor && !routing.predecessorAlive && known === 'none') {
        await this.components.leases.waitOut();
        log.warn('every other node is gone; continuing alone');
        routing.becomeAlone();
      } else if (known === 'silent' && !this.cutOff) {
        log.warn('no node this one knew answers; serving nothing until one does (a linearizable ring does not go on alone behind a cut)');
        this.cutOff = true;
      }
      return false;
    }
    this.cutOff = false;
    // One notify a round: the successor that had it already (and did not take us) is not asked twice.
    if (sameMember(successor, first)) return false;
    try {
      await rpc.call(notify, successor.address, { node: toMemberJson(routing.self) });
    } catch (err) {
      log.debug(`notify ${successor.address}: ${(err as Error).message}`, { peer: successor.address, code: (err as ChordError).code });
    }
    return false;
  }

  /**
   * Every successor is gone (r nodes in a row failed together), yet the ring may go on past
   * them: the nearest live node this one knows clockwise — a member of its routing view, a
   * finger, or at worst its predecessor, the whole way round — becomes its successor, and
   * stabilize walks back from there to the true one, which takes our notify because its own
   * predecessor failed.
   * Concluding "alone" from the successor list only would claim every key. Silent nodes
   * are evicted on the way. Returns `found` when one answered, `unsure` when none did but some
   * only timed out without being judged failed yet, `silent` when none did and some node
   * was judged failed for its silence alone since any last answered (this round or before:
   * see Neighbours.cutOffBySilence) and the node may not go on alone after that, else `none`.
   */
  private async successorFromKnownNodes(): Promise<'found' | 'unsure' | 'silent' | 'none'> {
    const { routing, neighbours } = this.components;
    const known = new Map<string, Member>();
    // The view reaches past the list (64 members): fingers alone may all lie among the failed.
    for (const member of [...routing.view, ...routing.fingers, routing.predecessor]) if (member && !routing.isSelf(member)) known.set(member.address, member);
    const clockwise = [...known.values()].sort((a, b) => (distance(routing.self.id, a.id) < distance(routing.self.id, b.id) ? -1 : 1));
    let unsure = false;
    // All at once: when this node is the one cut off, each call waits out its deadline, and
    // the view alone names up to 64 members.
    const answered = await Promise.all(clockwise.map((member) => neighbours.liveState(member.address).then(() => true, (err: unknown) => {
      if (neighbours.hasFailed(err, member.address)) routing.evict(member.address);
      else unsure = true;
      return false;
    })));
    const nearest = clockwise.find((_, i) => answered[i]);
    if (nearest) {
      routing.setSuccessors(nearest);
      return 'found';
    }
    if (unsure) return 'unsure';
    return neighbours.cutOffBySilence && !this.components.aloneAfterSilence() ? 'silent' : 'none';
  }

  /** Whether the predecessor or successor list differs from the last round's. */
  private neighboursChanged(): boolean {
    const { routing } = this.components;
    const signature = [routing.predecessorAlive ? 'alive' : 'failed', ...[routing.predecessor, ...routing.successors].map((m) => m?.address ?? '-')].join(' ');
    const changed = signature !== this.neighbourSignature;
    this.neighbourSignature = signature;
    return changed;
  }

  /** Reconcile under this node's own lock, so that a new chain member has every pair before it serves reads. */
  private async reconfigure(): Promise<void> {
    const { lock, replicas } = this.components;
    const token = randomUUID();
    await lock.acquireExclusive(token, this.init.lockLeaseMs);
    try {
      await replicas.reconcile();
    } finally {
      lock.releaseExclusive(token);
    }
  }
}
