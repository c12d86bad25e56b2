import { BLOCK_SIZE } from './picker/blocks.js';
import type { BlockRequest } from './picker/blocks.js';
import { RateMeter } from './rate.js';

/**
 * BEP 10 `reqq` when a peer does not send one: 250, the value BEP 10 gives as libtorrent's
 * default (peers without the extension protocol get the same; none we know of drops less).
 */
export const DEFAULT_REQQ = 250;

export interface RequestQueueOptions {
  /** The peer's BEP 10 `reqq`. Default DEFAULT_REQQ. */
  readonly reqq?: number;
  /** Our own ceiling whatever the peer advertises. Default 500. */
  readonly maxQueue?: number;
  /** Floor of the target (and the slow-start beginning). Default 4. */
  readonly minQueue?: number;
  /** Seconds of data to keep requested (bandwidth x latency). Default 3. */
  readonly queueSeconds?: number;
  /** No block for this long with requests out marks the peer snubbed. Default 15 s. */
  readonly minTimeoutMs?: number;
  /** Ceiling of the snub timeout for slow peers, and age at which one request counts as lost. Default 60 s. */
  readonly maxTimeoutMs?: number;
  /** Rate window of the per-peer download meter. Default 10 s. */
  readonly rateWindowSeconds?: number;
}

interface Pending {
  readonly request: BlockRequest;
  readonly sentAt: number;
}

const NONE: readonly BlockRequest[] = Object.freeze([]);

/** Map key of a request without knowing the torrent: exact for pieces up to 2 GiB. */
function blockKey(index: number, begin: number): number {
  return index * 131072 + Math.floor(begin / BLOCK_SIZE);
}

/**
 * Requests outstanding to one peer and how many there should be. Target = clamp(rate x
 * queueSeconds / 16 KiB, minQueue, min(reqq, maxQueue)), reached by slow start: the target
 * grows by one per block received (doubling per round trip) until a one-second rate
 * sample grows by less than 10 %. A peer that sends nothing for the timeout is snubbed:
 * all its requests come back, and it gets new ones only in endgame (one at a time) until a
 * block arrives. No timers: the engine calls tick(now) from its scheduler.
 */
export class RequestQueue {
  readonly download: RateMeter;
  target: number;
  slowStart = true;
  snubbed = false;
  private readonly pending = new Map<number, Pending>();
  private readonly minQueue: number;
  private readonly maxQueue: number;
  private readonly queueSeconds: number;
  private readonly minTimeoutMs: number;
  private readonly maxTimeoutMs: number;
  private reqq: number;
  private lastProgress: number;
  private sampleSecond: number;
  /** -0: a double from the start, so the first fractional rate keeps the hidden class (see RateMeter). */
  private sampleRate = -0;

  constructor(now: number, opts: RequestQueueOptions = {}) {
    this.minQueue = Math.max(1, opts.minQueue ?? 4);
    this.maxQueue = Math.max(this.minQueue, opts.maxQueue ?? 500);
    this.queueSeconds = opts.queueSeconds ?? 3;
    this.minTimeoutMs = opts.minTimeoutMs ?? 15_000;
    this.maxTimeoutMs = Math.max(this.minTimeoutMs, opts.maxTimeoutMs ?? 60_000);
    this.reqq = DEFAULT_REQQ;
    this.setReqq(opts.reqq);
    this.download = new RateMeter(now, opts.rateWindowSeconds ?? 10);
    this.target = this.minQueue;
    this.lastProgress = now;
    this.sampleSecond = Math.floor(now / 1000);
  }

  /** The peer's `reqq` from its extension handshake (undefined: the default). */
  setReqq(reqq: number | undefined): void {
    this.reqq = reqq !== undefined && Number.isInteger(reqq) && reqq > 0 ? reqq : DEFAULT_REQQ;
    this.target = Math.min(this.target, this.ceiling);
  }

  get ceiling(): number {
    return Math.min(this.reqq, this.maxQueue);
  }

  get outstanding(): number {
    return this.pending.size;
  }

  has(index: number, begin: number): boolean {
    return this.pending.get(blockKey(index, begin))?.request.begin === begin;
  }

  /** How many new requests to send now (pass it to the picker). */
  room(endgame = false): number {
    const target = this.snubbed ? (endgame ? 1 : 0) : this.target;
    return Math.max(0, target - this.pending.size);
  }

  /** Records requests just sent. */
  sent(requests: readonly BlockRequest[], now: number): void {
    if (this.pending.size === 0) this.lastProgress = now;
    for (const request of requests) this.pending.set(blockKey(request.index, request.begin), { request, sentAt: now });
  }

  /**
   * A block arrived (any block: late answers to given-up requests still show the peer is
   * alive). Returns whether it answered an outstanding request.
   */
  received(index: number, begin: number, length: number, now: number): boolean {
    this.download.add(length, now);
    this.lastProgress = now;
    if (this.snubbed) {
      this.snubbed = false;
      this.slowStart = true;
      this.target = this.minQueue;
    }
    const key = blockKey(index, begin);
    const p = this.pending.get(key);
    if (!p || p.request.begin !== begin || p.request.length !== length) return false;
    this.pending.delete(key);
    if (this.slowStart) this.target = Math.min(this.ceiling, this.target + 1);
    return true;
  }

  /** Forgets one request (REJECT, endgame CANCEL, piece dropped). */
  cancel(index: number, begin: number): boolean {
    const key = blockKey(index, begin);
    const p = this.pending.get(key);
    if (!p || p.request.begin !== begin) return false;
    this.pending.delete(key);
    return true;
  }

  /** Forgets and returns every request (choke without the fast extension, disconnect). */
  clear(): BlockRequest[] {
    const all: BlockRequest[] = [];
    for (const p of this.pending.values()) all.push(p.request);
    this.pending.clear();
    return all;
  }

  /**
   * Scheduler tick: adjusts the target once per second and applies timeouts. Returns the
   * requests given up (release them in the picker, and CANCEL them on the wire): all of
   * them when the peer is newly snubbed, else any single request older than maxTimeoutMs.
   */
  tick(now: number): readonly BlockRequest[] {
    const second = Math.floor(now / 1000);
    if (second > this.sampleSecond) {
      this.sampleSecond = second;
      const rate = this.download.rate(now);
      if (this.slowStart) {
        if (rate > 0 && rate <= this.sampleRate * 1.1) this.slowStart = false;
        this.sampleRate = rate;
      }
      if (!this.slowStart) this.target = this.wanted(rate);
    }
    if (this.pending.size === 0) return NONE;
    if (now - this.lastProgress > this.timeoutMs(now)) {
      this.snubbed = true;
      this.slowStart = true;
      this.sampleRate = 0;
      this.target = this.minQueue;
      return this.clear();
    }
    let lost: BlockRequest[] | undefined;
    for (const [key, p] of this.pending) {
      if (now - p.sentAt <= this.maxTimeoutMs) break; // oldest first: the rest are younger
      (lost ??= []).push(p.request);
      this.pending.delete(key);
    }
    return lost ?? NONE;
  }

  /** How long without a block before snubbing: 10 expected block gaps, within [min, max]. */
  timeoutMs(now: number): number {
    const rate = this.download.rate(now);
    const gapMs = rate > 0 ? (BLOCK_SIZE * 1000) / rate : 0; // never sent anything: the floor
    return Math.min(this.maxTimeoutMs, Math.max(this.minTimeoutMs, 10 * gapMs));
  }

  private wanted(rate: number): number {
    const blocks = Math.ceil((rate * this.queueSeconds) / BLOCK_SIZE);
    return Math.max(this.minQueue, Math.min(this.ceiling, blocks));
  }
}
