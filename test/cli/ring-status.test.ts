/**
 * `chordkv status --ring`: one row per member from one command, through the real executable
 * on a ring of four; the rows' arithmetic (shares, states, unreachable nodes) on made-up rings.
 */
import test from 'ava';
import { idToHex } from '../../common/ring.js';
import type { StatusAnswer } from '../../common/wire.js';
import { formatRing, ringRows, type RingRow } from '../../cli/ring-table.js';
import { TestCluster, waitFor } from '../helpers/cluster.js';
import { closedPort, ensureBuilt, runChordkv } from '../helpers/processes.js';

const K = 2;
const KEYS = 12;
let cluster: TestCluster;

test.before(async () => {
  ensureBuilt();
  cluster = await TestCluster.start(4, { k: K });
  for (let i = 0; i < KEYS; i++) await cluster.kv.put(cluster.addresses[0], `ring key ${i}`, `value ${i}`);
});
test.after.always(() => cluster?.teardown());

const lines = (text: string) => text.trim().split('\n').filter((line) => line.length > 0);
const sum = (rows: RingRow[], pick: (r: RingRow) => number) => rows.reduce((total, r) => total + pick(r), 0);

async function ringJson(node: string): Promise<RingRow[]> {
  const result = await runChordkv(['status', '--ring', '--json', '--node', node]);
  if (result.code !== 0) throw new Error(`status --ring exited ${result.code}: ${result.stderr}`);
  return (JSON.parse(result.stdout) as { nodes: RingRow[] }).nodes;
}

test('--json: a row per member, shares summing to the whole ring, k copies of every key', async (t) => {
  // Joins hand data on in the background; wait until every key sits on exactly k nodes.
  const rows = await waitFor(async () => {
    const got = await ringJson(cluster.addresses[1]);
    return sum(got, (r) => r.keys?.total ?? 0) === KEYS * K ? got : undefined;
  }, 15_000);
  t.truthy(rows, 'the copies held never added up to keys × k');
  t.deepEqual(rows!.map((r) => r.address).sort(), [...cluster.addresses].sort());
  t.is(rows![0].address, cluster.addresses[1], 'the walk starts at the node asked');
  t.true(rows!.every((r) => r.state === 'member' && /^[0-9a-f]{40}$/.test(r.id)));
  t.true(Math.abs(sum(rows!, (r) => r.share) - 1) < 1e-4, String(sum(rows!, (r) => r.share)));
  t.is(sum(rows!, (r) => r.keys!.primary), KEYS);
  t.is(sum(rows!, (r) => r.keys!.replica), KEYS * (K - 1));
});

test('prose: a header, a row per member with an 8-digit id prefix, and a summary line', async (t) => {
  const result = await runChordkv(['status', '--ring', '--node', cluster.addresses[0]]);
  t.is(result.code, 0, result.stderr);
  const out = lines(result.stdout);
  t.is(out.length, 1 + cluster.addresses.length + 1, result.stdout);
  t.regex(out[0], /^address\s+id\s+state\s+share\s+primary\s+replica\s+total$/);
  for (const address of cluster.addresses) t.true(out.some((line) => new RegExp(`^${address}\\s+[0-9a-f]{8}\\s+member\\s+\\d+\\.\\d%`).test(line)), address);
  t.regex(out.at(-1)!, /^4 nodes \(4 member\), k=2, linearizable; \d+ copies held, \d+ primary$/);
});

test('an unreachable --node is one error line and exit 1', async (t) => {
  const nowhere = `127.0.0.1:${await closedPort()}`;
  const result = await runChordkv(['status', '--ring', '--node', nowhere]);
  t.is(result.code, 1);
  t.is(result.stdout, '');
  t.is(lines(result.stderr).length, 1, result.stderr);
  t.true(result.stderr.includes(nowhere));
});

const member = (id: bigint, port: number) => ({ id: idToHex(id), address: `127.0.0.1:${port}` });
const status = (state: StatusAnswer['state'], primary: number, replica: number) =>
  ({ state, ready: state === 'ready', member: state !== 'joining', keys: { primary, replica, total: primary + replica } }) as StatusAnswer;

test('rows: each owns the arc from its predecessor; a node that did not answer is unreachable, not an error', (t) => {
  const quarter = 1n << 158n;
  const members = [member(0n, 1), member(quarter, 2), member(2n * quarter, 3)];
  const rows = ringRows(members, [status('ready', 3, 1), status('departing', 0, 2), new Error('timed out')]);
  t.deepEqual(rows.map((r) => r.share), [0.5, 0.25, 0.25]);
  t.deepEqual(rows.map((r) => r.state), ['member', 'departing', 'unreachable']);
  t.like(rows[2], { keys: null, error: 'timed out' });
  const table = lines(formatRing(rows, { k: 2, consistency: 'eventual' }));
  t.regex(table[3], /^127\.0\.0\.1:3\s+80000000\s+unreachable\s+25\.0%\s+-\s+-\s+-$/);
  t.is(table[4], '3 nodes (1 member, 1 departing, 1 unreachable), k=2, eventual; 6 copies held, 3 primary');
});

test('rows: a lone node owns the whole ring; a joining node says so', (t) => {
  t.like(ringRows([member(42n, 1)], [status('joining', 0, 0)])[0], { share: 1, state: 'joining' });
});
