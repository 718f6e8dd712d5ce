/**
 * One error tree for the whole system. Every error that can reach a client is a
 * ChordError with a stable SCREAMING_SNAKE `code`; the catalogue below gives each code its
 * HTTP status and says whether a caller may retry it. The original failure, when there is
 * one, rides along as `cause`; an error about a particular peer names it in `peer`.
 */

/**
 * How a caller may react to an error:
 * - `ring`: the ring was changing under the request; the same request soon will likely succeed;
 * - `elsewhere`: this node or peer cannot serve (gone, slow, not a member yet); another one, or a later try, can;
 * - `never`: retrying cannot help (bad input, a conflict, a missing key, a local failure).
 */
export type Retry = 'ring' | 'elsewhere' | 'never';

const entry = (status: number, retry: Retry = 'never') => ({ status, retry });

/** Every code the system raises, with its HTTP status and retry class. */
export const ERROR_CATALOGUE = {
  // the request itself
  BAD_REQUEST: entry(400),
  BAD_JSON: entry(400),
  INVALID_KEY: entry(400),
  KEY_TOO_LONG: entry(400),
  INVALID_VALUE: entry(400),
  VALUE_TOO_LARGE: entry(413),
  PAYLOAD_TOO_LARGE: entry(413),
  UNSUPPORTED_MEDIA_TYPE: entry(415),
  INVALID_OP: entry(400),
  INVALID_REQUEST: entry(400),
  NOT_FOUND: entry(404),
  METHOD_NOT_ALLOWED: entry(405),
  NOT_IMPLEMENTED: entry(501),
  UNAUTHORIZED: entry(401),
  KEY_NOT_FOUND: entry(404),
  VERSION_MISMATCH: entry(409),
  CONDITIONAL_WRITE_UNSUPPORTED: entry(400),
  TTL_UNSUPPORTED: entry(400),
  INVALID_CONTEXT: entry(400),
  TOO_MANY_SIBLINGS: entry(409),
  // the ring's state
  NOT_READY: entry(503, 'elsewhere'),
  NOT_A_MEMBER: entry(503, 'elsewhere'),
  RING_CHANGING: entry(503, 'ring'),
  ROUTING_LOOP: entry(503, 'ring'),
  WRONG_SUCCESSOR: entry(409, 'ring'),
  ALREADY_MEMBER: entry(409),
  LAST_NODE: entry(409),
  // other nodes
  PEER_UNREACHABLE: entry(503, 'elsewhere'),
  PEER_TIMEOUT: entry(504, 'elsewhere'),
  PEER_OVERLOADED: entry(503, 'elsewhere'),
  BAD_RESPONSE: entry(502),
  QUORUM_NOT_MET: entry(503, 'elsewhere'),
  // this process
  BAD_CONFIG: entry(400),
  DATA_DIR_UNUSABLE: entry(500),
  DATA_DIR_LOCKED: entry(500),
  DATA_DIR_MISMATCH: entry(500),
  DATA_DIR_MISSING: entry(404),
  INTERNAL: entry(500),
  // the command line
  USAGE: entry(400),
  NO_NODES: entry(400),
  FILE_UNREADABLE: entry(400),
  RING_UNREACHABLE: entry(503),
} as const satisfies Record<string, { status: number; retry: Retry }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface ErrorOptions {
  cause?: unknown;
  /** Facts a caller can act on, sent beside code and message (e.g. the current `version`). */
  details?: Record<string, unknown>;
  /** The peer the error is about (unreachable, too slow, not a member). */
  peer?: string;
  /** Overrides the catalogue's status (an error relayed from another node keeps the status it came with). */
  status?: number;
}

export class ChordError extends Error {
  readonly status: number;
  readonly peer?: string;
  readonly details: Record<string, unknown>;

  constructor(readonly code: string, message: string, options: ErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.status = options.status ?? ERROR_CATALOGUE[code as ErrorCode]?.status ?? 500;
    if (options.peer !== undefined) this.peer = options.peer;
    this.details = options.details ?? {};
  }

  /** Whether and how the caller may retry (unknown codes: never). */
  get retry(): Retry {
    return retryOfCode(this.code);
  }

  /** The same error, of the same class, naming another peer (a ring id where the transport saw its process). */
  withPeer(peer: string): this {
    return Object.assign(Object.create(Object.getPrototypeOf(this) as object) as this, this, { peer });
  }

  toJSON(): ErrorBody {
    return { error: { ...this.details, code: this.code, message: this.message, ...(this.peer ? { peer: this.peer } : {}) } };
  }

  /** The error another node answered with, as this side sees it. */
  static fromBody(body: ErrorBody, status: number): ChordError {
    const { code, message, peer, ...details } = body.error;
    return new ChordError(code, String(message), { status, peer: typeof peer === 'string' ? peer : undefined, details });
  }
}

/** An error as it travels in a response body: code and message, and any details beside them. */
export interface ErrorBody {
  error: { code: string; message: string; peer?: string; [detail: string]: unknown };
}

/** The request is malformed: bad JSON, a missing or wrong-typed field, a bad key. */
export class InvalidRequest extends ChordError {
  constructor(code: ErrorCode, message: string) {
    super(code, message);
  }
}

export class KeyNotFound extends ChordError {
  constructor(key: string) {
    super('KEY_NOT_FOUND', `no value is stored under the key ${JSON.stringify(key)}`);
  }
}

/** A compare-and-set whose condition does not hold; `version` is the key's live version (null: none). */
export class VersionMismatch extends ChordError {
  constructor(key: string, current: unknown, expected: string) {
    super('VERSION_MISMATCH', `the key ${JSON.stringify(key)} ${current === null ? 'has no value' : `is at version ${JSON.stringify(current)}`}, not ${expected}`,
      { details: { version: current } });
  }
}

/** The node cannot serve yet (still joining, departing, or its ring is changing). */
export class NotReady extends ChordError {
  constructor(message: string, code: 'NOT_READY' | 'RING_CHANGING' = 'NOT_READY', cause?: unknown) {
    super(code, message, { cause });
  }
}

/** A membership request that conflicts with the ring as it is (joining twice, last node departing). */
export class Conflict extends ChordError {
  constructor(code: 'ALREADY_MEMBER' | 'WRONG_SUCCESSOR' | 'LAST_NODE', message: string) {
    super(code, message);
  }
}

export class PeerUnreachable extends ChordError {
  constructor(address: string, cause?: unknown) {
    super('PEER_UNREACHABLE', `node ${address} is unreachable`, { cause, peer: address });
  }
}

export class PeerTimeout extends ChordError {
  constructor(address: string, cause?: unknown) {
    super('PEER_TIMEOUT', `node ${address} did not answer in time`, { cause, peer: address });
  }
}

/** Too many calls are already waiting for a peer that does not keep up: this one is refused rather than queued without bound. */
export class PeerOverloaded extends ChordError {
  constructor(address: string, queued: number, queuedBytes: number) {
    super('PEER_OVERLOADED', `node ${address} is not keeping up: ${queued} calls (${queuedBytes} bytes) already wait to be sent to it`, { peer: address });
  }
}

/** A node that does not (yet) take part in routing: a restarted node still waiting to be admitted. */
export class NotAMember extends ChordError {
  constructor(address: string, detail = 'is not a member of the ring') {
    super('NOT_A_MEMBER', `node ${address} ${detail}`, { peer: address });
  }
}

/** Bad configuration; raised once, at an entry point, listing every problem. */
export class ConfigError extends ChordError {
  constructor(readonly problems: string[]) {
    super('BAD_CONFIG', problems.join('; '));
  }
}

/** Wraps anything that is not already a ChordError, so callers see one type. */
export function asChordError(err: unknown): ChordError {
  if (err instanceof ChordError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ChordError('INTERNAL', message, { cause: err });
}

/** The retry class of an error code (`never` for codes not in the catalogue). */
export function retryOfCode(code: string): Retry {
  return ERROR_CATALOGUE[code as ErrorCode]?.retry ?? 'never';
}

/** The retry class of any thrown value (`never` for what is not a ChordError). */
export function retryOf(err: unknown): Retry {
  return err instanceof ChordError ? err.retry : 'never';
}

/** True when `err` says that `address` itself did not answer in time (which alone proves nothing). */
export function isTimeout(err: unknown, address: string): boolean {
  return err instanceof ChordError && err.code === 'PEER_TIMEOUT' && err.peer === address;
}

/** True when `err` says that `address` itself is gone (unreachable, or no longer a member). */
export function isGone(err: unknown, address: string): boolean {
  return err instanceof ChordError && err.peer === address && (err.code === 'PEER_UNREACHABLE' || err.code === 'NOT_A_MEMBER');
}
