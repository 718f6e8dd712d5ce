/** docs/experiments.md and its charts, from the numbers one `npm run experiments` measured. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Consistency } from '../../common/wire.js';
import { explain } from './explain.js';
import { machineLines, wasLoaded, type MachineFacts } from './machine.js';
import { PBS_HEADING } from './pbs-report.js';
import type { Verdict } from './staleness.js';
import { barChartSvg, type BarChart } from './svg-chart.js';
import { markdownTable } from './table.js';
import { errorNotes, type Measured, type Row } from './workload.js';

/** Experiments 1 and 2 on one ring. */
export interface SetupRound {
  k: number;
  mode: Consistency;
  insertSeq: Row;
  insertPar: Row;
  querySeq: Row;
  queryPar: Row;
  /** Mean forwards of a found read, from one sequential pass. */
  readHops: number;
}

/** Every round of one setup, combined. */
export interface SetupResult {
  k: number;
  mode: Consistency;
  insertSeq: Measured;
  insertPar: Measured;
  querySeq: Measured;
  queryPar: Measured;
  readHops: number;
}

export interface StaleResult {
  mode: Consistency;
  /** How the requests were sent (see experiments.ts VARIANTS). */
  variant: string;
  clients: number;
  seconds: number;
  verdict: Verdict;
}

export interface ExperimentResults {
  quick: boolean;
  facts: MachineFacts;
  nodes: number;
  concurrency: number;
  times: number;
  lines: number;
  warmupLines: number;
  /** Fresh rings per setup; each measurement reports the median round. */
  rounds: number;
  /** How many lines of requests.txt experiment 3 ran (Infinity: all). */
  requestLines: number;
  loadBefore: string;
  loadAfter: string;
  minutes: number;
  setups: SetupResult[];
  stale: StaleResult[];
}

const MODES: Consistency[] = ['linearizable', 'eventual'];

/** The median throughput, with the spread over the rounds when there was more than one. */
const spread = (m: Measured) => (m.runs > 1 ? `${m.throughput} (${m.min}–${m.max})` : String(m.throughput));

function throughputTable(r: ExperimentResults, seq: 'insertSeq' | 'querySeq', par: 'insertPar' | 'queryPar', reads: boolean): string {
  const clients = r.nodes * r.concurrency;
  const range = r.rounds > 1 ? ' (min–max)' : '';
  const header = ['k', 'consistency', `1 client: req/s${range}`, '1 client: p50 ms', `${clients} clients: req/s${range}`, 'p50 ms', 'p99 ms', 'errors'];
  if (reads) header.push('not found', 'mean hops (found)');
  const rows = r.setups.map((s) => {
    const row: (string | number)[] = [s.k, s.mode, spread(s[seq]), s[seq].p50, spread(s[par]), s[par].p50, s[par].p99, s[seq].errors + s[par].errors];
    if (reads) row.push(`${s[seq].notFound + s[par].notFound} of ${s[seq].allRequests + s[par].allRequests}`, s.readHops);
    return row;
  });
  const numeric = header.map((h) => h !== 'consistency');
  return markdownTable(header, rows, numeric);
}

function throughputChart(r: ExperimentResults, key: keyof Pick<SetupResult, 'insertSeq' | 'insertPar' | 'querySeq' | 'queryPar'>, title: string): BarChart {
  const ks = [...new Set(r.setups.map((s) => s.k))];
  return {
    title, xLabel: 'replication factor k', yLabel: 'throughput (requests/s)',
    groups: ks.map((k) => `k = ${k}`),
    series: MODES.map((mode) => ({ name: mode, values: ks.map((k) => r.setups.find((s) => s.k === k && s.mode === mode)?.[key].throughput ?? NaN) })),
  };
}

function staleTable(r: ExperimentResults): string {
  return markdownTable(
    ['requests sent', 'consistency', 'requests', 'queries answered', 'errors', 'differ from file-order Map', 'stale', 'never-written value', 'req/s'],
    r.stale.map((s) => [s.variant, s.mode, s.verdict.requests, s.verdict.queries, s.verdict.errors, s.verdict.differsFromMap,
      s.verdict.stale, s.verdict.invented, Math.round((s.verdict.requests / s.seconds) * 10) / 10]),
  );
}

function staleChart(r: ExperimentResults): BarChart {
  const variants = [...new Set(r.stale.map((s) => s.variant))];
  return {
    title: 'Experiment 3: stale answers, requests.txt on k = 3', xLabel: 'how the requests were sent', yLabel: 'stale query answers',
    groups: variants, integer: true,
    series: MODES.map((mode) => ({ name: mode, values: variants.map((v) => r.stale.find((s) => s.mode === mode && s.variant === v)?.verdict.stale ?? NaN) })),
  };
}

const quote = (v: string | null) => (v === null ? 'not found' : `"${v}"`);

function staleExamples(r: ExperimentResults): string[] {
  const out: string[] = [];
  for (const s of r.stale) {
    if (s.verdict.examples.length === 0) continue;
    out.push(`${s.mode}, ${s.variant} (first ${s.verdict.examples.length} of ${s.verdict.stale}):`, '');
    for (const e of s.verdict.examples) {
      out.push(`- line ${e.line}, key "${e.key}": asked ${e.via}, ${e.node ? `answered by ${e.node}` : 'answered'} ${quote(e.got)}; latest acknowledged value ${quote(e.expected)}`);
    }
    out.push('');
  }
  if (out.length === 0) out.push('No stale answer was observed in any run, so there are no examples.', '');
  const codes = r.stale.filter((s) => s.verdict.errors > 0)
    .map((s) => `- ${s.mode}, ${s.variant}: ${Object.entries(s.verdict.errorCodes).map(([c, n]) => `${c} ×${n}`).join(', ')}`);
  if (codes.length > 0) out.push('Errors by code:', '', ...codes, '');
  return out;
}

export async function writeReport(outDir: string, r: ExperimentResults): Promise<string> {
  const charts: Record<string, BarChart> = {
    'write-throughput': throughputChart(r, 'insertPar', `Experiment 1: insert.txt, ${r.nodes * r.concurrency} concurrent clients`),
    'write-throughput-sequential': throughputChart(r, 'insertSeq', 'Experiment 1: insert.txt, 1 client (one request at a time)'),
    'read-throughput': throughputChart(r, 'queryPar', `Experiment 2: query.txt, ${r.nodes * r.concurrency} concurrent clients`),
    'read-throughput-sequential': throughputChart(r, 'querySeq', 'Experiment 2: query.txt, 1 client (one request at a time)'),
    'stale-reads': staleChart(r),
  };
  await mkdir(join(outDir, 'charts'), { recursive: true });
  for (const [name, chart] of Object.entries(charts)) await writeFile(join(outDir, 'charts', `${name}.svg`), barChartSvg(chart));
  const image = (name: string) => `![${charts[name].title}](charts/${name}.svg)`;
  const clients = r.nodes * r.concurrency;
  const many = Math.max(...r.stale.map((s) => s.clients));
  const lines = Number.isFinite(r.lines) ? `the first ${r.lines} lines of the file` : 'the lines of the file';
  const file = Number.isFinite(r.lines) ? `the first ${r.lines} lines of the file` : 'the file';
  const loaded = wasLoaded(r.loadBefore, r.facts.cores) || wasLoaded(r.loadAfter, r.facts.cores);
  const allRows = r.setups.flatMap((s) => [s.insertSeq, s.insertPar, s.querySeq, s.queryPar].map((row) => ({ ...row, setup: `${s.k}, ${s.mode}, ${row === s.insertSeq || row === s.insertPar ? 'insert' : 'query'}` })));
  const doc = [
    '# Experiments',
    '',
    `Written by \`npm run experiments\` (bench/experiments.ts) on ${r.facts.date.slice(0, 10)}; every number on this page was measured in that run and written here by the script. Rerun it to measure your own machine.`,
    ...(r.quick ? ['', '**Quick smoke run (`--quick`): few requests, the numbers are not representative.**'] : []),
    '',
    '## Setup',
    '',
    ...machineLines(r.facts),
    `- ring: ${r.nodes} node processes of the compiled \`bin/chordkv.js\` on 127.0.0.1 (free ports, log level warn), all on this machine; a fresh ring for every setup`,
    `- load average (1, 5, 15 min): ${r.loadBefore} before the run, ${r.loadAfter} after it; the run took ${r.minutes} min`,
    ...(loaded ? [`- **the machine was busy with other work during the run** (load above half the ${r.facts.cores} cores before or after it), so the absolute numbers are lower and noisier than on an idle machine: compare the rows with each other rather than with other machines.`] : []),
    '',
    `Each setup gets a fresh ring, which first runs a discarded warm-up (${r.warmupLines} lines of each file, ${clients} clients). "1 client" is \`chordkv file\` (runFile): ${lines} one after another, each sent to a random node, as the assignment asks. "${clients} clients" is \`chordkv fileparallel\` (runFileParallel) with ${r.concurrency} workers bound to each node, over ${file} repeated ${r.times}× (${r.setups[0]?.insertPar.requests ?? 0} requests per run). Latency is measured per request at the client; p50/p99 are nearest-rank percentiles over all requests of a run.`,
    '',
    ...(r.rounds > 1 ? [`The whole sweep of setups ran ${r.rounds} times, round after round (so that a burst of outside load hits one round of every setup rather than every round of one), each time on fresh rings. A table shows the run with the median throughput (its latencies are from that same run) and, in brackets, the lowest and highest throughput of the ${r.rounds} rounds; errors and not-found answers are summed over all rounds.`, ''] : []),
    '## 1. Write throughput: insert.txt',
    '',
    throughputTable(r, 'insertSeq', 'insertPar', false),
    '',
    image('write-throughput'),
    '',
    image('write-throughput-sequential'),
    '',
    '## 2. Read throughput: query.txt',
    '',
    `On the ring of the same setup, after its inserts. query.txt also asks for keys that insert.txt never inserted: those answers are "not found" (a 404 answer, not an error). "mean hops" is the mean number of node-to-node forwards of the found answers in one extra sequential pass (the \`hops\` field of the answer).`,
    '',
    throughputTable(r, 'querySeq', 'queryPar', true),
    '',
    image('read-throughput'),
    '',
    image('read-throughput-sequential'),
    '',
    ...(errorNotes(allRows).length > 0 ? ['Errors by code in experiments 1 and 2:', '', ...errorNotes(allRows), ''] : []),
    '## 3. Fresh or stale answers: requests.txt, k = 3',
    '',
    `A fresh k = 3 ring per row, so that the store starts empty like the sequential store it is judged against. The requests of ${Number.isFinite(r.requestLines) ? `the first ${r.requestLines} lines of ` : ''}requests.txt go out through the KvClient, each to a random node, and every answer is recorded with its start and end time:`,
    '',
    `- **file order, 1 client**: one request after another, each sent when the previous answer arrived (the assignment's way).`,
    `- **file order, ${many} clients**: the same requests from ${many} clients that share one queue in file order, so neighbouring requests overlap and the background copies of eventual mode compete with other requests for the CPU.`,
    `- **insert then read at once, ${many} clients**: each insert line of requests.txt followed by a query of the same key to a random node, sent by the same client as soon as the insert is acknowledged: the moment when a copy is most likely to be missing.`,
    '',
    'What is counted:',
    '',
    '- **differ from file-order Map**: the answer is not what a single sequential store (a Map with the inserts applied in file order) holds at that line. With 1 client this is exactly staleness; with several clients a correct store may differ from it, because a query may overtake an insert sent just before it.',
    '- **stale**: the answer is older than a write that was acknowledged before the query was sent (or "not found" after such a write): not allowed by linearizability in any order the overlapping requests could have taken.',
    '- **never-written value**: a value no request wrote to that key; never allowed in any mode.',
    '',
    staleTable(r),
    '',
    image('stale-reads'),
    '',
    ...staleExamples(r),
    '## Why the numbers move this way',
    '',
    ...explain(r),
    '',
  ].join('\n');
  const path = join(outDir, 'experiments.md');
  await writeFile(path, doc + (await keptSections(path)));
  return path;
}

/**
 * Sections from quorum staleness (`npm run bench:pbs`) or `## Soak` on, whichever comes first,
 * are written by other runs (soak by hand, from runs of half an hour each); rewriting the
 * page for new experiment numbers must not drop them.
 */
async function keptSections(path: string): Promise<string> {
  const old = await readFile(path, 'utf8').catch(() => '');
  const starts = [`\n${PBS_HEADING}`, '\n## Soak'].map((heading) => old.indexOf(heading)).filter((at) => at >= 0);
  return starts.length === 0 ? '' : old.slice(Math.min(...starts));
}
