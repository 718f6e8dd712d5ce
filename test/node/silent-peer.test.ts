/**
 * Peers that stop answering without refusing anything, as a stopped process or a dead host
 * does: their calls time out. The ring counts them failed after the failure timeout.
 */
import test from 'ava';
import { hashId, successorOf } from '../../common/ring.js';
import type { RunningNode } from '../../node/start.js';
import { TestCluster, waitFor } from '../helpers/cluster.js';

// Short enough that the test takes seconds, long enough for a loaded machine to answer in.
const TIMEOUTS = { requestTimeoutMs: 1000, failureTimeoutMs: 2500 };

const portOf = (node: RunningNode) => Number(node.address.split(':')[1]);
const successorOfNode = (cluster: TestCluster, node: RunningNode) => cluster.nodes.find((n) => n.address === node.node.routing.successors[0]?.address)!;

async function fill(cluster: TestCluster, count: number): Promise<Map<string, string>> {
  const expected = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    await cluster.kv.put(cluster.nodes[0].address, `silent ${i}`, `value ${i}`);
    expected.set(`silent ${i}`, `value ${i}`);
  }
  return expected;
}

test('a node that stops answering is taken over after the failure timeout, and takes its place again once it answers', async (t) => {
  const cluster = await TestCluster.start(5, { k: 3, transport: 'memory', config: TIMEOUTS });
  t.teardown(() => cluster.teardown());
  const expected = await fill(cluster, 30);
  // The node owning the most keys goes silent (ids are random, a node may own none).
  const ownerOf = (key: string) => successorOf(hashId(key), cluster.nodes.map((n) => ({ id: hashId(n.address), address: n.address }))).address;
  const owned = (node: RunningNode) => [...expected.keys()].filter((key) => ownerOf(key) === node.address);
  const silent = [...cluster.nodes].sort((a, b) => owned(b).length - owned(a).length)[0];
  const successor = successorOfNode(cluster, silent);
  const others = cluster.nodes.filter((n) => n !== silent);
  const ownedBySilent = owned(silent);

  cluster.pause(silent);
  const tookOver = await waitFor(() => successor.node.routing.predecessor?.address !== silent.address || !successor.node.routing.predecessorAlive, 20_000, 100);
  t.true(tookOver, `${successor.address} still counts its silent predecessor ${silent.address} alive`);
  // Every key the silent node owned is served again by the others (they hold its copies, k = 3).
  for (const key of ownedBySilent) {
    const via = others[Math.floor(Math.random() * others.length)];
    t.is((await cluster.kv.get(via.address, key)).value, expected.get(key) as string, `${key} through ${via.address}`);
  }

  cluster.resume(silent);
  let problems: string[] = [];
  await waitFor(async () => (problems = await cluster.placementProblems(expected, 3).catch((err: Error) => [err.message])).length === 0, 30_000, 250);
  t.deepEqual(problems, []);
  t.is(successor.node.routing.predecessor?.address, silent.address);
});

test('a node restarting next to a silent neighbour joins once the ring has counted that neighbour failed', async (t) => {
  const cluster = await TestCluster.start(5, { k: 2, transport: 'memory', config: TIMEOUTS });
  t.teardown(() => cluster.teardown());
  const expected = await fill(cluster, 20);
  const restarting = cluster.nodes[1];
  const silent = successorOfNode(cluster, restarting);
  const contact = cluster.nodes.find((n) => n !== restarting && n !== silent)!;

  await cluster.crash(restarting);
  cluster.pause(silent);
  // Before, the join failed at once with the silent successor's PEER_TIMEOUT and the node exited.
  const back = await cluster.join(contact, { port: portOf(restarting) });
  t.is(back.address, restarting.address);
  t.is(back.node.lifecycle.state, 'ready');

  cluster.resume(silent);
  let problems: string[] = [];
  await waitFor(async () => (problems = await cluster.placementProblems(expected, 2).catch((err: Error) => [err.message])).length === 0, 30_000, 250);
  t.deepEqual(problems, []);
});
