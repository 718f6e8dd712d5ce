/**
 * The membership change of a process's several ids, over stub ids and a stub network:
 * one token, locks in ascending id order, renewed while the steps outlast a third of the
 * lease, and all released at the end, also when a step fails.
 */
import test from 'ava';
import { createLogger } from '../../common/log.js';
import { ChordError } from '../../common/errors.js';
import type { Member } from '../../common/wire.js';
import { departTogether, type ChangingId } from '../../node/membership/process-change.js';
import { RpcClient } from '../../node/rpc/spec.js';

const member = (id: number): Member => ({ id: BigInt(id), address: `10.0.0.${id}:5000` });

/** `lapsedRenewals`: that many renewals are refused, as a node whose lock lapsed refuses one. */
function setup(stepMs: number, failAt?: number, lapsedRenewals = 0) {
  const calls: string[] = [];
  let refused = 0;
  const rpc = new RpcClient({
    call: async (address: string, _method: string, path: string, body: unknown) => {
      const { token, renew } = body as { token: string; renew?: true };
      calls.push(`${path} ${address.split('.')[3].split(':')[0]} ${token}${renew ? ' renew' : ''}`);
      if (renew && refused < lapsedRenewals) {
        refused++;
        throw new ChordError('RING_CHANGING', 'this membership change\'s lock lapsed before it was renewed; retry');
      }
      return (path === '/rpc/lock' ? { locked: true } : { unlocked: true }) as never;
    },
    close: () => undefined,
  });
  const departed: string[] = [];
  // Three ids of one process, each locking itself and its successor; 40 is locked by the second step only, beyond the plan.
  const ids: ChangingId[] = [[30, 31], [10, 11], [20, 21]].map(([self, successor], i) => {
    const lifecycle: { state: 'ready' | 'departed' } = { state: 'ready' };
    return {
    self: member(self),
    lifecycle,
    membership: {
      adoptRingOf: async () => undefined,
      joined: () => undefined,
      departLocks: async () => [member(self), member(successor)],
      depart: async (token?: string) => {
        await new Promise((resolve) => setTimeout(resolve, stepMs));
        if (i === failAt) throw new ChordError('PEER_UNREACHABLE', 'gone');
        departed.push(`${self} ${token}`);
        lifecycle.state = 'departed';
        return { departed: member(self).address, locked: i === 1 ? [member(40)] : [] };
      },
    },
    };
  });
  return { ids, calls, departed, components: { rpc, log: createLogger('test', 'silent'), lockLeaseMs: 90 } };
}

const ofPath = (calls: string[], path: string) => calls.filter((c) => c.startsWith(path)).map((c) => Number(c.split(' ')[1]));

test('every step runs under one token; the planned locks are taken in ascending order, renewed while the steps run long, and released with the extra ones', async (t) => {
  const { ids, calls, departed, components } = setup(40);
  await departTogether(ids, components);
  const tokens = new Set(calls.map((c) => c.split(' ')[2]));
  t.is(tokens.size, 1, 'one token');
  t.deepEqual(departed.map((d) => d.split(' ')[1]), [...tokens, ...tokens, ...tokens]);
  const locks = ofPath(calls, '/rpc/lock');
  t.deepEqual(locks.slice(0, 6), [10, 11, 20, 21, 30, 31], 'the plan, ascending');
  t.true(locks.length > 6, 'renewed between steps');
  t.true(calls.filter((c) => c.startsWith('/rpc/lock')).every((c, i) => c.endsWith(' renew') === (i >= 6)), 'renewals, and only they, ask for a renewal');
  t.deepEqual(ofPath(calls, '/rpc/unlock').sort((a, b) => a - b), [10, 11, 20, 21, 30, 31, 40], 'each released once, the extra one too');
});

test('a short change takes each lock once; a failed step still releases everything', async (t) => {
  const quick = setup(0);
  await departTogether(quick.ids, quick.components);
  t.is(ofPath(quick.calls, '/rpc/lock').length, 6, 'no renewal within a third of the lease');

  const failing = setup(0, 1);
  await t.throwsAsync(departTogether(failing.ids, failing.components), { message: 'gone' });
  t.deepEqual(ofPath(failing.calls, '/rpc/unlock').sort((a, b) => a - b), [10, 11, 20, 21, 30, 31]);
});

test('a renewal refused because a lock lapsed abandons that attempt and releases its locks; the ids still in depart on the next', async (t) => {
  const { ids, calls, departed, components } = setup(40, undefined, 1);
  await departTogether(ids, components);
  t.deepEqual(departed.map((d) => Number(d.split(' ')[0])).sort((a, b) => a - b), [10, 20, 30], 'each id departed once');
  const [first, second] = [...new Set(calls.map((c) => c.split(' ')[2]))];
  t.truthy(second, 'the change was not tried again');
  const under = (path: string, token: string) => [...new Set(calls.filter((c) => c.startsWith(`${path} `) && c.split(' ')[2] === token)
    .map((c) => Number(c.split(' ')[1])))].sort((a, b) => a - b);
  t.true(under('/rpc/lock', first).length > 0);
  t.deepEqual(under('/rpc/unlock', first), under('/rpc/lock', first), 'the abandoned attempt released what it took');
});
