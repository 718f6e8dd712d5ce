import test from 'ava';
import { startRingShaped } from '../../bench/lib/forward-chain.js';
import { lineOf } from '../../bench/lib/ring-shape.js';

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

test('a key\'s line: k servers in ring order from its hash; all of them when k is larger', (t) => {
  const servers = ['a', 'b', 'c', 'd', 'e'];
  const firsts = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const line = lineOf(`key-${i}`, servers, 3);
    const at = servers.indexOf(line[0]);
    t.deepEqual(line, [0, 1, 2].map((step) => servers[(at + step) % servers.length]));
    t.deepEqual(lineOf(`key-${i}`, servers, 3), line, 'the same line every time');
    firsts.add(line[0]);
  }
  t.is(firsts.size, servers.length, 'keys spread over every server');
  t.deepEqual(lineOf('x', ['a', 'b'], 3).sort(), ['a', 'b']);
});

for (const wire of ['lines', 'frames'] as const) {
  test(`ring-shaped ceiling over ${wire}: a token-aware client that sends to lineOf's first server saves the entry forward`, async (t) => {
    const ring = await startRingShaped(5, 3, wire);
    t.teardown(ring.stop);
    for (let i = 0; i < 10; i++) {
      const first = lineOf(`key ${i}`, ring.addresses, 3)[0];
      t.is((await send(first, 'PUT', `key ${i}`, 'v')).body.hops, 2);
      t.is((await send(first, 'GET', `key ${i}`)).body.hops, 0);
    }
  });
}
