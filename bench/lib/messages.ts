/**
 * Messages per operation, as the nodes count them: every node-to-node call goes through the
 * RPC client, which counts it in `chordkv_rpc_calls_total` (by call path) on the caller's
 * /metrics. Reading every node's counters before and after a run gives the calls the run
 * made. The ring's own calls (maintenance: stabilize, notify, anti-entropy rounds) run on
 * timers, which a loaded node runs late, so they are not taken off at their idle rate: the
 * paths the idle ring called are left out instead, and what remains is the operations' own.
 */
import { paths } from '../../common/wire.js';

/** Node-to-node calls made so far, summed over the nodes, by call path. */
export type CallCounts = Map<string, number>;

const CALLS_LINE = /^chordkv_rpc_calls_total\{([^}]*)\} (\S+)$/;
const CALL_LABEL = /(?:^|,)call="([^"]*)"/;

/** The calls counted in one node's exposition text, by path. */
export function parseCallCounts(text: string, into: CallCounts = new Map()): CallCounts {
  for (const line of text.split('\n')) {
    const match = CALLS_LINE.exec(line);
    const call = match ? CALL_LABEL.exec(match[1])?.[1] : undefined;
    if (!match || call === undefined) continue;
    into.set(call, (into.get(call) ?? 0) + Number(match[2]));
  }
  return into;
}

/** Scrapes /metrics of every node (plain text, not JSON, so not through the JSON transport's parser). */
export async function callCounts(addresses: readonly string[]): Promise<CallCounts> {
  const counts: CallCounts = new Map();
  for (const address of addresses) {
    const response = await fetch(`http://${address}${paths.metrics}`);
    if (!response.ok) throw new Error(`GET ${address}${paths.metrics} answered ${response.status}`);
    parseCallCounts(await response.text(), counts);
  }
  return counts;
}

/** `after` − `before`, path by path. */
export function callsBetween(before: CallCounts, after: CallCounts): CallCounts {
  const diff: CallCounts = new Map();
  for (const [call, n] of after) {
    const d = n - (before.get(call) ?? 0);
    if (d > 0) diff.set(call, d);
  }
  return diff;
}

/** Sum of all paths. */
export const totalCalls = (counts: CallCounts) => [...counts.values()].reduce((sum, n) => sum + n, 0);

/** The calls of a run on paths other than `maintenance` (the paths an idle ring calls). */
export function operationCalls(calls: CallCounts, maintenance: ReadonlySet<string>): CallCounts {
  return new Map([...calls].filter(([call]) => !maintenance.has(call)));
}

/** Messages per operation of a run: the client's request plus the operations' node-to-node calls per request. */
export function messagesPerOp(calls: CallCounts, requests: number): number {
  return 1 + totalCalls(calls) / requests;
}

/** The biggest paths of a run, per request: "op 1.02, chain 1.98". */
export function callMix(calls: CallCounts, requests: number, top = 3): string {
  return [...calls].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([call, n]) => `${call.replace(/^\/rpc\//, '')} ${(n / requests).toFixed(2)}`).join(', ');
}

