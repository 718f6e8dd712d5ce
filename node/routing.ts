/**
 * A node's routing state (predecessor, successor list, fingers, routing view) and the lookup
 * decisions made from it. Pure apart from its own fields, and the only writer of them:
 * other parts read the state and change it through these methods. No I/O here.
 */
import { distance, inHalfOpen, inOpen } from '../common/ring.js';
import { distinctProcesses } from '../common/vnodes.js';
import { sameMember, type Member } from '../common/wire.js';

/** A successor list never grows past this, whatever processes it has yet to show. */
const MAX_SUCCESSORS = 256;

/**
 * How far the routing view reaches: the members after this one that a request can go to
 * straight, in one hop. Every member of a ring of up to 65 ids, for one notify answer of a
 * few kilobytes a round; a longer ring routes through fingers for the rest, as Chord does.
 */
export const VIEW_SIZE = 64;
const MAX_SHUNNED = 4 * VIEW_SIZE;

export class RoutingTable {
  private predecessor_: Member | null = null;
  private predecessorAlive_ = true;
  private successors_: readonly Member[] = [];
  private fingers_: (Member | undefined)[] = [];
  /** The view as last taken, evicted members included: they mark where it has a hole. */
  private view_: readonly Member[] = [];
  /**
   * Addresses evicted lately, with the number of this node's views to come that treat them as
   * holes: a successor's view can still name a member that is gone for as many of its rounds
   * as the member is far from it. Bounded: an address past the cap is forgotten early, which
   * costs at most one more failed call.
   */
  private readonly shunned = new Map<string, number>();
  /** Told whenever the predecessor stops counting as alive, whichever method did it (see ReadLeases). */
  onPredecessorFailed: () => void = () => undefined;

  /**
   * `distinctWanted`: the list runs on past `listSize` until it shows that many processes
   * besides this node's own (with several ring ids per process, the next few ids may all be
   * one process, and replica sets name distinct processes). 0: exactly `listSize`.
   */
  constructor(readonly self: Member, private listSize: number, private distinctWanted = 0) {}

  /** How many successors the list keeps. */
  get successorListSize(): number {
    return this.listSize;
  }

  /** Keeps at least `size` successors from now on (a joiner learns from the ring's settings how many it needs). */
  growSuccessorList(size: number, distinct = 0): void {
    this.listSize = Math.max(this.listSize, size);
    this.distinctWanted = Math.max(this.distinctWanted, distinct);
  }

  get predecessor(): Member | null {
    return this.predecessor_;
  }

  /**
   * False once the predecessor stopped answering. Its id still bounds what this node
   * owns — taking over its range is left to `notify` from the node before it, so that
   * two nodes never both claim a range while the ring heals.
   */
  get predecessorAlive(): boolean {
    return this.predecessorAlive_;
  }

  /** The next nodes clockwise, nearest first, never including this node and never wrapping past it. */
  get successors(): readonly Member[] {
    return this.successors_;
  }

  /**
   * The members after this node, nearest first, as its successor's view showed them a round
   * ago (and so on back): up to VIEW_SIZE, never this node, none evicted lately. A hint for
   * where a request that enters here goes first, never trusted for ownership (the receiver
   * checks its own range). The successor list, not the view, decides replicas and failover.
   */
  get view(): readonly Member[] {
    return this.shunned.size === 0 ? this.view_ : this.view_.filter((m) => !this.shunned.has(m.address));
  }

  /** Finger i points at successor(self + 2^i); empty until finger maintenance fills it. */
  get fingers(): readonly (Member | undefined)[] {
    return this.fingers_;
  }

  isSelf(member: Member | null | undefined): boolean {
    return sameMember(member, this.self);
  }

  /** True when this node is the owner (successor) of `id`. */
  owns(id: bigint): boolean {
    const pred = this.predecessor_;
    if (!pred || this.isSelf(pred)) return true;
    return inHalfOpen(id, pred.id, this.self.id);
  }

  /** True when this node knows no other: no predecessor (or itself) and no successor. */
  isAlone(): boolean {
    return (!this.predecessor_ || this.isSelf(this.predecessor_)) && this.successors_.length === 0;
  }

  /**
   * True when this node owns `id` for certain: behind a predecessor it knows (whose range it may
   * have taken over), or alone. Not with no predecessor yet and successors known.
   */
  headsItself(id: bigint): boolean {
    const pred = this.predecessor_;
    if (!pred || this.isSelf(pred)) return this.isAlone();
    return inHalfOpen(id, pred.id, this.self.id);
  }

  /**
   * The next node to forward a request for `id` to; only meaningful when `owns(id)` is false.
   * When the owner is in the successor list it is reached directly, one hop instead of
   * stopping at its predecessor first.
   */
  nextHop(id: bigint): Member {
    return this.ownerInSuccessors(id) ?? this.closestPrecedingNode(id);
  }

  /**
   * The first hop of a request that entered at this node: the owner when the successor list
   * or the view shows it, else as `nextHop`. Only the first hop may use the view. A stale view
   * (a node joined that it does not show yet) sends the request past the owner, and from
   * there it must travel by successor lists and fingers, which lead to the owner; stale views
   * at every hop could send it back and forth between two nodes until its hops run out.
   */
  firstHop(id: bigint): Member {
    return this.believedOwner(id) ?? this.closestPrecedingNode(id);
  }

  /**
   * The owner of `id` as the successor list or else the view shows it; undefined when neither
   * reaches, or the view has a hole there. (A member the successor list names again counts,
   * evicted or not: the list is checked every round.)
   */
  believedOwner(id: bigint): Member | undefined {
    const owner = this.ownerInSuccessors(id);
    if (owner) return owner;
    const inView = this.ownerIn(this.view_, id);
    return inView && this.shunned.has(inView.address) ? undefined : inView;
  }

  /** The owner of `id` when the successor list shows it: the first entry at or after `id`. */
  ownerInSuccessors(id: bigint): Member | undefined {
    return this.ownerIn(this.successors_, id);
  }

  /** The first of `members` (clockwise from this node, nearest first) at or after `id`, if they reach that far. */
  private ownerIn(members: readonly Member[], id: bigint): Member | undefined {
    let previous = this.self;
    for (const member of members) {
      if (inHalfOpen(id, previous.id, member.id)) return member;
      previous = member;
    }
    return undefined;
  }

  /** Of every node this one knows, the one that most closely precedes `id` (the paper's closest_preceding_node). */
  closestPrecedingNode(id: bigint): Member {
    let best: Member | undefined;
    let bestDistance = -1n;
    for (const candidate of [...this.fingers_, ...this.successors_]) {
      if (!candidate || !inOpen(candidate.id, this.self.id, id)) continue;
      const d = distance(this.self.id, candidate.id);
      if (d > bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best ?? this.successors_[0] ?? this.self;
  }

  /**
   * The k-1 members after this one that hold copies of what it owns (fewer in a smaller
   * ring): the first id of each of the next k-1 processes other than this node's own.
   */
  chain(k: number): Member[] {
    return distinctProcesses(this.self.address, this.successors_).slice(0, Math.max(0, k - 1));
  }

  /** The ring's size when the successor list shows all of it (the list is not full), else undefined. */
  knownRingSize(): number | undefined {
    return this.successors_.length < this.successorListSize ? this.successors_.length + 1 : undefined;
  }

  /**
   * Chord's notify: `candidate` thinks it is our predecessor. Accepted when we have none,
   * ours has failed, or `candidate` sits between it and us. Returns whether it changed.
   */
  notify(candidate: Member): boolean {
    if (sameMember(candidate, this.predecessor_)) this.predecessorAlive_ = true;
    if (!this.wouldAccept(candidate)) return false;
    this.setPredecessor(candidate);
    return true;
  }

  /** Whether `notify(candidate)` would change the predecessor. */
  wouldAccept(candidate: Member): boolean {
    const pred = this.predecessor_;
    if (this.isSelf(candidate) || sameMember(candidate, pred)) return false;
    return !pred || !this.predecessorAlive_ || inOpen(candidate.id, pred.id, this.self.id);
  }

  /** Sets the predecessor outright (a membership change decided it), alive. */
  setPredecessor(predecessor: Member | null): void {
    this.predecessor_ = predecessor;
    this.predecessorAlive_ = true;
  }

  /**
   * `checked`, found silent, was the predecessor when the check began: mark it failed if it
   * still is. (A notify may have replaced it meanwhile; the new one was never checked.)
   */
  markPredecessorFailed(checked: Member): void {
    if (sameMember(this.predecessor_, checked)) this.predecessorFailed();
  }

  private predecessorFailed(): void {
    const wasAlive = this.predecessorAlive_;
    this.predecessorAlive_ = false;
    if (wasAlive) this.onPredecessorFailed();
  }

  /** No other node is left: this one owns every id. */
  becomeAlone(): void {
    this.setPredecessor(null);
    this.successors_ = [];
    this.view_ = [];
    this.shunned.clear();
  }

  setFinger(index: number, member: Member | undefined): void {
    this.fingers_[index] = member && !this.isSelf(member) ? member : undefined;
  }

  /**
   * Forgets a process that stopped answering, wherever it appears, and makes it a hole in the
   * view for a while; returns whether a pointer (not the view) named it.
   */
  evict(address: string): boolean {
    let known = false;
    this.shun(address);
    if (this.successors_.some((p) => p.address === address)) {
      this.successors_ = this.successors_.filter((p) => p.address !== address);
      known = true;
    }
    this.fingers_ = this.fingers_.map((f) => {
      if (f?.address !== address) return f;
      known = true;
      return undefined;
    });
    if (this.predecessor_?.address === address) {
      this.predecessorFailed();
      known = true;
    }
    return known;
  }

  /**
   * Replaces the successor list with `[first, ...rest]`, cut where it would wrap back to this
   * node, or once it is `listSize` long and shows `distinctWanted` other processes.
   */
  setSuccessors(first: Member | undefined, rest: readonly Member[] = []): void {
    const list: Member[] = [];
    for (const member of first ? [first, ...rest] : []) {
      if (this.isSelf(member) || list.some((p) => sameMember(p, member))) break;
      list.push(member);
      if (list.length >= MAX_SUCCESSORS) break;
      if (list.length >= this.successorListSize && (this.distinctWanted === 0 || distinctProcesses(this.self.address, list).length >= this.distinctWanted)) break;
    }
    this.successors_ = list;
  }

  /**
   * Takes the view from the successor's notify answer: `[first, ...successors]` (the
   * successor and its list), then the successor's view past the end of that list (the list
   * may be fresher than the view). Cut where it would wrap back to this node, at the first
   * repeat, or at VIEW_SIZE. Evicted members stay in as holes (see `believedOwner`).
   */
  setView(first: Member, successors: readonly Member[], view: readonly Member[]): void {
    for (const [address, views] of this.shunned) {
      if (views <= 0) this.shunned.delete(address);
      else this.shunned.set(address, views - 1);
    }
    const list = [first, ...successors];
    const last = list[list.length - 1];
    const at = last === first ? -1 : view.findIndex((m) => sameMember(m, last));
    if (last === first || at >= 0) list.push(...view.slice(at + 1));
    const taken: Member[] = [];
    const seen = new Set<string>();
    for (const member of list) {
      if (this.isSelf(member) || seen.has(member.address)) break;
      seen.add(member.address);
      taken.push(member);
      if (taken.length >= VIEW_SIZE) break;
    }
    this.view_ = taken;
  }

  /** Treats `address` as a hole in the view for the next VIEW_SIZE views. */
  private shun(address: string): void {
    this.shunned.delete(address);
    this.shunned.set(address, VIEW_SIZE);
    if (this.shunned.size > MAX_SHUNNED) this.shunned.delete(this.shunned.keys().next().value as string);
  }
}
