import test from 'ava';
import { TestCluster, waitFor } from '../helpers/cluster.js';
import type { Consistency } from '../../common/wire.js';

test('linearizable: no read returns a value older than a write acknowledged before it began, while nodes join and depart', async (t) => {
  const cluster = await TestCluster.start(5, { k: 3, consistency: 'linearizable' });
  t.teardown(() => cluster.teardown());
  const key = 'the counter';
  let acknowledged = 0;
  let writing = true;
  const violations: string[] = [];
  let reads = 0;

  const writer = (async () => {
    for (let n = 1; n <= 150; n++) {
      await cluster.kv.put(cluster.random().address, key, String(n));
      acknowledged = n;
    }
    writing = false;
  })();
  const readers = Array.from({ length: 4 }, async (_, r) => {
    let lastSeen = 0;
    while (writing) {
      const floor = acknowledged;
      if (floor === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      const seen = Number((await cluster.kv.get(cluster.random().address, key)).value);
      reads++;
      if (seen < floor) violations.push(`reader ${r} saw ${seen} after ${floor} was acknowledged`);
      if (seen < lastSeen) violations.push(`reader ${r} saw ${seen} after having seen ${lastSeen}`);
      lastSeen = seen;
    }
  });
  const churn = (async () => {
    await waitFor(() => acknowledged >= 30);
    await cluster.join();
    await waitFor(() => acknowledged >= 80);
    await cluster.depart(cluster.nodes[1]);
  })();
  await Promise.all([writer, ...readers, churn]);
  t.true(reads > 50, `only ${reads} reads ran`);
  t.deepEqual(violations, []);
  t.is((await cluster.kv.get(cluster.random().address, key)).value, '150');
});

for (const consistency of ['linearizable', 'eventual'] as Consistency[]) {
  test(`${consistency}: concurrent writers to one key end with one value on every replica`, async (t) => {
    const cluster = await TestCluster.start(5, { k: 3, consistency });
    t.teardown(() => cluster.teardown());
    const key = 'contended';
    await Promise.all(Array.from({ length: 6 }, async (_, w) => {
      for (let i = 0; i < 25; i++) await cluster.kv.put(cluster.random().address, key, `writer ${w} write ${i}`);
    }));
    const converged = await waitFor(async () => {
      const held = (await cluster.holdings()).get(key);
      return held && held.holders.length === 3 && held.values.size === 1 ? held : undefined;
    }, 5000);
    t.truthy(converged, 'replicas did not agree on one value');
    const value = [...converged!.values][0];
    t.regex(value, /^writer \d write \d+$/);
    if (consistency === 'linearizable') t.is((await cluster.kv.get(cluster.random().address, key)).value, value);
  });

  test(`${consistency}: deletes reach every replica`, async (t) => {
    const cluster = await TestCluster.start(4, { k: 3, consistency });
    t.teardown(() => cluster.teardown());
    const expected = new Map<string, string>();
    for (let i = 0; i < 30; i++) {
      await cluster.kv.put(cluster.random().address, `k${i}`, `v${i}`);
      expected.set(`k${i}`, `v${i}`);
    }
    for (let i = 0; i < 30; i += 3) {
      await cluster.kv.delete(cluster.random().address, `k${i}`);
      expected.delete(`k${i}`);
    }
    const problems = await waitFor(async () => {
      const found = await cluster.placementProblems(expected, 3);
      return found.length === 0 ? found : undefined;
    }, 5000);
    t.deepEqual(problems, []);
    const error = await t.throwsAsync(cluster.kv.get(cluster.random().address, 'k0'));
    t.is((error as { code?: string }).code, 'KEY_NOT_FOUND');
  });
}

test('eventual: every replica agrees within 5 s after the writes stop', async (t) => {
  const cluster = await TestCluster.start(6, { k: 3, consistency: 'eventual' });
  t.teardown(() => cluster.teardown());
  const expected = new Map<string, string>();
  await Promise.all(Array.from({ length: 8 }, async (_, w) => {
    for (let i = 0; i < 40; i++) {
      const key = `key ${(w * 40 + i) % 120}`;
      await cluster.kv.put(cluster.random().address, key, `w${w} i${i}`);
    }
  }));
  // Each owner's final value is what a read from it returns once writes have stopped.
  const held = await cluster.holdings();
  for (const [key, entry] of held) {
    const primary = entry.holders.find((h) => h.role === 'primary')!;
    expected.set(key, (await cluster.kv.get(primary.address, key)).value);
  }
  t.is(expected.size, 120);
  const problems = await waitFor(async () => {
    const found = await cluster.placementProblems(expected, 3);
    return found.length === 0 ? found : undefined;
  }, 5000);
  t.deepEqual(problems, []);
});

test('linearizable: while nodes crash, a read is either current or a clear 503, never older than an acknowledged write', async (t) => {
  const cluster = await TestCluster.start(6, { k: 3, consistency: 'linearizable' });
  t.teardown(() => cluster.teardown());
  const keys = Array.from({ length: 8 }, (_, i) => `crash counter ${i}`);
  const acknowledged = new Map(keys.map((key) => [key, 0]));
  const violations: string[] = [];
  const crashed: string[] = [];
  const failures = new Map<string, number>();
  let writing = true;
  let reads = 0;
  const note = (err: unknown) => {
    const code = (err as { code?: string }).code ?? 'UNKNOWN';
    failures.set(code, (failures.get(code) ?? 0) + 1);
  };
  const writer = (async () => {
    for (let n = 1; n <= 60; n++) {
      for (const key of keys) {
        try {
          await cluster.kv.put(cluster.random().address, key, String(n));
          acknowledged.set(key, n);
        } catch (err) {
          note(err);
        }
      }
    }
    writing = false;
  })();
  const readers = Array.from({ length: 3 }, async () => {
    while (writing) {
      const key = keys[Math.floor(Math.random() * keys.length)];
      const floor = acknowledged.get(key)!;
      try {
        const via = cluster.random().address;
        const answer = await cluster.kv.get(via, key);
        const seen = Number(answer.value);
        reads++;
        // Where it came from, for whoever has to find out why (seen once in ~40 runs, not reproduced since).
        if (seen < floor) violations.push(`${key}: read ${seen} after ${floor} was acknowledged (asked ${via}, answered by ${answer.node} after ${answer.hops} hops; crashed: ${crashed.join(', ') || 'none'})`);
      } catch (err) {
        if ((err as { code?: string }).code !== 'KEY_NOT_FOUND' || floor > 0) note(err);
      }
    }
  });
  const crashes = (async () => {
    await waitFor(() => acknowledged.get(keys[0])! >= 10);
    crashed.push(cluster.nodes[3].address);
    await cluster.crash(cluster.nodes[3]);
    await waitFor(() => acknowledged.get(keys[0])! >= 30, 20_000);
    crashed.push(cluster.nodes[1].address);
    await cluster.crash(cluster.nodes[1]);
  })();
  await Promise.all([writer, ...readers, crashes]);
  t.log(`reads: ${reads}; failed requests by code: ${JSON.stringify(Object.fromEntries(failures))}`);
  t.deepEqual(violations, []);
  for (const code of failures.keys()) t.true(['PEER_UNREACHABLE', 'PEER_TIMEOUT', 'RING_CHANGING', 'NOT_A_MEMBER'].includes(code), code);
  for (const key of keys) {
    t.is(Number((await cluster.kv.get(cluster.random().address, key)).value), acknowledged.get(key)!);
  }
});
