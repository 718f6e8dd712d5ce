import test from 'ava';
import { startRingShaped } from '../../bench/lib/forward-chain.js';

interface Answer { key: string; value: string; node: string; hops: number }

async function send(address: string, method: 'PUT' | 'GET', key: string, value?: string): Promise<{ status: number; body: Answer }> {
  const response = await fetch(`http://${address}/kv/${encodeURIComponent(key)}`, {
    method, headers: { 'content-type': 'application/json' }, body: value === undefined ? undefined : JSON.stringify({ value }),
  });
  return { status: response.status, body: await response.json() as Answer };
}

for (const [wire, koa] of [['http', false], ['lines', false], ['frames', false], ['frames', true]] as const) {
  test(`ring-shaped ceiling over ${wire}${koa ? ' with Koa' : ''}: a write takes the ring's hops down its key's line, a read is answered by a holder`, async (t) => {
    const ring = await startRingShaped(4, 3, wire, koa);
    t.teardown(ring.stop);
    for (const [i, entry] of ring.addresses.entries()) {
      const { status, body } = await send(entry, 'PUT', `key ${i}`, `value ${i}`);
      t.is(status, 200);
      t.is(body.value, `value ${i}`);
      // To the first of the line (unless it entered there), then down the two others.
      t.true(body.hops === 2 || body.hops === 3, `hops ${body.hops}`);
      // Three of the four hold the key and answer themselves; the fourth forwards once.
      const reads = await Promise.all(ring.addresses.map((address) => send(address, 'GET', `key ${i}`)));
      t.deepEqual(reads.map((read) => read.body.value), ring.addresses.map(() => `value ${i}`));
      t.deepEqual(reads.map((read) => read.body.hops).sort(), [0, 0, 0, 1]);
    }
    t.is((await send(ring.addresses[0], 'GET', 'never written')).status, 404);
  });
}
