import test from 'ava';
import { fingerTable, hashId } from '../../common/ring.js';
import { TestCluster, waitFor } from '../helpers/cluster.js';

// The example ring of the Chord paper (m = 6): nodes and the finger table of N8 as printed there.
const PAPER_RING = [1, 8, 14, 21, 32, 38, 42, 48, 51, 56].map((id) => ({ id: BigInt(id) }));

test("finger tables of the paper's m=6 ring match the hand-computed ones", (t) => {
  const table = (self: number) => fingerTable(BigInt(self), PAPER_RING, 6).map((n) => Number(n.id));
  t.deepEqual(table(8), [14, 14, 14, 21, 32, 42]);
  t.deepEqual(table(42), [48, 48, 48, 51, 1, 14]);
  t.deepEqual(table(56), [1, 1, 1, 1, 8, 32]);
  t.deepEqual(table(1), [8, 8, 8, 14, 21, 38]);
});

/** Nodes whose live finger table differs from the one computed from the membership. */
function fingerMismatches(cluster: TestCluster): string[] {
  const ring = cluster.nodes.map((n) => ({ id: hashId(n.address), address: n.address }));
  return cluster.nodes.flatMap((n) => {
    const want = fingerTable(n.node.self.id, ring).map((p) => (p.address === n.address ? undefined : p.address));
    const got = Array.from({ length: 160 }, (_, i) => n.node.routing.fingers[i]?.address);
    return want.some((address, i) => address !== got[i]) ? [n.address] : [];
  });
}

test('live finger tables converge to the ones computed from the membership', async (t) => {
  const cluster = await TestCluster.start(12, { k: 2 });
  t.teardown(() => cluster.teardown());
  await waitFor(() => fingerMismatches(cluster).length === 0, 30_000, 100);
  t.deepEqual(fingerMismatches(cluster), []);
});

test('mean hops on a 32-node ring stay within ½·log2 N + 1', async (t) => {
  const cluster = await TestCluster.start(32, { k: 1, config: { maintenanceIntervalMs: 300 } });
  t.teardown(() => cluster.teardown());
  await waitFor(() => fingerMismatches(cluster).length === 0, 60_000, 200);
  t.deepEqual(fingerMismatches(cluster), [], 'finger tables did not converge');
  let hops = 0;
  const lookups = 300;
  for (let i = 0; i < lookups; i++) {
    const answer = await cluster.kv.put(cluster.random().address, `hop key ${i}`, 'x');
    hops += answer.hops;
  }
  const mean = hops / lookups;
  t.log(`mean hops over ${lookups} lookups on 32 nodes: ${mean.toFixed(2)}`);
  t.true(mean <= 0.5 * Math.log2(32) + 1, `mean hops ${mean}`);
  t.true(mean > 0, 'requests were answered without any routing');
});
