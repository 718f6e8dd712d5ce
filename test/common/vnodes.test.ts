/**
 * Virtual-node ring arithmetic by table: hand-built rings on the m=6 circle (64 points) where
 * every answer can be checked on paper, known SHA-1 values, and hashed rings checked against
 * a brute-force walk written independently of VirtualRing.
 */
import test from 'ava';
import { hashId, replicaSet, ringSize, sortClockwise } from '../../common/ring.js';
import { MAX_VNODES, ringIdsOf, virtualNodes, VirtualRing, vnodeCount, vnodeProblems, type VirtualNode } from '../../common/vnodes.js';

const M = 6;
/** `spec` maps a process to its ids; the nodes are handed over unsorted on purpose. */
const handRing = (spec: Record<string, number[]>) =>
  new VirtualRing(Object.entries(spec).flatMap(([address, ids]) => ids.map((id) => ({ id: BigInt(id), address }))).reverse(), M);
const label = (nodes: readonly VirtualNode[]) => nodes.map((n) => `${n.address}${n.id}`);

/** V = 1: the Chord paper's ring, one id per process. */
const V1 = handRing(Object.fromEntries([1, 8, 14, 21, 32, 38, 42, 48, 51, 56].map((id, i) => [`p${i}-`, [id]])));
/**
 * V = 4: three processes, each with two neighbouring ids (a at 3 and 4, b at 40 and 41 and 50,
 * c at 62 just before the wrap). Ring order: 3a 4a 10b 20c 25c 30a 35c 40b 41b 50b 60a 62c.
 */
const V4 = handRing({ a: [3, 4, 30, 60], b: [10, 40, 41, 50], c: [20, 25, 35, 62] });
/** V = 16: ids 0…47, in runs of four consecutive ids per process: 0-3 a, 4-7 b, 8-11 c, 12-15 a, … */
const V16 = handRing(Object.fromEntries(['a', 'b', 'c'].map((p, i) => [p, Array.from({ length: 48 }, (_, id) => id).filter((id) => Math.floor(id / 4) % 3 === i)])));

const replicaTable: [name: string, ring: VirtualRing, key: number, k: number, expected: string[]][] = [
  ['V=1', V1, 10, 1, ['p2-14']],
  ['V=1', V1, 10, 3, ['p2-14', 'p3-21', 'p4-32']],
  ['V=1, wrapping past zero', V1, 54, 3, ['p9-56', 'p0-1', 'p1-8']],
  ['V=1, a key after the last id', V1, 60, 3, ['p0-1', 'p1-8', 'p2-14']],
  ['V=4', V4, 0, 1, ['a3']],
  ['V=4, skipping a\'s next id', V4, 0, 3, ['a3', 'b10', 'c20']],
  ['V=4, owner just before the wrap', V4, 61, 3, ['c62', 'a3', 'b10']],
  ['V=4, a key after the last id', V4, 63, 3, ['a3', 'b10', 'c20']],
  ['V=4, b owning three ids in a row', V4, 36, 3, ['b40', 'a60', 'c62']],
  ['V=4, b owning three ids in a row', V4, 36, 1, ['b40']],
  ['V=4, skipping c and then two of a across the wrap', V4, 55, 3, ['a60', 'c62', 'b10']],
  ['V=4, c owning 20 and 25', V4, 21, 3, ['c25', 'a30', 'b40']],
  ['V=4, k above the number of processes', V4, 21, 5, ['c25', 'a30', 'b40']],
  ['V=16', V16, 5, 1, ['b5']],
  ['V=16, skipping the rest of b\'s run', V16, 5, 3, ['b5', 'c8', 'a12']],
  ['V=16, the last id', V16, 47, 3, ['c47', 'a0', 'b4']],
  ['V=16, a key after the last id', V16, 50, 3, ['a0', 'b4', 'c8']],
  ['V=16, a key after the last id', V16, 50, 1, ['a0']],
  ['V=16, owner at the start of a run', V16, 13, 3, ['a13', 'b16', 'c20']],
];
for (const [name, ring, key, k, expected] of replicaTable) {
  test(`replicaSet over processes, ${name}: key ${key}, k=${k} is ${expected.join(', ')}`, (t) => {
    t.deepEqual(label(ring.replicaSet(BigInt(key), k)), expected);
    t.deepEqual(ring.holders(BigInt(key), k), ring.replicaSet(BigInt(key), k).map((n) => n.address));
  });
}

test('with one id per process the replica set over processes is the ring\'s replica set, for every key and k', (t) => {
  for (let key = 0; key < 64; key++) {
    for (let k = 1; k <= 12; k++) t.deepEqual(V1.replicaSet(BigInt(key), k), replicaSet(BigInt(key), V1.ids, k), `key ${key}, k=${k}`);
  }
});

/** Brute force, independent of VirtualRing: every id in clockwise order from the key, first id of each new process. */
function bruteHolders(key: bigint, nodes: readonly VirtualNode[], k: number): string[] {
  const holders: string[] = [];
  for (const node of sortClockwise(nodes, key)) if (!holders.includes(node.address)) holders.push(node.address);
  return holders.slice(0, k);
}

const ADDRESSES = Array.from({ length: 6 }, (_, i) => `127.0.0.1:${5000 + i}`);
for (const v of [1, 4, 16]) {
  test(`on a hashed ring of 6 processes with V=${v}, replica sets name min(k, 6) distinct processes, as a brute-force walk finds`, (t) => {
    const nodes = virtualNodes(ADDRESSES, v);
    const ring = new VirtualRing(nodes);
    for (let i = 0; i < 300; i++) {
      const key = hashId(`key ${i}`);
      for (const k of [1, 3, 6, 8]) {
        const holders = ring.holders(key, k);
        t.deepEqual(holders, bruteHolders(key, nodes, k), `key ${i}, k=${k}`);
        t.is(new Set(holders).size, Math.min(k, ADDRESSES.length));
      }
    }
  });
}

const countTable: [vnodes: number, weight: number, expected: number][] = [
  [1, 1, 1], [8, 1, 8], [8, 2, 16], [8, 0.5, 4], [8, 1.5, 12], [32, 0.1, 3],
  // halves round up, also when the product lands a hair below the half in floating point (50 × 0.29 = 14.499999999999998)
  [3, 0.5, 2], [10, 0.25, 3], [50, 0.29, 15], [1, 0.5, 1],
  [MAX_VNODES, 1, MAX_VNODES], [512, 2, MAX_VNODES],
];
for (const [vnodes, weight, expected] of countTable) {
  test(`vnodeCount: --vnodes ${vnodes} with --weight ${weight} gives ${expected} ring ids`, (t) => {
    t.deepEqual(vnodeProblems(vnodes, weight), []);
    t.is(vnodeCount(vnodes, weight), expected);
  });
}

const refusedTable: [vnodes: number, weight: number, problem: RegExp][] = [
  [0, 1, /vnodes must be a whole number/], [1.5, 1, /vnodes must be a whole number/], [-4, 1, /vnodes must be a whole number/],
  [MAX_VNODES + 1, 1, /vnodes must be a whole number/], [NaN, 1, /vnodes must be a whole number/],
  [8, 0, /weight must be a positive number/], [8, -1, /weight must be a positive number/],
  [8, NaN, /weight must be a positive number/], [8, Infinity, /weight must be a positive number/],
  [4, 0.1, /under 1: weight must be at least 0\.25/], [3, 0.1, /under 1/],
  [512, 2.01, /over the 1024/], [1000, 1.1, /over the 1024/],
];
for (const [vnodes, weight, problem] of refusedTable) {
  test(`vnodeCount refuses --vnodes ${vnodes} with --weight ${weight}`, (t) => {
    t.regex(vnodeProblems(vnodes, weight).join('\n'), problem);
    t.throws(() => vnodeCount(vnodes, weight), { instanceOf: RangeError, message: problem });
  });
}

test('vnodeProblems names a bad --vnodes and a bad --weight together', (t) => {
  t.is(vnodeProblems(0, -1).length, 2);
});

const idTable: [address: string, count: number, hex: string[]][] = [
  // expected values computed independently with `printf %s TEXT | sha1sum`
  ['127.0.0.1:5000', 1, ['b660cd6180a4629b8e5f3c7eaeedcddf07dd1b1d']],
  ['127.0.0.1:5001', 1, ['876d5b4697f7690457360e25d41fd9163ece1858']],
  ['127.0.0.1:5000', 2, ['4d55b5e7979588e9c67934024a1e81669ef06fa9', '93b99a88389991c5611bbbe77045da431a095aeb']],
  ['127.0.0.1:5000', 3, ['4d55b5e7979588e9c67934024a1e81669ef06fa9', '93b99a88389991c5611bbbe77045da431a095aeb', '039a49d602ebda6f2d1f2015175e336249f502be']],
];
for (const [address, count, hex] of idTable) {
  test(`ringIdsOf(${address}, ${count}) is ${count === 1 ? 'today\'s sha1(host:port)' : 'sha1(host:port#i), i = 0 included'}`, (t) => {
    t.deepEqual(ringIdsOf(address, count), hex.map((h) => BigInt('0x' + h)));
  });
}

test('ringIdsOf refuses a count that is not a whole number of at least one', (t) => {
  for (const bad of [0, -1, 2.5, NaN]) t.throws(() => ringIdsOf('127.0.0.1:5000', bad), { instanceOf: RangeError }, String(bad));
});

test('virtualNodes labels every id with its process, a count per process when given a function', (t) => {
  const nodes = virtualNodes(['h:1', 'h:2'], (address) => (address === 'h:1' ? 1 : 3));
  t.deepEqual(nodes.map((n) => n.address), ['h:1', 'h:2', 'h:2', 'h:2']);
  t.deepEqual(nodes.map((n) => n.id), [...ringIdsOf('h:1', 1), ...ringIdsOf('h:2', 3)]);
  t.is(virtualNodes(['h:1', 'h:2'], 4).length, 8);
});

const shareTable: [name: string, ring: VirtualRing, expected: Record<string, number>][] = [
  // arcs (predecessor, id]: a 5 (62→3) + 1 + 5 + 10; b 6 + 5 + 1 + 9; c 10 + 5 + 5 + 2
  ['V=4', V4, { a: 21 / 64, b: 21 / 64, c: 22 / 64 }],
  // each run of four ids owns 4 points; a's first run also owns 48…63 across the wrap
  ['V=16', V16, { a: 32 / 64, b: 16 / 64, c: 16 / 64 }],
  ['a lone id', handRing({ a: [9] }), { a: 1 }],
  ['one process with several ids', handRing({ a: [9, 30, 31] }), { a: 1 }],
  ['two processes, one at 0', handRing({ a: [0], b: [16] }), { a: 48 / 64, b: 16 / 64 }],
];
for (const [name, ring, expected] of shareTable) {
  test(`shares: ${name}`, (t) => {
    t.deepEqual(Object.fromEntries(ring.shares()), expected);
  });
}

test('shares add up to 1 on hashed rings of the full 160-bit circle', (t) => {
  for (const v of [1, 4, 16]) {
    const shares = [...new VirtualRing(virtualNodes(ADDRESSES, v)).shares().values()];
    t.true(Math.abs(shares.reduce((a, b) => a + b, 0) - 1) < 1e-9, `V=${v}`);
    t.is(shares.length, ADDRESSES.length);
  }
});

test('keysPerProcess counts the keys each process owns and lists the processes that own none', (t) => {
  // 0 → a3; 3 → a3; 4 → a4; 5 → b10; 36 → b40; 51 → a60; 61 → c62; 63 → a3
  t.deepEqual(Object.fromEntries(V4.keysPerProcess([0, 3, 4, 5, 36, 51, 61, 63].map(BigInt))), { a: 5, b: 2, c: 1 });
  t.deepEqual(Object.fromEntries(V4.keysPerProcess([5n, 10n])), { a: 0, b: 2, c: 0 });
  t.deepEqual(Object.fromEntries(V4.keysPerProcess([])), { a: 0, b: 0, c: 0 });
});

test('owner finds the first id at or after a key, wrapping past the last, on the full circle too', (t) => {
  const ownerTable: [key: number, owner: string][] = [[0, 'a3'], [3, 'a3'], [4, 'a4'], [26, 'a30'], [41, 'b41'], [62, 'c62'], [63, 'a3']];
  for (const [key, owner] of ownerTable) t.deepEqual(label([V4.owner(BigInt(key))]), [owner], `key ${key}`);
  const full = new VirtualRing([{ id: 0n, address: 'x' }, { id: ringSize() - 1n, address: 'y' }]);
  t.is(full.owner(ringSize() - 1n).address, 'y');
  t.is(full.owner(1n).address, 'y');
  t.is(full.owner(0n).address, 'x');
  t.throws(() => new VirtualRing([]), { instanceOf: RangeError });
});
