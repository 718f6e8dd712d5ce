/**
 * Experiment 3: runs a mix file against the ring, recording every answer with its start and
 * end time, and judges each query answer against what a single sequential store would give.
 */
import { performance } from 'node:perf_hooks';
import type { KvClient } from '../../common/client.js';
import { asChordError } from '../../common/errors.js';
import type { Request } from '../../cli/file-format.js';

/** One request as it happened. `answer` is the value a query got, or null for "not found". */
export interface Observed {
  index: number;
  line: number;
  op: 'insert' | 'query';
  key: string;
  value?: string;
  via: string;
  node?: string;
  hops?: number;
  start: number;
  end: number;
  ok: boolean;
  answer?: string | null;
  error?: string;
}

/**
 * Sends units of requests from `clients` workers sharing one queue, in order; a unit's
 * requests go out one after another from one worker (a unit of one request is a plain file
 * line), each to a random node. One client is the assignment's `file` run. Never throws for a
 * failed request.
 */
export async function runObserved(kv: KvClient, nodes: readonly string[], units: readonly (readonly Request[])[], clients: number): Promise<{ observed: Observed[]; seconds: number }> {
  const observed: Observed[] = [];
  const offsets: number[] = [];
  units.reduce((n, unit) => (offsets.push(n), n + unit.length), 0);
  let next = 0;
  const send = async (index: number, request: Request) => {
    const via = nodes[Math.floor(Math.random() * nodes.length)];
    const start = performance.now();
    const value = request.op === 'insert' ? request.value : undefined;
    const base = { index, line: request.line, op: request.op, key: request.key, value, via, start };
    try {
      const answer = request.op === 'insert' ? await kv.put(via, request.key, request.value) : await kv.get(via, request.key);
      observed.push({ ...base, node: answer.node, hops: answer.hops, end: performance.now(), ok: true, answer: answer.value });
    } catch (err) {
      const code = asChordError(err).code;
      const end = performance.now();
      if (request.op === 'query' && code === 'KEY_NOT_FOUND') observed.push({ ...base, end, ok: true, answer: null });
      else observed.push({ ...base, end, ok: false, error: code });
    }
  };
  const worker = async () => {
    while (next < units.length) {
      const u = next++;
      for (const [i, request] of units[u].entries()) await send(offsets[u] + i, request);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { observed: observed.sort((a, b) => a.index - b.index), seconds };
}

export interface StaleExample {
  line: number;
  key: string;
  via: string;
  node?: string;
  got: string | null;
  expected: string | null;
}

export interface Verdict {
  requests: number;
  queries: number;
  errors: number;
  errorCodes: Record<string, number>;
  /** Query answers that differ from a Map with every insert applied in file order. */
  differsFromMap: number;
  /**
   * Query answers older than a write acknowledged before the query was sent: stale under any
   * order the concurrent requests could have taken. With one client this equals differsFromMap
   * (when no insert failed), because each request starts after the previous one ended.
   */
  stale: number;
  /** Answers with a value no request ever wrote: never allowed in either mode. */
  invented: number;
  examples: StaleExample[];
}

const show = (v: string | null | undefined) => (v === null || v === undefined ? null : v);

export function judge(observed: readonly Observed[], maxExamples = 5): Verdict {
  const model = new Map<string, string>();
  const writes = new Map<string, Observed[]>();
  const verdict: Verdict = { requests: observed.length, queries: 0, errors: 0, errorCodes: {}, differsFromMap: 0, stale: 0, invented: 0, examples: [] };
  for (const o of observed) {
    if (o.op === 'insert') {
      model.set(o.key, o.value!);
      writes.set(o.key, [...(writes.get(o.key) ?? []), o]);
    }
    if (!o.ok) {
      verdict.errors++;
      verdict.errorCodes[o.error!] = (verdict.errorCodes[o.error!] ?? 0) + 1;
      continue;
    }
    if (o.op !== 'query') continue;
    verdict.queries++;
    const expected = model.get(o.key) ?? null;
    if (o.answer !== expected) verdict.differsFromMap++;
  }
  for (const q of observed) {
    if (q.op !== 'query' || !q.ok) continue;
    const all = observed.filter((w) => w.op === 'insert' && w.key === q.key);
    const acked = all.filter((w) => w.ok && w.end < q.start);
    // A write is out of date once another write was sent after it was acknowledged and was
    // itself acknowledged before the query started; every other write that began before the
    // query ended may legitimately be the one it sees.
    const current = all.filter((w) => w.start < q.end && !acked.some((a) => a.start > w.end));
    const latest = acked.length > 0 ? acked.reduce((a, b) => (b.end > a.end ? b : a)) : undefined;
    if (q.answer !== null && !all.some((w) => w.value === q.answer)) verdict.invented++;
    const fresh = q.answer === null ? acked.length === 0 : current.some((w) => w.value === q.answer);
    if (fresh) continue;
    verdict.stale++;
    if (verdict.examples.length < maxExamples) {
      verdict.examples.push({ line: q.line, key: q.key, via: q.via, node: q.node, got: show(q.answer), expected: show(latest?.value) });
    }
  }
  return verdict;
}
