/** Flags of the node processes (bootstrap and node), mapped onto the node config. */
import type { Argv } from 'yargs';
import { DEFAULT_CONFIG, PEER_TRANSPORTS, type NodeConfig } from '../../node/config.js';
import { checkAddress, checkPositive, checkWhole, firstProblem } from '../flags.js';

export function nodeOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('host', { type: 'string', default: '127.0.0.1', describe: 'interface to listen on' })
    .option('port', { type: 'number', default: 5000, describe: 'port to listen on (0: any free port)' })
    .option('advertise', { type: 'string', describe: 'HOST:PORT other nodes use to reach this one (default host:port)' })
    .option('secret', { type: 'string', describe: 'cluster secret required on node-to-node calls (env CHORDKV_SECRET)' })
    .option('data-dir', { type: 'string', describe: 'where the node keeps its data (default data/HOST-PORT; memory on port 0)' })
    .option('memory', { type: 'boolean', default: false, describe: 'keep data in memory only' })
    .option('fsync', { type: 'boolean', default: false, describe: 'fsync every write: survives an OS crash, much slower' })
    .option('log-level', { choices: ['debug', 'info', 'warn', 'error', 'silent'] as const, default: 'info' as const })
    .option('log-pretty', { type: 'boolean', describe: 'human-readable log lines on stderr instead of JSON (default: when stderr is a terminal)' })
    .option('request-timeout-ms', { type: 'number', describe: 'deadline of one node-to-node call' })
    .option('failure-timeout-ms', { type: 'number', describe: 'a neighbour whose calls all time out for this long counts as failed (default: twice --request-timeout-ms)' })
    .option('metrics', { type: 'boolean', default: true, describe: 'serve Prometheus metrics on GET /metrics (--no-metrics: off)' })
    .option('weight', { type: 'number', default: 1, describe: 'this process holds weight × the ring\'s --vnodes ring ids (a bigger machine: more)' })
    .option('peer-transport', { choices: PEER_TRANSPORTS, default: DEFAULT_CONFIG.peerTransport, describe: 'how this node calls other nodes: frames (batched, persistent connections) or http (one request per call, for debugging)' })
    .config('config', 'a JSON file of these flags ({"port": 5001, "data-dir": "…"}); flags on the command line win')
    .check((argv) => firstProblem(
      checkWhole('--port', argv.port, 0, 65535), checkAddress('--advertise', argv.advertise),
      checkPositive('--request-timeout-ms', argv.requestTimeoutMs), checkPositive('--failure-timeout-ms', argv.failureTimeoutMs),
      checkPositive('--weight', argv.weight),
    ));
}

export function nodeFlags(argv: {
  host: string; port: number; advertise?: string; secret?: string;
  logLevel: NodeConfig['logLevel']; logPretty?: boolean; requestTimeoutMs?: number; failureTimeoutMs?: number; dataDir?: string; memory: boolean; fsync: boolean; metrics: boolean;
  weight: number;
  peerTransport: NodeConfig['peerTransport'];
}): Partial<NodeConfig> {
  return {
    host: argv.host, port: argv.port, advertise: argv.advertise, secret: argv.secret,
    logLevel: argv.logLevel, logPretty: argv.logPretty, requestTimeoutMs: argv.requestTimeoutMs,
    failureTimeoutMs: argv.failureTimeoutMs,
    dataDir: argv.dataDir, memory: argv.memory, fsync: argv.fsync, metrics: argv.metrics, weight: argv.weight,
    peerTransport: argv.peerTransport,
  };
}
