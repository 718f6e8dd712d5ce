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

  assertMember(): void {
    if (!this.isMember) throw new NotAMember(this.self.address, 'is not (yet) a member of the ring');
  }

  assertReady(): void {
    if (this.state_ !== 'ready') throw new NotReady(`node ${this.self.address} is ${this.state_}; ask another node`);
  }
}
