/** Plain functions behind the single-request commands; yargs handlers only call these. */
import { readFile } from 'node:fs/promises';
import { createKvClient, type KvClient } from '../../common/client.js';
import { DirectKvClient, type RingMap } from '../../common/direct.js';
import { ChordError } from '../../common/errors.js';
import { MAX_SCAN_LIMIT, type BatchOp, type PutOptions, type ScanAnswer } from '../../common/wire.js';
import { format, printError, printResult, type Printer } from '../output.js';

export interface ClientFlags {
  node: string;
  json: boolean;
  timeout: number;
  secret?: string;
  /** Send key operations token-aware (DirectKvClient), not to `node`. */
  direct?: boolean;
}

/** Runs `fn` with a client for `flags.node`; prints its error, if any, and returns the exit code. */
export async function withClient(flags: ClientFlags, printer: Printer, fn: (kv: KvClient, node: string) => Promise<void>): Promise<number> {
  const { kv, close } = createKvClient({ timeoutMs: flags.timeout, secret: flags.secret });
  try {
    await fn(kv, flags.node);
    return 0;
  } catch (err) {
    return printError(printer, err, flags.node);
  } finally {
    close();
  }
}

/** The key operations of a command: sent to `flags.node`, or with --direct to each key's own node (by a map learned from `flags.node`). */
type KeyOps = Pick<DirectKvClient, 'write' | 'read' | 'delete'>;

/**
 * The rings --direct commands learned in this process, by the node they were learned from.
 * A REPL session runs many commands in one process: each starts from the map the last one
 * left (unless an answer showed it stale), instead of asking for the ring again every line.
 */
const learnedMaps = new Map<string, RingMap>();

function keyOps(kv: KvClient, flags: ClientFlags): KeyOps {
  const node = flags.node;
  if (flags.direct) {
    const client = new DirectKvClient(kv, [node], { map: learnedMaps.get(node) });
    const keep = <T>(answer: Promise<T>) => answer.finally(() => {
      client.router.stop();
      const map = client.router.map;
      if (map) learnedMaps.set(node, map);
      else learnedMaps.delete(node);
    });
    return {
      write: (key, value, options) => keep(client.write(key, value, options)),
      read: (key) => keep(client.read(key)),
      delete: (key, options) => keep(client.delete(key, options)),
    };
  }
  return { write: (key, value, options) => kv.write(node, key, value, options), read: (key) => kv.read(node, key), delete: (key, options) => kv.delete(node, key, options) };
}

/** A value from a file, or from stdin for `-` (the node refuses one over its size limit). */
export async function readValue(path: string): Promise<string> {
  try {
    if (path !== '-') return await readFile(path, 'utf8');
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  } catch (err) {
    throw new ChordError('FILE_UNREADABLE', `cannot read the value from ${path === '-' ? 'stdin' : path}: ${(err as Error).message}`, { cause: err });
  }
}

/** A usage error (exit code 2) for a missing or malformed argument. */
export function usage(message: string): ChordError {
  return new ChordError('USAGE', message);
}

export const insert = (flags: ClientFlags, printer: Printer, key: string, value: string, options: PutOptions = {}) =>
  withClient(flags, printer, async (kv) => printResult(printer, await keyOps(kv, flags).write(key, value, options), format.inserted));

/** `*` means every pair in the ring, grouped by node, unless `literal`. */
export const query = (flags: ClientFlags, printer: Printer, key: string, literal = false) =>
  withClient(flags, printer, async (kv, node) => {
    if (key === '*' && !literal) printResult(printer, await kv.all(node), format.all);
    else printResult(printer, await keyOps(kv, flags).read(key), format.value);
  });

/** Every pair whose key starts with `prefix` (at most `limit`), sorted by key, page after page. */
export const scan = (flags: ClientFlags, printer: Printer, prefix: string, limit = Infinity) =>
  withClient(flags, printer, async (kv, node) => {
    const result: ScanAnswer = { items: [], cursor: null };
    let cursor: string | undefined;
    do {
      const page = await kv.scan(node, { prefix, limit: Math.min(MAX_SCAN_LIMIT, limit - result.items.length), cursor });
      result.items.push(...page.items);
      cursor = page.cursor ?? undefined;
      result.cursor = page.cursor;
    } while (cursor !== undefined && result.items.length < limit);
    printResult(printer, result, format.scanned);
  });

/** Many operations in one request; exit 1 when any of them failed (each result is printed). */
export async function batch(flags: ClientFlags, printer: Printer, ops: BatchOp[]): Promise<number> {
  let failed = false;
  const code = await withClient(flags, printer, async (kv, node) => {
    const answer = await kv.batch(node, ops);
    failed = answer.results.some((result) => 'error' in result);
    printResult(printer, answer, (a) => a.results.map((result, i) => format.batchResult(ops[i].key, result)).join('\n'));
  });
  return code !== 0 ? code : failed ? 1 : 0;
}

export const remove = (flags: ClientFlags, printer: Printer, key: string, options: { context?: string } = {}) =>
  withClient(flags, printer, async (kv) => printResult(printer, await keyOps(kv, flags).delete(key, options), format.deleted));

export const depart = (flags: ClientFlags, printer: Printer) =>
  withClient(flags, printer, async (kv, node) => printResult(printer, await kv.depart(node), format.departed));

export const overlay = (flags: ClientFlags, printer: Printer) =>
  withClient(flags, printer, async (kv, node) => printResult(printer, await kv.overlay(node), format.overlay));

export const status = (flags: ClientFlags, printer: Printer) =>
  withClient(flags, printer, async (kv, node) => printResult(printer, await kv.status(node), format.status));
