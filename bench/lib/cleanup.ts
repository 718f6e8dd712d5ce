/**
 * Every process, ring and temporary directory a benchmark starts is registered here, so that
 * a normal end, a thrown error and Ctrl-C all stop the same set, each exactly once.
 */
type Stop = () => Promise<void>;

const live = new Set<Stop>();

/** Registers `stop`; the returned function runs it at most once and unregisters it. */
export function track(stop: Stop): Stop {
  let done: Promise<void> | undefined;
  const once: Stop = () => (done ??= stop().finally(() => live.delete(once)));
  live.add(once);
  return once;
}

/**
 * Tracks a resource that is still starting: a signal that arrives mid-launch must still stop
 * what the launch brings up, and the launcher only cleans up after itself when it fails.
 */
export async function trackStarting<T extends { stop(): Promise<void> }>(starting: Promise<T>): Promise<T> {
  const stop = track(async () => {
    const started = await starting.catch(() => undefined);
    await started?.stop();
  });
  const started = await starting.catch(async (err) => {
    await stop();
    throw err;
  });
  // A copy whose stop is the tracked one (so a later stopAll does not stop it twice); the
  // launcher's object keeps its own stop, which the tracked one calls.
  return { ...started, stop };
}

export async function stopAll(): Promise<void> {
  while (live.size > 0) await Promise.allSettled([...live].map((stop) => stop()));
}

/**
 * Runs `main` with every tracked resource stopped afterwards, whatever happens. SIGINT and
 * SIGTERM stop everything first and then exit, because the default handlers would leave the
 * node processes of a ring running.
 */
export async function runMain(main: () => Promise<void>): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping every process this run started`);
      void stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
  try {
    await main();
  } catch (err) {
    console.error(err instanceof Error ? err.stack ?? err.message : err);
    process.exitCode = 1;
  } finally {
    await stopAll();
  }
}
