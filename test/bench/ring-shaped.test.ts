import test from 'ava';
import { startRingShaped } from '../../bench/lib/forward-chain.js';
import { lineOf } from '../../bench/lib/ring-shape.js';
import { waitFor } from '../helpers/cluster.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

interface Answer { key: string; value: string; node: string; hops: number }

async function send(address: string, method: 'PUT' | 'GET', key: string, value?: string): Promise<{ status: number; body: Answer }> {
  const response = await fetch(`http://${address}/kv/${encodeURIComponent(key)}`, {
    method, headers: { 'content-type': 'application/json' }, body: value === undefined ? undefined : JSON.stringify({ value }),
  });
  return { status: response.status, body: await response.json() as Answer };
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

// The servers learn each other's peer addresses in the order of their public ones, so a key's
// line over the public addresses names the servers that hold it.
for (const [wire, koa] of [['http', false], ['lines', false], ['frames', false], ['frames', true]] as const) {
  test(`ring-shaped ceiling over ${wire}${koa ? ' with Koa' : ''}: a write takes the ring's hops down its key's line, a read is answered by a holder`, async (t) => {
    const ring = await startRingShaped(5, 3, wire, koa);
    t.teardown(ring.stop);
    for (let i = 0; i < 10; i++) {
      const key = `key ${i}`;
      const line = lineOf(key, ring.addresses, 3);
      const entry = ring.addresses[i % ring.addresses.length];
      const { status, body } = await send(entry, 'PUT', key, `value ${i}`);
      t.is(status, 200);
      t.is(body.value, `value ${i}`);
      // To the first of the line unless it entered there, then down the two others.
      t.is(body.hops, entry === line[0] ? 2 : 3);
      // The holders answer themselves; the others forward once.
      const reads = await Promise.all(ring.addresses.map((address) => send(address, 'GET', key)));
      t.deepEqual(reads.map((read) => read.body.value), ring.addresses.map(() => `value ${i}`));
      t.deepEqual(reads.map((read) => read.body.hops), ring.addresses.map((address) => (line.includes(address) ? 0 : 1)));
    }
    // Absent, also when the answer comes from another server.
    const elsewhere = Array.from({ length: 50 }, (_, i) => `never ${i}`).find((key) => !lineOf(key, ring.addresses, 3).includes(ring.addresses[0]))!;
    t.is((await send(ring.addresses[0], 'GET', elsewhere)).status, 404);
    // Many writes at once from one entry share calls; each is answered as its own.
    const keys = Array.from({ length: 40 }, (_, i) => `burst ${i}`);
    const written = await Promise.all(keys.map((key) => send(ring.addresses[1], 'PUT', key, key)));
    t.deepEqual(written.map((answer) => [answer.status, answer.body.value]), keys.map((key) => [200, key]));
    const read = await Promise.all(keys.map((key) => send(ring.addresses[2], 'GET', key)));
    t.deepEqual(read.map((answer) => answer.body.value), keys);
  });
}

for (const wire of ['lines', 'frames'] as const) {
  test(`ring-shaped ceiling over ${wire}: a token-aware client that sends to lineOf's first server saves the entry forward`, async (t) => {
    const ring = await startRingShaped(5, 3, wire, true);
    t.teardown(ring.stop);
    for (let i = 0; i < 10; i++) {
      const first = lineOf(`key ${i}`, ring.addresses, 3)[0];
      t.is((await send(first, 'PUT', `key ${i}`, 'v')).body.hops, 2);
      t.is((await send(first, 'GET', `key ${i}`)).body.hops, 0);
    }
  });
}

test('ring-shaped ceiling: a bad body is refused, and a server whose peer is gone answers 502, not hangs', async (t) => {
  const ring = await startRingShaped(4, 3, 'lines');
  t.teardown(ring.stop);
  const bad = await fetch(`http://${ring.addresses[0]}/kv/x`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"value": ' });
  t.is(bad.status, 400);
  t.is(((await bad.json()) as { error: { code: string } }).error.code, 'BAD_JSON');
  // The second server stops: a write the first must send it is answered with an error.
  process.kill(ring.pids[1], 'SIGTERM');
  await waitFor(() => !alive(ring.pids[1]));
  const key = Array.from({ length: 50 }, (_, i) => `k ${i}`).find((k) => lineOf(k, ring.addresses, 3)[0] === ring.addresses[1])!;
  t.is((await send(ring.addresses[0], 'PUT', key, 'v')).status, 502);
});
