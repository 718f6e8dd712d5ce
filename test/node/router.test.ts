/**
 * The Router's handling of a next hop that turns out to be gone, with the network stubbed:
 * what matters is which errors reach the user and which are routed around.
 */
import test from 'ava';
import { ChordError, PeerUnreachable } from '../../common/errors.js';
import { createLogger } from '../../common/log.js';
import { hashId } from '../../common/ring.js';
import type { Transport } from '../../common/transport-types.js';
import type { Member, OpAnswer } from '../../common/wire.js';
import { Lifecycle } from '../../node/lifecycle.js';
import { MembershipLock } from '../../node/membership-lock.js';
import { noMetrics } from '../../node/metrics.js';
import { RecentWrites } from '../../node/recent-writes.js';
import type { ReplicationStrategy } from '../../node/replication/strategy.js';
import { MAX_REROUTES, Router, type Sibling } from '../../node/router.js';
import { RoutingTable } from '../../node/routing.js';
import { RpcClient } from '../../node/rpc/spec.js';

const key = 'song 17';
const keyId = hashId(key);
const self: Member = { id: 10n, address: '127.0.0.1:1010' };
const successor: Member = { id: 20n, address: '127.0.0.1:1020' };
/** The finger closest before the key: the first choice of next hop. */
const finger: Member = { id: keyId - 1n, address: '127.0.0.1:1099' };

interface Setup {
  router: Router;
  routing: RoutingTable;
  calls: string[];
}

/** A node owning (5, 10] whose finger before the key is gone; `onGoneCall` runs as the call to it fails. */
function setup(onGoneCall: (routing: RoutingTable) => void, gone = new Set([finger.address]), siblings: Sibling[] = []): Setup {
  const routing = new RoutingTable(self, 1);
  routing.setPredecessor({ id: 5n, address: '127.0.0.1:1005' });
  routing.setSuccessors(successor);
  routing.setFinger(0, successor);
  routing.setFinger(1, finger);
  const lifecycle = new Lifecycle(self);
  lifecycle.enter('ready');
  const calls: string[] = [];
  const transport: Transport = {
    async call<T>(address: string): Promise<T> {
      calls.push(address);
      if (gone.has(address)) {
        onGoneCall(routing);
        throw new PeerUnreachable(address);
      }
      const answer: OpAnswer = { key, value: 'v', version: 1, node: address, hops: 1 };
      return answer as T;
    },
    close() {},
  };
  const router = new Router(
    {
      routing,
      lifecycle,
      rpc: new RpcClient(transport),
      lock: new MembershipLock(),
      log: createLogger('router-test', 'silent'),
      recentWrites: new RecentWrites(),
      metrics: noMetrics,
      replication: () => ({ readOnPath: async () => undefined }) as unknown as ReplicationStrategy,
      siblings: () => siblings,
    },
    { onPeerGone() {} },
  );
  return { router, routing, calls };
}

test('a gone next hop is evicted and the request routed around it', async (t) => {
  const { router, routing, calls } = setup(() => {});
  const answer = await router.route({ op: 'get', key, hops: 0 });
  t.is(answer.node, successor.address);
  t.deepEqual(calls, [finger.address, successor.address]);
  t.false(routing.fingers.some((f) => f?.address === finger.address), 'the gone finger is forgotten');
});

// Regression: maintenance (fix-fingers, stabilize) may replace a pointer while a request to it
// is in flight. The failure then named a peer the table no longer knew, and it reached the user
// as PEER_UNREACHABLE instead of being routed around.
test('a next hop that maintenance forgot while the call was in flight is routed around too', async (t) => {
  const { router, calls } = setup((routing) => routing.setFinger(1, undefined));
  const answer = await router.route({ op: 'get', key, hops: 0 });
  t.is(answer.node, successor.address);
  t.deepEqual(calls, [finger.address, successor.address]);
});

test('a gone peer that routing keeps choosing ends in a clear error, not a loop', async (t) => {
  // Something (a neighbour's stale successor list, say) puts the peer back every time it is evicted.
  const { router, routing, calls } = setup(() => {});
  routing.evict = () => true;
  const err = await t.throwsAsync(router.route({ op: 'get', key, hops: 0 }), { instanceOf: ChordError });
  t.is(err?.code, 'PEER_UNREACHABLE');
  t.is(calls.length, MAX_REROUTES + 1);
});

/** Another id of the same process at `id`, recording what it is handed. */
function sibling(id: bigint, relayed: string[], owns = false, state: Sibling['state'] = 'ready'): Sibling {
  return {
    self: { id, address: `127.0.0.1:1010#${id}` },
    state,
    owns: () => owns,
    relay: async (request) => {
      relayed.push(`${id}${request.final ? ' final' : ''}`);
      return { key: request.key, value: 'v', version: 1, node: `127.0.0.1:1010#${id}`, hops: request.hops };
    },
  };
}

// With several ids per process, each routing on its own tables sent a request over the network
// from one id of the process to another, or to a farther node than another id knew of.
test('a request goes on in-process from another id of the process that owns the key, with no network call', async (t) => {
  const relayed: string[] = [];
  const { router, calls } = setup(() => {}, new Set(), [sibling(keyId + 5n, relayed, true)]);
  // `final` said this id owned the key; the id it hands the request to judges its own range.
  const answer = await router.route({ op: 'get', key, hops: 0, final: true });
  t.is(answer.hops, 0);
  t.deepEqual(relayed, [`${keyId + 5n}`]);
  t.deepEqual(calls, []);
});

test('a request goes on from another ready id of the process that precedes the key more closely than the next hop, else over the network', async (t) => {
  const farther: string[] = [];
  const first = setup(() => {}, new Set(), [sibling(keyId - 100n, farther)]);
  await first.router.route({ op: 'get', key, hops: 0 });
  t.deepEqual(first.calls, [finger.address], 'the finger is nearer the key than the other id: over the network');
  t.deepEqual(farther, []);

  const nearer: string[] = [];
  const second = setup(() => {}, new Set(), [sibling(keyId - 100n, nearer), sibling(keyId - 10n, nearer, false, 'departed')]);
  second.routing.setFinger(1, { id: keyId - 1000n, address: '127.0.0.1:1098' });
  await second.router.route({ op: 'get', key, hops: 0 });
  t.deepEqual(nearer, [`${keyId - 100n}`], 'the ready id nearer than the finger takes it; the departed one, nearer still, does not');
  t.deepEqual(second.calls, []);
});
