/**
 * Per-piece availability with the pickable pieces bucketed by count, for rarest-first
 * without scanning every piece.
 *
 * - `counts[i]` is how many connected non-seed peers have piece i. Seeds (HAVE_ALL or a
 *   full bitfield) only bump `seeds`, so a seed arriving or leaving costs O(1) and the
 *   order between pieces is unchanged; availability(i) = counts[i] + seeds.
 * - Only *pickable* pieces (wanted, not had, not in flight) sit in `buckets[count]`, an
 *   array per count with `pos[i]` its position: a count change is a swap-remove from one
 *   bucket and a push onto the next, O(1). Pieces enter a bucket at a random position, so
 *   each bucket stays shuffled and ties break randomly.
 */
export class AvailabilityIndex {
  readonly counts: Uint32Array;
  seeds = 0;
  /** Number of pieces in the buckets. */
  size = 0;
  private readonly buckets: number[][] = [[]];
  private readonly pos: Int32Array;
  private readonly random: () => number;

  constructor(pieceCount: number, random: () => number) {
    this.counts = new Uint32Array(pieceCount);
    this.pos = new Int32Array(pieceCount).fill(-1);
    this.random = random;
  }

  availability(i: number): number {
    return this.counts[i]! + this.seeds;
  }

  has(i: number): boolean {
    return this.pos[i]! >= 0;
  }

  /** Pickable pieces no connected peer has. */
  get unavailable(): number {
    return this.seeds > 0 ? 0 : this.buckets[0]!.length;
  }

  insert(i: number): void {
    if (this.pos[i]! >= 0) return;
    this.put(i, this.counts[i]!);
    this.size++;
  }

  remove(i: number): void {
    if (this.pos[i]! < 0) return;
    this.take(i, this.counts[i]!);
    this.size--;
  }

  increment(i: number): void {
    const c = this.counts[i]!;
    this.counts[i] = c + 1;
    if (this.pos[i]! >= 0) {
      this.take(i, c);
      this.put(i, c + 1);
    }
  }

  decrement(i: number): void {
    const c = this.counts[i]!;
    if (c === 0) return;
    this.counts[i] = c - 1;
    if (this.pos[i]! >= 0) {
      this.take(i, c);
      this.put(i, c - 1);
    }
  }

  /**
   * The rarest pickable piece for which `accept` is true (random among equals), or -1.
   * Walks buckets from the rarest, each from a random offset; stops at the first hit, so
   * for a peer that has most pieces this is O(1).
   */
  find(accept: (i: number) => boolean): number {
    const buckets = this.buckets;
    for (let c = 0; c < buckets.length; c++) {
      const b = buckets[c]!;
      const len = b.length;
      if (len === 0) continue;
      const start = Math.floor(this.random() * len);
      for (let k = 0; k < len; k++) {
        let j = start + k;
        if (j >= len) j -= len;
        const i = b[j]!;
        if (accept(i)) return i;
      }
    }
    return -1;
  }

  /** For tests: problems with the bucket structure, empty when consistent. */
  check(): string[] {
    const problems: string[] = [];
    let n = 0;
    this.buckets.forEach((b, c) => {
      b.forEach((i, j) => {
        n++;
        if (this.pos[i] !== j) problems.push(`piece ${i} in bucket ${c} at ${j} but pos ${this.pos[i]}`);
        if (this.counts[i] !== c) problems.push(`piece ${i} in bucket ${c} but count ${this.counts[i]}`);
      });
    });
    if (n !== this.size) problems.push(`size ${this.size} but ${n} in buckets`);
    return problems;
  }

  private put(i: number, c: number): void {
    while (this.buckets.length <= c) this.buckets.push([]);
    const b = this.buckets[c]!;
    const end = b.length;
    const j = Math.floor(this.random() * (end + 1));
    if (j === end) {
      b.push(i);
      this.pos[i] = end;
    } else {
      const other = b[j]!;
      b.push(other);
      this.pos[other] = end;
      b[j] = i;
      this.pos[i] = j;
    }
  }

  private take(i: number, c: number): void {
    const b = this.buckets[c]!;
    const j = this.pos[i]!;
    const last = b.pop()!;
    if (last !== i) {
      b[j] = last;
      this.pos[last] = j;
    }
    this.pos[i] = -1;
  }
}
