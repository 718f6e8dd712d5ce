/**
 * The node process: flags in, a validated frozen config, a running node, one readiness
 * line on stdout, and a clean exit on SIGINT/SIGTERM or after departing.
 */
import { ChordError } from '../common/errors.js';
import { idToHex } from '../common/ring.js';
import { resolveConfig, type NodeConfig } from './config.js';
import { startNode, type RunningNode } from './start.js';

/** The readiness line a launcher waits for: `ready <address> id=<hex> k=<k> consistency=<mode>` (then ` vnodes=<n>` with several ring ids; id is the first's). */
export function readinessLine(running: RunningNode): string {
  const { node } = running;
  const vnodes = running.vnodes.length > 1 ? ` vnodes=${running.vnodes.length}` : '';
  return `ready ${running.address} id=${idToHex(node.self.id)} k=${node.settings.k} consistency=${node.settings.mode}${vnodes}`;
}

export const READY_PATTERN = /^ready (\S+) id=([0-9a-f]+)/;

/** Runs a node until it departs or is signalled; never returns normally. */
export async function runNodeProcess(flags: Partial<NodeConfig>): Promise<void> {
  let running: RunningNode;
  try {
    const config = resolveConfig(flags);
    running = await startNode(config);
  } catch (err) {
    process.stderr.write(`chordkv: ${describeStartError(err, flags)}\n`);
    process.exit(err instanceof ChordError && err.code === 'BAD_CONFIG' ? 2 : 1);
  }
  process.stdout.write(readinessLine(running) + '\n');
  const shutdown = async (code: number) => {
    await running.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  await running.departed;
  await shutdown(0);
}

function describeStartError(err: unknown, flags: Partial<NodeConfig>): string {
  const e = err as NodeJS.ErrnoException & { code?: string };
  if (e?.code === 'EADDRINUSE') return `port ${flags.port} on ${flags.host ?? '127.0.0.1'} is already in use; pick another with --port`;
  if (e?.code === 'EACCES') return `not allowed to listen on port ${flags.port}; use a port above 1023`;
  if (e?.code === 'PEER_UNREACHABLE') return `cannot reach ${flags.contact} to join the ring; is it running? (--bootstrap HOST:PORT)`;
  if (err instanceof ChordError) return `${err.code}: ${err.message}`;
  return (err as Error)?.message ?? String(err);
}
