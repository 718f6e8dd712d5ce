/**
 * One soak run: a loopback ring of real node processes under a paced load for a long time,
 * with an occasional kill -9 and restart, sampling every process's resident memory and the
 * ring's throughput, errors and latency, so that a leak or a slow decay shows as a curve.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { createKvClient, type KvClient } from '../common/client.js';
import { openNetwork } from './net.js';
import { Rng } from './prng.js';
import { stopOnInterrupt, TortureRing, type Member } from './ring.js';
import { pointerProblems, until } from './settle.js';
import { percentile, SoakLoad } from './soak-load.js';
import { judge, writeFiles, type Sample, type SoakOptions, type SoakResult } from './soak-report.js';

export type { SoakOptions, SoakResult } from './soak-report.js';

/** A client gives up on an operation after this long, so errors can trail a fault by as much. */
const CLIENT_TIMEOUT_MS = 5000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  await mkdir(options.out, { recursive: true });
  const random = new Rng(options.seed);
  const network = openNetwork('loopback', 'soak');
  const ring = new TortureRing({ nodes: options.nodes, k: options.k, mode: options.mode, dir: options.out, network, requestTimeoutMs: 1500 });
  const { kv, close } = createKvClient({ timeoutMs: CLIENT_TIMEOUT_MS });
  const stopRing = stopOnInterrupt(ring, network);
  try {
    await ring.startAll();
    const formed = await until(() => pointerProblems(kv, ring.joined), 60_000);
    if (formed.problems.length > 0) throw new Error(`the ring did not form: ${formed.problems.join('; ')}`);
    await assertNodeProcesses(ring.members);
    options.say(`ring of ${options.nodes} up on loopback (k=${options.k}, ${options.mode}); ${options.rate} ops/s over ${options.keys} keys for ${options.seconds} s, seed ${options.seed}`);

    const problems: string[] = [];
    const churnSpans: [number, number][] = [];
    const restarts = ring.members.map(() => 0);
    const load = new SoakLoad(kv, {
      rate: options.rate, keys: options.keys, random,
      pickNode: () => (ring.healthy.length > 0 ? random.pick(ring.healthy).address : undefined),
    });
    const t0 = performance.now();
    const now = () => (performance.now() - t0) / 1000;
    let stopping = false;
    const loadDone = load.run();

    // Churn: one non-bootstrap node at a time, killed and restarted on its own data dir.
    const churnDone = (async () => {
      if (options.churnEverySeconds <= 0) return;
      const churnRandom = new Rng(options.seed ^ 0xc4a2);
      for (let round = 1; ; round++) {
        while (!stopping && now() < round * options.churnEverySeconds) await sleep(Math.min(500, (round * options.churnEverySeconds - now()) * 1000));
        // A kill too close to the end would leave its errors with no quiet time after them.
        if (stopping || now() > options.seconds - options.churnEverySeconds / 2) return;
        const victim = churnRandom.pick(ring.members.filter((m) => !m.bootstrap && m.state === 'up'));
        const span: [number, number] = [now(), Infinity];
        churnSpans.push(span);
        options.say(`churn: kill -9 node-${victim.slot} (pid ${victim.child?.pid}) at ${span[0].toFixed(0)} s`);
        await ring.kill(victim);
        try {
          await ring.start(victim);
          restarts[victim.slot]++;
        } catch (err) {
          problems.push(`node-${victim.slot} did not restart: ${(err as Error).message}`);
          stopping = true;
          return;
        }
        const settled = await until(() => pointerProblems(kv, ring.joined), 60_000);
        if (settled.problems.length > 0) problems.push(`ring did not settle after restarting node-${victim.slot}: ${settled.problems.join('; ')}`);
        span[1] = now() + CLIENT_TIMEOUT_MS / 1000;
        options.say(`churn: node-${victim.slot} back (pid ${victim.child?.pid}), ring settled at ${now().toFixed(0)} s`);
      }
    })().catch((err: Error) => {
      problems.push(`churn: ${err.message}`);
      stopping = true;
    });

    const samples: Sample[] = [];
    let lastOk = 0;
    for (let i = 1; !stopping; i++) {
      await sleep(t0 + i * options.sampleEverySeconds * 1000 - performance.now());
      const t = now();
      const interval = load.take();
      const elapsed = t - (samples.at(-1)?.t ?? 0);
      const rssMb = await Promise.all(ring.members.map((m) => rssOf(m)));
      const held = await keysHeld(kv, ring.healthy);
      const running = rssMb.filter((v) => Number.isFinite(v));
      const errors = Object.values(interval.errors).reduce((a, b) => a + b, 0);
      // Until the reads above are done: a kill that lands during them shows in this sample already.
      const churn = churnSpans.some(([from, to]) => from < now() && to > t - elapsed);
      const sample: Sample = {
        t, rssMb, meanRssMb: running.reduce((a, b) => a + b, 0) / running.length, opsPerS: interval.ops / elapsed, ops: interval.ops,
        errors, errorCodes: interval.errors, p50: percentile(interval.latencies, 50), p99: percentile(interval.latencies, 99),
        keys: held.primary, copies: held.total, behind: interval.behind, churn,
      };
      samples.push(sample);
      options.say(`${t.toFixed(0).padStart(5)} s  RSS MB ${rssMb.map((v) => v.toFixed(1)).join(' ')}  ${sample.opsPerS.toFixed(0)} ops/s  p99 ${sample.p99.toFixed(1)} ms  errors ${errors}${churn ? ' (churn)' : ''}  keys ${held.primary}`);

      for (const m of ring.members) {
        const child = m.child;
        if (m.state === 'up' && child && (child.exitCode !== null || child.signalCode !== null)) {
          problems.push(`node-${m.slot} (pid ${child.pid}) died unexpectedly (${child.signalCode ?? `exit code ${child.exitCode}`}); see node-${m.slot}.log`);
          stopping = true;
        }
      }
      if (interval.ok > 0) lastOk = t;
      const stallSeconds = Math.max(30, 3 * options.sampleEverySeconds);
      if (t - lastOk >= stallSeconds) {
        problems.push(`the ring stopped answering: no operation succeeded for ${(t - lastOk).toFixed(0)} s (at ${t.toFixed(0)} s)`);
        stopping = true;
      }
      if (t >= options.seconds - 0.5) stopping = true;
    }
    load.stop();
    await Promise.all([loadDone, churnDone]);
    const result = judge(options, samples, problems, churnSpans, restarts);
    await writeFiles(options.out, result);
    return result;
  } finally {
    close();
    await stopRing();
  }
}

/** Resident memory of a member's process in MiB (NaN while it is not running). */
async function rssOf(member: Member): Promise<number> {
  const child = member.child;
  if (member.state !== 'up' || !child?.pid || child.exitCode !== null || child.signalCode !== null) return NaN;
  try {
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return kb ? Number(kb[1]) / 1024 : NaN;
  } catch {
    return NaN; // it exited between the check and the read
  }
}

/** Keys the ring holds: primaries summed over members (each live key has one), and every copy. */
async function keysHeld(kv: KvClient, members: readonly Member[]): Promise<{ primary: number; total: number }> {
  try {
    const statuses = await Promise.all(members.map((m) => kv.status(m.address)));
    return statuses.reduce((sum, s) => ({ primary: sum.primary + s.keys.primary, total: sum.total + s.keys.total }), { primary: 0, total: 0 });
  } catch {
    return { primary: NaN, total: NaN };
  }
}

/**
 * On loopback the ring spawns `node bin/chordkv.js` directly, so the child's pid is the node
 * itself; a wrapper (a shell, `ip netns exec`) in between would make every RSS sample wrong.
 */
async function assertNodeProcesses(members: readonly Member[]): Promise<void> {
  for (const m of members) {
    const cmdline = await readFile(`/proc/${m.child?.pid}/cmdline`, 'utf8');
    if (!cmdline.split('\0').some((arg) => arg.endsWith('chordkv.js'))) throw new Error(`pid ${m.child?.pid} is not a chordkv node: ${cmdline.replace(/\0/g, ' ')}`);
  }
}
