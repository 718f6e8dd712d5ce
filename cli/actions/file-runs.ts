/**
 * `chordkv file` and `chordkv fileparallel`: run the requests of a file against a ring,
 * one at a time on random nodes, or with concurrent workers bound to the nodes.
 * Plain functions: the yargs commands, the tests and the benchmarks all call these.
 */
import { processOf } from '../../common/vnodes.js';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { createKvClient, type KvClient } from '../../common/client.js';
import { DirectRouter, mapMayBeStale, safeToResend } from '../../common/direct.js';
import { asChordError, ChordError, PeerUnreachable } from '../../common/errors.js';
import { FILE_TYPES, isFileType, parseRequests, type FileType, type ParsedFile, type Request } from '../file-format.js';
import { printError, type Printer } from '../output.js';
import { round } from '../stats.js';
import { usage } from './client.js';
import {
  printAnswer, printProblems, printSummary, startProgress, Tally,
  type Answer, type RunShape, type RunSummary,
} from './file-report.js';

export type { Answer, RunSummary } from './file-report.js';

export interface FileRunOptions {
  /** The request file. */
  path: string;
  /** Its format (a FileType); anything but insert, query or mix is a usage error. */
  type: string;
  /** A ring member to learn the ring from (GET /overlay); ignored when `nodes` is given. */
  node?: string;
  /** The ring's nodes, when the caller already knows them (benchmarks). */
  nodes?: string[];
  /** Deadline of one request, in milliseconds (default 15000). */
  timeoutMs?: number;
  secret?: string;
  /** fileparallel: workers per node (default 1). */
  concurrency?: number;
  /** Print nothing at all; the summary is only returned. */
  quiet?: boolean;
  /** Draw a progress bar on stderr for long runs (the command decides whether stderr is a terminal). */
  progress?: boolean;
  /**
   * Token-aware: send each request to the node that answers it (the key's owner; in an
   * eventual ring a read to one of its replicas) instead of to a random or bound node.
   */
  direct?: boolean;
}

const DEFAULT_NODE = '127.0.0.1:5000';
/** A node that refuses this many connections in a row is taken for gone for the rest of the run. */
const GONE_AFTER_REFUSALS = 3;

/** Prints nothing; for quiet runs. */
const silent: Printer = { json: false, out: () => {}, err: () => {} };

/**
 * Sends the requests of the file one after another, each to a random node of the ring, and
 * prints every answer, then the summary. Returns the summary.
 * Throws ChordError: USAGE for a bad type, FILE_UNREADABLE, PEER_UNREACHABLE when the ring
 * cannot be learned, RING_UNREACHABLE when every node stopped answering during the run.
 */
export async function runFile(options: FileRunOptions, printer: Printer = silent): Promise<RunSummary> {
  const { type, kv, close, nodes, parsed, out, direct } = await prepare(options, printer);
  try {
    const ring = new RunRing(nodes);
    const tally = new Tally();
    const progress = startProgress(parsed.requests.length, !options.quiet && options.progress === true);
    const started = performance.now();
    try {
      for (const request of parsed.requests) {
        const answer = await execute(kv, ring, direct?.target(opOf(request), request.key) ?? ring.random(request), request, direct);
        tally.add(answer);
        printAnswer(out, answer);
        progress.tick();
      }
    } finally {
      progress.stop();
    }
    const shape: RunShape = { mode: 'file', type, file: options.path, nodes: nodes.length, workers: 1, malformed: parsed.problems.length };
    const summary = tally.summary(shape, (performance.now() - started) / 1000);
    printSummary(out, summary);
    return summary;
  } finally {
    close();
  }
}

/**
 * Runs the same requests with `concurrency` workers per node, each bound to its node, all
 * pulling from one queue; prints only the summary (and malformed lines) and returns it.
 * Throws like runFile; also USAGE when `concurrency` is not a whole number of at least 1.
 */
export async function runFileParallel(options: FileRunOptions, printer: Printer = silent): Promise<RunSummary> {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw usage(`--concurrency must be a whole number of at least 1, got ${concurrency}`);
  }
  const { type, kv, close, nodes, parsed, out, direct } = await prepare(options, printer);
  try {
    const ring = new RunRing(nodes);
    const tally = new Tally();
    const requests = parsed.requests;
    const progress = startProgress(requests.length, !options.quiet && options.progress === true);
    const workers = nodes.length * concurrency;
    let next = 0;
    const work = async (node: string) => {
      // Queue hand-out is synchronous, so no two workers ever take the same request.
      while (next < requests.length && ring.isLive(node)) {
        const request = requests[next++];
        tally.add(await execute(kv, ring, direct?.target(opOf(request), request.key) ?? node, request, direct));
        progress.tick();
      }
    };
    const started = performance.now();
    try {
      await Promise.all(Array.from({ length: workers }, (_, i) => work(nodes[i % nodes.length])));
    } finally {
      progress.stop();
    }
    if (next < requests.length) throw ringGone(nodes, next, requests.length);
    const shape: RunShape = { mode: 'fileparallel', type, file: options.path, nodes: nodes.length, workers, malformed: parsed.problems.length };
    const summary = tally.summary(shape, (performance.now() - started) / 1000);
    printSummary(out, summary);
    return summary;
  } finally {
    close();
  }
}

/** `chordkv file`: runFile, with its failure printed as one line; returns the exit code. */
export const fileCommand = (options: FileRunOptions, printer: Printer) => exitCode(options, printer, runFile);

/** `chordkv fileparallel`: runFileParallel, with its failure printed as one line; returns the exit code. */
export const fileParallelCommand = (options: FileRunOptions, printer: Printer) => exitCode(options, printer, runFileParallel);

async function exitCode(options: FileRunOptions, printer: Printer, run: typeof runFile): Promise<number> {
  try {
    await run(options, printer);
    return 0;
  } catch (err) {
    return printError(printer, err, options.nodes ? undefined : options.node ?? DEFAULT_NODE);
  }
}

/** Everything a run needs before its first request: a valid type, the parsed file, the ring, a client. */
async function prepare(options: FileRunOptions, printer: Printer) {
  if (!isFileType(options.type)) {
    throw usage(`--type must be one of ${FILE_TYPES.join(', ')}, got ${JSON.stringify(options.type)}`);
  }
  const type = options.type;
  const out = options.quiet ? silent : printer;
  const parsed = await loadRequests(options.path, type);
  printProblems(out, options.path, parsed.problems);
  const { kv, close } = createKvClient({ timeoutMs: options.timeoutMs ?? 15_000, secret: options.secret });
  try {
    // Requests go to processes; a process holding several ring ids is listed once.
    const nodes = options.nodes ?? [...new Set((await kv.overlay(options.node ?? DEFAULT_NODE)).nodes.map((n) => processOf(n.address)))];
    if (nodes.length === 0) throw new ChordError('NO_NODES', 'the ring has no nodes to send requests to; pass at least one node');
    const direct = options.direct ? new DirectRouter(kv, nodes) : undefined;
    await direct?.learn();
    // A relearn the last answers asked for must not outlive the client it would use.
    return { type, kv, close: () => { direct?.stop(); close(); }, nodes, parsed, out, direct };
  } catch (err) {
    close();
    throw err;
  }
}

/** Reads and parses the file; throws FILE_UNREADABLE with the reason a person can act on. */
export async function loadRequests(path: string, type: FileType): Promise<ParsedFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file; check the path'
      : code === 'EISDIR' ? 'it is a directory, not a file'
        : code === 'EACCES' ? 'permission denied'
          : (err as Error).message;
    throw new ChordError('FILE_UNREADABLE', `cannot read the request file ${path}: ${reason}`, { cause: err });
  }
  return parseRequests(text, type);
}

const opOf = (request: Request) => (request.op === 'insert' ? 'put' as const : 'get' as const);

/** Sends one request to `via`; never throws, every failure becomes an answer. A token-aware run's router hears what the answer says of its map. */
async function execute(kv: KvClient, ring: RunRing, via: string, request: Request, direct?: DirectRouter): Promise<Answer> {
  const { line, op, key } = request;
  const started = performance.now();
  const ms = () => round(performance.now() - started, 2);
  try {
    // write/read: a quorum ring answers a context instead of a version, and may answer siblings.
    const answer = request.op === 'insert' ? await kv.write(via, key, request.value) : await kv.read(via, key);
    ring.record(via, false);
    direct?.observe(opOf(request), answer);
    const siblings = 'siblings' in answer ? answer.siblings : undefined;
    const value = answer.value ?? '';
    return { line, op, key, ok: true, value, ...(siblings && { siblings }), node: answer.node, hops: answer.hops, via, latencyMs: ms() };
  } catch (err) {
    // Only our own connection failing says the node is gone; a PEER_UNREACHABLE in an error
    // body came from a live node that could not reach one of its peers.
    ring.record(via, err instanceof PeerUnreachable);
    // The node the map named is gone, hung or changing: learn the ring again, and let any live
    // node route this request. Not a write that may have been applied: sent again, with a
    // new write id, it would be applied twice.
    if (direct && mapMayBeStale(err)) direct.observe(opOf(request), 'unreachable');
    if (direct && safeToResend(err, opOf(request))) return execute(kv, ring, ring.random(request), request);
    const error = asChordError(err);
    return { line, op, key, ok: false, error: error.code, message: error.message, via, latencyMs: ms() };
  }
}

/** The nodes of a run and which of them still answer. */
class RunRing {
  private readonly refusals = new Map<string, number>();

  constructor(private readonly nodes: readonly string[]) {}

  isLive(node: string): boolean {
    return (this.refusals.get(node) ?? 0) < GONE_AFTER_REFUSALS;
  }

  record(node: string, refused: boolean): void {
    this.refusals.set(node, refused ? (this.refusals.get(node) ?? 0) + 1 : 0);
  }

  /** A random live node; throws RING_UNREACHABLE when none is left. */
  random(request: Request): string {
    const live = this.nodes.filter((n) => this.isLive(n));
    if (live.length === 0) throw ringGone(this.nodes, request.line, undefined);
    return live[Math.floor(Math.random() * live.length)];
  }
}

function ringGone(nodes: readonly string[], done: number, total: number | undefined): ChordError {
  const where = total === undefined ? `at line ${done}` : `after ${done} of ${total} requests`;
  const list = nodes.length > 3 ? `${nodes.slice(0, 3).join(', ')}, …` : nodes.join(', ');
  return new ChordError('RING_UNREACHABLE',
    `the run stopped ${where}: every node (${list}) refused connections; check that the ring is still up`);
}
