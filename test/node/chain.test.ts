/** ChainReplication on stub components: what the head sends down the chain when a write is retried. */
import test from 'ava';
import { PeerTimeout, PeerUnreachable, type ChordError } from '../../common/errors.js';
import { createLogger } from '../../common/log.js';
import { hashId } from '../../common/ring.js';
import type { KeyedItem, Member, ValueAnswer } from '../../common/wire.js';
import { ChainReplication } from '../../node/replication/chain.js';
import { ChangeFeed } from '../../node/replication/feed.js';
import { mergeItems } from '../../node/replication/head.js';
import { RpcClient } from '../../node/rpc/spec.js';
import { MemoryStore } from '../../node/storage/memory-store.js';
import { counterVersions } from '../../node/versions/counter.js';

const member = (address: string): Member => ({ id: hashId(address), address });

test('a write that reached the tail but whose acknowledgement was lost is retried with its first version, so it cannot land again over a later delete', async (t) => {
  const tail = new MemoryStore();
  let loseNextAnswer = true;
  const rpc = new RpcClient({
    call: async (_address, _method, _path, body) => {
      await mergeItems(tail, counterVersions, (body as { items: KeyedItem[] }).items);
      if (loseNextAnswer) {
        loseNextAnswer = false;
        throw new PeerTimeout('tail:1');
      }
      return { applied: 1 } as never;
    },
    close: () => undefined,
  });
  const chain = new ChainReplication(
    { self: member('head:1'), store: new MemoryStore(), rpc, versions: counterVersions, log: createLogger('test', 'silent'), now: Date.now, chain: () => [member('tail:1')] } as never,
    { onReplicaFailed: () => undefined, onAcknowledged: () => undefined },
  );

  await t.throwsAsync(chain.write({ op: 'put', key: 'k', value: 'v', hops: 0, id: 'write-1' }));
  t.is((await tail.get('k'))?.value, 'v', 'the tail applied the first attempt');
  await chain.write({ op: 'delete', key: 'k', hops: 0, id: 'delete-1' });
  await chain.write({ op: 'put', key: 'k', value: 'v', hops: 0, id: 'write-1' }); // the entry's retry
  t.is((await tail.get('k'))?.value, null, 'the delete, acknowledged after the write took effect, still stands');
});

/**
 * A head with a tail behind a stub RPC client: chain calls merge into the tail's store (held
 * while `gate` is set, failed while `failNext`), reads answer from it.
 */
function headAndTail() {
  const tail = new MemoryStore();
  const state = { lease: true, heads: true, failNext: false, gate: null as Promise<void> | null, tailReads: 0 };
  const feed = new ChangeFeed(counterVersions);
  const rpc = new RpcClient({
    call: async (_address, _method, path, body) => {
      if (path === '/rpc/read') {
        state.tailReads++;
        return { item: (await tail.get((body as { key: string }).key)) ?? null, node: 'tail:1', hops: 1 } as never;
      }
      if (state.failNext) {
        state.failNext = false;
        throw new PeerTimeout('tail:1');
      }
      await state.gate;
      await mergeItems(tail, counterVersions, (body as { items: KeyedItem[] }).items);
      return { applied: 1 } as never;
    },
    close: () => undefined,
  });
  const chain = new ChainReplication(
    {
      self: member('head:1'), store: new MemoryStore(), rpc, versions: counterVersions, log: createLogger('test', 'silent'), now: Date.now,
      chain: () => [member('tail:1')], readLease: () => state.lease,
      mayHead: async () => true, headsNow: () => state.heads,
    } as never,
    { onReplicaFailed: () => undefined, onAcknowledged: (item) => feed.append(item) },
  );
  return { chain, tail, state, feed };
}

test('a head whose lease ran out after the write began picks no version: the write fails, and neither the head nor the tail changes', async (t) => {
  const { chain, tail, state } = headAndTail();
  await chain.write({ op: 'put', key: 'k', value: 'first', hops: 0 });
  // The write passed the first check (mayHead), then waited; the lease ran out meanwhile.
  state.heads = false;
  const err = await t.throwsAsync<ChordError>(chain.write({ op: 'delete', key: 'k', hops: 0 }));
  t.is(err?.code, 'RING_CHANGING');
  t.is((await tail.get('k'))?.value, 'first');
  state.heads = true;
  t.like(await chain.read('k', 0), { value: 'first' });
});

test('the head answers a read of a clean key itself while it holds a read lease; without one the tail answers', async (t) => {
  const { chain, state } = headAndTail();
  await chain.write({ op: 'put', key: 'k', value: 'v', hops: 0 });
  t.like(await chain.read('k', 0), { value: 'v', node: 'head:1' });
  t.is(state.tailReads, 0);
  state.lease = false;
  t.like(await chain.read('k', 0), { value: 'v', node: 'tail:1' });
});

test('a key with a write on its way down the chain is read at the tail, which answers the acknowledged value, until the write is acknowledged', async (t) => {
  const { chain, state } = headAndTail();
  await chain.write({ op: 'put', key: 'k', value: 'old', hops: 0 });
  let open!: () => void;
  state.gate = new Promise((resolve) => { open = resolve; });
  const writing = chain.write({ op: 'put', key: 'k', value: 'new', hops: 0 });
  await new Promise((resolve) => setImmediate(resolve));
  t.like(await chain.read('k', 0), { value: 'old', node: 'tail:1' }, 'the head has applied "new"; it is not acknowledged yet');
  t.like(await chain.read('other', 0).catch((err: Error) => ({ code: (err as { code?: string }).code })), { code: 'KEY_NOT_FOUND' });
  open();
  await writing;
  t.like(await chain.read('k', 0), { value: 'new', node: 'head:1' });
});

test('a key whose write failed on its way down the chain is read at the tail until a later write of it is acknowledged', async (t) => {
  const { chain, state } = headAndTail();
  await chain.write({ op: 'put', key: 'k', value: 'v1', hops: 0 });
  state.failNext = true;
  await t.throwsAsync(chain.write({ op: 'put', key: 'k', value: 'v2', hops: 0 }));
  t.like(await chain.read('k', 0), { value: 'v1', node: 'tail:1' }, 'the tail never got v2; the head has it');
  await chain.write({ op: 'put', key: 'k', value: 'v3', hops: 0 });
  t.like(await chain.read('k', 0), { value: 'v3', node: 'head:1' });
});

/**
 * A middle node of a chain: batches arrive through its `/rpc/chain` handler and go on to a
 * stub next node (held while `gate` is set); `lease` and `owns` stand for its chain lease
 * and its own range.
 */
function middle() {
  const store = new MemoryStore();
  const state = { lease: true, owns: false, gate: null as Promise<void> | null };
  const rpc = new RpcClient({
    call: async () => {
      await state.gate;
      return { applied: 1 } as never;
    },
    close: () => undefined,
  });
  const chain = new ChainReplication(
    {
      self: member('middle:1'), store, rpc, versions: counterVersions, log: createLogger('test', 'silent'), now: Date.now,
      chain: () => [], chainLeaseCovers: () => state.lease, owns: () => state.owns,
    } as never,
    { onReplicaFailed: () => undefined, onAcknowledged: () => undefined },
  );
  const pass = chain.handlers.find((h) => h.spec.path === '/rpc/chain')!;
  const arrive = (item: KeyedItem) => pass.serve({ items: [item], rest: ['tail:1'] });
  return { chain, store, state, arrive };
}

test('a middle node answers a read from its copy once the version it holds went down the chain, and only under a chain lease', async (t) => {
  const { chain, state, arrive } = middle();
  t.is(await chain.readOnPath('k', 0), undefined, 'no copy');
  await arrive({ key: 'k', value: 'v1', version: 1 });
  t.like(await chain.readOnPath('k', 2), { value: 'v1', node: 'middle:1', hops: 2 });
  state.lease = false;
  t.is(await chain.readOnPath('k', 0), undefined, 'no chain lease');
  state.lease = true;
  state.owns = true;
  t.is(await chain.readOnPath('k', 0), undefined, 'its own key: the head path answers it');
});

test('a middle node does not answer from a version still on its way down the chain, nor from one that arrived outside it', async (t) => {
  const { chain, store, state, arrive } = middle();
  await arrive({ key: 'k', value: 'v1', version: 1 });
  let open!: () => void;
  state.gate = new Promise((resolve) => { open = resolve; });
  const passing = arrive({ key: 'k', value: 'v2', version: 2 });
  await new Promise((resolve) => setImmediate(resolve));
  t.is((await store.get('k'))?.value, 'v2', 'applied here');
  t.is(await chain.readOnPath('k', 0), undefined, 'v2 may not be at the tail yet, and v1 is no longer here');
  open();
  await passing;
  t.like(await chain.readOnPath('k', 0), { value: 'v2' });
  // A newer copy pushed here by replica placement or the Merkle exchange, not down the chain.
  await mergeItems(store, counterVersions, [{ key: 'k', value: 'v3', version: 3 }]);
  t.is(await chain.readOnPath('k', 0), undefined);
});

test('a member answers a pair pushed to it once a read it passed on came back with that very version, under a chain lease', async (t) => {
  const { chain, store, state } = middle();
  const answered = async (version: number, value: string) => {
    chain.readAnswered('k', hashId('k'), { key: 'k', value, version, node: 'head:1', hops: 1 });
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  // Pushed by replica placement, not down the chain: nothing says v2 is committed.
  await mergeItems(store, counterVersions, [{ key: 'k', value: 'v2', version: 2 }]);
  t.is(await chain.readOnPath('k', 0), undefined);
  await answered(1, 'v1'); // an answer older than its copy says nothing of v2
  t.is(await chain.readOnPath('k', 0), undefined);
  state.lease = false;
  await answered(2, 'v2'); // without a chain lease a later write might pass it by
  state.lease = true;
  t.is(await chain.readOnPath('k', 0), undefined);
  await answered(2, 'v2');
  t.like(await chain.readOnPath('k', 0), { value: 'v2', node: 'middle:1' });
  // A newer copy arrives outside the chain again: back to passing reads on.
  await mergeItems(store, counterVersions, [{ key: 'k', value: 'v3', version: 3 }]);
  t.is(await chain.readOnPath('k', 0), undefined);
  state.owns = true;
  await answered(3, 'v3'); // its own key: the head path judges it
  state.owns = false;
  t.is(await chain.readOnPath('k', 0), undefined);
});

test('a middle node leaves a pair with a time to live to the head, and an old version passed down again does not undo a later confirmation', async (t) => {
  const { chain, arrive } = middle();
  await arrive({ key: 'ttl', value: 'v', version: 1, expiresAt: Date.now() + 60_000 });
  t.is(await chain.readOnPath('ttl', 0), undefined, 'its expiry is judged by the head\'s clock');
  await arrive({ key: 'k', value: 'v2', version: 2 });
  await arrive({ key: 'k', value: 'v1', version: 1 }); // a retry of an older write: not applied here
  t.like(await chain.readOnPath('k', 0), { value: 'v2' });
});

/**
 * Three chain members and two plain tails on a stub network: `/rpc/chain` and `/rpc/read`
 * calls reach the addressed member's handlers or tail's store, and `down` nodes refuse calls.
 * Each member's chain is `chains.get(address)`; `fed` is each member's feed for watchers.
 */
function stubChain() {
  const tail = new MemoryStore();
  const otherTail = new MemoryStore();
  const tails = new Map([['tail:1', tail], ['tail:2', otherTail]]);
  const down = new Set<string>();
  const chains = new Map([['head:1', ['next:1', 'third:1', 'tail:1']], ['next:1', ['third:1', 'tail:1']], ['third:1', ['tail:1']]]);
  const fed = new Map<string, ChangeFeed>();
  const members = new Map<string, ChainReplication>();
  const stores = new Map<string, MemoryStore>();
  const rpc = new RpcClient({
    call: async (address, _method, path, body) => {
      if (down.has(address)) throw new PeerUnreachable(address);
      const store = tails.get(address);
      if (store) {
        if (path === '/rpc/read') return { item: (await store.get((body as { key: string }).key)) ?? null, node: address, hops: 1 } as never;
        return { applied: await mergeItems(store, counterVersions, (body as { items: KeyedItem[] }).items) } as never;
      }
      const handler = members.get(address)!.handlers.find((h) => h.spec.path === path)!;
      return handler.serve(body) as never;
    },
    close: () => undefined,
  });
  for (const address of chains.keys()) {
    fed.set(address, new ChangeFeed(counterVersions));
    stores.set(address, new MemoryStore());
    members.set(address, new ChainReplication(
      {
        self: member(address), store: stores.get(address)!, rpc, versions: counterVersions, log: createLogger('test', 'silent'), now: Date.now,
        chain: () => chains.get(address)!.map(member),
      } as never,
      { onReplicaFailed: () => undefined, onAcknowledged: (item) => fed.get(address)!.append(item) },
    ));
  }
  return { head: members.get('head:1')!, next: members.get('next:1')!, third: members.get('third:1')!, tail, otherTail, down, chains, fed, stores };
}

const retried = { op: 'put' as const, key: 'k', value: 'retried', hops: 0, id: 'write-1' };

test('a write the head got down the chain, retried at the next node after the head failed, is not applied again there: the retry answers its first version and later writes stand', async (t) => {
  const { head, next, tail, down } = stubChain();
  const first = await head.write(retried) as ValueAnswer;
  // The head fails before its answer reaches the entry node; the next node becomes the key's owner and acknowledges another write.
  down.add('head:1');
  await next.write({ op: 'put', key: 'k', value: 'later', hops: 0, id: 'write-2' });
  const retry = await next.write(retried) as ValueAnswer;
  t.deepEqual(retry.version, first.version, 'the retry learns the version its first attempt got');
  t.like(await next.read('k', 0), { value: 'later' }, 'the write acknowledged after the first attempt still stands');
  t.is((await tail.get('k'))?.value, 'later');
});

test('a retry at the next node whose push down its chain failed passes the pair itself on when tried again, not just its version', async (t) => {
  const { head, next, otherTail, down, chains } = stubChain();
  const first = await head.write(retried) as ValueAnswer;
  down.add('head:1');
  // The next node's chain now ends at a node that is not answering yet.
  chains.set('next:1', ['tail:2']);
  down.add('tail:2');
  await t.throwsAsync(next.write(retried));
  down.delete('tail:2');
  t.deepEqual((await next.write(retried) as ValueAnswer).version, first.version);
  t.like(await otherTail.get('k'), { value: 'retried', version: first.version }, 'the new tail got the value, not a bare version');
});

test('a write retried after two heads in a row failed still answers its first version, not the version of a write acknowledged in between', async (t) => {
  const { head, next, third, down } = stubChain();
  const first = await head.write(retried) as ValueAnswer;
  down.add('head:1');
  const later = await next.write({ op: 'put', key: 'k', value: 'later', hops: 0, id: 'write-2' }) as ValueAnswer;
  t.deepEqual((await next.write(retried) as ValueAnswer).version, first.version);
  // The next node fails too before its answer gets back; the entry tries the third.
  down.add('next:1');
  const again = await third.write(retried) as ValueAnswer;
  t.deepEqual(again.version, first.version);
  t.notDeepEqual(again.version, later.version);
  t.like(await third.read('k', 0), { value: 'later' });
});

test('watchers hear of a retried write as the put it was, and not at all once a later write replaced it', async (t) => {
  const { head, next, down, fed } = stubChain();
  await head.write(retried);
  await head.write({ ...retried, key: 'other', id: 'write-3' });
  down.add('head:1');
  await next.write({ op: 'put', key: 'k', value: 'later', hops: 0, id: 'write-2' });
  await next.write(retried);
  await next.write({ ...retried, key: 'other', id: 'write-3' });
  const values = (key: string) => fed.get('next:1')!.changes(key, () => true).map((item) => item.value);
  t.deepEqual([values('k'), values('other')], [['later'], ['retried']]);
});

test('a head whose retried write is older than a later write whose trip also failed still sends reads of the key to the tail', async (t) => {
  const { chain, state, feed } = headAndTail();
  state.failNext = true;
  await t.throwsAsync(chain.write({ op: 'put', key: 'k', value: 'a', hops: 0, id: 'write-a' }));
  state.failNext = true;
  await t.throwsAsync(chain.write({ op: 'put', key: 'k', value: 'b', hops: 0, id: 'write-b' }));
  await chain.write({ op: 'put', key: 'k', value: 'a', hops: 0, id: 'write-a' }); // a's retry: the tail now has a, not b
  t.like(await chain.read('k', 0), { value: 'a', node: 'tail:1' }, 'the head holds b, which the tail never got');
  t.deepEqual(feed.changes('k', () => true).map((item) => item.value), ['a'], 'watchers hear of a, the write acknowledged');
});

test('a retry at a node that remembers the write but no longer holds its pair puts the pair back, so its own reads see it', async (t) => {
  const { head, next, down, stores } = stubChain();
  await head.write(retried);
  down.add('head:1');
  await stores.get('next:1')!.remove('k'); // handed on and dropped in a change of ranges, say
  await next.write(retried);
  t.like(await stores.get('next:1')!.get('k'), { value: 'retried' });
});
