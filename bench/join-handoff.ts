/**
 * `npm run bench:join`: wall time of a join into a node that already holds N pairs, i.e. the
 * hand-off of the joiner's share (and, within the same join, the reconcile that follows).
 *
 * Each round starts fresh in-process nodes (127.0.0.1, free ports): a first node whose store was
 * filled directly (not over HTTP) with N pairs, then a joiner through it, timed from the call to
 * startNode until it resolves (the join is complete). Both nodes use the same kind of store.
 * With --three, a second node joins untimed first and the third join is the one measured.
 *
 * Which share of the ring a joiner takes depends on its address (ids are SHA-1 of host:port),
 * and the time follows the share, so a 2-node joiner's port is drawn until its arc from the
 * first node is within --share S ± 0.05 (default 0.5) of the ring: rounds and runs compare.
 *
 * Options: --pairs N (default 100000), --rounds R (default 3), --share S, --no-level (memory
 * store only), --three (also the 3-node variant).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testConfig } from '../node/config.js';
import { startNode, type RunningNode } from '../node/start.js';
import { LevelStore } from '../node/storage/level-store.js';
import { MemoryStore } from '../node/storage/memory-store.js';
import type { Store } from '../node/storage/store.js';
import { runMain, track } from './lib/cleanup.js';
import { loadAverage, machineFacts, machineLines } from './lib/machine.js';
import { markdownTable, type Cell } from './lib/table.js';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Math.max(1, Number(argv[i + 1]) || fallback) : fallback;
};
const PAIRS = option('--pairs', 100_000);
const ROUNDS = option('--rounds', 3);
const SHARE = argv.includes('--share') ? Math.min(0.95, Math.max(0.05, Number(argv[argv.indexOf('--share') + 1]) || 0.5)) : 0.5;
const KINDS = argv.includes('--no-level') ? ['memory'] as const : ['memory', 'level'] as const;
type Kind = (typeof KINDS)[number];
const VALUE = 'v'.repeat(100);

/** A port free a moment ago: a LevelStore records its node's address, so it must be known before the node starts. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const ringId = (port: number) => BigInt('0x' + createHash('sha1').update(`127.0.0.1:${port}`).digest('hex'));

/** A free port whose node would own about SHARE of a 2-node ring with the node on `first` (keys in (first, it]). */
async function portWithShare(first: number): Promise<number> {
  for (;;) {
    const port = await freePort();
    const arc = Number(((ringId(port) - ringId(first)) % 2n ** 160n + 2n ** 160n) % 2n ** 160n >> 128n) / 2 ** 32;
    if (Math.abs(arc - SHARE) <= 0.05) return port;
  }
}

/** A fresh store for a node on `port` (closed by the node's stop; a LevelStore's dir removed at the end). */
async function openStore(kind: Kind, port: number): Promise<Store> {
  if (kind === 'memory') return new MemoryStore();
  const dir = await mkdtemp(join(tmpdir(), 'chordkv-join-'));
  track(() => rm(dir, { recursive: true, force: true }));
  return LevelStore.open(dir, `127.0.0.1:${port}`, { sync: false });
}

async function fill(store: Store, pairs: number): Promise<void> {
  for (let i = 0; i < pairs; i += 1000) {
    const batch: Promise<boolean>[] = [];
    for (let j = i; j < Math.min(i + 1000, pairs); j++) batch.push(store.update(`key-${j}`, () => ({ value: VALUE, version: 1 })));
    await Promise.all(batch);
  }
}

/** Starts a node on a fresh store of `kind` (pre-filled with `pairs`), stopped at the latest when the run ends. */
async function start(kind: Kind, k: number, pairs: number, contact?: string, port?: number): Promise<{ running: RunningNode; ms: number }> {
  port ??= await freePort();
  const store = await openStore(kind, port);
  const stopStore = track(() => store.close().catch(() => undefined));
  await fill(store, pairs);
  const began = performance.now();
  const running = await startNode(testConfig({ k, consistency: 'linearizable', logLevel: 'error', port, contact }), { store });
  const ms = performance.now() - began;
  const stop = track(() => running.stop());
  return { running: { ...running, stop: async () => { await stop(); await stopStore(); } }, ms };
}

interface Sample { ms: number; moved: number; keptByFirst: number }

async function round(kind: Kind, k: number, nodes: 2 | 3): Promise<Sample> {
  const started: RunningNode[] = [];
  try {
    const first = (await start(kind, k, PAIRS)).running;
    started.push(first);
    if (nodes === 3) started.push((await start(kind, k, 0, first.address)).running);
    const port = nodes === 2 ? await portWithShare(Number(first.address.split(':')[1])) : undefined;
    const { running: joiner, ms } = await start(kind, k, 0, first.address, port);
    started.push(joiner);
    return { ms, moved: (await joiner.node.status()).keys.total, keptByFirst: (await first.node.status()).keys.total };
  } finally {
    await Promise.all(started.map((node) => node.stop()));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

async function main(): Promise<void> {
  const facts = machineFacts();
  const loadBefore = loadAverage();
  const variants: { k: number; nodes: 2 | 3 }[] = [{ k: 1, nodes: 2 }, { k: 3, nodes: 2 }, ...(argv.includes('--three') ? [{ k: 3, nodes: 3 as const }] : [])];
  const rows: Cell[][] = [];
  for (const kind of KINDS) {
    for (const { k, nodes } of variants) {
      const samples: Sample[] = [];
      for (let r = 1; r <= ROUNDS; r++) {
        console.error(`  ${kind}, k=${k}, join node ${nodes} of ${nodes}: round ${r}/${ROUNDS}…`);
        samples.push(await round(kind, k, nodes));
      }
      const ms = samples.map((s) => s.ms);
      const mid = samples.find((s) => s.ms === median(ms))!;
      rows.push([kind === 'level' ? 'LevelDB' : 'memory', k, nodes === 2 ? '2nd' : '3rd', PAIRS, mid.moved, mid.keptByFirst,
        Math.round(mid.ms), `${Math.round(Math.min(...ms))}–${Math.round(Math.max(...ms))}`]);
    }
  }
  console.log(`## join hand-off: a join into a node holding ${PAIRS} pairs, ${ROUNDS} round${ROUNDS === 1 ? '' : 's'}, 2nd node's share ${SHARE}\n`);
  console.log(machineLines(facts).join('\n'));
  console.log(`- load average (1, 5, 15 min): ${loadBefore} before, ${loadAverage()} after\n`);
  console.log(markdownTable(
    ['store', 'k', 'joiner', 'pairs held', 'pairs moved', 'first keeps', 'join ms (median)', 'min–max'],
    rows, [false, true, false, true, true, true, true, true],
  ));
  console.log([
    '',
    '"pairs moved": what the joiner holds once startNode resolves; "first keeps": what the filled node still holds then.',
    'The time covers the whole join (lookup, locks, hand-off, pointer splice, reconcile of the nodes around it),',
    `all in one process on 127.0.0.1; values are ${VALUE.length} bytes, version 1. Rows show the median round.`,
  ].join('\n'));
}

await runMain(main);
