import type { PeerConnection } from '../peer.js';
import { BLOCK_SIZE } from '../picker/blocks.js';
import type { PickerPeer } from '../picker/peer.js';
import { RateMeter } from '../rate.js';
import { WebSeedError } from './errors.js';
import type { WebSeedReason } from './errors.js';
import { SeedAgents, fetchRange } from './http-range.js';
import { forEachPieceRun, mergeBlocks, rangeSpans } from './plan.js';
import type { ByteRange } from './plan.js';
import { retryDelay } from './retry.js';
import type { WebSeedHost, WebSeedInfo, WebSeedState } from './types.js';
import { checkSeedUrl, fileUrl } from './url.js';

/** Resolved options of one web seed. */
export interface SeedConfig {
  readonly connections: number;
  /** Blocks one connection claims at a time. */
  readonly claimBlocks: number;
  readonly retryMs: number;
  readonly maxRetryMs: number;
  readonly maxHashFailures: number;
  readonly maxBadResponses: number;
  readonly timeoutMs: number;
}

type Terminal = 'done' | 'dropped' | 'closed';

/**
 * One HTTP(S) web seed (BEP 19) of a torrent. It joins the piece picker as a peer that has
 * every piece and never chokes, so it claims blocks exactly like a peer: pieces nobody
 * works on (or the free blocks of partial ones), duplicates only in endgame. Each of its
 * `connections` keeps one claim of `claimBlocks` blocks in flight: the blocks are merged
 * into contiguous byte ranges, each fetched with one Range request per file slice, and
 * delivered to the torrent, which verifies and writes pieces as for peers. Memory in
 * flight: connections x claim. Errors back off (see retry.ts); bad data or repeated
 * malformed answers drop the seed. Download-only: it stops when the torrent is complete.
 */
export class WebSeed {
  readonly url: string;
  private readonly host: WebSeedHost;
  private readonly cfg: SeedConfig;
  private readonly agents: SeedAgents;
  private readonly meter: RateMeter;
  private readonly urls: (string | undefined)[];
  /** Every picker peer this seed ever registered (blame may name an old one). */
  private readonly mine = new WeakSet<PickerPeer<PeerConnection>>();
  private readonly aborts = new Set<AbortController>();
  private pp: PickerPeer<PeerConnection> | undefined;
  private terminal: Terminal | undefined;
  private running = 0;
  private busy = 0;
  private failures = 0;
  private bad = 0;
  private retryAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private limitTimer: NodeJS.Timeout | undefined;
  private downloaded = 0;
  private hashFailures = 0;
  private error: string | undefined;

  constructor(url: string, host: WebSeedHost, cfg: SeedConfig, now: number) {
    this.url = url;
    this.host = host;
    this.cfg = cfg;
    this.agents = new SeedAgents(cfg.connections);
    this.meter = new RateMeter(now, 5);
    this.urls = new Array<string | undefined>(host.meta.files.length);
    try {
      checkSeedUrl(url);
    } catch (e) {
      this.terminal = 'dropped';
      this.error = (e as Error).message;
    }
  }

  get state(): WebSeedState {
    if (this.terminal) return this.terminal;
    if (performance.now() < this.retryAt) return 'backoff';
    return this.busy > 0 ? 'downloading' : 'idle';
  }

  info(now: number): WebSeedInfo {
    return { url: this.url, state: this.state, downloaded: this.downloaded, downloadRate: this.meter.rate(now), hashFailures: this.hashFailures, error: this.error };
  }

  /** Whether `pp` is (or was) this seed's picker peer. */
  owns(pp: PickerPeer<PeerConnection>): boolean {
    return this.mine.has(pp);
  }

  /**
   * Called by the torrent on every picker peer when a block it was asked for arrived from
   * elsewhere (endgame) or its piece became unwanted: nothing to do, a Range request
   * cannot be cut short; late blocks come back as duplicates.
   */
  sendCancel(_index: number, _begin: number, _length: number): void {}

  /** Starts connections while there is work (tick, piece verified, backoff over). */
  kick(): void {
    if (this.terminal === 'done' && this.host.downloading() && this.host.picker.remaining > 0) this.terminal = undefined;
    if (!this.canWork()) return;
    if (this.pp === undefined) {
      // The picker's peers are typed as connections; a web seed stands in for one: the
      // torrent only calls sendCancel on picker refs and asks owns() before blaming.
      const pp = this.host.picker.addPeer(this as unknown as PeerConnection);
      this.host.picker.peerHaveAll(pp);
      this.host.picker.setChoking(pp, false);
      this.mine.add(pp);
      this.pp = pp;
    }
    const pp = this.pp;
    while (this.running < this.cfg.connections) {
      this.running++;
      void this.connection(pp).finally(() => this.running--);
    }
  }

  /** A piece it sent (alone or with peers) failed its hash check. */
  hashFailed(): void {
    this.hashFailures++;
    this.error = `${this.hashFailures} piece${this.hashFailures === 1 ? '' : 's'} failed the hash check`;
    if (this.hashFailures >= this.cfg.maxHashFailures) this.stop('dropped', `dropped: ${this.error}`);
  }

  /** The torrent is complete: stop (web seeds only download). */
  done(): void {
    if (!this.terminal) this.stop('done');
  }

  close(): void {
    this.stop('closed');
  }

  private canWork(): boolean {
    return this.terminal === undefined && performance.now() >= this.retryAt && this.host.downloading() && this.host.picker.remaining > 0;
  }

  private stop(t: Terminal, why?: string): void {
    if (this.terminal === 'closed') return;
    const was = this.terminal;
    this.terminal = t;
    if (why !== undefined) this.error = why;
    clearTimeout(this.timer);
    clearTimeout(this.limitTimer);
    this.timer = this.limitTimer = undefined;
    for (const a of this.aborts) a.abort();
    this.aborts.clear();
    if (this.pp) this.host.picker.removePeer(this.pp);
    this.pp = undefined;
    this.agents.destroy();
    if (t === 'dropped' && was !== 'dropped') this.host.warn(`web seed ${this.url} ${why ?? 'dropped'}`);
  }

  /** One HTTP connection's loop: claim blocks, fetch their ranges, deliver; until no work. */
  private async connection(pp: PickerPeer<PeerConnection>): Promise<void> {
    const h = this.host;
    const pieceLength = h.meta.pieceLength;
    while (this.pp === pp && this.canWork()) {
      const count = this.allowance();
      if (count === 0) return;
      const reqs = h.picker.pick(pp, count);
      if (reqs.length === 0) return;
      if (h.downLimit?.limited) h.downLimit.take(reqs.reduce((n, q) => n + q.length, 0), performance.now());
      const ranges = mergeBlocks(reqs, pieceLength);
      let k = 0;
      this.busy++;
      try {
        for (; k < ranges.length; k++) {
          const r = ranges[k]!;
          const data = await this.fetch(r);
          if (this.pp !== pp || !h.downloading()) break;
          forEachPieceRun(pieceLength, r, (index, begin, at, n) => h.deliver(pp, index, begin, data.subarray(at, at + n)));
        }
        if (k === ranges.length) {
          this.failures = 0;
          this.bad = 0;
          this.error = undefined;
        }
      } catch (e) {
        this.failed(e);
      } finally {
        this.busy--;
        for (; k < ranges.length; k++) this.release(pp, ranges[k]!);
      }
    }
  }

  /**
   * Blocks to claim now: the claim size, less under a download limit (what the bucket
   * holds); 0 while it is empty, and a timer kicks again when tokens are back.
   */
  private allowance(): number {
    const lim = this.host.downLimit;
    if (!lim?.limited) return this.cfg.claimBlocks;
    const now = performance.now();
    const avail = lim.available(now);
    if (avail <= 0) {
      if (this.limitTimer === undefined) {
        this.limitTimer = setTimeout(() => {
          this.limitTimer = undefined;
          this.kick();
        }, Math.max(10, lim.delay(now)));
        this.limitTimer.unref();
      }
      return 0;
    }
    return Math.min(this.cfg.claimBlocks, Math.ceil(avail / BLOCK_SIZE));
  }

  private async fetch(r: ByteRange): Promise<Buffer> {
    const meta = this.host.meta;
    const buf = Buffer.allocUnsafe(r.length);
    let at = 0;
    for (const s of rangeSpans(meta, r)) {
      const f = meta.files[s.fileIndex]!;
      if (f.pad) buf.fill(0, at, at + s.length);
      else {
        const ac = new AbortController();
        this.aborts.add(ac);
        try {
          await fetchRange(
            { url: this.fileUrl(s.fileIndex), start: s.fileOffset, length: s.length, fileLength: f.length, into: buf, at },
            { agents: this.agents, timeoutMs: this.cfg.timeoutMs, signal: ac.signal, onData: (n) => this.received(n) },
          );
        } finally {
          this.aborts.delete(ac);
        }
      }
      at += s.length;
    }
    return buf;
  }

  private received(n: number): void {
    this.downloaded += n;
    this.meter.add(n, performance.now());
  }

  private fileUrl(i: number): string {
    return (this.urls[i] ??= fileUrl(this.url, this.host.meta, i));
  }

  private release(pp: PickerPeer<PeerConnection>, r: ByteRange): void {
    const picker = this.host.picker;
    forEachPieceRun(this.host.meta.pieceLength, r, (index, begin, _at, n) => {
      for (let b = begin; b < begin + n; b += BLOCK_SIZE) picker.release(pp, index, b);
    });
  }

  private failed(e: unknown): void {
    if (this.terminal) return;
    const err = e instanceof WebSeedError ? e : undefined;
    const reason: WebSeedReason = err?.reason ?? 'network';
    this.error = (e as Error).message;
    if (reason === 'url') return this.stop('dropped', `dropped: ${this.error}`);
    if (reason === 'bad_response' && ++this.bad >= this.cfg.maxBadResponses) return this.stop('dropped', `dropped after ${this.bad} malformed responses: ${this.error}`);
    const now = performance.now();
    if (now < this.retryAt) return; // the other connection already backs off
    this.failures++;
    const wait = retryDelay(reason, this.failures, this.cfg.retryMs, this.cfg.maxRetryMs, err?.retryAfterMs);
    this.retryAt = now + wait;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      // Timers may fire a fraction of a millisecond before performance.now() reaches retryAt.
      this.timer = undefined;
      this.retryAt = 0;
      this.kick();
    }, wait);
    this.timer.unref();
    this.host.warn(`web seed ${this.url}: ${this.error}; retrying in ${(wait / 1000).toFixed(1)} s`);
  }
}
