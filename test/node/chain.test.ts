/** ChainReplication on stub components: what the head sends down the chain when a write is retried. */
import test from 'ava';
import { PeerTimeout } from '../../common/errors.js';
import { createLogger } from '../../common/log.js';
import { hashId } from '../../common/ring.js';
import type { KeyedItem, Member } from '../../common/wire.js';
import { ChainReplication } from '../../node/replication/chain.js';
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
    { self: member('head:1'), store: new MemoryStore(), rpc, versions: counterVersions, log: createLogger('test', 'silent'), now: Date.now, chain: () => [member('tail:1')] },
    { onReplicaFailed: () => undefined, onAcknowledged: () => undefined },
  );

  await t.throwsAsync(chain.write({ op: 'put', key: 'k', value: 'v', hops: 0, id: 'write-1' }));
  t.is((await tail.get('k'))?.value, 'v', 'the tail applied the first attempt');
  await chain.write({ op: 'delete', key: 'k', hops: 0, id: 'delete-1' });
  await chain.write({ op: 'put', key: 'k', value: 'v', hops: 0, id: 'write-1' }); // the entry's retry
  t.is((await tail.get('k'))?.value, null, 'the delete, acknowledged after the write took effect, still stands');
});
