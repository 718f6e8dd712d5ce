/**
 * Forward batching: the user operations a node forwards to one next hop in one turn of the
 * event loop leave as one call (`/rpc/ops`) instead of one call each, so the receiver decodes,
 * dispatches and answers them once. A lone operation still goes as a plain `/rpc/op`. The
 * receiver runs every operation of a batch at once, as if each had arrived alone (unlike a
 * user's `/rpc/batch`, whose operations on one key apply in order): these come from unrelated
 * requests. Each operation keeps the id of the request it belongs to, for the logs, and fails
 * or answers on its own; a failed call fails all of its operations with the same error, which
 * the router then handles per operation as it would for a lone call.
 */
import { ChordError } from '../common/errors.js';
import { atTurnEnd } from '../common/turn-end.js';
import type { OpAnswer } from '../common/wire.js';
import { op, ops, type ForwardResult, type OpRequest } from './rpc/routing.js';
import type { RpcClient } from './rpc/spec.js';

interface Pending {
  request: OpRequest;
  requestId?: string;
  resolve: (answer: OpAnswer) => void;
  reject: (err: unknown) => void;
}

/**
 * Bytes of keys and values per call at most: a call over the frame or body limit would fail
 * every operation in it, though each alone would pass. An operation bigger than this goes alone.
 */
export const MAX_BATCH_BYTES = 1024 * 1024;

/** What an operation adds to a call, near enough: its key and value (UTF-16 units, close to bytes for the limit's purpose). */
const sizeOf = (request: OpRequest) => request.key.length + ('value' in request ? request.value.length : 0);

export class ForwardBatcher {
  private readonly queues = new Map<string, Pending[]>();
  /** Peers that answered `/rpc/ops` with NOT_FOUND (a node from before it, in a rolling upgrade): sent one call per operation. */
  private readonly loneOnly = new Set<string>();

  /** `maxBatch`, `maxBytes`: operations and bytes per call at most (a longer queue leaves in several calls). */
  constructor(private readonly rpc: Pick<RpcClient, 'call'>, private readonly maxBatch: number, private readonly maxBytes = MAX_BATCH_BYTES) {}

  /** Forwards `request` (of public request `requestId`) to `address`, with whatever else is forwarded there in this turn of the loop. */
  call(address: string, request: OpRequest, requestId?: string): Promise<OpAnswer> {
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(address);
      if (!queue) {
        queue = [];
        this.queues.set(address, queue);
        // The requests that arrived in this poll phase each reach here from their own I/O
        // callback, and all of them should share the call (turn-end.ts).
        atTurnEnd(() => this.flush(address));
      }
      queue.push({ request, requestId, resolve, reject });
    });
  }

  private flush(address: string): void {
    const queue = this.queues.get(address) ?? [];
    this.queues.delete(address);
    let batch: Pending[] = [];
    let bytes = 0;
    for (const pending of queue) {
      const size = sizeOf(pending.request);
      if (batch.length > 0 && (batch.length >= this.maxBatch || bytes + size > this.maxBytes)) {
        this.send(address, batch);
        batch = [];
        bytes = 0;
      }
      batch.push(pending);
      bytes += size;
    }
    if (batch.length > 0) this.send(address, batch);
  }

  private send(address: string, batch: Pending[]): void {
    if (batch.length === 1 || this.loneOnly.has(address)) {
      for (const only of batch) this.rpc.call(op, address, only.request, only.requestId).then(only.resolve, only.reject);
      return;
    }
    const items = batch.map(({ request, requestId }) => (requestId === undefined ? { request } : { request, requestId }));
    this.rpc.call(ops, address, { ops: items }).then(
      ({ results }) => batch.forEach((pending, i) => settle(pending, results[i])),
      (err: unknown) => {
        if (!(err instanceof ChordError && err.code === 'NOT_FOUND')) {
          batch.forEach((pending) => pending.reject(err));
          return;
        }
        this.loneOnly.add(address);
        this.send(address, batch);
      },
    );
  }
}

function settle(pending: Pending, result: ForwardResult | undefined): void {
  if (!result) pending.reject(new ChordError('BAD_RESPONSE', 'a forwarded batch came back with fewer results than operations'));
  else if ('answer' in result) pending.resolve(result.answer);
  else pending.reject(ChordError.fromBody(result.body, result.status));
}
