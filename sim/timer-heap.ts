/**
 * The simulated clock's pending timers, earliest first (ties in the order they were set,
 * as Node fires them). Each timer knows its place in the heap, so clearing one is
 * O(log n): the in-memory network sets a deadline timer for every call and clears it when
 * the answer comes, and a heap that only marked them dead would hold millions at N = 4,096.
 */
export interface HeapTimer {
  at: number;
  seq: number;
  /** Position in the heap; -1 when not in it. */
  slot: number;
}

const before = (a: HeapTimer, b: HeapTimer) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

export class TimerHeap<T extends HeapTimer> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(timer: T): void {
    timer.slot = this.items.length;
    this.items.push(timer);
    this.up(timer.slot);
  }

  pop(): T | undefined {
    const first = this.items[0];
    if (first) this.remove(first);
    return first;
  }

  /** Takes `timer` out wherever it is; a timer not in the heap is left alone. */
  remove(timer: T): void {
    const slot = timer.slot;
    if (slot < 0 || this.items[slot] !== timer) return;
    const last = this.items.pop() as T;
    timer.slot = -1;
    if (last === timer) return;
    this.items[slot] = last;
    last.slot = slot;
    this.down(slot);
    this.up(last.slot);
  }

  private up(slot: number): void {
    while (slot > 0) {
      const parent = (slot - 1) >> 1;
      if (!before(this.items[slot], this.items[parent])) return;
      this.swap(slot, parent);
      slot = parent;
    }
  }

  private down(slot: number): void {
    for (;;) {
      const left = 2 * slot + 1;
      const right = left + 1;
      let first = slot;
      if (left < this.items.length && before(this.items[left], this.items[first])) first = left;
      if (right < this.items.length && before(this.items[right], this.items[first])) first = right;
      if (first === slot) return;
      this.swap(slot, first);
      slot = first;
    }
  }

  private swap(a: number, b: number): void {
    const items = this.items;
    [items[a], items[b]] = [items[b], items[a]];
    items[a].slot = a;
    items[b].slot = b;
  }
}
