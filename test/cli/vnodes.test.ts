/**
 * Virtual nodes through the executable: a bootstrap node fixes --vnodes for the ring, a node
 * with --weight holds more ids, and the CLI shows each ring id labelled with its process.
 */
import test from 'ava';
import type { OverlayAnswer, StatusAnswer } from '../../common/wire.js';
import { processOf } from '../../common/vnodes.js';
import { DiskRing } from '../helpers/disk-ring.js';
import { ChordkvProcess, ensureBuilt, runChordkv, startNodeProcess } from '../helpers/processes.js';

const started: ChordkvProcess[] = [];
test.after.always(() => Promise.all(started.map((p) => p.kill())));

test('bootstrap --vnodes 4 and node --weight 2: ring ids on distinct processes, shown by overlay and status', async (t) => {
  ensureBuilt();
  const bootstrap = await startNodeProcess(['bootstrap', '--port', '0', '-k', '2', '--vnodes', '4'], started);
  t.regex(bootstrap.process.stdout, /vnodes=4\b/, 'the readiness line says how many ids');
  const plain = await startNodeProcess(['node', '--port', '0', '--bootstrap', bootstrap.address], started);
  const heavy = await startNodeProcess(['node', '--port', '0', '--bootstrap', bootstrap.address, '--weight', '2'], started);
  t.regex(heavy.process.stdout, /vnodes=8\b/);

  const overlay = JSON.parse((await runChordkv(['overlay', '--node', plain.address, '--json'])).stdout) as OverlayAnswer;
  t.is(overlay.nodes.length, 4 + 4 + 8);
  t.deepEqual([...new Set(overlay.nodes.map((n) => processOf(n.address)))].sort(), [bootstrap.address, plain.address, heavy.address].sort());
  const prose = await runChordkv(['overlay', '--node', plain.address]);
  t.regex(prose.stdout, /^16 ring ids on 3 processes$/m);

  for (let i = 0; i < 20; i++) t.is((await runChordkv(['insert', `song ${i}`, `v${i}`, '--node', heavy.address])).code, 0);
  const query = await runChordkv(['query', 'song 7', '--node', bootstrap.address]);
  t.regex(query.stdout, /v7/);

  const status = JSON.parse((await runChordkv(['status', '--node', heavy.address, '--json'])).stdout) as StatusAnswer;
  t.is(status.vnodes?.length, 8);
  t.true(status.vnodes!.every((v) => processOf(v.address) === heavy.address));
  // k = 2 over 3 processes: 40 copies in all, never two of one key on one process.
  const statuses = await Promise.all([bootstrap, plain, heavy].map(async (p) =>
    JSON.parse((await runChordkv(['status', '--node', p.address, '--json'])).stdout) as StatusAnswer));
  t.is(statuses.reduce((sum, s) => sum + s.keys.total, 0), 40);
  t.is(statuses.reduce((sum, s) => sum + s.keys.primary, 0), 20);

  // status --ring: a row per ring id, each with that id's own keys.
  const table = JSON.parse((await runChordkv(['status', '--ring', '--node', plain.address, '--json'])).stdout) as { nodes: { address: string; state: string; keys: { primary: number } }[] };
  t.is(table.nodes.length, 16);
  t.true(table.nodes.every((row) => row.state === 'member'));
  t.is(table.nodes.reduce((sum, row) => sum + row.keys.primary, 0), 20);
});

test('a bad --vnodes or --weight exits 2 with one line', async (t) => {
  ensureBuilt();
  const vnodes = await runChordkv(['bootstrap', '--port', '0', '--vnodes', '0']);
  t.is(vnodes.code, 2);
  t.regex(vnodes.stderr, /vnodes must be a whole number from 1 to 1024/);
  const weight = await runChordkv(['node', '--port', '0', '--weight', '-1']);
  t.is(weight.code, 2);
  t.regex(weight.stderr, /--weight must be a positive number/);
});

test('a process with several ring ids on disk, killed and restarted, comes back with the same ids and the ring serves every key', async (t) => {
  ensureBuilt();
  const ring = await DiskRing.plan(2, 2, { bootstrap: ['--vnodes', '4'] });
  try {
    await ring.startAll();
    for (let i = 0; i < 30; i++) await ring.kv.put(ring.members[i % 3].address, `disk ${i}`, `v${i}`);
    const victim = ring.members[2];
    const before = (await ring.kv.status(victim.address)).vnodes!.map((v) => v.id);
    await ring.crash(victim);
    await ring.start(victim);
    const after = await ring.kv.status(victim.address);
    t.deepEqual(after.vnodes!.map((v) => v.id), before, 'the same ring ids, from the same addresses');
    t.true(after.vnodes!.every((v) => v.state === 'ready'));
    for (let i = 0; i < 30; i++) t.is((await ring.kv.get(ring.members[(i + 1) % 3].address, `disk ${i}`)).value, `v${i}`);
  } finally {
    await ring.teardown();
  }
});
