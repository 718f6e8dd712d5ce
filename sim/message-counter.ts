/** Counting the node-to-node calls a simulated ring makes, by RPC path, at the transport. */
import type { Transport } from '../common/transport.js';

/** Node-to-node calls made, by RPC path. */
export class MessageCounter {
  private readonly counts = new Map<string, number>();

  /** `transport`, counting every call it makes. */
  wrap(transport: Transport): Transport {
    return {
      call: (address, method, path, body, timeoutMs) => {
        this.counts.set(path, (this.counts.get(path) ?? 0) + 1);
        return transport.call(address, method, path, body, timeoutMs);
      },
      close: () => transport.close(),
    };
  }

  get total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  snapshot(): Map<string, number> {
    return new Map(this.counts);
  }

  /** Calls by path since `earlier` (a snapshot). */
  since(earlier: Map<string, number>): Map<string, number> {
    const diff = new Map<string, number>();
    for (const [path, n] of this.counts) if (n > (earlier.get(path) ?? 0)) diff.set(path, n - (earlier.get(path) ?? 0));
    return diff;
  }
}
