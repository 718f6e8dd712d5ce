/**
 * `npm run bench`: the ring against two yardsticks on the same machine, in the same run,
 * driven by the same load generator (bench/lib/load.ts) with the same clients:
 *
 * - a 10-node ring, k=3, in each consistency mode (quorum with N = k = 3, R = W = 2);
 * - the bare node:http forward chain with as many forwards as each ring operation's path
 *   (what HTTP hops and JSON alone cost: the efficiency reference);
 * - a 3-member etcd cluster, when an etcd binary is installed (put, linearizable and
 *   serializable get through its JSON gateway);
 * - the linearizable ring at N = 5, 10, 20: throughput, messages per operation as the nodes
 *   count them, and what an idle ring's maintenance costs;
 * - the 10-node ring as 10 ring ids in 5 processes (what the process count costs on 2 cores);
 * - optionally the LevelDB store and --no-metrics, and last Merkle anti-entropy.
 *
 * Every setup runs on fresh processes in each of several rounds, interleaved (a burst of
 * outside load hits one round of every setup rather than every round of one); each row is the
 * round with the median throughput, with the lowest and highest beside it. Flags: see USAGE
 * in bench/lib/bench-options.ts (`npm run bench -- --help`).
 */
import type { RingFlags } from '../bootstrap/ring-args.js';
import { PARTS, parseBenchArgs, USAGE, type BenchPlan, type Part } from './lib/bench-options.js';
import { runMain } from './lib/cleanup.js';
import { type Ceiling, CEILING_HEADER, ceilingRows, COMPARISON_HEADER, comparisonRow, medianIdle, SCALE_HEADER, scaleRow } from './lib/compare.js';
import { ETCD_MISSING, findEtcd } from './lib/etcd.js';
import { loadAverage, machineFacts, machineLines, wasLoaded } from './lib/machine.js';
import {
  ceilingSetup, MAX_WARM_BATCHES, measureCeiling, measureChain, measureEtcd, measureRing, MIN_WARM_BATCHES, ringSetup, WARM_PER_ENDPOINT, workload, type BenchRow, type IdleFacts, type RingOptions, type RingShape, type Workload,
} from './lib/measure.js';
import { merkleRows, merkleTable } from './lib/merkle.js';
import { markdownTable } from './lib/table.js';
import { combine, errorNotes, type Measured } from './lib/workload.js';

const K = 3;
const NODES = 10;
const SCALE_NODES = [5, 10, 20];
const LINEARIZABLE: RingFlags = { k: K, consistency: 'linearizable' };
const MODES: RingFlags[] = [LINEARIZABLE, { k: K, consistency: 'eventual' }, { k: K, consistency: 'quorum', r: 2, w: 2 }];
/** `packed`: the same 10 ring ids in half as many processes. */
const PACKED_VNODES = 2;
/** `ceiling`: plain servers side by side, as many processes as the ring and as the packed ring. */
const CEILING_SERVERS = [NODES, NODES / PACKED_VNODES];
/** With `scale` too: the shape as the nodes speak (frames, Koa in front) at every ring size. */
const SCALE_SHAPE: RingShape = { k: K, wire: 'frames', koa: true };
/** `shaped`: plain servers placed on a ring of NODES with k copies, by what they speak between them. */
const SHAPES: readonly RingShape[] = [
  ...(['http', 'lines', 'frames'] as const).map((wire) => ({ k: K, wire })),
  { k: K, wire: 'frames', koa: true }, { k: K, wire: 'frames', koa: true, direct: true },
];

/** One ring setup of a round: which part asked for it. */
interface RingRun {
  flags: RingFlags;
  nodes: number;
  options?: RingOptions;
}

/** The ring setups of one round, in order; the linearizable 10-node ring serves both `modes` and `scale`. */
function ringRuns(parts: ReadonlySet<Part>): RingRun[] {
  const runs: RingRun[] = [];
  const scale = parts.has('scale');
  if (parts.has('modes')) runs.push(...MODES.map((flags) => ({ flags, nodes: NODES, options: { idle: scale && flags === LINEARIZABLE } })));
  if (parts.has('direct')) runs.push(...MODES.slice(0, 2).map((flags) => ({ flags, nodes: NODES, options: { direct: true } })));
  if (parts.has('packed')) runs.push(...MODES.slice(0, 2).map((flags) => ({ flags: { ...flags, vnodes: PACKED_VNODES }, nodes: NODES / PACKED_VNODES })));
  if (scale) runs.push(...SCALE_NODES.filter((n) => !(n === NODES && parts.has('modes'))).map((nodes) => ({ flags: LINEARIZABLE, nodes, options: { idle: true } })));
  if (parts.has('nometrics')) runs.push({ flags: LINEARIZABLE, nodes: NODES, options: { noMetrics: true } });
  if (parts.has('disk')) runs.push({ flags: LINEARIZABLE, nodes: NODES, options: { onDisk: true } });
  if (parts.has('fsync')) runs.push({ flags: LINEARIZABLE, nodes: NODES, options: { onDisk: true, fsync: true } });
  return runs;
}

async function main(): Promise<void> {
  let plan: BenchPlan;
  try {
    plan = parseBenchArgs(process.argv.slice(2), process.env.BENCH_QUICK === '1');
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 2;
    return;
  }
  if (plan.help) {
    console.log(USAGE);
    return;
  }
  const etcdBinary = plan.parts.has('etcd') ? findEtcd(process.env.ETCD_BIN, process.env.PATH) : undefined;
  if (plan.parts.has('etcd') && !etcdBinary) console.error(ETCD_MISSING);
  const facts = machineFacts();
  const loadBefore = loadAverage();
  const started = Date.now();
  const load = await workload(plan);
  console.error(`chordkv bench${plan.quick ? ' (quick)' : ''}: ${[...plan.parts].join(', ')}; ${plan.clients} clients, `
    + `${plan.requests} requests per run, ${plan.rounds} round${plan.rounds === 1 ? '' : 's'}`);

  const runs = new Map<string, BenchRow[]>();
  const keep = (rows: BenchRow[]) => rows.forEach((row) => runs.set(row.setup, [...(runs.get(row.setup) ?? []), row]));
  const idle = new Map<string, IdleFacts[]>();
  let etcdDataDir = '';
  for (let round = 1; round <= plan.rounds; round++) {
    const say = (what: string) => console.error(`  round ${round}/${plan.rounds}: ${what}…`);
    const ringsOf = ringRuns(plan.parts);
    // The yardsticks run between the mode rings and the scale rings, so that each sits amid ring runs.
    const [first, rest] = [ringsOf.slice(0, MODES.length), ringsOf.slice(MODES.length)];
    for (const run of first) await ring(run);
    if (plan.parts.has('ref')) {
      say('bare node:http chain');
      keep(await measureChain(plan, load));
    }
    if (plan.parts.has('ceiling')) {
      for (const servers of CEILING_SERVERS) {
        say(`${servers} plain node:http servers side by side`);
        keep(await measureCeiling(plan, load, servers));
      }
    }
    if (plan.parts.has('shaped')) {
      for (const shape of SHAPES) {
        say(`${NODES} plain servers on a ring, ${shape.wire} between them${shape.koa ? ', Koa in front' : ''}${shape.direct ? ', --direct' : ''}`);
        keep(await measureCeiling(plan, load, NODES, shape));
      }
      for (const nodes of plan.parts.has('scale') ? SCALE_NODES.filter((n) => n !== NODES) : []) {
        say(`${nodes} plain servers on a ring, frames between them, Koa in front`);
        keep(await measureCeiling(plan, load, nodes, SCALE_SHAPE));
      }
    }
    if (etcdBinary) {
      say('etcd, 3 members');
      const etcd = await measureEtcd(plan, load, etcdBinary);
      etcdDataDir = etcd.dataDir;
      keep(etcd.rows);
    }
    for (const run of rest) await ring(run);

    async function ring({ flags, nodes, options }: RingRun): Promise<void> {
      const name = ringSetup(flags, nodes, options);
      say(name);
      const measured = await measureRing(plan, load, flags, nodes, options);
      keep(measured.rows);
      if (measured.idle) idle.set(name, [...(idle.get(name) ?? []), measured.idle]);
    }
  }
  const rows = new Map([...runs].map(([setup, list]) => [setup, combine(list)]));
  const merkle = plan.parts.has('merkle') ? await merkleRows(plan.quick ? 20_000 : 100_000) : undefined;
  const loadAfter = loadAverage();
  print(plan, rows, idle, { loadBefore, loadAfter, minutes: (Date.now() - started) / 60_000, etcdBinary, etcdDataDir }, load);
  if (merkle) console.log(`\n### Merkle anti-entropy\n\n${merkleTable(merkle)}`);

  function print(
    plan: BenchPlan, rows: Map<string, Measured & BenchRow>, idle: Map<string, IdleFacts[]>,
    run: { loadBefore: string; loadAfter: string; minutes: number; etcdBinary?: string; etcdDataDir: string }, load: Workload,
  ): void {
    const many = plan.rounds > 1;
    console.log(`## chordkv benchmark${plan.quick ? ' (quick smoke run: not representative)' : ''}\n`);
    console.log(machineLines(facts).join('\n'));
    console.log(`- load average (1, 5, 15 min): ${run.loadBefore} before, ${run.loadAfter} after; the run took ${run.minutes.toFixed(1)} min`);
    if (wasLoaded(run.loadBefore, facts.cores) || wasLoaded(run.loadAfter, facts.cores)) {
      console.log('- **the machine was busy with other work**: compare rows of this run with each other, not with other runs');
    }
    console.log(`- parts: ${[...plan.parts].map((p) => `${p} (${PARTS[p]})`).join('; ')}`);
    if (plan.parts.has('etcd')) console.log(`- etcd: ${run.etcdBinary ? `${run.etcdBinary}, data in ${run.etcdDataDir.replace(/[^/]*$/, '')} (its WAL fsync'd)` : ETCD_MISSING}`);
    console.log('');
    const all = [...rows.values()];
    console.log(markdownTable(
      ['setup', 'req/s', ...(many ? ['min–max'] : []), 'p50 ms', 'p99 ms', 'server CPU µs/req', 'server cores', 'client CPU µs/req', 'messages/op',
        'server writes/req', 'server sleeps/req', 'errors', 'not found', 'warm-up'],
      all.map((r) => [r.setup, r.throughput, ...(many ? [`${r.min}–${r.max}`] : []), r.p50, r.p99, r.serverCpuUs ?? '–', r.serverCores ?? '–',
        r.clientCpuUs ?? '–', r.messages ?? '–', r.serverWrites ?? '–', r.serverSleeps ?? '–', r.errors, `${r.notFound} of ${r.allRequests}`, r.warmup ?? '–']),
    ));
    console.log([
      '',
      `${plan.clients} concurrent clients, spread evenly over each system's endpoints (${Math.round(plan.clients / NODES)} per node of a 10-node ring, ${Math.round(plan.clients / 3)} per etcd member,`,
      `${plan.parts.has('packed') ? `${Math.round(plan.clients / (NODES / PACKED_VNODES))} per process of the ring in ${NODES / PACKED_VNODES} processes, ` : ''}all ${plan.clients} at the chain's entry), each sending one request at a time; ${load.insert.length} requests per run`,
      '(fixtures/insert.txt and query.txt, repeated). warm-up: the discarded requests of each operation sent first, '
      + (plan.quick ? `one batch of ${plan.warmup} (a quick run).`
        : `in batches of at least ${plan.warmup} (${WARM_PER_ENDPOINT} per endpoint), at least ${MIN_WARM_BATCHES}, until a batch was no more than 10 % faster than the best before it (at most ${MAX_WARM_BATCHES}):`),
      ...(plan.quick ? [] : ['a fresh node runs unoptimised code until it has served a few thousand requests, and a ring node sees only its share of them.']),
      ...(many ? [`${plan.rounds} interleaved rounds on fresh processes: each row is the round with the median throughput (its latencies,`,
        'CPU and messages are from that round), min–max the lowest and highest; errors and not-found answers are summed over all rounds.'] : []),
      'server CPU: user + system time of the server processes (/proc/<pid>/stat) over the run ÷ requests; server cores: that time ÷ wall time.',
      'server writes/req: their write system calls to sockets and files (/proc/<pid>/io syscw: a message between processes is one, and several',
      'calls may share it) ÷ requests; server sleeps/req: the times their threads waited (voluntary context switches, each ended by a wake-up) ÷ requests.',
      'client CPU: the load generator\'s own CPU per request. messages/op: the client\'s request + node-to-node calls per request as the',
      'nodes count them (chordkv_rpc_calls_total), leaving out the paths an idle ring calls (maintenance). "not found": queries for keys query.txt has',
      'but insert.txt does not (answers, not errors).',
      ...errorNotes(all),
    ].join('\n'));
    const mixes = all.filter((r) => r.calls);
    if (mixes.length > 0) {
      console.log('\nNode-to-node calls per request by path (the biggest three; maintenance paths left out):\n');
      console.log(mixes.map((r) => `- ${r.setup}: ${r.calls}`).join('\n'));
    }

    const ringRows = all.filter((r) => r.setup.startsWith('ring '));
    const yardsticksRan = all.some((r) => !r.setup.startsWith('ring '));
    if (ringRows.length > 0 && yardsticksRan) {
      console.log('\n### Ring ÷ etcd and ÷ bare chain\n');
      const consistencyOf = (setup: string) => MODES.find((m) => setup.includes(`, ${m.consistency}`))?.consistency ?? 'linearizable';
      console.log(markdownTable(COMPARISON_HEADER, ringRows.map((r) => comparisonRow(r, consistencyOf(r.setup), rows))));
      console.log('\netcd row: insert ÷ put, linearizable query ÷ linearizable get, eventual query ÷ serializable get, quorum query ÷');
      console.log('linearizable get. Bare chain: as many forwards as the ring request\'s path (linearizable insert 3, query 2; eventual 1;');
      console.log('quorum 2); CPU ÷ chain CPU: server CPU per request of the ring row ÷ that of the same chain row.');
    }
    if (plan.parts.has('ceiling') || plan.parts.has('shaped')) {
      console.log('\n### The targets beside the ceiling\n');
      const ceilings: Ceiling[] = [
        ...(plan.parts.has('ceiling') ? CEILING_SERVERS.map((n) => ({ label: `${n} side by side`, setup: (op: 'insert' | 'query') => ceilingSetup(op, n) })) : []),
        ...(plan.parts.has('shaped') ? SHAPES.map((shape): Ceiling => ({
          label: `${NODES} ring-shaped, ${shape.wire}${shape.koa ? ' + Koa' : ''}${shape.direct ? ', --direct' : ''}`,
          setup: (op) => ceilingSetup(op, NODES, shape),
          clients: shape.direct ? 'direct' : 'spread',
        })) : []),
      ];
      console.log(markdownTable(CEILING_HEADER, ceilingRows(ceilings, rows)));
      console.log('\nside by side: plain node:http servers, each answering PUT/GET /kv/:key from its own memory (no forward, no framework, no');
      console.log('replication), the clients spread over them as over the ring\'s nodes. A ring in as many processes on these cores cannot do');
      console.log('more; where "ceiling ÷ target" is below 1.00×, the target is out of reach for it whatever its code does.');
      console.log('ring-shaped: the same servers placed on a ring with k copies, taking the ring\'s fewest hops and nothing else (a write to');
      console.log('its key\'s first server and down the other k - 1, a read answered where it enters when that server holds the key, else after');
      console.log('one forward), over node:http, JSON lines on one connection per peer, or the nodes\' frame transport; "+ Koa": the public');
      console.log('API served by a Koa app, as the nodes serve it; "--direct": each request sent to its key\'s first server, and held against');
      console.log('the --direct target only (the others, with spread clients, against the other targets). A ring of k copies in line that');
      console.log('speaks that way does no more.');
    }
    if (plan.parts.has('scale')) {
      console.log('\n### Ring size (linearizable, k=3)\n');
      console.log(markdownTable(SCALE_HEADER, SCALE_NODES.flatMap((n) => {
        const name = ringSetup(LINEARIZABLE, n);
        const [insert, query] = [rows.get(`${name}: insert`), rows.get(`${name}: query`)];
        const shape = rows.get(ceilingSetup('insert', n, SCALE_SHAPE));
        return insert && query ? [scaleRow(n, insert, query, medianIdle(idle.get(name) ?? []), shape)] : [];
      })));
      console.log('\nidle: all node processes together, over 3 s that start 2 s after the ring\'s last run (its code warmed up, its data held); median of rounds.');
      console.log('shape: the ring-shaped plain servers of as many processes (frames between them, Koa in front; part `shaped`): what a ring');
      console.log('of that size does before any logic of its own, so its own ratio between sizes is what the process count alone costs.');
    }
  }
}

await runMain(main);
