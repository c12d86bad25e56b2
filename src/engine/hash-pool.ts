import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/*
 * SHA-1 of verified-size pieces on worker threads. The piece's ArrayBuffer is transferred
 * to the worker and back (no copy): while hashing, the caller must not touch the buffer;
 * the promise resolves with the same bytes in a new Buffer view plus the digest.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
parentPort.on('message', (m) => {
  const view = new Uint8Array(m.buf, m.off, m.len);
  const digest = createHash('sha1').update(view).digest();
  parentPort.postMessage({ id: m.id, buf: m.buf, digest }, [m.buf]);
});
`;

interface Job {
  readonly resolve: (r: { data: Buffer; digest: Uint8Array }) => void;
  readonly reject: (e: Error) => void;
  readonly off: number;
  readonly len: number;
}

export interface HashResult {
  /** The piece bytes (the same memory, handed back). */
  readonly data: Buffer;
  readonly digest: Uint8Array;
}

/** A small pool of hashing threads, shared by every torrent of a process, unref'd when idle. */
export class HashPool {
  private readonly workers: { w: Worker; busy: number }[] = [];
  private readonly jobs = new Map<number, Job>();
  private nextId = 1;

  constructor(private readonly size = Math.max(1, Math.min(4, availableParallelism() - 1))) {}

  private worker(): { w: Worker; busy: number } {
    let best = this.workers[0];
    for (const x of this.workers) if (x.busy < best!.busy) best = x;
    if (best && (best.busy === 0 || this.workers.length >= this.size)) return best;
    const w = new Worker(WORKER_SOURCE, { eval: true });
    const entry = { w, busy: 0 };
    w.on('message', (m: { id: number; buf: ArrayBuffer; digest: Uint8Array }) => {
      const job = this.jobs.get(m.id);
      if (!job) return;
      this.jobs.delete(m.id);
      if (--entry.busy === 0) w.unref();
      job.resolve({ data: Buffer.from(m.buf, job.off, job.len), digest: m.digest });
    });
    w.on('error', (e) => {
      for (const [id, job] of this.jobs) {
        this.jobs.delete(id);
        job.reject(e);
      }
    });
    w.unref();
    this.workers.push(entry);
    return entry;
  }

  /**
   * Hashes `data`. When it owns its whole ArrayBuffer (Buffer.allocUnsafeSlow) the memory
   * moves to a worker and back; otherwise it is hashed here, synchronously.
   */
  hash(data: Buffer): Promise<HashResult> {
    if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength || !(data.buffer instanceof ArrayBuffer)) {
      return Promise.resolve({ data, digest: createHash('sha1').update(data).digest() });
    }
    const entry = this.worker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.jobs.set(id, { resolve, reject, off: 0, len: data.length });
      if (entry.busy++ === 0) entry.w.ref();
      const ab = data.buffer as ArrayBuffer;
      entry.w.postMessage({ id, buf: ab, off: 0, len: data.length }, [ab]);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((x) => x.w.terminate()));
    this.workers.length = 0;
  }
}

/** The process-wide pool. */
export const hashPool = new HashPool();
