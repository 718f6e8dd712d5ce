/**
 * Node configuration: defaults, one validation pass that lists every problem, and a
 * frozen result. Nothing below the entry points reads process.env or process.argv.
 */
import { ConfigError } from '../common/errors.js';
import { vnodeProblems } from '../common/vnodes.js';
import { CONSISTENCIES, HOST_PORT, majority, type Consistency, type RingSettings } from '../common/wire.js';

export interface NodeConfig {
  /** Interface to listen on. */
  readonly host: string;
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** host:port other nodes use to reach this one; defaults to host:port actually bound. */
  readonly advertise?: string;
  /** A live member to join through; absent for the node that creates the ring. */
  readonly contact?: string;
  /** Ring-wide settings; only the creating node's values count, joiners adopt the ring's. */
  readonly k: number;
  readonly consistency: Consistency;
  /** Quorum mode: copies a read waits for (default a majority of k). */
  readonly r?: number;
  /** Quorum mode: copies a write waits for (default a majority of k). */
  readonly w?: number;
  /** Quorum mode: stand-ins take writes for preference-list nodes that are down (hinted handoff). */
  readonly sloppy: boolean;
  /** Ring-wide: ring ids per process (virtual nodes); only the creating node's value counts. */
  readonly vnodes: number;
  /** This process holds vnodes × weight ring ids (rounded), for a bigger or smaller machine. */
  readonly weight: number;
  /** Length of the successor list (at least k + 1, so a node can tell a ring of at most k nodes). */
  readonly successorListSize: number;
  /** How long a joining node keeps trying a contact that does not answer yet. */
  readonly joinWaitMs: number;
  /** Deadline of one node-to-node call. */
  readonly requestTimeoutMs: number;
  /**
   * How long a neighbour may go without answering (every call timing out) before it counts
   * as failed, as one that refuses connections does at once; absent: twice requestTimeoutMs.
   */
  readonly failureTimeoutMs?: number;
  /** How long a membership lock lives if its holder vanishes. */
  readonly lockLeaseMs: number;
  /** How long a user request may be retried internally while the ring changes. */
  readonly retryDeadlineMs: number;
  /** Pause between maintenance rounds (stabilize, check predecessor, fix fingers). */
  readonly maintenanceIntervalMs: number;
  /** Every this many rounds a node pushes what it owns to its chain even when nothing changed. */
  readonly antiEntropyRounds: number;
  /**
   * Where the node keeps its data. Absent: data/<host>-<port> for a node on a fixed port;
   * a node on an ephemeral port (0) cannot come back as the same node, so it keeps memory.
   */
  readonly dataDir?: string;
  /** Keep data in memory only, even with a fixed port. */
  readonly memory: boolean;
  /** fsync every write (survives an OS crash, not just a process crash; much slower). */
  readonly fsync: boolean;
  /** Cluster secret required on /rpc and /depart, when set. */
  readonly secret?: string;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Human-readable log lines instead of JSON; absent: when stderr is a terminal. */
  readonly logPretty?: boolean;
  /** Serve Prometheus metrics on GET /metrics (off: the parts report to nothing). */
  readonly metrics: boolean;
  /**
   * How this node calls its peers: `frames` (persistent upgraded connections, batched) or
   * `http` (one HTTP request per call, for debugging). A node serves both either way.
   */
  readonly peerTransport: PeerTransport;
}

export const PEER_TRANSPORTS = ['frames', 'http'] as const;
export type PeerTransport = typeof PEER_TRANSPORTS[number];

export const DEFAULT_CONFIG: NodeConfig = {
  host: '127.0.0.1',
  port: 5000,
  k: 1,
  consistency: 'linearizable',
  successorListSize: 8,
  requestTimeoutMs: 5000,
  joinWaitMs: 10000,
  lockLeaseMs: 15000,
  retryDeadlineMs: 8000,
  maintenanceIntervalMs: 500,
  memory: false,
  fsync: false,
  sloppy: false,
  vnodes: 1,
  weight: 1,
  antiEntropyRounds: 20,
  logLevel: 'info',
  metrics: true,
  peerTransport: 'frames',
};


/** Merges `partial` over the defaults, validates, and freezes; throws ConfigError listing every problem. */
export function resolveConfig(partial: Partial<NodeConfig>): NodeConfig {
  const merged = { ...DEFAULT_CONFIG, ...stripUndefined(partial) };
  const config = { ...merged, successorListSize: Math.max(merged.successorListSize, successorsNeeded(merged)) };
  const problems: string[] = [];
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) {
    problems.push(`port must be an integer from 0 to 65535 (got ${config.port})`);
  }
  if (!config.host) problems.push('host must not be empty');
  if (!Number.isInteger(config.k) || config.k < 1 || config.k > 64) problems.push(`k must be an integer from 1 to 64 (got ${config.k})`);
  if (!CONSISTENCIES.includes(config.consistency)) {
    problems.push(`consistency must be one of ${CONSISTENCIES.join(', ')} (got ${config.consistency})`);
  }
  problems.push(...quorumProblems(config));
  problems.push(...vnodeProblems(config.vnodes, config.weight));
  if (config.advertise !== undefined && !HOST_PORT.test(config.advertise)) problems.push(`advertise must be HOST:PORT (got ${config.advertise})`);
  if (config.contact !== undefined && !HOST_PORT.test(config.contact)) problems.push(`bootstrap must be HOST:PORT (got ${config.contact})`);
  const own = config.advertise ?? `${config.host}:${config.port}`;
  if (config.contact !== undefined && config.port !== 0 && config.contact === own) {
    problems.push(`--bootstrap ${config.contact} is this node's own address: a node joins through another member `
      + '(start the ring with "chordkv bootstrap", or give this node another --port)');
  }
  if ((config.host === '0.0.0.0' || config.host === '::') && !config.advertise) {
    problems.push(`listening on ${config.host} needs --advertise HOST:PORT, the address other nodes should use`);
  }
  for (const name of ['requestTimeoutMs', 'lockLeaseMs', 'retryDeadlineMs', 'successorListSize', 'maintenanceIntervalMs', 'antiEntropyRounds'] as const) {
    if (!Number.isFinite(config[name]) || config[name] <= 0) problems.push(`${name} must be a positive number`);
  }
  if (config.failureTimeoutMs !== undefined && !(Number.isFinite(config.failureTimeoutMs) && config.failureTimeoutMs > 0)) {
    problems.push('failureTimeoutMs must be a positive number');
  }
  if (!PEER_TRANSPORTS.includes(config.peerTransport)) problems.push(`peer transport must be one of ${PEER_TRANSPORTS.join(', ')} (got ${config.peerTransport})`);
  if (config.memory && config.dataDir) problems.push('--memory and --data-dir exclude each other');
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/** How long a silent neighbour has before it counts as failed (see NodeConfig.failureTimeoutMs). */
export function failureTimeoutOf(config: Pick<NodeConfig, 'failureTimeoutMs' | 'requestTimeoutMs'>): number {
  return config.failureTimeoutMs ?? 2 * config.requestTimeoutMs;
}

/** R and W belong to quorum rings, each from 1 to N = k. */
export function quorumProblems(config: Pick<NodeConfig, 'k' | 'consistency' | 'r' | 'w'> & { sloppy?: boolean }): string[] {
  const problems: string[] = [];
  for (const name of ['r', 'w'] as const) {
    const value = config[name];
    if (value === undefined) continue;
    if (config.consistency !== 'quorum') problems.push(`--${name} sets a quorum; it needs --consistency quorum`);
    else if (!Number.isInteger(value) || value < 1 || value > config.k) problems.push(`--${name} must be a whole number from 1 to N = k = ${config.k} (got ${value})`);
  }
  if (config.sloppy && config.consistency !== 'quorum') problems.push('--sloppy needs --consistency quorum');
  return problems;
}

/**
 * Successors a node must keep under these settings: k + 1, so that it can tell a ring of at
 * most k nodes; with sloppy quorum 2k, so that there are stand-ins beyond the k - 1 that hold copies.
 */
export function successorsNeeded(settings: { k: number; sloppy?: boolean }): number {
  return settings.sloppy ? 2 * settings.k : settings.k + 1;
}

/** The ring-wide settings a node that creates a ring fixes (joiners adopt the ring's instead). */
export function ringSettingsOf(config: Pick<NodeConfig, 'k' | 'consistency' | 'r' | 'w'> & { sloppy?: boolean; vnodes?: number }): RingSettings {
  // One id per process is left unsaid, so that such a ring's settings read as they always did.
  const placement = (config.vnodes ?? 1) > 1 ? { vnodes: config.vnodes } : {};
  if (config.consistency !== 'quorum') return { mode: config.consistency, k: config.k, ...placement };
  return { mode: 'quorum', k: config.k, r: config.r ?? majority(config.k), w: config.w ?? majority(config.k), sloppy: config.sloppy ?? false, ...placement };
}

/**
 * Short timeouts for tests: failures surface in well under a second. Metrics are off: a
 * test process runs hundreds of nodes, and each registry watches the process (GC, event loop).
 */
export function testConfig(partial: Partial<NodeConfig> = {}): NodeConfig {
  return resolveConfig({ host: '127.0.0.1', port: 0, requestTimeoutMs: 5000, lockLeaseMs: 10000, retryDeadlineMs: 10000,
    maintenanceIntervalMs: 150, antiEntropyRounds: 10, logLevel: 'error', memory: true, joinWaitMs: 0, metrics: false, ...partial,
  });
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
