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
interface Entry {
  readonly w: Worker;
  /** Its jobs not yet answered, by id. */
  readonly jobs: Map<number, Job>;
}

export class HashPool {
  private readonly workers: Entry[] = [];
  private nextId = 1;

  constructor(private readonly size = Math.max(1, Math.min(4, availableParallelism() - 1))) {}

  private worker(): Entry {
    let best = this.workers[0];
    for (const x of this.workers) if (x.jobs.size < best!.jobs.size) best = x;
    if (best && (best.jobs.size === 0 || this.workers.length >= this.size)) return best;
    const w = new Worker(WORKER_SOURCE, { eval: true });
    const entry: Entry = { w, jobs: new Map() };
    w.on('message', (m: { id: number; buf: ArrayBuffer; digest: Uint8Array }) => {
      const job = entry.jobs.get(m.id);
      if (!job) return;
      entry.jobs.delete(m.id);
      if (entry.jobs.size === 0) w.unref();
      job.resolve({ data: Buffer.from(m.buf, job.off, job.len), digest: m.digest });
    });
    // A thread that dies takes its pieces with it: their jobs fail, later ones get a new thread.
    const dead = (e: Error): void => {
      const i = this.workers.indexOf(entry);
      if (i >= 0) this.workers.splice(i, 1);
      for (const job of entry.jobs.values()) job.reject(e);
      entry.jobs.clear();
    };
    w.on('error', dead);
    w.on('exit', (code) => dead(new Error(`hashing thread exited (code ${code})`)));
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
      if (entry.jobs.size === 0) entry.w.ref();
      entry.jobs.set(id, { resolve, reject, off: 0, len: data.length });
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
