/**
 * Checks of what arrives from the wire. A node-to-node body is checked as strictly as a
 * user's: a malformed one must be refused with INVALID_REQUEST, never stored or acted on.
 */
import { InvalidRequest } from '../../common/errors.js';
import type { KeyedItem, MemberJson, PutOptions } from '../../common/wire.js';
import { check as checkSchema } from '../schema/check.js';
import { putBody, type PutBody } from '../schema/requests.js';
import { counterVersions } from '../versions/counter.js';
import { isDottedVersion } from '../versions/dotted-versions.js';

/** The value and options of a PUT body (or of a routed put), checked against the public API's schema. */
export function parsePut(body: unknown): { value: string; options: PutOptions } {
  const checked = checkSchema<PutBody>(putBody, body);
  return { value: checked.value, options: putOptionsOf(checked) };
}

/** The options of a checked PUT body: conditions (ifAbsent only when true) and a time to live. */
export function putOptionsOf({ ifVersion, ifAbsent, ttlMs, context }: PutBody): PutOptions {
  return {
    ...(context !== undefined ? { context } : {}),
    ...(ifVersion !== undefined ? { ifVersion } : {}),
    ...(ifAbsent === true ? { ifAbsent } : {}),
    ...(ttlMs !== undefined ? { ttlMs } : {}),
  };
}

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

/** A version of any mode's policy (a node checks the shape here; its policy compares). */
export const isAnyVersion = (v: unknown): boolean => counterVersions.isVersion(v) || isDottedVersion(v);

/** Stored pairs: a non-empty string key, a string value or null (tombstone), a version the policy understands. */
export const isItemList = (v: unknown): v is KeyedItem[] => Array.isArray(v) && v.every((item) => {
  if (typeof item !== 'object' || item === null) return false;
  const { key, value, version, expiresAt } = item as Record<string, unknown>;
  return typeof key === 'string' && key.length > 0 && (typeof value === 'string' || value === null) && isAnyVersion(version)
    && (expiresAt === undefined || (Number.isSafeInteger(expiresAt) && (expiresAt as number) >= 0));
});

/** The id an entry node gives a write, kept through its retries. */
export const MAX_WRITE_ID = 64;
export const isWriteId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_WRITE_ID;

/** Pairs passed down a chain: stored pairs, each with the id of the write that made it if it was a user write. */
export const isChainItemList = (v: unknown): v is (KeyedItem & { writeId?: string })[] =>
  isItemList(v) && v.every((item) => (item as { writeId?: unknown }).writeId === undefined || isWriteId((item as { writeId?: unknown }).writeId));

/** Write records handed over with a range: at most `max`, each an id and a key, version and expiry. */
export const isWriteRecordList = (max: number) => (v: unknown): boolean => Array.isArray(v) && v.length <= max && v.every((entry) => {
  if (typeof entry !== 'object' || entry === null) return false;
  const { id, record } = entry as { id?: unknown; record?: unknown };
  return isWriteId(id) && isItemList([{ ...(record as object), value: null }]);
});

/** A lease a timer can hold: whole milliseconds, positive, within setTimeout's range. */
export const isLeaseMs = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0 && (v as number) <= MAX_TIMER_MS;

/** An empty body, as calls without arguments send. */
export const noArguments = (): Record<string, never> => ({});
