/**
 * Everything the CLI prints, prose or --json, in one place. Results go to stdout,
 * errors to stderr.
 */
import { processOf } from '../common/vnodes.js';
import { ChordError, PeerTimeout, PeerUnreachable } from '../common/errors.js';
import {
  showVersion, type AllAnswer, type BatchAnswer, type DeleteAnswer, type OverlayAnswer, type QuorumAnswer, type ScanAnswer, type StatusAnswer, type ValueAnswer, type WatchEvent,
} from '../common/wire.js';

export interface Printer {
  json: boolean;
  out(line: string): void;
  err(line: string): void;
}

export function consolePrinter(json: boolean): Printer {
  return {
    json,
    out: (line) => process.stdout.write(line + '\n'),
    err: (line) => process.stderr.write(line + '\n'),
  };
}

const hops = (n: number) => `${n} hop${n === 1 ? '' : 's'}`;
const q = (s: string) => JSON.stringify(s);

/** How a read or write answer names its version: a version number, or a quorum ring's context. */
const versionOf = (a: ValueAnswer | QuorumAnswer) => ('context' in a ? `context ${a.context}` : `version ${showVersion(a.version)}`);

export const format = {
  inserted: (a: ValueAnswer | QuorumAnswer) => `inserted ${q(a.key)} = ${q(a.value ?? '')} at ${a.node} (${hops(a.hops)}${'context' in a ? `, ${versionOf(a)}` : ''})`,
  value: (a: ValueAnswer | QuorumAnswer) => ('siblings' in a && a.siblings
    ? [
      `${q(a.key)} has ${a.siblings.length} siblings, values written concurrently  (from ${a.node}, ${hops(a.hops)}):`,
      ...a.siblings.map((value) => `  ${q(value)}`),
      `to keep one: chordkv insert ${q(a.key)} VALUE --context ${a.context}`,
    ].join('\n')
    : `${q(a.key)} = ${q(a.value ?? '')}  (from ${a.node}, ${hops(a.hops)}, ${versionOf(a)})`),
  scanned: (a: ScanAnswer) => [`${a.items.length} pair${a.items.length === 1 ? '' : 's'}`, ...a.items.map((i) => `  ${q(i.key)} = ${q(i.value)}`)].join('\n'),
  batchResult: (key: string, r: BatchAnswer['results'][number]) =>
    ('error' in r ? `${q(key)}: ${r.error.message} (${r.error.code})` : 'deleted' in r ? `deleted ${q(key)}` : `${q(key)} = ${q(r.value ?? '')}`),
  change: (e: WatchEvent) => (e.deleted ? `deleted ${q(e.key)} (version ${showVersion(e.version)})` : `${q(e.key)} = ${q(e.value ?? '')} (version ${showVersion(e.version)})`),
  deleted: (a: DeleteAnswer) => `deleted ${q(a.key)} at ${a.node} (${hops(a.hops)})`,
  departed: (a: { departed: string }) => `${a.departed} departed; its data now lives on the remaining nodes`,
  overlay: (a: OverlayAnswer) => {
    const lines = a.nodes.map((n, i) => `${String(i + 1).padStart(3)}. ${n.address.padEnd(22)} ${n.id}`);
    // With virtual nodes each line is one ring id, HOST:PORT#i naming the process that holds it.
    const processes = new Set(a.nodes.map((n) => processOf(n.address))).size;
    return (processes < a.nodes.length ? [`${a.nodes.length} ring ids on ${processes} processes`, ...lines] : lines).join('\n');
  },
  all: (a: AllAnswer) => {
    const total = a.nodes.reduce((sum, n) => sum + n.items.filter((i) => i.role === 'primary').length, 0);
    const processes = new Set(a.nodes.map((n) => processOf(n.address))).size;
    const where = processes < a.nodes.length ? `${a.nodes.length} ring ids of ${processes} processes` : `${a.nodes.length} node${a.nodes.length === 1 ? '' : 's'}`;
    const lines = [`${total} pair${total === 1 ? '' : 's'} on ${where}`];
    for (const node of a.nodes) {
      lines.push(`${node.address} (${node.id.slice(0, 8)}…): ${node.items.length} held`);
      for (const item of [...node.items].sort((x, y) => x.key.localeCompare(y.key))) {
        lines.push(`  ${q(item.key)} = ${q(item.value)}${item.role === 'replica' ? '  [replica]' : ''}`);
      }
    }
    return lines.join('\n');
  },
  status: (s: StatusAnswer) => [
    `node         ${s.address}  ${s.ready ? 'ready' : 'not ready'}`,
    `id           ${s.id}`,
    `ring         k=${s.k}, ${s.consistency}${s.quorum ? ` R=${s.quorum.r} W=${s.quorum.w}${s.quorum.sloppy ? ' sloppy' : ''}` : ''}`,
    ...(s.quorum?.sloppy ? [`hints        ${s.quorum.hints} kept for nodes that were down`] : []),
    `predecessor  ${s.predecessor ? `${s.predecessor.address}  ${s.predecessor.id}` : '(none: alone)'}`,
    `successors   ${s.successors.length === 0 ? '(none: alone)' : s.successors.map((p) => p.address).join(', ')}`,
    `fingers      ${s.fingers.length === 0 ? '(none yet)' : `${new Set(s.fingers.map((f) => f.node.address)).size} distinct nodes`}`,
    ...fingerRuns(s.fingers).map((run) => `  ${run.indexes.padEnd(9)} from ${run.start.slice(0, 12)}…  → ${run.address}`),
    `keys         ${s.keys.primary} primary, ${s.keys.replica} replica, ${s.keys.total} total${s.vnodes ? ` (all ${s.vnodes.length} ring ids)` : ''}`,
    ...(s.vnodes ? [`ring ids     ${s.vnodes.length} (virtual nodes), in id order:`, ...s.vnodes.map((v) =>
      `  ${v.address.padEnd(24)} ${v.id.slice(0, 12)}…  ${v.state.padEnd(9)} ${v.keys.primary} primary, ${v.keys.replica} replica`)] : []),
    `maintenance  ${s.lastMaintenanceAt ?? 'never'}`,
  ].join('\n'),
};

/** Consecutive fingers that point at the same node, as one line each (most of 160 fingers repeat). */
function fingerRuns(fingers: StatusAnswer['fingers']): { indexes: string; start: string; address: string }[] {
  const runs: { first: number; last: number; start: string; address: string }[] = [];
  for (const f of fingers) {
    const run = runs.at(-1);
    if (run && run.address === f.node.address && run.last === f.index - 1) run.last = f.index;
    else runs.push({ first: f.index, last: f.index, start: f.start, address: f.node.address });
  }
  return runs.map((r) => ({ indexes: r.first === r.last ? `${r.first}` : `${r.first}-${r.last}`, start: r.start, address: r.address }));
}

/** Prints one result: its JSON form with --json, else the prose `render` gives. */
export function printResult<T>(printer: Printer, result: T, render: (r: T) => string): void {
  printer.out(printer.json ? JSON.stringify(result) : render(result));
}

/** Prints an error as one line (or one JSON document) and returns the exit code for it. */
export function printError(printer: Printer, err: unknown, node?: string): number {
  const error = describe(err, node);
  if (printer.json) printer.err(JSON.stringify({ error }));
  else printer.err(`error: ${error.message}${error.code === 'KEY_NOT_FOUND' ? '' : ` (${error.code})`}`);
  return error.code === 'USAGE' ? 2 : 1;
}

function describe(err: unknown, node?: string): { code: string; message: string } {
  if (err instanceof ChordError) {
    // Only our own failure to reach --node means "no node there"; the same code in a node's
    // answer means that node could not reach one of its peers.
    if (err instanceof PeerUnreachable && node) {
      return { code: err.code, message: `cannot reach a chordkv node at ${node}; start a ring with "chordkv up" or pass --node HOST:PORT` };
    }
    if (err instanceof PeerTimeout && node) {
      return { code: err.code, message: `the node at ${node} did not answer in time; try again or raise --timeout` };
    }
    return { code: err.code, message: err.message };
  }
  return { code: 'ERROR', message: (err as Error)?.message ?? String(err) };
}
