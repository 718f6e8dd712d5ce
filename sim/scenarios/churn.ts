/**
 * Lookups during churn (the paper's Fig. 12): nodes join and crash continuously, as two
 * Poisson processes of `rate` events per stabilization period each (the period being the
 * maintenance interval), while lookups from random live members run at `lookupsPerPeriod`.
 * Every call takes `latencyMs` each way, so lookups overlap the changes. A lookup fails when
 * it errs or names an owner other than the one the correct ring of the moment names.
 */
import { hexToId } from '../../common/ring.js';
import type { SimRing } from '../ring.js';
import { exponentialMs, randomIdHex } from '../random.js';
import { round, summarize } from '../stats.js';
import { RingTruth } from '../truth.js';

export interface ChurnRow {
  n: number;
  /** Joins per stabilization period, and as many crashes. */
  ratePerPeriod: number;
  /** Crashes per stabilization period as a fraction of the ring. */
  failedPerPeriod: number;
  lookups: number;
  failedLookups: number;
  /** The paper's estimate: mean lookup path × fraction of nodes failed per period. */
  predicted: number;
  meanHops: number;
  erred: number;
  wrongOwner: number;
  /** Of the wrong owners, those that had crashed (the rest were alive but not the owner). */
  namedCrashed: number;
}

type Event = 'join' | 'crash' | 'lookup';

/** Whether `address` owns `id` in the ring of the moment: its members, with or without the nodes whose join is under way. */
function rightOwner(ring: SimRing, id: bigint, address: string): boolean {
  if (ring.truth.successor(id).address === address) return true;
  return ring.joining.size > 0 && new RingTruth([...ring.nodes, ...ring.joining].map((n) => n.self)).successor(id).address === address;
}

export async function measureChurn(ring: SimRing, ratePerPeriod: number, periods: number, lookupsPerPeriod: number): Promise<ChurnRow> {
  const periodMs = ring.config.maintenanceIntervalMs;
  const n = ring.size;
  const endMs = ring.clock.now + periods * periodMs;
  const next = new Map<Event, number>();
  const rates: Record<Event, number> = { join: ratePerPeriod / periodMs, crash: ratePerPeriod / periodMs, lookup: lookupsPerPeriod / periodMs };
  for (const event of Object.keys(rates) as Event[]) next.set(event, ring.clock.now + exponentialMs(ring.rng, rates[event]));
  const pending: Promise<unknown>[] = [];
  const hops: number[] = [];
  let erred = 0;
  let wrongOwner = 0;
  let namedCrashed = 0;
  const crashed = new Set<string>();
  for (;;) {
    const [event, at] = [...next].sort((a, b) => a[1] - b[1])[0];
    if (at > endMs) break;
    await ring.clock.runFor(at - ring.clock.now);
    next.set(event, at + exponentialMs(ring.rng, rates[event]));
    if (event === 'join') pending.push(ring.join().catch(() => undefined));
    else if (event === 'crash' && ring.size > 2) {
      const victim = ring.randomNode();
      crashed.add(victim.self.address);
      pending.push(ring.crash(victim));
    }
    else if (event === 'lookup') {
      const id = randomIdHex(ring.rng);
      pending.push(ring.lookup(ring.randomNode(), id).then(
        (found) => {
          hops.push(found.hops);
          if (rightOwner(ring, hexToId(id), found.node.address)) return;
          wrongOwner++;
          if (crashed.has(found.node.address)) namedCrashed++;
        },
        () => { erred++; },
      ));
    }
  }
  await ring.clock.run(Promise.all(pending));
  const lookups = hops.length + erred;
  const meanHops = summarize(hops).mean;
  return {
    n, ratePerPeriod, failedPerPeriod: round(ratePerPeriod / n, 4), lookups, failedLookups: round((erred + wrongOwner) / lookups, 4),
    predicted: round(meanHops * (ratePerPeriod / n), 4), meanHops: round(meanHops, 2), erred, wrongOwner, namedCrashed,
  };
}
