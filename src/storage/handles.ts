import type { FileHandle } from 'node:fs/promises';

/** An open file; `refs` counts operations using it (it is never closed under them). */
export interface HandleEntry {
  readonly fh: FileHandle;
  readonly writable: boolean;
  refs: number;
  retired: boolean;
}

/**
 * An LRU of open file handles with a cap. A handle in use is never closed: the pool may
 * go over its cap while more files than that are busy at once, and shrinks as they are
 * released. Concurrent acquires of one file share one open().
 */
export class HandlePool {
  private readonly entries = new Map<number, HandleEntry>();
  private readonly opening = new Map<number, { readonly p: Promise<void>; readonly writable: boolean }>();
  private readonly closing = new Set<Promise<void>>();

  constructor(
    private readonly cap: number,
    private readonly opener: (fileIndex: number, writable: boolean) => Promise<FileHandle>,
  ) {}

  get openCount(): number {
    return this.entries.size;
  }

  async acquire(fileIndex: number, writable: boolean): Promise<HandleEntry> {
    for (;;) {
      const e = this.entries.get(fileIndex);
      if (e !== undefined && (e.writable || !writable)) {
        e.refs++;
        this.entries.delete(fileIndex);
        this.entries.set(fileIndex, e);
        this.evict();
        return e;
      }
      const pending = this.opening.get(fileIndex);
      if (pending !== undefined) {
        // A read-only open failing (e.g. ENOENT) says nothing about a create-capable one.
        if (writable && !pending.writable) await pending.p.catch(() => {});
        else await pending.p;
        continue;
      }
      const p = this.open(fileIndex, writable);
      this.opening.set(fileIndex, { p, writable });
      await p;
    }
  }

  private async open(fileIndex: number, writable: boolean): Promise<void> {
    try {
      const fh = await this.opener(fileIndex, writable);
      const old = this.entries.get(fileIndex);
      if (old !== undefined) {
        this.entries.delete(fileIndex);
        this.retire(old);
      }
      this.entries.set(fileIndex, { fh, writable, refs: 0, retired: false });
    } finally {
      this.opening.delete(fileIndex);
    }
  }

  release(e: HandleEntry): void {
    e.refs--;
    if (e.refs === 0 && e.retired) this.closeHandle(e);
    else this.evict();
  }

  private retire(e: HandleEntry): void {
    e.retired = true;
    if (e.refs === 0) this.closeHandle(e);
  }

  private closeHandle(e: HandleEntry): void {
    const p = e.fh.close().catch(() => {});
    this.closing.add(p);
    void p.then(() => this.closing.delete(p));
  }

  private evict(): void {
    if (this.entries.size <= this.cap) return;
    for (const [i, e] of this.entries) {
      if (this.entries.size <= this.cap) break;
      if (e.refs === 0) {
        this.entries.delete(i);
        this.retire(e);
      }
    }
  }

  /** Closes every handle (callers make sure no operation is in flight). */
  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.opening.values()].map((o) => o.p));
    for (const e of this.entries.values()) this.retire(e);
    this.entries.clear();
    await Promise.all([...this.closing]);
  }
}
