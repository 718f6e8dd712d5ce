/**
 * The in-memory network with a random one-way delay on each leg of every node-to-node call
 * (request and answer), drawn from an exponential distribution, as in the WARS model of
 * Bailis et al.'s PBS. MemoryNetwork's own `delay` is one fixed number for every call, which
 * would make staleness a step at that number; real replicas lag by varying amounts.
 * A `loses` filter, asked when a call arrives, can lose it there, as a cut link would.
 */
import { PeerUnreachable } from '../../common/errors.js';
import type { Method, Transport } from '../../common/transport.js';
import { MemoryNetwork } from '../../node/rpc/memory-network.js';

/** Whether the call from `from` on `path` that arrives now is lost on the way. */
export type LossFilter = (from: string, path: string, body: unknown) => boolean;

export class LaggingNetwork extends MemoryNetwork {
  /** Consulted for every call as it arrives; none: nothing is lost. */
  loses: LossFilter | undefined;

  /** `meanMs`: the mean of each leg's delay (0: none). */
  constructor(private readonly meanMs: number) {
    super();
  }

  override transport(from: string, options: { timeoutMs: number; secret?: string }): Transport {
    const inner = super.transport(from, options);
    return {
      call: async <T>(address: string, method: Method, path: string, body?: unknown, timeoutMs?: number, reqId?: string): Promise<T> => {
        // The request leg runs before delivery, so a link cut meanwhile drops the call, as a
        // partition drops what has not yet crossed it.
        await this.lag();
        if (this.loses?.(from, path, body)) throw new PeerUnreachable(address);
        const answer = await inner.call<T>(address, method, path, body, timeoutMs, reqId);
        await this.lag();
        return answer;
      },
      close: () => inner.close(),
    };
  }

  private lag(): Promise<void> {
    if (this.meanMs <= 0) return Promise.resolve();
    const ms = -this.meanMs * Math.log(1 - Math.random());
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
