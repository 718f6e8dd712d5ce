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

const ringOf = (cluster: TestCluster) => cluster.nodes.map((n) => ({ id: n.node.self.id, address: n.address }));

/** Every node's view shows every other node. */
const viewsComplete = (cluster: TestCluster) => cluster.nodes.every((n) => n.node.routing.view.length === cluster.nodes.length - 1);

/** Keys whose owner `entry` cannot see in its successor list: without a view, each takes a finger first. */
function keysPastSuccessors(cluster: TestCluster, entry: RunningNode, count: number): string[] {
  const ring = ringOf(cluster);
  const keys: string[] = [];
  for (let i = 0; keys.length < count; i++) {
    const key = `far ${entry.address} ${i}`;
    const owner = successorOf(hashId(key), ring);
    const seen = [entry.address, ...entry.node.routing.successors.map((s) => s.address)];
    if (!seen.includes(owner.address)) keys.push(key);
  }
  return keys;
}

test('with complete views, a request reaches its owner in one forward from any node', async (t) => {
  const cluster = await TestCluster.start(8, { k: 1, config: { successorListSize: 2, maintenanceIntervalMs: 50 } });
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

test('a member that joined after the views were made is reached through them before they catch up', async (t) => {
  const cluster = await TestCluster.start(8, { k: 1, config: { successorListSize: 2, maintenanceIntervalMs: 50 } });
  t.teardown(() => cluster.teardown());
  t.true(await waitFor(() => viewsComplete(cluster), 20_000, 50), 'views complete');
  const joiner = await cluster.join();
  const ring = ringOf(cluster);
  const before = [...ring].sort((a, b) => (a.id < b.id ? -1 : 1));
  const at = before.findIndex((m) => m.address === joiner.address);
  const predecessor = before[(at - 1 + before.length) % before.length];
  const keys: string[] = [];
  for (let i = 0; keys.length < 4; i++) {
    if (inHalfOpen(hashId(`joined ${i}`), predecessor.id, joiner.node.self.id)) keys.push(`joined ${i}`);
  }
  const stale = cluster.nodes.filter((n) => n !== joiner && !n.node.routing.view.some((m) => m.address === joiner.address));
  t.true(stale.length > 0, 'some view had not caught up when the requests were sent');
  for (const entry of cluster.nodes) {
    for (const key of keys) {
      await cluster.kv.put(entry.address, key, entry.address);
      const got = await cluster.kv.get(entry.address, key);
      t.is(got.value, entry.address, `${key} through ${entry.address}`);
      t.is(got.node, joiner.address, `${key} answered by its new owner`);
    }
  }
  t.true(await waitFor(() => viewsComplete(cluster), 20_000, 50), 'views complete');
});

test('a crashed member drops out of the views, and requests for its keys are answered by the member after it', async (t) => {
  const cluster = await TestCluster.start(8, { k: 2, config: { successorListSize: 3, maintenanceIntervalMs: 50 } });
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
