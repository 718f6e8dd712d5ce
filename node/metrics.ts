/**
 * Prometheus metrics of one node (`GET /metrics`). Each node has its own registry, since
 * tests run many nodes in one process. Parts report through the narrow `Metrics` interface,
 * handed to them as a component; `noMetrics` does nothing, for `--no-metrics` and for parts
 * built in unit tests. Gauges whose value lives elsewhere (keys held, ring size, queues) are
 * read when scraped, so the hot path pays only for counters and histograms, and those it
 * updates for every request and call are tallies (tally.ts), cheaper than prom-client's.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { formatLabels, Tally } from './tally.js';

export interface Metrics {
  /** A public request answered: its route pattern (not the key), method, status and duration. */
  request(route: string, method: string, status: number, seconds: number): void;
  /** A node-to-node call made: which call, to whom, how it ended ('ok' or the error code), and how long it took. */
  call(path: string, peer: string, outcome: string, seconds: number): void;
  /** Forwards a user operation took to reach the node that answered it. */
  hops(count: number): void;
  /** One maintenance round (stabilize, fingers, repairs). */
  maintenanceRound(seconds: number): void;
  /** One anti-entropy pass and the pairs it moved (sent and received). */
  antiEntropy(pairsMoved: number): void;
  /**
   * Registers a gauge read at scrape time: `read` returns value per label set. A process with
   * several ring ids registers each gauge once per id; the readings are combined, summed or
   * (`'max'`) the largest.
   */
  gauge(name: string, help: string, labelNames: string[], read: GaugeReader, combine?: 'sum' | 'max'): void;
  /** The exposition text, and its content type. */
  text(): Promise<{ body: string; contentType: string }>;
}

/**
 * The process's own metrics (CPU, memory, GC, event loop), collected once per process: they
 * watch the process through observers that are never released, so one set serves every node
 * in it (the executable runs one; tests run many). They carry no `node` label.
 */
let processMetrics: Registry | undefined;
function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    // The event-loop delay monitor wakes the process every `precision` ms: at prom-client's
    // 10 ms it cost an idle node more than its maintenance does (0.6 % of a core, measured).
    collectDefaultMetrics({ register: processMetrics, prefix: 'chordkv_', eventLoopMonitoringPrecision: 100 });
  }
  return processMetrics;
}

export type GaugeReader = () => Promise<[Record<string, string>, number][]>;

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export class PromMetrics implements Metrics {
  private readonly registry = new Registry();
  private readonly gaugeReaders = new Map<string, GaugeReader[]>();
  // The ones every request and call updates are tallies (tally.ts), written out when scraped.
  private readonly requests = new Tally({ name: 'chordkv_http_requests_total', help: 'Public requests answered, by route, method and status', labelNames: ['route', 'method', 'status'] });
  private readonly requestSeconds = new Tally({ name: 'chordkv_http_request_duration_seconds', help: 'Public request latency', labelNames: ['route', 'method'], buckets: LATENCY_BUCKETS });
  private readonly calls = new Tally({ name: 'chordkv_rpc_calls_total', help: 'Node-to-node calls made, by call, peer and outcome (ok or the error code)', labelNames: ['call', 'peer', 'outcome'] });
  private readonly callSeconds = new Tally({ name: 'chordkv_rpc_call_duration_seconds', help: 'Node-to-node call latency', labelNames: ['call'], buckets: LATENCY_BUCKETS });
  private readonly hopCounts = new Tally({ name: 'chordkv_route_hops', help: 'Forwards a user operation took to reach the node that answered it', labelNames: [], buckets: [0, 1, 2, 3, 4, 5, 6, 8, 10, 16] });
  private readonly rounds = new Histogram({ name: 'chordkv_maintenance_round_seconds', help: 'Duration of a maintenance round', buckets: LATENCY_BUCKETS, registers: [this.registry] });
  private readonly antiEntropyRounds = new Counter({ name: 'chordkv_anti_entropy_rounds_total', help: 'Anti-entropy passes', registers: [this.registry] });
  private readonly antiEntropyPairs = new Counter({ name: 'chordkv_anti_entropy_pairs_total', help: 'Pairs moved (sent or received) by anti-entropy passes', registers: [this.registry] });

  private readonly defaultLabels: string;

  constructor(labels: Record<string, string>) {
    this.registry.setDefaultLabels(labels);
    this.defaultLabels = formatLabels(labels);
  }

  request(route: string, method: string, status: number, seconds: number): void {
    this.requests.add(1, route, method, String(status));
    this.requestSeconds.add(seconds, route, method);
  }

  call(path: string, peer: string, outcome: string, seconds: number): void {
    this.calls.add(1, path, peer, outcome);
    this.callSeconds.add(seconds, path);
  }

  hops(count: number): void {
    this.hopCounts.add(count);
  }

  maintenanceRound(seconds: number): void {
    this.rounds.observe(seconds);
  }

  antiEntropy(pairsMoved: number): void {
    this.antiEntropyRounds.inc();
    this.antiEntropyPairs.inc(pairsMoved);
  }

  gauge(name: string, help: string, labelNames: string[], read: GaugeReader, combine: 'sum' | 'max' = 'sum'): void {
    const readers = this.gaugeReaders.get(name);
    if (readers) {
      readers.push(read);
      return;
    }
    const all = [read];
    this.gaugeReaders.set(name, all);
    new Gauge({
      name, help, labelNames, registers: [this.registry],
      async collect() {
        const values = new Map<string, { labels: Record<string, string>; value: number }>();
        // One id whose reading fails (its store closing, say) leaves the others' standing.
        for (const reading of await Promise.allSettled(all.map((r) => r()))) {
          for (const [labels, value] of reading.status === 'fulfilled' ? reading.value : []) {
            const key = JSON.stringify(labels);
            const seen = values.get(key);
            if (!seen) values.set(key, { labels, value });
            else seen.value = combine === 'sum' ? seen.value + value : Math.max(seen.value, value);
          }
        }
        this.reset();
        for (const { labels, value } of values.values()) this.set(labels, value);
      },
    });
  }

  async text(): Promise<{ body: string; contentType: string }> {
    const tallies = [this.requests, this.requestSeconds, this.calls, this.callSeconds, this.hopCounts].map((tally) => `${tally.text(this.defaultLabels)}\n`);
    const body = [await this.registry.metrics(), ...tallies, await processRegistry().metrics()].join('\n');
    return { body, contentType: this.registry.contentType };
  }
}

/** Metrics switched off: every report is dropped, and /metrics says so. */
export const noMetrics: Metrics = {
  request() {},
  call() {},
  hops() {},
  maintenanceRound() {},
  antiEntropy() {},
  gauge() {},
  text: () => Promise.resolve({ body: '# metrics are off on this node (--no-metrics)\n', contentType: 'text/plain; version=0.0.4' }),
};
