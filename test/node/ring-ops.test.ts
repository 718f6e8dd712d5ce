import test from 'ava';
import { TestCluster } from '../helpers/cluster.js';

for (const k of [1, 2, 3, 7]) {
  test(`k=${k}: every key sits on exactly its replica nodes through inserts, updates, deletes, joins and departs`, async (t) => {
    const cluster = await TestCluster.start(5, { k });
    t.teardown(() => cluster.teardown());
    const expected = new Map<string, string>();
    for (let i = 0; i < 60; i++) {
      const key = `song ${i}`;
      await cluster.kv.put(cluster.random().address, key, `v${i}`);
      expected.set(key, `v${i}`);
    }
    for (let i = 0; i < 60; i += 7) {
      await cluster.kv.put(cluster.random().address, `song ${i}`, `updated ${i}`);
      expected.set(`song ${i}`, `updated ${i}`);
    }
    for (let i = 3; i < 60; i += 11) {
      await cluster.kv.delete(cluster.random().address, `song ${i}`);
      expected.delete(`song ${i}`);
    }
    t.deepEqual(await cluster.placementProblems(expected, k), [], 'after writes');
    await cluster.join();
    await cluster.join();
    t.deepEqual(await cluster.placementProblems(expected, k), [], 'after two joins');
    await cluster.depart(cluster.nodes[0]);
    t.deepEqual(await cluster.placementProblems(expected, k), [], 'after the creator departs');
    await cluster.depart(cluster.random());
    t.deepEqual(await cluster.placementProblems(expected, k), [], 'after another depart');
    for (const [key, value] of expected) {
      t.is((await cluster.kv.get(cluster.random().address, key)).value, value);
    }
  });
}
