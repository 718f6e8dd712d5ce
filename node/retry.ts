/** Retrying a request while the ring changes under it, up to a deadline. */
import { retryOf } from '../common/errors.js';

/**
 * Runs `attempt` until it succeeds, fails for a reason retrying cannot cure (see the error
 * catalogue) or that `mayRetry` refuses, or `deadlineMs` passes (backing off up to 0.5 s).
 */
export async function retryWhileRingChanges<T>(
  deadlineMs: number, attempt: () => Promise<T>, mayRetry: (err: unknown) => boolean = () => true,
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (err) {
      if (retryOf(err) === 'never' || !mayRetry(err) || Date.now() + 50 > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** tries, 500)));
    }
  }
}
