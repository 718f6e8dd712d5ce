/**
 * The quorum staleness section of docs/experiments.md and its chart, from one `npm run
 * bench:pbs` run. The section replaces its previous version in place; `npm run experiments`
 * keeps it when it rewrites the sections it owns (report.ts keptSections).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { machineLines, wasLoaded, type MachineFacts } from './machine.js';
import type { PbsOptions, PbsRun, Sample } from './pbs.js';
import { barChartSvg } from './svg-chart.js';
import { markdownTable } from './table.js';

/** The heading the section starts with; report.ts keeps the page from here on. */
export const PBS_HEADING = '## 4. Quorum mode: stale reads t ms after the acknowledgement';

export interface PbsResults {
  quick: boolean;
  facts: MachineFacts;
  options: PbsOptions;
  /** One entry per R/W setting, its blocks of rounds merged. */
  runs: PbsRun[];
  loadBefore: string;
  loadAfter: string;
  minutes: number;
}

const name = (run: PbsRun) => `R=${run.r}, W=${run.w}`;
const staleAt = (samples: readonly Sample[], age: number) => {
  const at = samples.filter((s) => s.ageMs === age);
  return { stale: at.filter((s) => s.stale).length, n: at.length };
};
const percent = ({ stale, n }: { stale: number; n: number }) => (n === 0 ? NaN : Math.round((stale / n) * 1000) / 10);
const cell = (samples: readonly Sample[], age: number) => {
  const s = staleAt(samples, age);
  return `${s.stale} of ${s.n} (${percent(s)} %)`;
};

/** Writes the chart and puts the section into `outDir`/experiments.md; returns the page's path. */
export async function writePbsReport(outDir: string, results: PbsResults): Promise<string> {
  const { options, runs } = results;
  await mkdir(join(outDir, 'charts'), { recursive: true });
  const title = `Quorum mode, N = ${options.k}: stale reads after the coordinator is lost t ms after the ack`;
  await writeFile(join(outDir, 'charts', 'quorum-staleness.svg'), barChartSvg({
    title, xLabel: 't: ms from the acknowledgement to the loss of the coordinator', yLabel: 'stale reads (%)',
    groups: options.agesMs.map((t) => `t = ${t} ms`),
    series: runs.map((run) => ({ name: `${name(run)}, coordinator lost`, values: options.agesMs.map((t) => percent(staleAt(run.samples, t))) })),
  }));
  const table = markdownTable(
    ['t (ms)', ...runs.map((run) => `${name(run)}: stale, coordinator lost at t`), ...runs.map((run) => `${name(run)}: stale, healthy ring, read at t`)],
    options.agesMs.map((t) => [t, ...runs.map((run) => cell(run.samples, t)), ...runs.map((run) => cell(run.healthy, t))]),
    [true, ...runs.map(() => true), ...runs.map(() => true)],
  );
  const section = [
    PBS_HEADING,
    '',
    `Written by \`npm run bench:pbs\` (bench/pbs.ts)${results.quick ? ' as a quick smoke run: not representative' : ''}; \`npm run experiments\` keeps this section when it rewrites the page.`,
    '',
    ...machineLines(results.facts),
    `- load average (1, 5, 15 min): ${results.loadBefore} before the run, ${results.loadAfter} after it; the run took ${results.minutes} min`,
    ...(wasLoaded(results.loadBefore, results.facts.cores) || wasLoaded(results.loadAfter, results.facts.cores)
      ? ['- **the machine was busy with other work during the run**: the write latencies, and with them the ages at which copies are still missing, are longer than on an idle machine.'] : []),
    '',
    '**Why not simply read right after the write.** A quorum ring sends every read and write of a key to its coordinator, the owner, which stores a write itself before it acknowledges it and counts its own copy in every read quorum. In a healthy ring a read should therefore never be stale, for any R and W; the control columns below check that. Staleness shows only when another node coordinates the read, which happens when the coordinator is lost and the next node of the key\'s preference list takes over with whatever copies the surviving replicas hold. That is the setting measured here.',
    '',
    '**Setup.**',
    '',
    `- a ring of ${options.nodes} nodes in one process, k = N = ${options.k}, one fresh ring per R/W setting and block of rounds; the public API over HTTP, node-to-node calls over the in-memory network with a random delay on each leg of every call (request and answer), exponential with a mean of ${options.lagMs} ms (bench/lib/lagging-network.ts), so that replicas lag by varying amounts as in PBS's WARS model; anti-entropy off, maintenance every 50 ms.`,
    `- a round picks a node as coordinator and, for ${options.windowMs} ms, ${options.clients} clients write fresh keys it owns, straight to it (no routing hop), each key once. Each key gets an age t from ${options.agesMs.join(', ')} ms in turn. Every copy of that key the coordinator sends that would arrive more than t ms after the client received the acknowledgement is lost on the way, as if the coordinator had been cut off at that instant.`,
    `- then the coordinator really is cut off and stopped, the ring repairs itself (every node names its true neighbours), and every acknowledged key is read once through the public API of a random node: the read is coordinated by the key's new owner, the next node of its old preference list, with the R of the ring. A read is **stale** when it does not answer the value written (here: KEY_NOT_FOUND, each key being written once). A fresh node joins before the next round, so that the ring stays at ${options.nodes} nodes.`,
    `- control: every fourth key is instead read t ms after its acknowledgement, through a random node, while its coordinator is alive (the "healthy ring" columns).`,
    `- ${runs[0]?.rounds ?? 0} rounds (coordinator losses) per setting, the settings' blocks of rounds interleaved.`,
    '',
    table,
    '',
    `![${title}](charts/quorum-staleness.svg)`,
    '',
    ...runs.map((run) => `- ${name(run)}: ${run.samples.length} acknowledged writes read after a loss and ${run.healthy.length} in the healthy ring, in ${run.rounds} rounds (${Math.round(run.seconds)} s); ${run.writeErrors} writes failed (not acknowledged, not counted)${Object.keys(run.readErrors).length > 0 ? `; reads that kept failing (not counted): ${Object.entries(run.readErrors).map(([c, n]) => `${c} ×${n}`).join(', ')}` : ''}.`),
    '',
    '**Reading the table.** With R = W = 1 the coordinator acknowledges a write as soon as it has stored it, and the new coordinator, reading only its own copy, has the write only if the copy sent to it arrived before the coordinator was lost; the probability that it had not falls with t as the delay distribution\'s tail does. The acknowledgement itself takes a round trip between client and coordinator over HTTP, during which copies are already on their way, so even t = 0 is not 100 % stale. With R = W = 2, R + W > N, but the coordinator\'s own copy counted towards W and is lost with it: the survivors are only sure to hold one copy, and the new coordinator\'s read quorum (its own copy and the first of the two others to answer, one of them the node that replaced the lost one in the preference list) can miss it. So R + W > N does not make R = W = 2 safe here: it reads stale when its own copy is missing and the newcomer answers before the one survivor that holds the write, which needs two things to go wrong instead of one, and should be correspondingly rarer than with R = W = 1. By t = 50 ms, ten mean delays, nearly every copy has arrived, in either setting; what stale reads remain there are more than the delay distribution alone gives (e^−10 of the copies would still be on their way): on a busy machine the nodes\' timers and event loops add lateness of their own.',
    '',
  ].join('\n');
  const path = join(outDir, 'experiments.md');
  await writeFile(path, splice(await readFile(path, 'utf8').catch(() => '# Experiments\n'), section));
  return path;
}

/** The page with the section in place of its previous version, or before `## Soak`, or at the end. */
function splice(page: string, section: string): string {
  const start = page.indexOf(`\n${PBS_HEADING}`);
  if (start >= 0) {
    const after = page.indexOf('\n## ', start + 1);
    return page.slice(0, start + 1) + section + (after < 0 ? '' : page.slice(after));
  }
  const soak = page.indexOf('\n## Soak');
  return soak < 0 ? `${page.trimEnd()}\n\n${section}` : `${page.slice(0, soak + 1)}${section}${page.slice(soak)}`;
}
