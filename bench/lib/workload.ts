/**
 * Measured runs of request files, through the CLI's own runFile/runFileParallel so that the
 * benchmark measures what `chordkv file`/`fileparallel` users get.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFile, runFileParallel, type RunSummary } from '../../cli/actions/file-runs.js';
import type { FileType } from '../../cli/file-format.js';
import { track } from './cleanup.js';

/** One line of a result table. */
export interface Row {
  setup: string;
  requests: number;
  seconds: number;
  throughput: number;
  p50: number;
  p99: number;
  errors: number;
  notFound: number;
  errorCodes: Record<string, number>;
}

let scratch: Promise<string> | undefined;

/** One temporary directory per run, removed with everything else the run started. */
function scratchDir(): Promise<string> {
  return (scratch ??= mkdtemp(join(tmpdir(), 'chordkv-bench-')).then((dir) => {
    track(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }));
}

/**
 * A copy of `source` cut to its first `lines` lines and repeated `times` times. One file of
 * every repetition, rather than several runs, keeps the percentiles exact over all requests.
 */
export async function workloadFile(source: string, times: number, lines = Infinity): Promise<string> {
  const text = (await readFile(source, 'utf8')).split(/\r?\n/).filter((l) => l.trim() !== '').slice(0, lines);
  const path = join(await scratchDir(), `${times}x${text.length}-${source.split('/').pop()}`);
  await writeFile(path, Array.from({ length: times }, () => text.join('\n')).join('\n') + '\n');
  return path;
}

export function toRow(setup: string, s: RunSummary): Row {
  return {
    setup, requests: s.requests, seconds: s.seconds, throughput: s.throughput,
    p50: s.latencyMs.p50, p99: s.latencyMs.p99, errors: s.errors, notFound: s.notFound, errorCodes: s.errorCodes,
  };
}

export interface RunSpec {
  nodes: string[];
  path: string;
  type: FileType;
}

/** `fileparallel`: `concurrency` workers bound to each listed node. */
export async function parallel(setup: string, spec: RunSpec, concurrency: number): Promise<Row> {
  return toRow(setup, await runFileParallel({ ...spec, concurrency, quiet: true }));
}

/** `file`: one request at a time, each to a random node (the assignment's way). */
export async function sequential(setup: string, spec: RunSpec): Promise<Row> {
  return toRow(setup, await runFile({ ...spec, quiet: true }));
}

/** Several runs of one measurement: the run with the median throughput, with the spread of all. */
export interface Measured extends Row {
  runs: number;
  min: number;
  max: number;
  /** Requests, errors and not-found answers summed over every run. */
  allRequests: number;
}

/**
 * The median run stands for the measurement (its latencies belong to the same run as its
 * throughput); errors are summed over all runs, so that no failure hides in a discarded run.
 */
export function combine<R extends Row>(rows: readonly R[]): Measured & R {
  const sorted = [...rows].sort((a, b) => a.throughput - b.throughput);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  const errorCodes: Record<string, number> = {};
  for (const row of rows) for (const [code, n] of Object.entries(row.errorCodes)) errorCodes[code] = (errorCodes[code] ?? 0) + n;
  const sum = (pick: (row: Row) => number) => rows.reduce((n, row) => n + pick(row), 0);
  return {
    ...median, runs: rows.length, min: sorted[0].throughput, max: sorted[sorted.length - 1].throughput,
    allRequests: sum((r) => r.requests), errors: sum((r) => r.errors), notFound: sum((r) => r.notFound), errorCodes,
  };
}

/** Any codes behind the errors, so that a table's error count can be explained. */
export function errorNotes(rows: readonly Row[]): string[] {
  return rows.filter((r) => r.errors > 0)
    .map((r) => `- ${r.setup}: ${Object.entries(r.errorCodes).map(([code, n]) => `${code} ×${n}`).join(', ')}`);
}
