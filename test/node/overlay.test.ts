/**
 * Neighbours' walks over a stub network. The overlay (GET /overlay, query "*", prefix scans):
 * successor lists a change has not reached yet must not hide a member. The walk back a join or
 * depart makes: a predecessor past what it must reach that does not answer ends it, not the change.
 */
import test from 'ava';
import { PeerUnreachable } from '../../common/errors.js';
import { createLogger } from '../../common/log.js';
import { toMemberJson, type Member } from '../../common/wire.js';
import { Neighbours } from '../../node/membership/neighbours.js';
import { RpcClient } from '../../node/rpc/spec.js';
import { RoutingTable } from '../../node/routing.js';

const member = (id: number): Member => ({ id: BigInt(id), address: `10.0.0.${id}:5000` });
const idOf = (address: string) => Number(address.split('.')[3].split(':')[0]);

/** Node 8's Neighbours, where every other node answers its state from `views`; a node missing there does not answer. */
function neighboursOf(self: { predecessor: number; successors: number[] }, views: Record<number, { predecessor: number; successors: number[] }>) {
  const rpc = new RpcClient({
    call: async (address: string) => {
      const view = views[idOf(address)];
      if (!view) throw new PeerUnreachable(address);
      return { member: true, predecessor: toMemberJson(member(view.predecessor)), successors: view.successors.map((n) => toMemberJson(member(n))) } as never;
    },
    close: () => undefined,
  });
  const routing = new RoutingTable(member(8), 3);
  routing.setPredecessor(member(self.predecessor));
  routing.setSuccessors(member(self.successors[0]), self.successors.slice(1).map(member));
  return new Neighbours({ routing, rpc, log: createLogger('test', 'silent') }, 10_000);
}

async function overlayOf(self: { predecessor: number; successors: number[] }, views: Record<number, { predecessor: number; successors: number[] }>) {
  return (await neighboursOf(self, views).overlay()).map((m) => Number(m.id));
}

test('lists that agree give the ring as they list it', async (t) => {
  t.deepEqual(await overlayOf({ predecessor: 50, successors: [14, 21, 32] }, {
    14: { predecessor: 8, successors: [21, 32, 38] }, 21: { predecessor: 14, successors: [32, 38, 50] },
    32: { predecessor: 21, successors: [38, 50, 8] }, 38: { predecessor: 32, successors: [50, 8, 14] }, 50: { predecessor: 38, successors: [8, 14, 21] },
  }), [8, 14, 21, 32, 38, 50]);
});

test('a member a stale list skips is found through its successor\'s predecessor, at the end of the walk too', async (t) => {
  // 44 joined between 38 and 50, and 60 between 50 and 8; 32's and 50's lists have not heard.
  t.deepEqual(await overlayOf({ predecessor: 60, successors: [14, 21, 32] }, {
    14: { predecessor: 8, successors: [21, 32, 38] }, 21: { predecessor: 14, successors: [32, 38, 44] },
    32: { predecessor: 21, successors: [38, 50, 8] }, 38: { predecessor: 32, successors: [44, 50, 60] },
    44: { predecessor: 38, successors: [50, 60, 8] }, 50: { predecessor: 44, successors: [8, 14, 21] }, 60: { predecessor: 50, successors: [8, 14, 21] },
  }), [8, 14, 21, 32, 38, 44, 50, 60]);
});

test('a predecessor that does not answer (it failed, and the lists dropped it) stays out', async (t) => {
  t.deepEqual(await overlayOf({ predecessor: 50, successors: [14, 32] }, {
    14: { predecessor: 8, successors: [32, 50] }, 32: { predecessor: 21, successors: [50, 8] }, 50: { predecessor: 32, successors: [8, 14] },
  }), [8, 14, 32, 50]);
});

// Regression: with one id per process the walk back of a join went one predecessor further than
// before (that one's list reaches the change too), and a crashed node there failed the change.
test('a walk back ends at a predecessor that does not answer once past what it must reach, and fails before', async (t) => {
  // 32 crashed; 38 still names it as its predecessor.
  const neighbours = neighboursOf({ predecessor: 50, successors: [14] }, { 50: { predecessor: 44, successors: [8, 14] }, 44: { predecessor: 38, successors: [50, 8] }, 38: { predecessor: 32, successors: [44, 50] } });
  const ids = (walk: { members: Member[] }) => walk.members.map((m) => Number(m.id));
  t.deepEqual(ids(await neighbours.walkBackWhile((found) => found.length < 2, () => true)), [50, 44, 38]);
  await t.throwsAsync(neighbours.walkBackWhile((found) => found.length < 4), { instanceOf: PeerUnreachable });
});
