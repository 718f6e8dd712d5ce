/** Retrying a request while the ring changes under it, up to a deadline. */
import { ChordError } from '../common/errors.js';

/** Errors after which a request is worth retrying: the ring was changing under it. */
const RETRYABLE = new Set(['PEER_UNREACHABLE', 'PEER_TIMEOUT', 'RING_CHANGING', 'NOT_READY', 'NOT_A_MEMBER', 'ROUTING_LOOP']);

/** Runs `attempt` until it succeeds, fails for a reason retrying cannot cure, or `deadlineMs` passes (backing off up to 0.5 s). */
export async function retryWhileRingChanges<T>(deadlineMs: number, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (err) {
      const retryable = err instanceof ChordError && RETRYABLE.has(err.code);
      if (!retryable || Date.now() + 50 > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** tries, 500)));
    }
  }
}
