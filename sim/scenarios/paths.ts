/**
 * Path length (the paper's Fig. 10): with fingers converged, lookups from random members
 * for random ids, and puts of random keys from random members. Two counts per request,
 * both read from the node's own answer: a lookup's `hops` (find_successor forwards until a
 * node names the owner: the paper's lookup, which ends at the owner's predecessor) and an
 * operation's `hops` (forwards until the owner holds the request, the number every API
 * answer reports). Every lookup's answer is checked against the correct ring.
 * Beside them, the same lookups by the paper's own rule over the same fingers (see
 * paper-lookup.ts): what the paper's Fig. 10 measured, which chordkv's successor-list
 * shortcuts make longer than chordkv's own.
 */
import { hexToId } from '../../common/ring.js';
import type { ChordNode } from '../../node/chord-node.js';
import { randomIdHex } from '../random.js';
import type { SimRing } from '../ring.js';
import { round, summarize } from '../stats.js';
import { paperLookup } from './paper-lookup.js';

export interface PathRow {
  n: number;
  halfLog2N: number;
  /** Forwards by the paper's rule (fingers only, ending at the owner's predecessor). */
  paperRuleMean: number;
  paperRuleP1: number;
  paperRuleP99: number;
  lookupMean: number;
  lookupP1: number;
  lookupP99: number;
  opMean: number;
  opP1: number;
  opP99: number;
  /** Lookups (either rule) whose answer was not the owner the correct ring names. */
  wrongOwners: number;
  /** Finger entries, over all nodes, that differed from the correct ring's when measuring. */
  wrongFingers: number;
  samples: number;
}

export async function measurePaths(ring: SimRing, samples: number): Promise<PathRow> {
  const lookups: number[] = [];
  const paperRule: number[] = [];
  const ops: number[] = [];
  const byAddress = new Map<string, ChordNode>(ring.nodes.map((node) => [node.self.address, node]));
  let wrongOwners = 0;
  for (let i = 0; i < samples; i++) {
    const id = randomIdHex(ring.rng);
    const from = ring.randomNode();
    const owner = ring.truth.successor(hexToId(id)).address;
    const found = await ring.clock.run(ring.lookup(from, id));
    lookups.push(found.hops);
    if (found.node.address !== owner) wrongOwners++;
    const byPaper = paperLookup(byAddress, from, hexToId(id));
    if (byPaper) paperRule.push(byPaper.hops);
    if (byPaper?.owner.address !== owner) wrongOwners++;
    const put = await ring.clock.run(ring.randomNode().put(`path ${ring.size} ${i}`, 'x'));
    ops.push(put.hops);
  }
  const l = summarize(lookups);
  const o = summarize(ops);
  const r = summarize(paperRule);
  return {
    n: ring.size, halfLog2N: round(0.5 * Math.log2(ring.size)), paperRuleMean: round(r.mean), paperRuleP1: r.p1, paperRuleP99: r.p99,
    lookupMean: round(l.mean), lookupP1: l.p1, lookupP99: l.p99, opMean: round(o.mean), opP1: o.p1, opP99: o.p99,
    wrongOwners, wrongFingers: round(ring.wrongFingers(), 5), samples,
  };
}
