/**
 * What Merkle anti-entropy costs against the full push it replaced: one owner and one replica
 * of a key range (test/helpers/merkle-pair.ts, in one process over a JSON-copying transport
 * that counts bytes), N pairs each, D of them made to differ in every way a pair can (one
 * side newer, one side missing it, a tombstone against a value). Exchanges run back to back
 * until one moves nothing; a node runs one per chain member every `antiEntropyRounds` rounds.
 */
import { performance } from 'node:perf_hooks';
import type { Item } from '../../common/wire.js';
import { PAIRS_PER_EXCHANGE } from '../../node/merkle/exchange.js';
import { MAX_BRANCHES } from '../../node/rpc/merkle.js';
import { keysInRange, merklePair, putBoth, RANGE } from '../../test/helpers/merkle-pair.js';
import { markdownTable } from './table.js';

export interface MerkleRow {
  pairs: number;
  differing: number;
  /** Time to build both trees from a scan (what the first exchange of a range pays once). */
  buildMs: number;
  exchanges: number;
  moved: number;
  bytes: number;
  /** From the first exchange after the differences were made until one moved nothing (that one included); the trees were built before. */
  convergeMs: number;
  /** The full push: every pair of the range sent to the replica. */
  pushPairs: number;
  pushBytes: number;
  pushMs: number;
  /** Whether the two held the same pairs at the end. */
  agree: boolean;
}

const VALUE = 'v'.repeat(100);

/** The i-th difference: the owner newer, the replica newer, missing at the replica, missing at the owner, a tombstone either way. */
const KINDS: ((version: number) => [Item | undefined, Item | undefined])[] = [
  (v) => [{ value: 'owner newer', version: v + 1 }, { value: VALUE, version: v }],
  (v) => [{ value: VALUE, version: v }, { value: 'replica newer', version: v + 1 }],
  (v) => [{ value: VALUE, version: v }, undefined],
  (v) => [undefined, { value: VALUE, version: v }],
  (v) => [{ value: null, version: v + 1 }, { value: VALUE, version: v }],
  (v) => [{ value: VALUE, version: v }, { value: null, version: v + 1 }],
];

export async function measureMerkle(pairs: number, differing: number): Promise<MerkleRow> {
  const { owner, replica, wire, exchange, fullPush } = merklePair();
  const keys = keysInRange(pairs);
  for (const key of keys) await putBoth([owner, replica], key, { value: VALUE, version: 1 });
  // The first exchange builds both trees from a scan (and finds nothing to move); from then
  // on they follow the stores write by write, as on a running node.
  let start = performance.now();
  await exchange();
  const buildMs = performance.now() - start;
  // Spread over the range: every (pairs / differing)-th key.
  for (let i = 0; i < differing; i++) {
    const key = keys[Math.floor((i * pairs) / differing)];
    const [mine, theirs] = KINDS[i % KINDS.length](1);
    for (const [store, item] of [[owner, mine], [replica, theirs]] as const) {
      if (item) await store.update(key, () => item);
      else await store.remove(key);
    }
  }
  wire.reset();
  let exchanges = 0;
  start = performance.now();
  for (;;) {
    const { sent, received } = await exchange();
    if (sent + received === 0) break;
    exchanges++;
  }
  const convergeMs = performance.now() - start;
  const agree = JSON.stringify(await owner.scan(RANGE.from, RANGE.to)) === JSON.stringify(await replica.scan(RANGE.from, RANGE.to));
  const merkle = { moved: wire.moved, bytes: wire.bytes };
  wire.reset();
  start = performance.now();
  await fullPush();
  const pushMs = performance.now() - start;
  return { pairs, differing, buildMs, exchanges, moved: merkle.moved, bytes: merkle.bytes, convergeMs, pushPairs: wire.sent.length, pushBytes: wire.bytes, pushMs, agree };
}

/** The rows of the table: `pairs` pairs with 10 and with 1,000 differing. */
export async function merkleRows(pairs: number): Promise<MerkleRow[]> {
  const rows: MerkleRow[] = [];
  for (const differing of [10, 1_000]) {
    console.error(`  Merkle anti-entropy: ${pairs} pairs, ${differing} differing…`);
    rows.push(await measureMerkle(pairs, differing));
  }
  return rows;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const ms = (value: number) => `${Math.round(value)} ms`;

export function merkleTable(rows: readonly MerkleRow[]): string {
  return [
    markdownTable(
      ['pairs held', 'pairs differing', 'exchanges that moved pairs', 'pairs exchanged', 'bytes exchanged', 'time to converge', 'first tree build (both)', 'full push: pairs', 'full push: bytes', 'full push: time'],
      rows.map((r) => [r.pairs, r.differing, r.exchanges, r.moved, kb(r.bytes), ms(r.convergeMs), ms(r.buildMs), r.pushPairs, kb(r.pushBytes), ms(r.pushMs)]),
      [true, true, true, true, true, true, true, true, true, true],
    ),
    '',
    `One owner and one replica of a key range, in one process; messages copied through JSON as on a wire, bytes counted both ways.`,
    `Both trees are built first (an exchange that finds nothing: "first tree build"); then the differences are written, which the trees follow key by key.`,
    `Exchanges then run back to back until one moves nothing; "pairs exchanged", "bytes exchanged" and "time to converge" cover all of them, the last included.`,
    `Each exchange moves at most ${PAIRS_PER_EXCHANGE} pairs and descends at most ${MAX_BRANCHES} branches per level; a node runs one per chain member every antiEntropyRounds maintenance rounds (10 s by default).`,
    `The full push is what periodic anti-entropy did before: every pair of the range to every chain member, whatever differs; it also cannot bring the owner a pair only the replica holds.`,
    ...rows.filter((r) => !r.agree).map((r) => `**${r.pairs} pairs, ${r.differing} differing: the replicas did not agree at the end.**`),
  ].join('\n');
}
