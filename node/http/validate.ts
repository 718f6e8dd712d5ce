/** Parsing of what users send: keys from the raw path, values from the body. Throws InvalidRequest. */
import { InvalidRequest, type ChordError, type ErrorCode } from '../../common/errors.js';
import { MAX_BATCH_OPS } from '../rpc/routing.js';
import { checkKey, parsePutOptions, parseValue } from '../rpc/parse.js';
import { DEFAULT_SCAN_LIMIT, MAX_SCAN_LIMIT, type BatchOp, type ScanRequest } from '../../common/wire.js';

export { parsePutOptions, parseValue } from '../rpc/parse.js';

/** Decodes the key from the raw (still percent-encoded) path segment. */
export function parseKey(rawSegment: string): string {
  let key: string;
  try {
    key = decodeURIComponent(rawSegment);
  } catch {
    throw new InvalidRequest('INVALID_KEY', 'the key is not valid percent-encoding (encode it with encodeURIComponent)');
  }
  return checkKey(key);
}

/** The body of POST /kv/_batch: `{"ops": [...]}`, each op checked as its single request would be. */
export function parseBatch(body: unknown): BatchOp[] {
  const ops = (body as { ops?: unknown } | undefined)?.ops;
  if (!Array.isArray(ops) || ops.length === 0 || ops.length > MAX_BATCH_OPS) {
    throw new InvalidRequest('INVALID_REQUEST', `the body must be {"ops": [...]} with 1 to ${MAX_BATCH_OPS} operations`);
  }
  return ops.map((op: unknown, i): BatchOp => {
    const where = `ops[${i}]: `;
    const { op: kind, key } = (op ?? {}) as Record<string, unknown>;
    const checked = checkKey(key, where);
    if (kind === 'get' || kind === 'delete') return { op: kind, key: checked };
    if (kind !== 'put') throw new InvalidRequest('INVALID_OP', `${where}op must be put, get or delete`);
    try {
      return { op: 'put', key: checked, value: parseValue(op), ...parsePutOptions(op) };
    } catch (err) {
      throw new InvalidRequest((err as ChordError).code as ErrorCode, where + (err as Error).message);
    }
  });
}

type Query = Record<string, string | string[] | undefined>;

/** GET /kv with any of prefix, limit or cursor is a prefix scan; without, it lists every pair. */
export const isScan = (query: Query): boolean => ['prefix', 'limit', 'cursor'].some((name) => query[name] !== undefined);

/** The prefix, limit and cursor of a prefix scan, each given at most once. */
export function parseScan(query: Query): ScanRequest {
  const one = (name: string): string | undefined => {
    const value = query[name];
    if (Array.isArray(value)) throw new InvalidRequest('INVALID_REQUEST', `give ${name} once`);
    return value;
  };
  const limitText = one('limit');
  const limit = limitText === undefined ? DEFAULT_SCAN_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SCAN_LIMIT) {
    throw new InvalidRequest('INVALID_REQUEST', `limit must be a whole number from 1 to ${MAX_SCAN_LIMIT} (got ${limitText})`);
  }
  const cursor = one('cursor');
  if (cursor !== undefined && !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw new InvalidRequest('INVALID_REQUEST', 'cursor must be the cursor a previous page answered');
  }
  return { prefix: one('prefix') ?? '', limit, ...(cursor !== undefined ? { cursor } : {}) };
}
