/** Token-aware routing: requests sent where the ring says they are answered take no forward, and a stale map is learned again. */
import test from 'ava';
import { DirectRouter } from '../../common/direct.js';
import type { Consistency } from '../../common/wire.js';
import { TestCluster, waitFor } from '../helpers/cluster.js';

for (const consistency of ['linearizable', 'eventual', 'quorum'] as Consistency[]) {
  test(`${consistency}: every write and read sent to its target takes no forward (a linearizable read: at most the head's one, to the tail)`, async (t) => {
    const cluster = await TestCluster.start(5, { k: 3, consistency, config: { consistency, k: 3 } });
    t.teardown(() => cluster.teardown());
    const router = new DirectRouter(cluster.kv, [cluster.addresses[0]]);
    await router.learn();
    t.deepEqual([...router.members].sort(), [...cluster.addresses].sort());
    for (let i = 0; i < 30; i++) {
      const put = await cluster.kv.write(router.target('put', `direct ${i}`), `direct ${i}`, `v${i}`);
      t.is(put.hops, 0, `put direct ${i}`);
    }
    for (let i = 0; i < 30; i++) {
      const key = `direct ${i}`;
      // An eventual replica answers from its own copy once the owner's background push reached it; until then it forwards.
      let get = await cluster.kv.read(router.target('get', key), key);
      await waitFor(async () => (get = await cluster.kv.read(router.target('get', key), key)).hops <= router.expectedHops('get'), 5000);
      t.true(get.hops <= router.expectedHops('get'), `get ${key}: ${get.hops} hops`);
      t.is(get.value, `v${i}`);
    }
  });
}

test('after a join the router learns the ring again once an answer took a forward, even one that came right after it learned', async (t) => {
  const cluster = await TestCluster.start(3, { k: 1 });
  t.teardown(() => cluster.teardown());
  // A clock that stands still: every hint comes "right after" the router learned the ring.
  const router = new DirectRouter(cluster.kv, cluster.addresses, Math.random, () => 1_000_000);
  await router.learn();
  const joined = await cluster.join();
  // A client keeps sending: keys the newcomer now owns go to their old owner, which forwards,
  // until the router has learned the ring again.
  let forwarded = false;
  let sent = 0;
  const learned = await waitFor(async () => {
    const key = `moved ${sent++}`;
    const answer = await cluster.kv.put(router.target('put', key), key, 'x');
    forwarded ||= answer.hops > 0;
    router.observe('put', answer);
    return router.members.includes(joined.address);
  }, 10_000, 10);
  t.true(forwarded, 'no answer took a forward');
  t.true(learned, 'the router never learned of the join');
});
