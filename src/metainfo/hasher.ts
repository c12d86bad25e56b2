/**
 * Parallel piece hashing: a small pool of worker_threads (one per core, fewer for little
 * data), each hashing a contiguous range of pieces at a time (hash-worker.ts). Shared by
 * `createTorrent` and `verifyData`. The main thread hands out ranges (two queued per
 * worker) and polls a shared progress counter every ~100 ms; with `inline` it is also one
 * of the hashers (hash-range.ts), so one worker fewer is started and hashing begins at once
 * instead of after the workers' start-up (tens of ms each).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ShoalError } from '../core/errors.js';
import type { HashClose, HashInit, HashJob, HashReply, HashSource } from './hash-protocol.js';
import { RangeHasher } from './hash-range.js';

export type { HashSource } from './hash-protocol.js';

/**
 * Codes: 'EOPTIONS' (bad thread count), 'EABORTED' (signal fired), 'ECALLBACK' (onProgress
 * threw), 'EINPUT_READ' (a file could not be opened or read), 'EINPUT_CHANGED' (a file ended
 * early: it changed while hashing), 'EHASH_WORKER' (a worker failed to start or crashed).
 */
export class HashError extends ShoalError {}

export interface HashRunOptions {
  readonly files: readonly HashSource[];
  readonly pieceLength: number;
  readonly totalLength: number;
  /** Piece ranges [first, end) to hash; default all pieces. */
  readonly ranges?: readonly (readonly [number, number])[];
  /** Hashing threads; default os.availableParallelism(), never more than there are ranges of work. */
  readonly threads?: number;
  /**
   * The calling thread hashes too, as one of `threads` (threads - 1 workers; none for one).
   * It is then busy for a few ms per read buffer at a time; fine for a command that only
   * hashes (create), not for a process serving peers. Default false.
   */
  readonly inline?: boolean;
  /** See HashInit.lenient. Default false. */
  readonly lenient?: boolean;
  readonly signal?: AbortSignal;
  /** Bytes hashed so far; called at most every `progressInterval` ms (default 100). */
  readonly onProgress?: (hashedBytes: number) => void;
  readonly progressInterval?: number;
  /** Tuning (tests use small values to exercise many workers on little data). */
  /** Read buffer per worker (two of them, double-buffered); default 4 MiB. */
  readonly bufferSize?: number;
  /** Bytes per job; default total / (threads * 8), clamped to 4..32 MiB, whole pieces. */
  readonly jobBytes?: number;
  /** Start one more worker per this many bytes to hash; default 16 MiB. */
  readonly bytesPerWorker?: number;
}

export interface HashRunResult {
  /** 20 bytes per piece of the torrent; zeros for pieces outside `ranges`. */
  readonly digests: Buffer;
  /** Pieces with bytes that could not be read (lenient mode). */
  readonly unreadable: ReadonlySet<number>;
}

const DEFAULT_BUFFER = 4 << 20;
const MIN_JOB = 4 << 20;
const MAX_JOB = 32 << 20;
/** Starting a worker pays off from about this much data (hashing ~1 GB/s per core). */
const BYTES_PER_WORKER = 16 << 20;
/** Jobs queued per worker, so a worker never waits for the main thread between jobs. */
const QUEUE_DEPTH = 2;

/**
 * Splits the ranges into jobs of whole pieces: many per worker (about 32 MiB each, a few
 * tens of ms of hashing) so that the workers finish within one small job of each other.
 */
function makeJobs(ranges: readonly (readonly [number, number])[], pieceLength: number, threads: number, jobBytes?: number): [number, number][] {
  let pieces = 0;
  for (const [a, b] of ranges) pieces += b - a;
  const target = jobBytes ?? Math.min(MAX_JOB, Math.max(MIN_JOB, Math.ceil((pieces * pieceLength) / (threads * 8))));
  const per = Math.max(1, Math.floor(target / pieceLength));
  const jobs: [number, number][] = [];
  for (const [a, b] of ranges) for (let p = a; p < b; p += per) jobs.push([p, Math.min(b, p + per)]);
  return jobs;
}

function abortError(signal: AbortSignal): HashError {
  return new HashError('EABORTED', 'hashing was aborted', {}, { cause: signal.reason });
}

export async function hashPieces(opts: HashRunOptions): Promise<HashRunResult> {
  const { pieceLength, totalLength, signal } = opts;
  if (signal?.aborted) throw abortError(signal);
  const pieceCount = Math.ceil(totalLength / pieceLength);
  const digests = Buffer.alloc(pieceCount * 20);
  const unreadable = new Set<number>();
  const wanted = opts.threads ?? availableParallelism();
  if (!Number.isSafeInteger(wanted) || wanted < 1) {
    throw new HashError('EOPTIONS', `threads must be a positive whole number, got ${wanted}`, { threads: wanted });
  }
  const jobs = makeJobs(opts.ranges ?? [[0, pieceCount]], pieceLength, wanted, opts.jobBytes);
  if (jobs.length === 0) return { digests, unreadable };
  let bytes = 0;
  let largestJob = 0;
  for (const [a, b] of jobs) {
    const n = Math.min(b * pieceLength, totalLength) - a * pieceLength;
    bytes += n;
    largestJob = Math.max(largestJob, n);
  }
  // A worker costs some tens of ms of CPU to start: only as many as the data pays for.
  const threads = Math.max(1, Math.min(wanted, jobs.length, Math.ceil(bytes / (opts.bytesPerWorker ?? BYTES_PER_WORKER))));
  const bufferSize = Math.min(opts.bufferSize ?? DEFAULT_BUFFER, largestJob);
  const shared = new SharedArrayBuffer(8 * (threads + 1));
  const counters = new BigUint64Array(shared);

  const workers: Worker[] = [];
  const exits: Promise<void>[] = [];
  const inline = opts.inline ?? false;
  const workerCount = inline ? threads - 1 : threads;
  let next = 0;
  let pending = jobs.length;
  let failure: HashError | undefined;
  let timer: NodeJS.Timeout | undefined;
  let settle!: () => void;
  const finished = new Promise<void>((resolve) => (settle = resolve));

  const hashedSoFar = (): number => {
    let sum = 0;
    for (let i = 0; i < threads; i++) sum += Number(counters[i]!);
    return sum;
  };
  const stop = (err: HashError | undefined): void => {
    if (err && !failure) failure = err;
    Atomics.store(counters, threads, 1n);
    settle();
  };
  const onAbort = (): void => stop(abortError(signal!));

  const dispatch = (w: Worker): boolean => {
    const job = jobs[next];
    if (job === undefined) return false;
    const msg: HashJob = { type: 'job', id: next, first: job[0], end: job[1] };
    next++;
    w.postMessage(msg);
    return true;
  };

  const onReply = (reply: HashReply, again: () => void): void => {
    if (reply.type === 'error') {
      stop(new HashError(reply.code, reply.message, reply.path === undefined ? {} : { path: reply.path }));
      return;
    }
    const job = jobs[reply.id]!;
    digests.set(reply.digests, job[0] * 20);
    for (const p of reply.unreadable) unreadable.add(p);
    pending--;
    if (pending === 0) settle();
    else if (!failure) again();
  };

  for (let i = 0; i < workerCount; i++) {
    const init: HashInit = {
      files: opts.files,
      pieceLength,
      totalLength,
      bufferSize,
      lenient: opts.lenient ?? false,
      progress: shared,
      slot: i,
      stopSlot: threads,
    };
    // execArgv: [] — the worker needs no flags, and some of the parent's break it
    // (`node --input-type=module -e …` makes every inheriting worker fail to start).
    let w: Worker;
    try {
      w = new Worker(new URL('./hash-worker.js', import.meta.url), { workerData: init, execArgv: [] });
    } catch (e) {
      stop(new HashError('EHASH_WORKER', `cannot start a hash worker: ${(e as Error).message}`, {}, { cause: e }));
      break;
    }
    workers.push(w);
    exits.push(new Promise((resolve) => w.once('exit', () => resolve())));
    w.on('error', (e) => stop(new HashError('EHASH_WORKER', `hash worker failed: ${e.message}`, {}, { cause: e })));
    w.on('exit', (code) => {
      if (pending > 0) stop(failure ?? new HashError('EHASH_WORKER', `hash worker exited early (code ${code})`));
    });
    w.on('message', (reply: HashReply) => onReply(reply, () => dispatch(w)));
    for (let q = 0; q < QUEUE_DEPTH; q++) dispatch(w);
  }

  /** The calling thread's share (inline): takes the next job whenever it is free. */
  const runInline = async (): Promise<void> => {
    const init: HashInit = { files: opts.files, pieceLength, totalLength, bufferSize, lenient: opts.lenient ?? false, progress: shared, slot: threads - 1, stopSlot: threads };
    const h = new RangeHasher(init, () => Atomics.load(counters, threads) !== 0n);
    try {
      while (!failure && next < jobs.length) {
        const id = next++;
        const job = jobs[id]!;
        const reply = await h.runJob({ type: 'job', id, first: job[0], end: job[1] });
        if (reply === 'stopped') return;
        onReply(reply, () => {});
      }
    } finally {
      h.close();
    }
  };
  const inlineDone = inline && !failure ? runInline().catch((e: unknown) => stop(new HashError('EHASH_WORKER', `hashing failed: ${(e as Error).message}`, {}, { cause: e }))) : undefined;

  signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.onProgress) {
    const cb = opts.onProgress;
    let last = -1;
    timer = setInterval(() => {
      const now = hashedSoFar();
      if (now === last) return;
      try {
        cb((last = now));
      } catch (e) {
        stop(new HashError('ECALLBACK', `progress callback failed: ${(e as Error).message}`, {}, { cause: e }));
      }
    }, opts.progressInterval ?? 100);
  }
  try {
    await finished;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (timer) clearInterval(timer);
    const close: HashClose = { type: 'close' };
    for (const w of workers) w.postMessage(close);
    await Promise.all(exits);
    await inlineDone;
  }
  if (failure) throw failure;
  return { digests, unreadable };
}
