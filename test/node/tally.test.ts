/** Tallies: the hot-path counters and histograms write the same samples prom-client would for the same observations. */
import test from 'ava';
import { Counter, Histogram, Registry } from 'prom-client';
import { Tally } from '../../node/tally.js';

/** Samples of an exposition text, label order ignored: `name{a="1",b="2"}` → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not exposition format: ${line}`);
    const labels = [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => `${m[1]}=${m[2]}`).sort();
    out.set(`${match[1]}{${labels.join(',')}}`, Number(match[3]));
  }
  return out;
}

const BUCKETS = [0.001, 0.01, 0.1, 1];

test('a counter and a histogram tally agree with prom-client sample for sample, default labels included', async (t) => {
  const registry = new Registry();
  registry.setDefaultLabels({ node: '127.0.0.1:1' });
  const counter = new Counter({ name: 'c_total', help: 'calls', labelNames: ['call', 'peer', 'outcome'], registers: [registry] });
  const histogram = new Histogram({ name: 'h_seconds', help: 'latency', labelNames: ['call'], buckets: BUCKETS, registers: [registry] });
  const tallyCounter = new Tally({ name: 'c_total', help: 'calls', labelNames: ['call', 'peer', 'outcome'] });
  const tallyHistogram = new Tally({ name: 'h_seconds', help: 'latency', labelNames: ['call'], buckets: BUCKETS });
  const observations: [string, string, string, number][] = [
    ['/rpc/op', 'a:1', 'ok', 0.0005], ['/rpc/op', 'a:1', 'ok', 0.001], ['/rpc/op', 'b:2', 'PEER_TIMEOUT', 5],
    ['/rpc/chain', 'a:1', 'ok', 0.01], ['/rpc/chain', 'a:1', 'ok', 0.0100001], ['/rpc/chain', 'b:2', 'ok', 1],
  ];
  for (const [call, peer, outcome, seconds] of observations) {
    counter.inc({ call, peer, outcome });
    histogram.observe({ call }, seconds);
    tallyCounter.add(1, call, peer, outcome);
    tallyHistogram.add(seconds, call);
  }
  const ours = samples(`${tallyCounter.text('node="127.0.0.1:1"')}\n${tallyHistogram.text('node="127.0.0.1:1"')}`);
  t.deepEqual(ours, samples(await registry.metrics()));
  t.is(ours.get('h_seconds_bucket{call=/rpc/chain,le=0.01,node=127.0.0.1:1}'), 1); // a value on a bound counts in it
  t.is(ours.get('c_total{call=/rpc/op,node=127.0.0.1:1,outcome=ok,peer=a:1}'), 2);
});

test('a tally without labels, and label values that need escaping', (t) => {
  const hops = new Tally({ name: 'hops', help: 'forwards', labelNames: [], buckets: [0, 1, 2] });
  t.true(hops.text('').includes('\nhops_count 0')); // shown before its first observation, as prom-client shows it
  for (const n of [0, 1, 1, 7]) hops.add(n);
  const text = hops.text('');
  t.true(text.includes('# TYPE hops histogram'));
  t.true(text.includes('hops_bucket{le="1"} 3'));
  t.true(text.includes('hops_bucket{le="+Inf"} 4'));
  t.true(text.includes('\nhops_sum 9\n'));
  const odd = new Tally({ name: 'odd_total', help: 'odd', labelNames: ['route'] });
  odd.add(1, 'a"b\\c\nd');
  t.true(odd.text('node="x"').includes('odd_total{route="a\\"b\\\\c\\nd",node="x"} 1'));
  t.throws(() => new Tally({ name: 'wide', help: 'too many', labelNames: ['a', 'b', 'c', 'd'] }));
});
