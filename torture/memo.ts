const FULL = 0xffffffff;

interface Seen {
  readonly check: number;
  readonly value: number;
  readonly from: number;
  readonly words: Uint32Array;
}

/**
 * The states the linearizability search has visited: (set of linearized operations, register
 * value). The set is a bitset hashed incrementally (Zobrist);
 * a state is stored as the slice of its bitset between the first word with a gap and the last word
 * with a bit, since everything well before the search frontier is linearized in every state.
 */
export class Memo {
  private readonly bits: Uint32Array;
  private readonly zobrist: Uint32Array;
  private readonly seen = new Map<number, Seen[]>();
  private hash = 0;
  private check = 0;
  /** First word that is not full, and one past the last word that is not empty. */
  private from = 0;
  private to = 0;
  size = 0;

  constructor(n: number) {
    this.bits = new Uint32Array(Math.ceil(n / 32) + 1);
    this.zobrist = new Uint32Array(2 * n);
    let seed = 0x2545f491;
    for (let k = 0; k < this.zobrist.length; k++) {
      seed = (seed + 0x9e3779b9) | 0;
      let z = seed;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.zobrist[k] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  /** Records the current set with the register holding `value`; false if that state was seen before. */
  record(value: number): boolean {
    const bucket = (this.hash ^ Math.imul(value + 1, 0x9e3779b1)) >>> 0;
    const check = (this.check ^ Math.imul(value + 1, 0x27d4eb2f)) >>> 0;
    const list = this.seen.get(bucket);
    if (list?.some((s) => s.check === check && s.value === value && this.same(s))) return false;
    const entry = { check, value, from: this.from, words: this.bits.slice(this.from, this.to) };
    if (list) list.push(entry);
    else this.seen.set(bucket, [entry]);
    this.size++;
    return true;
  }

  private same(s: Seen): boolean {
    if (s.from !== this.from || s.words.length !== this.to - this.from) return false;
    for (let k = 0; k < s.words.length; k++) if (s.words[k] !== this.bits[this.from + k]) return false;
    return true;
  }

  /** Adds operation i to the linearized set, or takes it out. */
  flip(i: number): void {
    const w = i >>> 5;
    this.bits[w] ^= 1 << (i & 31);
    this.hash ^= this.zobrist[2 * i];
    this.check ^= this.zobrist[2 * i + 1];
    if (this.bits[w] & (1 << (i & 31))) {
      while (this.bits[this.from] === FULL) this.from++;
      if (w >= this.to) this.to = w + 1;
    } else {
      if (w < this.from) this.from = w;
      while (this.to > 0 && this.bits[this.to - 1] === 0) this.to--;
    }
  }
}
