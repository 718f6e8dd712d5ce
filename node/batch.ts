/**
 * Many operations in one request: each node runs the ones it owns, in order, and passes the
 * rest on in one message per next hop, so a batch costs a message per owner, not per key.
 * Operations on one key always travel together, so they apply in the order they were given.
 */
import { randomUUID } from 'node:crypto';
import { asChordError, NotReady, retryOfCode, type ErrorBody } from '../common/errors.js';
import { hashId } from '../common/ring.js';
import type { BatchOp, OpAnswer } from '../common/wire.js';
import type { Lifecycle } from './lifecycle.js';
import { batch as batchCall, type BatchResult, type OpRequest } from './rpc/routing.js';
import type { RpcClient } from './rpc/spec.js';
import { MAX_HOPS } from './router.js';
import type { RoutingTable } from './routing.js';
import { extended } from '../common/objects.js';

export interface BatchComponents {
  readonly routing: RoutingTable;
  readonly lifecycle: Lifecycle;
  readonly rpc: RpcClient;
  /** Routes one operation (see Router.route); `reqId` is the batch's request id. */
  route(request: OpRequest, reqId?: string): Promise<OpAnswer>;
  /** Runs one operation as a single request would run, retried while the ring changes. */
  retry(request: OpRequest, reqId?: string): Promise<OpAnswer>;
}

export class BatchRouter {
  constructor(private readonly components: BatchComponents) {}

  /**
   * At the node a batch entered: runs it, then tries again, one by one and in the order
   * given (so that operations on one key still apply in order), each operation that met a
   * changing ring. Results in the order of `ops`.
   */
  async runFromEntry(ops: readonly BatchOp[], reqId?: string): Promise<BatchResult[]> {
    // A write's id stays with it through every retry, so that its owner applies it once.
    const requests: OpRequest[] = ops.map((op) => (op.op === 'get' ? extended(op, { hops: 0 }) : extended(op, { hops: 0, id: randomUUID() })));
    const results = await this.run(requests, 0, reqId);
    for (const [i, result] of results.entries()) {
      if ('error' in result && retryOfCode(result.error.code) !== 'never') results[i] = await this.settle(this.components.retry(requests[i], reqId));
    }
    return results;
  }

  /** Results in the order of `ops`: an answer, or the error of that one operation. */
  async run(ops: readonly OpRequest[], hops: number, reqId?: string): Promise<BatchResult[]> {
    const { routing, lifecycle, rpc } = this.components;
    lifecycle.assertMember();
    const results: BatchResult[] = new Array<BatchResult>(ops.length);
    const local: number[] = [];
    const onward = new Map<string, number[]>();
    for (const [i, op] of ops.entries()) {
      const id = hashId(op.key);
      const next = routing.owns(id) || lifecycle.state === 'departed' || hops >= MAX_HOPS ? undefined
        : hops === 0 ? routing.firstHop(id) : routing.nextHop(id);
      if (!next || routing.isSelf(next)) local.push(i);
      else onward.set(next.address, [...(onward.get(next.address) ?? []), i]);
    }
    await Promise.all([
      (async () => {
        // Once an operation on a key fails for a reason worth retrying, the later ones on that
        // key wait for its retry (see ChordNode.batch), so that they still apply in order.
        const held = new Set<string>();
        for (const i of local) {
          const op = ops[i];
          results[i] = held.has(op.key)
            ? new NotReady(`an earlier operation on ${JSON.stringify(op.key)} in this batch is being retried`, 'RING_CHANGING').toJSON()
            : await this.settle(this.components.route({ ...op, hops }, reqId));
          const failed = results[i];
          if ('error' in failed && retryOfCode(failed.error.code) !== 'never') held.add(op.key);
        }
      })(),
      ...[...onward].map(async ([address, indexes]) => {
        try {
          const answer = await rpc.call(batchCall, address, { ops: indexes.map((i) => ops[i]), hops: hops + 1 }, reqId);
          indexes.forEach((i, j) => { results[i] = answer.results[j]; });
        } catch (err) {
          const failed = asChordError(err).toJSON();
          for (const i of indexes) results[i] = failed;
        }
      }),
    ]);
    return results;
  }

  private settle(answer: Promise<OpAnswer>): Promise<BatchResult> {
    return answer.catch((err): ErrorBody => asChordError(err).toJSON());
  }
}
