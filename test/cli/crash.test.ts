import test from 'ava';
import { createKvClient } from '../../common/client.js';
import { hashId, replicaSet } from '../../common/ring.js';
import { waitFor } from '../helpers/cluster.js';
import { ensureBuilt, startNodeProcess, type ChordkvProcess } from '../helpers/processes.js';

test.before(() => ensureBuilt());

interface Member {
  process: ChordkvProcess;
  address: string;
}

/** Everything wrong with placement and values, read through `via`; empty when every key is right. */
async function problems(via: string, members: Member[], expected: Map<string, string>, k: number): Promise<string[]> {
  const { kv, close } = createKvClient({ timeoutMs: 5000 });
  try {
    const ring = members.map((m) => ({ id: hashId(m.address), address: m.address }));
    const all = await kv.all(via);
    const found: string[] = [];
    if (all.nodes.length !== members.length) found.push(`ring shows ${all.nodes.length} nodes, ${members.length} are alive`);
    const holders = new Map<string, string[]>();
    for (const node of all.nodes) {
      for (const item of node.items) {
        holders.set(item.key, [...(holders.get(item.key) ?? []), node.address]);
        if (item.value !== expected.get(item.key)) found.push(`${item.key}: ${node.address} holds ${item.value}`);
      }
    }
    for (const key of expected.keys()) {
      const want = replicaSet(hashId(key), ring, k).map((n) => n.address).sort().join();
      const got = (holders.get(key) ?? []).sort().join();
      if (want !== got) found.push(`${key}: held by [${got}], belongs on [${want}]`);
    }
    return found;
  } catch (err) {
    return [`could not read the ring: ${(err as Error).message}`];
  } finally {
    close();
  }
}

test('kill -9 of one node and then another (k=3) loses no acknowledged key and restores placement', async (t) => {
  const started: ChordkvProcess[] = [];
  t.teardown(() => Promise.all(started.map((p) => p.kill('SIGKILL'))));
  const members: Member[] = [await startNodeProcess(['bootstrap', '--port', '0', '-k', '3'], started)];
  for (let i = 0; i < 5; i++) {
    members.push(await startNodeProcess(['node', '--port', '0', '--bootstrap', members[0].address], started));
  }
  const { kv, close } = createKvClient({ timeoutMs: 15_000 });
  t.teardown(close);
  const expected = new Map<string, string>();
  for (let i = 0; i < 60; i++) {
    const answer = await kv.put(members[i % members.length].address, `crash key ${i}`, `value ${i}`);
    expected.set(answer.key, answer.value);
  }
  for (const victim of [members[2], members[0]]) {
    await victim.process.kill('SIGKILL');
    members.splice(members.indexOf(victim), 1);
    const via = members[0].address;
    await waitFor(async () => (await problems(via, members, expected, 3)).length === 0, 30_000, 250);
    t.deepEqual(await problems(via, members, expected, 3), [], `after killing ${victim.address}`);
    for (const [key, value] of expected) {
      t.is((await kv.get(members[Math.floor(Math.random() * members.length)].address, key)).value, value);
    }
  }
  // The bootstrap is gone: a new node joins through any member.
  members.push(await startNodeProcess(['node', '--port', '0', '--bootstrap', members[1].address], started));
  await waitFor(async () => (await problems(members[0].address, members, expected, 3)).length === 0, 30_000, 250);
  t.deepEqual(await problems(members[0].address, members, expected, 3), [], 'after a join through a non-bootstrap member');
});
