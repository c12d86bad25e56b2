/**
 * A peer's queued requests to us, FIFO, in a fixed ring of (index, begin, length) triples:
 * no allocation per request, bounded by `capacity`. CANCEL is a linear search, as the
 * queue is short (at most our advertised reqq).
 */
export class UploadQueue {
  private readonly ring: Float64Array;
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.ring = new Float64Array(capacity * 3);
  }

  get length(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count >= this.capacity;
  }

  /** Piece index of the oldest request (queue must not be empty). */
  get index(): number {
    return this.ring[this.head * 3]!;
  }

  get begin(): number {
    return this.ring[this.head * 3 + 1]!;
  }

  get blockLength(): number {
    return this.ring[this.head * 3 + 2]!;
  }

  push(index: number, begin: number, length: number): boolean {
    if (this.count >= this.capacity) return false;
    const slot = ((this.head + this.count) % this.capacity) * 3;
    this.ring[slot] = index;
    this.ring[slot + 1] = begin;
    this.ring[slot + 2] = length;
    this.count++;
    return true;
  }

  shift(): void {
    if (this.count === 0) return;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
  }

  /** Removes one matching request (CANCEL); keeps the order of the others. */
  remove(index: number, begin: number, length: number): boolean {
    const cap = this.capacity;
    for (let k = 0; k < this.count; k++) {
      const slot = ((this.head + k) % cap) * 3;
      if (this.ring[slot] === index && this.ring[slot + 1] === begin && this.ring[slot + 2] === length) {
        for (let j = k; j > 0; j--) {
          const to = ((this.head + j) % cap) * 3;
          const from = ((this.head + j - 1) % cap) * 3;
          this.ring.copyWithin(to, from, from + 3);
        }
        this.head = (this.head + 1) % cap;
        this.count--;
        return true;
      }
    }
    return false;
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
  }
}
