/**
 * Persistence through the real executable: nodes with --data-dir killed with SIGKILL and
 * started again with the same command, one at a time or the whole ring at once, and the
 * one-line errors of a data dir that cannot be used.
 */
import test, { type ExecutionContext } from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createKvClient, type KvClient } from '../../common/client.js';
import { ChordError } from '../../common/errors.js';
import { testConfig, type NodeConfig } from '../../node/config.js';
import { LevelStore } from '../../node/storage/level-store.js';
import { FilePeerBook } from '../../node/storage/peer-book.js';
import { startNode, type RunningNode } from '../../node/start.js';
import { waitFor } from '../helpers/cluster.js';
import { DiskRing, freePorts, scratchDir, type Member } from '../helpers/disk-ring.js';
import {
  acceptsConnections, ChordkvProcess, closedPort, ensureBuilt, runChordkv, startNodeProcess, type CommandResult,
} from '../helpers/processes.js';

const K = 2;

test.before(() => ensureBuilt());

async function ringOf(t: ExecutionContext, nodes: number, k = K): Promise<DiskRing> {
  const ring = await DiskRing.plan(nodes, k);
  t.teardown(() => ring.teardown());
  await ring.startAll();
  return ring;
}

/** Inserts `count` keys named after `prefix`, each through a different member; returns what was acknowledged. */
async function fill(ring: DiskRing, prefix: string, count: number): Promise<Map<string, string>> {
  const expected = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const key = `${prefix} ${i}`;
    await ring.kv.put(ring.live[i % ring.live.length].address, key, `value of ${key}`);
    expected.set(key, `value of ${key}`);
  }
  return expected;
}

/** Every expected key read from every live member: problems found (wrong values, errors). */
async function unreadable(ring: DiskRing, expected: Map<string, string>, deleted: string[] = []): Promise<string[]> {
  const problems: string[] = [];
  for (const member of ring.live) {
    for (const [key, value] of expected) {
      const got = await ring.kv.get(member.address, key).then((a) => a.value, (err: ChordError) => `error ${err.code}`);
      if (got !== value) problems.push(`${key} via ${member.address}: ${got}`);
    }
    for (const key of deleted) {
      const code = await ring.kv.get(member.address, key).then((a) => `value ${JSON.stringify(a.value)}`, (err: ChordError) => err.code);
      if (code !== 'KEY_NOT_FOUND') problems.push(`deleted ${key} via ${member.address}: ${code}`);
    }
  }
  return problems;
}

/** The non-bootstrap member that is primary for the most keys, so that its crash matters. */
async function busiest(kv: KvClient, members: Member[]): Promise<Member> {
  const counts = await Promise.all(members.map(async (m) => (await kv.status(m.address)).keys.primary));
  return members[counts.indexOf(Math.max(...counts))];
}

test.serial('a node killed with SIGKILL and restarted with the same command serves its keys again, placed right', async (t) => {
  const ring = await ringOf(t, 3);
  const expected = await fill(ring, 'restart', 40);
  const victim = await busiest(ring.kv, ring.members.slice(1));
  const all = await ring.kv.all(ring.members[0].address);
  const victimKeys = all.nodes.find((n) => n.address === victim.address)!.items.map((i) => i.key);
  t.true(victimKeys.length >= 4, `the victim holds only ${victimKeys.length} keys`);

  await ring.crash(victim);
  // The writes below must land on the nodes that took the victim's ranges over.
  t.deepEqual(await ring.waitUntilForgotten(victim), [], 'the ring never noticed the crash');
  // While it is down its copies go stale: overwrite some, delete some, add others.
  const [overwritten, deleted] = [victimKeys.slice(0, 2), victimKeys.slice(2, 4)];
  for (const key of overwritten) {
    await ring.kv.put(ring.live[0].address, key, `new value of ${key}`);
    expected.set(key, `new value of ${key}`);
  }
  for (const key of deleted) {
    await ring.kv.delete(ring.live[1].address, key);
    expected.delete(key);
  }
  for (const [key, value] of await fill(ring, 'while down', 10)) expected.set(key, value);

  await ring.start(victim);
  t.deepEqual(await unreadable(ring, expected, deleted), [], 'right after the restart');
  t.deepEqual(await ring.settledPlacement(expected), []);
  t.deepEqual(await unreadable(ring, expected, deleted), [], 'once placement settled');
  const status = await ring.kv.status(victim.address);
  t.true(status.keys.primary > 0, 'the restarted node owns nothing');
});

test.serial('nodes killed with SIGKILL and restarted at once, before the ring noticed, rejoin and serve their keys', async (t) => {
  const ring = await ringOf(t, 3);
  const expected = await fill(ring, 'quick restart', 30);
  for (const member of [...ring.members.slice(1), ...ring.members.slice(1)]) {
    await ring.crash(member);
    await ring.start(member);
  }
  t.deepEqual(await ring.settledPlacement(expected), []);
  t.deepEqual(await unreadable(ring, expected), []);
});

test.serial('a whole ring killed with SIGKILL at once and started again serves every acknowledged key', async (t) => {
  const ring = await ringOf(t, 3);
  const expected = await fill(ring, 'whole ring', 60);
  await ring.crashAll();
  t.is(ring.live.length, 0);
  await ring.startAll();
  t.deepEqual(await unreadable(ring, expected), [], 'right after the restart');
  t.deepEqual(await ring.settledPlacement(expected), []);
  t.deepEqual(await unreadable(ring, expected), [], 'once placement settled');
});

test.serial('a key deleted before the whole ring crashed stays deleted after it restarts', async (t) => {
  const ring = await ringOf(t, 3);
  const expected = await fill(ring, 'doomed', 30);
  const deleted = [...expected.keys()].filter((_, i) => i % 3 === 0);
  for (const [i, key] of deleted.entries()) {
    await ring.kv.delete(ring.live[i % ring.live.length].address, key);
    expected.delete(key);
  }
  t.deepEqual(await unreadable(ring, expected, deleted), [], 'before the crash');
  await ring.crashAll();
  await ring.startAll();
  t.deepEqual(await unreadable(ring, expected, deleted), [], 'right after the restart');
  t.deepEqual(await ring.settledPlacement(expected), []);
  t.deepEqual(await unreadable(ring, expected, deleted), [], 'once placement settled');
});

test.serial('the bootstrap node killed and restarted rejoins its ring instead of starting a new one', async (t) => {
  // It has no --bootstrap to join through: only the peers it remembered lead it back.
  const ring = await ringOf(t, 3);
  const expected = await fill(ring, 'bootstrap restart', 20);
  const bootstrap = ring.members[0];
  await ring.crash(bootstrap);
  t.deepEqual(await ring.waitUntilForgotten(bootstrap), []);
  await ring.start(bootstrap);
  const everyone = ring.members.map((m) => m.address).sort().join();
  const seen = await waitFor(async () => {
    const overlay = (await ring.kv.overlay(bootstrap.address)).nodes.map((n) => n.address).sort().join();
    return overlay === everyone ? overlay : undefined;
  }, 10_000, 200);
  t.is(seen, everyone, 'the restarted bootstrap node is a ring of its own');
  t.deepEqual(await ring.settledPlacement(expected), []);
});

test.serial('a restarted bootstrap node keeps its -k when a peer it remembers is still waiting to join', async (t) => {
  // It tries that peer first; a peer that is no member yet has no ring settings to give.
  const { dir, remove } = await scratchDir('adopt');
  const started: ChordkvProcess[] = [];
  t.teardown(async () => { await Promise.all(started.map((p) => p.kill('SIGKILL'))); await remove(); });
  const [bootPort, nodePort] = await freePorts(2);
  const seeded = await LevelStore.open(join(dir, 'boot'), `127.0.0.1:${bootPort}`, { sync: false });
  await seeded.close();
  await new FilePeerBook(join(dir, 'boot')).write([`127.0.0.1:${nodePort}`]);
  const waiting = new ChordkvProcess(['node', '--port', String(nodePort), '--bootstrap', `127.0.0.1:${bootPort}`, '--data-dir', join(dir, 'node')]);
  started.push(waiting);
  t.true(await waitFor(() => acceptsConnections(nodePort), 10_000, 50), 'the joining node never listened');
  const boot = await startNodeProcess(['bootstrap', '--port', String(bootPort), '-k', '3', '--data-dir', join(dir, 'boot')], started);
  t.regex(boot.process.stdout, / k=3 /);
});

// ---- a data dir that cannot be used: exit 1, one clear line, nothing served ----

const lines = (text: string) => text.trim().split('\n').filter((line) => line.length > 0);

function refusedWith(t: ExecutionContext, result: CommandResult, code: string, mentions: string[]): void {
  t.is(result.code, 1, `exit code; stderr: ${result.stderr}`);
  t.is(result.stdout, '', 'printed a readiness line');
  t.is(lines(result.stderr).length, 1, result.stderr);
  t.true(result.stderr.includes(code), result.stderr);
  for (const text of mentions) t.true(result.stderr.includes(text), `${text} missing from: ${result.stderr}`);
  t.false(/^\s+at .+[:(]/m.test(result.stderr), 'stack trace');
}

test.serial('a data dir that belongs to another node address is refused', async (t) => {
  const { dir, remove } = await scratchDir('mismatch');
  const started: ChordkvProcess[] = [];
  t.teardown(async () => { await Promise.all(started.map((p) => p.kill('SIGKILL'))); await remove(); });
  const [first, second] = await freePorts(2);
  const dataDir = join(dir, 'data');
  const owner = await startNodeProcess(['bootstrap', '--port', String(first), '--data-dir', dataDir], started);
  await owner.process.kill('SIGTERM');
  const result = await runChordkv(['bootstrap', '--port', String(second), '--data-dir', dataDir], { timeoutMs: 20_000 });
  refusedWith(t, result, 'DATA_DIR_MISMATCH', [dataDir, `127.0.0.1:${first}`, `127.0.0.1:${second}`]);
});

test.serial('a second process on a data dir in use is refused while the first keeps serving', async (t) => {
  const { dir, remove } = await scratchDir('locked');
  const started: ChordkvProcess[] = [];
  t.teardown(async () => { await Promise.all(started.map((p) => p.kill('SIGKILL'))); await remove(); });
  const [first, second] = await freePorts(2);
  const dataDir = join(dir, 'data');
  const running = await startNodeProcess(['bootstrap', '--port', String(first), '--data-dir', dataDir], started);
  const result = await runChordkv(['node', '--port', String(second), '--bootstrap', running.address, '--data-dir', dataDir], { timeoutMs: 20_000 });
  refusedWith(t, result, 'DATA_DIR_LOCKED', [dataDir]);
  t.true(running.process.running);
  const insert = await runChordkv(['insert', 'still', 'serving', '--node', running.address]);
  t.is(insert.code, 0, insert.stderr);
});

test.serial('a data dir that cannot be created (under a regular file) is refused, for bootstrap and node alike', async (t) => {
  const { dir, remove } = await scratchDir('unusable');
  t.teardown(remove);
  const file = join(dir, 'plain-file');
  await writeFile(file, 'not a directory');
  const [port, unused] = await freePorts(2);
  const dataDir = join(file, 'data');
  const commands = [
    ['bootstrap', '--port', String(port), '--data-dir', dataDir],
    // The dir is checked before the contact is tried: the bootstrap address here has nothing behind it.
    ['node', '--port', String(port), '--bootstrap', `127.0.0.1:${unused}`, '--data-dir', dataDir],
  ];
  for (const args of commands) refusedWith(t, await runChordkv(args, { timeoutMs: 20_000 }), 'DATA_DIR_UNUSABLE', [dataDir]);
});

// ---- in-process, where the ring must be this small or the timing this exact ----

/** In-process nodes with data dirs on fixed ports; `restart(i)` starts node i again with the same config. */
async function diskNodes(t: ExecutionContext, count: number, overrides: Partial<NodeConfig>) {
  const { dir, remove } = await scratchDir('inproc');
  const ports: number[] = [];
  const nodes: RunningNode[] = [];
  const { kv, close } = createKvClient({ timeoutMs: 20_000 });
  t.teardown(async () => { await Promise.all(nodes.map((n) => n.stop())); close(); await remove(); });
  const config = (i: number) => testConfig({
    port: ports[i], memory: false, dataDir: join(dir, `node-${i}`), contact: i > 0 ? `127.0.0.1:${ports[0]}` : undefined, ...overrides,
  });
  // Each port is picked right before its node first binds it, leaving others little time to take it.
  for (let i = 0; i < count; i++) {
    ports.push(await closedPort());
    nodes.push(await startNode(config(i)));
  }
  const restart = async (i: number) => { nodes[i] = await startNode(config(i)); };
  return { nodes, kv, restart };
}

/** A key whose owner (the node that answers a write) is `owner`. */
async function keyOwnedBy(kv: KvClient, via: string, owner: string, value: string): Promise<string> {
  for (let i = 0; i < 500; i++) {
    if ((await kv.put(via, `owned ${i}`, value)).node === owner) return `owned ${i}`;
    await kv.delete(via, `owned ${i}`);
  }
  throw new Error(`no key owned by ${owner}`);
}

/** Waits until none of `nodes` names `gone` as its predecessor or a successor; false if that never happens. */
async function forgotten(kv: KvClient, nodes: RunningNode[], gone: string): Promise<boolean> {
  return Boolean(await waitFor(async () => (await Promise.all(nodes.map((n) => kv.status(n.address))))
    .every((v) => v.predecessor?.address !== gone && !v.successors.some((s) => s.address === gone)), 15_000, 100));
}

test.serial('a crashed node of a two-node ring restarts and rejoins the survivor', async (t) => {
  const { nodes, kv, restart } = await diskNodes(t, 2, { k: 2 });
  const key = await keyOwnedBy(kv, nodes[0].address, nodes[1].address, 'kept');
  await nodes[1].stop();
  t.true(await waitFor(async () => (await kv.status(nodes[0].address)).successors.length === 0, 10_000, 50));
  t.is((await kv.get(nodes[0].address, key)).value, 'kept', 'the survivor does not serve the key alone');
  await restart(1);
  t.is((await kv.get(nodes[0].address, key)).value, 'kept');
});

test.serial('a write acknowledged while every holder of its key was down survives their restart', async (t) => {
  const { nodes, kv, restart } = await diskNodes(t, 3, { k: 1 });
  const key = await keyOwnedBy(kv, nodes[0].address, nodes[1].address, 'old');
  await nodes[1].stop();
  // The write must be taken by another node, which has no copy of the key to version it from.
  t.true(await forgotten(kv, [nodes[0], nodes[2]], nodes[1].address), 'the ring never noticed the crash');
  const taken = await waitFor(async () => kv.put(nodes[0].address, key, 'new').catch(() => undefined), 15_000, 100);
  t.truthy(taken, 'the ring never took the write over');
  await restart(1);
  // The restarted node brings its stale copy back; the acknowledged write must win.
  let value: string | undefined;
  await waitFor(async () => (value = (await kv.get(nodes[2].address, key)).value) === 'new', 10_000, 100);
  t.is(value, 'new');
});
