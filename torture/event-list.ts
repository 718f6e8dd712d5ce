/**
 * The call and return events of a register history in time order, as a doubly linked list from
 * which the search lifts the operations it has linearized and puts them back when it backtracks.
 */
export const END = -1;

export class EventList {
  /** The event after e; event 0 is the head, END ends the list. */
  readonly next: Int32Array;
  readonly opOf: Int32Array;
  readonly isCall: Uint8Array;
  private readonly prev: Int32Array;
  private readonly callOf: Int32Array;
  private readonly returnOf: Int32Array;

  /** Optional operations (complete = Infinity) have a call and no return. */
  constructor(ops: readonly { readonly invoke: number; readonly complete: number }[]) {
    const events: { op: number; call: boolean; time: number }[] = [];
    ops.forEach((op, i) => {
      events.push({ op: i, call: true, time: op.invoke });
      if (op.complete !== Infinity) events.push({ op: i, call: false, time: op.complete });
    });
    // Calls before returns at equal times: intervals that touch count as concurrent.
    events.sort((a, b) => a.time - b.time || Number(b.call) - Number(a.call) || a.op - b.op);
    const size = events.length + 1;
    this.next = new Int32Array(size);
    this.prev = new Int32Array(size);
    this.opOf = new Int32Array(size);
    this.isCall = new Uint8Array(size);
    this.callOf = new Int32Array(ops.length);
    this.returnOf = new Int32Array(ops.length).fill(END);
    for (let e = 0; e < size; e++) {
      this.next[e] = e + 1 < size ? e + 1 : END;
      this.prev[e] = e - 1;
      if (e === 0) continue;
      const event = events[e - 1];
      this.opOf[e] = event.op;
      this.isCall[e] = event.call ? 1 : 0;
      if (event.call) this.callOf[event.op] = e;
      else this.returnOf[event.op] = e;
    }
  }

  /** Lifts operation i out of the list; true if it had a return (was required). */
  unlink(i: number): boolean {
    this.remove(this.callOf[i]);
    if (this.returnOf[i] === END) return false;
    this.remove(this.returnOf[i]);
    return true;
  }

  /** Puts operation i back; must undo the latest unlink still in effect. True if it had a return. */
  relink(i: number): boolean {
    const hasReturn = this.returnOf[i] !== END;
    if (hasReturn) this.restore(this.returnOf[i]);
    this.restore(this.callOf[i]);
    return hasReturn;
  }

  private remove(e: number): void {
    this.next[this.prev[e]] = this.next[e];
    if (this.next[e] !== END) this.prev[this.next[e]] = this.prev[e];
  }

  // Dancing links: undone in the reverse order of removal, an event finds its old neighbours.
  private restore(e: number): void {
    this.next[this.prev[e]] = e;
    if (this.next[e] !== END) this.prev[this.next[e]] = e;
  }
}
