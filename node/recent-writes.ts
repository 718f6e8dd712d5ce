/**
 * Writes this node applied as a key's owner, by the id the entry node gave each one. An
 * entry whose call timed out tries again; the first attempt may still arrive later (held
 * in a congested or cut link, then delivered by TCP's retransmission). Applied then, it
 * would get a fresh version and undo every write acknowledged in between. The owner
 * therefore answers a second copy of a write instead of applying it again.
 *
 * Bounded: ids are kept for `ttlMs` and at most `max` of them (oldest forgotten first).
 * A copy that arrives after a change of owner meets a node that never saw the id: the
 * guard holds only while the owner stays the same (see docs/protocol.md).
 */
import { ChordError } from '../common/errors.js';
import type { OpAnswer } from '../common/wire.js';

export class RecentWrites {
  /** In flight: the attempt's answer, which a concurrent copy waits for. Done: when it was applied. */
  private readonly seen = new Map<string, { inFlight?: Promise<OpAnswer>; at: number }>();

  constructor(private readonly ttlMs = 10 * 60_000, private readonly max = 200_000, private readonly now = Date.now) {}

  /** Applies the write with id `id` once; a copy of it waits for the first (in flight) or is refused (done). */
  run(id: string | undefined, apply: () => Promise<OpAnswer>): Promise<OpAnswer> {
    if (id === undefined) return apply();
    this.forgetOld();
    const known = this.seen.get(id);
    if (known?.inFlight) return known.inFlight;
    if (known) {
      return Promise.reject(new ChordError('DUPLICATE_WRITE', `write ${id} was already applied; this copy of it arrived late and changed nothing`));
    }
    const inFlight = apply();
    const entry: { inFlight?: Promise<OpAnswer>; at: number } = { inFlight, at: this.now() };
    this.seen.set(id, entry);
    // A failed attempt may be tried again, so only a success is remembered; the answer itself
    // (it may hold a large value) is dropped once nobody can be waiting for it.
    inFlight.then(() => { delete entry.inFlight; }, () => { this.seen.delete(id); });
    return inFlight;
  }

  private forgetOld(): void {
    const oldest = this.now() - this.ttlMs;
    for (const [id, entry] of this.seen) {
      if (this.seen.size <= this.max && entry.at >= oldest) break;
      if (entry.inFlight) continue;
      this.seen.delete(id);
    }
  }
}
