/**
 * The public HTTP API through raw HTTP (Node's fetch), against a real in-process ring:
 * every bad input gets a coded JSON error and stores nothing; odd keys travel intact;
 * /kv, /overlay and /status answer what DESIGN §3 promises.
 */
import { gzipSync } from 'node:zlib';
import test from 'ava';
import { hashId, idToHex, replicaSet, sortClockwise } from '../../common/ring.js';
import type { AllAnswer, DeleteAnswer, ErrorBody, OverlayAnswer, StatusAnswer, ValueAnswer } from '../../common/wire.js';
import { TestCluster } from '../helpers/cluster.js';

const K = 2;
let cluster: TestCluster;

test.before(async () => {
  cluster = await TestCluster.start(3, { k: K });
});
test.after.always(async () => {
  await cluster?.teardown();
});

interface Reply<T> {
  status: number;
  type: string | null;
  /** Whatever JSON the node sent, read as the answer `T` a success carries or the coded error a refusal carries. */
  body: T & Partial<ErrorBody>;
}

/** One raw HTTP call; `body` strings are sent as they are, anything else as JSON. */
async function call<T = unknown>(method: string, path: string, body?: unknown, address = cluster.nodes[0].address): Promise<Reply<T>> {
  const response = await fetch(`http://${address}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { unparsable: text.slice(0, 200) };
  }
  return { status: response.status, type: response.headers.get('content-type'), body: parsed as T & Partial<ErrorBody> };
}

const keyPath = (key: string) => `/kv/${encodeURIComponent(key)}`;

/** Every key held anywhere in the ring. */
async function storedKeys(): Promise<Set<string>> {
  const all = await call<AllAnswer>('GET', '/kv');
  if (all.status !== 200) throw new Error(`GET /kv answered ${all.status} ${JSON.stringify(all.body)}`);
  return new Set(all.body.nodes.flatMap((n: { items: { key: string }[] }) => n.items.map((i) => i.key)));
}

/** Whether `key` is held anywhere: a plain read for a valid key, the whole ring's listing for one the API refuses. */
async function isStored(key: string): Promise<boolean> {
  const valid = key.length > 0 && Buffer.byteLength(key) <= 1024;
  if (!valid) return (await storedKeys()).has(key);
  const got = await call<ValueAnswer>('GET', keyPath(key), undefined, cluster.nodes[1].address);
  if (got.status === 404 && got.body.error?.code === 'KEY_NOT_FOUND') return false;
  if (got.status === 200) return true;
  throw new Error(`GET ${key} answered ${got.status} ${JSON.stringify(got.body)}`);
}

const MIB = 1024 * 1024;
const badInputs: [title: string, method: string, path: string, body: unknown, status: number, code: string, key?: string][] = [
  ['a malformed JSON body', 'PUT', '/kv/bad-json', '{"value": "x"', 400, 'BAD_JSON', 'bad-json'],
  ['a JSON string as the body', 'PUT', '/kv/bad-string-body', '"x"', 400, 'BAD_JSON', 'bad-string-body'],
  ['a body without a value', 'PUT', '/kv/no-value', {}, 400, 'INVALID_VALUE', 'no-value'],
  ['a number as the value', 'PUT', '/kv/number-value', { value: 42 }, 400, 'INVALID_VALUE', 'number-value'],
  ['null as the value', 'PUT', '/kv/null-value', { value: null }, 400, 'INVALID_VALUE', 'null-value'],
  ['an array as the body', 'PUT', '/kv/array-body', ['x'], 400, 'INVALID_VALUE', 'array-body'],
  ['a key of 1025 bytes', 'PUT', keyPath('k'.repeat(1025)), { value: 'x' }, 400, 'KEY_TOO_LONG', 'k'.repeat(1025)],
  ['a key of 1025 UTF-8 bytes in 513 characters', 'PUT', keyPath('é'.repeat(512) + 'x'), { value: 'x' }, 400, 'KEY_TOO_LONG', 'é'.repeat(512) + 'x'],
  ['a value one byte over 1 MiB', 'PUT', '/kv/huge-value', { value: 'v'.repeat(MIB + 1) }, 413, 'VALUE_TOO_LARGE', 'huge-value'],
  ['a value of 1 MiB plus one byte in two-byte characters', 'PUT', '/kv/huge-utf8', { value: 'é'.repeat(MIB / 2) + 'x' }, 413, 'VALUE_TOO_LARGE', 'huge-utf8'],
  ['a body far over the limit', 'PUT', '/kv/huge-body', { value: 'v'.repeat(4 * MIB) }, 413, 'PAYLOAD_TOO_LARGE', 'huge-body'],
  ['broken percent-encoding in a PUT', 'PUT', '/kv/broken%E0%A4%A', { value: 'x' }, 400, 'INVALID_KEY'],
  ['broken percent-encoding in a GET', 'GET', '/kv/%', undefined, 400, 'INVALID_KEY'],
  ['broken percent-encoding in a DELETE', 'DELETE', '/kv/%ZZ', undefined, 400, 'INVALID_KEY'],
  ['an empty key in a PUT', 'PUT', '/kv/', { value: 'x' }, 400, 'INVALID_KEY', ''],
  ['a PUT on /kv itself', 'PUT', '/kv', { value: 'x' }, 400, 'INVALID_KEY', ''],
  ['an empty key in a DELETE', 'DELETE', '/kv/', undefined, 400, 'INVALID_KEY'],
  ['an unknown route', 'GET', '/no/such/route', undefined, 404, 'NOT_FOUND'],
  ['an unknown node-to-node route', 'POST', '/rpc/no-such-call', {}, 404, 'NOT_FOUND'],
  ['POST on a key', 'POST', '/kv/wrong-method', { value: 'x' }, 405, 'METHOD_NOT_ALLOWED', 'wrong-method'],
  ['DELETE on /overlay', 'DELETE', '/overlay', undefined, 405, 'METHOD_NOT_ALLOWED'],
  ['an unknown /rpc/op operation', 'POST', '/rpc/op', { op: 'frobnicate', key: 'rpc-op-key', hops: 0 }, 400, 'INVALID_OP', 'rpc-op-key'],
  ['an /rpc/op put without a value', 'POST', '/rpc/op', { op: 'put', key: 'rpc-put-key', hops: 0 }, 400, 'INVALID_VALUE', 'rpc-put-key'],
  ['an /rpc/op put with a key of 1025 bytes', 'POST', '/rpc/op', { op: 'put', key: 'o'.repeat(1025), value: 'x', hops: 0 }, 400, 'KEY_TOO_LONG', 'o'.repeat(1025)],
  ['an /rpc/batch put with a key of 1025 bytes', 'POST', '/rpc/batch', { ops: [{ op: 'put', key: 'b'.repeat(1025), value: 'x', hops: 0 }], hops: 0 }, 400, 'KEY_TOO_LONG', 'b'.repeat(1025)],
  ['an /rpc/ops put with a key of 1025 bytes', 'POST', '/rpc/ops', { ops: [{ request: { op: 'put', key: 'f'.repeat(1025), value: 'x', hops: 0 } }] }, 400, 'KEY_TOO_LONG', 'f'.repeat(1025)],
  ['an /rpc/ops batch that is not a list', 'POST', '/rpc/ops', { ops: { request: { op: 'put', key: 'ops-not-list', value: 'x', hops: 0 } } }, 400, 'INVALID_REQUEST', 'ops-not-list'],
  ['a join with a malformed id', 'POST', '/rpc/join', { node: { id: 'not-hex', address: '127.0.0.1:1' } }, 400, 'INVALID_REQUEST'],
  ['pointers sent as a list', 'POST', '/rpc/pointers', [], 400, 'INVALID_REQUEST'],
  ['items of the wrong shape', 'POST', '/rpc/apply', { items: [{ key: 'bad-item', value: 5, version: 1 }] }, 400, 'INVALID_REQUEST', 'bad-item'],
  ['write records without a version', 'POST', '/rpc/write-ids', { writes: [{ id: 'w', record: { key: 'no-version' } }] }, 400, 'INVALID_REQUEST'],
  ['a write record without its record', 'POST', '/rpc/write-ids', { writes: [{ id: 'w' }] }, 400, 'INVALID_REQUEST'],
  ['a write record whose id is 65 characters', 'POST', '/rpc/write-ids', { writes: [{ id: 'w'.repeat(65), record: { key: 'k', version: 1 } }] }, 400, 'INVALID_REQUEST'],
  ['2,001 write records in one call', 'POST', '/rpc/write-ids', { writes: Array.from({ length: 2001 }, (_, i) => ({ id: `w${i}`, record: { key: 'k', version: 1 } })) }, 400, 'INVALID_REQUEST'],
  ['a chain write whose write id is not a string', 'POST', '/rpc/chain', { items: [{ key: 'bad-write-id', value: 'x', version: 1, writeId: 7 }], rest: [] }, 400, 'INVALID_REQUEST', 'bad-write-id'],
];

for (const [title, method, path, body, status, code, key] of badInputs) {
  test(`${title} gets ${status} ${code}, stores nothing and leaves the node healthy`, async (t) => {
    const reply = await call(method, path, body);
    t.is(reply.status, status);
    t.regex(reply.type ?? '', /^application\/json/);
    t.is(reply.body?.error?.code, code);
    t.is(typeof reply.body?.error?.message, 'string');
    t.true(reply.body.error!.message.length > 0);
    if (key !== undefined) t.false(await isStored(key), `${JSON.stringify(key.slice(0, 20))} was stored`);
    t.is((await call('GET', '/health')).status, 200);
  });
}

test('a body sent without content-type: application/json gets 415 naming the header, and stores nothing', async (t) => {
  for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
    const response = await fetch(`http://${cluster.nodes[0].address}/kv/wrong-type`, {
      method: 'PUT', headers: { 'content-type': type }, body: JSON.stringify({ value: 'x' }),
    });
    const body = await response.json() as ErrorBody;
    t.is(response.status, 415, type);
    t.is(body.error.code, 'UNSUPPORTED_MEDIA_TYPE');
    t.regex(body.error.message, /content-type: application\/json/);
  }
  t.false(await isStored('wrong-type'));
});

test('a body that does not decompress as its content-encoding says gets 400, an unknown encoding 415, and stores nothing', async (t) => {
  const cases: [encoding: string, status: number, code: string][] = [
    ['gzip', 400, 'BAD_REQUEST'], ['deflate', 400, 'BAD_REQUEST'], ['br', 400, 'BAD_REQUEST'], ['compress', 415, 'UNSUPPORTED_MEDIA_TYPE'],
  ];
  for (const [encoding, status, code] of cases) {
    const response = await fetch(`http://${cluster.nodes[0].address}/kv/bad-encoding`, {
      method: 'PUT', headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body: JSON.stringify({ value: 'x' }),
    });
    t.deepEqual([response.status, ((await response.json()) as ErrorBody).error.code], [status, code], encoding);
  }
  t.false(await isStored('bad-encoding'));
  // A body that is what its encoding says is read as usual.
  const zipped = await fetch(`http://${cluster.nodes[0].address}/kv/gzipped`, {
    method: 'PUT', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(JSON.stringify({ value: 'unzipped' })),
  });
  t.deepEqual([zipped.status, ((await zipped.json()) as ValueAnswer).value], [200, 'unzipped']);
  t.is((await call('DELETE', '/kv/gzipped')).status, 200);
});

test('405 answers say which methods the path takes, in Allow', async (t) => {
  const address = cluster.nodes[0].address;
  const onKey = await fetch(`http://${address}/kv/allow-test`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  t.is(onKey.status, 405);
  t.deepEqual(onKey.headers.get('allow')?.split(/,\s*/).sort(), ['DELETE', 'GET', 'HEAD', 'PUT']);
  t.is(((await onKey.json()) as ErrorBody).error.code, 'METHOD_NOT_ALLOWED');
  const onRpc = await fetch(`http://${address}/rpc/op`);
  t.is(onRpc.status, 405);
  t.is(onRpc.headers.get('allow'), 'POST');
  t.is(((await onRpc.json()) as ErrorBody).error.code, 'METHOD_NOT_ALLOWED');
});

test('a key of exactly 1024 bytes and a value of exactly 1 MiB are accepted', async (t) => {
  const key = 'é'.repeat(511) + 'xy';
  const value = 'é'.repeat(MIB / 2);
  const put = await call<ValueAnswer>('PUT', keyPath(key), { value });
  t.is(put.status, 200);
  t.is(put.body.key, key);
  const got = await call<ValueAnswer>('GET', keyPath(key), undefined, cluster.nodes[2].address);
  t.is(got.status, 200);
  t.is(got.body.value, value);
  // Leave the ring light for the listings other tests take.
  t.is((await call('DELETE', keyPath(key))).status, 200);
});

const oddKeys = ['ключ 🎵', 'with spaces', 'a,b,c', 'slash/question?hash#amp&percent%', '%41', '100%', '  padded  ', '+plus+'];
for (const key of oddKeys) {
  test(`the key ${JSON.stringify(key)} is stored and read back exactly as sent`, async (t) => {
    const value = `value of ${key}`;
    const put = await call<ValueAnswer>('PUT', keyPath(key), { value }, cluster.nodes[1].address);
    t.is(put.status, 200);
    t.deepEqual([put.body.key, put.body.value], [key, value]);
    const got = await call<ValueAnswer>('GET', keyPath(key), undefined, cluster.nodes[2].address);
    t.is(got.status, 200);
    t.deepEqual([got.body.key, got.body.value], [key, value]);
    t.true((await storedKeys()).has(key));
  });
}

test('keys made only of dots reach the node through the client, not as path segments', async (t) => {
  // fetch (WHATWG URL) would resolve /kv/. and /kv/%2E away, so this goes through the KvClient.
  const [a, b] = cluster.addresses;
  for (const key of ['.', '..']) {
    t.is((await cluster.kv.put(a, key, `dots ${key}`)).key, key);
    t.is((await cluster.kv.get(b, key)).value, `dots ${key}`);
  }
});

test('a key literally named * is reachable as /kv/%2A and is not the whole ring', async (t) => {
  const put = await call<ValueAnswer>('PUT', '/kv/%2A', { value: 'star' });
  t.is(put.status, 200);
  t.is(put.body.key, '*');
  const got = await call<ValueAnswer>('GET', '/kv/%2A', undefined, cluster.nodes[1].address);
  t.deepEqual(got.body && [got.status, got.body.key, got.body.value], [200, '*', 'star']);
  t.is((await call('DELETE', '/kv/%2A')).status, 200);
  t.is((await call('GET', '/kv/%2A')).body.error?.code, 'KEY_NOT_FOUND');
});

test('writes and reads answer key, value, node and hops; an overwrite replaces the value', async (t) => {
  const key = 'overwritten';
  const first = await call<ValueAnswer>('PUT', keyPath(key), { value: 'one' });
  const owner = replicaSet(hashId(key), cluster.nodes.map((n) => ({ id: hashId(n.address), address: n.address })), K)[0];
  t.is(first.body.node, owner.address, 'a write answers with the owner (head)');
  t.true(Number.isInteger(first.body.hops) && first.body.hops >= 0);
  const second = await call<ValueAnswer>('PUT', keyPath(key), { value: 'two' }, cluster.nodes[2].address);
  t.deepEqual([second.status, second.body.value], [200, 'two']);
  for (const node of cluster.nodes) {
    const got = await call<ValueAnswer>('GET', keyPath(key), undefined, node.address);
    t.deepEqual([got.status, got.body.key, got.body.value], [200, key, 'two']);
    t.true(cluster.addresses.includes(got.body.node));
    t.true(Number.isInteger(got.body.hops));
  }
});

test('a deleted key answers 404 KEY_NOT_FOUND to reads and to a second delete', async (t) => {
  const key = 'deleted soon';
  await call('PUT', keyPath(key), { value: 'v' });
  const deleted = await call<DeleteAnswer>('DELETE', keyPath(key), undefined, cluster.nodes[1].address);
  t.is(deleted.status, 200);
  t.like(deleted.body, { key, deleted: true });
  t.true(cluster.addresses.includes(deleted.body.node));
  t.true(Number.isInteger(deleted.body.hops));
  for (const node of cluster.nodes) {
    const got = await call<ValueAnswer>('GET', keyPath(key), undefined, node.address);
    t.deepEqual([got.status, got.body.error?.code], [404, 'KEY_NOT_FOUND']);
  }
  const again = await call('DELETE', keyPath(key));
  t.deepEqual([again.status, again.body.error?.code], [404, 'KEY_NOT_FOUND']);
  t.false((await storedKeys()).has(key));
});

test('GET /overlay lists every node once, in ring order starting at the node asked', async (t) => {
  const ring = cluster.nodes.map((n) => ({ id: hashId(n.address), address: n.address }));
  for (const asked of ring) {
    const overlay = await call<OverlayAnswer>('GET', '/overlay', undefined, asked.address);
    t.is(overlay.status, 200);
    const expected = sortClockwise(ring, asked.id).map((n) => ({ id: idToHex(n.id), address: n.address }));
    t.deepEqual(overlay.body.nodes, expected);
  }
});

test('GET /kv groups pairs by node in ring order, each on its replica set with one primary', async (t) => {
  const keys = ['group a', 'group b', 'group c', 'group d', 'group e'];
  for (const key of keys) await call('PUT', keyPath(key), { value: `v ${key}` });
  const ring = cluster.nodes.map((n) => ({ id: hashId(n.address), address: n.address }));
  const asked = ring[1];
  const all = await call<AllAnswer>('GET', '/kv', undefined, asked.address);
  t.is(all.status, 200);
  t.deepEqual(all.body.nodes.map((n: { address: string }) => n.address), sortClockwise(ring, asked.id).map((n) => n.address));
  for (const node of all.body.nodes) {
    t.is(node.id, idToHex(hashId(node.address)));
    for (const item of node.items) t.true(['primary', 'replica'].includes(item.role));
  }
  for (const key of keys) {
    const want = replicaSet(hashId(key), ring, K).map((n) => n.address);
    const holders = all.body.nodes.flatMap((n: { address: string; items: { key: string; value: string; role: string }[] }) =>
      n.items.filter((i) => i.key === key).map((i) => ({ address: n.address, role: i.role, value: i.value })));
    t.deepEqual(holders.map((h: { address: string }) => h.address).sort(), [...want].sort(), key);
    t.deepEqual(holders.filter((h: { role: string }) => h.role === 'primary').map((h: { address: string }) => h.address), [want[0]]);
    t.true(holders.every((h: { value: string }) => h.value === `v ${key}`));
  }
});

test('GET /status describes the node: id, address, neighbours, fingers, settings and key counts', async (t) => {
  const ring = sortClockwise(cluster.nodes.map((n) => ({ id: hashId(n.address), address: n.address })), 0n);
  const me = ring[1];
  const status = await call<StatusAnswer>('GET', '/status', undefined, me.address);
  t.is(status.status, 200);
  const s = status.body;
  t.is(s.id, idToHex(me.id));
  t.is(s.address, me.address);
  t.true(s.ready);
  t.deepEqual(s.predecessor, { id: idToHex(ring[0].id), address: ring[0].address });
  t.deepEqual(s.successors.map((p: { address: string }) => p.address), [ring[2].address, ring[0].address]);
  t.true(Array.isArray(s.fingers));
  t.is(s.k, K);
  t.is(s.consistency, 'linearizable');
  t.true(Number.isInteger(s.keys.primary) && Number.isInteger(s.keys.replica));
  t.is(s.keys.primary + s.keys.replica, s.keys.total);
});

test('GET /health answers 200 {"ok": true} on every node', async (t) => {
  for (const node of cluster.nodes) {
    const health = await call('GET', '/health', undefined, node.address);
    t.deepEqual([health.status, health.body], [200, { ok: true }]);
  }
});

test('a join request for a node that is already a member is refused with 409 ALREADY_MEMBER', async (t) => {
  const [asked, member] = cluster.nodes;
  const before = await call('GET', '/overlay', undefined, asked.address);
  for (const existing of [member, asked]) {
    const body = { node: { id: idToHex(existing.node.self.id), address: existing.address } };
    const reply = await call('POST', '/rpc/join', body, asked.address);
    t.deepEqual([reply.status, reply.body.error?.code], [409, 'ALREADY_MEMBER']);
  }
  t.deepEqual((await call('GET', '/overlay', undefined, asked.address)).body, before.body, 'the ring changed');
});
