/**
 * Ring arithmetic by table, on the Chord paper's m=6 example ring
 * (nodes 1, 8, 14, 21, 32, 38, 42, 48, 51, 56) and on known SHA-1 values.
 */
import test from 'ava';
import {
  distance, fingerStart, hashId, hexToId, idToHex, inHalfOpen, inOpen, replicaSet, ringSize, sortClockwise, successorOf,
} from '../../common/ring.js';

const M = 6;
const PAPER_IDS = [1, 8, 14, 21, 32, 38, 42, 48, 51, 56];
/** Deliberately unsorted, so no function may rely on input order. */
const paperRing = [38, 1, 56, 21, 8, 48, 14, 51, 32, 42].map((id) => ({ id: BigInt(id), name: `n${id}` }));
const ids = (nodes: readonly { id: bigint }[]) => nodes.map((n) => Number(n.id));

const halfOpen: [x: number, from: number, to: number, expected: boolean][] = [
  [5, 1, 8, true], [8, 1, 8, true], [1, 1, 8, false], [9, 1, 8, false], [0, 1, 8, false],
  // the arc (56, 1] wraps past zero
  [60, 56, 1, true], [63, 56, 1, true], [0, 56, 1, true], [1, 56, 1, true], [56, 56, 1, false], [30, 56, 1, false], [2, 56, 1, false],
  // from == to: the whole ring, the point itself included (a lone node owns everything)
  [5, 5, 5, true], [4, 5, 5, true], [6, 5, 5, true], [0, 5, 5, true],
];
for (const [x, from, to, expected] of halfOpen) {
  test(`inHalfOpen says ${x} is ${expected ? '' : 'not '}in (${from}, ${to}]`, (t) => {
    t.is(inHalfOpen(BigInt(x), BigInt(from), BigInt(to)), expected);
  });
}

const open: [x: number, from: number, to: number, expected: boolean][] = [
  [5, 1, 8, true], [2, 1, 8, true], [7, 1, 8, true], [8, 1, 8, false], [1, 1, 8, false], [40, 1, 8, false],
  [60, 56, 1, true], [0, 56, 1, true], [1, 56, 1, false], [56, 56, 1, false], [30, 56, 1, false],
  // from == to: everything but that point
  [5, 5, 5, false], [4, 5, 5, true], [6, 5, 5, true], [63, 5, 5, true],
];
for (const [x, from, to, expected] of open) {
  test(`inOpen says ${x} is ${expected ? '' : 'not '}in (${from}, ${to})`, (t) => {
    t.is(inOpen(BigInt(x), BigInt(from), BigInt(to)), expected);
  });
}

test('distance is measured clockwise and wraps past zero', (t) => {
  const table: [from: number, to: number, expected: number][] = [
    [1, 8, 7], [8, 1, 57], [56, 1, 9], [1, 56, 55], [5, 5, 0], [63, 0, 1], [0, 63, 63],
  ];
  for (const [from, to, expected] of table) {
    t.is(distance(BigInt(from), BigInt(to), M), BigInt(expected), `distance(${from}, ${to})`);
  }
  t.is(distance(1n, 0n), ringSize() - 1n, 'on the full 160-bit ring');
  t.is(ringSize(M), 64n);
});

test('fingerStart gives the starts of node 8 fingers in the paper and wraps modulo 2^m', (t) => {
  t.deepEqual([0, 1, 2, 3, 4, 5].map((i) => Number(fingerStart(8n, i, M))), [9, 10, 12, 16, 24, 40]);
  t.deepEqual([0, 1, 2, 3, 4, 5].map((i) => Number(fingerStart(56n, i, M))), [57, 58, 60, 0, 8, 24]);
  t.is(fingerStart(ringSize() - 1n, 0), 0n, 'the last id plus one is zero on the full ring');
});

test('successorOf picks the first node at or after an id, wrapping to the smallest', (t) => {
  const table: [id: number, owner: number][] = [
    [10, 14], [24, 32], [30, 32], [38, 38], [54, 56], [56, 56], [57, 1], [63, 1], [0, 1], [1, 1], [2, 8], [43, 48],
  ];
  for (const [id, owner] of table) t.is(Number(successorOf(BigInt(id), paperRing).id), owner, `successor(${id})`);
  t.is(successorOf(40n, [{ id: 7n }]).id, 7n, 'a lone node owns everything');
  t.throws(() => successorOf(1n, []), { instanceOf: RangeError });
});

test('successorOf agrees with a brute-force search for every id of the m=6 ring', (t) => {
  for (let id = 0; id < 64; id++) {
    const expected = PAPER_IDS.find((n) => n >= id) ?? PAPER_IDS[0];
    t.is(Number(successorOf(BigInt(id), paperRing).id), expected, `successor(${id})`);
  }
});

test('sortClockwise orders nodes starting at (and including) the start point', (t) => {
  t.deepEqual(ids(sortClockwise(paperRing, 38n, M)), [38, 42, 48, 51, 56, 1, 8, 14, 21, 32]);
  t.deepEqual(ids(sortClockwise(paperRing, 39n, M)), [42, 48, 51, 56, 1, 8, 14, 21, 32, 38]);
});

const replicaTable: [key: number, k: number, expected: number[]][] = [
  [10, 1, [14]],
  [10, 2, [14, 21]],
  [10, 3, [14, 21, 32]],
  [54, 3, [56, 1, 8]],
  [57, 2, [1, 8]],
  [56, 4, [56, 1, 8, 14]],
  [10, 10, [14, 21, 32, 38, 42, 48, 51, 56, 1, 8]],
  [10, 12, [14, 21, 32, 38, 42, 48, 51, 56, 1, 8]],
  [0, 64, [1, 8, 14, 21, 32, 38, 42, 48, 51, 56]],
];
for (const [key, k, expected] of replicaTable) {
  test(`replicaSet of ${key} with k=${k} is the owner and the next nodes clockwise: ${expected.join(', ')}`, (t) => {
    t.deepEqual(ids(replicaSet(BigInt(key), paperRing, k)), expected);
  });
}

test('replicaSet handles a node at id 0 and rings smaller than k', (t) => {
  const ring = [40n, 0n, 20n].map((id) => ({ id }));
  t.deepEqual(ids(replicaSet(50n, ring, 2)), [0, 20]);
  t.deepEqual(ids(replicaSet(0n, ring, 3)), [0, 20, 40]);
  t.deepEqual(ids(replicaSet(21n, ring, 5)), [40, 0, 20]);
  t.deepEqual(ids(replicaSet(3n, [{ id: 9n }], 3)), [9]);
});

test('replicaSet sets have min(k, N) distinct members for every key and k on the m=6 ring', (t) => {
  for (let key = 0; key < 64; key++) {
    for (let k = 1; k <= 12; k++) {
      const set = replicaSet(BigInt(key), paperRing, k);
      t.is(new Set(ids(set)).size, Math.min(k, PAPER_IDS.length), `key ${key}, k=${k}`);
      t.is(set[0].id, successorOf(BigInt(key), paperRing).id, `owner first for key ${key}`);
    }
  }
});

const sha1Table: [text: string, hex: string][] = [
  // expected values computed independently with `printf %s TEXT | sha1sum`
  ['127.0.0.1:5000', 'b660cd6180a4629b8e5f3c7eaeedcddf07dd1b1d'],
  ['127.0.0.1:5001', '876d5b4697f7690457360e25d41fd9163ece1858'],
  ['Hey Jude', 'cf6f0c00413d9164b36cc83f8c54421227c2765e'],
  ['', 'da39a3ee5e6b4b0d3255bfef95601890afd80709'],
  ['κλειδί', '7f1501fd8207abf71e390c67076ae1250fa1c0a5'],
];
for (const [text, hex] of sha1Table) {
  test(`hashId(${JSON.stringify(text)}) is the SHA-1 of its UTF-8 bytes and round-trips through hex`, (t) => {
    const id = hashId(text);
    t.is(id, BigInt('0x' + hex));
    t.is(idToHex(id), hex);
    t.is(hexToId(hex), id);
  });
}

test('idToHex pads to the full width of the ring in lowercase', (t) => {
  t.is(idToHex(0n), '0'.repeat(40));
  t.is(idToHex(1n), '0'.repeat(39) + '1');
  t.is(idToHex(ringSize() - 1n), 'f'.repeat(40));
  t.is(idToHex(0xabcn), '0'.repeat(37) + 'abc');
  t.is(idToHex(5n, M), '05');
  t.is(idToHex(255n, 8), 'ff');
  t.is(idToHex(1n, 9), '001');
});

test('hexToId accepts upper case and rejects anything that is not a hex id', (t) => {
  t.is(hexToId('FF'), 255n);
  t.is(hexToId('0'.repeat(40)), 0n);
  for (const bad of ['', 'xyz', '0x10', '-1', ' 1', 'f'.repeat(41)]) {
    t.throws(() => hexToId(bad), { instanceOf: RangeError }, JSON.stringify(bad));
  }
});
