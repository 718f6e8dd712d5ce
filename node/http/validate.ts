/** Parsing of what clients send: keys from the raw path, values and bodies. Throws InvalidRequest. */
import { InvalidRequest } from '../../common/errors.js';
import { MAX_KEY_BYTES, MAX_VALUE_BYTES, type OpRequest, type PointersRequest } from '../../common/wire.js';

/** Decodes the key from the raw (still percent-encoded) path segment. */
export function parseKey(rawSegment: string): string {
  let key: string;
  try {
    key = decodeURIComponent(rawSegment);
  } catch {
    throw new InvalidRequest('INVALID_KEY', 'the key is not valid percent-encoding (encode it with encodeURIComponent)');
  }
  if (key.length === 0) throw new InvalidRequest('INVALID_KEY', 'the key must not be empty');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new InvalidRequest('KEY_TOO_LONG', `the key is longer than ${MAX_KEY_BYTES} bytes of UTF-8`);
  }
  return key;
}

/** The `value` of a PUT body. */
export function parseValue(body: unknown): string {
  const value = (body as { value?: unknown } | undefined)?.value;
  if (typeof value !== 'string') {
    throw new InvalidRequest('INVALID_VALUE', 'the body must be a JSON object {"value": "<string>"}');
  }
  if (Buffer.byteLength(value, 'utf8') > MAX_VALUE_BYTES) {
    throw new InvalidRequest('VALUE_TOO_LARGE', `the value is larger than ${MAX_VALUE_BYTES} bytes of UTF-8`, 413);
  }
  return value;
}

/** A routed operation from another node; checked as strictly as a user request. */
export function parseOp(body: unknown): OpRequest {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.key !== 'string' || b.key.length === 0) throw new InvalidRequest('INVALID_KEY', 'op needs a non-empty string key');
  const hops = typeof b.hops === 'number' && Number.isInteger(b.hops) && b.hops >= 0 ? b.hops : 0;
  const final = b.final === true;
  if (b.op === 'put') return { op: 'put', key: b.key, value: parseValue(b), hops, final };
  if (b.op === 'get' || b.op === 'delete') return { op: b.op, key: b.key, hops, final };
  throw new InvalidRequest('INVALID_OP', 'op must be put, get or delete');
}

/** A required field of a node-to-node body. */
export function field<T>(body: unknown, name: string, check: (v: unknown) => boolean): T {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  if (!check(value)) throw new InvalidRequest('INVALID_REQUEST', `field ${name} is missing or malformed`);
  return value as T;
}

// ---- shapes of node-to-node bodies (a malformed one must be refused, never stored) ----

const MAX_TIMER_MS = 2 ** 31 - 1;

/** A hex identifier as ids travel on the wire. */
export const isHexId = (v: unknown): boolean => typeof v === 'string' && /^[0-9a-f]{1,40}$/i.test(v);

export const isAddress = (v: unknown): boolean => typeof v === 'string' && v.length > 0;

export const isPeerJson = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && isHexId((v as { id?: unknown }).id) && isAddress((v as { address?: unknown }).address);

export const isAddressList = (v: unknown): boolean => Array.isArray(v) && v.every(isAddress);

/** Stored pairs: a non-empty string key, a string value or null (tombstone), a whole version. */
export const isItemList = (v: unknown): boolean => Array.isArray(v) && v.every((item) => {
  if (typeof item !== 'object' || item === null) return false;
  const { key, value, version } = item as Record<string, unknown>;
  return typeof key === 'string' && key.length > 0 && (typeof value === 'string' || value === null)
    && Number.isSafeInteger(version) && (version as number) >= 0;
});

/** A lease a timer can hold: whole milliseconds, positive, within setTimeout's range. */
export const isLeaseMs = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0 && (v as number) <= MAX_TIMER_MS;

/** The body of /rpc/pointers: optional predecessor (a peer or null) and optional successor list. */
export function parsePointers(body: unknown): PointersRequest {
  const b = (body ?? {}) as Record<string, unknown>;
  const predecessorOk = b.predecessor === undefined || b.predecessor === null || isPeerJson(b.predecessor);
  const successorsOk = b.successors === undefined || (Array.isArray(b.successors) && b.successors.every(isPeerJson));
  if (typeof b !== 'object' || !predecessorOk || !successorsOk) {
    throw new InvalidRequest('INVALID_REQUEST', 'pointers need predecessor (a peer or null) and successors (a list of peers)');
  }
  return b as PointersRequest;
}
