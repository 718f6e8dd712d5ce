/** `chordkv status --ring`: walk the ring from one node, then ask every member at once. */
import { createKvClient } from '../../common/client.js';
import { processOf } from '../../common/vnodes.js';
import type { StatusAnswer } from '../../common/wire.js';
import { printResult, type Printer } from '../output.js';
import { formatRing, ringRows } from '../ring-table.js';
import { withClient, type ClientFlags } from './client.js';

/** A node that takes longer than this is shown as unreachable rather than holding up the table. */
const STATUS_TIMEOUT_MS = 3000;

export const ringStatus = (flags: ClientFlags, printer: Printer) =>
  withClient(flags, printer, async (kv, node) => {
    const { nodes } = await kv.overlay(node);
    const quick = createKvClient({ timeoutMs: Math.min(flags.timeout, STATUS_TIMEOUT_MS), secret: flags.secret });
    let answers: (StatusAnswer | Error)[];
    try {
      // One status per process; a row per ring id shows that id's own view of it.
      const byProcess = new Map<string, Promise<StatusAnswer | Error>>();
      for (const process of new Set(nodes.map((m) => processOf(m.address)))) {
        byProcess.set(process, quick.kv.status(process).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))));
      }
      answers = await Promise.all(nodes.map(async (m) => ownView(await byProcess.get(processOf(m.address))!, m.address)));
    } finally {
      quick.close();
    }
    const rows = ringRows(nodes, answers);
    const settings = answers.find((a): a is StatusAnswer => !(a instanceof Error));
    printResult(printer, { nodes: rows }, (r) => formatRing(r.nodes, settings));
  });

/** A ring id's row from its process's status: the id's own state and keys when the process holds several. */
function ownView(status: StatusAnswer | Error, address: string): StatusAnswer | Error {
  const vnode = status instanceof Error ? undefined : status.vnodes?.find((v) => v.address === address);
  return vnode && !(status instanceof Error) ? { ...status, ...vnode, ready: vnode.state === 'ready' } : status;
}
