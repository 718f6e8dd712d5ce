/**
 * The routing view in a running ring: once stabilization has passed the views round, a request
 * goes straight to its key's owner, one forward from any node, where the successor list and
 * fingers alone take two; a view gone stale (a node joined, a node crashed) still gets every
 * request answered. Successor lists of 2 make most owners lie past the list.
 */
import test from 'ava';
import { hashId, inHalfOpen, successorOf } from '../../common/ring.js';
import type { RunningNode } from '../../node/start.js';
import { TestCluster, waitFor } from '../helpers/cluster.js';

/** Successor lists of 2 (3 with k = 2): in a ring of 8, most owners lie past them. */
const SMALL_LISTS = { successorListSize: 2, maintenanceIntervalMs: 50 };

const ringOf = (cluster: TestCluster) => cluster.nodes.map((n) => ({ id: n.node.self.id, address: n.address }));

/** Every node's view shows every other node. */
const viewsComplete = (cluster: TestCluster) => cluster.nodes.every((n) => n.node.routing.view.length === cluster.nodes.length - 1);

/** Keys whose owner `entry` cannot see in its successor list: without a view, each takes a finger first. */
function keysPastSuccessors(cluster: TestCluster, entry: RunningNode, count: number): string[] {
  const ring = ringOf(cluster);
  const seen = [entry.address, ...entry.node.routing.successors.map((s) => s.address)];
  const keys: string[] = [];
  for (let i = 0; keys.length < count; i++) {
    const key = `far ${entry.address} ${i}`;
    const owner = successorOf(hashId(key), ring);
    if (!seen.includes(owner.address)) keys.push(key);
  }
  return keys;
}

test('with complete views, a request reaches its owner in one forward from any node', async (t) => {
  const cluster = await TestCluster.start(8, { k: 1, config: SMALL_LISTS });
  t.teardown(() => cluster.teardown());
  t.true(await waitFor(() => viewsComplete(cluster), 20_000, 50), 'views complete');
  for (const entry of cluster.nodes) {
    for (const key of keysPastSuccessors(cluster, entry, 3)) {
      const put = await cluster.kv.put(entry.address, key, 'v');
      t.is(put.hops, 1, `put of ${key} from ${entry.address}`);
      const got = await cluster.kv.get(entry.address, key);
      t.is(got.hops, 1, `get of ${key} from ${entry.address}`);
      t.is(got.value, 'v');
    }
  }
});

test('a member that joined after the views were made is reached from every node while the views stay stale', async (t) => {
  const cluster = await TestCluster.start(8, { k: 1, config: SMALL_LISTS });
  t.teardown(() => cluster.teardown());
  t.true(await waitFor(() => viewsComplete(cluster), 20_000, 50), 'views complete');
  // No more rounds: the views stay as they are, without the joiner, for the whole test.
  await Promise.all(cluster.nodes.map((n) => n.node.maintenance.stop()));
  const joiner = await cluster.join();
  await joiner.node.maintenance.stop();
  const others = cluster.nodes.filter((n) => n !== joiner);
  t.false(others.some((n) => n.node.routing.view.some((m) => m.address === joiner.address)), 'no view shows the joiner');
  const predecessor = joiner.node.routing.predecessor!;
  const keys: string[] = [];
  for (let i = 0; keys.length < 4; i++) {
    if (inHalfOpen(hashId(`joined ${i}`), predecessor.id, joiner.node.self.id)) keys.push(`joined ${i}`);
  }
  for (const entry of cluster.nodes) {
    for (const key of keys) {
      const put = await cluster.kv.put(entry.address, key, entry.address);
      t.is(put.node, joiner.address, `${key} written at its new owner`);
      // A view at every hop sent such requests back and forth until their hops ran out.
      t.true(put.hops <= 5, `${key} from ${entry.address} took ${put.hops} hops`);
      const got = await cluster.kv.get(entry.address, key);
      t.is(got.value, entry.address, `${key} through ${entry.address}`);
    }
  }
});

test('a crashed member drops out of the views, and requests for its keys are answered by the member after it', async (t) => {
  const cluster = await TestCluster.start(8, { k: 2, config: { ...SMALL_LISTS, successorListSize: 3 } });
  t.teardown(() => cluster.teardown());
  t.true(await waitFor(() => viewsComplete(cluster), 20_000, 50), 'views complete');
  const victim = cluster.nodes[3];
  const keys: string[] = [];
  for (let i = 0; keys.length < 4; i++) {
    if (successorOf(hashId(`lost ${i}`), ringOf(cluster)).address === victim.address) keys.push(`lost ${i}`);
  }
  for (const key of keys) await cluster.kv.put(cluster.nodes[0].address, key, 'kept');
  await cluster.crash(victim);
  for (const entry of cluster.nodes) {
    for (const key of keys) {
      const got = await waitFor(() => cluster.kv.get(entry.address, key).catch(() => undefined), 20_000, 50);
      t.is(got?.value, 'kept', `${key} through ${entry.address}`);
    }
  }
  const viewsWithout = () => cluster.nodes.every((n) => !n.node.routing.view.some((m) => m.address === victim.address));
  t.true(await waitFor(viewsWithout, 20_000, 50));
});
