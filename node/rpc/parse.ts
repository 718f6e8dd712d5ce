/**
 * Checks of what arrives from the wire. A node-to-node body is checked as strictly as a
 * user's: a malformed one must be refused with INVALID_REQUEST, never stored or acted on.
 */
import { InvalidRequest } from '../../common/errors.js';
import { MAX_KEY_BYTES, MAX_TTL_MS, MAX_VALUE_BYTES, type KeyedItem, type MemberJson, type PutConditions, type PutOptions } from '../../common/wire.js';
import { counterVersions } from '../versions/counter.js';

/**
 * A key as the API accepts it: a non-empty, well-formed string of at most MAX_KEY_BYTES bytes
 * of UTF-8. Routed operations are held to it too, or a caller with the secret could store a
 * pair that no public request can name.
 */
export function checkKey(key: unknown, where = ''): string {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidRequest('INVALID_KEY', `${where}the key must be a non-empty string`);
  if (!isWellFormed(key)) throw new InvalidRequest('INVALID_KEY', `${where}the key is not well-formed Unicode (it has a lone surrogate)`);
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new InvalidRequest('KEY_TOO_LONG', `${where}the key is longer than ${MAX_KEY_BYTES} bytes of UTF-8`);
  }
  return key;
}

/** The `value` of a PUT body (or of a routed put). */
export function parseValue(body: unknown): string {
  const value = (body as { value?: unknown } | undefined)?.value;
  if (typeof value !== 'string') {
    throw new InvalidRequest('INVALID_VALUE', 'the body must be a JSON object {"value": "<string>"}');
  }
  if (Buffer.byteLength(value, 'utf8') > MAX_VALUE_BYTES) {
    throw new InvalidRequest('VALUE_TOO_LARGE', `the value is larger than ${MAX_VALUE_BYTES} bytes of UTF-8`);
  }
  return value;
}

/** The compare-and-set conditions of a PUT body (or of a routed put); absent fields mean none. */
export function parseConditions(body: unknown): PutConditions {
  const { ifVersion, ifAbsent } = (body ?? {}) as Record<string, unknown>;
  if (ifVersion !== undefined && !counterVersions.isVersion(ifVersion)) {
    throw new InvalidRequest('INVALID_REQUEST', 'ifVersion must be a version as GET answers it (a whole number)');
  }
  if (ifAbsent !== undefined && typeof ifAbsent !== 'boolean') throw new InvalidRequest('INVALID_REQUEST', 'ifAbsent must be true or false');
  if (ifVersion !== undefined && ifAbsent === true) throw new InvalidRequest('INVALID_REQUEST', 'give ifVersion or ifAbsent, not both');
  return { ...(ifVersion !== undefined ? { ifVersion } : {}), ...(ifAbsent === true ? { ifAbsent } : {}) };
}

/** The options of a PUT body (or of a routed put): conditions and a time to live. */
export function parsePutOptions(body: unknown): PutOptions {
  const { ttlMs } = (body ?? {}) as Record<string, unknown>;
  if (ttlMs !== undefined && !(Number.isInteger(ttlMs) && (ttlMs as number) > 0 && (ttlMs as number) <= MAX_TTL_MS)) {
    throw new InvalidRequest('INVALID_REQUEST', `ttlMs must be a whole number of milliseconds from 1 to ${MAX_TTL_MS}`);
  }
  return { ...parseConditions(body), ...(ttlMs !== undefined ? { ttlMs: ttlMs as number } : {}) };
}

/**
 * Whether `text` is well-formed UTF-16 (no lone surrogate): a key that is not would become
 * U+FFFD in UTF-8 (on disk, in its SHA-1), so two different keys would be one.
 */
export const isWellFormed = (text: string): boolean => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);

/** A required field of a node-to-node body. */
export function field<T>(body: unknown, name: string, check: (v: unknown) => boolean): T {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  if (!check(value)) throw new InvalidRequest('INVALID_REQUEST', `field ${name} is missing or malformed`);
  return value as T;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export const isString = (v: unknown): boolean => typeof v === 'string';

export const isHops = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0;

/** A hex identifier as ids travel on the wire. */
export const isHexId = (v: unknown): boolean => typeof v === 'string' && /^[0-9a-f]{1,40}$/i.test(v);

export const isAddress = (v: unknown): boolean => typeof v === 'string' && v.length > 0;

export const isMemberJson = (v: unknown): v is MemberJson =>
  typeof v === 'object' && v !== null && isHexId((v as { id?: unknown }).id) && isAddress((v as { address?: unknown }).address);

export const isAddressList = (v: unknown): boolean => Array.isArray(v) && v.every(isAddress);

/** Stored pairs: a non-empty string key, a string value or null (tombstone), a version the policy understands. */
export const isItemList = (v: unknown): v is KeyedItem[] => Array.isArray(v) && v.every((item) => {
  if (typeof item !== 'object' || item === null) return false;
  const { key, value, version, expiresAt } = item as Record<string, unknown>;
  return typeof key === 'string' && key.length > 0 && (typeof value === 'string' || value === null) && counterVersions.isVersion(version)
    && (expiresAt === undefined || (Number.isSafeInteger(expiresAt) && (expiresAt as number) >= 0));
});

/** A lease a timer can hold: whole milliseconds, positive, within setTimeout's range. */
export const isLeaseMs = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0 && (v as number) <= MAX_TIMER_MS;

/** An empty body, as calls without arguments send. */
export const noArguments = (): Record<string, never> => ({});
