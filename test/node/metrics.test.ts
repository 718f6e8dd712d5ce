/** GET /metrics: Prometheus text that moves with what the node does, and nothing when switched off. */
import test from 'ava';
import { hashId, successorOf } from '../../common/ring.js';
import { TestCluster } from '../helpers/cluster.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

async function scrape(address: string): Promise<{ samples: Sample[]; text: string; type: string }> {
  const response = await fetch(`http://${address}/metrics`);
  const text = await response.text();
  const samples = text.split('\n').filter((line) => line && !line.startsWith('#')).map((line): Sample => {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not exposition format: ${line}`);
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    return { name: match[1], labels, value: Number(match[3]) };
  });
  return { samples, text, type: response.headers.get('content-type') ?? '' };
}

/** The sum of `name` over the samples whose labels include `labels`. */
const total = (samples: Sample[], name: string, labels: Record<string, string> = {}) => samples
  .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  .reduce((sum, s) => sum + s.value, 0);

test('requests, node-to-node calls, hops and keys held show up in /metrics as they happen', async (t) => {
  const cluster = await TestCluster.start(3, { k: 2, config: { metrics: true } });
  t.teardown(() => cluster.teardown());
  const key = 'metered';
  const owner = successorOf(hashId(key), cluster.nodes.map((n) => ({ id: hashId(n.address), address: n.address }))).address;
  const entry = cluster.nodes.find((n) => n.address !== owner)!.address;

  const before = await scrape(entry);
  t.regex(before.type, /text\/plain/);
  const ownerBefore = await scrape(owner);
  await cluster.kv.put(entry, key, 'v');
  const after = await scrape(entry);
  const ownerAfter = await scrape(owner);

  const puts = (s: Sample[]) => total(s, 'chordkv_http_requests_total', { route: '/kv/:key', method: 'PUT', status: '200' });
  t.is(puts(after.samples) - puts(before.samples), 1);
  const forwards = (s: Sample[]) => total(s, 'chordkv_rpc_calls_total', { call: '/rpc/op', peer: owner, outcome: 'ok' });
  t.true(forwards(after.samples) - forwards(before.samples) >= 1, 'the entry forwarded the put to its owner');
  t.is(total(ownerAfter.samples, 'chordkv_route_hops_count') - total(ownerBefore.samples, 'chordkv_route_hops_count'), 1);
  t.true(total(ownerAfter.samples, 'chordkv_keys', { role: 'primary' }) >= 1);
  t.true(total(after.samples, 'chordkv_ring_size') >= 3);
  t.true(after.samples.filter((s) => !s.name.startsWith('chordkv_process_') && !s.name.startsWith('chordkv_nodejs_')).every((s) => s.labels.node === entry), 'every sample of the node names it');
  t.true(total(after.samples, 'chordkv_process_resident_memory_bytes') > 0);
});

test('with metrics off, /metrics says so and the node works as before', async (t) => {
  const cluster = await TestCluster.start(2, { k: 1 }); // tests run nodes with metrics off
  t.teardown(() => cluster.teardown());
  await cluster.kv.put(cluster.nodes[0].address, 'k', 'v');
  const { samples, text } = await scrape(cluster.nodes[0].address);
  t.deepEqual(samples, []);
  t.regex(text, /metrics are off/);
});

// Regression: a process with several ring ids reported the hops and keys of its first id only.
test('a process with several ring ids reports the keys and hops of all of them', async (t) => {
  const cluster = await TestCluster.start(2, { k: 1, config: { metrics: true, vnodes: 4 } });
  t.teardown(() => cluster.teardown());
  const keys = 40;
  const before = await Promise.all(cluster.nodes.map((n) => scrape(n.address)));
  for (let i = 0; i < keys; i++) await cluster.kv.put(cluster.nodes[i % 2].address, `many ids ${i}`, 'v');
  const after = await Promise.all(cluster.nodes.map((n) => scrape(n.address)));
  const sum = (scrapes: { samples: Sample[] }[], name: string, labels: Record<string, string> = {}) =>
    scrapes.reduce((s, scraped) => s + total(scraped.samples, name, labels), 0);
  t.is(sum(after, 'chordkv_keys', { role: 'primary' }), keys, 'each pair is counted once, at whichever id owns it');
  t.is(sum(after, 'chordkv_route_hops_count') - sum(before, 'chordkv_route_hops_count'), keys);
});
