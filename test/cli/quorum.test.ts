/**
 * Quorum mode through the real executable: sloppy quorum's hints kept on disk across a
 * restart of the stand-in and handed over when the intended replica comes back; siblings
 * shown by `chordkv query` and resolved by `chordkv insert --context`; bad settings refused.
 */
import test from 'ava';
import { createKvClient } from '../../common/client.js';
import { createTransport } from '../../common/transport.js';
import { hashId, replicaSet } from '../../common/ring.js';
import type { NodeItems, QuorumAnswer } from '../../common/wire.js';
import { TestCluster, waitFor } from '../helpers/cluster.js';
import { DiskRing, type Member } from '../helpers/disk-ring.js';
import { ChordkvProcess, ensureBuilt, runChordkv, startNodeProcess } from '../helpers/processes.js';

test.before(() => ensureBuilt());

test.serial('sloppy quorum on disk: a write with two replicas stopped is kept as hints, which survive the stand-in\'s restart and reach the replica once it is back', async (t) => {
  const ring = await DiskRing.plan(5, 3, { bootstrap: ['--consistency', 'quorum', '--w', '2', '--sloppy'], every: ['--request-timeout-ms', '1500', '--log-level', 'warn'] });
  t.teardown(() => ring.teardown());
  await ring.startAll();
  const key = 'hinted';
  const byId = ring.members.map((m) => ({ id: hashId(m.address), member: m }));
  const [owner, second, third] = replicaSet(hashId(key), byId, 3).map((m) => m.member);
  // Stopped, not killed: the ring takes a failure-detector timeout to notice, and the write,
  // sent at once, still finds them in the key's preference list.
  second.process!.child.kill('SIGSTOP');
  third.process!.child.kill('SIGSTOP');
  const written = await ring.kv.write(owner.address, key, 'while two were away');
  t.is(written.node, owner.address);

  const hintsOf = async (m: Member) => (await ring.kv.status(m.address)).quorum?.hints ?? 0;
  const others = ring.members.filter((m) => ![owner, second, third].includes(m));
  const counts = await Promise.all(others.map(hintsOf));
  t.is(counts.reduce((a, b) => a + b, 0), 2, `hints at ${others.map((m, i) => `${m.address}=${counts[i]}`).join(' ')}`);
  const standIn = others[counts.findIndex((c) => c > 0)];

  // The stand-in crashes and comes back: its hints were on disk.
  await ring.crash(standIn);
  await ring.start(standIn);
  t.true(await hintsOf(standIn) >= 1, 'the stand-in lost its hints in the restart');

  // The replica it stood in for comes back (killed while stopped, restarted with its data).
  for (const away of [second, third]) {
    await ring.crash(away);
    await ring.start(away);
  }
  t.true(await waitFor(async () => (await Promise.all(others.map(hintsOf))).every((c) => c === 0), 30_000, 250), 'hints were never handed over');
  const http = createTransport({ timeoutMs: 5000 });
  t.teardown(() => http.close());
  for (const replica of [second, third]) {
    const held = await http.call<NodeItems>(replica.address, 'GET', '/rpc/items');
    t.is(held.items.find((i) => i.key === key)?.value, 'while two were away', replica.address);
  }
  t.like(await ring.kv.read(ring.members[0].address, key), { value: 'while two were away' });
});

test('chordkv query shows siblings with the context to resolve them; insert --context resolves them; --json passes the context through', async (t) => {
  const cluster = await TestCluster.start(3, { k: 3, config: { consistency: 'quorum', k: 3 } });
  t.teardown(() => cluster.teardown());
  const [a, b, c] = cluster.addresses;
  const { context } = await cluster.kv.write(a, 'song', 'first') as QuorumAnswer;
  await Promise.all([cluster.kv.write(b, 'song', 'Let It Be', { context }), cluster.kv.write(c, 'song', 'Hey Jude', { context })]);

  const prose = await runChordkv(['query', 'song', '--node', a]);
  t.is(prose.code, 0, prose.stderr);
  t.regex(prose.stdout, /"song" has 2 siblings/);
  t.regex(prose.stdout, /"Hey Jude"/);
  t.regex(prose.stdout, /"Let It Be"/);
  const json = await runChordkv(['query', 'song', '--node', b, '--json']);
  const answer = JSON.parse(json.stdout) as QuorumAnswer;
  // Siblings are ordered by their dots (coordinator, counter), so two racing writes come in either order.
  t.deepEqual([...answer.siblings!].sort(), ['Hey Jude', 'Let It Be']);
  t.regex(prose.stdout, new RegExp(`--context ${answer.context}`));

  const resolve = await runChordkv(['insert', 'song', 'Hey Jude (remastered)', '--context', answer.context, '--node', c]);
  t.is(resolve.code, 0, resolve.stderr);
  const after = JSON.parse((await runChordkv(['query', 'song', '--node', a, '--json'])).stdout) as QuorumAnswer;
  t.is(after.value, 'Hey Jude (remastered)');
  t.is(after.siblings, undefined);

  const deleted = await runChordkv(['delete', 'song', '--context', after.context, '--node', b]);
  t.is(deleted.code, 0, deleted.stderr);
  t.is((await runChordkv(['query', 'song', '--node', c])).code, 1);
});

for (const [args, named] of [
  [['bootstrap', '--port', '0', '--consistency', 'quorum', '-k', '3', '--r', '4'], '--r'],
  [['bootstrap', '--port', '0', '--consistency', 'quorum', '-k', '3', '--w', '0'], '--w'],
  [['bootstrap', '--port', '0', '--w', '2'], '--w'],
  [['bootstrap', '--port', '0', '--sloppy'], '--sloppy'],
  [['up', '--consistency', 'quorum', '-k', '2', '--r', '3'], '--r'],
] as const) {
  test(`chordkv ${args.join(' ')} is refused at start: exit 2, one line naming ${named}`, async (t) => {
    const result = await runChordkv([...args]);
    t.is(result.code, 2, result.stderr);
    t.is(result.stderr.trim().split('\n')[0].includes(named), true, result.stderr);
    t.is(result.stdout, '');
  });
}

test('a quorum bootstrap says so on its readiness line and in its status', async (t) => {
  const started: ChordkvProcess[] = [];
  t.teardown(() => Promise.all(started.map((p) => p.kill('SIGKILL', 2000))));
  const { address } = await startNodeProcess(['bootstrap', '--port', '0', '--consistency', 'quorum', '-k', '3', '--r', '1', '--w', '3', '--log-level', 'error'], started);
  const status = await runChordkv(['status', '--node', address]);
  t.regex(status.stdout, /k=3, quorum R=1 W=3/);
  const { kv, close } = createKvClient({ timeoutMs: 5000 });
  t.teardown(close);
  t.like(await kv.status(address), { consistency: 'quorum', quorum: { r: 1, w: 3, sloppy: false, hints: 0 } });
});
