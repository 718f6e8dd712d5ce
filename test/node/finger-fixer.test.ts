/**
 * FingerFixer alone, on the Chord paper's m=6 ring seen from node 8, with lookups answered
 * from the membership: how many lookups each round makes while the fingers stay right, and
 * after the ring moves.
 */
import test from 'ava';
import { fingerStart, hexToId, successorOf } from '../../common/ring.js';
import { toMemberJson, type Member } from '../../common/wire.js';
import { FingerFixer } from '../../node/membership/fingers.js';
import { RoutingTable } from '../../node/routing.js';

const member = (id: number): Member => ({ id: BigInt(id), address: `10.0.0.${id}:5000` });

function fixerOn(ring: number[]) {
  const members = ring.map(member);
  const routing = new RoutingTable(member(8), 3);
  let lookups = 0;
  const fixer = new FingerFixer(routing, async (idHex) => {
    lookups++;
    return { node: toMemberJson(successorOf(hexToId(idHex), members)), hops: 0 };
  });
  return {
    routing,
    fixer,
    members,
    /** Lookups made by the next `n` rounds. */
    async rounds(n: number): Promise<number> {
      const before = lookups;
      for (let i = 0; i < n; i++) await fixer.round();
      return lookups - before;
    },
  };
}

test('fingers converge to the membership, then sweeps come ever less often, and a change sweeps at once', async (t) => {
  const ring = fixerOn([1, 8, 14, 21, 32, 38, 42, 48, 51, 56]);
  // The first sweeps fill the table: the 160 fingers of a 2^160 ring all fall on these few ids.
  const first = await ring.rounds(20);
  t.true(first > 0);
  const id = (i: number) => ring.routing.fingers[i]?.id;
  t.is(id(0), 14n, 'finger 0 is the successor');
  t.is(id(159), successorOf(fingerStart(8n, 159), ring.members).id);
  // A long quiet stretch: the rests double up to 16 rounds, so a round costs a fraction of the lookups.
  const quiet = await ring.rounds(200);
  t.true(quiet / 200 < first / 20 / 3, `quiet: ${quiet} lookups in 200 rounds; converging: ${first} in 20`);
  // A resting fixer makes no lookups at all in a round...
  let resting = false;
  for (let i = 0; i < 40 && !resting; i++) resting = (await ring.rounds(1)) === 0;
  t.true(resting);
  // ...until the ring moves near it.
  ring.fixer.soon();
  t.true(await ring.rounds(1) > 0, 'soon() sweeps in the next round');
});

test('a sweep that finds a changed finger keeps sweeping every round', async (t) => {
  const ring = fixerOn([1, 8, 14, 21, 32, 38, 42, 48, 51, 56]);
  await ring.rounds(300);
  // A node joins between 8 and its finger 3 (start 16): the next full sweep finds it...
  ring.members.push(member(17));
  ring.members.sort((a, b) => Number(a.id - b.id));
  ring.fixer.soon();
  let rounds = 0;
  while (ring.routing.fingers[3]?.id !== 17n && rounds < 100) {
    await ring.rounds(1);
    rounds++;
  }
  t.is(ring.routing.fingers[3]?.id, 17n);
  // ...and the sweep after it runs without a rest, since that one changed something: here a
  // sweep is two rounds (5 lookups, 4 a round), so the three rounds after the change are the
  // end of its sweep and the whole next one. A rest would leave one of them without a lookup.
  for (let i = 0; i < 3; i++) t.true(await ring.rounds(1) > 0, `round ${i + 1} after the change rested`);
});
