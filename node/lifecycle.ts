/**
 * Where a node is in its life (joining, ready, departing, departed) and whether it takes
 * part in routing yet. Membership moves it along; every part may ask.
 */
import { NotAMember, NotReady } from '../common/errors.js';
import type { Member, NodeState } from '../common/wire.js';

export type { NodeState } from '../common/wire.js';

export class Lifecycle {
  private state_: NodeState = 'joining';
  /** Set once a successor has spliced this joining node into the ring. */
  private spliced = false;

  constructor(private readonly self: Member) {}

  get state(): NodeState {
    return this.state_;
  }

  enter(state: NodeState): void {
    this.state_ = state;
  }

  markSpliced(): void {
    this.spliced = true;
  }

  /**
   * Whether this node takes part in routing. A joining node does once its successor has
   * spliced it in; before that (a node restarted on an address the ring still lists, say)
   * it must not answer for keys, and says so, so that peers route around it.
   */
  get isMember(): boolean {
    return this.state_ !== 'joining' || this.spliced;
  }

  /**
   * Whether peers may keep this node in their pointers: a member that has not departed. A
   * departed node still passes on what reaches it, but one whose process stays up (a process
   * of several ids whose depart failed part-way) must not stay anyone's successor, or the
   * keys that successor's chain replicates would go to it.
   */
  get inRing(): boolean {
    return this.isMember && this.state_ !== 'departed';
  }

  assertMember(): void {
    if (!this.isMember) throw new NotAMember(this.self.address, 'is not (yet) a member of the ring');
  }

  assertReady(): void {
    if (this.state_ !== 'ready') throw new NotReady(`node ${this.self.address} is ${this.state_}; ask another node`);
  }
}
