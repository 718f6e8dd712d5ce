/** Heap use in tests: the garbage collector, callable from a test run without --expose-gc. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export function exposedGc(): () => void {
  setFlagsFromString('--expose_gc');
  return runInNewContext('gc') as () => void;
}

/**
 * The heap bytes that `build` leaves behind, per `count`, after full collections. Keep what it
 * builds in use afterwards (the collector takes an object no variable will read again).
 */
export async function heapPer<T>(count: number, build: () => T | Promise<T>): Promise<{ perItem: number; built: T }> {
  const gc = exposedGc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const built = await build();
  gc();
  return { perItem: (process.memoryUsage().heapUsed - before) / count, built };
}
