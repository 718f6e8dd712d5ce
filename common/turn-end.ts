/**
 * Work put off to the end of this turn of the event loop, so that what many callbacks of the
 * turn produce leaves together: the forwards to one peer in one call, the calls to one peer in
 * one socket write. A microtask would be too early: each I/O callback of the poll phase runs
 * its own microtasks before the next callback starts.
 *
 * One setImmediate serves every user, and work added while the queue runs joins the same pass.
 * Batching layers stack (a forward batch becomes a frame call, which the frame transport
 * writes): with a setImmediate each, the socket write waited for the next turn, after
 * everything else that turn brought; here the inner layer's flush runs right after the outer's.
 * Two consequences for whoever queues work here:
 * - microtasks (promise callbacks, nextTick) run after the whole pass, not between pieces of work;
 * - work must not queue itself again unconditionally, or the pass never ends (each user here
 *   queues at most one flush while a flag says one is queued).
 */
type Schedule = (run: () => void) => unknown;

const queue: (() => void)[] = [];
/** The setImmediate the pending pass was scheduled with, if one is pending. */
let scheduledWith: Schedule | undefined;

/** Runs `work` once this turn's callbacks are done, after the work queued before it. */
export function atTurnEnd(work: () => void): void {
  queue.push(work);
  const schedule = globalThis.setImmediate as Schedule;
  // A simulated clock (sim/) replaces setImmediate and may be taken away with our pass still
  // pending on it: then the pass is scheduled again on the one in place now. Should both fire,
  // the second finds the queue empty.
  if (scheduledWith === schedule) return;
  scheduledWith = schedule;
  schedule(runQueue);
}

function runQueue(): void {
  let failure: { error: unknown } | undefined;
  // Not a for-of over a copy: work queued by work runs in this pass.
  for (let i = 0; i < queue.length; i++) {
    try {
      queue[i]();
    } catch (error) {
      // One failure does not hold back the others' flushes; it is thrown once they ran, as a
      // setImmediate of its own would have thrown it.
      failure ??= { error };
    }
  }
  queue.length = 0;
  scheduledWith = undefined;
  if (failure) throw failure.error;
}
