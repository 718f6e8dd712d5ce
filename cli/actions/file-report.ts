/**
 * What file runs print and return: one answer per request (prose or a JSON line), the
 * malformed lines, the summary, and a progress bar on a terminal.
 */
import cliProgress from 'cli-progress';
import type { FileType, LineProblem } from '../file-format.js';
import type { Printer } from '../output.js';
import { latencySummary, round, throughput, type LatencySummary } from '../stats.js';

/**
 * The outcome of one request; `via` is the node it was sent to, `node` the one that answered.
 * A quorum ring answers a query for a key written concurrently with `siblings` instead of one value.
 */
export type Answer = { line: number; op: 'insert' | 'query'; key: string }
  & ({ ok: true; value: string; siblings?: string[]; node: string; hops: number } | { ok: false; error: string; message: string })
  & { via: string; latencyMs: number };

/** What a run did. `errors` leaves out queries for missing keys: those are counted in `notFound`. */
export interface RunSummary {
  mode: 'file' | 'fileparallel';
  type: FileType;
  file: string;
  nodes: number;
  workers: number;
  requests: number;
  inserts: number;
  queries: number;
  errors: number;
  notFound: number;
  malformed: number;
  seconds: number;
  /** Requests per second. */
  throughput: number;
  latencyMs: LatencySummary;
  /** How often each error code occurred (KEY_NOT_FOUND excluded). */
  errorCodes: Record<string, number>;
}

export type RunShape = Pick<RunSummary, 'mode' | 'type' | 'file' | 'nodes' | 'workers' | 'malformed'>;

/** Counts answers as they arrive and turns them into a summary. */
export class Tally {
  private inserts = 0;
  private queries = 0;
  private errors = 0;
  private notFound = 0;
  private readonly errorCodes: Record<string, number> = {};
  private readonly latencies: number[] = [];

  add(answer: Answer): void {
    if (answer.op === 'insert') this.inserts++;
    else this.queries++;
    this.latencies.push(answer.latencyMs);
    if (answer.ok) return;
    if (isNotFound(answer)) {
      this.notFound++;
    } else {
      this.errors++;
      this.errorCodes[answer.error] = (this.errorCodes[answer.error] ?? 0) + 1;
    }
  }

  summary(shape: RunShape, seconds: number): RunSummary {
    const requests = this.latencies.length;
    return {
      ...shape,
      requests, inserts: this.inserts, queries: this.queries,
      errors: this.errors, notFound: this.notFound,
      seconds: round(seconds, 3), throughput: throughput(requests, seconds),
      latencyMs: latencySummary(this.latencies),
      errorCodes: { ...this.errorCodes },
    };
  }
}

/** A query for a key that is not stored is an answer, not a failure of the run. */
export function isNotFound(answer: Answer): boolean {
  return !answer.ok && answer.op === 'query' && answer.error === 'KEY_NOT_FOUND';
}

const q = (s: string) => JSON.stringify(s);
const hops = (n: number) => `${n} hop${n === 1 ? '' : 's'}`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One answer as prose: what happened, where, and how long it took. */
export function formatAnswer(a: Answer): string {
  const prefix = `line ${String(a.line).padStart(4)}  `;
  const ms = `${a.latencyMs.toFixed(1)} ms`;
  if (a.ok && a.op === 'insert') return `${prefix}inserted ${q(a.key)} = ${q(a.value)} at ${a.node} (${hops(a.hops)}, ${ms})`;
  if (a.ok && a.siblings) return `${prefix}${q(a.key)} = siblings ${a.siblings.map(q).join(', ')}  (from ${a.node}, ${hops(a.hops)}, ${ms})`;
  if (a.ok) return `${prefix}${q(a.key)} = ${q(a.value)}  (from ${a.node}, ${hops(a.hops)}, ${ms})`;
  if (isNotFound(a)) return `${prefix}${q(a.key)}: not found  (asked ${a.via}, ${ms})`;
  return `${prefix}${a.op} ${q(a.key)} failed: ${a.message} (${a.error}; asked ${a.via}, ${ms})`;
}

/** Prints one answer: a JSON line with --json, else prose. */
export function printAnswer(printer: Printer, answer: Answer): void {
  printer.out(printer.json ? JSON.stringify(answer) : formatAnswer(answer));
}

/** Reports skipped lines on stderr, one per line, before the run starts. */
export function printProblems(printer: Printer, file: string, problems: readonly LineProblem[]): void {
  for (const p of problems) {
    if (printer.json) printer.err(JSON.stringify({ malformed: { file, line: p.line, text: p.text, reason: p.reason } }));
    else printer.err(`${file}:${p.line}: skipped malformed line: ${p.reason}  (${q(p.text.trim())})`);
  }
}

/** The summary as prose: size and speed, latency, then what went wrong. */
export function formatSummary(s: RunSummary): string {
  const who = s.mode === 'fileparallel' ? `${plural(s.workers, 'worker')} on ${plural(s.nodes, 'node')}` : `${plural(s.nodes, 'node')}, one request at a time`;
  const codes = Object.entries(s.errorCodes).map(([code, n]) => `${code} ×${n}`).join(', ');
  return [
    `${s.mode} ${s.file} (${s.type}): ${plural(s.requests, 'request')} (${s.inserts} inserts, ${s.queries} queries) by ${who}`,
    `  ${s.seconds.toFixed(3)} s, ${s.throughput} requests/s`,
    `  latency p50 ${s.latencyMs.p50} ms, p90 ${s.latencyMs.p90} ms, p99 ${s.latencyMs.p99} ms, max ${s.latencyMs.max} ms`,
    `  ${plural(s.errors, 'error')}${codes ? ` (${codes})` : ''}, ${plural(s.notFound, 'key')} not found, ${plural(s.malformed, 'malformed line')} skipped`,
  ].join('\n');
}

/** Prints the summary: one JSON line with --json, else prose. */
export function printSummary(printer: Printer, summary: RunSummary): void {
  printer.out(printer.json ? JSON.stringify(summary) : formatSummary(summary));
}

/** Progress of a run; a no-op unless asked for. */
export interface Progress {
  tick(): void;
  stop(): void;
}

/** Runs shorter than this finish before a bar would be worth drawing. */
export const PROGRESS_MIN_REQUESTS = 200;

/** A progress bar on stderr when `enabled` and the run is long; the caller decides about terminals. */
export function startProgress(total: number, enabled: boolean): Progress {
  if (!enabled || total <= PROGRESS_MIN_REQUESTS) return { tick: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    format: 'requests [{bar}] {value}/{total} {percentage}% | {eta}s left',
    clearOnComplete: true,
    hideCursor: true,
  }, cliProgress.Presets.shades_classic);
  bar.start(total, 0);
  return { tick: () => bar.increment(), stop: () => bar.stop() };
}
