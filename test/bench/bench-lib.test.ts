import test from 'ava';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBenchArgs, DEFAULT_PARTS } from '../../bench/lib/bench-options.js';
import { ceilingRows, comparisonRow, SCALE_HEADER, scaleRow, TARGETS, yardsticks } from '../../bench/lib/compare.js';
import { ceilingSetup, ETCD_SETUP, ringSetup, type BenchRow } from '../../bench/lib/measure.js';
import type { Measured } from '../../bench/lib/workload.js';
import { ETCD_MISSING, findEtcd } from '../../bench/lib/etcd.js';
import { etcdPut, etcdRange, etcdValue } from '../../bench/lib/etcd-gateway.js';
import { drive, etcdSender } from '../../bench/lib/load.js';
import { messagesPerOp, operationCalls, parseCallCounts } from '../../bench/lib/messages.js';
import { closeSync, openSync, writeSync } from 'node:fs';
import { cpuSeconds, ioCounts } from '../../bench/lib/proc-cpu.js';
import type { Request } from '../../cli/file-format.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');

test('etcd gateway: a put carries key and value base64-encoded', (t) => {
  t.deepEqual(etcdPut('Blue · Joni', 'Mitchell, 1971'), { path: '/v3/kv/put', body: { key: b64('Blue · Joni'), value: b64('Mitchell, 1971') } });
});

test('etcd gateway: a range read is linearizable unless asked to be serializable', (t) => {
  t.deepEqual(etcdRange('k'), { path: '/v3/kv/range', body: { key: b64('k') } });
  t.deepEqual(etcdRange('k', true), { path: '/v3/kv/range', body: { key: b64('k'), serializable: true } });
});

test('etcd gateway: a range answer without kvs is an absent key; a value is decoded', (t) => {
  t.is(etcdValue({ header: {}, count: '0' }), undefined);
  t.is(etcdValue({ kvs: [{ key: b64('k'), value: b64('Rosalía') }], count: '1' }), 'Rosalía');
});

test('etcd: no binary on the path is undefined, and the skip message says how to install one', async (t) => {
  const empty = await mkdtemp(join(tmpdir(), 'chordkv-etcd-test-'));
  try {
    t.is(findEtcd(undefined, empty), undefined);
    t.is(findEtcd(join(empty, 'etcd'), undefined), undefined);
    await writeFile(join(empty, 'etcd'), '#!/bin/sh\n');
    await chmod(join(empty, 'etcd'), 0o755);
    t.is(findEtcd(undefined, `/nonexistent:${empty}`), join(empty, 'etcd'));
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
  t.regex(ETCD_MISSING, /skipped/);
  t.regex(ETCD_MISSING, /apt-get install -y etcd-server/);
  t.regex(ETCD_MISSING, /ETCD_BIN/);
});

test('bench flags: the defaults, --only, and every problem at once', (t) => {
  const plain = parseBenchArgs([]);
  t.deepEqual([...plain.parts], [...DEFAULT_PARTS]);
  t.is(plain.rounds, 3);
  t.is(plain.requests, 5000);
  const some = parseBenchArgs(['--only', 'etcd,scale', '--rounds', '2', '--quick']);
  t.deepEqual([...some.parts], ['etcd', 'scale']);
  t.is(some.rounds, 2);
  t.is(some.requests, 500);
  const error = t.throws(() => parseBenchArgs(['--only', 'etcd,nope', '--rounds', '0', '--bogus']));
  t.regex(error.message, /unknown part nope/);
  t.regex(error.message, /--rounds must be a whole number/);
  t.regex(error.message, /unknown argument "--bogus"/);
});

test('messages: calls are summed over peers and outcomes; maintenance paths are left out', (t) => {
  const text = [
    '# HELP chordkv_rpc_calls_total Node-to-node calls made',
    'chordkv_rpc_calls_total{call="/rpc/op",peer="127.0.0.1:1",outcome="ok",node="a"} 90',
    'chordkv_rpc_calls_total{call="/rpc/op",peer="127.0.0.1:2",outcome="PEER_TIMEOUT",node="a"} 10',
    'chordkv_rpc_calls_total{call="/rpc/chain",peer="127.0.0.1:2",outcome="ok",node="a"} 200',
    'chordkv_rpc_calls_total{call="/rpc/state",peer="127.0.0.1:2",outcome="ok",node="a"} 55',
    'chordkv_rpc_call_duration_seconds_count{call="/rpc/op",node="a"} 100',
  ].join('\n');
  const calls = parseCallCounts(text);
  t.deepEqual([...calls], [['/rpc/op', 100], ['/rpc/chain', 200], ['/rpc/state', 55]]);
  t.is(messagesPerOp(operationCalls(calls, new Set(['/rpc/state'])), 100), 4);
});

test('yardsticks: each ring operation is held against the etcd call with its guarantee and the chain of its path', (t) => {
  t.deepEqual(yardsticks('linearizable', 'insert'), { etcd: 'etcd, 3 members: put', forwards: 3 });
  t.deepEqual(yardsticks('linearizable', 'query'), { etcd: 'etcd, 3 members: get (linearizable)', forwards: 2 });
  t.deepEqual(yardsticks('eventual', 'query'), { etcd: 'etcd, 3 members: get (serializable)', forwards: 1 });
});

test('yardsticks: a token-aware client saves the entry forward, and is held against at least one', (t) => {
  t.deepEqual(yardsticks('linearizable', 'insert', true), { etcd: 'etcd, 3 members: put', forwards: 2 });
  t.deepEqual(yardsticks('linearizable', 'query', true), { etcd: 'etcd, 3 members: get (linearizable)', forwards: 1 });
  t.deepEqual(yardsticks('eventual', 'insert', true), { etcd: 'etcd, 3 members: put', forwards: 1 });
  t.deepEqual(yardsticks('eventual', 'query', true), { etcd: 'etcd, 3 members: get (serializable)', forwards: 1 });
});

test('drive: the load generator speaks the etcd gateway and counts absent keys and its servers\' CPU', async (t) => {
  const seen: string[] = [];
  const stored = new Map<string, string>();
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => { text += chunk.toString(); });
    req.on('end', () => {
      const body = JSON.parse(text) as { key: string; value?: string; serializable?: boolean };
      seen.push(`${req.url} ${body.serializable ? 'serializable' : ''}`.trim());
      if (req.url === '/v3/kv/put') stored.set(body.key, body.value ?? '');
      const value = stored.get(body.key);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(req.url === '/v3/kv/range' && value !== undefined ? { kvs: [{ key: body.key, value }] } : { header: {} }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const endpoint = `127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    const inserts: Request[] = [{ op: 'insert', key: 'a', value: '1', line: 1 }, { op: 'insert', key: 'b', value: '2', line: 2 }];
    const queries: Request[] = [{ op: 'query', key: 'a', line: 1 }, { op: 'query', key: 'z', line: 2 }];
    const put = await drive('put', { endpoints: [endpoint], send: etcdSender(false), pids: [process.pid] }, inserts, 2);
    const get = await drive('get', { endpoints: [endpoint], send: etcdSender(true), pids: [process.pid] }, queries, 2);
    t.like(put, { requests: 2, errors: 0, notFound: 0 });
    t.like(get, { requests: 2, errors: 0, notFound: 1 });
    t.is(typeof get.serverCpuUs, 'number');
    // The server is this process: every answer it wrote is at least one write call.
    t.true((put.serverWrites ?? 0) >= 1);
    t.is(typeof put.serverSleeps, 'number');
    t.deepEqual(seen.sort(), ['/v3/kv/put', '/v3/kv/put', '/v3/kv/range serializable', '/v3/kv/range serializable']);
  } finally {
    server.close();
  }
});

test('proc CPU: a live process has a CPU time, a missing one none', (t) => {
  t.true((cpuSeconds(process.pid) ?? -1) >= 0);
  t.is(cpuSeconds(2 ** 22 + 12_345), undefined);
});

test('proc I/O: write calls are counted as they are made; a missing process has no counts', (t) => {
  const before = ioCounts(process.pid);
  const fd = openSync('/dev/null', 'w');
  try {
    for (let i = 0; i < 5; i++) writeSync(fd, 'x');
  } finally {
    closeSync(fd);
  }
  const after = ioCounts(process.pid);
  t.truthy(before && after);
  t.true(after!.writes - before!.writes >= 5);
  t.true(after!.sleeps >= before!.sleeps);
  t.is(ioCounts(2 ** 22 + 12_345), undefined);
});

test('ring setups are named by their ring nodes, and by their processes when each holds several ids; a packed row finds its yardsticks', (t) => {
  t.is(ringSetup({ k: 3, consistency: 'linearizable' }, 10), 'ring 10 nodes, k=3, linearizable');
  t.is(ringSetup({ k: 3, consistency: 'eventual', vnodes: 2 }, 5), 'ring 10 nodes in 5 processes, k=3, eventual');
  t.is(ringSetup({ k: 3, consistency: 'linearizable', vnodes: 1 }, 5, { direct: true }), 'ring 5 nodes, k=3, linearizable, --direct');
  const row = (setup: string, throughput: number) => ({ setup, throughput, serverCpuUs: 100 }) as unknown as Measured & BenchRow;
  const packed = row(`${ringSetup({ k: 3, consistency: 'linearizable', vnodes: 2 }, 5)}: query`, 300);
  const rows = new Map([[packed.setup, packed], ...[row(yardsticks('linearizable', 'query').etcd, 200), row('bare node:http chain, 2 forwards: GET', 600)].map((r) => [r.setup, r] as const)]);
  t.deepEqual(comparisonRow(packed, 'linearizable', rows).slice(1, 6), [300, 'get (linearizable)', '1.50×', '2 forwards', '0.50×']);
});

test('the ceiling table holds each target against each ceiling of the same operation', (t) => {
  const row = (setup: string, throughput: number) => [setup, { setup, throughput } as unknown as Measured & BenchRow] as const;
  const shape = { k: 3, wire: 'lines' } as const;
  const rows = new Map([
    row(ETCD_SETUP.put, 1000), row(ETCD_SETUP.linearizable, 2000), row(ETCD_SETUP.serializable, 4000),
    row(ceilingSetup('insert', 10), 3000), row(ceilingSetup('query', 10), 6000),
    row(ceilingSetup('insert', 10, shape), 900), row(ceilingSetup('query', 10, shape), 5000),
  ]);
  const ceilings = [
    { label: '10 side by side', setup: (op: 'insert' | 'query') => ceilingSetup(op, 10) },
    { label: '5 side by side', setup: (op: 'insert' | 'query') => ceilingSetup(op, 5) },
    { label: '10 ring-shaped', setup: (op: 'insert' | 'query') => ceilingSetup(op, 10, shape), clients: 'spread' as const },
    { label: '10 ring-shaped, --direct', setup: (op: 'insert' | 'query') => ceilingSetup(op, 10, { ...shape, direct: true }), clients: 'direct' as const },
  ];
  const table = ceilingRows(ceilings, rows);
  // A ceiling measured with spread clients is held against the spread clients' targets, a token-aware one against the token-aware client's.
  const direct = TARGETS.filter((target) => target.direct).map((target) => target.ring);
  // Both side-by-side ceilings for every target, and one ring-shaped ceiling each.
  t.is(table.length, TARGETS.length * 3);
  t.deepEqual(table.filter((cells) => cells[4] === '10 ring-shaped').map((cells) => cells[0]), TARGETS.filter((target) => !target.direct).map((target) => target.ring));
  t.deepEqual(table.filter((cells) => cells[4] === '10 ring-shaped, --direct').map((cells) => cells[0]), direct);
  // The eventual query's target is 2× the serializable get: 8,000/s, above a ceiling of 6,000/s.
  t.deepEqual(table[6], ['eventual query', '2.0× get (serializable)', 4000, 8000, '10 side by side', 6000, '1.50×', '0.75×']);
  t.deepEqual(table[0].slice(4), ['10 side by side', 3000, '3.00×', '3.00×']);
  // Five servers were not measured: their cells say so rather than invent a ratio.
  t.deepEqual(table[1].slice(4), ['5 side by side', 'not measured', '–', '–']);
  // The ring-shaped ceiling reads its own rows: below the insert target here.
  t.deepEqual(table[2].slice(4), ['10 ring-shaped', 900, '0.90×', '0.90×']);
  t.not(ceilingSetup('insert', 10, shape), ceilingSetup('insert', 10, { k: 3, wire: 'frames' }));
  t.not(ceilingSetup('insert', 10, { k: 3, wire: 'frames' }), ceilingSetup('insert', 10, { k: 3, wire: 'frames', koa: true }));
  t.not(ceilingSetup('insert', 10, shape), ceilingSetup('insert', 10, { ...shape, direct: true }));
});

test('a scale line carries the ring\'s rows, its idle facts, and its shape\'s PUTs when measured', (t) => {
  const row = (throughput: number) => ({ setup: 's', throughput, min: throughput - 1, max: throughput + 1, p99: 9, messages: 2.5, serverCpuUs: 400 }) as unknown as Measured & BenchRow;
  const line = scaleRow(20, row(1000), row(2000), { cpuPercent: 7.5, callsPerSecond: 27 }, row(4000));
  t.is(line.length, SCALE_HEADER.length);
  t.deepEqual(line, [20, '1000 (999–1001)', 9, 2.5, 400, '2000 (1999–2001)', 9, 2.5, 7.5, 27, 4000]);
  t.is(scaleRow(5, row(1000), row(2000), undefined).at(-1), '–');
});
