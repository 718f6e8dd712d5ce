/**
 * Linearizable mode: chain replication. The head orders and applies a write, passes it
 * down the chain, and acknowledges it only when the tail has applied it. A read is answered
 * by the head itself when the key is clean there (no write of it on its way down the chain,
 * none whose trip failed) and the head holds a read lease (read-lease.ts); otherwise by the
 * tail. As in CRAQ, a middle node or the tail that a read meets on its way answers it too,
 * from a copy whose version it knows is committed, under a chain lease (chain-lease.ts). Writes headed
 * for the same chain within one tick share one message, which keeps the chain busy without
 * more round trips.
 * The receiving half (`/rpc/chain`, `/rpc/read`) lives here too.
 */
import { BoundedMap } from '../../common/bounded-map.js';
import { KeyNotFound, NotReady, type ChordError } from '../../common/errors.js';
import { hashId } from '../../common/ring.js';
import { atTurnEnd } from '../../common/turn-end.js';
import type { Item, KeyedItem, OpAnswer, Version } from '../../common/wire.js';
import { chain as chainCall, MAX_WRITE_RECORDS_PER_CALL, read as readCall, writeIds } from '../rpc/replication.js';
import { handle, type RpcHandler } from '../rpc/spec.js';
import { applyAtHead, mergeItems, readAnswer, writeAnswer } from './head.js';
import type { ReplicationCallbacks, ReplicationComponents, ReplicationStrategy, WriteRequest } from './strategy.js';
import { AppliedWrites } from './write-ids.js';
import { extended } from '../../common/objects.js';

/** Keys whose confirmed version a chain member remembers at most; a key it forgot is forwarded, as before it was confirmed. */
export const MAX_CONFIRMED = 100_000;

/** A write on its way down the chain, with the id its entry node gave it (absent for pushes of replica placement). */
type ChainItem = KeyedItem & { writeId?: string };


interface Batch {
  addresses: string[];
  items: ChainItem[];
  waiters: { resolve: () => void; reject: (err: unknown) => void }[];
}

export class ChainReplication implements ReplicationStrategy {
  readonly mode = 'linearizable' as const;
  readonly handlers: readonly RpcHandler[];
  private readonly pending = new Map<string, Batch>();
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Writes in the batches on their way down the chain now. */
  private sendingItems = 0;
  /** The writes applied here, as head or chain member, by id, so that a retry is not applied twice. */
  private readonly writes = new AppliedWrites();

  // Head side.
  /**
   * Keys whose newest version here the tail may not have: writes applied here and on their
   * way down the chain (a count per key), and keys of writes whose trip failed (until a write
   * whose version is the newest here is acknowledged: at most one entry per key). Their reads
   * go to the tail.
   */
  private readonly dirty = new Map<string, number>();
  private readonly uncertain = new Set<string>();

  // Member side.
  /**
   * Member side: per key, the newest version this node knows the tail has: the one its last
   * successful call down the chain carried, or the one a read it passed on was answered with
   * (readAnswered). A copy of exactly that version may be answered here under a chain lease;
   * any other (newer, on its way down; or pushed here and not yet known committed) may not.
   * Bounded: the oldest entries are forgotten first.
   */
  private readonly confirmed = new BoundedMap<string, Version>(MAX_CONFIRMED);

  constructor(private readonly components: ReplicationComponents, private readonly callbacks: ReplicationCallbacks) {
    this.handlers = [
      handle(chainCall, (request) => this.applyAndPass(request.items, request.rest)),
      handle(readCall, async (request) => {
        const item = await components.store.get(request.key);
        if (item === undefined && components.handedOn?.(request.key)) {
          components.log.info(`refused a chain read of ${JSON.stringify(request.key)}: handed on lately, and no copy here now`, { key: request.key });
          throw new NotReady(`${components.self.address} handed ${JSON.stringify(request.key)} on to the nodes that hold it now and no longer has it; the chain that read it here is changing; retry`, 'RING_CHANGING');
        }
        return { item: item ?? null, node: components.self.address, hops: request.hops };
      }),
      handle(writeIds, (request) => ({ adopted: request.writes.filter(({ id, record }) => this.writes.adopt(id, record)).length })),
    ];
  }

  /**
   * A middle node or the tail answers a read from its own copy when the copy's version is the
   * one confirmed here and a chain lease covers the key: every write acknowledged
   * before the read began passed this node and left a newer version here. Else undefined:
   * the read goes on to the head.
   */
  async readOnPath(key: string, hops: number): Promise<OpAnswer | undefined> {
    const { store, versions, self } = this.components;
    const id = hashId(key);
    const covered = () => this.components.chainLeaseCovers?.(id) === true;
    if (this.components.owns?.(id) !== false || !covered()) return undefined;
    const confirmed = this.confirmed.get(key);
    if (confirmed === undefined) return undefined;
    const item = await store.get(key);
    // The lease is judged again after reading: one in force now was in force when the copy was read.
    // A pair with a time to live is left to the head, whose clock judges its expiry.
    if (!item || item.expiresAt !== undefined || !versions.same(item.version, confirmed) || !covered()) return undefined;
    return readAnswer(key, item, self.address, hops, this.components.now());
  }

  /**
   * A read this node passed on came back with a version committed down the chain (the head's
   * clean copy, the tail's, or another member's confirmed one). A member holding that very
   * version may answer the key itself from now on, as if the write had come down the chain
   * through it. A lease covers only a range whose pairs its head pushed to this node before
   * admitting it, and every write acknowledged since went through it: so any write newer
   * than the answer (however late the answer came) left a newer version here, and the
   * versions differ. A member that got its pairs by a push (admitted to the chain, or back
   * in it after churn) so serves a key again after one read of it, not only after its next
   * write. A pair with a time to live is left to the head, as in readOnPath.
   */
  readAnswered(key: string, id: bigint, answer: OpAnswer): void {
    const version = 'version' in answer && !('expiresAt' in answer && answer.expiresAt !== undefined) ? answer.version : undefined;
    if (version === undefined || this.components.owns?.(id) !== false || this.components.chainLeaseCovers?.(id) !== true) return;
    this.components.store.get(key).then((item) => {
      if (item && this.components.versions.same(item.version, version)) this.confirm(key, version);
    }, () => undefined);
  }

  async write(request: WriteRequest, reqId?: string): Promise<OpAnswer> {
    const id = request.id;
    const key = request.key;
    if (this.components.mayHead && !await this.components.mayHead()) throw this.notHeading();
    // Dirty before the store changes: a read that sees the new version here also sees the mark.
    this.dirty.set(key, (this.dirty.get(key) ?? 0) + 1);
    try {
      // A write applied here before (its trip down the chain failed, or the head that passed it
      // on failed) goes on again with its first version, which may be at the tail already.
      const earlier = id !== undefined ? this.writes.retried(id, request) : undefined;
      // A copy here too (it normally is already; a newer pair stays): this node answers reads.
      if (earlier) await mergeItems(this.components.store, this.components.versions, [earlier]);
      const item = earlier ?? await this.applyAtHead(request, reqId);
      if (id !== undefined) this.writes.record(id, item);
      try {
        await this.replicate(item, id);
      } catch (err) {
        // A chain member is gone or slow: the chain is rebuilt soon, and the caller retries.
        this.uncertain.add(key);
        this.callbacks.onReplicaFailed();
        throw err;
      }
      // The tail now has this version; a later one applied here whose trip failed may still be
      // missing there, so an uncertain key is clean again only if this version is the newest.
      if (this.uncertain.has(key) && await this.isNewest(key, item.version)) this.uncertain.delete(key);
      return this.acknowledged(request, item);
    } finally {
      const count = this.dirty.get(key)! - 1;
      if (count === 0) this.dirty.delete(key);
      else this.dirty.set(key, count);
    }
  }

  /** Whether `version` is the newest this node holds of `key` (if the store cannot say: no). */
  private async isNewest(key: string, version: Version): Promise<boolean> {
    const current = await this.components.store.get(key).catch(() => null);
    return current === undefined || (current !== null && !this.components.versions.later(current.version, version));
  }

  private acknowledged(request: WriteRequest, item: KeyedItem): OpAnswer {
    this.callbacks.onAcknowledged(item);
    return writeAnswer(request, item, this.components.self.address);
  }

  /**
   * The head's state includes writes still on their way down the chain, so "not found" for a
   * delete is said only when the tail, whose state is acknowledged, agrees. When the tail
   * still holds the key (a delete in flight, or a head that missed a write), the delete
   * goes down the chain as a tombstone like any other.
   */
  private async applyAtHead(request: WriteRequest, reqId: string | undefined): Promise<KeyedItem> {
    const { store, versions } = this.components;
    // Judged again where the version is picked: the lease may have run out while the write
    // waited (for the key's update, or for the tail's answer below), and a version picked after
    // that could be newer than the writes a successor acknowledged in this node's place.
    const beforeVersion = () => {
      if (this.components.headsNow && !this.components.headsNow()) throw this.notHeading();
    };
    try {
      return await applyAtHead(store, versions, request, this.components.now(), { beforeVersion });
    } catch (err) {
      if (!(err instanceof KeyNotFound) || request.op !== 'delete' || request.expired) throw err;
      await this.read(request.key, request.hops, reqId); // KeyNotFound when the tail agrees
      return applyAtHead(store, versions, request, this.components.now(), { evenIfAbsent: true, beforeVersion });
    }
  }

  private notHeading(): NotReady {
    return new NotReady(`${this.components.self.address} holds no lease from its successor, which may have taken its range over; retry`, 'RING_CHANGING');
  }

  async read(key: string, hops: number, reqId?: string): Promise<OpAnswer> {
    const answer = await this.acknowledgedCopy(key, hops, reqId);
    return readAnswer(key, answer.item, answer.node, answer.hops, this.components.now());
  }

  async lastAcknowledged(key: string): Promise<Item | undefined> {
    return (await this.acknowledgedCopy(key, 0)).item ?? undefined;
  }

  /** The key's pair as last acknowledged (a tombstone too): this head's own when the key is clean here, else the tail's. */
  private async acknowledgedCopy(key: string, hops: number, reqId?: string): Promise<{ item: Item | null | undefined; node: string; hops: number }> {
    const { self, store, rpc } = this.components;
    const tail = this.components.chain().at(-1);
    const clean = () => !this.dirty.has(key) && !this.uncertain.has(key) && this.components.readLease?.() === true;
    if (tail && clean()) {
      const local = await store.get(key);
      // Judged again after reading: a write applied before the read marked the key first,
      // and a lease in force now was in force when the read was made.
      if (clean()) return { item: local, node: self.address, hops };
    }
    // Only a head that has not been replaced may speak for the range, as only it may write:
    // one whose successor took the range over acknowledges nothing more, so neither its own
    // copy nor its tail need hold what was acknowledged since (a chain it rebuilt from a
    // stand-in successor, after a cut, holds only the stale copies it pushed there).
    if (this.components.mayHead && !await this.components.mayHead()) throw this.notHeading();
    if (!tail) {
      // No chain (k = 1, or every successor gone): this copy is the only one, read under the
      // lease, judged again after reading as above.
      const item = await store.get(key);
      if (this.components.headsNow && !this.components.headsNow()) throw this.notHeading();
      return { item, node: self.address, hops };
    }
    return rpc.call(readCall, tail.address, { key, hops: hops + 1 }, reqId).catch((err: unknown) => {
      // The tail handed the key on: the ring changed round this node before it noticed. Look now.
      if ((err as ChordError).code === 'RING_CHANGING') this.callbacks.onReplicaFailed();
      throw err;
    });
  }

  backlog(): number {
    let items = 0;
    for (const batch of this.pending.values()) items += batch.items.length;
    return items + this.sendingItems;
  }

  async flush(): Promise<void> {
    while (this.pending.size > 0 || this.inFlight.size > 0) {
      await new Promise((resolve) => setImmediate(resolve));
      await Promise.allSettled([...this.inFlight]);
    }
  }

  close(): void {}

  /** Hands the records of writes to keys in (from, to] to `address`, which takes over that range. */
  async handOver(address: string, from: bigint, to: bigint): Promise<void> {
    const writes = this.writes.within(from, to);
    for (let i = 0; i < writes.length; i += MAX_WRITE_RECORDS_PER_CALL) {
      await this.components.rpc.call(writeIds, address, { writes: writes.slice(i, i + MAX_WRITE_RECORDS_PER_CALL) });
    }
  }

  /** A batch arriving from the node before this one: apply it, pass it on, answer once the tail has it. */
  private async applyAndPass(items: ChainItem[], rest: string[]): Promise<{ applied: number }> {
    // The sender was this node's predecessor and was judged failed; this node took its range
    // over and may have acknowledged newer writes since. Its write, late or new, must not undo them.
    const headed = items.find((item) => this.components.headsItself?.(hashId(item.key)) === true);
    if (headed) {
      const message = `refused a chain write of ${JSON.stringify(headed.key)}: this node heads its range now, not the node that sent it down the chain`;
      this.components.log.warn(message, { key: headed.key, items: items.length });
      throw new NotReady(`${this.components.self.address} ${message}; retry`, 'RING_CHANGING');
    }
    // Before passing them on, even before applying them: the tail may apply them even if its
    // answer never comes back, and a retry here rebuilds and applies the pair itself.
    for (const item of items) if (item.writeId !== undefined) this.writes.record(item.writeId, item);
    const applied = await mergeItems(this.components.store, this.components.versions, items);
    if (rest.length > 0) await this.components.rpc.call(chainCall, rest[0], { items, rest: rest.slice(1) });
    for (const item of items) this.confirm(item.key, item.version);
    return { applied };
  }

  /** Remembers `version` as confirmed, unless a later one is (a retry may pass an old version down again). */
  private confirm(key: string, version: Version): void {
    const known = this.confirmed.get(key);
    if (known !== undefined && this.components.versions.later(known, version)) return;
    this.confirmed.set(key, version);
  }

  private replicate(item: KeyedItem, writeId: string | undefined): Promise<void> {
    const addresses = this.components.chain().map((member) => member.address);
    if (addresses.length === 0) return Promise.resolve();
    const id = addresses.join(' ');
    let batch = this.pending.get(id);
    if (!batch) {
      batch = { addresses, items: [], waiters: [] };
      this.pending.set(id, batch);
      // The batch carries many writes: it is no single request's work, and its call carries no request id.
      atTurnEnd(() => this.send(id));
    }
    batch.items.push(writeId === undefined ? item : extended(item, { writeId }));
    const waiters = batch.waiters;
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  }

  private send(id: string): void {
    const batch = this.pending.get(id);
    if (!batch) return;
    this.pending.delete(id);
    const [first, ...rest] = batch.addresses;
    const call = this.components.rpc.call(chainCall, first, { items: batch.items, rest }).then(
      () => batch.waiters.forEach((w) => w.resolve()),
      (err) => batch.waiters.forEach((w) => w.reject(err)),
    );
    this.inFlight.add(call);
    this.sendingItems += batch.items.length;
    void call.finally(() => {
      this.inFlight.delete(call);
      this.sendingItems -= batch.items.length;
    });
  }
}
