/**
 * --direct commands run in one process (a REPL session) share the ring map the first one
 * learned, until an answer shows it stale: a line costs its one request, not three.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { insert, query } from '../../cli/actions/client.js';
import type { Printer } from '../../cli/output.js';
import { hashId, idToHex } from '../../common/ring.js';

/**
 * A one-node ring whose key operations answer with `hops()` forwards, or (when `hops()` is
 * null) never answer, as a hung node; counts every request by method and path.
 */
async function fakeNode(t: { teardown: (fn: () => unknown) => void }, hops: () => number | null) {
  const received: string[] = [];
  const server = http.createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    const send = (body: unknown) => res.setHeader('content-type', 'application/json').end(JSON.stringify(body));
    if (req.url === '/overlay') return send({ nodes: [{ id: idToHex(hashId(address)), address }] });
    if (req.url === '/status') return send({ consistency: 'linearizable', k: 1 });
    const forwards = hops();
    req.resume().on('end', () => forwards !== null && send({ key: 'k', value: 'v', version: 1, node: address, hops: forwards }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.teardown(() => { server.closeAllConnections(); server.close(); });
  return { address, overlays: () => received.filter((r) => r === 'GET /overlay').length, received };
}

const printer = (): Printer => ({ json: true, out: () => {}, err: () => {} });

test('--direct commands in one process learn the ring once, not once per command', async (t) => {
  const node = await fakeNode(t, () => 0);
  const flags = { node: node.address, json: true, timeout: 2000, direct: true };
  for (let i = 0; i < 3; i++) t.is(await insert(flags, printer(), `k${i}`, 'v'), 0);
  t.is(await query(flags, printer(), 'k0'), 0);
  t.is(node.overlays(), 1, node.received.join('\n'));
  t.is(node.received.length, 2 + 4, 'one overlay, one status, and the four operations');
});

test('--direct: an answer that took a forward drops the shared map, so the next command learns the ring again', async (t) => {
  let answers = 0;
  const node = await fakeNode(t, () => (++answers === 2 ? 1 : 0));
  const flags = { node: node.address, json: true, timeout: 2000, direct: true };
  for (let i = 0; i < 2; i++) t.is(await insert(flags, printer(), `k${i}`, 'v'), 0);
  t.is(node.overlays(), 1);
  t.is(await insert(flags, printer(), 'k2', 'v'), 0);
  t.is(node.overlays(), 2, node.received.join('\n'));
});

test('--direct: a write that timed out is not sent again, but drops the shared map, so the next command learns the ring again', async (t) => {
  let answers = 0;
  const node = await fakeNode(t, () => (++answers === 2 ? null : 0));
  const flags = { node: node.address, json: true, timeout: 300, direct: true };
  t.is(await insert(flags, printer(), 'k0', 'v'), 0);
  t.not(await insert(flags, printer(), 'k1', 'v'), 0, 'the hung write did not fail');
  t.is(node.received.filter((r) => r.startsWith('PUT ')).length, 2, 'the hung write was sent again');
  t.is(await insert(flags, printer(), 'k2', 'v'), 0);
  t.is(node.overlays(), 2, node.received.join('\n'));
});
