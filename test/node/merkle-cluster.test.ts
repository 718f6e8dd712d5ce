/**
 * Merkle anti-entropy in a running ring: maintenance's periodic exchange repairs a replica
 * that missed writes, and once the replicas agree its exchanges move nothing
 * (chordkv_anti_entropy_pairs_total stands still while chordkv_anti_entropy_rounds_total goes on).
 */
import test from 'ava';
import { hashId, successorOf } from '../../common/ring.js';
import type { Item } from '../../common/wire.js';
import { MemoryStore } from '../../node/storage/memory-store.js';
import { NotifyingStore } from '../../node/storage/notifying-store.js';
import type { RunningNode } from '../../node/start.js';
import { TestCluster, waitFor } from '../helpers/cluster.js';

/** chordkv_anti_entropy_{rounds,pairs}_total of one node. */
async function antiEntropy(node: RunningNode): Promise<{ rounds: number; pairs: number }> {
  const text = await (await fetch(`http://${node.address}/metrics`)).text();
  const sample = (name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { rounds: sample('chordkv_anti_entropy_rounds_total'), pairs: sample('chordkv_anti_entropy_pairs_total') };
}

test('maintenance repairs a replica that missed writes, and moves nothing once the replicas agree', async (t) => {
  const cluster = await TestCluster.start(3, {
    k: 2, consistency: 'eventual', store: () => new NotifyingStore(new MemoryStore()), config: { antiEntropyRounds: 2, metrics: true },
  });
  t.teardown(() => cluster.teardown());
  const ring = cluster.nodes.map((n) => ({ id: hashId(n.address), node: n })).sort((a, b) => (a.id < b.id ? -1 : 1));
  const ownerOf = (key: string) => successorOf(hashId(key), ring).node;
  for (let i = 0; i < 60; i++) await cluster.kv.put(cluster.nodes[i % 3].address, `song-${i}`, `v${i}`);
  const expected = new Map(Array.from({ length: 60 }, (_, i) => [`song-${i}`, `v${i}`]));
  t.deepEqual(await waitFor(async () => (await cluster.placementProblems(expected, 2)).length === 0 || cluster.placementProblems(expected, 2), 15_000), true);

  // Anti-entropy runs only in rounds that need no reconfigure: once it has run everywhere, the
  // chains are settled, and what repairs the replica below is the Merkle exchange, not a full push.
  t.true(await waitFor(async () => (await Promise.all(cluster.nodes.map(antiEntropy))).every((s) => s.rounds >= 1), 15_000));

  // One owner and its replica (k = 2: the next node in ring order); keys it owns.
  const owner = ownerOf('song-0');
  const replica = ring[(ring.findIndex((r) => r.node === owner) + 1) % 3].node;
  const owned = [...expected.keys()].filter((key) => ownerOf(key) === owner);
  t.true(owned.length >= 3, `the owner holds ${owned.length} keys`);
  const ownerStore = cluster.storeOf(owner);
  const replicaStore = cluster.storeOf(replica);
  // Behind the ring's back: the replica loses two pairs; the owner alone gets a new pair, an overwrite and a delete.
  await replicaStore.remove(owned[0]);
  await replicaStore.remove(owned[1]);
  const fresh = [...Array(1000).keys()].map((i) => `fresh-${i}`).find((key) => ownerOf(key) === owner)!;
  const newer = async (key: string, value: string | null) => {
    const current = await ownerStore.get(key);
    await ownerStore.update(key, () => ({ value, version: ((current?.version as number | undefined) ?? 0) + 1 }));
  };
  await newer(fresh, 'only at the owner');
  await newer(owned[2], 'overwritten at the owner');
  await newer(owned.at(-1)!, null);
  const changed = [owned[0], owned[1], fresh, owned[2], owned.at(-1)!];

  const agree = async () => {
    for (const key of changed) {
      const [mine, theirs] = [await ownerStore.get(key), await replicaStore.get(key)];
      if (!theirs || JSON.stringify(mine satisfies Item | undefined) !== JSON.stringify(theirs)) return false;
    }
    return true;
  };
  t.true(await waitFor(agree, 20_000), 'the replica holds every pair the owner holds');
  t.deepEqual(await replicaStore.get(owned.at(-1)!), await ownerStore.get(owned.at(-1)!), 'the delete reached it as a tombstone');

  // Once they agree, a few more anti-entropy rounds on every node move nothing.
  // The metric is counted when the exchange ends, a moment after the replica merged.
  const movedInAll = async () => (await Promise.all(cluster.nodes.map(antiEntropy))).reduce((sum, s) => sum + s.pairs, 0);
  t.true(await waitFor(async () => (await movedInAll()) >= changed.length, 10_000), 'the repair shows in the pairs moved');
  const settled = await Promise.all(cluster.nodes.map(antiEntropy));
  t.true(await waitFor(async () => (await Promise.all(cluster.nodes.map(antiEntropy))).every((now, i) => now.rounds >= settled[i].rounds + 3), 20_000));
  const after = await Promise.all(cluster.nodes.map(antiEntropy));
  t.deepEqual(after.map((a) => a.pairs), settled.map((s) => s.pairs), 'identical replicas: exchanges move 0 pairs');
});
