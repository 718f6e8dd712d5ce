/**
 * RoutingTable decisions by table, on the Chord paper's m=6 ring
 * (nodes 1, 8, 14, 21, 32, 38, 42, 48, 51, 56), seen from node 8.
 */
import test from 'ava';
import { inHalfOpen, successorOf } from '../../common/ring.js';
import type { Member as Peer } from '../../common/wire.js';
import { RoutingTable, VIEW_SIZE } from '../../node/routing.js';

const peer = (id: number): Peer => ({ id: BigInt(id), address: `10.0.0.${id}:5000` });
const names = (peers: readonly Peer[]) => peers.map((p) => Number(p.id));

/** Node 8 with the paper's finger table (14, 14, 14, 21, 32, 42) and successors 14, 21, 32. */
function node8(): RoutingTable {
  const table = new RoutingTable(peer(8), 3);
  table.setPredecessor(peer(1));
  table.setSuccessors(peer(14), [peer(21), peer(32)]);
  [14, 14, 14, 21, 32, 42].map(peer).forEach((finger, i) => table.setFinger(i, finger));
  return table;
}

test('a node with no predecessor owns every id', (t) => {
  const table = new RoutingTable(peer(8), 3);
  for (const id of [0, 1, 8, 9, 63]) t.true(table.owns(BigInt(id)), `id ${id}`);
});

test('headsItself: owned behind a known predecessor, or alone; not with no predecessor yet and successors known', (t) => {
  const alone = new RoutingTable(peer(8), 3);
  const waiting = new RoutingTable(peer(8), 3);
  waiting.setSuccessors(peer(14));
  const cutOff = new RoutingTable(peer(8), 3);
  cutOff.setPredecessor(peer(1)); // every successor gone, the predecessor kept
  const cases: [string, RoutingTable, number, boolean, boolean][] = [
    // name, table, id, headsItself, isAlone
    ['alone', alone, 40, true, true],
    ['no predecessor, a successor', waiting, 4, false, false],
    ['in (pred, self]', node8(), 5, true, false],
    ['self', node8(), 8, true, false],
    ['the predecessor\'s id', node8(), 1, false, false],
    ['past self', node8(), 9, false, false],
    ['cut off from every successor, in range', cutOff, 5, true, false],
    ['cut off from every successor, out of range', cutOff, 20, false, false],
  ];
  for (const [name, table, id, heads, isAlone] of cases) {
    t.is(table.headsItself(BigInt(id)), heads, `${name}: headsItself(${id})`);
    t.is(table.isAlone(), isAlone, `${name}: isAlone`);
  }
});

test('a node whose predecessor is itself owns every id', (t) => {
  const table = new RoutingTable(peer(8), 3);
  table.setPredecessor({ ...peer(8) });
  t.true(table.owns(40n));
});

test('owns covers exactly (predecessor, self]', (t) => {
  const table = node8();
  const table2: [id: number, owned: boolean][] = [[1, false], [2, true], [5, true], [8, true], [9, false], [0, false], [63, false]];
  for (const [id, owned] of table2) t.is(table.owns(BigInt(id)), owned, `id ${id}`);
});

test('owns wraps past zero for the node just after it', (t) => {
  const table = new RoutingTable(peer(1), 3);
  table.setPredecessor(peer(56));
  const table2: [id: number, owned: boolean][] = [[57, true], [63, true], [0, true], [1, true], [56, false], [2, false], [30, false]];
  for (const [id, owned] of table2) t.is(table.owns(BigInt(id)), owned, `id ${id}`);
});

// Ids whose owner lies beyond the successor list: the hop is the closest preceding node known.
const hops: [id: number, next: number][] = [
  [9, 14], [10, 14], [14, 14], // the successor owns it
  [33, 32], [40, 32], [42, 32],
  [43, 42], [54, 42], [60, 42], [0, 42], [3, 42], // wrap-around: 42 is the farthest node still before the id
];
for (const [id, next] of hops) {
  test(`node 8 forwards a lookup for ${id} to node ${next}`, (t) => {
    t.is(Number(node8().nextHop(BigInt(id)).id), next);
  });
}

test('node 8 never forwards a lookup past the owner of the id, and always moves forward', (t) => {
  const table = node8();
  const ring = [1, 8, 14, 21, 32, 38, 42, 48, 51, 56].map(peer);
  for (let id = 0; id < 64; id++) {
    if (table.owns(BigInt(id))) continue;
    const next = table.nextHop(BigInt(id));
    const owner = successorOf(BigInt(id), ring);
    t.not(next.address, table.self.address, `no hop for ${id}`);
    t.true(inHalfOpen(next.id, table.self.id, owner.id), `the hop for ${id} went to ${next.id}, past its owner ${owner.id}`);
  }
});

test('with a view of the whole ring, firstHop is the owner of every id node 8 does not own; nextHop ignores the view', (t) => {
  const table = node8();
  const ring = [1, 8, 14, 21, 32, 38, 42, 48, 51, 56].map(peer);
  table.setView(peer(14), [21, 32].map(peer), [21, 32, 38, 42, 48, 51, 56, 1, 8, 14].map(peer));
  t.deepEqual(names(table.view), [14, 21, 32, 38, 42, 48, 51, 56, 1], 'cut where it wraps back to node 8');
  const cases: [id: number, viaFingers: number, withView: number][] = [
    // id, the hop from successors and fingers alone, the first hop with the view (the owner)
    [20, 21, 21], [33, 32, 38], [40, 32, 42], [45, 42, 48], [50, 42, 51], [55, 42, 56], [60, 42, 1], [0, 42, 1],
  ];
  for (const [id, viaFingers, withView] of cases) {
    t.is(Number(table.nextHop(BigInt(id)).id), viaFingers, `nextHop, id ${id}`);
    t.is(Number(table.firstHop(BigInt(id)).id), withView, `firstHop, id ${id}`);
    t.is(withView, Number(successorOf(BigInt(id), ring).id), `id ${id} goes to its owner`);
  }
});

/** The paper's ring after node 45 joined between 42 and 48, with the tables as the join left them: only 42 and 48 know 45 yet. */
function afterJoin(): Map<number, RoutingTable> {
  const tables = new Map<number, RoutingTable>();
  const add = (self: number, pred: number, successors: number[], fingers: number[], view: number[]) => {
    const table = new RoutingTable(peer(self), 3);
    table.setPredecessor(peer(pred));
    table.setSuccessors(peer(successors[0]), successors.slice(1).map(peer));
    fingers.map(peer).forEach((finger, i) => table.setFinger(i, finger));
    table.setView(peer(view[0]), [], view.slice(1).map(peer));
    tables.set(self, table);
  };
  add(8, 1, [14, 21, 32], [14, 14, 14, 21, 32, 42], [14, 21, 32, 38, 42, 48, 51, 56, 1]);
  add(21, 14, [32, 38, 42], [32, 32, 32, 32, 38, 56], [32, 38, 42, 48, 51, 56, 1, 8, 14]);
  add(42, 38, [45, 48, 51], [45, 45, 48, 51, 1, 14], [45, 48, 51, 56, 1, 8, 14, 21, 32, 38]);
  add(48, 45, [51, 56, 1], [51, 51, 56, 56, 1, 21], [51, 56, 1, 8, 14, 21, 32, 38, 42]);
  return tables;
}

test('a request for a new member\'s key, sent past it by a stale view, reaches it by successor lists and fingers', (t) => {
  const tables = afterJoin();
  const id = 44n;
  const path = [8];
  let hop = tables.get(8)!.firstHop(id);
  while (Number(hop.id) !== 45 && path.length < 8) {
    path.push(Number(hop.id));
    hop = tables.get(Number(hop.id))!.nextHop(id);
  }
  t.deepEqual([...path, Number(hop.id)], [8, 48, 21, 42, 45]);
  // With the view at every hop, 21's stale view would send it back to 48, and so on.
  t.is(Number(tables.get(21)!.firstHop(id).id), 48);
});

test('the view takes the successor\'s list first, then its view past the end of that list', (t) => {
  const table = node8();
  // 25 joined after 21: the successor's list shows it, its view does not yet.
  table.setView(peer(14), [21, 25].map(peer), [21, 32, 38, 42].map(peer));
  t.deepEqual(names(table.view), [14, 21, 25], 'a view that does not show the list\'s last entry adds nothing past the list');
  table.setView(peer(14), [21, 25].map(peer), [21, 25, 32, 38].map(peer));
  t.deepEqual(names(table.view), [14, 21, 25, 32, 38]);
  table.setView(peer(14), [], [21, 32].map(peer));
  t.deepEqual(names(table.view), [14, 21, 32], 'an older node, which sends no list past its successor, still fills the view');
});

test('setView keeps at most VIEW_SIZE members and cuts at the first repeat', (t) => {
  const table = new RoutingTable(peer(0), 3);
  const many = Array.from({ length: VIEW_SIZE + 10 }, (_, i) => ({ id: BigInt(i + 1), address: `10.1.0.${i + 1}:5000` }));
  table.setView(many[0], [], many.slice(1));
  t.is(table.view.length, VIEW_SIZE);
  table.setView(peer(14), [], [peer(21), peer(14), peer(32)]);
  t.deepEqual(names(table.view), [14, 21]);
});

test('an evicted member is a hole in the view for the next VIEW_SIZE views: its ids take the fingers\' way', (t) => {
  const table = node8();
  const view = [21, 32, 38, 42].map(peer);
  table.setView(peer(14), [], view);
  t.is(Number(table.firstHop(30n).id), 32);
  t.false(table.evict(peer(38).address), 'no pointer named 38');
  t.deepEqual(names(table.view), [14, 21, 32, 42]);
  t.is(Number(table.firstHop(35n).id), 32, 'not 42, which would be past 38');
  for (let i = 0; i < VIEW_SIZE; i++) {
    // The successor's view still names it, as views behind a failure do for a while.
    table.setView(peer(14), [], view);
    t.is(table.believedOwner(35n), undefined, `view ${i + 1}`);
  }
  table.setView(peer(14), [], view);
  t.deepEqual(names(table.view), [14, 21, 32, 38, 42]);
  t.is(Number(table.firstHop(35n).id), 38);
});

test('an evicted member that the successor list names again is reached through it, not taken for a hole', (t) => {
  const table = node8();
  table.setView(peer(14), [21, 32].map(peer), [21, 32, 38].map(peer));
  table.evict(peer(21).address);
  t.is(Number(table.firstHop(20n).id), 32, 'the successor list passes over it');
  table.setSuccessors(peer(14), [peer(21), peer(32)]);
  t.is(Number(table.firstHop(20n).id), 21);
  t.is(Number(table.believedOwner(20n)?.id), 21);
});

test('a node left alone forgets its view and what it evicted', (t) => {
  const table = node8();
  table.setView(peer(14), [], [peer(21), peer(32)]);
  table.evict(peer(32).address);
  table.becomeAlone();
  t.deepEqual(table.view, []);
  t.is(table.believedOwner(30n), undefined);
  table.setView(peer(14), [], [peer(21), peer(32)]);
  t.deepEqual(names(table.view), [14, 21, 32]);
});

test('nextHop falls back to the node itself when it knows no successor', (t) => {
  const table = new RoutingTable(peer(8), 3);
  t.is(table.nextHop(30n), table.self);
});

test('closestPrecedingNode considers successors as well as fingers', (t) => {
  const table = new RoutingTable(peer(8), 4);
  table.setSuccessors(peer(14), [peer(21), peer(32), peer(38)]);
  [14, 14, 14, 21, undefined, undefined].map((id) => (id === undefined ? undefined : peer(id))).forEach((finger, i) => table.setFinger(i, finger));
  t.is(Number(table.closestPrecedingNode(40n).id), 38);
  t.is(Number(table.closestPrecedingNode(38n).id), 32, 'the id itself does not precede itself');
});

test('closestPrecedingNode returns the successor when nothing known precedes the id', (t) => {
  const table = node8();
  t.is(Number(table.closestPrecedingNode(12n).id), 14);
  const alone = new RoutingTable(peer(8), 3);
  t.is(alone.closestPrecedingNode(12n), alone.self);
});

test('setSuccessors keeps the list up to its size', (t) => {
  const table = new RoutingTable(peer(8), 3);
  table.setSuccessors(peer(14), [peer(21), peer(32), peer(38), peer(42)]);
  t.deepEqual(names(table.successors), [14, 21, 32]);
});

test('setSuccessors cuts the list where it wraps back to the node itself', (t) => {
  const table = new RoutingTable(peer(8), 5);
  table.setSuccessors(peer(14), [peer(21), { ...peer(8) }, peer(14), peer(21)]);
  t.deepEqual(names(table.successors), [14, 21]);
});

test('setSuccessors cuts the list at the first repeated node', (t) => {
  const table = new RoutingTable(peer(8), 5);
  table.setSuccessors(peer(14), [peer(21), peer(14), peer(32)]);
  t.deepEqual(names(table.successors), [14, 21]);
});

test('setSuccessors with no first node, or with the node itself first, empties the list', (t) => {
  const table = node8();
  table.setSuccessors(undefined, [peer(21)]);
  t.deepEqual(table.successors, []);
  table.setSuccessors(peer(14));
  t.deepEqual(names(table.successors), [14]);
  table.setSuccessors(peer(8), [peer(14)]);
  t.deepEqual(table.successors, []);
});

test('chain holds the k-1 nodes after this one, fewer in a smaller ring', (t) => {
  const table = node8();
  t.deepEqual(names(table.chain(1)), []);
  t.deepEqual(names(table.chain(2)), [14]);
  t.deepEqual(names(table.chain(3)), [14, 21]);
  t.deepEqual(names(table.chain(7)), [14, 21, 32]);
  t.deepEqual(table.chain(0), []);
});

test('knownRingSize is known only while the successor list is not full', (t) => {
  const table = new RoutingTable(peer(8), 3);
  t.is(table.knownRingSize(), 1);
  table.setSuccessors(peer(14), [peer(21)]);
  t.is(table.knownRingSize(), 3);
  table.setSuccessors(peer(14), [peer(21), peer(32)]);
  t.is(table.knownRingSize(), undefined);
});

test('with several ring ids per process the successor list runs on until it shows enough other processes, and the chain takes one id of each', (t) => {
  const member = (address: string, id: number): Peer => ({ id: BigInt(id), address });
  const table = new RoutingTable(member('x:1#0', 1), 3, 2);
  const ids = [member('p:1#0', 2), member('p:1#1', 3), member('x:1#1', 4), member('p:1#2', 5), member('q:1#0', 6), member('r:1#0', 7)];
  table.setSuccessors(ids[0], ids.slice(1));
  t.deepEqual(names(table.successors), [2, 3, 4, 5, 6], 'three long, and on to the second other process');
  t.deepEqual(names(table.chain(3)), [2, 6], 'p and q, each at its first id; never its own process');
  t.deepEqual(names(table.chain(2)), [2]);
  // One id per process: exactly the list's size, as always.
  const plain = new RoutingTable(member('x:1', 1), 3, 2);
  plain.setSuccessors(member('a:1', 2), [member('b:1', 3), member('c:1', 4), member('d:1', 5)]);
  t.deepEqual(names(plain.successors), [2, 3, 4]);
  t.deepEqual(names(plain.chain(3)), [2, 3]);
});
