import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { WriteTarget } from '../storage/interface.js';
import { WRITE_SLICE } from '../storage/write-slices.js';

/*
 * SHA-1 of pieces on worker threads, for pieces in shared memory (allocPiece in hash.ts):
 * the worker reads the caller's bytes where they are, no copy and no transfer. While a job
 * runs the caller must not touch the piece. Shared rather than transferred: a transferred
 * ArrayBuffer is new external memory to each isolate it arrives in, and 1 GiB of pieces
 * going back and forth set off five full garbage collections per GiB on the event loop.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { writeSync } = require('node:fs');
const SLICE = ${WRITE_SLICE};
// Writes each target [fd, position, offset, length] of the piece in order, in slices.
function write(view, targets) {
  for (let t = 0; t < targets.length; t++) {
    const [fd, position, offset, length] = targets[t];
    for (let done = 0; done < length; ) {
      let n;
      try {
        n = writeSync(fd, view, offset + done, Math.min(SLICE, length - done), position + done);
      } catch (e) {
        return { target: t, code: e.code, message: e.message };
      }
      if (n <= 0) return { target: t, code: 'EIO', message: 'pwrite wrote nothing at ' + (position + done) };
      done += n;
    }
  }
  return undefined;
}
parentPort.on('message', (m) => {
  const view = new Uint8Array(m.buf, m.off, m.len);
  const digest = createHash('sha1').update(view).digest();
  let written = false;
  let error;
  if (m.expect !== undefined && digest.equals(m.expect)) {
    error = write(view, m.targets);
    written = error === undefined;
  }
  parentPort.postMessage({ id: m.id, digest, written, error });
});
`;

interface Job {
  readonly resolve: (r: HashResult) => void;
  readonly reject: (e: Error) => void;
  readonly data: Buffer;
}

export interface HashResult {
  /** The piece (the caller's own Buffer). */
  readonly data: Buffer;
  readonly digest: Uint8Array;
  /** With `write`: the piece matched and is written to every target. */
  readonly written: boolean;
}

/** Write the piece where it goes, on the hashing thread, when its SHA-1 is `expect`. */
export interface VerifiedWrite {
  readonly expect: Uint8Array;
  readonly targets: readonly WriteTarget[];
}

/** A write on the hashing thread failed: `target` is the index of the target. */
export class TargetWriteError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly target: number,
  ) {
    super(message);
  }
}

interface Reply {
  readonly id: number;
  readonly digest: Uint8Array;
  readonly written: boolean;
  readonly error?: { readonly target: number; readonly code?: string; readonly message: string };
}

/** Whether `data` lives in shared memory (a SharedArrayBuffer), where a hashing thread can read it. */
export function shared(data: Uint8Array): boolean {
  return data.buffer instanceof SharedArrayBuffer;
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
    w.on('message', (m: Reply) => {
      const job = entry.jobs.get(m.id);
      if (!job) return;
      entry.jobs.delete(m.id);
      if (entry.jobs.size === 0) w.unref();
      if (m.error) job.reject(new TargetWriteError(m.error.message, m.error.code, m.error.target));
      else job.resolve({ data: job.data, digest: m.digest, written: m.written });
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
   * Hashes `data`: on a hashing thread when it is in shared memory, otherwise here,
   * synchronously. With `write`, a piece whose digest is `write.expect` is also written to
   * `write.targets` by the thread, in WRITE_SLICE pwrites one after the other: one thread
   * writing a file in sequence, where the libuv pool's four threads would contend for the
   * file's lock (measured: 1 GiB of 64 KiB pwrites cost 0.29-0.37 s of system CPU from one
   * thread, 0.64 s and more from four). A failed write rejects with a TargetWriteError.
   */
  hash(data: Buffer, write?: VerifiedWrite): Promise<HashResult> {
    if (!shared(data)) {
      if (write) return Promise.reject(new Error('a piece written by the hashing thread must be in shared memory'));
      return Promise.resolve({ data, digest: createHash('sha1').update(data).digest(), written: false });
    }
    const entry = this.worker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (entry.jobs.size === 0) entry.w.ref();
      entry.jobs.set(id, { resolve, reject, data });
      const targets = write?.targets.map((t) => [t.fd, t.position, t.offset, t.length]);
      entry.w.postMessage({ id, buf: data.buffer, off: data.byteOffset, len: data.length, expect: write?.expect, targets });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((x) => x.w.terminate()));
    this.workers.length = 0;
  }
}

/** The process-wide pool. */
export const hashPool = new HashPool();
