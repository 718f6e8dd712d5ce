/**
 * What the ring should hold after the fuzzer's accepted writes. Requests go one at a time,
 * so the model is exact: a read must see the last accepted write, and a key no accepted
 * write created must not exist. Pairs written with a time to live become unsure near expiry.
 */
export interface Held {
  value: string;
  version: number;
  expiresAt?: number;
}

/** Expiry is decided by the head's clock (the same machine here) and applied by maintenance a little later. */
const EXPIRY_SLACK_MS = 1000;

export class Model {
  private readonly pairs = new Map<string, Held>();

  write(key: string, held: Held): void {
    this.pairs.set(key, held);
  }

  remove(key: string): void {
    this.pairs.delete(key);
  }

  /** What a read of `key` must see now: the pair, null (absent), or 'unsure' (expiring). */
  expect(key: string, now = Date.now()): Held | null | 'unsure' {
    const held = this.pairs.get(key);
    if (!held) return null;
    if (held.expiresAt !== undefined && held.expiresAt - EXPIRY_SLACK_MS <= now) return 'unsure';
    return held;
  }

  keys(): string[] {
    return [...this.pairs.keys()];
  }
}

/** A key as the API promises to take it: non-empty, well-formed, at most 1024 bytes of UTF-8. */
export function isValidKey(key: unknown): key is string {
  return typeof key === 'string' && key.length > 0 && Buffer.byteLength(key, 'utf8') <= 1024
    && Buffer.from(key, 'utf8').toString('utf8') === key; // a lone surrogate does not survive the round trip
}

const MAX_TTL_MS = 100 * 365 * 24 * 3600 * 1000;

/** Why a PUT body (or batch put) should be refused, or undefined when it is valid; checked here independently of the node's parser. */
export function putProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'the body is not an object';
  const { value, ttlMs, ifVersion, ifAbsent } = body as Record<string, unknown>;
  if (typeof value !== 'string') return 'value is not a string';
  if (Buffer.byteLength(value, 'utf8') > 1024 * 1024) return 'value is over 1 MiB';
  if (ttlMs !== undefined && !(Number.isInteger(ttlMs) && (ttlMs as number) > 0 && (ttlMs as number) <= MAX_TTL_MS)) return 'ttlMs is out of range';
  if (ifVersion !== undefined && !(Number.isSafeInteger(ifVersion) && (ifVersion as number) >= 0)) return 'ifVersion is not a version';
  if (ifAbsent !== undefined && typeof ifAbsent !== 'boolean') return 'ifAbsent is not a boolean';
  if (ifVersion !== undefined && ifAbsent === true) return 'both ifVersion and ifAbsent';
  return undefined;
}
