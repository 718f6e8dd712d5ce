/**
 * Dotted version vectors (Preguiça et al., 2012), the versions of quorum mode. Every write
 * gets a dot, (coordinator, counter), unique to it, and a past: the clock of the versions
 * its writer had seen (the context it wrote with). A version is obsolete once another one's
 * past covers its dot. A plain vector clock per value cannot tell "written after seeing v1"
 * from "written by the same coordinator after v1 without seeing it", and would silently drop
 * one of two racing writes through one coordinator; dots keep both as siblings.
 *
 * Pure functions: no I/O, no clock. Node names are the coordinators' addresses.
 */
import { isMemberAddress } from '../../common/wire.js';

/** Node → the highest counter of that node's writes seen. */
export type Clock = Readonly<Record<string, number>>;

/** One write of a key: its value (null: deleted), its dot, and the writes it supersedes. */
export interface DottedValue {
  readonly value: string | null;
  readonly dot: readonly [node: string, counter: number];
  readonly past: Clock;
}

/**
 * The most entries a past keeps. Beyond it the entries with the smallest counters go
 * (counters start from the coordinator's clock in microseconds, so these are the nodes that
 * coordinated longest ago). Dropping an entry only makes a past cover fewer dots: a version
 * it should have superseded lives on as a sibling for the user to resolve, never the
 * other way round; nothing is lost silently.
 */
export const MAX_CLOCK_ENTRIES = 16;

/** A clock's entry for `node` (0: none); only its own entries count, never an inherited property. */
const entry = (clock: Clock, node: string): number => (Object.hasOwn(clock, node) ? clock[node] : 0);

export const covers = (clock: Clock, [node, counter]: DottedValue['dot']): boolean => entry(clock, node) >= counter;

const sameDot = (a: DottedValue, b: DottedValue) => a.dot[0] === b.dot[0] && a.dot[1] === b.dot[1];

/** Live values first, then by dot: every replica lists the same siblings in the same order. */
function order(a: DottedValue, b: DottedValue): number {
  if ((a.value === null) !== (b.value === null)) return a.value === null ? 1 : -1;
  if (a.dot[0] !== b.dot[0]) return a.dot[0] < b.dot[0] ? -1 : 1;
  return a.dot[1] - b.dot[1];
}

/** The union of two sibling sets, without duplicates and without versions another one supersedes. */
export function mergeSiblings(a: readonly DottedValue[], b: readonly DottedValue[]): DottedValue[] {
  const all: DottedValue[] = [];
  for (const v of [...a, ...b]) if (!all.some((w) => sameDot(v, w))) all.push(v);
  return all.filter((v) => !all.some((w) => !sameDot(v, w) && covers(w.past, v.dot))).sort(order);
}

/** Everything a set of siblings has seen: what a write that read them supersedes. */
export function contextOf(siblings: readonly DottedValue[]): Clock {
  const clock: Record<string, number> = {};
  const see = (node: string, counter: number) => { clock[node] = Math.max(entry(clock, node), counter); };
  for (const { dot, past } of siblings) {
    see(dot[0], dot[1]);
    for (const [node, counter] of Object.entries(past)) see(node, counter);
  }
  return clock;
}

export function prune(clock: Clock, max = MAX_CLOCK_ENTRIES): Clock {
  const entries = Object.entries(clock);
  if (entries.length <= max) return clock;
  return Object.fromEntries(entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, max));
}

/**
 * A new write at coordinator `node` of `value` (null: a delete) that has seen `context`: it
 * supersedes the current siblings the context covers and lives beside the others. Its
 * counter is above every counter of `node` known here and in the context, and never below
 * `floor` (the coordinator's clock in microseconds), so that a coordinator that lost its
 * data does not reuse a dot it gave out before.
 */
export function writeSibling(current: readonly DottedValue[], context: Clock, node: string, value: string | null, floor: number): { written: DottedValue; siblings: DottedValue[] } {
  const known = Math.max(entry(context, node), entry(contextOf(current), node));
  const written: DottedValue = { value, dot: [node, Math.max(known + 1, floor)], past: prune(context) };
  // Superseded is what the stored (pruned) past covers, so that every copy merging this write agrees.
  return { written, siblings: mergeSiblings([written], current) };
}

/** Whether `a` has seen every write `b` has, and more. */
export function descends(a: readonly DottedValue[], b: readonly DottedValue[]): boolean {
  const seen = contextOf(a);
  return b.every((v) => covers(seen, v.dot)) && !sameSet(a, b);
}

export function sameSet(a: readonly DottedValue[], b: readonly DottedValue[]): boolean {
  return a.length === b.length && a.every((v) => b.some((w) => sameDot(v, w)));
}

/**
 * Counters stay far below 2^53, so that a dot above every counter seen is still an exact
 * integer (a client's context could otherwise push the next dot past it, where dots repeat).
 */
const MAX_COUNTER = 2 ** 52;
const isCounter = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0 && (v as number) < MAX_COUNTER;
/** Nodes are named by their HOST:PORT, so no name is an Object property like `toString`. */
const isNodeName = isMemberAddress;

export function isClock(v: unknown): v is Clock {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length <= 4 * MAX_CLOCK_ENTRIES
    && Object.entries(v).every(([node, counter]) => isNodeName(node) && isCounter(counter));
}

export function isDot(v: unknown): v is DottedValue['dot'] {
  return Array.isArray(v) && v.length === 2 && isNodeName(v[0]) && isCounter(v[1]);
}

/** A context as clients carry it: opaque to them, a clock inside (base64url of its JSON). */
export const encodeContext = (clock: Clock): string => Buffer.from(JSON.stringify(clock)).toString('base64url');

/** The clock inside a context a client sent back; undefined when it is not one this ring gave out. */
export function decodeContext(context: string): Clock | undefined {
  try {
    const clock: unknown = JSON.parse(Buffer.from(context, 'base64url').toString('utf8'));
    return isClock(clock) ? clock : undefined;
  } catch {
    return undefined;
  }
}
