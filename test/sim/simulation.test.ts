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

test.serial('at N = 64 lookups find the right owner in about ½·log2(N/r) + 1 operation hops, the paper\'s rule in about ½·log2 N forwards, and a join costs a bounded number of messages', async (t) => {
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
    // The paper's own rule over the same fingers (fingers only: sim/scenarios/paper-lookup.ts) is what its Fig. 10 measured.
    t.true(Math.abs(paths.paperRuleMean - 0.5 * Math.log2(N)) < 0.5, `the paper's rule: ${paths.paperRuleMean} forwards, ½·log2 N = ${0.5 * Math.log2(N)}`);
    t.true(paths.paperRuleMean > paths.lookupMean, 'successor-list shortcuts make chordkv\'s lookups shorter than the paper\'s');
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

test.serial('after 20 % of the nodes fail at once, the reads that fail are exactly the keys whose every holder failed (k = 1 and k = 3)', async (t) => {
  for (const k of [1, 3]) {
    const row = await simulate({ k, seed: 5 }, async (ring) => {
      await grow(ring, N);
      return measureFailures(ring, await insertKeys(ring, 256, 'test'), 0.2, k);
    });
    t.true(row.roundsToStable < 60, `k=${k}: the ring stabilized`);
    // A failed read of a key with a live copy would be a read answering "not found" for an acknowledged write.
    t.is(row.failedReads, row.keysLost, `k=${k}: failed reads as soon as the successors are right ${row.failedReads}, keys lost ${row.keysLost}`);
    t.is(row.failedAfterRepair, row.keysLost, `k=${k}: failed reads after repair ${row.failedAfterRepair}`);
    if (k === 1) t.true(row.keysLost > 0.05, `k=1: ${row.keysLost} of the keys had their one holder fail`);
    else t.true(row.keysLost < 0.05, `k=3: ${row.keysLost} of the keys had all three holders fail`);
  }
});
