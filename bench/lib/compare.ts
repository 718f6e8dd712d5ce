/**
 * The comparison tables of `npm run bench` (pure: measured rows in, table rows out): each
 * ring row beside the etcd row that makes the same promise and the bare chain with as many
 * forwards on the request's path, and the scale rows side by side.
 */
import type { Consistency } from '../../common/wire.js';
import type { Measured } from './workload.js';
import type { BenchRow, IdleFacts } from './measure.js';
import { chainSetup, ETCD_SETUP } from './measure.js';
import type { Cell } from './table.js';

/** A ring row's yardsticks: the etcd operation with the same guarantee, and the chain's hop count. */
export interface Yardsticks {
  etcd: string;
  forwards: number;
}

/**
 * Which etcd row and how many chain forwards a ring operation is held against. The forwards
 * are those of the request's path when the entry node reaches the key's first node in one
 * forward (the common case on 10 nodes):
 * - linearizable insert: entry → head → middle → tail (3); etcd put
 * - linearizable query: entry → head → tail (2); etcd linearizable get
 * - eventual insert: entry → owner (1), the copies after the answer; etcd put
 * - eventual query: entry → a node with a copy (1 at most on that path); etcd serializable get
 * - quorum: entry → coordinator → the replicas, in parallel (2); etcd put, linearizable get
 * A token-aware client (`direct`) enters at the key's first node: one forward fewer, and at
 * least the chain's one.
 */
export function yardsticks(consistency: Consistency, op: 'insert' | 'query', direct = false): Yardsticks {
  const etcd = op === 'insert' ? ETCD_SETUP.put : consistency === 'eventual' ? ETCD_SETUP.serializable : ETCD_SETUP.linearizable;
  const forwards = op === 'insert' ? (consistency === 'linearizable' ? 3 : consistency === 'quorum' ? 2 : 1) : consistency === 'eventual' ? 1 : 2;
  return { etcd, forwards: Math.max(1, forwards - (direct ? 1 : 0)) };
}

const ratio = (a: number | undefined, b: number | undefined): Cell => (a && b ? `${(a / b).toFixed(2)}×` : '–');

export const COMPARISON_HEADER = ['ring row', 'req/s', 'etcd row', 'ring ÷ etcd', 'bare chain row', 'ring ÷ chain', 'server CPU µs/req', 'CPU ÷ chain CPU'];

/** One comparison line for a ring row; cells are '–' where the yardstick was not measured. */
export function comparisonRow(row: Measured & BenchRow, consistency: Consistency, rows: ReadonlyMap<string, Measured & BenchRow>): Cell[] {
  const op = row.setup.endsWith(': insert') ? 'insert' : 'query';
  const { etcd, forwards } = yardsticks(consistency, op, row.setup.includes(', --direct'));
  const etcdRow = rows.get(etcd);
  const chainRow = rows.get(chainSetup(op, forwards));
  return [
    row.setup, row.throughput,
    etcdRow ? etcd.replace(/^etcd, 3 members: /, '') : 'not measured', ratio(row.throughput, etcdRow?.throughput),
    chainRow ? `${forwards} forward${forwards === 1 ? '' : 's'}` : 'not measured', ratio(row.throughput, chainRow?.throughput),
    row.serverCpuUs ?? '–', ratio(row.serverCpuUs, chainRow?.serverCpuUs),
  ];
}

export const SCALE_HEADER = [
  'N', 'inserts/s (min–max)', 'insert p99 ms', 'messages/insert', 'server CPU µs/insert',
  'queries/s (min–max)', 'query p99 ms', 'messages/query', 'idle CPU, % of a core', 'idle calls/s', 'shape PUT/s',
];

/** One scale line: the ring of `nodes` nodes' insert and query rows, its idle facts, and the PUTs of its shape when measured. */
export function scaleRow(nodes: number, insert: Measured & BenchRow, query: Measured & BenchRow, idle: IdleFacts | undefined, shape?: BenchRow): Cell[] {
  return [
    nodes, `${insert.throughput} (${insert.min}–${insert.max})`, insert.p99, insert.messages ?? '–', insert.serverCpuUs ?? '–',
    `${query.throughput} (${query.min}–${query.max})`, query.p99, query.messages ?? '–',
    idle?.cpuPercent ?? '–', idle?.callsPerSecond ?? '–', shape?.throughput ?? '–',
  ];
}

/** The median of the idle facts of several rounds (each field on its own). */
export function medianIdle(all: readonly IdleFacts[]): IdleFacts | undefined {
  if (all.length === 0) return undefined;
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
  return { cpuPercent: median(all.map((i) => i.cpuPercent)), callsPerSecond: median(all.map((i) => i.callsPerSecond)) };
}

/** The throughput targets: a ring row, the etcd row it is held against, and the ratio asked for. */
export const TARGETS: readonly { ring: string; op: 'insert' | 'query'; etcd: string; ratio: number; direct?: boolean }[] = [
  { ring: 'linearizable insert', op: 'insert', etcd: ETCD_SETUP.put, ratio: 1.0 },
  { ring: 'linearizable query', op: 'query', etcd: ETCD_SETUP.linearizable, ratio: 1.5 },
  { ring: 'eventual query', op: 'query', etcd: ETCD_SETUP.serializable, ratio: 2.0 },
  { ring: 'linearizable insert, --direct', op: 'insert', etcd: ETCD_SETUP.put, ratio: 1.5, direct: true },
];

export const CEILING_HEADER = ['ring row', 'target', 'etcd row req/s', 'target req/s', 'ceiling', 'ceiling req/s', 'ceiling ÷ etcd', 'ceiling ÷ target'];

/** A ceiling of the table: its label, and the setup of its rows by operation. */
export interface Ceiling {
  label: string;
  setup: (op: 'insert' | 'query') => string;
  /**
   * How its clients chose a server, when that matters (requests forwarded): `spread` ceilings
   * are held against the targets of spread clients only, `direct` ones against the token-aware
   * client's only; without it, against every target.
   */
  clients?: 'spread' | 'direct';
}

/**
 * Each target beside the ceilings of the same operation (plain node:http servers answering
 * themselves, or ring-shaped): a ring row in as many processes cannot beat its ceiling, so
 * where a ceiling is below the target, no change to the ring's code reaches it on this
 * machine by that ceiling's means.
 */
export function ceilingRows(ceilings: readonly Ceiling[], rows: ReadonlyMap<string, Measured & BenchRow>): Cell[][] {
  const heldAgainst = (ceiling: Ceiling, direct: boolean) => ceiling.clients === undefined || (ceiling.clients === 'direct') === direct;
  return TARGETS.flatMap(({ ring, op, etcd, ratio: asked, direct }) => ceilings.filter((ceiling) => heldAgainst(ceiling, Boolean(direct))).map(({ label, setup }): Cell[] => {
    const etcdRow = rows.get(etcd);
    const ceiling = rows.get(setup(op));
    const target = etcdRow ? Math.round(etcdRow.throughput * asked) : undefined;
    return [ring, `${asked.toFixed(1)}× ${etcd.replace(/^etcd, 3 members: /, '')}`, etcdRow?.throughput ?? 'not measured', target ?? '–',
      label, ceiling?.throughput ?? 'not measured', ratio(ceiling?.throughput, etcdRow?.throughput), ratio(ceiling?.throughput, target)];
  }));
}
