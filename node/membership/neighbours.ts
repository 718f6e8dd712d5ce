/**
 * Asking the ring around a node: a member's state, the predecessors behind this node,
 * the ring in order, and Chord's successor-list refresh (stabilize's first half).
 */
import { isGone, NotAMember, type ChordError } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { inOpen } from '../../common/ring.js';
import { fromMemberJson, sameMember, toMemberJson, type Member, type MemberJson } from '../../common/wire.js';
import { notify, state, type StateAnswer } from '../rpc/maintenance.js';
import type { RpcClient } from '../rpc/spec.js';
import type { RoutingTable } from '../routing.js';
import { Silence } from './silence.js';

export interface NeighbourComponents {
  readonly routing: RoutingTable;
  readonly rpc: RpcClient;
  readonly log: Logger;
}

export class Neighbours {
  private readonly silence: Silence;
  /** Whether a node was judged failed for its silence (not a refusal) since any node last answered. */
  private silencedSinceHeard = false;

  constructor(private readonly components: NeighbourComponents, failureTimeoutMs: number) {
    this.silence = new Silence(failureTimeoutMs);
  }

  /** A peer's state, refusing one that is not a member (a restarted node still waiting to join counts as gone). */
  async liveState(address: string): Promise<StateAnswer> {
    const sentAt = Date.now();
    let remote: StateAnswer;
    try {
      remote = await this.components.rpc.call(state, address, undefined);
    } catch (err) {
      this.silence.failedCall(address, err, sentAt);
      throw err;
    }
    this.heard(address);
    if (!remote.member) throw new NotAMember(address);
    return remote;
  }

  /**
   * Whether, since any node last answered this one, a node was judged failed only because it
   * fell silent: it may be alive behind a cut. A node that lost every other that way may be
   * the one cut off, not the last one left.
   */
  get cutOffBySilence(): boolean {
    return this.silencedSinceHeard;
  }

  private heard(address: string): void {
    this.silence.heard(address);
    this.silencedSinceHeard = false;
  }

  /**
   * Whether `err`, from asking `address` its state, means it has failed: it refused the call,
   * is no member, or has not answered for the failure timeout (see Silence).
   */
  hasFailed(err: unknown, address: string): boolean {
    if (!this.silence.hasFailed(err, address)) return false;
    this.silence.forget(address);
    if (!isGone(err, address)) this.silencedSinceHeard = true;
    return true;
  }

  /** Up to `count` predecessors, nearest first, stopping where the walk comes back to this node. */
  walkBack(count: number): Promise<Member[]> {
    return this.walkBackWhile((found) => found.length < count).then((walk) => walk.members);
  }

  /**
   * Predecessors, nearest first, for as long as `more(found, lists)` asks for another, and
   * then as long as `further` does, stopping where the walk comes back to this node (how far
   * back replica duty reaches depends on which processes the walk meets, with several ring
   * ids per process). `lists[i]` is the successor list `found[i]` answered with. A
   * predecessor that does not answer fails the walk while `more` asks; after, it ends it.
   */
  async walkBackWhile(
    more: (found: readonly Member[], lists: readonly (readonly Member[])[]) => boolean,
    further: (found: readonly Member[], lists: readonly (readonly Member[])[]) => boolean = () => false,
  ): Promise<{ members: Member[]; lists: Member[][] }> {
    const { routing } = this.components;
    const found: Member[] = [];
    const lists: Member[][] = [];
    let current = routing.predecessor;
    while (current && !routing.isSelf(current)) {
      const required = more(found, lists);
      if (!required && !further(found, lists)) break;
      if (found.some((p) => sameMember(p, current))) break;
      let remote: StateAnswer;
      try {
        remote = await this.liveState(current.address);
      } catch (err) {
        if (required) throw err;
        break;
      }
      found.push(current);
      lists.push(remote.successors.map(fromMemberJson));
      current = remote.predecessor ? fromMemberJson(remote.predecessor) : null;
    }
    return { members: found, lists };
  }

  /**
   * The ring in order, starting at this node: successor lists walked a list at a time, then
   * each member's predecessor checked against the member before it. A list that a change has
   * not reached yet (stabilization passes lists back one hop a round) may skip a member;
   * predecessors, which joins and departs set under their locks, name what it skipped.
   * That check asks every member; `verify: false` skips it, for a caller that looks again
   * soon anyway (a watch discovering members every second).
   */
  async overlay(options: { verify?: boolean } = {}): Promise<Member[]> {
    const { routing } = this.components;
    const ring = await this.walkSuccessorLists();
    if (options.verify === false) return ring;
    // What each member answered as its predecessor; undefined when it did not answer (it left: the caller's next call to it says so).
    const predecessors = new Map<bigint, Member | null | undefined>([[routing.self.id, routing.predecessor]]);
    const tried = new Set<bigint>();
    const predecessorOf = (state: StateAnswer) => (state.predecessor ? fromMemberJson(state.predecessor) : null);
    for (;;) {
      await Promise.all(ring.filter((m) => !predecessors.has(m.id)).map(async (m) => {
        predecessors.set(m.id, await this.liveState(m.address).then(predecessorOf, () => undefined));
      }));
      const skipped: { at: number; member: Member }[] = [];
      ring.forEach((member, at) => {
        const before = ring[(at - 1 + ring.length) % ring.length];
        const named = predecessors.get(member.id);
        if (named && !tried.has(named.id) && !ring.some((m) => sameMember(m, named)) && inOpen(named.id, before.id, member.id)) skipped.push({ at, member: named });
      });
      if (skipped.length === 0) return ring;
      // From the back, so the positions still hold; one the lists left out because it failed does not answer, and stays out.
      for (const { at, member } of skipped.reverse()) {
        tried.add(member.id);
        const state = await this.liveState(member.address).catch(() => undefined);
        if (!state) continue;
        predecessors.set(member.id, predecessorOf(state));
        ring.splice(at === 0 ? ring.length : at, 0, member); // before this node: at the end of the walk
      }
    }
  }

  private async walkSuccessorLists(): Promise<Member[]> {
    const { routing } = this.components;
    const ring: Member[] = [routing.self];
    const seen = new Set([routing.self.id]);
    let frontier = routing.successors;
    while (frontier.length > 0) {
      let last: Member | undefined;
      for (const member of frontier) {
        if (seen.has(member.id)) return ring;
        seen.add(member.id);
        ring.push(member);
        last = member;
      }
      if (!last) break;
      frontier = (await this.liveState(last.address)).successors.map(fromMemberJson);
    }
    return ring;
  }

  /**
   * Stabilize's usual round in one call: Chord's notify to the first successor, whose answer
   * names its predecessor, successors and view. When that predecessor is this node, nothing
   * joined in between and the successor list and the routing view are rebuilt from the
   * answer: 'settled'. Otherwise the full refresh must run: 'gone' (the successor refused
   * the call or is no member: it is evicted, and the refresh passes it by) or 'look'
   * (anything else). A notify may wait long at a busy successor (for its membership lock),
   * so its timeout says nothing of silence: the refresh's state call judges that.
   */
  async notifySuccessor(): Promise<'settled' | 'look' | 'gone'> {
    const { routing, rpc } = this.components;
    const successor = routing.successors[0];
    if (!successor) return 'look';
    let answer;
    try {
      answer = await rpc.call(notify, successor.address, { node: toMemberJson(routing.self) });
    } catch (err) {
      if (!isGone(err, successor.address)) return 'look';
      this.silence.forget(successor.address);
      routing.evict(successor.address);
      return 'gone';
    }
    this.heard(successor.address);
    const settled = answer.member && answer.predecessor !== null && routing.isSelf(fromMemberJson(answer.predecessor))
      // The list may have changed while the call was out (a depart, say): then look again.
      && sameMember(routing.successors[0], successor);
    if (!settled) return 'look';
    routing.setSuccessors(successor, answer.successors.map(fromMemberJson));
    routing.setView(successor, answer.successors.map(fromMemberJson), (answer.view ?? []).map(fromMemberJson));
    return 'settled';
  }

  /**
   * Rebuilds the successor list from the first live successor not in `exclude`. As in
   * Chord's stabilize, a node that joined between us and that successor becomes our
   * successor. Unreachable successors are evicted. With none left, the node is alone
   * only when `mayBeAlone` (a depart said so); maintenance never concludes that by itself.
   */
  async refresh(exclude: string[], mayBeAlone = true): Promise<MemberJson[]> {
    const { routing, log } = this.components;
    for (const candidate of routing.successors.filter((p) => !exclude.includes(p.address))) {
      let remote;
      try {
        remote = await this.liveState(candidate.address);
      } catch (err) {
        log.warn(`successor ${candidate.address} did not answer (${(err as ChordError).code ?? err}); skipping it`, { peer: candidate.address, code: (err as ChordError).code });
        if (this.hasFailed(err, candidate.address)) routing.evict(candidate.address);
        continue;
      }
      let successor = candidate;
      const between = remote.predecessor ? fromMemberJson(remote.predecessor) : null;
      if (between && !exclude.includes(between.address) && inOpen(between.id, routing.self.id, candidate.id)) {
        try {
          remote = await this.liveState(between.address);
          successor = between;
        } catch {
          // the node in between is not answering (yet): keep the successor we reached
        }
      }
      const rest = remote.successors.map(fromMemberJson).filter((p) => !exclude.includes(p.address));
      routing.setSuccessors(successor, rest);
      return routing.successors.map(toMemberJson);
    }
    if (mayBeAlone) routing.becomeAlone();
    return routing.successors.map(toMemberJson);
  }
}
