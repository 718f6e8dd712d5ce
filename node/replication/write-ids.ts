/**
 * What a linearizable ring's nodes remember of the writes they applied, by the id the entry
 * node gave each one, so that a write is not applied twice when its retry meets another
 * node than its first attempt did.
 *
 * The entry retries a write whose answer it did not get; the first attempt may have taken
 * effect. If the node the retry reaches applied it afresh, it would get a new version over
 * the writes acknowledged in between, and readers who saw the first one would see it again.
 * So each chain node remembers the writes it applied, as head or as a chain member (before
 * passing them on: the tail may apply them even if its answer never comes back), and a node
 * the retry reaches that knows the id passes the write on again with its first version and
 * answers with it. When ownership moves to a node outside the chain (a joiner before the
 * head, a predecessor taken back on its notify) or when a node departs, the records of the
 * range go with its pairs.
 */
import { BoundedMap } from '../../common/bounded-map.js';
import { hashId, inHalfOpen } from '../../common/ring.js';
import type { KeyedItem, WriteRecord } from '../../common/wire.js';
import type { WriteRequest } from './strategy.js';
import { extended } from '../../common/objects.js';

/**
 * Records kept of the writes a node applied itself: with k = 3, at 1,000 writes a second
 * through the ring's heads, the last 17 s on each node (a retry comes within the entry node's
 * retry deadline, 8 s by default). As many again of those handed over by other nodes, kept
 * apart so that a hand-over cannot push out a node's own. A record is about 150 bytes with a
 * short key, up to 1.2 KiB with a key of the largest size.
 */
export const MAX_WRITE_RECORDS = 50_000;

const recordOf = ({ key, version, expiresAt }: KeyedItem | WriteRecord): WriteRecord => (expiresAt === undefined ? { key, version } : { key, version, expiresAt });

export class AppliedWrites {
  private readonly own: BoundedMap<string, WriteRecord>;
  private readonly handed: BoundedMap<string, WriteRecord>;

  constructor(max = MAX_WRITE_RECORDS) {
    this.own = new BoundedMap(max);
    this.handed = new BoundedMap(max);
  }

  /** Remembers that write `id` made `item` here; the first record of an id stands (a retry passes the same write on again). */
  record(id: string, item: KeyedItem | WriteRecord): void {
    if (!this.own.has(id) && !this.handed.has(id)) this.own.set(id, recordOf(item));
  }

  /** Takes over another node's record of write `id` (a join or depart handing a range over); returns whether it was new here. */
  adopt(id: string, record: WriteRecord): boolean {
    if (this.own.has(id) || this.handed.has(id)) return false;
    this.handed.set(id, recordOf(record));
    return true;
  }

  /** The pair that the write with this id made, if it was applied before: the retry's value with the first version. */
  retried(id: string, request: WriteRequest): KeyedItem | undefined {
    const record = this.own.get(id) ?? this.handed.get(id);
    if (record?.key !== request.key) return undefined;
    return extended(record, { value: request.op === 'put' ? request.value : null });
  }

  /** The records of keys whose ids lie in (from, to] (the whole ring when from = to), to hand over with that range. */
  within(from: bigint, to: bigint): { id: string; record: WriteRecord }[] {
    const found: { id: string; record: WriteRecord }[] = [];
    for (const records of [this.own, this.handed]) {
      for (const [id, record] of records) if (from === to || inHalfOpen(hashId(record.key), from, to)) found.push({ id, record });
    }
    return found;
  }
}
