/**
 * A small simulation (N = 64, seeded) of the real node code, asserting on the figures
 * docs/scale.md reports, so that the simulator cannot silently drift from the node code:
 * a change to routing, joins or failure handling that moves these numbers fails here.
 * Serial: a simulation installs its clock process-wide (sim/clock.ts), so two cannot overlap.
 */
import test from 'ava';
import { grow } from '../../sim/grow.js';
import { simulate } from '../../sim/simulation.js';
import { insertKeys, measureFailures } from '../../sim/scenarios/failures.js';
import { measureJoinCost } from '../../sim/scenarios/join-cost.js';
import { measurePaths } from '../../sim/scenarios/paths.js';

const N = 64;

test.serial('at N = 64 lookups find the right owner in about ½·log2(N/r) + 1 operation hops, and a join costs a bounded number of messages', async (t) => {
  await simulate({ k: 1, seed: 7 }, async (ring) => {
    await grow(ring, N);
    const paths = await measurePaths(ring, 200);
    t.is(paths.n, N);
    t.is(paths.wrongFingers, 0, 'fingers converged');
    t.is(paths.wrongOwners, 0, 'every lookup named the correct owner');
    // With a successor list of r = 8 the last log2 r bits are resolved at once (docs/scale.md).
    const model = 0.5 * Math.log2(N / 8) + 1;
    t.true(Math.abs(paths.opMean - model) < 0.5, `operation hops ${paths.opMean}, model ${model}`);
    t.true(paths.lookupMean < paths.opMean, 'a lookup stops at the node that names the owner');
    t.true(paths.opP99 <= Math.log2(N) + 1);

    const cost = await measureJoinCost(ring, 2, paths.lookupMean);
    t.is(ring.size, N, 'the nodes that joined have left again');
    t.true(cost.joinMessages > 10 && cost.joinMessages < 80, `a join took ${cost.joinMessages} messages`);
    t.true(cost.leaveMessages > 5 && cost.leaveMessages < 80, `a leave took ${cost.leaveMessages} messages`);
    t.regex(cost.joinByPath, /find-successor/);
  });
});

test.serial('a seeded run replays: the same seed gives the same figures', async (t) => {
  const run = () => simulate({ k: 1, seed: 11 }, async (ring) => {
    await grow(ring, 32);
    return measurePaths(ring, 50);
  });
  t.deepEqual(await run(), await run());
});

test.serial('after 20 % of the nodes fail at once, k = 1 loses the keys whose one holder failed and k = 3 none once replicas are repaired', async (t) => {
  for (const k of [1, 3]) {
    const row = await simulate({ k, seed: 5 }, async (ring) => {
      await grow(ring, N);
      return measureFailures(ring, await insertKeys(ring, 256, 'test'), 0.2, k);
    });
    t.true(row.roundsToStable < 60, `k=${k}: the ring stabilized`);
    if (k === 1) {
      t.true(row.keysLost > 0.05, `k=1: ${row.keysLost} of the keys had their one holder fail`);
      t.true(Math.abs(row.failedReads - row.keysLost) <= 0.02, `k=1: failed reads ${row.failedReads} ≈ keys lost ${row.keysLost}`);
      t.true(Math.abs(row.failedAfterRepair - row.keysLost) <= 0.02, `k=1: failed reads after repair ${row.failedAfterRepair}`);
    } else {
      // Right after the successors are right some reads may still miss (docs/scale.md); after repair none may.
      t.true(row.failedAfterRepair <= row.keysLost + 0.01, `k=3: failed reads after repair ${row.failedAfterRepair}, keys lost ${row.keysLost}`);
      t.true(row.keysLost < 0.05, `k=3: ${row.keysLost} of the keys had all three holders fail`);
    }
  }
});
