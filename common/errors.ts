/**
 * One error tree for the whole system. Every error that can reach a client is a
 * ChordError with a stable SCREAMING_SNAKE `code` and an HTTP `status`; the original
 * failure, when there is one, rides along as `cause`.
 */
export class ChordError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 500,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  toJSON(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

/** The request is malformed: bad JSON, a missing or wrong-typed field, a bad key. */
export class InvalidRequest extends ChordError {
  constructor(code: string, message: string, status = 400) {
    super(code, message, status);
  }
}

export class KeyNotFound extends ChordError {
  constructor(key: string) {
    super('KEY_NOT_FOUND', `no value is stored under the key ${JSON.stringify(key)}`, 404);
  }
}

/** The node cannot serve yet (still joining, departing, or its ring is changing). */
export class NotReady extends ChordError {
  constructor(message: string, code = 'NOT_READY') {
    super(code, message, 503);
  }
}

/** A membership request that conflicts with the ring as it is (joining twice, last node departing). */
export class Conflict extends ChordError {
  constructor(code: string, message: string) {
    super(code, message, 409);
  }
}

export class PeerUnreachable extends ChordError {
  constructor(address: string, cause?: unknown) {
    super('PEER_UNREACHABLE', `node ${address} is unreachable`, 503, { cause });
  }
}

export class PeerTimeout extends ChordError {
  constructor(address: string, cause?: unknown) {
    super('PEER_TIMEOUT', `node ${address} did not answer in time`, 504, { cause });
  }
}

/** Bad configuration; raised once, at an entry point, listing every problem. */
export class ConfigError extends ChordError {
  constructor(readonly problems: string[]) {
    super('BAD_CONFIG', problems.join('; '), 400);
  }
}

/** Wraps anything that is not already a ChordError, so callers see one type. */
export function asChordError(err: unknown): ChordError {
  if (err instanceof ChordError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ChordError('INTERNAL', message, 500, { cause: err });
}

/** True when `err` says that `address` itself is gone (unreachable, or no longer a member). */
export function isGone(err: unknown, address: string): boolean {
  if (!(err instanceof ChordError)) return false;
  if (err.code === 'NOT_A_MEMBER') return err.message.includes(address);
  return err.code === 'PEER_UNREACHABLE' && err.message.includes(address);
}
