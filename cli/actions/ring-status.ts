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
      answers = await Promise.all(nodes.map((m) => quick.kv.status(processOf(m.address)).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))))));
    } finally {
      quick.close();
    }
    const rows = ringRows(nodes, answers);
    const settings = answers.find((a): a is StatusAnswer => !(a instanceof Error));
    printResult(printer, { nodes: rows }, (r) => formatRing(r.nodes, settings));
  });
