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
 * - Each piece has a priority level (0 = low .. LEVELS-1 = high, from file priorities);
 *   every level has its own buckets and `find` walks the highest level first, so
 *   priorities cost nothing per piece and nothing at all while every piece is normal.
 */
/** Priority levels (low, normal, high). */
const LEVELS = 3;
const DEFAULT_LEVEL = 1;

export class AvailabilityIndex {
  readonly counts: Uint32Array;
  seeds = 0;
  /** Number of pieces in the buckets. */
  size = 0;
  /** Buckets per priority level (index = level), each indexed by count. */
  private readonly levels: number[][][] = [];
  private readonly level: Uint8Array;
  private readonly pos: Int32Array;
  private readonly random: () => number;

  constructor(pieceCount: number, random: () => number) {
    this.counts = new Uint32Array(pieceCount);
    this.pos = new Int32Array(pieceCount).fill(-1);
    this.level = new Uint8Array(pieceCount).fill(DEFAULT_LEVEL);
    for (let l = 0; l < LEVELS; l++) this.levels.push([[]]);
    this.random = random;
  }

  /** Priority level of piece i (0 = low, 1 = normal, 2 = high). */
  priority(i: number): number {
    return this.level[i]!;
  }

  /** Sets piece i's priority level (clamped to 0..LEVELS-1); O(1). */
  setPriority(i: number, level: number): void {
    const l = level <= 0 ? 0 : level >= LEVELS - 1 ? LEVELS - 1 : Math.floor(level);
    if (this.level[i] === l) return;
    if (this.pos[i]! >= 0) {
      const c = this.counts[i]!;
      this.take(i, c);
      this.level[i] = l;
      this.put(i, c);
    } else this.level[i] = l;
  }

  availability(i: number): number {
    return this.counts[i]! + this.seeds;
  }

  has(i: number): boolean {
    return this.pos[i]! >= 0;
  }

  /** Pickable pieces no connected peer has. */
  get unavailable(): number {
    if (this.seeds > 0) return 0;
    let n = 0;
    for (const b of this.levels) n += b[0]!.length;
    return n;
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
    for (let l = LEVELS - 1; l >= 0; l--) {
      const buckets = this.levels[l]!;
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
    }
    return -1;
  }

  /** For tests: problems with the bucket structure, empty when consistent. */
  check(): string[] {
    const problems: string[] = [];
    let n = 0;
    this.levels.forEach((buckets, l) =>
      buckets.forEach((b, c) => {
        b.forEach((i, j) => {
          n++;
          if (this.pos[i] !== j) problems.push(`piece ${i} in bucket ${c} at ${j} but pos ${this.pos[i]}`);
          if (this.counts[i] !== c) problems.push(`piece ${i} in bucket ${c} but count ${this.counts[i]}`);
          if (this.level[i] !== l) problems.push(`piece ${i} in level ${l} but priority ${this.level[i]}`);
        });
      }),
    );
    if (n !== this.size) problems.push(`size ${this.size} but ${n} in buckets`);
    return problems;
  }

  private put(i: number, c: number): void {
    const buckets = this.levels[this.level[i]!]!;
    while (buckets.length <= c) buckets.push([]);
    const b = buckets[c]!;
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
    const b = this.levels[this.level[i]!]![c]!;
    const j = this.pos[i]!;
    const last = b.pop()!;
    if (last !== i) {
      b[j] = last;
      this.pos[last] = j;
    }
    this.pos[i] = -1;
  }
}
