/**
 * Quorum mode (Dynamo). The key's owner, the first live node of its preference list (the
 * owner and the next N-1 nodes), coordinates: a write is stored there and sent to the
 * other N-1, and acknowledged once W copies (the coordinator's included) took it; a read
 * asks all N and answers once R did, merging what they hold. Versions are dotted version
 * vectors: racing writes become siblings, which a write carrying the context of a read
 * that showed them resolves. A write without a context reads first (R), so that sequential
 * writes supersede each other. With `sloppy`, a preference-list node that does not take a
 * write is replaced by the next healthy node beyond the list, which keeps the copy as a hint
 * and hands it over when that node answers again. After a read, nodes that answered an
 * older version get the newest in the background (read repair).
 */
import { distinctProcesses, sameProcess } from '../../common/vnodes.js';
import { ChordError, InvalidRequest, KeyNotFound, VersionMismatch } from '../../common/errors.js';
import type { Item, KeyedItem, Member, OpAnswer, QuorumSettings } from '../../common/wire.js';
import { quorumRead, quorumStore } from '../rpc/quorum.js';
import { apply } from '../rpc/replication.js';
import { handle, type RpcHandler } from '../rpc/spec.js';
import { contextOf, decodeContext, encodeContext, mergeSiblings, sameSet, writeSibling, type Clock, type DottedValue } from '../versions/dotted.js';
import { itemOf, MAX_SIBLINGS, siblingsOf } from '../versions/dotted-versions.js';
import { isConditional } from './head.js';
import type { ReplicationCallbacks, ReplicationComponents, ReplicationStrategy, WriteRequest } from './strategy.js';

const HANDOFF_INTERVAL_MS = 1000;
const HANDOFF_BATCH = 500;

/** Every mode's components, with the settings narrowed to quorum mode's. */
export interface QuorumComponents extends ReplicationComponents {
  readonly settings: QuorumSettings;
}

/** One node's answer to a read: its siblings of the key (none: it holds nothing). */
interface Answer {
  address: string;
  siblings: DottedValue[];
  /** It answered for a preference-list node that did not: not a holder, and not repaired. */
  standIn: boolean;
}

export class QuorumNotMet extends ChordError {
  constructor(what: 'read' | 'write', needed: number, answered: number, n: number) {
    const verb = what === 'read' ? 'answered' : 'took it';
    super('QUORUM_NOT_MET',
      `only ${answered} of the ${needed} replicas this ${what} needs ${verb} (${what === 'read' ? 'R' : 'W'}=${needed} of N=${n}); `
      + 'replicas are down or unreachable: retry once they are back or the ring has replaced them',
      { details: { needed, answered } });
  }
}

export class QuorumReplication implements ReplicationStrategy {
  readonly mode = 'quorum' as const;
  readonly handlers: readonly RpcHandler[];
  /** Sends still running after their operation was answered (the rest of N, read repairs), for flush. */
  private readonly background = new Set<Promise<unknown>>();
  private readonly handoffTimer: NodeJS.Timeout;
  private handingOff: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly components: QuorumComponents, private readonly callbacks: ReplicationCallbacks) {
    this.handlers = [
      handle(quorumStore, async ({ item, hint }) => ({ stored: await this.storeHere(item, hint) })),
      handle(quorumRead, async ({ key }) => ({ item: await this.heldHere(key) })),
    ];
    // Hints go out on their own schedule: one pass serves many writes and no single request.
    this.handoffTimer = setInterval(() => void this.handOff(), HANDOFF_INTERVAL_MS);
    this.handoffTimer.unref();
  }

  readOnPath(): Promise<undefined> {
    return Promise.resolve(undefined); // the coordinator answers
  }

  async write(request: WriteRequest, reqId?: string): Promise<OpAnswer> {
    const { key, hops } = request;
    this.refuseUnsupported(request);
    const { store, self } = this.components;
    const context = request.context !== undefined ? parseContext(request.context) : await this.contextForBlindWrite(request, reqId);
    const value = request.op === 'put' ? request.value : null;
    let written!: DottedValue;
    let item!: KeyedItem;
    await store.update(key, (current) => {
      const write = writeSibling(current ? siblingsOf(current) : [], context, self.address, value, this.components.now() * 1000);
      if (write.siblings.length > MAX_SIBLINGS) {
        throw new ChordError('TOO_MANY_SIBLINGS', `the key ${JSON.stringify(key)} would have ${write.siblings.length} concurrent versions; `
          + 'read it and write with the context the read answered, which resolves them');
      }
      written = write.written;
      item = { key, ...itemOf(write.siblings) };
      return item;
    });
    await this.replicate(item, reqId);
    this.callbacks.onAcknowledged(item);
    if (request.op === 'delete') return { key, deleted: true, node: self.address, hops };
    return { key, value: request.value, context: encodeContext(contextOf([written])), node: self.address, hops };
  }

  async read(key: string, hops: number, reqId?: string): Promise<OpAnswer> {
    const siblings = await this.gather(key, 'read', reqId);
    const live = siblings.flatMap((s) => (s.value === null ? [] : [s.value]));
    if (live.length === 0) throw new KeyNotFound(key);
    const context = encodeContext(contextOf(siblings));
    const node = this.components.self.address;
    return live.length === 1 ? { key, value: live[0], context, node, hops } : { key, siblings: live, context, node, hops };
  }

  backlog(): number {
    return this.background.size + this.components.hints.size();
  }

  async flush(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.handoffTimer);
  }

  private refuseUnsupported(request: WriteRequest): void {
    if (isConditional(request)) {
      throw new ChordError('CONDITIONAL_WRITE_UNSUPPORTED',
        'compare-and-set (ifVersion, ifAbsent) needs a linearizable ring; in a quorum ring, write with the context a read answered');
    }
    if (request.op === 'put' && request.ttlMs !== undefined) throw new ChordError('TTL_UNSUPPORTED', 'times to live (ttlMs) need a linearizable or eventual ring');
    if (request.op === 'delete' && request.expired) throw new VersionMismatch(request.key, null, 'expired'); // no pair here expires
  }

  /**
   * A write without a context supersedes what a read quorum holds: with R + W > N that
   * includes every acknowledged write, so writes made one after another never become siblings.
   */
  private async contextForBlindWrite(request: WriteRequest, reqId: string | undefined): Promise<Clock> {
    const seen = await this.gather(request.key, 'write', reqId);
    if (request.op === 'delete' && seen.every((s) => s.value === null)) throw new KeyNotFound(request.key);
    return contextOf(seen);
  }

  /** Merges a write into this node's copy, or keeps it for `hint`, the node it was meant for. */
  private async storeHere(item: KeyedItem, hint: string | undefined): Promise<boolean> {
    const { store, hints, versions } = this.components;
    if (!versions.isVersion(item.version)) throw new InvalidRequest('INVALID_REQUEST', 'the item\'s version is not a quorum ring\'s (dotted version vector)');
    if (hint !== undefined && hint !== this.components.self.address) {
      await hints.add(hint, item, (incoming, current) => versions.merge(incoming, current));
      return true;
    }
    return store.update(item.key, (current) => versions.merge(item, current));
  }

  /** What this node holds of `key`, with any copies it keeps for other nodes merged in. */
  private async heldHere(key: string): Promise<Item | null> {
    const { store, hints } = this.components;
    const copies = [await store.get(key), ...hints.forKey(key)].filter((c): c is Item => c !== undefined);
    if (copies.length === 0) return null;
    return itemOf(copies.map(siblingsOf).reduce((a, b) => mergeSiblings(a, b)));
  }

  /** The nodes after this one that hold the key's copies, and (sloppy) the stand-ins beyond them. */
  private targets(): { preference: readonly Member[]; standIns: Member[] } {
    const { self, settings } = this.components;
    const preference = this.components.chain();
    const standIns = settings.sloppy
      ? distinctProcesses(self.address, this.components.successors()).filter((m) => !preference.some((p) => sameProcess(p.address, m.address)))
      : [];
    return { preference, standIns };
  }

  /**
   * Calls every preference-list node at once. A call that fails is tried on the next unused
   * stand-in (sloppy quorum), on behalf of the same node, until one succeeds or none is left;
   * `ended` then runs once for that node: true when its call, or a stand-in's, succeeded.
   * Returns how many nodes were called.
   */
  private fanOut(call: (target: Member, insteadOf?: Member) => Promise<void>, ended: (ok: boolean) => void): number {
    const { preference, standIns } = this.targets();
    const attempt = (target: Member, insteadOf?: Member): void => {
      this.track(call(target, insteadOf).then(() => ended(true), () => {
        const next = standIns.shift();
        if (next) attempt(next, insteadOf ?? target);
        else ended(false);
      }));
    };
    preference.forEach((member) => attempt(member));
    return preference.length;
  }

  /**
   * Sends the write to the other preference-list nodes; resolves once W copies took it. A
   * node that fails is replaced by the next stand-in, if sloppy, with a hint naming it; sends
   * still running after the write was acknowledged finish in the background.
   */
  private replicate(item: KeyedItem, reqId: string | undefined): Promise<void> {
    const { w, k } = this.components.settings;
    const store = (target: Member, insteadOf?: Member) => this.components.rpc
      .call(quorumStore, target.address, insteadOf ? { item, hint: insteadOf.address } : { item }, reqId)
      .then(() => undefined, (err: unknown) => {
        this.callbacks.onReplicaFailed();
        throw err;
      });
    return new Promise((resolve, reject) => {
      let acks = 1;
      let outstanding = 0;
      const settle = () => {
        if (acks >= w) resolve();
        else if (outstanding === 0) reject(new QuorumNotMet('write', w, acks, Math.min(k, called + 1)));
      };
      const called = outstanding = this.fanOut(store, (ok) => {
        if (ok) acks++;
        outstanding--;
        settle();
      });
      settle();
    });
  }

  /**
   * Asks every preference-list node (a stand-in for one that fails, if sloppy) for its copy
   * of `key`; resolves with the merge once R answered (this node's own copy counts). Once
   * all have answered, those that hold an older version get the merge (read repair).
   */
  private async gather(key: string, what: 'read' | 'write', reqId: string | undefined): Promise<DottedValue[]> {
    const { r, k } = this.components.settings;
    const { self, rpc } = this.components;
    const own = await this.heldHere(key);
    const answers: Answer[] = [{ address: self.address, siblings: own ? siblingsOf(own) : [], standIn: false }];
    const merged = () => answers.map((a) => a.siblings).reduce((a, b) => mergeSiblings(a, b), []);
    const read = async (target: Member, insteadOf?: Member) => {
      const { item } = await rpc.call(quorumRead, target.address, { key }, reqId);
      answers.push({ address: target.address, siblings: item ? siblingsOf(item) : [], standIn: insteadOf !== undefined });
    };
    return new Promise((resolve, reject) => {
      let outstanding = 0;
      const settle = () => {
        if (answers.length >= r) resolve(merged());
        else if (outstanding === 0) reject(new QuorumNotMet(what, r, answers.length, Math.min(k, called + 1)));
        if (outstanding === 0) this.repair(key, answers, merged(), reqId);
      };
      const called = outstanding = this.fanOut(read, () => {
        outstanding--;
        settle();
      });
      settle();
    });
  }

  /** Read repair: every holder that answered something older than `newest` gets it. */
  private repair(key: string, answers: readonly Answer[], newest: DottedValue[], reqId: string | undefined): void {
    if (newest.length === 0) return;
    const item: KeyedItem = { key, ...itemOf(newest) };
    for (const answer of answers) {
      if (answer.standIn || sameSet(answer.siblings, newest)) continue;
      if (answer.address === this.components.self.address) this.track(this.storeHere(item, undefined));
      else this.track(this.components.rpc.call(quorumStore, answer.address, { item }, reqId));
    }
  }

  /** Hinted handoff: hands every hint to the node it was meant for, if it answers; drops what it took. */
  private handOff(): Promise<void> {
    this.handingOff ??= this.handOffAll().finally(() => { this.handingOff = null; });
    return this.handingOff;
  }

  /** Every node's hints at once: one that stays down (each try costs it a timeout) holds up no other. */
  private async handOffAll(): Promise<void> {
    await Promise.allSettled([...this.components.hints.byNode()].map(([intended, items]) => this.handOffTo(intended, items)));
  }

  private async handOffTo(intended: string, items: readonly KeyedItem[]): Promise<void> {
    const { hints, rpc, versions, log } = this.components;
    try {
      for (let i = 0; i < items.length && !this.closed; i += HANDOFF_BATCH) {
        const batch = items.slice(i, i + HANDOFF_BATCH);
        await rpc.call(apply, intended, { items: batch });
        for (const item of batch) await hints.remove(intended, item.key, (current) => versions.same(current.version, item.version));
      }
      log.info(`handed ${items.length} hinted write${items.length === 1 ? '' : 's'} to ${intended}`, { peer: intended, hints: items.length });
    } catch {
      // Still down: its hints wait for the next pass.
    }
  }


  private track(promise: Promise<unknown>): void {
    const tracked = promise.catch(() => undefined).finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }
}

function parseContext(context: string): Clock {
  const clock = decodeContext(context);
  if (!clock) throw new ChordError('INVALID_CONTEXT', 'the context is not one this ring gave out: send back the context a read or write answered, unchanged');
  return clock;
}
