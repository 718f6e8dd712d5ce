/**
 * How a ring id finds the processes around it, by table: member addresses (HOST:PORT#i),
 * replica sets over distinct processes as a running node computes them from its successor
 * list, and how far back its replica duty reaches, checked against VirtualRing's walk.
 */
import test from 'ava';
import { hashId } from '../../common/ring.js';
import {
  distinctProcesses, heldRanges, holdsRangeOf, parseVnodeRpcPath, processOf, ringIdsOf, throughProcesses, vnodeAddress, vnodeIndexOf, vnodeRpcPath, VirtualRing,
} from '../../common/vnodes.js';

const m = (address: string) => ({ address });
const addresses = (members: readonly { address: string }[]) => members.map((x) => x.address);

test('a member address names its process and its index; one id alone keeps the process\'s own address', (t) => {
  t.is(vnodeAddress('10.0.0.1:5000', 0, 1), '10.0.0.1:5000');
  t.is(vnodeAddress('10.0.0.1:5000', 3, 8), '10.0.0.1:5000#3');
  t.is(processOf('10.0.0.1:5000#3'), '10.0.0.1:5000');
  t.is(processOf('10.0.0.1:5000'), '10.0.0.1:5000');
  t.is(vnodeIndexOf('10.0.0.1:5000#12'), 12);
  t.is(vnodeIndexOf('10.0.0.1:5000'), undefined);
  // The id of a member is SHA-1 of its address, whatever the count.
  for (const count of [1, 4]) {
    t.deepEqual(ringIdsOf('h:1', count), Array.from({ length: count }, (_, i) => hashId(vnodeAddress('h:1', i, count))));
  }
});

test('a call to ring id i travels as /rpc/vnode/i/<call>, and a plain call goes to the first', (t) => {
  t.is(vnodeRpcPath('/rpc/state', 3), '/rpc/vnode/3/state');
  t.deepEqual(parseVnodeRpcPath('/rpc/vnode/3/state'), { index: 3, path: '/rpc/state' });
  t.deepEqual(parseVnodeRpcPath('/rpc/state'), { path: '/rpc/state' });
  t.deepEqual(parseVnodeRpcPath('/rpc/vnode/x/state'), { path: '/rpc/vnode/x/state' }, 'not an index: left as it is, for the table to refuse');
});

test('distinctProcesses takes each process once, at its first id, never the asker\'s own', (t) => {
  const successors = ['a#1', 'b#0', 'a#2', 'b#3', 'c#0', 'd#1'].map((x) => m(x.replace(/^(\w)/, '$1:1')));
  t.deepEqual(addresses(distinctProcesses('a:1#0', successors)), ['b:1#0', 'c:1#0', 'd:1#1']);
  t.deepEqual(addresses(distinctProcesses('z:1', successors)), ['a:1#1', 'b:1#0', 'c:1#0', 'd:1#1']);
});

test('throughProcesses keeps the prefix that spans at most n processes', (t) => {
  const list = ['a:1#0', 'a:1#1', 'b:1#0', 'a:1#2', 'c:1#0', 'b:1#1'].map(m);
  t.deepEqual(addresses(throughProcesses(list, 1)), ['a:1#0', 'a:1#1']);
  t.deepEqual(addresses(throughProcesses(list, 2)), ['a:1#0', 'a:1#1', 'b:1#0', 'a:1#2']);
  t.deepEqual(addresses(throughProcesses(list, 5)), addresses(list));
});

// Predecessors of x:1#0 (nearest first) and which of their ranges it holds.
const heldTable: [name: string, predecessors: string[], k: number, held: number][] = [
  ['one id per process: k-1 ranges back', ['p:1', 'q:1', 'r:1', 's:1'], 3, 2],
  ['k = 1: only its own', ['p:1', 'q:1'], 1, 0],
  ['a run of one other process counts once', ['p:1#0', 'p:1#1', 'p:1#2', 'q:1#0', 'r:1#0'], 3, 4],
  ['an id of its own process ends the duty there', ['p:1#0', 'x:1#1', 'q:1#0'], 3, 1],
  ['its own process as the owner: that id holds the range itself', ['x:1#1', 'p:1#0'], 3, 0],
  ['the walk runs out with every range held (a ring of at most k processes)', ['p:1#0', 'p:1#1'], 3, 2],
];
for (const [name, predecessors, k, held] of heldTable) {
  test(`heldRanges: ${name}`, (t) => {
    t.is(heldRanges('x:1#0', predecessors.map(m), k), held);
  });
}

test('on hashed rings, heldRanges agrees with VirtualRing\'s replica sets for every id, k and V', (t) => {
  for (const [processes, vnodes] of [[6, 1], [5, 4], [3, 8], [2, 16]] as const) {
    const all = Array.from({ length: processes }, (_, p) => `10.0.0.${p}:5000`)
      .flatMap((process) => ringIdsOf(process, vnodes).map((id, i) => ({ id, address: process, member: vnodeAddress(process, i, vnodes) })));
    const ring = new VirtualRing(all);
    for (const k of [1, 2, 3]) {
      ring.ids.forEach((self, index) => {
        // Its predecessors, nearest first, once round the ring.
        const before = Array.from({ length: ring.ids.length - 1 }, (_, j) => ring.ids[(index - 1 - j + 2 * ring.ids.length) % ring.ids.length])
          .map((n) => m(n.member));
        const n = heldRanges(self.member, before, k);
        // Held: exactly the owners (self and predecessors) whose replica set names this id.
        const truth = [self, ...before.map((b) => ring.ids.find((x) => x.member === b.address)!)]
          .map((owner) => ring.replicaSet(owner.id, k).some((r) => r.member === self.member));
        const firstNot = truth.indexOf(false);
        t.is(n, firstNot === -1 ? before.length : firstNot - 1, `${processes}×${vnodes} k=${k} ${self.member}`);
        t.true(truth.slice(firstNot === -1 ? truth.length : firstNot).every((x) => !x), 'the duty is one run of ranges');
        t.is(holdsRangeOf(self.member, before, -1, k), true);
      });
    }
  }
});
