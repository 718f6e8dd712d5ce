/**
 * The "why" section of docs/experiments.md. Each paragraph states a mechanism of the store and
 * quotes the measured numbers that bear on it; the direction words are computed from those
 * numbers, so the text cannot claim a trend that the run did not show.
 */
import type { Consistency } from '../../common/wire.js';
import type { ExperimentResults, SetupResult } from './report.js';
import type { Measured } from './workload.js';

type Metric = (s: SetupResult) => number;

/** How `to` compares with `from`, in words and as a factor. */
function trend(from: number, to: number): string {
  if (!(from > 0) || !Number.isFinite(to)) return 'could not be compared';
  const factor = to / from;
  const word = factor > 1.1 ? 'rose' : factor < 0.9 ? 'fell' : 'stayed within 10 %';
  return `${word} (×${factor.toFixed(2)})`;
}

export function explain(r: ExperimentResults): string[] {
  const ks = [...new Set(r.setups.map((s) => s.k))].sort((a, b) => a - b);
  const [low, high] = [ks[0], ks[ks.length - 1]];
  const at = (k: number, mode: Consistency) => r.setups.find((s) => s.k === k && s.mode === mode);
  const series = (mode: Consistency, metric: Metric, unit: string) =>
    ks.map((k) => { const s = at(k, mode); return `${s ? metric(s) : '–'}${unit} at k = ${k}`; }).join(', ');
  const change = (mode: Consistency, metric: Metric) => {
    const [a, b] = [at(low, mode), at(high, mode)];
    return a && b ? trend(metric(a), metric(b)) : 'could not be compared';
  };
  const clients = r.nodes * r.concurrency;
  const out: string[] = [];

  if (r.rounds > 1) {
    const worst = (pick: (s: SetupResult) => Measured[]) =>
      Math.max(...r.setups.flatMap(pick).map((m) => (m.min > 0 ? m.max / m.min : 1)));
    const [par, seq] = [worst((s) => [s.insertPar, s.queryPar]), worst((s) => [s.insertSeq, s.querySeq])];
    out.push(`**How far to trust these numbers.** Between the ${r.rounds} rounds of one setup, throughput with ${clients} clients varied by up to ×${par.toFixed(2)} (highest round over lowest) and with 1 client by up to ×${seq.toFixed(2)}. ${Math.max(par, seq) > 1.5
      ? 'Differences between setups smaller than that spread come from the load of the shared machine, not from k or the mode: read the tables for trends that hold across the min–max ranges, and take the latency and hop counts of one client as the cleaner signal.'
      : 'Differences between setups larger than that spread are effects of k and of the mode.'}`);
    out.push('');
  }

  const seqWrite: Metric = (s) => s.insertSeq.p50;
  out.push(`**Chain length (writes, 1 client).** A linearizable write is applied by the head and acknowledged only after it has been passed down the chain and applied by the tail: k − 1 forwards, one after another, on top of the route to the head, so one client should wait longer as k grows. The median insert took ${series('linearizable', seqWrite, ' ms')}; from k = ${low} to k = ${high} it ${change('linearizable', seqWrite)}. An eventual write is acknowledged by the head as soon as it has applied it, and the copies are made afterwards, off the client's path: the median was ${series('eventual', seqWrite, ' ms')}, and from k = ${low} to k = ${high} it ${change('eventual', seqWrite)}.${change('eventual', seqWrite).startsWith('rose') ? ` The copies are off the path but not free: they most likely compete for the same ${r.facts.cores} cores with the next request, which would explain why eventual latency grew with k too on a machine this small.` : ''}`);
  out.push('');

  const parWrite: Metric = (s) => s.insertPar.throughput;
  const gap = (k: number) => `${at(k, 'eventual')?.insertPar.throughput ?? '–'} vs ${at(k, 'linearizable')?.insertPar.throughput ?? '–'} req/s`;
  const evAhead = (at(high, 'eventual')?.insertPar.throughput ?? 0) > (at(high, 'linearizable')?.insertPar.throughput ?? Infinity);
  out.push([
    `**Copies cost CPU (writes, ${clients} clients).** With ${clients} clients the ${r.nodes} node processes share ${r.facts.cores} cores, so throughput is bounded by the CPU each request costs, and every copy costs CPU in both modes (receive, parse, apply, answer); more copies should mean fewer writes per second in both modes.`,
    `Linearizable insert throughput was ${series('linearizable', parWrite, ' req/s')}: from k = ${low} to k = ${high} it ${change('linearizable', parWrite)}. Eventual was ${series('eventual', parWrite, ' req/s')}: it ${change('eventual', parWrite)}.`,
    `Eventual replication does not hold the client while it copies, and coalesces the keys waiting to be copied into one batch per replica, so under load its copies should cost less than one chain message per write; ${evAhead ? `at k = ${high} eventual was indeed ahead (${gap(high)}).` : `that advantage did not show at k = ${high} in this run (${gap(high)}).`}`,
    `At k = ${low} neither mode copies anything and both do the same work, so the gap there (${gap(low)}) is a measure of how much of these differences is noise from the shared machine.`,
  ].join(' '));
  out.push('');

  const hops: Metric = (s) => s.readHops;
  const parRead: Metric = (s) => s.queryPar.throughput;
  out.push(`**Reads from the tail vs any copy.** A linearizable read is routed to the head, which asks the tail; at k = 1 the head is the tail, so that extra forward only appears for k > 1 and then does not grow with k. The mean forwards of a found read were ${series('linearizable', hops, '')}. An eventual read is answered by the first node on its path that holds a copy; with k copies on ${r.nodes} nodes, the node a client asks holds one itself about k/${r.nodes} of the time, so paths should get shorter as k grows; they were ${series('eventual', hops, '')} forwards. With one client the median read took ${series('linearizable', (s) => s.querySeq.p50, ' ms')} (linearizable) and ${series('eventual', (s) => s.querySeq.p50, ' ms')} (eventual). Read throughput with ${clients} clients was: linearizable ${series('linearizable', parRead, ' req/s')} (${change('linearizable', parRead)} from k = ${low} to ${high}), eventual ${series('eventual', parRead, ' req/s')} (${change('eventual', parRead)}). Queries for keys that were never inserted always travel to the owner in both modes, since no copy exists to answer them earlier.`);
  out.push('');

  const variants = [...new Set(r.stale.map((s) => s.variant))];
  const count = (mode: Consistency) => variants.map((v) => {
    const s = r.stale.find((x) => x.mode === mode && x.variant === v);
    return `${s ? `${s.verdict.stale} of ${s.verdict.queries}` : 'not measured'} (${v})`;
  }).join(', ');
  const total = (mode: Consistency) => r.stale.filter((s) => s.mode === mode).reduce((n, s) => n + s.verdict.stale, 0);
  const invented = r.stale.reduce((n, s) => n + s.verdict.invented, 0);
  const evSequential = r.stale.find((s) => s.mode === 'eventual' && s.clients === 1)?.verdict.stale ?? 0;
  out.push([
    `**Staleness.** Stale answers, linearizable: ${count('linearizable')}. Eventual: ${count('eventual')}.`,
    total('linearizable') === 0
      ? 'Linearizable never answered stale: a read is answered by the tail, and a write is acknowledged only once the tail has it.'
      : `**Linearizable answered stale ${total('linearizable')} times: that breaks its contract (a read must see every write acknowledged before it) and is a bug in the store; see the examples above.**`,
    evSequential === 0
      ? 'With one request at a time eventual mode showed no stale answer, although it allows them: the head starts copying a write as soon as it has applied it, and the copy reached the other holders before the client\'s next request (a new HTTP round trip) did.'
      : 'Even with one request at a time eventual mode answered stale: the next request reached a node holding an old copy (or none) before the background copy got there.',
    total('eventual') > 0
      ? `Eventual mode answered stale ${total('eventual')} times in all: a read is answered by the first node on its path that holds a copy, and a write is acknowledged before its copies exist, so a read that reaches a replica in between finds the old value or none. That is what the mode allows, as long as the replicas converge once writes stop.`
      : 'Eventual mode answered no stale read in any variant here; the mode allows them (a write is acknowledged before its copies exist), but on loopback the copies were faster than the reads that followed.',
    invented === 0 ? 'No answer in either mode held a value that was never written.' : `**${invented} answers held a value that was never written to their key: a bug in the store.**`,
  ].join(' '));
  return out;
}
