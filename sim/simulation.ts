/**
 * One simulation: the simulated clock and the seeded generator installed for its
 * duration (see clock.ts for why process-wide), a ring built on them, and both taken
 * down again afterwards, whatever happens. Math.random is the seeded generator meanwhile
 * (node/ uses it for the join's back-off), so a run replays from its seed.
 */
import { Rng } from '../torture/prng.js';
import { SimClock } from './clock.js';
import { SimRing, type SimRingOptions } from './ring.js';

export async function simulate<T>(options: SimRingOptions, body: (ring: SimRing) => Promise<T>): Promise<T> {
  const clock = new SimClock();
  const rng = new Rng(options.seed);
  const random = Math.random;
  clock.install();
  Math.random = () => rng.next();
  const ring = new SimRing(clock, rng, options);
  try {
    return await body(ring);
  } finally {
    // Stopping a node awaits its running maintenance round, which needs the clock to move.
    await clock.run(Promise.all(ring.nodes.map((node) => node.close())));
    clock.uninstall();
    Math.random = random;
  }
}

/** Wall time and messages of `rounds` maintenance rounds of a steady ring. */
export async function steadyState(ring: SimRing, rounds: number): Promise<{ wallMsPerSimulatedSecond: number; messagesPerNodePerRound: number }> {
  const wallStart = performance.now();
  const simStart = ring.clock.now;
  const messages = ring.messages.total;
  await ring.rounds(rounds);
  const simulatedSeconds = (ring.clock.now - simStart) / 1000;
  return {
    wallMsPerSimulatedSecond: (performance.now() - wallStart) / simulatedSeconds,
    messagesPerNodePerRound: (ring.messages.total - messages) / ring.size / rounds,
  };
}
