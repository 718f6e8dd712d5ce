/**
 * Virtual nodes in running rings: each process holds V ring ids, and every key's copies sit
 * on k distinct processes — checked against placement computed independently from SHA-1 of
 * the addresses — after inserts, joins, departs and a crash.
 */
import test from 'ava';
import { hashId } from '../../common/ring.js';
import { processOf, ringIdsOf, VirtualRing } from '../../common/vnodes.js';
import type { Consistency } from '../../common/wire.js';
import { TestCluster, waitFor } from '../helpers/cluster.js';

const cases: [k: number, vnodes: number, consistency: Consistency][] = [
  [1, 1, 'linearizable'], [3, 1, 'linearizable'], [1, 4, 'linearizable'], [3, 4, 'linearizable'], [1, 16, 'linearizable'], [3, 16, 'linearizable'],
  [3, 4, 'eventual'], [3, 4, 'quorum'],
];

for (const [k, vnodes, consistency] of cases) {
  test.serial(`${consistency} k=${k}, V=${vnodes}: copies on k distinct processes through inserts, a join, a depart and a crash`, async (t) => {
    const cluster = await TestCluster.start(4, { k, consistency, transport: 'memory', config: { vnodes } });
    // A linearizable ring's placement is exact when a write or membership change returns; the
    // others pass copies on in the background, so their placement is waited for.
    const settled = async () => (consistency === 'linearizable' ? cluster.placementProblems(expected, k) : (await waitFor(async () => {
      const found = await cluster.placementProblems(expected, k);
      return found.length === 0 ? found : undefined;
    }, 20_000, 100)) ?? cluster.placementProblems(expected, k));
    const expected = new Map<string, string>();
    try {
      t.true(cluster.nodes.every((n) => n.vnodes.length === vnodes), 'every process holds V ids');
      for (let i = 0; i < 40; i++) {
        expected.set(`key ${i}`, `value ${i}`);
        await cluster.kv.write(cluster.random().address, `key ${i}`, `value ${i}`);
      }
      t.deepEqual(await settled(), [], 'after inserts');

      await cluster.join();
      for (let i = 40; i < 60; i++) {
        expected.set(`key ${i}`, `value ${i}`);
        await cluster.kv.write(cluster.random().address, `key ${i}`, `value ${i}`);
      }
      t.deepEqual(await settled(), [], 'after a join');

      await cluster.depart(cluster.nodes[1]);
      t.deepEqual(await settled(), [], 'after a depart');

      // A crash takes every id of the process at once. With k = 1 its keys are gone; with
      // k = 3 each key lost one copy at most, and healing restores k on distinct processes.
      const victim = cluster.nodes[2];
      if (k === 1) {
        const ring = new VirtualRing(cluster.nodes.flatMap((n) => ringIdsOf(n.address, n.vnodes.length).map((id) => ({ id, address: n.address }))));
        for (const key of [...expected.keys()]) if (ring.owner(hashId(key)).address === victim.address) expected.delete(key);
      }
      await cluster.crash(victim);
      const problems = await waitFor(async () => {
        const found = await cluster.placementProblems(expected, k).catch((err: Error) => [err.message]);
        return found.length === 0 ? found : undefined;
      }, 30_000, 200);
      t.deepEqual(problems ?? await cluster.placementProblems(expected, k), [], 'healed after a crash');
      for (const [key, value] of expected) t.is((await cluster.kv.read(cluster.random().address, key) as { value?: string }).value, value);
    } finally {
      await cluster.teardown();
    }
  });
}

test.serial('a process with weight 2 holds twice the ids, and its status and the overlay show each id with its process', async (t) => {
  const cluster = await TestCluster.start(2, { k: 2, transport: 'memory', config: { vnodes: 4 } });
  try {
    const heavy = await cluster.join(cluster.nodes[0], { weight: 2 });
    t.is(heavy.vnodes.length, 8);
    const status = await cluster.kv.status(heavy.address);
    t.is(status.vnodes?.length, 8);
    t.true(status.vnodes!.every((v) => processOf(v.address) === heavy.address && v.state === 'ready'));
    const ids = status.vnodes!.map((v) => v.id);
    t.deepEqual(ids, [...ids].sort(), 'in id order');
    const overlay = await cluster.kv.overlay(cluster.nodes[0].address);
    t.is(overlay.nodes.length, 4 + 4 + 8, 'every ring id of every process');
    t.deepEqual([...new Set(overlay.nodes.map((n) => processOf(n.address)))].sort(), [...cluster.addresses].sort());
    t.true(overlay.nodes.every((n) => n.id === hashId(n.address).toString(16).padStart(40, '0')), 'each id is SHA-1 of its address');
  } finally {
    await cluster.teardown();
  }
});

test.serial('the last process of a ring cannot depart, even holding several ids', async (t) => {
  const cluster = await TestCluster.start(1, { transport: 'memory', config: { vnodes: 4 } });
  try {
    const error = await t.throwsAsync(cluster.kv.depart(cluster.nodes[0].address));
    t.is((error as { code?: string }).code, 'LAST_NODE');
    t.true(cluster.nodes[0].vnodes.every((v) => v.state === 'ready'), 'no id left');
  } finally {
    await cluster.teardown();
  }
});

// With several ids per process a successor list grows past its nominal length until it shows
// k - 1 other processes, so lists further back than that length can reach a join or depart.
// Each must learn of it within the change: stabilization alone took many rounds, and the
// overlay, query "*" and prefix scans walked the stale lists past members.
test.serial('joins and departs leave every successor list exact, without maintenance', async (t) => {
  const cluster = await TestCluster.start(3, { k: 3, transport: 'memory', config: { vnodes: 16, maintenanceIntervalMs: 600_000 } });
  try {
    const stale = () => {
      const ring = new VirtualRing(cluster.nodes.flatMap((n) => n.vnodes.map((v) => ({ id: v.self.id, address: v.self.address }))));
      const ids = ring.ids.map((v) => v.address);
      return cluster.nodes.flatMap((n) => n.vnodes).flatMap((v) => {
        const at = ids.indexOf(v.self.address);
        const truth = [...ids.slice(at + 1), ...ids.slice(0, at)];
        const list = v.routing.successors.map((m) => m.address);
        return list.join() === truth.slice(0, list.length).join() ? [] : [`${v.self.address}: ${list.join(' ')}`];
      });
    };
    t.deepEqual(stale(), [], 'after the first joins');
    await cluster.join();
    await cluster.join();
    t.deepEqual(stale(), [], 'after more joins');
    await cluster.depart(cluster.nodes[1]);
    t.deepEqual(stale(), [], 'after a depart');
  } finally {
    await cluster.teardown();
  }
});
