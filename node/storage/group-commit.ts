/**
 * Group commit: the writes a store makes while its previous batch is on its way to disk go
 * down together, as one LevelDB batch. With `sync` that is one fsync for all of them
 * instead of one each, which is what an fsync'd store's throughput is made of; without it,
 * fewer, larger writes to LevelDB's log. A write resolves once its batch is durable (as
 * durable as the batch's options make it); a failed batch fails every write in it. Batches
 * go down one after another, so writes reach the disk in the order they were submitted.
 */
import { atTurnEnd } from '../../common/turn-end.js';

export type GroupOp = ({ type: 'put'; key: string; value: unknown } | { type: 'del'; key: string }) & {
  /** The sublevel the key lives in (a ring id's pairs or hints: several ids may share one database and its batches). */
  in: string;
};

export class GroupCommit {
  private queued: { op: GroupOp; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private writing: Promise<void> | null = null;
  /** Batches written so far (tests and benchmarks read it). */
  commits = 0;

  /** `write` puts one batch to disk. */
  constructor(private readonly write: (ops: GroupOp[]) => Promise<void>) {}

  submit(op: GroupOp): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queued.push({ op, resolve, reject });
      // Writes made in the same turn of the event loop share the first batch (not only those of
      // one callback: each handoff to LevelDB's thread costs two wake-ups); the rest wait for
      // the one on its way.
      if (!this.writing) this.writing = new Promise<void>((turnEnd) => atTurnEnd(turnEnd)).then(() => this.drain());
    });
  }

  private async drain(): Promise<void> {
    while (this.queued.length > 0) {
      const batch = this.queued;
      this.queued = [];
      this.commits++;
      try {
        await this.write(batch.map((w) => w.op));
        batch.forEach((w) => w.resolve());
      } catch (err) {
        batch.forEach((w) => w.reject(err));
      }
    }
    this.writing = null;
  }
}
