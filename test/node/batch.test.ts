/** POST /kv/_batch: many operations in one request, each answering in its own place. */
import test from 'ava';
import type { BatchOp, ErrorBody, ValueAnswer } from '../../common/wire.js';
import { TestCluster } from '../helpers/cluster.js';
import { ensureBuilt, runChordkv } from '../helpers/processes.js';

let cluster: TestCluster;

test.before(async () => {
  ensureBuilt();
  cluster = await TestCluster.start(5, { k: 2 });
});
test.after.always(() => cluster?.teardown());

const errorOf = (result: unknown) => (result as Partial<ErrorBody>).error?.code;

test('a batch of puts, gets and deletes across the ring answers each in its place, in order per key', async (t) => {
  const puts: BatchOp[] = Array.from({ length: 60 }, (_, i) => ({ op: 'put', key: `batch ${i}`, value: `v${i}` }));
  const written = await cluster.kv.batch(cluster.nodes[0].address, puts);
  t.is(written.results.length, 60);
  t.true(written.results.every((r, i) => (r as ValueAnswer).key === `batch ${i}` && (r as ValueAnswer).value === `v${i}`));
  for (let i = 0; i < 60; i += 7) t.is((await cluster.kv.get(cluster.nodes[i % 5].address, `batch ${i}`)).value, `v${i}`);

  const mixed = await cluster.kv.batch(cluster.nodes[3].address, [
    { op: 'get', key: 'batch 1' },
    { op: 'put', key: 'same key', value: 'first' },
    { op: 'put', key: 'same key', value: 'second' },
    { op: 'get', key: 'same key' },
    { op: 'delete', key: 'batch 2' },
    { op: 'get', key: 'batch 2' },
    { op: 'get', key: 'never written' },
    { op: 'put', key: 'batch 3', value: 'cas', ifVersion: 1 },
  ]);
  const [got, , , sameKey, deleted, afterDelete, missing, cas] = mixed.results;
  t.is((got as ValueAnswer).value, 'v1');
  t.is((sameKey as ValueAnswer).value, 'second', 'operations on one key ran out of order');
  t.like(deleted, { key: 'batch 2', deleted: true });
  t.is(errorOf(afterDelete), 'KEY_NOT_FOUND');
  t.is(errorOf(missing), 'KEY_NOT_FOUND');
  t.is(errorOf(cas), 'VERSION_MISMATCH');
  t.is((await cluster.kv.get(cluster.nodes[1].address, 'batch 3')).value, 'v3');
});

test('a malformed batch is refused whole, naming the operation, and nothing is written', async (t) => {
  const address = cluster.nodes[0].address;
  const bodies: [unknown, number, string][] = [
    [{ ops: [] }, 400, 'INVALID_REQUEST'],
    [{ ops: Array.from({ length: 1001 }, () => ({ op: 'get', key: 'k' })) }, 400, 'INVALID_REQUEST'],
    [{ ops: [{ op: 'put', key: 'refused 1', value: 'x' }, { op: 'frob', key: 'k' }] }, 400, 'INVALID_OP'],
    [{ ops: [{ op: 'put', key: 'refused 2', value: 'x' }, { op: 'get', key: '' }] }, 400, 'INVALID_KEY'],
    [{ ops: [{ op: 'put', key: 'refused 3', value: 'v'.repeat(1024 * 1024 + 1) }] }, 413, 'VALUE_TOO_LARGE'],
    [{ nothing: true }, 400, 'INVALID_REQUEST'],
    [{ ops: [{ op: 'put', key: 'refused 4', value: 'x' }, { op: 'put', key: 'lone \ud800', value: 'x' }] }, 400, 'INVALID_KEY'],
  ];
  for (const [body, status, code] of bodies) {
    const response = await fetch(`http://${address}/kv/_batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const answer = await response.json() as ErrorBody;
    t.is(response.status, status, JSON.stringify(body).slice(0, 80));
    t.is(answer.error.code, code);
  }
  t.regex(((await (await fetch(`http://${address}/kv/_batch`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(bodies[2][0]),
  })).json()) as ErrorBody).error.message, /ops\[1\]/);
  for (const key of ['refused 1', 'refused 2', 'refused 3', 'refused 4']) {
    await t.throwsAsync(cluster.kv.get(address, key), { message: /no value/ }, key);
  }
});

test('chordkv mset and mget write and read many pairs; a missing key makes mget exit 1', async (t) => {
  const node = cluster.nodes[2].address;
  const set = await runChordkv(['mset', 'cli a', '1', 'cli b', '2', '--node', node]);
  t.is(set.code, 0, set.stderr);
  const get = await runChordkv(['mget', 'cli a', 'cli b', '--node', node]);
  t.is(get.code, 0, get.stderr);
  t.deepEqual(get.stdout.trim().split('\n'), ['"cli a" = "1"', '"cli b" = "2"']);
  const partly = await runChordkv(['mget', 'cli a', 'cli none', '--json', '--node', node]);
  t.is(partly.code, 1);
  const results = (JSON.parse(partly.stdout) as { results: unknown[] }).results;
  t.is((results[0] as ValueAnswer).value, '1');
  t.is(errorOf(results[1]), 'KEY_NOT_FOUND');
  const odd = await runChordkv(['mset', 'lonely', '--node', node]);
  t.is(odd.code, 2);
});
