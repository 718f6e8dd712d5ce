/**
 * What the fuzzer sends: requests drawn from a seeded generator, mostly near-misses of the
 * public API (odd keys, wrong types, broken encodings, limits ± 1) so that they reach the
 * validation code rather than bounce off the router, plus node-to-node calls with one field
 * broken. Each request carries the JSON the server should see, so that an accepted write
 * can be checked and recorded without trusting the server's own echo.
 */
import { gzipSync } from 'node:zlib';
import type { Rng } from './prng.js';
import type { RawRequest } from './raw-http.js';

export interface FuzzRequest extends RawRequest {
  /** The generator that made it, for the summary. */
  kind: string;
  /** The body as the server should parse it; undefined when it is not well-formed JSON under a JSON content type. */
  json?: unknown;
  /** Invalid at the HTTP level (bytes a request line may not hold, a body cut short): Node's parser may refuse it before the app sees it. */
  httpInvalid?: boolean;
  /** A node-to-node call with the cluster secret, whose body the generator broke on purpose. */
  brokenRpc?: boolean;
  /** The one status a well-formed request on a control key must get. */
  expectStatus?: number;
}

const MIB = 1024 * 1024;
export const MAX_TTL_MS = 100 * 365 * 24 * 3600 * 1000;

/** Keys the fuzzer reuses, so that writes, reads and deletes of odd keys meet each other. */
const POOL = ['a', 'ключ 🎵', 'with space', 'slash/inside', '..', '.', '%', '100%', '+plus+', '\u0000nul', 'tab\t', '*', '_batch',
  'é'.repeat(512), 'x'.repeat(1024), 'q?x=1#h', 'line\r\nbreak', '%41', '🎵'.repeat(256)];
/** Big values go only to these keys, so the ring (and the final listing) never holds many of them. */
export const BIG_KEYS = ['fuzz-big-0', 'fuzz-big-1'];

/** Path segments after /kv/ that are not a key's plain encoding. */
const ODD_SEGMENTS = ['', '%', '%ZZ', '%E0%A4%A', '%ED%A0%80', '%2F', 'a%2Fb', '%00', '%2E%2E', '%252F', 'x/y', 'a%20b', '%C3%A9',
  encodeURIComponent('é'.repeat(512) + 'x'), 'k'.repeat(1025), '%F0%9F%8E%B5', '%FF', '?', '%3F', '%23'];
/** Segments Node's HTTP parser may refuse outright (raw space, control bytes, raw UTF-8). */
const RAW_SEGMENTS = ['a b', 'nul\u0000', 'é', 'tab\tkey', 'del\u007f'];

export function randomKey(rng: Rng): string {
  return rng.chance(0.6) ? rng.pick(POOL) : `fz-${rng.string(1 + rng.int(12))}`;
}

function randomValue(rng: Rng): string {
  return rng.weighted<() => string>([
    [6, () => rng.string(rng.int(40))],
    [1, () => ''],
    [2, () => rng.string(1 + rng.int(20), 'aé🎵"\\\n\u0000 ')],
    [1, () => rng.string(1000 + rng.int(20_000))],
  ])();
}

/** A value of 1 MiB give or take a few bytes (in UTF-8), or far beyond. */
function bigValue(rng: Rng): string {
  const size = rng.chance(0.8) ? MIB + rng.int(9) - 4 : 2 * MIB + rng.int(MIB);
  return rng.chance(0.5) ? 'v'.repeat(size) : 'é'.repeat(Math.floor(size / 2)) + 'v'.repeat(size % 2);
}

/** Any JSON, as a careless client might send it. */
export function garbageJson(rng: Rng, depth = 0): unknown {
  const leaves: (() => unknown)[] = [() => null, () => rng.int(1e6) - 5e5, () => rng.next() * 1e20, () => -0.5, () => true,
    () => rng.string(rng.int(8)), () => '', () => Number.MAX_SAFE_INTEGER + 2, () => '\ud800'];
  if (depth > 2 || rng.chance(0.4)) return rng.pick(leaves)();
  if (rng.chance(0.3)) return Array.from({ length: rng.int(4) }, () => garbageJson(rng, depth + 1));
  const names = ['value', 'key', 'op', 'ops', 'ifVersion', 'ifAbsent', 'ttlMs', 'items', 'hops', 'node', 'id', rng.string(3)];
  return Object.fromEntries(Array.from({ length: rng.int(4) }, () => [rng.pick(names), garbageJson(rng, depth + 1)]));
}

/** A PUT body: usually a string value, sometimes with options, sometimes with one field of the wrong type or range. */
export function putBody(rng: Rng): Record<string, unknown> {
  const body: Record<string, unknown> = { value: rng.chance(0.9) ? randomValue(rng) : garbageJson(rng) };
  if (rng.chance(0.15)) body.ttlMs = rng.pick<unknown>([60_000, 3_600_000, 1, 0, -5, 1.5, '1000', MAX_TTL_MS, MAX_TTL_MS + 1, 1e300, null]);
  if (rng.chance(0.1)) body.ifVersion = rng.pick<unknown>([0, 1, -1, 2.5, '3', null, Number.MAX_SAFE_INTEGER + 2, [1], {}]);
  if (rng.chance(0.1)) body.ifAbsent = rng.pick<unknown>([true, false, 'true', 1, null]);
  return body;
}

function batchOp(rng: Rng): unknown {
  if (rng.chance(0.05)) return garbageJson(rng);
  const op = rng.weighted<unknown>([[5, 'put'], [3, 'get'], [2, 'delete'], [1, 'frob'], [1, undefined], [1, 7]]);
  const key = rng.chance(0.95) ? randomKey(rng) : rng.pick<unknown>(['', 5, null, 'k'.repeat(1025), '\ud800x']);
  return op === 'put' ? { op, key, ...putBody(rng) } : { op, key };
}

function batchBody(rng: Rng): unknown {
  const count = rng.weighted([[20, 1 + rng.int(6)], [2, 100 + rng.int(400)], [1, 1000], [1, 1001], [1, 0]]);
  return rng.chance(0.05) ? { ops: garbageJson(rng) } : { ops: Array.from({ length: count }, () => batchOp(rng)) };
}

function query(rng: Rng): string {
  const parts: string[] = [];
  if (rng.chance(0.7)) parts.push(`prefix=${rng.pick(['', 'fz-', 'a', '%', '%ZZ', '%E2%82', encodeURIComponent('ключ'), 'x&prefix=y'])}`);
  if (rng.chance(0.5)) parts.push(`limit=${rng.pick(['1', '0', '-1', '1000', '1001', '2.5', 'abc', '', '1e2', '%205', '99999999999999999999'])}`);
  if (rng.chance(0.3)) parts.push(`cursor=${rng.pick(['', '____', 'YQ', '!!', rng.string(20), '7_-_7', 'w4k'])}`);
  return parts.join('&');
}

function contentType(rng: Rng): string | undefined {
  return rng.weighted<string | undefined>([[70, 'application/json'], [8, 'application/json; charset=utf-8'], [6, undefined],
    [2, 'text/plain'], [2, 'application/x-www-form-urlencoded'], [1, 'application/json; charset=foo'], [1, 'application/jsonx'],
    [1, 'APPLICATION/JSON'], [1, 'multipart/form-data; boundary=x']]);
}

/** A request to the public API, valid or not. */
export function publicRequest(rng: Rng): FuzzRequest {
  const method = rng.weighted([[30, 'GET'], [30, 'PUT'], [10, 'DELETE'], [10, 'POST'], [4, 'HEAD'], [3, 'OPTIONS'], [3, 'PATCH'],
    [2, 'PROPFIND'], [1, 'FROB'], [1, 'get']]);
  let httpInvalid = method === 'FROB' || method === 'get';
  let big = false;
  const path = rng.weighted<() => string>([
    [38, () => `/kv/${encodeURIComponent(randomKey(rng))}`],
    [2, () => `${rng.pick(['/kv/', '/KV/', '/Kv/'])}${encodeURIComponent(randomKey(rng))}${rng.pick(['/', ''])}`],
    [8, () => `/kv/${rng.pick(ODD_SEGMENTS)}`],
    [2, () => { httpInvalid = true; return `/kv/${rng.pick(RAW_SEGMENTS)}`; }],
    [3, () => { big = true; return `/kv/${rng.pick(BIG_KEYS)}`; }],
    [6, () => rng.pick(['/kv', '/kv/'])],
    [6, () => `/kv?${query(rng)}`],
    [10, () => rng.weighted([[20, '/kv/_batch'], [1, '/kv/_batch/'], [1, '/KV/_Batch']])],
    [5, () => rng.pick(['/overlay', '/status', '/health', '/overlay?x=1', '/health/'])],
    [2, () => rng.pick([`/watch/${encodeURIComponent(randomKey(rng))}`, '/watch?prefix=fz-', '/watch', '/watch/%ZZ', '/watch?prefix=a&prefix=b'])],
    [4, () => rng.pick(['/', '/nope', '/kv/a/b/c', '//kv', '/KV/a', '/rpc', '/kv/..%2F..%2Fetc', '*', '/depart'])],
  ])();
  const body = rng.weighted<() => unknown>([
    [25, () => undefined],
    [35, () => (big ? { value: bigValue(rng) } : putBody(rng))],
    [12, () => batchBody(rng)],
    [10, () => garbageJson(rng)],
    [8, () => rng.pick(['{"value": "x"', '{value: "x"}', '', 'null', '"x"', '42', '[]', '{"value": "\\ud800"}', '{"value":"a"}{"value":"b"}',
      '\u0000', '{"__proto__": {"value": "x"}}', '{"value": "x", "value": 5}'])],
  ])();
  return withBody(rng, { kind: `public ${method}`, method, path, headers: {}, httpInvalid }, body);
}

/** Puts `body` (an object to serialize, or raw text) on `request` with a content type, an encoding and perhaps a cut. */
export function withBody(rng: Rng, request: FuzzRequest, body: unknown): FuzzRequest {
  if (body === undefined) return request;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  let bytes = Buffer.from(text, 'utf8');
  const type = contentType(rng);
  if (type !== undefined) request.headers['content-type'] = type;
  let parses = true;
  try {
    JSON.parse(text);
  } catch {
    parses = false;
  }
  const encoding = rng.weighted<string | undefined>([[94, undefined], [2, 'gzip'], [1, 'deflate'], [1, 'br'], [1, 'foo'], [1, 'GZIP']]);
  if (encoding !== undefined) {
    request.headers['content-encoding'] = encoding;
    // A real gzip body half the time, so that a good one is seen to decode and a bad one to be refused.
    if (encoding === 'gzip' && rng.chance(0.5)) bytes = gzipSync(bytes);
    else parses = false;
  }
  request.body = bytes;
  if (bytes.length > 2 && rng.chance(0.02)) {
    request.truncate = true;
    request.httpInvalid = true;
    parses = false;
  }
  if (parses && type !== undefined && /^application\/json\b/i.test(type)) {
    const parsed: unknown = JSON.parse(text);
    // The parser is strict: only an object or an array reaches the routes.
    if (typeof parsed === 'object' && parsed !== null) request.json = parsed;
  }
  return request;
}
