/**
 * Writes this node applied as a key's owner, by the id the entry node gave each one. An
 * entry whose call timed out tries again; the first attempt may still arrive later (held
 * in a congested or cut link, then delivered by TCP's retransmission). Applied then, it
 * would get a fresh version and undo every write acknowledged in between. The owner
 * therefore answers a second copy of a write instead of applying it again: with the first
 * one's answer, since the write did take effect (the retry of a write whose answer was lost
 * on the way back learns that it succeeded).
 *
 * Bounded: ids are kept for `ttlMs` and at most `max` of them (oldest forgotten first).
 * A copy that arrives after a change of owner meets a node that never saw the id here; in
 * linearizable mode the chain nodes' own records of write ids, handed over in joins and
 * departs, cover that (replication/write-ids.ts, docs/protocol.md).
 */
import { MapCursor } from '../common/bounded-map.js';
import type { OpAnswer } from '../common/wire.js';
import { extended } from '../common/objects.js';

/**
 * One write's record. Its fields change in place and are never deleted: a `delete` turns an
 * object into a dictionary, which made each record cost about 900 bytes, not 260 (200,000
 * of them are kept).
 */
class Seen {
  constructor(
    /** While the first attempt runs: its answer, which a concurrent copy waits for. */
    public inFlight: Promise<OpAnswer> | undefined,
    readonly at: number,
    /** Once it succeeded: its answer without the value, which the copy carries anyway (a value may be large). */
    public done: OpAnswer | undefined = undefined,
  ) {}
}

export class RecentWrites {
  private readonly seen = new Map<string, Seen>();
  /** Walks `seen` oldest first across calls (see MapCursor: a fresh iterator would re-step every deleted id). */
  private readonly cursor = new MapCursor(this.seen);
  /** The oldest id the cursor returned that was kept: looked at first next time. */
  private held?: [string, Seen];

  constructor(private readonly ttlMs = 10 * 60_000, private readonly max = 200_000, private readonly now = Date.now) {}

  /**
   * Applies the write with id `id` once. A copy of it waits for the first attempt while that
   * runs, and afterwards gets its answer (with `value`, the copy's own, put back) without
   * applying anything.
   */
  run(id: string | undefined, value: string | undefined, apply: () => Promise<OpAnswer>): Promise<OpAnswer> {
    if (id === undefined) return apply();
    this.forgetOld();
    const known = this.seen.get(id);
    if (known?.inFlight) return known.inFlight;
    if (known?.done) return Promise.resolve(value === undefined ? known.done : extended(known.done, { value }));
    const inFlight = apply();
    const entry = new Seen(inFlight, this.now());
    this.seen.set(id, entry);
    // A failed attempt may be tried again, so only a success is remembered.
    inFlight.then((answer) => {
      entry.done = withoutValue(answer);
      entry.inFlight = undefined;
    }, () => { this.seen.delete(id); });
    return inFlight;
  }

  private forgetOld(): void {
    const oldest = this.now() - this.ttlMs;
    // Bounded by the ids there are: writes still running come round again at the end.
    for (let steps = this.seen.size; steps > 0; steps--) {
      const next = this.takeHeld() ?? this.cursor.next();
      if (!next) return;
      const [id, entry] = next;
      if (this.seen.size <= this.max && entry.at >= oldest) {
        this.held = next;
        return;
      }
      // A write still running is kept; moved to the end, it is looked at again after the others.
      if (entry.inFlight) {
        this.seen.delete(id);
        this.seen.set(id, entry);
        continue;
      }
      this.seen.delete(id);
    }
  }

  /** The held entry, if it is still where the cursor found it (not forgotten, not replaced by a later attempt). */
  private takeHeld(): [string, Seen] | undefined {
    const held = this.held;
    this.held = undefined;
    return held && this.seen.get(held[0]) === held[1] ? held : undefined;
  }
}

/** The answer without its value, built whole: a copy with the value deleted would be a dictionary. */
function withoutValue(answer: OpAnswer): OpAnswer {
  if (!('value' in answer)) return answer;
  const slim: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(answer)) if (field !== 'value') slim[field] = value;
  return slim as unknown as OpAnswer;
}
