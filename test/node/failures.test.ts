import test from 'ava';
import { TestCluster, waitFor } from '../helpers/cluster.js';

async function fill(cluster: TestCluster, count: number): Promise<Map<string, string>> {
  const expected = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    await cluster.kv.put(cluster.random().address, `track ${i}`, `value ${i}`);
    expected.set(`track ${i}`, `value ${i}`);
  }
  return expected;
}

async function healed(cluster: TestCluster, expected: Map<string, string>, k: number): Promise<string[]> {
  let problems: string[] = ['not checked yet'];
  await waitFor(async () => {
    try {
      problems = await cluster.placementProblems(expected, k);
    } catch (err) {
      problems = [`placement could not be read: ${(err as Error).message}`];
    }
    return problems.length === 0;
  }, 20_000, 200);
  return problems;
}

test('k=3 loses no acknowledged key when two nodes crash one after the other, and placement heals', async (t) => {
  const cluster = await TestCluster.start(6, { k: 3 });
  t.teardown(() => cluster.teardown());
  const expected = await fill(cluster, 80);
  for (const round of [1, 2]) {
    await cluster.crash(cluster.nodes[round]);
    t.deepEqual(await healed(cluster, expected, 3), [], `placement after crash ${round}`);
    for (const [key, value] of expected) {
      t.is((await cluster.kv.get(cluster.random().address, key)).value, value, `${key} after crash ${round}`);
    }
  }
});

test('the ring keeps admitting joins through any member after the creating node crashes', async (t) => {
  const cluster = await TestCluster.start(4, { k: 2 });
  t.teardown(() => cluster.teardown());
  const expected = await fill(cluster, 40);
  await cluster.crash(cluster.nodes[0]);
  t.deepEqual(await healed(cluster, expected, 2), []);
  await cluster.join(cluster.nodes[1]);
  await cluster.join(cluster.nodes[2]);
  t.deepEqual(await healed(cluster, expected, 2), []);
  const overlay = await cluster.kv.overlay(cluster.nodes[0].address);
  t.is(overlay.nodes.length, cluster.nodes.length);
});

test('concurrent joins through different members end in one ring with every key in place', async (t) => {
  const cluster = await TestCluster.start(3, { k: 2 });
  t.teardown(() => cluster.teardown());
  const expected = await fill(cluster, 60);
  const vias = [0, 1, 2, 0, 1, 2].map((i) => cluster.nodes[i]);
  await Promise.all(vias.map((via) => cluster.join(via)));
  t.is(cluster.nodes.length, 9);
  t.deepEqual(await healed(cluster, expected, 2), []);
  const sorted = [...cluster.nodes].sort((a, b) => (a.node.self.id < b.node.self.id ? -1 : 1)).map((n) => n.address);
  // Placement needs only the nearest k successors right; lists further out converge a round
  // or two later, and overlays must agree within 10 s (the ring's promise), so wait for that.
  const walk = async () => (await cluster.kv.overlay(sorted[0])).nodes.map((n) => n.address);
  let overlay = await walk();
  await waitFor(async () => (overlay = await walk()).join() === sorted.join(), 10_000, 100);
  t.deepEqual(overlay, sorted);
});
