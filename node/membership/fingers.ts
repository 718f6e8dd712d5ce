/**
 * Chord's fix_fingers, a few lookups per maintenance round, backing off while nothing changes:
 * an idle ring's finger traffic would otherwise grow with its size for no gain. A sweep over
 * every finger that changed none doubles the rounds left out before the next sweep, up to
 * MAX_REST_ROUNDS; a change seen near (`soon()`: neighbours changed, a peer found gone or
 * silent by routing) sweeps every round again. A finger left stale by a change far away costs
 * hops; one pointing at a dead host costs a request its timeout, and that request kicks a sweep.
 */
import { fingerStart, ID_BITS, idToHex, inHalfOpen } from '../../common/ring.js';
import { fromMemberJson } from '../../common/wire.js';
import type { FindSuccessorAnswer } from '../rpc/routing.js';
import type { RoutingTable } from '../routing.js';

/** Lookups spent on fingers per round: the table converges in a few rounds without a burst of traffic. */
const LOOKUPS_PER_ROUND = 4;
const FINGER_COUNT = ID_BITS;
const MAX_REST_ROUNDS = 16;

export class FingerFixer {
  private cursor = 0;
  private restLeft = 0;
  private restNext = 0;
  private sweepChanged = false;

  constructor(
    private readonly routing: RoutingTable,
    private readonly findSuccessor: (idHex: string, hops: number) => Promise<FindSuccessorAnswer>,
  ) {}

  /** Sweeps again from the next round on (the ring moved near this node). */
  soon(): void {
    this.restLeft = 0;
    this.restNext = 0;
  }

  /** One round's share: up to a few lookups, unless resting. A finger whose start precedes the previous finger reuses it. */
  async round(): Promise<void> {
    if (this.restLeft > 0) {
      this.restLeft--;
      return;
    }
    const { routing } = this;
    let lookups = 0;
    while (lookups < LOOKUPS_PER_ROUND) {
      const i = this.cursor;
      this.cursor = (this.cursor + 1) % FINGER_COUNT;
      const start = fingerStart(routing.self.id, i);
      const previous = i > 0 ? routing.fingers[i - 1] : undefined;
      let finger = previous;
      if (!previous || !inHalfOpen(start, routing.self.id, previous.id)) {
        lookups++;
        try {
          finger = fromMemberJson((await this.findSuccessor(idToHex(start), 0)).node);
        } catch (err) {
          // A sweep that could not look is no sign of a quiet ring: the next one comes without a rest.
          this.sweepChanged = true;
          throw err;
        }
      }
      const before = routing.fingers[i]?.address;
      routing.setFinger(i, finger);
      if (routing.fingers[i]?.address !== before) this.sweepChanged = true;
      if (this.cursor === 0) {
        this.sweepEnded();
        return;
      }
    }
  }

  private sweepEnded(): void {
    this.restNext = this.sweepChanged ? 0 : Math.min(MAX_REST_ROUNDS, Math.max(1, this.restNext * 2));
    this.restLeft = this.restNext;
    this.sweepChanged = false;
  }
}
