/**
 * The recorded history of a torture run: one entry per client operation, in the order the
 * operations were invoked. Times are milliseconds on one monotonic clock (performance.now of
 * the recording process), so invoke/complete of different clients compare directly.
 */

/** How an operation ended, as far as the client can know. */
export type Outcome =
  /** Answered with success: a write took effect; a read saw `value`. */
  | 'ok'
  /** Definitely did not take effect (the store refused it before applying anything). */
  | 'fail'
  /** The client cannot tell (timeout, connection lost, 5xx mid-way): a write may or may not have taken effect, at any time after its invocation. */
  | 'unknown';

export type OpKind = 'write' | 'read' | 'delete';

export interface Operation {
  /** Unique within the history, increasing in invocation order. */
  readonly id: number;
  /** The client (logical process) that issued it; a process has at most one operation in flight. */
  readonly process: number;
  readonly key: string;
  readonly kind: OpKind;
  /**
   * write: the value written (unique per key within a run, so a read names the write it saw);
   * read with outcome ok: the value read, null when the key was absent;
   * delete, or a read that did not answer: null.
   */
  readonly value: string | null;
  readonly invoke: number;
  /** Completion time; null when the outcome is unknown (the operation may take effect at any later time). */
  readonly complete: number | null;
  readonly outcome: Outcome;
  /** Which node the client asked and, for diagnosis, the error code or message when it did not succeed. */
  readonly node?: string;
  readonly error?: string;
  /**
   * A read in a quorum ring that found concurrent writes: every live value it answered
   * (`value` is then the first). Each must be one a correct read could see.
   */
  readonly siblings?: readonly string[];
  /** The version the store named in its answer (JSON), for diagnosis only: the checker never reads it. */
  readonly version?: string;
}

/** The register's state before any operation: every key starts absent. */
export const ABSENT = null;
